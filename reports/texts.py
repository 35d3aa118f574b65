"""Words of every report: column captions (schemas), Indonesian dates and quarters, safe cell values."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from schemas.tables import CAPTIONS_CSV

BULAN = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
ROMAWI = ("I", "II", "III", "IV")

# Excel and LibreOffice turn cell text starting with these into a formula when it is edited;
# such values are kept as text and marked with a quote prefix.
FORMULA_STARTS = ("=", "+", "-", "@")


# ---------------------------------------------------------------------------------------------
# Captions (schemas/captions.csv): one row per column key.

@dataclass(frozen=True)
class Caption:
    key: str
    title: str
    kind: str  # teks | nik | tanggal | angka (a count) | nomor (a number, a year, a code) | desimal
    max_width: int
    public_value: bool  # may the old/new value of this field appear in a public list
    public_name: bool  # may a public list even say that this field changed


@lru_cache(maxsize=1)
def captions() -> dict[str, Caption]:
    with CAPTIONS_CSV.open(encoding="utf-8", newline="") as fh:
        return {
            row["kolom"]: Caption(
                key=row["kolom"],
                title=row["judul"],
                kind=row["jenis"],
                max_width=int(row["lebar_maks"]),
                public_value=row["nilai_publik"] == "ya",
                public_name=row["nilai_publik"] != "rahasia",
            )
            for row in csv.DictReader(fh)
        }


@dataclass(frozen=True)
class Column:
    """One column of a table: header caption, cell kind and width cap."""

    title: str
    kind: str = "teks"
    max_width: int = 30

    @staticmethod
    def of(key: str, title: str | None = None) -> "Column":
        cap = captions()[key]
        return Column(title or cap.title, cap.kind, cap.max_width)


def columns(*keys: str) -> list[Column]:
    return [Column.of(k) for k in keys]


# ---------------------------------------------------------------------------------------------
# Indonesian wording of dates and quarters.


def tanggal_panjang(d: date) -> str:
    """31 Maret 2026."""
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def nama_triwulan(quarter: str) -> str:
    """'2026-Q1' -> 'Triwulan I 2026'."""
    year, q = quarter.split("-Q")
    return f"Triwulan {ROMAWI[int(q) - 1]} {year}"


def waktu_dibuat(dibuat: datetime) -> str:
    """30 November 2026 pukul 15.55 (UTC) - spelled out, so no public sheet carries a dd-mm-yyyy text."""
    zone = ""
    if dibuat.tzinfo is not None:
        name = dibuat.tzname() or ""
        zone = f" ({name})" if name else ""
    return f"{tanggal_panjang(dibuat)} pukul {dibuat:%H.%M}{zone}"


def stamp_of(dibuat: datetime) -> datetime:
    """dibuat as a naive UTC time (document properties and zip entries)."""
    if dibuat.tzinfo is not None:
        dibuat = dibuat.astimezone(timezone.utc).replace(tzinfo=None)
    return dibuat.replace(microsecond=0)


@dataclass(frozen=True)
class Heading:
    """What every sheet's title block says, besides the report name."""

    nama_kabupaten: str
    wilayah: str  # "Desa Bulu (33.23.01.2001), Kecamatan Bulu (33.23.01)" or the kabupaten line
    quarter: str
    tanggal_acuan: date
    dibuat: datetime

    def lines(self, report_name: str) -> list[str]:
        return [
            f"KOMISI PEMILIHAN UMUM {self.nama_kabupaten.upper()}",
            report_name,
            self.wilayah,
            f"{nama_triwulan(self.quarter)} \u2014 Tanggal acuan: {tanggal_panjang(self.tanggal_acuan)}",
            f"Dibuat: {waktu_dibuat(self.dibuat)}",
        ]


# ---------------------------------------------------------------------------------------------
# Values.

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def safe_file_name(kode: str, nama: str) -> str:
    """'33.23.01.2001', 'Bulu' -> '33.23.01.2001_Bulu.xlsx' (ASCII letters, digits, - and _ only)."""
    ascii_name = unicodedata.normalize("NFKD", nama).encode("ascii", "ignore").decode("ascii")
    ascii_name = _SAFE_NAME.sub("_", ascii_name.strip().replace(" ", "_")).strip("_")
    ascii_name = re.sub(r"_+", "_", ascii_name) or "desa"
    kode = re.sub(r"[^0-9A-Za-z.]", "", kode or "") or "tanpa_kode"
    return f"{kode}_{ascii_name}.xlsx"


MAX_TEXT = 32767  # characters in one cell


def clean_text(value: str) -> str:
    """Text Excel can hold: no control characters, at most 32,767 characters."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value[:MAX_TEXT]


def width_of(value: Any, kind: str) -> int:
    if value is None:
        return 0
    if kind == "tanggal":
        return 10
    if kind == "angka" and isinstance(value, int):
        return len(f"{value:,}")
    if kind == "desimal" and isinstance(value, float):
        return len(f"{value:.2f}")
    return len(str(value))
