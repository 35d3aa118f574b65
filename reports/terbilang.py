"""Numbers and dates written out in Indonesian words, as a Berita Acara states them
("Pada hari ini Senin tanggal tiga puluh satu bulan Maret tahun dua ribu dua puluh enam")."""

from __future__ import annotations

from datetime import date

from reports.style import BULAN

_SATUAN = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh",
           "sebelas")
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_SCALES = ((1_000_000_000, "miliar"), (1_000_000, "juta"), (1000, "ribu"), (100, "ratus"))


def terbilang(n: int) -> str:
    """31 -> 'tiga puluh satu', 2026 -> 'dua ribu dua puluh enam', 1000 -> 'seribu'."""
    if n < 0:
        return "minus " + terbilang(-n)
    if n < 12:
        return _SATUAN[n]
    if n < 20:
        return f"{_SATUAN[n - 10]} belas"
    if n < 100:
        tens, rest = divmod(n, 10)
        return f"{_SATUAN[tens]} puluh" + (f" {_SATUAN[rest]}" if rest else "")
    for size, word in _SCALES:
        if n >= size:
            head, rest = divmod(n, size)
            # 100 is "seratus" and 1000 "seribu"; "satu juta" keeps its "satu".
            lead = f"se{word}" if head == 1 and size in (100, 1000) else f"{terbilang(head)} {word}"
            return lead + (f" {terbilang(rest)}" if rest else "")
    raise AssertionError(n)


def tanggal_terbilang(d: date) -> str:
    """'hari Senin tanggal tiga puluh satu bulan Maret tahun dua ribu dua puluh enam'."""
    return (f"hari {HARI[d.weekday()]} tanggal {terbilang(d.day)} bulan {BULAN[d.month - 1]} "
            f"tahun {terbilang(d.year)}")
