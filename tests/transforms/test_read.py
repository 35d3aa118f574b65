"""read_extract / file_kind / list_inbox on tiny hand-built CSV and xlsx files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from transforms.errors import InputError
from transforms.read import file_kind, list_inbox, normalize_header, read_extract


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]], merges: dict[str, list[str]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
    wb.save(path)
    return path


# --- header names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ("TGL. LAHIR", "tanggal_lahir"),
        ("Tanggal_Lahir", "tanggal_lahir"),
        ("L/P", "jenis_kelamin"),
        ("KEL/DESA", "desa"),
        ("Desa / Kelurahan", "desa"),
        ("no.  nik", "nik"),
        ("Nomor Kartu Keluarga", "nkk"),
        ("KODE TMS", "kode_tms"),
        ("Usia", "umur"),
    ],
)
def test_header_aliases_match_after_normalization(tmp_path, typed, field):
    other = "NAMA" if field != "nama" else "NIK"
    p = write_csv(tmp_path / "x.csv", f"{typed},{other}\nA,B\n")
    raw = read_extract(p)
    assert field in raw.frame.columns
    assert raw.headers[field] == typed


def test_normalize_header():
    assert normalize_header(" Tgl._Lahir ") == "TGL LAHIR"
    assert normalize_header(None) == ""


# --- CSV -------------------------------------------------------------------------------


def test_csv_title_rows_blank_rows_and_row_numbers(tmp_path):
    text = (
        "DAFTAR KEMATIAN TRIWULAN I\n"
        "DESA BULU\n"
        "\n"
        "NO,NIK,NAMA,TGL LAHIR\n"  # line 4
        "1,3323011708750001,BUDI,17-08-1975\n"  # line 5
        "\n"
        ",,,\n"
        "2,3323015708750002,ANI,17-08-1975\n"  # line 8
    )
    raw = read_extract(write_csv(tmp_path / "kematian.csv", text))
    assert raw.header_row == 4
    assert raw.sheet is None
    assert raw.frame.get_column("sumber_baris").to_list() == [5, 8]
    assert raw.frame.get_column("nama").to_list() == ["BUDI", "ANI"]
    # NO is not a known column: dropped.
    assert set(raw.frame.columns) == {"sumber_baris", "nik", "nama", "tanggal_lahir"}
    assert raw.frame.schema["sumber_baris"] == pl.Int64
    assert all(raw.frame.schema[c] == pl.Utf8 for c in ("nik", "nama", "tanggal_lahir"))


def test_csv_semicolon_bom_and_quotes(tmp_path):
    text = '\ufeffNIK;NAMA;ALAMAT\n3323011708750001;"SOEPARMAN; H.";"JL. ""MAWAR"" 3"\n'
    raw = read_extract(write_csv(tmp_path / "x.csv", text))
    assert raw.frame.row(0, named=True)["nama"] == "SOEPARMAN; H."
    assert raw.frame.row(0, named=True)["alamat"] == 'JL. "MAWAR" 3'
    assert raw.headers["nik"] == "NIK"


def test_csv_windows_1252(tmp_path):
    text = "NIK,NAMA\n3323011708750001,JOS\u00c9 \u2018ANTO\u2019\n"
    raw = read_extract(write_csv(tmp_path / "x.csv", text, encoding="cp1252"))
    assert raw.frame.get_column("nama").to_list() == ["JOS\u00c9 \u2018ANTO\u2019"]


def test_csv_quoted_newline_keeps_line_numbers(tmp_path):
    text = 'NIK,NAMA,ALAMAT\n1,A,"JL. X\nRT 1"\n2,B,JL. Y\n'
    raw = read_extract(write_csv(tmp_path / "x.csv", text))
    assert raw.frame.get_column("sumber_baris").to_list() == [2, 4]
    assert raw.frame.get_column("alamat").to_list() == ["JL. X\nRT 1", "JL. Y"]


def test_csv_crlf_ragged_and_trailing_empty_columns(tmp_path):
    text = "NIK,NAMA,,,\r\n1,A,,,,,\r\n2\r\n"
    raw = read_extract(write_csv(tmp_path / "x.csv", text))
    assert raw.frame.get_column("nik").to_list() == ["1", "2"]
    assert raw.frame.get_column("nama").to_list() == ["A", None]


def test_csv_formula_text_is_kept(tmp_path):
    raw = read_extract(write_csv(tmp_path / "x.csv", "NIK,NAMA\n=A2+1,=HYPERLINK(\"x\")\n"))
    assert raw.frame.row(0) == (2, "=A2+1", '=HYPERLINK("x")')


def test_csv_duplicate_columns_name_both(tmp_path):
    with pytest.raises(InputError) as err:
        read_extract(write_csv(tmp_path / "x.csv", "NIK,NAMA,NO NIK\n1,A,2\n"))
    assert "'NIK'" in str(err.value) and "'NO NIK'" in str(err.value)
    assert err.value.file == "x.csv"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "kosong"),
        (b"\n\n  \n", "kosong"),
        (b"A,B,C\n1,2,3\n", "judul kolom"),
        (b"\x00\x01\x02binary", "biner"),
    ],
)
def test_csv_structural_errors(tmp_path, content, needle):
    p = tmp_path / "rusak.csv"
    p.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_extract(p)
    assert needle in str(err.value)
    assert err.value.file == "rusak.csv"


def test_csv_header_only_gives_empty_frame(tmp_path):
    raw = read_extract(write_csv(tmp_path / "x.csv", "NIK,NAMA\n"))
    assert raw.frame.height == 0
    assert raw.frame.columns == ["sumber_baris", "nik", "nama"]


# --- xlsx ------------------------------------------------------------------------------


def test_xlsx_second_sheet_merged_title_and_excel_row_numbers(tmp_path):
    rows = [
        [None],
        ["DAFTAR PEMILIH TETAP"],
        [],
        ["NIK", "NAMA", "TGL. LAHIR", None, None],
        ["3323011708750001", "BUDI", dt.datetime(1975, 8, 17)],
        [],
        [3323015708750002, "ANI", "17/08/1975"],
    ]
    p = write_xlsx(
        tmp_path / "x.xlsx",
        {"Keterangan": [["Berkas ini berisi daftar"]], "Data": rows},
        merges={"Data": ["A2:E2"]},
    )
    raw = read_extract(p)
    assert raw.sheet == "Data"
    assert raw.header_row == 4
    assert raw.frame.get_column("sumber_baris").to_list() == [5, 7]
    assert raw.frame.get_column("nik").to_list() == ["3323011708750001", "3323015708750002"]
    assert raw.frame.get_column("nik_numerik").to_list() == [False, True]
    assert raw.frame.get_column("tanggal_lahir").to_list()[0].startswith("1975-08-17")


def test_xlsx_formula_cell_is_text(tmp_path):
    p = write_xlsx(tmp_path / "x.xlsx", {"S": [["NIK", "NAMA"], ["=1+1", "=B1"]]})
    raw = read_extract(p)
    assert raw.frame.row(0, named=True)["nik"] == "=1+1"
    assert raw.frame.row(0, named=True)["nama"] == "=B1"


def test_xlsx_without_header_anywhere(tmp_path):
    p = write_xlsx(tmp_path / "x.xlsx", {"A": [["foo", "bar"]], "B": [[1, 2]]})
    with pytest.raises(InputError) as err:
        read_extract(p)
    assert "judul kolom" in str(err.value)


def test_xls_and_corrupt_xlsx(tmp_path):
    xls = tmp_path / "kematian.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0junk")
    with pytest.raises(InputError, match="xls tidak didukung"):
        read_extract(xls)
    bad = tmp_path / "kematian.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError) as err:
        read_extract(bad)
    assert err.value.file == "kematian.xlsx"


# --- inbox -----------------------------------------------------------------------------


def test_file_kind():
    assert file_kind(Path("Kematian_Jan.xlsx")) == "kematian"
    assert file_kind(Path("PINDAH-KELUAR 2026.csv")) == "pindah_keluar"
    assert file_kind(Path("pindah_datang.csv")) == "pindah_datang"
    assert file_kind(Path("tni_polri.csv")) == "tni_polri"
    assert file_kind(Path("_catatan.txt")) is None
    with pytest.raises(InputError, match="jenis berkas tidak dikenal"):
        file_kind(Path("laporan.csv"))


def test_list_inbox(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "kematian.csv").write_text("x")
    (tmp_path / "penduduk.csv").write_text("x")
    (tmp_path / "kematian.xlsx").write_text("x")
    (tmp_path / "_lama.csv").write_text("x")
    (tmp_path / "~$kematian.xlsx").write_text("x")
    assert list_inbox(tmp_path) == [
        (tmp_path / "kematian.xlsx", "kematian"),
        (tmp_path / "penduduk.csv", "penduduk"),
    ]
    (tmp_path / "perbaikan.xls").write_text("x")
    with pytest.raises(InputError, match="xls"):
        list_inbox(tmp_path)
    (tmp_path / "perbaikan.xls").unlink()
    (tmp_path / "surat.pdf").write_text("x")
    with pytest.raises(InputError, match="jenis berkas"):
        list_inbox(tmp_path)


def test_xlsx_leading_empty_column_with_formula_and_numeric_nik(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"] = "DAFTAR"
    ws["B5"], ws["C5"], ws["D5"] = "NIK", "NAMA", "NKK"
    ws["B6"], ws["C6"], ws["D6"] = 3323011708750001, "=CONCAT(\"A\",\"B\")", "3323010101100001"
    ws["B7"], ws["C7"], ws["D7"] = "3323011708750002", "BUDI", 3323010101100001
    p = tmp_path / "x.xlsx"
    wb.save(p)
    raw = read_extract(p)
    assert raw.header_row == 5
    assert raw.frame.get_column("sumber_baris").to_list() == [6, 7]
    assert raw.frame.get_column("nama").to_list() == ['=CONCAT("A","B")', "BUDI"]
    assert raw.frame.get_column("nik_numerik").to_list() == [True, False]
    assert raw.frame.get_column("nkk_numerik").to_list() == [False, True]


def test_xlsx_numeric_flags_fallback_when_sheet_xml_cannot_be_scanned(tmp_path, monkeypatch):
    import transforms.read_xlsx as read_module

    monkeypatch.setattr(read_module, "_scan_sheet_xml", lambda *a: None)
    p = write_xlsx(tmp_path / "x.xlsx", {"S": [["NIK", "NAMA"], [3323011708750001, "A"], ["3323011708750002", "B"]]})
    raw = read_extract(p)
    assert raw.frame.get_column("nik_numerik").to_list() == [True, False]


def test_header_note_in_parentheses_and_extra_aliases(tmp_path):
    p = write_csv(tmp_path / "x.csv", "NO. KTP,Nama Lengkap (sesuai KTP),Tanggal Lahir (dd-mm-yyyy)\n1,A,17-08-1975\n")
    raw = read_extract(p)
    assert set(raw.headers) == {"nik", "nama", "tanggal_lahir"}


def test_csv_utf16_with_bom(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes("NIK\tNAMA\n3323011708750001\tJOS\u00c9\n".encode("utf-16"))
    raw = read_extract(p)
    assert raw.frame.get_column("nama").to_list() == ["JOS\u00c9"]
    assert raw.frame.get_column("sumber_baris").to_list() == [2]


def test_xlsx_hidden_sheet_with_header_comes_after_visible_ones(tmp_path):
    wb = openpyxl.Workbook()
    template = wb.active
    template.title = "Template"
    template.append(["NIK", "NAMA"])
    template.sheet_state = "hidden"
    data = wb.create_sheet("Isian")
    data.append(["NIK", "NAMA"])
    data.append(["3323011708750001", "BUDI"])
    p = tmp_path / "x.xlsx"
    wb.save(p)
    raw = read_extract(p)
    assert raw.sheet == "Isian"
    assert raw.frame.height == 1


def test_returned_workbook_is_read_from_the_sheet_that_carries_the_decisions(tmp_path):
    """An official returns the whole recap workbook as a `keputusan` file: its review sheet counts,
    not the first list whose header is also recognizable."""
    wb = openpyxl.Workbook()
    first = wb.active
    first.title = "Rekap Kecamatan"
    first.append(["KODE", "KECAMATAN", "JENIS KELAMIN", "PEMILIH AWAL"])
    first.append(["33.23.01", "Bulu", "L", 10])
    review = wb.create_sheet("Verifikasi")
    review.append(["KOMISI PEMILIHAN UMUM KABUPATEN TEMANGGUNG"])
    review.append(["NO", "ID VERIFIKASI", "NAMA", "KEPUTUSAN"])
    review.append([1, "V0123456789", "BUDI", "SETUJU"])
    path = tmp_path / "keputusan_rekap.xlsx"
    wb.save(path)
    raw = read_extract(path)
    assert raw.sheet == "Verifikasi"
    assert raw.frame["id_verifikasi"].to_list() == ["V0123456789"]
    assert raw.frame["sumber_baris"].to_list() == [3]
