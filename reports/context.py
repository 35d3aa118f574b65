"""What every report writer shares: sheet names, report titles, the context of a run (regions,
TMS table, dates), and how stored values are shown."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reports.texts import Heading

JENIS_WILAYAH = {"desa": "Desa", "kelurahan": "Kelurahan", "desa_adat": "Desa Adat"}
KEPUTUSAN_PILIHAN = "SETUJU,TOLAK"
OTHER_DATA = "data lainnya"

# Sheet names (also what officials call them).
REKAP = "Rekap"
BARU = "Pemilih Baru"
TMS = "TMS"
UBAH = "Perubahan Data"
VERIFIKASI = "Verifikasi"

REPORT_NAMES = {
    REKAP: "REKAPITULASI PEMUTAKHIRAN DATA PEMILIH BERKELANJUTAN",
    BARU: "DAFTAR PEMILIH BARU",
    TMS: "DAFTAR PEMILIH TIDAK MEMENUHI SYARAT (TMS)",
    UBAH: "DAFTAR PERUBAHAN DATA PEMILIH",
    VERIFIKASI: "DAFTAR USULAN VERIFIKASI FAKTUAL",
}


@dataclass(frozen=True)
class ReportContext:
    """What every writer needs besides one desa's rows: region names, TMS table, dates."""

    quarter: str
    tanggal_acuan: date
    dibuat: datetime
    kode_kabupaten: str
    nama_kabupaten: str
    tms: tuple[tuple[int, str, str], ...]  # (kode, label, keterangan)
    desa: dict[str, tuple[str, str, str, str]]  # kode_desa -> (nama, jenis, kode_kec, nama_kec)

    def tms_label(self, kode: int | None) -> str | None:
        if kode is None:
            return None
        for k, label, _ in self.tms:
            if k == kode:
                return label
        return None

    def desa_label(self, kode: str | None) -> str | None:
        """'33.23.01.2001 Bulu' (the code alone when it is not a desa of the kabupaten)."""
        if kode is None:
            return None
        known = self.desa.get(kode)
        return f"{kode} {known[0]}" if known else kode

    def desa_name(self, kode: str | None) -> str | None:
        known = self.desa.get(kode) if kode else None
        return known[0] if known else kode

    def wilayah_line(self, kode_desa: str) -> str:
        nama, jenis, kode_kec, nama_kec = self.desa[kode_desa]
        return f"{JENIS_WILAYAH.get(jenis, 'Desa')} {nama} ({kode_desa}), Kecamatan {nama_kec} ({kode_kec})"

    def desa_phrase(self, kode_desa: str) -> str:
        nama, jenis, _, _ = self.desa[kode_desa]
        return f"{JENIS_WILAYAH.get(jenis, 'Desa')} {nama}"

    def heading(self, wilayah: str) -> Heading:
        return Heading(self.nama_kabupaten, wilayah, self.quarter, self.tanggal_acuan, self.dibuat)

    def kabupaten_line(self) -> str:
        return f"{self.nama_kabupaten} ({self.kode_kabupaten})"


def parse_values(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def show_value(ctx: ReportContext, field: str, value: Any) -> str:
    if value is None or value == "":
        return "(kosong)"
    if field in ("kode_desa", "kode_desa_lama"):
        return ctx.desa_label(str(value)) or str(value)
    if field.startswith("tanggal") and isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return f"{value[8:10]}-{value[5:7]}-{value[0:4]}"
    return str(value)
