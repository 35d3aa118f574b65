"""The working state of one quarter's decisions and the rows it is made of.

`QuarterState` holds the voters touched this quarter, the automatic proposals, the review
queue and each input row's outcome; `decide_quarter` (transforms/decide.py) drives it, the
review queue (transforms/queue.py), coklit (transforms/coklit.py) and the whole-list checks
(transforms/checks.py) add to it.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import polars as pl

from schemas.fields import CORRECTABLE_FIELDS, OTOMATIS, PERSON_FIELDS, VERIFIKASI
from schemas.frames import CHANGE_COLUMNS  # noqa: F401  (re-exported)
from schemas.policy import MatchPolicy
from schemas.tables import TmsRules, shipped_tms_rules
from transforms.review import SOURCE_PERSON, T_TAMBAH, T_TMS, T_UBAH, pair_key, person_state

ADULT_AGE = 17
MARRIED = ("S", "P")


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def is_eligible(born: date | None, umur: int | None, status_kawin: str | None, tanggal_acuan: date) -> bool | None:
    """SPEC §5.2: 17 or older on the reference date, or married (now or before). None = unknown."""
    if status_kawin in MARRIED:
        return True
    age = age_on(born, tanggal_acuan) if born is not None else umur
    if age is None:
        return None
    return age >= ADULT_AGE


def jsonable(v: object) -> object:
    return v.isoformat() if isinstance(v, date) else v


class QuarterState:
    """Mutable working state of one quarter's decisions; `decide_quarter` is the entry point."""

    def __init__(self, current: pl.DataFrame, tanggal_acuan: date, policy: MatchPolicy,
                 tms: TmsRules | None = None) -> None:
        self.tanggal_acuan = tanggal_acuan
        self.policy = policy
        self.tms = tms or shipped_tms_rules()  # what each TMS code means (schemas/tms.csv)
        self.current = current
        self.by_id: dict[int, dict] = {}          # voters touched this quarter: id -> new state
        self.original: dict[int, dict] = {}
        self._ids: np.ndarray | None = None
        self.proposals: list[dict] = []           # AUTO proposals before conflict resolution
        self.review: list[dict] = []
        self.outcome: dict[tuple[str, int], str] = {}
        self.next_id = int(current["id_pemilih"].max() or 0) + 1
        self.karantina: list[dict] = []
        self.applied: list[dict] = []
        self.selesai: list[dict] = []
        self.notes: list[str] = []

    def set_outcome(self, rec: dict, value: str) -> None:
        """The outcome of an input row of this run (items carried over or found on the list
        itself have no row in this quarter's files)."""
        if not rec.get("_tanpa_hasil"):
            self.outcome[(rec["sumber_file"], rec["sumber_baris"])] = value

    # -- voters -------------------------------------------------------------------------------
    def voter(self, id_pemilih: int) -> dict:
        if id_pemilih not in self.by_id:
            if self._ids is None:  # the list comes sorted by id_pemilih: binary search, no dict of millions
                self._ids = self.current.get_column("id_pemilih").to_numpy()
            position = int(np.searchsorted(self._ids, id_pemilih))
            row = self.current.row(position, named=True)
            assert row["id_pemilih"] == id_pemilih, "voter list is not sorted by id_pemilih"
            self.original[id_pemilih] = dict(row)
            self.by_id[id_pemilih] = dict(row)
        return self.by_id[id_pemilih]


def source_of(rec: dict) -> dict:
    return {"sumber_file": rec["sumber_file"], "sumber_sha256": rec.get("sumber_sha256"), "sumber_baris": rec["sumber_baris"]}


def proposal(rec: dict, kategori: str, kode_tms: int | None, id_pemilih: int | None, link: dict | None,
              penetapan: str = OTOMATIS, id_verifikasi: str | None = None, fields: dict | None = None) -> dict:
    return {
        "rec": rec,
        "kategori": kategori,
        "kode_tms": kode_tms,
        "id_pemilih": id_pemilih,
        "metode": (link or {}).get("metode") or "NIK",
        "skor": (link or {}).get("skor"),
        "penetapan": penetapan,
        "id_verifikasi": id_verifikasi,
        "fields": fields or {},
    }


def ubah_fields(rec: dict) -> dict:
    """The fields an event sets on a voter who is on the list."""
    if rec["jenis"] == "pindah_datang":
        return {f: rec.get(f) for f in ("kode_desa", "alamat", "rt", "rw") if rec.get(f) is not None}
    if rec["jenis"] == "perbaikan":
        # The name column always carries the corrected spelling; a change only if it differs.
        filled = ["nama", *(rec.get("kolom_isi") or [])]
        return {f: rec.get(f) for f in filled if f in CORRECTABLE_FIELDS and rec.get(f) is not None}
    return {}


def add_review(q: QuarterState, rec: dict, kategori: str, kode: int | None, rows: list[dict], fields: dict | None = None,
                tindakan: str | None = None) -> None:
    """One item per candidate: what SETUJU would do to that candidate (SPEC §5.3)."""
    for link in rows:
        cand_id = link.get("id_pemilih")
        cand = q.voter(cand_id) if cand_id is not None else {}
        action = tindakan or (T_TMS if kategori == "TMS" else T_UBAH if kategori == "UBAH" else T_TAMBAH)
        proposed = fields if fields is not None else (
            new_voter_fields(rec) if action == T_TAMBAH else ubah_fields(rec)
        )
        q.review.append({
            "rec": rec,
            "kategori_usulan": kategori,
            "kode_tms_usulan": kode,
            "tindakan": action,
            "id_pemilih_kandidat": cand_id,
            "nik_kandidat": cand.get("nik"),
            "nama_kandidat": cand.get("nama"),
            "kode_desa_kandidat": cand.get("kode_desa"),
            "skor": link.get("skor"),
            "alasan": link.get("alasan"),
            "metode": link.get("metode"),
            "fields": proposed,
            "nilai_lama": {f: cand.get(f) for f in proposed} if action == T_UBAH and cand else None,
            "kunci_pasangan": pair_key(rec.get("jenis") or "", tuple(rec.get(f) for f in SOURCE_PERSON),
                                       person_state(cand), kategori, kode),
        })
    q.set_outcome(rec, VERIFIKASI)


def new_voter_fields(rec: dict) -> dict:
    return {f: rec.get(f) for f in PERSON_FIELDS}




def set_fields(voter: dict, fields: dict) -> tuple[list[str], dict, dict]:
    """Set the given fields on the voter; return the fields that changed with old and new values."""
    changed = [f for f in PERSON_FIELDS if f in fields and fields[f] is not None and fields[f] != voter.get(f)]
    old = {f: voter.get(f) for f in changed}
    new = {f: fields[f] for f in changed}
    for f in changed:
        voter[f] = fields[f]
    return changed, old, new


def change_row(p: dict, voter: dict, kategori: str, kode_tms: int | None, desa_lama: str | None,
            changed: list[str], old: dict, new: dict) -> dict:
    rec = p["rec"]
    return {
        "kategori": kategori,
        "kode_tms": kode_tms,
        "id_pemilih": voter["id_pemilih"],
        "nik": voter.get("nik"),
        "nkk": voter.get("nkk"),
        "nama": voter.get("nama"),
        "jenis_kelamin": voter.get("jenis_kelamin"),
        "kode_desa": voter.get("kode_desa"),
        "kode_desa_lama": desa_lama,
        "kolom_diubah": ",".join(changed) if changed else None,
        "nilai_lama": json.dumps({k: jsonable(v) for k, v in old.items()}, ensure_ascii=False) if changed else None,
        "nilai_baru": json.dumps({k: jsonable(v) for k, v in new.items()}, ensure_ascii=False) if changed else None,
        **source_of(rec),
        "metode": p["metode"],
        "skor": p["skor"],
        "penetapan": p["penetapan"],
        "id_verifikasi": p["id_verifikasi"],
        "no_bukti": rec.get("no_bukti"),  # akta kematian / SKPWNI number: the agency's evidence
    }
