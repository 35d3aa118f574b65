"""How numbers, dates and quarters are written for the public, the Indonesian way."""

from __future__ import annotations

from datetime import date

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
ROMAWI = ("I", "II", "III", "IV")

# U+2212: a real minus sign reads better than a hyphen at display sizes.
MINUS = "\u2212"


def angka(n: int) -> str:
    """627000 -> '627.000' (Indonesian thousands separator)."""
    text = f"{abs(int(n)):,}".replace(",", ".")
    return MINUS + text if n < 0 else text


def angka_bertanda(n: int) -> str:
    """A change: '+1.234', '−567', '0'."""
    return "+" + angka(n) if n > 0 else angka(n)


def tanggal(d: date) -> str:
    """date(2026, 3, 31) -> '31 Maret 2026'."""
    return f"{d.day} {BULAN[d.month - 1]} {d.year}"


def parse_quarter(quarter: str) -> tuple[int, int]:
    """'2026-Q1' -> (2026, 1)."""
    year, q = quarter.split("-Q")
    return int(year), int(q)


def quarter_start(quarter: str) -> date:
    year, q = parse_quarter(quarter)
    return date(year, 3 * (q - 1) + 1, 1)


def nama_triwulan(quarter: str, tahun: bool = False) -> str:
    """'2026-Q1' -> 'Triwulan I 2026', or 'Triwulan I Tahun 2026' in formal text."""
    year, q = parse_quarter(quarter)
    return f"Triwulan {ROMAWI[q - 1]} {'Tahun ' if tahun else ''}{year}"


def nama_kpu(nama_kabupaten: str) -> str:
    """'Kabupaten Temanggung' -> 'KPU Kabupaten Temanggung' (a kota works the same way)."""
    return f"KPU {nama_kabupaten}"


def nama_tempat(nama_kabupaten: str) -> str:
    """The dateline of a press release: 'Kabupaten Temanggung' -> 'Temanggung'."""
    for prefix in ("Kabupaten ", "Kota "):
        if nama_kabupaten.startswith(prefix):
            return nama_kabupaten[len(prefix):]
    return nama_kabupaten


# Where a person checks their own registration and where they respond (the call to action of
# every public text).
CEK_DPT = "cekdptonline.kpu.go.id"


def ajakan(nama_kabupaten: str) -> str:
    return (f"Cek nama Anda di {CEK_DPT}. Belum terdaftar atau data tidak sesuai? Sampaikan tanggapan ke "
            f"kantor desa/kelurahan (PPS) atau {nama_kpu(nama_kabupaten)}.")
