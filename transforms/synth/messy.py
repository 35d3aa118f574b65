"""Inbox files that look typed by hand (SPEC §4.3): workbooks with title rows and notes
sheets, CSV in several encodings and separators, header aliases, NIKs as numbers, dates and
codes in many spellings, desa by name. Returns where each event row landed, so that the
labels name the row number Excel or a text editor shows.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Border, Font, Side
from openpyxl.writer.excel import ExcelWriter
from rapidfuzz import fuzz, process

from transforms.synth.draw import SYNTH_DATA, Region, typo
from transforms.synth.model import DESA_REPORT_COLUMNS, FILE_COLUMNS, KINDS, QuarterEvents

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
TITLES = {
    "kematian": "DAFTAR PENDUDUK MENINGGAL DUNIA",
    "pindah_keluar": "DAFTAR PENDUDUK PINDAH KELUAR",
    "pindah_datang": "DAFTAR PENDUDUK PINDAH DATANG",
    "penduduk": "DAFTAR POTENSIAL PEMILIH (DP4)",
    "tni_polri": "DAFTAR PERUBAHAN STATUS TNI/POLRI",
    "perbaikan": "REKAP TANGGAPAN MASYARAKAT (PERBAIKAN DATA)",
}
FILE_STEM = {
    "kematian": "Kematian_Disdukcapil",
    "pindah_keluar": "PINDAH_KELUAR_Disdukcapil",
    "pindah_datang": "Pindah_Datang",
    "penduduk": "penduduk_DP4",
    "tni_polri": "TNI_POLRI_Kodim_Polres",
    "perbaikan": "Perbaikan_tanggapan_masyarakat",
}
KAWIN_WORDS = {"B": ("BELUM KAWIN",), "S": ("KAWIN",), "P": ("CERAI HIDUP", "CERAI MATI")}
SEX_WORDS = {"L": ("LAKI-LAKI", "Laki-laki"), "P": ("PEREMPUAN", "Perempuan")}
EXCEL_EPOCH = date(1899, 12, 30)
THIN = Side(style="thin")


@lru_cache(maxsize=1)
def header_aliases() -> dict[str, list[str]]:
    table = pl.read_csv(SYNTH_DATA / "judul_kolom.csv", infer_schema=False)
    out: dict[str, list[str]] = {}
    for kolom, judul in table.iter_rows():
        out.setdefault(kolom, []).append(judul)
    return out


@lru_cache(maxsize=1)
def month_names() -> list[tuple[str, str]]:
    table = pl.read_csv(SYNTH_DATA / "bulan.csv", infer_schema=False)
    return [(n, s) for _, n, s in table.iter_rows()]


# File formats in turn, so that every quarter's inbox has each of them (the first one
# shifts from quarter to quarter): workbook, or CSV as (encoding, separator).
FORMATS = ("xlsx", ("utf-8", ","), "xlsx", ("utf-8-sig", ";"), ("cp1252", ";"), "xlsx", ("utf-8", ";"),
           ("cp1252", ","))
XLSX_DATES = ("excel", "serial", "bulan", "excel", "bln", "dmy/")
CSV_DATES = ("dmy-", "dmy/", "bulan", "bln", "iso")


class Style:
    """How one file spells things: chosen once per file, with a few rows typed differently."""

    def __init__(self, rng: np.random.Generator, xlsx: bool, by_name: bool, turn: int) -> None:
        self.rng = rng
        self.xlsx = xlsx
        self.by_name = by_name
        main = XLSX_DATES if xlsx else CSV_DATES
        self.date_style = main[turn % len(main)]
        self.date_styles = ["iso", "dmy-", "dmy/", "bulan", "bln"] + (["excel", "serial"] if xlsx else [])
        self.sex_words = rng.random() < 0.5
        self.kawin_words = rng.random() < 0.6
        self.nkk_number = xlsx and rng.random() < 0.3
        self.upper_desa = rng.random() < 0.6
        self.header_case = int(rng.integers(0, 3))

    def pick(self, options):
        return options[int(self.rng.integers(0, len(options)))]

    def header(self, field: str) -> str:
        text = self.pick(header_aliases()[field])
        if self.header_case == 1:
            text = text.title()
        elif self.header_case == 2:
            text = text.title().replace(" ", "_") if "." not in text and "/" not in text else text
        return text

    def date(self, d: date):
        style = self.date_style if self.rng.random() > 0.1 else self.pick(self.date_styles)
        if style == "excel":
            return datetime(d.year, d.month, d.day)
        if style == "serial":
            return (d - EXCEL_EPOCH).days
        if style == "iso":
            return d.isoformat()
        if style == "dmy-":
            return f"{d.day:02d}-{d.month:02d}-{d.year}"
        if style == "dmy/":
            return f"{d.day:02d}/{d.month:02d}/{d.year}"
        name, short = month_names()[d.month - 1]
        if style == "bulan":
            return f"{d.day} {name} {d.year}"
        return f"{d.day} {short} {d.year}"

    def nik(self, value: str, mode: str):
        if mode == "hilang" or value is None:
            return None
        if mode == "numerik":
            # Excel keeps 15 significant digits; a CSV saved by Excel shows 6 of them under the
            # General format, or all 16 under "0" -- for a serial 0001-0009 that leaves 0000.
            if self.xlsx:
                return float(value[:15] + "0")
            if value[12:15] == "000" and self.rng.random() < 0.5:
                return value[:15] + "0"
            return f"{float(value):.5E}"
        u = self.rng.random()
        if u < 0.05:
            return " ".join(value[i : i + 4] for i in range(0, 16, 4))
        if u < 0.10:
            return ".".join(value[i : i + 4] for i in range(0, 16, 4))
        if u < 0.15:
            return "'" + value
        if u < 0.18:
            return " " + value + " "
        return value

    def nkk(self, value: str | None):
        if value is None:
            return None
        return float(value[:15] + "0") if self.nkk_number else value


class Places:
    """Desa and kecamatan names as people type them, with prefixes and the odd typo."""

    def __init__(self, region: Region) -> None:
        d = region.desa
        self.desa = {r["kode_desa"]: r for r in d.iter_rows(named=True)}
        self.names = [n.upper() for n in d["nama_desa"]]
        self.unknown = self._unknown_name()

    def _unknown_name(self) -> str:
        for name in ("KARANGLOR WETAN", "TANJUNGSARI KIDUL", "SIDOMULYO LOR", "PANGGUNGHARJO KULON", "ZAMRUD"):
            best = process.extractOne(name, self.names, scorer=fuzz.ratio)
            if best is None or best[1] < 60:
                return name
        return "ZZZ"

    def typo_ok(self, wrong: str, right: str) -> bool:
        """A typo the reader can still resolve: much closer to the right desa than to any other."""
        scores = sorted((fuzz.ratio(wrong, n) for n in self.names if n != right), reverse=True)
        return fuzz.ratio(wrong, right) >= 85 and (not scores or scores[0] < fuzz.ratio(wrong, right) - 10)

    def render(self, style: Style, kode: str, rng) -> tuple[str, str]:
        r = self.desa[kode]
        name = r["nama_desa"].upper()
        if len(name) >= 8 and rng.random() < 0.04:
            wrong = str(typo(rng, np.array([name], dtype=object))[0])
            if self.typo_ok(wrong, name):
                name = wrong
        if r["jenis"] == "kelurahan":
            prefix = style.pick(["KEL. ", "KELURAHAN ", ""])
        else:
            prefix = style.pick(["DESA ", "DS. ", "", ""])
        kec = r["nama_kecamatan"].upper()
        kec = style.pick(["", "KEC. "]) + kec
        desa = prefix + name
        if not style.upper_desa:
            desa, kec = desa.title(), kec.title()
        return kec, desa


def _columns(kind: str, berkas: str, by_name: bool, rt_rw_together: bool = False) -> list[str]:
    cols = list(DESA_REPORT_COLUMNS if berkas == "desa" else FILE_COLUMNS[kind])
    if by_name and "kode_desa" in cols:
        i = cols.index("kode_desa")
        cols[i : i + 1] = ["kecamatan", "desa"]
    if rt_rw_together and "rt" in cols and "rw" in cols:
        i = cols.index("rt")
        cols.remove("rw")
        cols[i] = "rt_rw"  # one column "RT/RW": 003/001
    return cols


def _cell(field: str, row: dict, style: Style, places: Places, rng):
    raw = row["_raw"]
    if field in raw:
        return raw[field]
    if field == "desa" and "desa" in raw:
        return raw["desa"]
    if field in ("kecamatan", "desa"):
        if "kode_desa" in raw:  # a desa that does not exist
            return places.unknown if field == "desa" else places.render(style, next(iter(places.desa)), rng)[0]
        if row["kode_desa"] is None:
            return None
        kec, desa = places.render(style, row["kode_desa"], rng)
        return kec if field == "kecamatan" else desa
    if field == "rt_rw":
        return f"{row['rt']}/{row['rw']}" if row.get("rt") and row.get("rw") else None
    value = row.get(field)
    if value is None or value == "":
        return None
    if field == "nik":
        return style.nik(value, row["_nik_mode"])
    if field == "nkk":
        return style.nkk(value)
    if isinstance(value, date):
        return style.date(value)
    if field == "jenis_kelamin" and style.sex_words:
        return style.pick(SEX_WORDS[value])
    if field == "status_kawin" and style.kawin_words:
        return style.pick(KAWIN_WORDS[value])
    if field == "nama" and rng.random() < 0.03:
        return value + " "
    return value


def _file_plan(events: QuarterEvents, rng) -> list[tuple[str, str, list[dict]]]:
    plan = []
    for kind in KINDS:
        groups: dict[str, list[dict]] = {}
        for r in events.rows[kind]:
            groups.setdefault(r["_berkas"], []).append(r)
        groups.setdefault("", [])
        for berkas, rows in sorted(groups.items()):
            plan.append((kind, berkas, rows))
    return plan


def write_messy_inbox(events: QuarterEvents, inbox: Path, rng, region: Region) -> list[tuple[str, list[dict], list[int]]]:
    places = Places(region)
    year, q = events.quarter[:4], int(events.quarter[-1])
    out = []
    shift = int(rng.integers(0, len(FORMATS)))
    counter = {True: 0, False: 0}  # files of each format so far: date styles go round in turn
    for turn, (kind, berkas, rows) in enumerate(_file_plan(events, rng)):
        fmt = "xlsx" if berkas == "desa" and turn % 2 else FORMATS[(turn + shift) % len(FORMATS)]
        xlsx = fmt == "xlsx"
        by_name = berkas == "desa" or turn % 3 != 0
        style = Style(rng, xlsx, by_name, counter[xlsx])
        counter[xlsx] += 1
        # The desa report of every other quarter writes RT and RW in one column.
        columns = _columns(kind, berkas, by_name, rt_rw_together=berkas == "desa" and q % 2 == 1)
        stem = "Kematian_laporan_desa" if berkas == "desa" else FILE_STEM[kind]
        name = f"{stem}_TW{ROMAN[q]}_{year}.{'xlsx' if xlsx else 'csv'}"
        title = [TITLES[kind] + (" (LAPORAN DESA)" if berkas == "desa" else ""),
                 f"{region.nama_lengkap} \u2013 TRIWULAN {ROMAN[q]} TAHUN {year}"]
        cells = [[_cell(c, r, style, places, rng) for c in columns] for r in rows]
        for r in rows:
            if r["_nik_mode"] == "numerik" and not xlsx and r["_kasus"] == "nik_float":
                r["_kasus"] = "nik_sci"
        headers = [style.header(c) for c in columns]
        if xlsx:
            numbers = _write_xlsx(inbox / name, headers, cells, title, rng)
        else:
            numbers = _write_csv(inbox / name, headers, cells, title, rng, *fmt)
        out.append((name, rows, numbers))
    return out


def _layout(n_rows: int, first: int, rng) -> list[int]:
    """Row numbers for the data rows, with a blank row now and then."""
    numbers, line = [], first
    for _ in range(n_rows):
        if numbers and rng.random() < 0.03:
            line += 1
        numbers.append(line)
        line += 1
    return numbers


def _write_xlsx(path: Path, headers: list[str], cells: list[list], title: list[str], rng) -> list[int]:
    wb = Workbook()
    first = wb.active
    if rng.random() < 0.6:
        first.title = "Keterangan"
        first["A1"] = "Catatan pengisian"
        first["A2"] = "Data bersumber dari laporan yang diterima pada triwulan ini."
        first["A3"] = "Kolom yang kosong berarti data tidak tersedia."
        ws = wb.create_sheet("Data")
    else:
        ws = first
        ws.title = "Data"
    with_no = rng.random() < 0.7
    hdr = (["NO"] if with_no else []) + headers
    n_title = int(rng.integers(0, 3)) if rng.random() < 0.8 else 0
    for i in range(n_title):
        ws.cell(row=i + 1, column=1, value=title[i]).font = Font(bold=True)
        ws.merge_cells(start_row=i + 1, start_column=1, end_row=i + 1, end_column=len(hdr))
    header_row = n_title + (2 if n_title else 1)
    for j, h in enumerate(hdr, start=1):
        c = ws.cell(row=header_row, column=j, value=h)
        c.font = Font(bold=True)
        c.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
    numbers = _layout(len(cells), header_row + 1, rng)
    trailing = int(rng.integers(0, 3))
    for k, (line, values) in enumerate(zip(numbers, cells)):
        values = ([k + 1] if with_no else []) + values
        for j, v in enumerate(values, start=1):
            c = ws.cell(row=line, column=j, value=v)
            if isinstance(v, datetime):
                c.number_format = "DD/MM/YYYY"
            elif isinstance(v, float):
                c.number_format = "0"
        for j in range(len(values) + 1, len(values) + 1 + trailing):
            # Empty but formatted cells: the sheet's used range runs past the data.
            ws.cell(row=line, column=j).border = Border(left=THIN, right=THIN)
    if rng.random() < 0.3:
        extra = wb.create_sheet("Rekap")
        extra["A1"] = "Jumlah"
        extra["B1"] = len(cells)
    _save(wb, path)
    return numbers


FIXED_TIME = datetime(2026, 1, 1)


def _save(wb: Workbook, path: Path) -> None:
    """Save with fixed timestamps (document properties and zip entries): same seed, same bytes."""
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))


def _write_csv(path: Path, headers: list[str], cells: list[list], title: list[str], rng, encoding: str,
               sep: str) -> list[int]:
    buf = io.StringIO()
    # Windows files: CRLF line ends, and a title with a dash that only Windows-1252 spells 0x96.
    w = csv.writer(buf, delimiter=sep, lineterminator="\r\n" if encoding == "cp1252" else "\n")
    line = 1
    if encoding == "cp1252" or rng.random() < 0.4:
        w.writerow([title[0]])
        w.writerow([title[1]])
        w.writerow([])
        line += 3
    w.writerow(headers)
    line += 1
    numbers = _layout(len(cells), line, rng)
    previous = line - 1
    for n, values in zip(numbers, cells):
        for _ in range(n - previous - 1):
            w.writerow([])
        w.writerow(["" if v is None else v for v in values])
        previous = n
    # Excel saving "CSV" in the Windows code page writes '?' for what it cannot spell
    # (full-width digits pasted into a NIK cell).
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))
    return numbers
