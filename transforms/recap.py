"""Counts per desa and sex for a quarter, and the reconciliation start + BARU - TMS ± moves = end."""

from __future__ import annotations

import json

import polars as pl

from schemas.fields import AKTIF

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
