"""parse_extract on tiny files: typed columns, NIK trust, dates, codes, desa names, quarantine."""

from __future__ import annotations

import datetime as dt
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from transforms.errors import InputError
from transforms.parse import KARANTINA_SCHEMA, RECORD_SCHEMA, ParseContext, parse_extract
from transforms.read import read_extract
from transforms.wilayah import desa_of_kabupaten

ACUAN = date(2026, 3, 31)


@pytest.fixture(scope="module")
def ctx() -> ParseContext:
    return ParseContext("33.23", desa_of_kabupaten("33.23"), ACUAN, date(2026, 1, 1))


def parse_csv(tmp_path: Path, ctx: ParseContext, kind: str, text: str, name: str | None = None):
    p = tmp_path / (name or f"{kind}_uji.csv")
    p.write_text(text, encoding="utf-8")
    return parse_extract(read_extract(p), kind, ctx)


def one(parsed, **expected):
    assert parsed.karantina.height == 0, parsed.karantina.to_dicts()
    assert parsed.records.height == 1
    row = parsed.records.row(0, named=True)
    for key, value in expected.items():
        assert row[key] == value, (key, row[key], value)
    return row


def reason(parsed) -> dict:
    assert parsed.karantina.height == 1, parsed.karantina.to_dicts()
    assert parsed.records.height == 0
    return parsed.karantina.row(0, named=True)


# --- the frame contract ----------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", ["pemilih", "kematian", "pindah_keluar", "pindah_datang", "penduduk", "tni_polri", "perbaikan", "keputusan"]
)
def test_every_kind_has_every_column_with_its_dtype(tmp_path, ctx, kind):
    headers = {
        "pemilih": "NIK,NAMA,TANGGAL LAHIR,JENIS KELAMIN,KODE DESA",
        "kematian": "NAMA,TANGGAL MENINGGAL",
        "pindah_keluar": "NAMA,TANGGAL PINDAH",
        "pindah_datang": "NAMA,TANGGAL DATANG",
        "penduduk": "NAMA,UMUR",
        "tni_polri": "NAMA,INSTANSI,PERUBAHAN",
        "perbaikan": "NIK,NAMA",
        "keputusan": "ID VERIFIKASI,KEPUTUSAN",
    }
    parsed = parse_csv(tmp_path, ctx, kind, headers[kind] + "\n")
    assert parsed.records.schema == pl.Schema(RECORD_SCHEMA)
    assert parsed.karantina.schema == pl.Schema(KARANTINA_SCHEMA)


def test_baseline_row_fully_typed(tmp_path, ctx):
    text = (
        "NKK,NIK,NAMA,TEMPAT LAHIR,TANGGAL LAHIR,STATUS PERKAWINAN,JENIS KELAMIN,ALAMAT,RT,RW,DISABILITAS,KODE DESA,TPS\n"
        "3323010101100001,3323011708750001,  budi   santoso ,Temanggung,17-08-1975,KAWIN,LAKI-LAKI,Dusun Krajan,3,12,,33.23.01.2001,001\n"
    )
    row = one(parse_csv(tmp_path, ctx, "pemilih", text, "dpt.csv"))
    assert row["nama"] == "BUDI SANTOSO"
    assert row["nik"] == "3323011708750001" and row["nik_andal"] is True
    assert row["nkk"] == "3323010101100001" and row["nkk_andal"] is True
    assert row["tanggal_lahir"] == date(1975, 8, 17)
    assert (row["status_kawin"], row["jenis_kelamin"]) == ("S", "L")
    assert (row["rt"], row["rw"]) == ("003", "012")
    assert row["kode_desa"] == "33.23.01.2001"
    assert row["sumber_file"] == "dpt.csv" and row["sumber_baris"] == 2 and row["jenis"] == "pemilih"
    assert row["kolom_isi"] is None and row["kode_tms"] is None


def test_missing_required_column_is_input_error(tmp_path, ctx):
    p = tmp_path / "kematian.csv"
    p.write_text("NIK,NAMA\n1,A\n")
    with pytest.raises(InputError) as err:
        parse_extract(read_extract(p), "kematian", ctx)
    assert err.value.column == "tanggal_meninggal" and err.value.file == "kematian.csv"
    p.write_text("NIK,NAMA,TANGGAL LAHIR,JK\n1,A,1,L\n")
    with pytest.raises(InputError, match="kode_desa"):
        parse_extract(read_extract(p), "pemilih", ctx)


# --- NIK trust -------------------------------------------------------------------------

BASE = "NIK,NAMA,TANGGAL LAHIR,JENIS KELAMIN,DESA,KECAMATAN,TANGGAL MENINGGAL\n"


def death(nik: str, born: str = "17-08-1975", sex: str = "L", desa: str = "Bulu", died: str = "01-02-2026") -> str:
    return BASE + f"{nik},BUDI,{born},{sex},{desa},Bulu,{died}\n"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("9923011708750001", "provinsi"), ("3323013208750001", "tanggal")],
)
def test_impossible_16_digit_nik_quarantines_an_event_row(tmp_path, ctx, typed, reason):
    """SPEC §5.1: a typed 16-digit NIK with an impossible structure is a wrong value to check."""
    path = tmp_path / "kematian_uji.csv"
    path.write_text(death(typed))
    parsed = parse_extract(read_extract(path), "kematian", ctx)
    assert parsed.records.height == 0
    row = parsed.karantina.row(0, named=True)
    assert row["sumber_baris"] == 2 and row["nilai"] == typed and reason in row["alasan"].lower()


@pytest.mark.parametrize(
    ("typed", "nik", "andal"),
    [
        ("3323011708750001", "3323011708750001", True),
        ("'3323011708750001", "3323011708750001", True),
        ("3323 0117 0875 0001", "3323011708750001", True),
        ("3323.0117.0875.0001", "3323011708750001", True),
        ("3.32301E+15", None, False),  # digits lost
        ("3.323011708750001E+15", "3323011708750001", False),  # went through a number
        ("3323011708760001", "3323011708760001", False),  # valid, disagrees with birth year
        ("3323015708750001", "3323015708750001", False),  # woman's NIK on a man
        ("3323011708750000", "3323011708750000", False),  # serial 0000: Excel rounded 000x, set aside
        ("3323011708750001.0", "3323011708750001", False),  # a number with decimals
        ("\u00a03323 0117\u200b0875-0001\u00a0", "3323011708750001", True),  # invisible spaces removed
        ("BELUM ADA", None, False),
        ("-", None, False),
    ],
)
def test_nik_trust_rules_on_event_rows(tmp_path, ctx, typed, nik, andal):
    row = one(parse_csv(tmp_path, ctx, "kematian", death(typed)))
    assert row["nik"] == nik
    assert row["nik_andal"] is andal


def test_numeric_xlsx_nik_is_untrusted(tmp_path, ctx):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["NIK", "NAMA", "TGL LAHIR", "JK", "KODE DESA"])
    ws.append([3323011708750001, "A", dt.datetime(1975, 8, 17), "L", "33.23.01.2001"])
    ws.append(["3323011708750001", "B", 27623, "L", "33.23.01.2001"])
    p = tmp_path / "dpt.xlsx"
    wb.save(p)
    parsed = parse_extract(read_extract(p), "pemilih", ctx)
    assert parsed.karantina.height == 0
    assert parsed.records.get_column("nik_andal").to_list() == [False, True]
    assert parsed.records.get_column("tanggal_lahir").to_list() == [date(1975, 8, 17)] * 2
    assert parsed.records.get_column("sumber_baris").to_list() == [2, 3]


def test_invalid_nik_quarantines_baseline_row(tmp_path, ctx):
    text = "NIK,NAMA,TANGGAL LAHIR,JK,KODE DESA\n9923011708750001,A,17-08-1975,L,33.23.01.2001\n"
    k = reason(parse_csv(tmp_path, ctx, "pemilih", text))
    assert k["kolom"] == "NIK" and k["nilai"] == "9923011708750001"
    assert "kode provinsi" in k["alasan"]
    text = "NIK,NAMA,TANGGAL LAHIR,JK,KODE DESA\n3.32301E+15,A,17-08-1975,L,33.23.01.2001\n"
    assert "kehilangan digit" in reason(parse_csv(tmp_path, ctx, "pemilih", text))["alasan"]


def test_invalid_nik_quarantines_event_row_without_other_identity(tmp_path, ctx):
    text = "NIK,NAMA,TANGGAL MENINGGAL\n12345,BUDI,01-02-2026\n"
    k = reason(parse_csv(tmp_path, ctx, "kematian", text))
    assert k["kolom"] == "NIK" and "16 digit" in k["alasan"] and k["sumber_baris"] == 2


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["17-08-1975", "17/08/1975", "1975-08-17", "17 Agustus 1975", "17 AGT 1975", "17-Agu-1975", "27623", "17 Ags 1975"],
)
def test_date_forms(tmp_path, ctx, typed):
    one(parse_csv(tmp_path, ctx, "kematian", death("", born=typed)), tanggal_lahir=date(1975, 8, 17))


@pytest.mark.parametrize(
    ("born", "died", "kolom", "needle"),
    [
        ("31-02-1975", "01-02-2026", "TANGGAL LAHIR", "bukan tanggal"),
        ("17-08-1975", "kemarin", "TANGGAL MENINGGAL", "bukan tanggal"),
        ("17-08-1975", "01-04-2026", "TANGGAL MENINGGAL", "sesudah tanggal acuan 31-03-2026"),
        ("17-08-1975", "01-02-1970", "TANGGAL MENINGGAL", "sebelum tanggal lahir"),
        ("17-08-1875", "01-02-2026", "TANGGAL LAHIR", "sebelum 1900"),
    ],
)
def test_bad_dates_are_quarantined(tmp_path, ctx, born, died, kolom, needle):
    k = reason(parse_csv(tmp_path, ctx, "kematian", death("", born=born, died=died)))
    assert k["kolom"] == kolom and needle in k["alasan"]


# --- codes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [("L", "L"), ("laki-laki", "L"), ("LAKI LAKI", "L"), ("Pria", "L"), ("P", "P"), ("Perempuan", "P"), ("WANITA", "P")],
)
def test_jenis_kelamin_words(tmp_path, ctx, typed, code):
    one(parse_csv(tmp_path, ctx, "kematian", death("", sex=typed)), jenis_kelamin=code)


def test_status_kawin_and_event_codes(tmp_path, ctx):
    text = "NAMA,STATUS KAWIN,INSTANSI,JENIS PERUBAHAN\nA,cerai mati,Polri,Masuk\nB,belum kawin,TNI,pensiun\nC,Sudah Kawin,tni,MASUK\n"
    parsed = parse_csv(tmp_path, ctx, "tni_polri", text)
    assert parsed.karantina.height == 0
    assert parsed.records.get_column("status_kawin").to_list() == ["P", "B", "S"]
    assert parsed.records.get_column("instansi").to_list() == ["POLRI", "TNI", "TNI"]
    assert parsed.records.get_column("perubahan").to_list() == ["MASUK", "PENSIUN", "MASUK"]


def test_unknown_code_quarantined(tmp_path, ctx):
    text = "NAMA,INSTANSI,PERUBAHAN\nA,SATPAM,MASUK\n"
    k = reason(parse_csv(tmp_path, ctx, "tni_polri", text))
    assert k["kolom"] == "INSTANSI" and "SATPAM" in k["alasan"]


def test_keputusan(tmp_path, ctx):
    text = "ID VERIFIKASI,NAMA,KEPUTUSAN\nV-1,A,setuju\nV-2,B,Tolak\nV-3,C,mungkin\n,D,SETUJU\n"
    parsed = parse_csv(tmp_path, ctx, "keputusan", text)
    assert parsed.records.get_column("keputusan").to_list() == ["SETUJU", "TOLAK"]
    assert parsed.karantina.get_column("sumber_baris").to_list() == [4, 5]
    assert "kosong" in parsed.karantina.get_column("alasan")[1]


def test_umur_rt_rw(tmp_path, ctx):
    text = "NAMA,UMUR,RT,RW\nA,17,3,03\nB,45 tahun,003,RW 12\nC,200,1,1\nD,tua,1,1\n"
    parsed = parse_csv(tmp_path, ctx, "penduduk", text)
    assert parsed.records.get_column("umur").to_list() == [17, 45]
    assert parsed.records.get_column("rt").to_list() == ["003", "003"]
    assert parsed.records.get_column("rw").to_list() == ["003", "012"]
    assert parsed.karantina.get_column("sumber_baris").to_list() == [4, 5]


def test_rt_and_rw_in_one_column(tmp_path, ctx):
    # A desa report with "RT/RW" as one column: 003/001, 3/1, RT 3 RW 1, 03-01. Text that is
    # not a pair is kept whole as the RT, nothing typed is lost.
    text = ("NAMA,UMUR,RT/RW,TANGGAL MENINGGAL\nA,70,003/001,02-02-2026\nB,71,3/1,02-02-2026\n"
            "C,72,RT 3 RW 1,02-02-2026\nD,73,03-01,02-02-2026\nE,74,DUKUH,02-02-2026\nF,75,,02-02-2026\n")
    parsed = parse_csv(tmp_path, ctx, "kematian", text)
    assert parsed.records.get_column("rt").to_list() == ["003", "003", "003", "003", "DUKUH", None]
    assert parsed.records.get_column("rw").to_list() == ["001", "001", "001", "001", None, None]
    # Separate RT and RW columns win over a combined one.
    both = parse_csv(tmp_path, ctx, "kematian", "NAMA,RT,RW,RT/RW,TANGGAL MENINGGAL\nA,5,2,003/001,02-02-2026\n",
                     name="kematian_dua.csv")
    one(both, rt="005", rw="002")


# --- desa ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("desa", "kec", "kode"),
    [
        ("Tegalurung", "", "33.23.01.2002"),
        ("DESA TEGALURUNG", "", "33.23.01.2002"),
        ("Ds. Tegalurung", "Kec. Bulu", "33.23.01.2002"),
        ("DS Tegalurung", "", "33.23.01.2002"),
        ("Tegalurang", "", "33.23.01.2002"),  # typo
        ("Pagergunung", "Bulu", "33.23.01.2015"),
    ],
)
def test_desa_names(tmp_path, ctx, desa, kec, kode):
    text = f"NAMA,DESA,KECAMATAN,TANGGAL MENINGGAL\nA,{desa},{kec},01-02-2026\n"
    one(parse_csv(tmp_path, ctx, "kematian", text), kode_desa=kode)


def test_desa_ambiguous_goes_to_review(tmp_path, ctx):
    text = "NAMA,DESA,TANGGAL MENINGGAL\nA,Pagergunung,01-02-2026\n"
    row = one(parse_csv(tmp_path, ctx, "kematian", text), kode_desa=None)
    assert len(row["kode_desa_kandidat"]) >= 2
    assert "33.23.01.2015" in row["kode_desa_kandidat"]


def test_desa_unknown_and_code_outside_kabupaten(tmp_path, ctx):
    text = "NAMA,KEL/DESA,TANGGAL MENINGGAL\nA,Atlantis,01-02-2026\n"
    k = reason(parse_csv(tmp_path, ctx, "kematian", text))
    assert k["alasan"] == "desa/kelurahan 'Atlantis' tidak ditemukan di Kabupaten Temanggung"
    assert k["kolom"] == "KEL/DESA"
    text = "NAMA,KODE DESA,TANGGAL MENINGGAL\nA,33.22.01.2001,01-02-2026\nB,3323012001,01-02-2026\n"
    parsed = parse_csv(tmp_path, ctx, "kematian", text)
    assert parsed.records.get_column("kode_desa").to_list() == ["33.23.01.2001"]
    assert "bukan desa/kelurahan di Kabupaten Temanggung" in parsed.karantina.get_column("alasan")[0]


# --- perbaikan -------------------------------------------------------------------------


def test_perbaikan_blank_means_no_change(tmp_path, ctx):
    text = (
        "NIK,NAMA,ALAMAT,RT,JENIS KELAMIN,DESA,KODE TMS\n"
        "3323011708750001,BUDI,Dusun Baru,,,,\n"
        "3323011708750001,BUDI,,,P,Tegalurung,\n"
        "3323011708750001,BUDI,,,,,5\n"
        "3323011708750001,BUDI,,,,,1\n"
    )
    parsed = parse_csv(tmp_path, ctx, "perbaikan", text)
    rec = parsed.records
    assert rec.get_column("kolom_isi").to_list() == [["alamat"], ["jenis_kelamin", "kode_desa"], []]
    assert rec.get_column("kode_tms").to_list() == [None, None, 5]
    assert parsed.karantina.get_column("sumber_baris").to_list() == [5]
    assert "hanya 5 atau 9" in parsed.karantina.get_column("alasan")[0]


def test_every_row_in_exactly_one_frame(tmp_path, ctx):
    lines = [death("3323011708750001", died=d).splitlines()[1] for d in ("01-02-2026", "x", "01-02-2027", "01-03-2026")]
    parsed = parse_csv(tmp_path, ctx, "kematian", BASE + "\n".join(lines) + "\n")
    rows = sorted(parsed.records.get_column("sumber_baris").to_list() + parsed.karantina.get_column("sumber_baris").to_list())
    assert rows == [2, 3, 4, 5]


# --- NKK, other kabupaten, odd headers -------------------------------------------------


def test_invalid_nkk_quarantines_baseline_and_typed_nkk_quarantines_events(tmp_path, ctx):
    text = "NKK,NIK,NAMA,TGL LAHIR,JK,KODE DESA\n9923010101100001,3323011708750001,A,17-08-1975,L,33.23.01.2001\n"
    k = reason(parse_csv(tmp_path, ctx, "pemilih", text))
    assert k["kolom"] == "NKK" and "kode provinsi" in k["alasan"]
    text = "NKK,NAMA,TANGGAL MENINGGAL\n12345,A,01-02-2026\n"
    k = reason(parse_csv(tmp_path, ctx, "kematian", text))
    assert k["kolom"] == "NKK" and "5 digit, harus 16 digit" in k["alasan"]
    text = "NKK,NAMA,TANGGAL MENINGGAL\n3.32301E+15,A,01-02-2026\nTIDAK ADA,B,01-02-2026\n"
    parsed = parse_csv(tmp_path, ctx, "kematian", text)
    assert parsed.karantina.height == 0
    assert parsed.records.get_column("nkk").to_list() == [None, None]


@pytest.mark.parametrize(
    ("typed", "needle"),
    [
        ("33230117O8750001", "huruf"),  # O for 0
        ("3323011708750l01", "huruf"),  # l for 1
        ("\uff13\uff13\uff12\uff13\uff10\uff11\uff11\uff17\uff10\uff18\uff17\uff15\uff10\uff10\uff10\uff11", "huruf"),  # full-width
        ("332301170875000", "15 digit"),
        ("3323 0117 0875 00011", "17 digit"),
        ("=1+1", "tanda"),
        ("#REF!", "tanda"),
    ],
)
def test_nik_typed_as_text_with_letters_or_wrong_length_quarantines(tmp_path, ctx, typed, needle):
    """SPEC §4.3: such a NIK is a wrong value, quarantined with its reason even when the row
    could be matched by its other fields."""
    k = reason(parse_csv(tmp_path, ctx, "kematian", death(typed)))
    assert k["kolom"] == "NIK" and k["nilai"] == typed.strip() and needle in k["alasan"]
    assert k["sumber_baris"] == 2


def test_nik_from_a_number_is_set_aside_not_quarantined(tmp_path, ctx):
    """A number cell (16 digits, or 15 when Excel dropped one), scientific notation: the row
    is matched by its other fields."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["NIK", "NAMA", "TGL LAHIR", "JK", "DESA", "KECAMATAN", "TGL MENINGGAL"])
    ws.append([3323011708750000, "A", "17-08-1975", "L", "Bulu", "Bulu", "01-02-2026"])
    ws.append([332301170875000, "B", "17-08-1975", "L", "Bulu", "Bulu", "01-02-2026"])
    ws.append(["3.32301E+15", "C", "17-08-1975", "L", "Bulu", "Bulu", "01-02-2026"])
    p = tmp_path / "kematian_angka.xlsx"
    wb.save(p)
    parsed = parse_extract(read_extract(p), "kematian", ctx)
    assert parsed.karantina.height == 0, parsed.karantina.to_dicts()
    assert parsed.records.get_column("nik").to_list() == ["3323011708750000", None, None]
    assert not any(parsed.records.get_column("nik_andal"))


def test_csv_column_of_niks_that_went_through_a_number(tmp_path, ctx):
    """Every 16-digit NIK of the column ends in 0: Excel saved them as numbers; not trusted."""
    rows = "".join(death(f"33230117087500{i % 9 + 1}0").splitlines()[1] + "\n" for i in range(25))
    parsed = parse_csv(tmp_path, ctx, "kematian", BASE + rows)
    assert parsed.karantina.height == 0
    assert not any(parsed.records.get_column("nik_andal"))
    mixed = "".join(death(f"33230117087500{i % 90 + 10:02d}").splitlines()[1] + "\n" for i in range(25))
    parsed = parse_csv(tmp_path, ctx, "kematian", BASE + mixed)
    assert parsed.records.get_column("nik_andal").sum() == 25


def test_other_kabupaten(tmp_path):
    from transforms.wilayah import desa_of_kabupaten as desa_of

    ctx = ParseContext("33.22", desa_of("33.22"), ACUAN)
    text = "NAMA,KODE DESA,TANGGAL MENINGGAL\nA,33.23.01.2001,01-02-2026\n"
    k = reason(parse_csv(tmp_path, ctx, "kematian", text))
    assert "Kabupaten Semarang" in k["alasan"]


def test_fields_a_kind_does_not_use_are_ignored(tmp_path, ctx):
    # A baseline export with a STATUS column (read as `perubahan`) is not judged on it.
    text = "NIK,NAMA,TGL LAHIR,JK,KODE DESA,STATUS\n3323011708750001,A,17-08-1975,L,33.23.01.2001,AKTIF\n"
    one(parse_csv(tmp_path, ctx, "pemilih", text), perubahan=None)


def test_first_failing_column_is_reported(tmp_path, ctx):
    # Sex code (earlier column) and date after acuan (later column) both fail.
    k = reason(parse_csv(tmp_path, ctx, "kematian", death("", sex="X", died="01-02-2027")))
    assert k["kolom"] == "JENIS KELAMIN"


def test_quarantine_keeps_excel_row_numbers_in_xlsx(tmp_path, ctx):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B2"] = "LAPORAN KEMATIAN"
    ws.merge_cells("B2:F2")
    ws.append([])
    ws.append([None, "NIK", "NAMA", "TANGGAL MENINGGAL"])  # row 4
    ws.append([None, "3323011708750001", "A", "01-02-2026"])  # row 5
    ws.append([])
    ws.append([None, "3323011708750001", "B", "30-02-2026"])  # row 7
    p = tmp_path / "kematian_jan.xlsx"
    wb.save(p)
    parsed = parse_extract(read_extract(p), "kematian", ctx)
    assert parsed.records.get_column("sumber_baris").to_list() == [5]
    assert parsed.karantina.row(0, named=True) == {
        "sumber_file": "kematian_jan.xlsx",
        "sumber_baris": 7,
        "kolom": "TANGGAL MENINGGAL",
        "alasan": "tanggal meninggal '30-02-2026' bukan tanggal yang dikenali (contoh: 17-08-1975)",
        "nilai": "30-02-2026",
    }


def test_codes_typed_in_name_columns(tmp_path, ctx):
    text = "NAMA,DESA,KECAMATAN,TANGGAL MENINGGAL\nA,3323012002,,01-02-2026\nB,Pagergunung,33.23.01,01-02-2026\n"
    parsed = parse_csv(tmp_path, ctx, "kematian", text)
    assert parsed.records.get_column("kode_desa").to_list() == ["33.23.01.2002", "33.23.01.2015"]
