"""Disdukcapil's own SIAK exports (SPEC §4.3): its column names and numeric codes are aliases
and codes like any other. Each SIAK-shaped extract parses to the same records as its twin
typed with the usual headers and words."""

from __future__ import annotations

import datetime as dt
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from transforms.parse import ParseContext, parse_extract
from transforms.read import read_extract
from transforms.wilayah import desa_of_kabupaten


@pytest.fixture(scope="module")
def ctx() -> ParseContext:
    return ParseContext("33.23", desa_of_kabupaten("33.23"), date(2026, 3, 31), date(2026, 1, 1))


PEOPLE = [
    # nik, nkk, nama, tempat, lahir, jk (1/2), kawin (1-4), kec, kel
    (3323011708750001, 3323010101100001, "BUDI SANTOSO", "TEMANGGUNG", dt.datetime(1975, 8, 17), 1, 2, 1, 2001),
    (3323015203800002, 3323010101100002, "SITI AMINAH", "MAGELANG", dt.datetime(1980, 3, 12), 2, 4, 1, 2002),
    (3323020101990003, 3323020101100003, "AGUS", "TEMANGGUNG", dt.datetime(1999, 1, 1), 1, 1, 2, 2001),
    (3323024505700004, 3323020101100004, "SRI LESTARI", "SEMARANG", dt.datetime(1970, 5, 5), 2, 3, 2, 2001),
]
SEX = {1: "L", 2: "P"}
KAWIN = {1: "BELUM KAWIN", 2: "KAWIN", 3: "CERAI HIDUP", 4: "CERAI MATI"}

# kind -> (SIAK event columns, twin event columns, values per person index)
EVENTS = {
    "kematian": (
        ["AKTA_KMTN", "NO_AKTA_KMTN", "TGL_KMTN"],
        ["NO AKTA KEMATIAN", "TANGGAL MENINGGAL"],
        lambda i: ([2, f"3323-KM-0{i}012026-000{i}", dt.datetime(2026, 2, i + 1)],
                   [f"3323-KM-0{i}012026-000{i}", dt.datetime(2026, 2, i + 1)]),
    ),
    "pindah_keluar": (
        ["NO_SURAT_PNDH", "TGL_PNDH", "KODE_DESA_TJN"],
        ["NO SKPWNI", "TANGGAL PINDAH", "TUJUAN"],
        lambda i: ([f"SKPWNI/3323/0{i}/2026", dt.datetime(2026, 1, 10 + i), "33.74.01.1001"],
                   [f"SKPWNI/3323/0{i}/2026", dt.datetime(2026, 1, 10 + i), "33.74.01.1001"]),
    ),
    "pindah_datang": (
        ["NO_SURAT_PNDH", "TGL_DTG", "KODE_DESA_ASL"],
        ["NO SKPWNI", "TANGGAL DATANG", "ASAL"],
        lambda i: ([f"SKPWNI/3374/0{i}/2026", dt.datetime(2026, 3, 1 + i), "33.74.01.1001"],
                   [f"SKPWNI/3374/0{i}/2026", dt.datetime(2026, 3, 1 + i), "33.74.01.1001"]),
    ),
    "penduduk": ([], [], lambda i: ([], [])),
}


def _write(path: Path, header: list[str], rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DATA DARI SIAK"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("kind", list(EVENTS))
def test_siak_extract_parses_like_its_hand_made_twin(tmp_path, ctx, kind):
    siak_cols, twin_cols, values = EVENTS[kind]
    siak_rows, twin_rows = [], []
    for i, (nik, nkk, nama, tempat, lahir, jk, kawin, kec, kel) in enumerate(PEOPLE):
        siak_ev, twin_ev = values(i)
        # SIAK: numbers in number cells (NIK, NKK, codes), the place as four numbers.
        siak_rows.append([nik, nkk, nama, tempat, lahir, jk, kawin, 33, 23, kec, kel, *siak_ev])
        twin_rows.append([nik, nkk, nama.title(), tempat, lahir.strftime("%d-%m-%Y"), SEX[jk], KAWIN[kawin],
                          f"33.23.{kec:02d}.{kel}", *twin_ev])
    siak = _write(tmp_path / f"{kind}_siak.xlsx",
                  ["NIK", "NO_KK", "NAMA_LGKP", "TMPT_LHR", "TGL_LHR", "JENIS_KLMIN", "STAT_KWN",
                   "NO_PROP", "NO_KAB", "NO_KEC", "NO_KEL", *siak_cols], siak_rows)
    twin = _write(tmp_path / f"{kind}_biasa.xlsx",
                  ["NIK", "NO KK", "NAMA LENGKAP", "TEMPAT LAHIR", "TANGGAL LAHIR", "JENIS KELAMIN",
                   "STATUS PERKAWINAN", "KODE DESA", *twin_cols], twin_rows)
    got = parse_extract(read_extract(siak), kind, ctx)
    want = parse_extract(read_extract(twin), kind, ctx)
    assert got.karantina.height == 0, got.karantina.to_dicts()
    assert want.karantina.height == 0, want.karantina.to_dicts()
    assert got.records.height == len(PEOPLE)
    assert got.records.drop("sumber_file").to_dicts() == want.records.drop("sumber_file").to_dicts()
    first = got.records.row(0, named=True)
    assert first["kode_desa"] == "33.23.01.2001"
    assert (first["jenis_kelamin"], first["status_kawin"]) == ("L", "S")
    assert got.records.get_column("status_kawin").to_list() == ["S", "P", "B", "P"]
    assert first["nik"] == "3323011708750001" and first["nik_andal"] is False  # a number cell: not trusted
    if kind == "kematian":
        assert first["no_bukti"] == "3323-KM-00012026-0000"
        assert first["tanggal_meninggal"] == date(2026, 2, 1)
    elif kind != "penduduk":
        assert first["no_bukti"].startswith("SKPWNI/")


def test_akta_flag_is_not_evidence_but_a_number_there_is(tmp_path, ctx):
    path = tmp_path / "kematian_flag.csv"
    path.write_text(
        "NIK,NAMA_LGKP,TGL_KMTN,AKTA_KMTN\n"
        "3323011708750001,BUDI,01-02-2026,2\n"
        "3323011708750002,ANI,01-02-2026,1\n"
        "3323011708750003,SRI,01-02-2026,3323-KM-01022026-0001\n"
    )
    parsed = parse_extract(read_extract(path), "kematian", ctx)
    assert parsed.records.get_column("no_bukti").to_list() == [None, None, "3323-KM-01022026-0001"]


def test_siak_region_numbers_outside_the_kabupaten_are_quarantined(tmp_path, ctx):
    path = tmp_path / "penduduk_siak.csv"
    path.write_text("NIK,NAMA_LGKP,NO_PROP,NO_KAB,NO_KEC,NO_KEL\n3323011708750001,BUDI,33,24,1,2001\n")
    parsed = parse_extract(read_extract(path), "penduduk", ctx)
    assert parsed.records.height == 0
    assert parsed.karantina.row(0, named=True)["nilai"] == "33.24.01.2001"


def test_evidence_number_reaches_the_change(tmp_path):
    """The akta number rides from the record onto the applied change (perubahan)."""
    from transforms.quarter_state import CHANGE_COLUMNS, change_row

    change = change_row({"rec": {"sumber_file": "kematian_siak.xlsx", "sumber_baris": 3, "no_bukti": "AKTA-1"},
                      "metode": "NIK", "skor": 1.0, "penetapan": "OTOMATIS", "id_verifikasi": None},
                     {"id_pemilih": 1}, "TMS", 1, None, [], {}, {})
    assert "no_bukti" in CHANGE_COLUMNS and change["no_bukti"] == "AKTA-1"
    assert pl.DataFrame([change]).get_column("no_bukti").to_list() == ["AKTA-1"]
