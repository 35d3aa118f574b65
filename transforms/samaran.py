"""The masked list for political parties and Bawaslu (`pdpb export --samaran`).

NIK and NKK keep their first 12 digits and the last 4 become `*` (the soft-copy practice of
2019); the birth date shows only the year; no disability detail and no internal source
columns. The public form for posting at the desa office (SPEC §5.5) masks more: 6 digits.
"""

from __future__ import annotations

import polars as pl

KEEP = 12
HIDDEN = 4
COLUMNS = (
    "id_pemilih", "status", "kode_tms", "nik", "nkk", "nama", "tempat_lahir", "tahun_lahir", "jenis_kelamin",
    "status_kawin", "alamat", "rt", "rw", "kode_desa", "tps",
)


def mask(column: str) -> pl.Expr:
    """First 12 characters kept, every later one `*`; a value shorter than 16 still loses its
    last 4 (all of it when it has 4 or fewer), so no short value slips through whole."""
    text = pl.col(column).cast(pl.Utf8)
    n = text.str.len_chars().cast(pl.Int64)  # unsigned would wrap below zero
    kept = pl.min_horizontal(pl.lit(KEEP), pl.max_horizontal(n - HIDDEN, pl.lit(0)))
    return text.str.slice(0, kept).str.pad_end(n, "*").alias(column)


def masked(frame: pl.DataFrame) -> pl.DataFrame:
    """The export frame (reports/export.py) in its masked form."""
    return frame.with_columns(
        mask("nik"), mask("nkk"), pl.col("tanggal_lahir").dt.year().alias("tahun_lahir")
    ).select(COLUMNS)
