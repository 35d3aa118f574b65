"""Which agency sent an input file (schemas/instansi.csv): a word in the file name first, then
the agency column of its rows (TNI → Kodim, POLRI → Polres), then the file's kind."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

INSTANSI_CSV = Path(__file__).resolve().parent.parent / "schemas" / "instansi.csv"
DISDUKCAPIL = "Disdukcapil"
# A desa's own death list names people by name, age and RT/RW; Disdukcapil's extract carries NIKs.
# A kematian file in which fewer rows than this share have a NIK is taken as a desa's report.
SHARE_WITH_NIK = 0.5


@dataclass(frozen=True)
class Instansi:
    singkat: str
    nama_lengkap: str


@lru_cache(maxsize=1)
def _table() -> tuple[tuple[str, str, Instansi], ...]:
    with INSTANSI_CSV.open(encoding="utf-8", newline="") as fh:
        return tuple((r["cocok"], r["nilai"], Instansi(r["instansi"], r["nama_lengkap"])) for r in csv.DictReader(fh))


def _words(file_name: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", Path(file_name).stem.lower()) if w}


def instansi_of(file_name: str, jenis: str, rows: pl.DataFrame | None = None) -> Instansi:
    table = _table()
    words = _words(file_name)
    for cocok, nilai, inst in table:
        if cocok == "kata_berkas" and nilai in words:
            return inst
    if rows is not None and rows.height:
        if "instansi" in rows.columns:
            values = {v for v in rows["instansi"].drop_nulls().unique().to_list()}
            found = {inst for cocok, nilai, inst in table if cocok == "kolom_instansi" and nilai in values}
            if len(found) == 1:
                return found.pop()
        if "nik" in rows.columns and rows["nik"].is_not_null().mean() < SHARE_WITH_NIK:
            for cocok, nilai, inst in table:
                if cocok == "jenis_tanpa_nik" and nilai == jenis:
                    return inst
    for cocok, nilai, inst in table:
        if cocok == "jenis" and nilai == jenis:
            return inst
    return Instansi("Lainnya", "Sumber lain")


def instansi_per_file(berkas: pl.DataFrame, records: pl.DataFrame) -> dict[str, Instansi]:
    """sumber_file -> its agency, for every file of the quarter."""
    parts = records.partition_by("sumber_file", as_dict=True) if records.height else {}
    return {
        name: instansi_of(name, jenis, parts.get((name,)))
        for name, jenis in berkas.select("sumber_file", "jenis").iter_rows()
    }
