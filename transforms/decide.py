"""A quarter's rules: events + matches -> the changes to apply, the review queue, each row's outcome.

The order of precedence follows PKPU 1/2025 practice: a death wins over every other event for
the same person, any TMS wins over a data change, and a person is never added twice. Nothing
that removes a voter is applied unless the matcher says AUTO (or an official said SETUJU).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from schemas.fields import AKTIF, CORRECTABLE_FIELDS, DITERAPKAN, KARANTINA, PERSON_FIELDS, TANPA_PERUBAHAN, VERIFIKASI
from schemas.policy import MatchPolicy
from transforms.coklit import apply_coklit
from transforms.match import find_ganda, link_records, prepare_voters
from transforms.review import (
    REVIEW_COLUMNS,
    REVIEW_SCHEMA,
    SELESAI_SCHEMA,
    SOURCE_PERSON,
    T_AKTIFKAN,
    T_GANDA,
    T_TAMBAH,
    T_TMS,
    T_UBAH,
    ReviewBook,
    from_json,
    pair_key,
    person_state,
    review_id,
    to_json,
)

ADULT_AGE = 17
LINK_CHUNK = 10_000
MARRIED = ("S", "P")

# TMS codes from which a person may come back on the list automatically: a move back into the
# kabupaten (4), a voter who was under age and is now eligible (3), TNI/Polri retirement (6, 7).
REACTIVATABLE = {3: ("penduduk", "pindah_datang"), 4: ("penduduk", "pindah_datang"), 6: ("tni_polri",), 7: ("tni_polri",)}

# Precedence of proposals for one voter: lower wins (death first, SPEC §5.2).
def _rank(kategori: str, kode_tms: int | None) -> int:
    if kategori == "TMS":
        return 0 if kode_tms == 1 else 1
    return 2


CHANGE_COLUMNS = (
    "kategori", "kode_tms", "id_pemilih", "nik", "nkk", "nama", "jenis_kelamin", "kode_desa", "kode_desa_lama",
    "kolom_diubah", "nilai_lama", "nilai_baru", "sumber_file", "sumber_sha256", "sumber_baris", "metode", "skor",
    "keputusan", "id_verifikasi", "no_bukti",
)


@dataclass(frozen=True)
class QuarterDecision:
    versions: pl.DataFrame     # new voter versions (changed + new)
    closed_ids: pl.Series      # voters whose current version is replaced
    perubahan: pl.DataFrame    # CHANGE_COLUMNS, in application order
    verifikasi: pl.DataFrame   # REVIEW_COLUMNS
    hasil: pl.DataFrame        # sumber_file, sumber_baris, hasil (one row per record and decision row)
    karantina: pl.DataFrame    # decision rows that could not be used (unknown id_verifikasi ...)
    selesai: pl.DataFrame | None = None  # SELESAI_COLUMNS: items decided this quarter and what came of it
    catatan: tuple[str, ...] = ()        # log lines about the decisions (Bahasa Indonesia)


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


def _jsonable(v: object) -> object:
    return v.isoformat() if isinstance(v, date) else v


class _Quarter:
    """Mutable working state of one quarter's decisions; `decide_quarter` is the entry point."""

    def __init__(self, current: pl.DataFrame, tanggal_acuan: date, policy: MatchPolicy) -> None:
        self.tanggal_acuan = tanggal_acuan
        self.policy = policy
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


def _source(rec: dict) -> dict:
    return {"sumber_file": rec["sumber_file"], "sumber_sha256": rec.get("sumber_sha256"), "sumber_baris": rec["sumber_baris"]}


def _proposal(rec: dict, kategori: str, kode_tms: int | None, id_pemilih: int | None, link: dict | None,
              keputusan: str = "OTOMATIS", id_verifikasi: str | None = None, fields: dict | None = None) -> dict:
    return {
        "rec": rec,
        "kategori": kategori,
        "kode_tms": kode_tms,
        "id_pemilih": id_pemilih,
        "metode": (link or {}).get("metode") or "NIK",
        "skor": (link or {}).get("skor"),
        "keputusan": keputusan,
        "id_verifikasi": id_verifikasi,
        "fields": fields or {},
    }


def _tms_code(rec: dict) -> int | None:
    jenis = rec["jenis"]
    if jenis == "kematian":
        return 1
    if jenis == "pindah_keluar":
        return 4
    if jenis == "tni_polri" and rec.get("perubahan") == "MASUK":
        return 6 if rec.get("instansi") == "TNI" else 7
    if jenis == "perbaikan" and rec.get("kode_tms") in (5, 9):
        return int(rec["kode_tms"])
    return None


def _purpose_expr() -> pl.Expr:
    """What the matcher is asked: remove someone (strict), change someone (strict), or is this
    person already on the list (recall matters)."""
    return (
        pl.when(pl.col("jenis").is_in(["kematian", "pindah_keluar"]))
        .then(pl.lit("hapus"))
        .when((pl.col("jenis") == "tni_polri") & (pl.col("perubahan") == "MASUK"))
        .then(pl.lit("hapus"))
        .when(pl.col("jenis") == "perbaikan")
        .then(pl.lit("ubah"))
        .otherwise(pl.lit("baru"))
    )


def _correction_view(part: pl.DataFrame) -> pl.DataFrame:
    """What the matcher sees of a correction: the fields being corrected say nothing about who
    the person is on the list (their old values differ by definition), so they are blanked."""
    out = part
    for field in ("tanggal_lahir", "jenis_kelamin", "status_kawin", "kode_desa", "alamat", "rt", "rw", "nkk",
                  "tempat_lahir"):
        if field in out.columns:
            out = out.with_columns(
                pl.when(pl.col("kolom_isi").list.contains(field)).then(None).otherwise(pl.col(field)).alias(field)
            )
    return out


CORRECTION_NAME_MIN = 70.0  # rapidfuzz ratio (0-100) of the name keys: a spelling fix, not another person


def _accept_own_corrections(link_rows: dict, corrections: pl.DataFrame, active: pl.DataFrame) -> None:
    """A correction (tanggapan masyarakat) is filed with the person's own KTP: its trustworthy NIK
    names exactly one voter. It is applied when that voter's record agrees with the NIK (birth
    date and sex encoded in it) and the names are close; a name correction is expected, a
    different person is not. Anything else keeps the matcher's verdict (review)."""
    if corrections.height == 0:
        return
    from rapidfuzz import fuzz

    from transforms.names import name_key
    from transforms.parse_values import nik_agrees

    candidates = corrections.filter(pl.col("nik_andal") & pl.col("nik").is_not_null()).select(
        "sumber_file", "sumber_baris", "nik", "nama"
    )
    once = active.group_by("nik").agg(pl.len().alias("_n"), pl.first("id_pemilih"), pl.first("nama").alias("v_nama"),
                                      pl.first("tanggal_lahir"), pl.first("jenis_kelamin"))
    joined = candidates.join(once.filter(pl.col("_n") == 1), on="nik", how="inner").with_columns(
        nik_agrees(pl.col("nik"), pl.col("tanggal_lahir"), pl.col("jenis_kelamin")).alias("_cocok")
    )
    if joined.height == 0:
        return
    joined = joined.with_columns(name_key(joined["nama"]).alias("_k1"), name_key(joined["v_nama"]).alias("_k2"))
    for row in joined.iter_rows(named=True):
        key = (row["sumber_file"], row["sumber_baris"])
        current = link_rows.get(key, [])
        if current and current[0]["putusan"] == "AUTO":
            continue
        score = fuzz.ratio(row["_k1"] or "", row["_k2"] or "")
        if row["_cocok"] and score >= CORRECTION_NAME_MIN:
            link_rows[key] = [{
                "sumber_file": key[0], "sumber_baris": key[1], "id_pemilih": row["id_pemilih"],
                "metode": "NIK_PERBAIKAN", "skor": round(score / 100, 4), "putusan": "AUTO", "peringkat": 1,
                "alasan": f"NIK sama dan sesuai tgl lahir/jk pemilih; nama {score / 100:.2f}".replace(".", ","),
            }]


def _ubah_fields(rec: dict) -> dict:
    """The fields an event sets on a voter who is on the list."""
    if rec["jenis"] == "pindah_datang":
        return {f: rec.get(f) for f in ("kode_desa", "alamat", "rt", "rw") if rec.get(f) is not None}
    if rec["jenis"] == "perbaikan":
        # The name column always carries the corrected spelling; a change only if it differs.
        filled = ["nama", *(rec.get("kolom_isi") or [])]
        return {f: rec.get(f) for f in filled if f in CORRECTABLE_FIELDS and rec.get(f) is not None}
    return {}


def decide_quarter(
    records: pl.DataFrame,
    current: pl.DataFrame,
    *,
    tanggal_acuan: date,
    policy: MatchPolicy,
    keputusan: pl.DataFrame | None = None,
    timings: dict[str, float] | None = None,
) -> QuarterDecision:
    """Turn a quarter's parsed records into changes, review rows and per-row outcomes.

    `records`: the parse stage's frames of every event file (not `keputusan`) concatenated, with
    `sumber_sha256`. `current`: the current version of every voter (AKTIF and TMS).
    `keputusan`: parsed decision rows (id_verifikasi, keputusan SETUJU/TOLAK) or None.
    `timings` (optional) receives seconds spent matching and in the whole-list checks.
    """
    timings = {} if timings is None else timings
    started = time.perf_counter()
    q = _Quarter(current, tanggal_acuan, policy)
    active = current.filter(pl.col("status") == AKTIF)
    removed = current.filter(pl.col("status") != AKTIF)
    prepared = prepare_voters(active)
    prepared_removed = prepare_voters(removed) if removed.height else None

    recs = records.with_columns(_purpose_expr().alias("_tujuan"))
    rec_by_key = {(r["sumber_file"], r["sumber_baris"]): r for r in recs.iter_rows(named=True)}
    for key in rec_by_key:
        q.outcome[key] = TANPA_PERUBAHAN

    links: list[pl.DataFrame] = []
    for purpose in ("hapus", "ubah", "baru"):
        part = recs.filter(pl.col("_tujuan") == purpose)
        if purpose == "ubah" and part.height:
            part = _correction_view(part)
        # Records are matched independently of each other: chunks bound the memory of the
        # candidate pairs on a large list (a common name blocks thousands of voters).
        for start in range(0, part.height, LINK_CHUNK):
            links.append(link_records(part.slice(start, LINK_CHUNK), prepared, policy, purpose=purpose,
                                      tanggal_acuan=tanggal_acuan, removed=prepared_removed))
    link_rows: dict[tuple[str, int], list[dict]] = {}
    for frame in links:
        for row in frame.sort("sumber_file", "sumber_baris", "peringkat").iter_rows(named=True):
            link_rows.setdefault((row["sumber_file"], row["sumber_baris"]), []).append(row)

    _accept_own_corrections(link_rows, recs.filter(pl.col("_tujuan") == "ubah"), active)

    baru_candidates: list[dict] = []
    for key, rec in rec_by_key.items():
        rows = link_rows.get(key, [])
        verdict = rows[0]["putusan"] if rows else "NONE"
        purpose = rec["_tujuan"]
        kode = _tms_code(rec)
        if purpose in ("hapus", "ubah"):
            kategori = "TMS" if kode is not None else "UBAH"
            if verdict == "AUTO":
                link = rows[0]
                q.proposals.append(_proposal(rec, kategori, kode, link["id_pemilih"], link, fields=_ubah_fields(rec)))
            elif verdict == "REVIEW":
                _add_review(q, rec, kategori, kode, rows)
            continue
        # purpose "baru": penduduk, pindah_datang, tni_polri PENSIUN
        if verdict == "AUTO":
            link = rows[0]
            if rec["jenis"] == "pindah_datang":
                q.proposals.append(_proposal(rec, "UBAH", None, link["id_pemilih"], link, fields=_ubah_fields(rec)))
            continue  # already on the list: no change
        if verdict == "REVIEW":
            kategori = "UBAH" if rec["jenis"] == "pindah_datang" else "BARU"
            _add_review(q, rec, kategori, None, rows)
            continue
        baru_candidates.append(rec)

    _decide_baru(q, baru_candidates, prepared_removed)
    # The prepared lists are large (millions of rows with comparison columns): free them
    # before the whole-list checks build their own.
    del prepared, prepared_removed, active, removed, links, link_rows
    book = ReviewBook.of(keputusan)
    _add_carried(q, book.carried)
    _assign_review_ids(q)
    _drop_rejected(q, book.rejected)
    book = apply_coklit(q, book)
    decisions = _Decisions(q, book)
    decisions.apply_to_rows()
    _resolve_and_apply(q)
    timings["cocok"] = time.perf_counter() - started
    started = time.perf_counter()
    _list_checks(q, book.rejected | decisions.distinct_pairs())
    decisions.apply_to_ganda()
    decisions.settle()
    timings["ganda_umur"] = time.perf_counter() - started
    return _finish(q, book)


def _add_review(q: _Quarter, rec: dict, kategori: str, kode: int | None, rows: list[dict], fields: dict | None = None,
                tindakan: str | None = None) -> None:
    """One item per candidate: what SETUJU would do to that candidate (SPEC §5.3)."""
    for link in rows:
        cand_id = link.get("id_pemilih")
        cand = q.voter(cand_id) if cand_id is not None else {}
        action = tindakan or (T_TMS if kategori == "TMS" else T_UBAH if kategori == "UBAH" else T_TAMBAH)
        proposed = fields if fields is not None else (
            _new_voter_fields(rec) if action == T_TAMBAH else _ubah_fields(rec)
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


def _new_voter_fields(rec: dict) -> dict:
    return {f: rec.get(f) for f in PERSON_FIELDS}


def _decide_baru(q: _Quarter, candidates: list[dict], prepared_removed: pl.DataFrame | None) -> None:
    """People not found on the active list: reactivate, add, or hold for review."""
    if not candidates:
        return
    eligible: list[dict] = []
    for rec in candidates:
        if rec["jenis"] == "tni_polri" and rec.get("perubahan") != "PENSIUN":
            continue
        ok = is_eligible(rec.get("tanggal_lahir"), rec.get("umur"), rec.get("status_kawin"), q.tanggal_acuan)
        if ok is False:
            continue  # not yet a voter: no change
        eligible.append(rec)
    if not eligible:
        return
    frame = pl.DataFrame(eligible, infer_schema_length=None)
    removed_links: dict[tuple[str, int], dict] = {}
    if prepared_removed is not None:
        for row in link_records(frame, prepared_removed, q.policy, purpose="ubah",
                                   tanggal_acuan=q.tanggal_acuan).iter_rows(named=True):
            if row["putusan"] != "NONE":
                removed_links.setdefault((row["sumber_file"], row["sumber_baris"]), row)
    seen_nik: set[str] = set()
    for rec in eligible:
        key = (rec["sumber_file"], rec["sumber_baris"])
        link = removed_links.get(key)
        if link is not None:
            voter = q.voter(link["id_pemilih"])
            allowed = _may_reactivate(voter.get("kode_tms"), rec["jenis"])
            if link["putusan"] == "AUTO" and allowed:
                q.proposals.append(_proposal(rec, "BARU", None, link["id_pemilih"], {**link, "metode": "REAKTIVASI"},
                                             fields=_ubah_fields(rec)))
            else:
                _add_review(q, rec, "BARU", None, [link], fields=_ubah_fields(rec), tindakan=T_AKTIFKAN)
            continue
        problems = []
        if not rec.get("nik_andal"):
            problems.append("NIK tidak dapat dipastikan")
        if rec.get("kode_desa") is None:
            problems.append("desa/kelurahan belum pasti")
        if rec.get("tanggal_lahir") is None:
            problems.append("tanggal lahir tidak ada")
        if problems:
            _add_review(q, rec, "BARU", None, [{"id_pemilih": None, "skor": None, "metode": "BARU",
                                                "alasan": "; ".join(problems)}])
            continue
        if rec["nik"] in seen_nik:
            continue  # the same new person in two files this quarter: added once
        seen_nik.add(rec["nik"])
        q.proposals.append(_proposal(rec, "BARU", None, None, {"metode": "BARU", "skor": None},
                                     fields=_new_voter_fields(rec)))


# Ids of the province's verifikasi_lintas queue (transforms/provinsi.py), returned in the same files.
LINTAS_ID_PREFIXES = ("LN-", "LG-")


def _may_reactivate(kode_tms: int | None, jenis: str) -> bool:
    return kode_tms is not None and jenis in REACTIVATABLE.get(int(kode_tms), ())


def _add_carried(q: _Quarter, carried: pl.DataFrame) -> None:
    """Items left undecided at the end of the previous quarter stay in the queue with their id.
    Ganda items are not carried: the whole-list check finds the same pair again (same id) as
    long as both records are unchanged. An item whose candidate has meanwhile left the list
    (or, for a reactivation, come back) proposes nothing any more and is dropped."""
    if carried is None or carried.height == 0:
        return
    active_niks: set[str] | None = None
    for row in carried.iter_rows(named=True):
        tindakan = row.get("tindakan") or _action_of(row["kategori_usulan"], row["id_pemilih_kandidat"])
        if tindakan == T_GANDA or row.get("jenis_sumber") == "ganda":
            continue
        cand_id = row["id_pemilih_kandidat"]
        cand = q.voter(cand_id) if cand_id is not None else {}  # voters are never deleted
        if tindakan in (T_TMS, T_UBAH) and cand.get("status") != AKTIF:
            continue
        if tindakan == T_AKTIFKAN and cand.get("status") in (AKTIF, None):
            continue
        fields = from_json(row.get("nilai_usulan"))
        if tindakan == T_TAMBAH and fields.get("nik"):
            if active_niks is None:
                active_niks = set(q.current.filter(pl.col("status") == AKTIF).get_column("nik").drop_nulls().to_list())
            if fields["nik"] in active_niks:
                continue  # the person has been added meanwhile
        rec = {
            "sumber_file": row["sumber_file"], "sumber_baris": row["sumber_baris"],
            "sumber_sha256": row.get("sumber_sha256"), "jenis": row.get("jenis_sumber"),
            "nama": row.get("nama_sumber"), "nik": row.get("nik_sumber"),
            "tanggal_lahir": row.get("tanggal_lahir_sumber"), "kode_desa": row.get("kode_desa_sumber"),
            "umur": row.get("umur_sumber"), "rt": row.get("rt_sumber"), "rw": row.get("rw_sumber"),
            "jenis_kelamin": row.get("jenis_kelamin_sumber"), "alamat": row.get("alamat_sumber"),
            "_tanpa_hasil": True,
        }
        q.review.append({
            "rec": rec, "kategori_usulan": row["kategori_usulan"], "kode_tms_usulan": row["kode_tms_usulan"],
            "tindakan": tindakan, "id_pemilih_kandidat": cand_id, "nik_kandidat": cand.get("nik"),
            "nama_kandidat": cand.get("nama"), "kode_desa_kandidat": cand.get("kode_desa"), "skor": row["skor"],
            "alasan": row["alasan"], "metode": row.get("metode"), "fields": fields,
            "nilai_lama": from_json(row.get("nilai_lama")) or None, "kunci_pasangan": row.get("kunci_pasangan"),
            "id_verifikasi": row["id_verifikasi"], "dibawa_dari": row.get("dibawa_dari"),
            "catatan": row.get("catatan"),
        })


def _action_of(kategori: str, cand_id: int | None) -> str:
    """Items stored before `tindakan` existed."""
    return T_TMS if kategori == "TMS" else T_UBAH if kategori == "UBAH" else T_TAMBAH


def _assign_review_ids(q: _Quarter) -> None:
    seen: dict[str, int] = {}
    for item in q.review:
        if item.get("id_verifikasi"):
            continue
        rec = item["rec"]
        base = review_id(
            rec["sumber_file"], rec["jenis"], rec.get("nama"), rec.get("nik"), rec.get("tanggal_lahir"),
            rec.get("umur"), rec.get("kode_desa"), item["kategori_usulan"], item["kode_tms_usulan"],
            item["nik_kandidat"], item["id_pemilih_kandidat"],
        )
        n = seen.get(base, 0)
        seen[base] = n + 1
        item["id_verifikasi"] = base if n == 0 else review_id(base, n)
    # The same report sent again this quarter: the new item replaces the carried one.
    fresh = {item["id_verifikasi"] for item in q.review if item.get("dibawa_dari") is None}
    q.review = [i for i in q.review if i.get("dibawa_dari") is None or i["id_verifikasi"] not in fresh]


def _drop_rejected(q: _Quarter, rejected: frozenset[str]) -> None:
    """A pair officials rejected in an earlier quarter is not proposed again while both of its
    records are unchanged (SPEC §5.3)."""
    if not rejected:
        return
    kept = []
    for item in q.review:
        if item.get("kunci_pasangan") in rejected and item.get("dibawa_dari") is None:
            continue
        kept.append(item)
    q.review = kept
    still = {(i["rec"]["sumber_file"], i["rec"]["sumber_baris"]) for i in kept if not i["rec"].get("_tanpa_hasil")}
    for key, value in list(q.outcome.items()):
        if value == VERIFIKASI and key not in still:
            q.outcome[key] = TANPA_PERUBAHAN


def _row_key(item: dict) -> tuple:
    rec = item["rec"]
    return (item.get("dibawa_dari"), rec["sumber_file"], rec["sumber_baris"])


def _describe(item: dict) -> str:
    name = item.get("nama_kandidat") or item["rec"].get("nama") or "?"
    nik = item.get("nik_kandidat") or item["rec"].get("nik")
    return f"{item['id_verifikasi']} ({name}{', NIK ' + nik if nik else ''})"


class _Decisions:
    """Officials' SETUJU/TOLAK applied to the queue (SPEC §5.3): first to the items of input
    rows (before the changes are resolved), then to the ganda items the whole-list check
    finds, then every decision gets its outcome."""

    def __init__(self, q: _Quarter, book: ReviewBook) -> None:
        self.q = q
        self.book = book
        self.rows = list(book.decisions.sort("urutan").iter_rows(named=True))
        self.latest: dict[str, dict] = {}
        for row in self.rows:
            if row["keputusan"] not in ("SETUJU", "TOLAK"):
                continue
            before = self.latest.get(row["id_verifikasi"])
            if before is not None and before["keputusan"] != row["keputusan"]:
                q.notes.append(
                    f"keputusan {row['id_verifikasi']} berubah: {before['keputusan']} ({before['sumber_file']} "
                    f"baris {before['sumber_baris']}) menjadi {row['keputusan']} ({row['sumber_file']} baris "
                    f"{row['sumber_baris']}); yang berlaku keputusan terakhir"
                )
            self.latest[row["id_verifikasi"]] = row
        self.ordered = sorted(self.latest.values(), key=lambda r: r["urutan"])
        self.result: dict[str, tuple[str, str]] = {}  # id -> (hasil, keterangan)
        self.items: dict[str, dict] = {}

    def _quarantine(self, rid: str, reason: str) -> None:
        self.result[rid] = (KARANTINA, reason)

    def apply_to_rows(self) -> None:
        q = self.q
        by_id = {item["id_verifikasi"]: item for item in q.review}
        approved_rows: dict[tuple, dict] = {}
        decided_rows: set[tuple] = set()
        for d in self.ordered:
            rid = d["id_verifikasi"]
            item = by_id.get(rid)
            if item is None:
                continue
            self.items[rid] = item
            item["_keputusan"] = d["keputusan"]
            if d["keputusan"] == "TOLAK":
                self.result[rid] = (TANPA_PERUBAHAN, "ditolak")
                continue
            key = _row_key(item)
            decided_rows.add(key)
            first = approved_rows.get(key)
            if first is not None:
                self._quarantine(rid, (
                    f"laporan {item['rec']['sumber_file']} baris {item['rec']['sumber_baris']} sudah disetujui untuk "
                    f"kandidat lain: {_describe(first)}; satu laporan hanya untuk satu orang"
                ))
                continue
            proposal = self._proposal(item)
            if proposal is None:
                continue
            approved_rows[key] = item
            q.proposals.append(proposal)
        for r in q.review:  # a visited item settled by the approval of another candidate of its report
            if r.get("_coklit") is not None and r.get("_keputusan") is None and _row_key(r) in decided_rows:
                q.set_outcome(r["_coklit"], TANPA_PERUBAHAN)
        q.review = [r for r in q.review if r.get("_keputusan") is None and _row_key(r) not in decided_rows]
        still = {_row_key(r) for r in q.review}
        for item in self.items.values():
            if _row_key(item) not in still:
                q.set_outcome(item["rec"], TANPA_PERUBAHAN)  # DITERAPKAN once the change is applied

    def _proposal(self, item: dict) -> dict | None:
        rid = item["id_verifikasi"]
        rec, tindakan, cand = item["rec"], item["tindakan"], item["id_pemilih_kandidat"]
        link = {"metode": item.get("metode") or "VERIFIKASI", "skor": item.get("skor")}
        if tindakan == T_TAMBAH:
            fields = item["fields"] or _new_voter_fields(rec)
            if not fields.get("kode_desa"):
                self._quarantine(rid, "desa/kelurahan orang ini belum pasti, jadi tidak dapat ditambahkan; "
                                      "perbaiki desanya di berkas sumber")
                return None
            return _proposal(rec, "BARU", None, None, link, keputusan="VERIFIKASI", id_verifikasi=rid, fields=fields)
        kategori = "BARU" if tindakan == T_AKTIFKAN else item["kategori_usulan"]
        if kategori == "TMS" and item["kode_tms_usulan"] is None:
            self._quarantine(rid, "usulan ini belum menyebut kode TMS (tidak dikenal saat coklit); kembalikan daftar "
                                  "coklit dengan TMS dan kodenya bila orangnya memang tidak memenuhi syarat")
            return None
        return _proposal(rec, kategori, item["kode_tms_usulan"], cand, link, keputusan="VERIFIKASI",
                         id_verifikasi=rid, fields=item["fields"])

    def distinct_pairs(self) -> frozenset[str]:
        """A look-alike approved as a new person is, by that decision, not the registered voter it
        resembles: the pair is not proposed as ganda now, nor later while both are unchanged."""
        q = self.q
        added = {c["id_verifikasi"]: c["id_pemilih"] for c in q.applied if c.get("id_verifikasi")}
        keys = set()
        for rid, item in self.items.items():
            if item["tindakan"] != T_TAMBAH or item["id_pemilih_kandidat"] is None or rid not in added:
                continue
            key = pair_key("ganda", person_state(q.voter(item["id_pemilih_kandidat"])),
                           person_state(q.voter(added[rid])), "TMS", 2)
            keys.add(key)
            q.selesai.append({
                "id_verifikasi": review_id("ganda", key), "kunci_pasangan": key, "kategori_usulan": "TMS",
                "kode_tms_usulan": 2, "tindakan": T_GANDA, "id_pemilih_kandidat": added[rid], "keputusan": "TOLAK",
                "hasil": TANPA_PERUBAHAN, "keterangan": f"orang yang berbeda menurut keputusan {rid}",
            })
        return frozenset(keys)

    def apply_to_ganda(self) -> None:
        q = self.q
        by_id = {item["id_verifikasi"]: item for item in q.review if item["tindakan"] == T_GANDA}
        removed_by: dict[int, str] = {}
        for d in self.ordered:
            rid = d["id_verifikasi"]
            item = by_id.get(rid)
            if item is None or rid in self.items:
                continue
            self.items[rid] = item
            item["_keputusan"] = d["keputusan"]
            if d["keputusan"] == "TOLAK":
                self.result[rid] = (TANPA_PERUBAHAN, "ditolak")
                continue
            cand, other = q.voter(item["id_pemilih_kandidat"]), q.voter(item["id_pemilih_sumber"])
            if cand["status"] != AKTIF:
                self.result[rid] = (TANPA_PERUBAHAN, "pemilih ini sudah TMS")
                continue
            if other["status"] != AKTIF:
                by = removed_by.get(other["id_pemilih"])
                self._quarantine(rid, (
                    f"pemilih pembanding {other['nama']} (NIK {other.get('nik')}) sudah dicoret"
                    f"{' oleh keputusan ' + by if by else ''}; keduanya tidak boleh dicoret sebagai ganda"
                ))
                continue
            cand["status"], cand["kode_tms"] = "TMS", 2
            removed_by[cand["id_pemilih"]] = rid
            p = _proposal(item["rec"], "TMS", 2, cand["id_pemilih"],
                          {"metode": item.get("metode") or "GANDA", "skor": item.get("skor")},
                          keputusan="VERIFIKASI", id_verifikasi=rid)
            q.applied.append(_change(p, cand, "TMS", 2, None, [], {}, {}))
        q.review = [r for r in q.review if r.get("_keputusan") is None]

    def settle(self) -> None:
        """Every decision's outcome; a decision whose item is not in the queue is quarantined."""
        q = self.q
        applied = {c["id_verifikasi"] for c in q.applied if c.get("id_verifikasi")}
        for rid, d in self.latest.items():
            if rid in self.result:
                continue
            if rid not in self.items and rid.startswith(LINTAS_ID_PREFIXES):
                # a verifikasi_lintas item: the province stage (transforms/provinsi.py) records it
                self.result[rid] = (TANPA_PERUBAHAN, "usulan lintas kabupaten: dicatat oleh tahap provinsi")
            elif rid not in self.items:
                if rid in self.book.decided_before:
                    reason = (f"usulan ini sudah diputuskan pada triwulan {self.book.decided_before[rid]}; "
                              "keputusan baru tidak mengubahnya lagi")
                elif rid in self.book.known:
                    reason = (f"usulan ini (antrean {self.book.known[rid]}) tidak berlaku lagi: data pemilihnya "
                              "sudah berubah sejak usulan dibuat")
                else:
                    reason = "id_verifikasi tidak ada dalam antrean verifikasi triwulan ini"
                self._quarantine(rid, reason)
            elif rid in applied:
                self.result[rid] = (DITERAPKAN, "disetujui dan diterapkan")
            else:
                self.result[rid] = (TANPA_PERUBAHAN, "disetujui; tidak ada data yang berubah (sudah sesuai "
                                                     "atau didahului perubahan lain, mis. meninggal)")
        for key in self.book.no_change:
            q.outcome[key] = TANPA_PERUBAHAN
        gone = 0
        for row in self.rows:
            rid = row["id_verifikasi"]
            winner = self.latest.get(rid)
            final = winner is not None and winner["urutan"] == row["urutan"]
            hasil, reason = self.result.get(rid, (TANPA_PERUBAHAN, "")) if final else (TANPA_PERUBAHAN, "")
            if not row["hadir"]:
                gone += 1
                if hasil == KARANTINA:
                    q.notes.append(f"keputusan {rid} ({row['sumber_file']} baris {row['sumber_baris']}, tercatat) "
                                   f"tidak dapat diterapkan: {reason}")
                continue
            key = (row["sumber_file"], row["sumber_baris"])
            q.outcome[key] = hasil
            if hasil == KARANTINA:
                q.karantina.append({"sumber_file": row["sumber_file"], "sumber_sha256": row["sumber_sha256"],
                                    "sumber_baris": row["sumber_baris"], "kolom": "id_verifikasi",
                                    "alasan": reason, "nilai": rid})
        if gone:
            files = sorted({r["sumber_file"] for r in self.rows if not r["hadir"]})
            q.notes.append(
                f"{gone} keputusan yang tercatat di basis data diterapkan lagi walaupun berkasnya tidak ada lagi "
                f"di kotak masuk: {', '.join(files)}"
            )
        for rid, item in self.items.items():
            hasil, reason = self.result.get(rid, (TANPA_PERUBAHAN, ""))
            q.selesai.append({
                "id_verifikasi": rid, "kunci_pasangan": item.get("kunci_pasangan"),
                "kategori_usulan": item["kategori_usulan"], "kode_tms_usulan": item["kode_tms_usulan"],
                "tindakan": item["tindakan"], "id_pemilih_kandidat": item["id_pemilih_kandidat"],
                "keputusan": self.latest[rid]["keputusan"], "hasil": hasil, "keterangan": reason,
            })


def _resolve_and_apply(q: _Quarter) -> None:
    """Death wins; any TMS wins over UBAH; then apply the survivors in source order."""
    best: dict[int, int] = {}
    for p in q.proposals:
        if p["id_pemilih"] is not None:
            r = _rank(p["kategori"], p["kode_tms"]) if p["kategori"] != "BARU" else 3
            best[p["id_pemilih"]] = min(best.get(p["id_pemilih"], 9), r)
    applied: list[dict] = []
    new_niks: set[str] = set()
    ordered = sorted(q.proposals, key=lambda p: (p["rec"]["sumber_file"], p["rec"]["sumber_baris"]))
    for p in ordered:
        rec = p["rec"]
        vid = p["id_pemilih"]
        if p["kategori"] == "BARU" and vid is None:
            nik = p["fields"].get("nik")
            if nik is not None and nik in new_niks:
                continue
            if nik is not None:
                new_niks.add(nik)
            vid = q.next_id
            q.next_id += 1
            state = {"id_pemilih": vid, **p["fields"], "status": AKTIF, "kode_tms": None,
                     "sumber_file": rec["sumber_file"], "sumber_baris": rec["sumber_baris"]}
            q.by_id[vid] = state
            applied.append(_change(p, state, "BARU", None, None, [], {}, {}))
            q.set_outcome(rec, DITERAPKAN)
            continue
        voter = q.voter(vid)
        mine = _rank(p["kategori"], p["kode_tms"]) if p["kategori"] != "BARU" else 3
        if mine > best.get(vid, 9) or (p["kategori"] in ("TMS", "UBAH") and voter["status"] != AKTIF):
            continue  # superseded (death wins; the person is already removed)
        if p["kategori"] == "BARU" and voter["status"] == AKTIF:
            continue  # already back on the list
        if p["kategori"] == "TMS":
            voter["status"], voter["kode_tms"] = "TMS", p["kode_tms"]
            applied.append(_change(p, voter, "TMS", p["kode_tms"], None, [], {}, {}))
        elif p["kategori"] == "BARU":  # reactivation
            voter["status"], voter["kode_tms"] = AKTIF, None
            changed, old, new = _set_fields(voter, p["fields"])
            applied.append(_change(p, voter, "BARU", None, old.get("kode_desa"), changed, old, new))
        else:
            changed, old, new = _set_fields(voter, p["fields"])
            if not changed:
                continue
            applied.append(_change(p, voter, "UBAH", None, old.get("kode_desa"), changed, old, new))
        q.set_outcome(rec, DITERAPKAN)
    q.applied = applied


def _set_fields(voter: dict, fields: dict) -> tuple[list[str], dict, dict]:
    """Set the given fields on the voter; return the fields that changed with old and new values."""
    changed = [f for f in PERSON_FIELDS if f in fields and fields[f] is not None and fields[f] != voter.get(f)]
    old = {f: voter.get(f) for f in changed}
    new = {f: fields[f] for f in changed}
    for f in changed:
        voter[f] = fields[f]
    return changed, old, new


def _change(p: dict, voter: dict, kategori: str, kode_tms: int | None, desa_lama: str | None,
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
        "nilai_lama": json.dumps({k: _jsonable(v) for k, v in old.items()}, ensure_ascii=False) if changed else None,
        "nilai_baru": json.dumps({k: _jsonable(v) for k, v in new.items()}, ensure_ascii=False) if changed else None,
        **_source(rec),
        "metode": p["metode"],
        "skor": p["skor"],
        "keputusan": p["keputusan"],
        "id_verifikasi": p["id_verifikasi"],
        "no_bukti": rec.get("no_bukti"),  # akta kematian / SKPWNI number: the agency's evidence
    }


def _list_checks(q: _Quarter, rejected: frozenset[str] = frozenset()) -> None:
    """Every run checks the whole list: the same NIK twice (ganda) and voters under age."""
    state = q.current.filter(~pl.col("id_pemilih").is_in(list(q.by_id)))
    touched = [v for v in q.by_id.values()]
    if touched:
        state = pl.concat([state, pl.DataFrame(touched, schema=q.current.schema)], how="vertical")
    active = state.filter(pl.col("status") == AKTIF)
    del state
    auto, review = find_ganda(prepare_voters(active), q.policy)
    needed = pl.concat([auto.get_column("id_pemilih"), review.get_column("id_pemilih_b")]).cast(pl.Int64)
    sources = active.filter(pl.col("id_pemilih").is_in(needed.implode())).select(
        "id_pemilih", "sumber_file", "sumber_baris"
    )
    src = {r[0]: (r[1], r[2]) for r in sources.iter_rows()}
    for row in auto.sort("id_pemilih").iter_rows(named=True):
        voter = q.voter(row["id_pemilih"])
        if voter["status"] != AKTIF:
            continue
        voter["status"], voter["kode_tms"] = "TMS", 2
        f, b = src[row["id_pemilih"]]
        p = _proposal({"sumber_file": f, "sumber_baris": b}, "TMS", 2, row["id_pemilih"],
                      {"metode": row.get("metode") or "NIK_GANDA", "skor": row.get("skor")})
        q.applied.append(_change(p, voter, "TMS", 2, None, [], {}, {}))
    under = active.filter(
        (pl.col("status_kawin").fill_null("B") == "B")
        & pl.col("tanggal_lahir").is_not_null()
        & (pl.col("tanggal_lahir").dt.offset_by(f"{ADULT_AGE}y") > pl.lit(q.tanggal_acuan))
    )
    for row in under.sort("id_pemilih").iter_rows(named=True):
        voter = q.voter(row["id_pemilih"])
        if voter["status"] != AKTIF:
            continue
        voter["status"], voter["kode_tms"] = "TMS", 3
        p = _proposal({"sumber_file": row["sumber_file"], "sumber_baris": row["sumber_baris"]}, "TMS", 3,
                      row["id_pemilih"], {"metode": "UMUR", "skor": None})
        q.applied.append(_change(p, voter, "TMS", 3, None, [], {}, {}))
    _add_ganda_items(q, review, src, rejected)


def _add_ganda_items(q: _Quarter, review: pl.DataFrame, src: dict, rejected: frozenset[str]) -> None:
    """A pair to review: TMS 2 for voter b (the candidate) while voter a (the other record)
    stays. The id and the pair key come from both records, so the same unchanged pair has the
    same id next quarter, and a rejected one is not proposed again."""
    for row in review.iter_rows(named=True):
        a, b = row["id_pemilih_a"], row["id_pemilih_b"]
        other, cand = q.voter(a), q.voter(b)
        if other["status"] != AKTIF or cand["status"] != AKTIF:
            continue
        key = pair_key("ganda", person_state(other), person_state(cand), "TMS", 2)
        if key in rejected:
            continue
        f, baris = src[b]
        rec = {"sumber_file": f, "sumber_baris": baris, "jenis": "ganda", "umur": None, "_tanpa_hasil": True,
               **{k: other.get(k) for k in ("nama", "nik", "tanggal_lahir", "jenis_kelamin", "kode_desa", "alamat",
                                            "rt", "rw")}}
        _add_review(q, rec, "TMS", 2, [{"id_pemilih": b, "skor": row.get("skor"), "alasan": row.get("alasan"),
                                        "metode": "GANDA"}], fields={}, tindakan=T_GANDA)
        q.review[-1].update(kunci_pasangan=key, id_verifikasi=review_id("ganda", key), id_pemilih_sumber=a)


def _finish(q: _Quarter, book: ReviewBook | None = None) -> QuarterDecision:
    _assign_review_ids(q)
    notes = book.latest_notes() if book is not None else {}
    applied = q.applied
    perubahan = pl.DataFrame(
        [{c: a.get(c) for c in CHANGE_COLUMNS} for a in applied],
        schema={**{c: pl.Utf8 for c in CHANGE_COLUMNS}, "kode_tms": pl.Int64, "id_pemilih": pl.Int64,
                "sumber_baris": pl.Int64, "skor": pl.Float64},
    ).with_row_index("urutan", offset=1).with_columns(pl.col("urutan").cast(pl.Int32))
    review_rows = []
    for item in q.review:
        rec = item["rec"]
        review_rows.append({
            "id_verifikasi": item["id_verifikasi"],
            "kategori_usulan": item["kategori_usulan"],
            "kode_tms_usulan": item["kode_tms_usulan"],
            "id_pemilih_kandidat": item["id_pemilih_kandidat"],
            "nik_kandidat": item["nik_kandidat"],
            "nama_kandidat": item["nama_kandidat"],
            "kode_desa_kandidat": item["kode_desa_kandidat"],
            **_source(rec),
            "nama_sumber": rec.get("nama"),
            "nik_sumber": rec.get("nik"),
            "tanggal_lahir_sumber": rec.get("tanggal_lahir"),
            "kode_desa_sumber": rec.get("kode_desa"),
            "skor": item["skor"],
            "alasan": item["alasan"],
            "umur_sumber": rec.get("umur"),
            "rt_sumber": rec.get("rt"),
            "rw_sumber": rec.get("rw"),
            "jenis_kelamin_sumber": rec.get("jenis_kelamin"),
            "alamat_sumber": rec.get("alamat"),
            "id_pemilih_sumber": item.get("id_pemilih_sumber"),
            "jenis_sumber": rec.get("jenis"),
            "tindakan": item["tindakan"],
            "metode": item.get("metode"),
            "nilai_lama": to_json(item.get("nilai_lama")),
            "nilai_usulan": to_json(item.get("fields")),
            "kunci_pasangan": item.get("kunci_pasangan"),
            "dibawa_dari": item.get("dibawa_dari"),
            "catatan": notes.get(item["id_verifikasi"], item.get("catatan")),
        })
    verifikasi = pl.DataFrame(
        [{c: r.get(c) for c in REVIEW_COLUMNS} for r in review_rows], schema=REVIEW_SCHEMA,
    ).sort("sumber_file", "sumber_baris", "id_verifikasi")
    changed_ids = [i for i, v in q.by_id.items() if q.original.get(i) != v]
    versions = pl.DataFrame([q.by_id[i] for i in sorted(changed_ids)], schema=q.current.schema)
    closed = pl.Series("id_pemilih", [i for i in sorted(changed_ids) if i in q.original], dtype=pl.Int64)
    hasil = pl.DataFrame(
        [{"sumber_file": k[0], "sumber_baris": k[1], "hasil": v} for k, v in sorted(q.outcome.items())],
        schema={"sumber_file": pl.Utf8, "sumber_baris": pl.Int64, "hasil": pl.Utf8},
    )
    karantina = pl.DataFrame(
        q.karantina,
        schema={"sumber_file": pl.Utf8, "sumber_sha256": pl.Utf8, "sumber_baris": pl.Int64, "kolom": pl.Utf8,
                "alasan": pl.Utf8, "nilai": pl.Utf8},
    )
    selesai = pl.DataFrame(q.selesai, schema=SELESAI_SCHEMA)
    return QuarterDecision(versions, closed, perubahan, verifikasi, hasil, karantina, selesai, tuple(q.notes))
