"""The Kemendagri region table (data/wilayah/wilayah.csv): codes and names inside one kabupaten."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

from transforms.errors import InputError

WILAYAH_CSV = Path(__file__).resolve().parent.parent / "data" / "wilayah" / "wilayah.csv"
DEFAULT_KABUPATEN = "33.23"


@lru_cache(maxsize=1)
def load_wilayah(path: Path = WILAYAH_CSV) -> pl.DataFrame:
    """The whole table: kode, nama, level, jenis (all text)."""
    return pl.read_csv(path, schema_overrides={"kode": pl.Utf8}, infer_schema=False)


def kabupaten_name(kode_kabupaten: str, wilayah: pl.DataFrame | None = None) -> str:
    """'Kabupaten Temanggung' for '33.23'; InputError for a code that is not a kabupaten/kota."""
    wilayah = load_wilayah() if wilayah is None else wilayah
    row = wilayah.filter((pl.col("kode") == kode_kabupaten) & (pl.col("level") == "kabupaten"))
    if row.height == 0:
        raise InputError(
            f"kode kabupaten/kota '{kode_kabupaten}' tidak ada dalam tabel wilayah Kemendagri",
            column="kabupaten",
        )
    return row.item(0, "nama")


def desa_of_kabupaten(kode_kabupaten: str, wilayah: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every desa/kelurahan of the kabupaten with its kecamatan, sorted by code.

    Columns: kode_desa, nama_desa, jenis, kode_kecamatan, nama_kecamatan.
    """
    wilayah = load_wilayah() if wilayah is None else wilayah
    kabupaten_name(kode_kabupaten, wilayah)
    prefix = kode_kabupaten + "."
    inside = wilayah.filter(pl.col("kode").str.starts_with(prefix))
    kecamatan = inside.filter(pl.col("level") == "kecamatan").select(
        pl.col("kode").alias("kode_kecamatan"), pl.col("nama").alias("nama_kecamatan")
    )
    desa = inside.filter(pl.col("level") == "desa").select(
        pl.col("kode").alias("kode_desa"),
        pl.col("nama").alias("nama_desa"),
        pl.col("jenis"),
        pl.col("kode").str.slice(0, len(kode_kabupaten) + 3).alias("kode_kecamatan"),
    )
    return desa.join(kecamatan, on="kode_kecamatan", how="left").sort("kode_desa")
