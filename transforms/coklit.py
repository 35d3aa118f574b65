"""Returned coklit terbatas lists (reports/coklit.py): the outcome of each house visit, read back
like the officials' SETUJU/TOLAK.

A row names the voter by ID PEMILIH (or, when that column is gone, a NIK held by exactly one
voter on the list) and, for a review item, by ID VERIFIKASI. HASIL COKLIT:
- MS: the person stays. For an item proposing TMS it is TOLAK; for an item proposing to add
  or reactivate the person it is SETUJU; for a voter it changes nothing.
- TMS n: the voter gets TMS n, decided by verification (`keputusan` VERIFIKASI), the change's
  evidence naming the coklit file and row. For an item proposing TMS n it is SETUJU; for an
  item proposing anything else it is TOLAK of the item and TMS n of its candidate.
- TIDAK DIKENAL: nobody is removed on that alone (a living voter is never removed on weak
  evidence): the item stays in the queue, or the voter is put in it, noted "tidak dikenal
  saat coklit".
- blank: not visited yet, no change. Any other value is quarantined.
"""

from __future__ import annotations

import re
from dataclasses import replace

import polars as pl

from schemas.fields import AKTIF, LEWAT_VERIFIKASI, TANPA_PERUBAHAN, VERIFIKASI
from schemas.frames import KARANTINA_SCHEMA, Parsed
from schemas.models import CoklitRecord
from transforms.read import RawExtract
from transforms.quarter_state import add_review, proposal
from transforms.queue import assign_review_ids
from transforms.review import DECISION_SCHEMA, T_AKTIFKAN, T_GANDA, T_TAMBAH, T_TMS, ReviewBook

MS, TMS, TIDAK_DIKENAL = "MS", "TMS", "TIDAK DIKENAL"
ALASAN_TIDAK_DIKENAL = "tidak dikenal saat coklit"
TMS_CODES = tuple(range(1, 10))  # schemas/tms.csv

COKLIT_SCHEMA: dict[str, pl.DataType] = {
    "sumber_file": pl.Utf8, "sumber_baris": pl.Int64, "jenis": pl.Utf8, "id_verifikasi": pl.Utf8,
    "id_pemilih": pl.Int64, "nik": pl.Utf8, "nama": pl.Utf8, "hasil_coklit": pl.Utf8, "kode_tms": pl.Int64,
    "catatan": pl.Utf8,
}
_TMS = re.compile(r"^TMS\s*[-.:]?\s*(\d+)$")
_ID = re.compile(r"^(\d+)(\.0+)?$")


def _text(value) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def read_outcome(text: str | None) -> tuple[str | None, int | None] | None:
    """(hasil, kode) of a HASIL COKLIT cell; (None, None) when blank; None when not a value."""
    if text is None:
        return None, None
    upper = text.upper()
    if upper == MS:
        return MS, None
    if upper == TIDAK_DIKENAL:
        return TIDAK_DIKENAL, None
    m = _TMS.match(upper)
    if m and int(m.group(1)) in TMS_CODES:
        return TMS, int(m.group(1))
    return None


def parse_coklit(raw: RawExtract) -> Parsed:
    """Typed coklit rows and the rows that cannot be read (the file's kind is `coklit`)."""
    frame = raw.frame
    col = lambda f: frame.get_column(f).to_list() if f in frame.columns else [None] * frame.height  # noqa: E731
    header = lambda f, default: raw.headers.get(f, default)  # noqa: E731
    records, karantina = [], []
    for baris, rid, vid, nik, nama, hasil, catatan in zip(
        col("sumber_baris"), col("id_verifikasi"), col("id_pemilih"), col("nik"), col("nama"), col("hasil_coklit"),
        col("catatan"),
    ):
        hasil_text, vid_text = _text(hasil), _text(vid)
        outcome = read_outcome(hasil_text)
        problem = None
        if outcome is None:
            kolom = header("hasil_coklit", "HASIL COKLIT")
            problem = (kolom, f"baris {baris} kolom {kolom}: hasil coklit '{hasil_text}' tidak dikenal; isi MS, "
                              f"TMS dengan kodenya (TMS 1 sampai TMS 9) atau TIDAK DIKENAL", hasil_text)
        elif vid_text is not None and not _ID.match(vid_text):
            kolom = header("id_pemilih", "ID PEMILIH")
            problem = (kolom, f"baris {baris} kolom {kolom}: ID pemilih '{vid_text}' bukan angka", vid_text)
        if problem is not None:
            karantina.append({"sumber_file": raw.file_name, "sumber_baris": baris, "kolom": problem[0],
                              "alasan": problem[1], "nilai": problem[2]})
            continue
        nik_text = re.sub(r"[\s.\-']", "", _text(nik) or "") or None
        records.append({
            "sumber_file": raw.file_name, "sumber_baris": baris, "jenis": "coklit", "id_verifikasi": _text(rid),
            "id_pemilih": int(_ID.match(vid_text).group(1)) if vid_text else None, "nik": nik_text,
            "nama": _text(nama), "hasil_coklit": outcome[0], "kode_tms": outcome[1], "catatan": _text(catatan),
        })
    return Parsed(records=CoklitRecord.validate(pl.DataFrame(records, schema=COKLIT_SCHEMA)),
                  karantina=pl.DataFrame(karantina, schema=KARANTINA_SCHEMA))


def with_coklit(book: ReviewBook, files) -> ReviewBook:
    """The book with this run's coklit rows (IngestedFile list of the inbox)."""
    frames = [f.records for f in files if f.kind == "coklit" and f.records.height]
    return replace(book, coklit=pl.concat(frames, how="diagonal_relaxed") if frames else None)


def _verdict(item: dict, hasil: str, kode: int | None) -> str:
    """What a visit says about a review item: SETUJU, TOLAK, TETAP (stays in the queue) or LAIN
    (the item is rejected and the candidate gets the coklit's own TMS code)."""
    if hasil == TIDAK_DIKENAL:
        return "TETAP"
    if item["tindakan"] in (T_TMS, T_GANDA):
        if hasil == MS:
            return "TOLAK"
        return "SETUJU" if kode == item["kode_tms_usulan"] else "LAIN"
    if item["tindakan"] in (T_TAMBAH, T_AKTIFKAN):
        return "SETUJU" if hasil == MS else "TOLAK"
    # a data correction: a visit confirms no field, only whether the person is still here
    return "TETAP" if hasil == MS else "LAIN"


def _voter_ids(q, frame: pl.DataFrame) -> tuple[set[int], dict[str, int]]:
    """Ids that are on the list, and the NIKs held by exactly one active voter."""
    ids = frame.get_column("id_pemilih").drop_nulls().unique().implode()
    known = set(q.current.filter(pl.col("id_pemilih").is_in(ids)).get_column("id_pemilih").to_list())
    niks = frame.filter(pl.col("id_pemilih").is_null()).get_column("nik").drop_nulls().unique().implode()
    once = (q.current.filter((pl.col("status") == AKTIF) & pl.col("nik").is_in(niks)).group_by("nik")
            .agg(pl.len().alias("n"), pl.first("id_pemilih")).filter(pl.col("n") == 1))
    return known, dict(once.select("nik", "id_pemilih").iter_rows())


def apply_coklit(q, book: ReviewBook) -> ReviewBook:
    """The coklit rows of `book` turned into decisions on queue items (returned in the book),
    TMS proposals and review items on `q` (transforms.quarter_state.QuarterState), with every row's outcome."""
    frame = book.coklit
    if frame is None or frame.height == 0:
        return book

    known, by_nik = _voter_ids(q, frame)
    items = {i["id_verifikasi"]: i for i in q.review if i.get("id_verifikasi")}
    urutan = int(book.decisions["urutan"].max() or 0) if book.decisions.height else 0
    decisions = []

    def quarantine(rec: dict, kolom: str, alasan: str, nilai) -> None:
        q.karantina.append({"sumber_file": rec["sumber_file"], "sumber_sha256": rec.get("sumber_sha256"),
                            "sumber_baris": rec["sumber_baris"], "kolom": kolom, "alasan": alasan,
                            "nilai": None if nilai is None else str(nilai)})

    for rec in frame.iter_rows(named=True):
        where = f"{rec['sumber_file']} baris {rec['sumber_baris']}"
        hasil, kode = rec["hasil_coklit"], rec["kode_tms"]
        q.set_outcome(rec, TANPA_PERUBAHAN)
        if hasil is None:
            continue  # not visited yet
        item = items.get(rec["id_verifikasi"]) if rec["id_verifikasi"] else None
        vid = None
        if item is not None:
            verdict = _verdict(item, hasil, kode)
            if verdict in ("SETUJU", "TOLAK"):
                if verdict == "SETUJU":  # the change names the visit as its evidence, with the agency's own
                    bukti = item["rec"].get("no_bukti")
                    item["rec"] = {**item["rec"], "no_bukti": "; ".join(filter(None, [bukti, f"COKLIT {where}"]))}
                urutan += 1
                decisions.append({"urutan": urutan, "id_verifikasi": item["id_verifikasi"], "keputusan": verdict,
                                  "catatan": rec["catatan"] or f"hasil coklit {hasil}{' ' + str(kode) if kode else ''}",
                                  "sumber_file": rec["sumber_file"], "sumber_sha256": rec.get("sumber_sha256"),
                                  "sheet": None, "sumber_baris": rec["sumber_baris"], "hadir": True})
                continue
            if verdict == "TETAP":
                item["_coklit"] = rec
                if hasil == TIDAK_DIKENAL:
                    item["catatan"] = f"{ALASAN_TIDAK_DIKENAL} ({where})"
                q.set_outcome(rec, VERIFIKASI)
                continue
            q.review.remove(item)  # LAIN: the visit found another reason; the item is settled by it
            vid = item["id_pemilih_kandidat"]
        elif rec["id_pemilih"] is not None:
            vid = rec["id_pemilih"] if rec["id_pemilih"] in known else None
        elif rec["nik"] is not None:
            vid = by_nik.get(rec["nik"])
        if vid is None:
            if rec["id_verifikasi"] and rec["id_pemilih"] is None and rec["nik"] is None:
                quarantine(rec, "ID VERIFIKASI", f"baris {rec['sumber_baris']}: ID verifikasi "
                           f"'{rec['id_verifikasi']}' tidak ada dalam antrean verifikasi triwulan ini",
                           rec["id_verifikasi"])
            else:
                quarantine(rec, "ID PEMILIH" if rec["id_pemilih"] is not None else "NIK",
                           f"baris {rec['sumber_baris']}: pemilih tidak ditemukan dalam daftar (ID pemilih atau "
                           "NIK tidak dikenal, atau NIK dimiliki lebih dari satu pemilih)",
                           rec["id_pemilih"] if rec["id_pemilih"] is not None else rec["nik"])
            continue
        voter = q.voter(vid)
        if hasil == MS or voter["status"] != AKTIF:
            continue  # stays (or is already off the list): no change
        if hasil == TMS:
            source = {**rec, "no_bukti": f"COKLIT {where}".upper()}
            q.proposals.append(proposal(source, "TMS", kode, vid, {"metode": "COKLIT", "skor": None},
                                         penetapan=LEWAT_VERIFIKASI))
            continue
        add_review(q, {**rec, "nama": voter.get("nama"), "nik": voter.get("nik"),
                        "tanggal_lahir": voter.get("tanggal_lahir"), "kode_desa": voter.get("kode_desa"),
                        "umur": None},
                    "TMS", None, [{"id_pemilih": vid, "skor": None, "metode": "COKLIT",
                                   "alasan": f"{ALASAN_TIDAK_DIKENAL} ({where})"}], fields={})
    assign_review_ids(q)  # the items put in the queue by a visit
    if not decisions:
        return book
    rows = pl.DataFrame(decisions, schema=DECISION_SCHEMA)
    return replace(book, decisions=pl.concat([book.decisions, rows], how="vertical_relaxed"))
