"""The review queue as data: item ids and pair keys, the officials' decisions of a quarter
(`ReviewBook`), and the columns the queue is stored and reported with (SPEC §5.3).

An item proposes one change for one candidate. Its `id_verifikasi` is a digest of what the
item is about, so a rerun and the next quarter give the same id; its `kunci_pasangan` is a
digest of the two records it compares (the input row or other voter, and the candidate), so a
pair that officials rejected is recognised again only while neither record changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl

from schemas.fields import PERSON_FIELDS
from transforms import store

# What SETUJU does to the candidate (stored as `tindakan`).
T_TMS = "TMS"            # candidate gets TMS with kode_tms_usulan
T_GANDA = "GANDA"        # candidate gets TMS 2, the other voter stays
T_UBAH = "UBAH"          # candidate's fields take the proposed values
T_TAMBAH = "TAMBAH"      # the person of the input row is added as a new voter
T_AKTIFKAN = "AKTIFKAN"  # the (removed) candidate comes back on the list

SOURCE_PERSON = ("nik", "nama", "tanggal_lahir", "umur", "jenis_kelamin", "kode_desa", "alamat", "rt", "rw")

REVIEW_COLUMNS = (
    "id_verifikasi", "kategori_usulan", "kode_tms_usulan", "id_pemilih_kandidat", "nik_kandidat", "nama_kandidat",
    "kode_desa_kandidat", "sumber_file", "sumber_sha256", "sumber_baris", "nama_sumber", "nik_sumber",
    "tanggal_lahir_sumber", "kode_desa_sumber", "skor", "alasan", "umur_sumber", "rt_sumber", "rw_sumber",
    "jenis_kelamin_sumber", "alamat_sumber", "id_pemilih_sumber", "jenis_sumber", "tindakan", "metode",
    "nilai_lama", "nilai_usulan", "kunci_pasangan", "dibawa_dari", "catatan",
)
REVIEW_SCHEMA: dict[str, pl.DataType] = {
    **{c: pl.Utf8 for c in REVIEW_COLUMNS}, "kode_tms_usulan": pl.Int64, "id_pemilih_kandidat": pl.Int64,
    "sumber_baris": pl.Int64, "tanggal_lahir_sumber": pl.Date, "skor": pl.Float64, "umur_sumber": pl.Int64,
    "id_pemilih_sumber": pl.Int64, "dibawa_dari": pl.Int64,
}

# Items decided in a quarter, with what came of the decision.
SELESAI_COLUMNS = (
    "id_verifikasi", "kunci_pasangan", "kategori_usulan", "kode_tms_usulan", "tindakan", "id_pemilih_kandidat",
    "keputusan", "hasil", "keterangan",
)
SELESAI_SCHEMA: dict[str, pl.DataType] = {
    **{c: pl.Utf8 for c in SELESAI_COLUMNS}, "kode_tms_usulan": pl.Int64, "id_pemilih_kandidat": pl.Int64,
}

# One decision as read from a returned file (recorded in the `keputusan` table).
DECISION_SCHEMA: dict[str, pl.DataType] = {
    "urutan": pl.Int64, "id_verifikasi": pl.Utf8, "keputusan": pl.Utf8, "catatan": pl.Utf8, "sumber_file": pl.Utf8,
    "sumber_sha256": pl.Utf8, "sheet": pl.Utf8, "sumber_baris": pl.Int64, "hadir": pl.Boolean,
}


def digest(*parts: object) -> str:
    text = "|".join("" if p is None else (p.isoformat() if isinstance(p, date) else str(p)) for p in parts)
    return hashlib.sha1(text.encode()).hexdigest()


def review_id(*parts: object) -> str:
    """Stable across reruns: the same input row and candidate give the same id."""
    return "V" + digest(*parts)[:10].upper()


def person_state(record: dict | None) -> tuple:
    """The fields that say who a voter is and where: a change of any of them is a new pair."""
    record = record or {}
    return tuple(record.get(f) for f in PERSON_FIELDS)


def pair_key(kind: str, source: tuple, candidate: tuple, kategori: str, kode_tms: int | None) -> str:
    return digest(kind, kategori, kode_tms, *source, "|", *candidate)


def to_json(values: dict | None) -> str | None:
    if not values:
        return None
    return json.dumps({k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()},
                      ensure_ascii=False, sort_keys=True)


def from_json(text: str | None) -> dict:
    """Proposed values back from the database (dates as `date`)."""
    if not text:
        return {}
    values = json.loads(text)
    if isinstance(values.get("tanggal_lahir"), str):
        values["tanggal_lahir"] = date.fromisoformat(values["tanggal_lahir"])
    return values


@dataclass(frozen=True)
class ReviewBook:
    """What the decide step knows about the queue beyond this quarter's inbox.

    decisions: every decision of this quarter, recorded ones first, in the order read
        (DECISION_SCHEMA); `hadir` marks rows of a file read in this run.
    carried: the queue left at the end of the previous quarter (verifikasi rows).
    rejected: `kunci_pasangan` of items officials rejected in earlier quarters.
    known: id_verifikasi of every item ever queued -> quarter label it was last queued in.
    decided_before: id_verifikasi decided in an earlier quarter -> that quarter's label.
    held: id_verifikasi whose decisions are set aside this quarter -> why (a province's
        cross-kabupaten pair approved on both sides, transforms/provinsi_queue.py).
    no_change: (file, row) of decision rows read now that change nothing: blank, or repeating
        a decision already applied in an earlier quarter.
    """

    decisions: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=DECISION_SCHEMA))
    carried: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REVIEW_SCHEMA))
    rejected: frozenset[str] = frozenset()
    known: dict[str, str] = field(default_factory=dict)
    decided_before: dict[str, str] = field(default_factory=dict)
    held: dict[str, str] = field(default_factory=dict)
    no_change: tuple[tuple[str, int], ...] = ()  # decision rows read now that change nothing (blank, repeated)
    coklit: pl.DataFrame | None = None  # rows of returned coklit lists read now (transforms/coklit.py)

    @staticmethod
    def of(keputusan: "pl.DataFrame | ReviewBook | None") -> "ReviewBook":
        """A bare frame of parsed decision rows (tests, the benchmark) is a book read now."""
        if keputusan is None:
            return ReviewBook()
        if isinstance(keputusan, ReviewBook):
            return keputusan
        rows = keputusan.with_row_index("urutan").with_columns(pl.col("urutan").cast(pl.Int64), pl.lit(True).alias("hadir"))
        return ReviewBook(decisions=rows.select(
            [(pl.col(c) if c in rows.columns else pl.lit(None)).cast(t).alias(c) for c, t in DECISION_SCHEMA.items()]
        ))

    def latest_notes(self) -> dict[str, str]:
        """The last CATATAN written for each id (shown again on the next worksheet)."""
        notes: dict[str, str] = {}
        for rid, text in self.decisions.filter(pl.col("catatan").is_not_null()).select("id_verifikasi", "catatan").iter_rows():
            notes[rid] = text
        return notes


@dataclass(frozen=True)
class DecisionReading:
    """The decisions of one run: the book for the decide step, the rows to record, and what to log."""

    book: ReviewBook
    new_rows: pl.DataFrame    # rows for the `keputusan` table
    notes: tuple[str, ...]


_KEY = ["id_verifikasi", "keputusan", "catatan", "sumber_sha256", "sumber_baris"]


def read_decisions(recorded: pl.DataFrame, read: pl.DataFrame | None, *, kuartal: int, id_run: str,
                   dibaca_pada, carried: pl.DataFrame | None = None, rejected: frozenset[str] = frozenset(),
                   known: dict[str, str] | None = None, decided_before: dict[str, str] | None = None,
                   ) -> DecisionReading:
    """Merge the decision rows read now with the ones recorded before (SPEC §5.3).

    A row read again (same file content, row, id, decision and note) is the recorded fact,
    not a new one. Rows recorded for this quarter whose file is gone still count. A row that
    repeats a decision of an earlier quarter changes nothing now. A row with neither a
    decision nor a note is "not decided yet" and is not recorded.
    """
    cols = ["id_verifikasi", "keputusan", "catatan", "sumber_file", "sumber_sha256", "sheet", "sumber_baris"]
    read = (read if read is not None else pl.DataFrame(schema={c: DECISION_SCHEMA[c] for c in cols}))
    read = read.select([(pl.col(c) if c in read.columns else pl.lit(None)).cast(DECISION_SCHEMA[c]).alias(c)
                        for c in cols])
    recorded = recorded.select([(pl.col(c) if c in recorded.columns else pl.lit(None)).cast(t).alias(c)
                                for c, t in {**{c: DECISION_SCHEMA[c] for c in cols}, "urutan": pl.Int64,
                                             "kuartal": pl.Int64}.items()])
    blank = read.filter(pl.col("keputusan").is_null() & pl.col("catatan").is_null())
    read = read.filter(pl.col("keputusan").is_not_null() | pl.col("catatan").is_not_null())
    earlier = recorded.filter(pl.col("kuartal") < kuartal)
    this = recorded.filter(pl.col("kuartal") == kuartal)
    repeated = read.join(earlier.select(_KEY), on=_KEY, how="semi", nulls_equal=True)
    fresh = read.join(recorded.select(_KEY), on=_KEY, how="anti", nulls_equal=True)
    start = int(recorded["urutan"].max() or 0) + 1 if recorded.height else 1
    new_rows = fresh.with_row_index("urutan", offset=start).with_columns(
        pl.col("urutan").cast(pl.Int64), pl.lit(kuartal).alias("kuartal"), pl.lit(dibaca_pada).alias("dibaca_pada"),
        pl.lit(id_run).alias("id_run"),
    )
    present = read.select("sumber_sha256", "sumber_baris", "id_verifikasi").with_columns(pl.lit(True).alias("hadir"))
    decisions = pl.concat([this.drop("kuartal"), new_rows.select(this.drop("kuartal").columns)], how="vertical_relaxed")
    decisions = decisions.join(present, on=["sumber_sha256", "sumber_baris", "id_verifikasi"], how="left",
                               nulls_equal=True).with_columns(pl.col("hadir").fill_null(False))
    decisions = decisions.unique(subset=["urutan"], keep="first").sort("urutan")
    notes = []
    if repeated.height:
        notes.append(f"{repeated.height} baris keputusan sudah diterapkan pada triwulan sebelumnya; tidak diterapkan lagi")
    if new_rows.height:
        notes.append(f"{new_rows.height} keputusan baru dicatat di basis data")
    book = ReviewBook(
        decisions=decisions.select([pl.col(c).cast(t) for c, t in DECISION_SCHEMA.items()]),
        carried=carried if carried is not None else pl.DataFrame(schema=REVIEW_SCHEMA),
        rejected=rejected, known=known or {}, decided_before=decided_before or {},
        no_change=tuple(pl.concat([blank.select("sumber_file", "sumber_baris"),
                                   repeated.select("sumber_file", "sumber_baris")]).iter_rows()),
    )
    return DecisionReading(book, new_rows.select("urutan", "kuartal", *cols, "dibaca_pada", "id_run"), tuple(notes))


def read_review_book(con, kuartal: int, files: list, id_run: str) -> DecisionReading:
    """This run's decision rows merged with the recorded ones, the queue carried over from the
    previous quarter, and the pairs rejected before (SPEC §5.3)."""
    read = [f.records.with_columns(pl.lit(f.sheet, pl.Utf8).alias("sheet")) for f in files
            if f.kind == "keputusan" and f.records.height]
    rejected, known, decided = store.review_history(con, kuartal)
    return read_decisions(
        store.recorded_decisions(con), pl.concat(read, how="diagonal_relaxed") if read else None,
        kuartal=kuartal, id_run=id_run, dibaca_pada=datetime.now().replace(microsecond=0),
        carried=store.carried_review(con, kuartal), rejected=rejected,
        known={k: store.quarter_label(v) for k, v in known.items()},
        decided_before={k: store.quarter_label(v) for k, v in decided.items()},
    )
