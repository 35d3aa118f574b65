"""Counts per desa and sex for a quarter, and the reconciliation start + BARU - TMS ± moves = end."""

from __future__ import annotations

import json

import polars as pl

from schemas.fields import AKTIF, KARANTINA, ROW_OUTCOMES
from transforms import store

# The columns `report_frames` and `previous_recap` read of the lists they are given (the
# counts of the recap); the person details of changes and candidates come from the database
# (store.changes_for_reports, store.review_for_reports).
BEFORE_COLUMNS = ("id_pemilih", "status", "kode_desa", "jenis_kelamin")

COUNT_COLUMNS = ("awal", "baru", "tms", "ubah", "pindah_masuk", "pindah_keluar", "akhir", "selisih")


def _count(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    return frame.group_by("kode_desa", "jenis_kelamin").agg(pl.len().cast(pl.Int64).alias(name))


def _old_value(column: str, field: str) -> pl.Expr:
    """The old value of `field` from an UBAH row's nilai_lama JSON, else the row's current value."""
    return (
        pl.col("nilai_lama")
        .map_elements(lambda s: json.loads(s).get(field) if s else None, return_dtype=pl.Utf8)
        .fill_null(pl.col(column))
    )


def desa_recap(
    desa: pl.DataFrame,
    before: pl.DataFrame,
    after: pl.DataFrame,
    perubahan: pl.DataFrame,
    tms_codes: list[int],
) -> pl.DataFrame:
    """One row per desa x sex (every desa of the kabupaten, L and P).

    `before`/`after`: the list as of the previous and this quarter (every voter, with status).
    `akhir` is counted from `after`, independently of the changes, so `selisih` shows any gap.
    """
    grid = desa.select("kode_desa").join(pl.DataFrame({"jenis_kelamin": ["L", "P"]}), how="cross")
    aktif_before = before.filter(pl.col("status") == AKTIF)
    aktif_after = after.filter(pl.col("status") == AKTIF)
    parts = [
        _count(aktif_before, "awal"),
        _count(perubahan.filter(pl.col("kategori") == "BARU"), "baru"),
        _count(perubahan.filter(pl.col("kategori") == "TMS"), "tms"),
        _count(perubahan.filter(pl.col("kategori") == "UBAH"), "ubah"),
        _count(aktif_after, "akhir"),
    ]
    for code in tms_codes:
        parts.append(_count(perubahan.filter((pl.col("kategori") == "TMS") & (pl.col("kode_tms") == code)), f"tms_{code}"))
    ubah = perubahan.filter(pl.col("kategori") == "UBAH").with_columns(
        _old_value("kode_desa", "kode_desa").alias("desa_lama"),
        _old_value("jenis_kelamin", "jenis_kelamin").alias("jk_lama"),
    )
    moved = ubah.filter((pl.col("desa_lama") != pl.col("kode_desa")) | (pl.col("jk_lama") != pl.col("jenis_kelamin")))
    parts.append(_count(moved, "pindah_masuk"))
    parts.append(
        _count(moved.select(pl.col("desa_lama").alias("kode_desa"), pl.col("jk_lama").alias("jenis_kelamin")),
               "pindah_keluar")
    )
    out = grid
    for part in parts:
        out = out.join(part, on=["kode_desa", "jenis_kelamin"], how="left")
    tms_cols = [f"tms_{c}" for c in tms_codes]
    ordered = ["awal", "baru", "tms", *tms_cols, "ubah", "pindah_masuk", "pindah_keluar", "akhir"]
    out = out.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in ordered)
    out = out.with_columns(
        (pl.col("awal") + pl.col("baru") - pl.col("tms") + pl.col("pindah_masuk") - pl.col("pindah_keluar")
         - pl.col("akhir")).alias("selisih")
    )
    return out.select("kode_desa", "jenis_kelamin", *ordered, "selisih").sort("kode_desa", "jenis_kelamin")


def outside_kabupaten(frame: pl.DataFrame, desa: pl.DataFrame) -> int:
    """Active voters whose desa is not a desa of the kabupaten (they would escape the recap)."""
    return frame.filter((pl.col("status") == AKTIF) & ~pl.col("kode_desa").is_in(desa["kode_desa"].implode())).height


def file_accounting(files: list, hasil: pl.DataFrame, karantina: pl.DataFrame) -> pl.DataFrame:
    """Per input file: read = applied + review + quarantined + no change. A gap is a bug: stop."""
    outcomes = pl.concat(
        [hasil.select("sumber_file", "sumber_baris", "hasil"),
         karantina.select("sumber_file", "sumber_baris", pl.lit(KARANTINA).alias("hasil"))]
    ).unique(subset=["sumber_file", "sumber_baris"], keep="last")
    counts = outcomes.group_by("sumber_file", "hasil").len().pivot(on="hasil", index="sumber_file", values="len")
    rows = []
    for f in files:
        got = counts.filter(pl.col("sumber_file") == f.name)
        per = {o: int(got[o][0]) if got.height and o in got.columns and got[o][0] is not None else 0
               for o in ROW_OUTCOMES}
        rows.append({"sumber_file": f.name, "sumber_sha256": f.sha256, "jenis": f.kind, "sheet": f.sheet,
                     "baris_header": f.header_row, "dibaca": f.rows, **per})
        if sum(per.values()) != f.rows:
            raise RuntimeError(
                f"{f.name}: {f.rows} baris dibaca tetapi {sum(per.values())} tercatat ({per}); hasil tidak seimbang"
            )
    return pl.DataFrame(rows, schema={"sumber_file": pl.Utf8, "sumber_sha256": pl.Utf8, "jenis": pl.Utf8,
                                      "sheet": pl.Utf8, "baris_header": pl.Int64, "dibaca": pl.Int64,
                                      **{o: pl.Int64 for o in ROW_OUTCOMES}})


def report_frames(con, kuartal: int, desa: pl.DataFrame, tms: pl.DataFrame, before_q: int,
                  before: pl.DataFrame | None = None, after: pl.DataFrame | None = None):
    """Query results for the writers: the recap, the changes with person details, the queue
    (store.changes_for_reports, store.review_for_reports). `before`/`after`: the lists as of
    `before_q` and `kuartal` when the caller already has them (only their active voters are
    counted, BEFORE_COLUMNS)."""
    before = store.list_as_of(con, before_q) if before is None else before
    after = store.list_as_of(con, kuartal) if after is None else after
    detailed = store.changes_for_reports(con, kuartal, tms)
    rekap = desa_recap(desa, before, after, detailed, tms["kode"].to_list())
    verifikasi = store.review_for_reports(con, kuartal, before_q)
    return rekap, detailed, verifikasi, outside_kabupaten(after, desa)


def previous_recap(con, kuartal: int, desa: pl.DataFrame, tms: pl.DataFrame,
                   current: pl.DataFrame | None = None) -> pl.DataFrame | None:
    """The recap of the latest quarter applied before `kuartal`; `current` is the list as of
    that quarter when the caller has it (the list the quarter started from)."""
    earlier = [k for k in store.applied_quarters(con) if k < kuartal]
    if not earlier:
        return None
    prev = earlier[-1]
    base = store.list_as_of(con, prev) if current is None else current
    before_prev = [k for k in earlier if k < prev]
    if not before_prev:  # the baseline: nothing changed yet, start = end
        return desa_recap(desa, base, base, store.changes_of(con, prev).clear(), tms["kode"].to_list())
    return report_frames(con, prev, desa, tms, before_prev[-1], after=base)[0]
