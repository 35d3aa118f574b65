"""Loaders for the small rule tables kept as data in this folder."""

from __future__ import annotations

from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
# The column captions of every report: kolom, judul, jenis, lebar_maks, nilai_publik (reports/style.py).
CAPTIONS_CSV = HERE / "captions.csv"


def load_tms(path: Path | None = None) -> pl.DataFrame:
    """The TMS code table in force: kode (Int64), label, keterangan. A kabupaten may point
    `tms_table` in pdpb.toml at an older table (e.g. 5 tidak dikenal, 10 bukan penduduk)."""
    return pl.read_csv(path or HERE / "tms.csv", schema_overrides={"kode": pl.Int64}).sort("kode")
