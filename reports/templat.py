"""`pdpb templat DIR`: a blank workbook per kind of extract, for the agencies that send them.

The first sheet holds the header row pdpb reads (the first alias of each field in
schemas/aliases.csv) with NIK and NKK columns formatted as text, so Excel never turns a NIK into
a number; the PETUNJUK sheet says what goes in each column.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from schemas.fields import EVENT_FIELDS, INBOX_KINDS, REQUIRED_FIELDS

ALIASES_CSV = Path(__file__).resolve().parent.parent / "schemas" / "aliases.csv"
TEXT_FIELDS = ("nik", "nkk", "rt", "rw", "id_verifikasi", "id_pemilih")
TEXT_ROWS = 2000  # rows pre-formatted as text below the header (the column style covers the rest)

_PERSON_FULL = ("nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "status_kawin", "jenis_kelamin", "alamat",
                "rt", "rw", "disabilitas", "kecamatan", "desa")
_PERSON_SHORT = ("nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw",
                 "kecamatan", "desa")

# The person fields each kind's template carries (SPEC §4.2: which of them a file has varies);
# the event fields come from schemas/fields.py.
PERSON_FIELDS_OF: dict[str, tuple[str, ...]] = {
    "kematian": _PERSON_SHORT,
    "pindah_keluar": _PERSON_SHORT,
    "pindah_datang": _PERSON_FULL,
    "penduduk": _PERSON_FULL,
    "tni_polri": ("nik", "nkk", "nama", "tanggal_lahir", "jenis_kelamin", "kecamatan", "desa"),
    "perbaikan": _PERSON_FULL,
    "keputusan": (),
    "coklit": ("nik", "nama"),
}

KIND_TITLE: dict[str, str] = {
    "kematian": "Data kematian (Disdukcapil atau laporan desa/kelurahan)",
    "pindah_keluar": "Penduduk pindah keluar kabupaten/kota",
    "pindah_datang": "Penduduk pindah datang (dari luar, atau antar-desa dalam kabupaten/kota)",
    "penduduk": "Penduduk potensial pemilih (DP4: yang sudah atau akan berumur 17 tahun, atau sudah kawin)",
    "tni_polri": "Perubahan status anggota TNI/Polri (MASUK atau PENSIUN)",
    "perbaikan": "Perbaikan data dari tanggapan masyarakat",
    "keputusan": "Keputusan verifikasi oleh petugas (SETUJU / TOLAK)",
    "coklit": "Hasil coklit terbatas (MS / TMS dengan kodenya / TIDAK DIKENAL)",
}

FIELD_HELP: dict[str, tuple[str, str]] = {  # field -> (what it is, example)
    "nik": ("Nomor Induk Kependudukan, 16 angka, diketik sebagai teks", "3323012505800001"),
    "nkk": ("Nomor Kartu Keluarga, 16 angka, diketik sebagai teks", "3323010101080003"),
    "nama": ("Nama lengkap seperti di KTP-el", "SUPARMAN"),
    "tempat_lahir": ("Tempat lahir", "TEMANGGUNG"),
    "tanggal_lahir": ("Tanggal lahir (tanggal Excel, atau 17-08-1975, atau 17 Agustus 1975)", "25-05-1980"),
    "status_kawin": ("B (belum kawin), S (kawin), P (pernah kawin/cerai)", "S"),
    "jenis_kelamin": ("L atau P", "L"),
    "alamat": ("Alamat atau nama dusun", "DUSUN KRAJAN"),
    "rt": ("Nomor RT", "003"),
    "rw": ("Nomor RW", "001"),
    "disabilitas": ("Jenis disabilitas, kosongkan bila tidak ada", ""),
    "kecamatan": ("Nama kecamatan", "PARAKAN"),
    "desa": ("Nama desa/kelurahan", "BAGUSAN"),
    "tanggal_meninggal": ("Tanggal meninggal", "02-02-2026"),
    "umur": ("Umur dalam tahun pada tanggal peristiwa, bila tanggal lahir tidak diketahui", "67"),
    "tanggal_pindah": ("Tanggal pindah", "15-01-2026"),
    "tujuan": ("Daerah tujuan pindah", "KOTA SEMARANG"),
    "tanggal_datang": ("Tanggal datang", "15-01-2026"),
    "asal": ("Daerah asal", "KABUPATEN MAGELANG"),
    "instansi": ("TNI atau POLRI", "TNI"),
    "perubahan": ("MASUK (menjadi anggota) atau PENSIUN", "MASUK"),
    "id_verifikasi": ("ID dari lembar Verifikasi laporan desa atau rekap", "V0001A2B3C"),
    "keputusan": ("SETUJU atau TOLAK", "SETUJU"),
    "id_pemilih": ("ID pemilih dari daftar coklit terbatas", "1234"),
    "hasil_coklit": ("MS, TMS dengan kodenya (TMS 1 sampai TMS 9) atau TIDAK DIKENAL; kosong = belum dikunjungi",
                     "TMS 1"),
}


def headers() -> dict[str, str]:
    """field -> the header pdpb knows it by first (the first alias in schemas/aliases.csv)."""
    first: dict[str, str] = {}
    with ALIASES_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            first.setdefault(row["field"], row["alias"])
    return first


def template_fields(kind: str) -> list[str]:
    fields = list(PERSON_FIELDS_OF[kind])
    fields += [f for f in EVENT_FIELDS[kind] if f not in fields]
    fields += [f for f in REQUIRED_FIELDS[kind] if f not in fields]
    return fields


def write_template(kind: str, path: Path) -> Path:
    names = headers()
    fields = template_fields(kind)
    required = set(REQUIRED_FIELDS[kind])
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for col, field in enumerate(fields, start=1):
        cell = ws.cell(row=1, column=col, value=names[field])
        cell.font = bold
        if field in required:
            cell.fill = fill
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(12, len(names[field]) + 4)
        if field in TEXT_FIELDS:
            ws.column_dimensions[letter].number_format = "@"
            for row in range(2, TEXT_ROWS + 2):
                ws.cell(row=row, column=col).number_format = "@"
    ws.freeze_panes = "A2"

    info = wb.create_sheet("PETUNJUK")
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 10
    info.column_dimensions["C"].width = 70
    info.column_dimensions["D"].width = 22
    lines = [
        [KIND_TITLE[kind]],
        [f"Nama berkas harus diawali '{kind}', misalnya {kind}_<instansi>_2026-Q1.xlsx. Isi lembar 'Data' "
         "mulai baris 2, satu baris per orang; jangan ubah judul kolom (baris 1)."],
        ["Kolom NIK dan NKK sudah berformat teks: ketik atau tempel 16 angka apa adanya (jangan sebagai angka, "
         "Excel akan mengubah angka terakhir menjadi 0)."],
        ["Kolom berwarna kuning wajib diisi. Kolom lain diisi bila diketahui; lebih lengkap, lebih tepat "
         "pencocokannya."],
        [],
        ["Kolom", "Wajib", "Isi", "Contoh"],
    ]
    if kind == "perbaikan":
        lines.insert(4, ["Perbaikan: kolom NAMA selalu berisi ejaan yang benar; sel yang kosong berarti "
                         "tidak ada perubahan pada kolom itu."])
    for line in lines:
        info.append(line)
    for cell in info[info.max_row]:
        cell.font = bold
    info["A1"].font = Font(bold=True, size=13)
    for field in fields:
        what, example = FIELD_HELP[field]
        info.append([names[field], "ya" if field in required else "", what, example])
    for row in info.iter_rows(min_row=2, max_row=5):
        row[0].alignment = Alignment(wrap_text=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_templates(folder: Path) -> list[Path]:
    """One template per kind of extract: <folder>/<kind>_templat.xlsx."""
    return [write_template(kind, folder / f"{kind}_templat.xlsx") for kind in INBOX_KINDS]
