"""The workbooks officials open: layout, numbers, NIK as text, no formula, public lists without
personal details, the review drop-down, and the same bytes for the same data."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tests.support.report_fixtures import DANGEROUS_NAME, SMALL_DESA, small_report_data  # noqa: E402
from reports.style import safe_file_name  # noqa: E402
from reports.workbooks import write_workbooks  # noqa: E402

DESA_SHEETS = ["Rekap", "Verifikasi", "Pemilih Baru", "TMS", "Perubahan Data"]
PUBLIC_SHEETS = ["Pemilih Baru", "TMS", "Perubahan Data"]
REKAP_SHEETS = ["Ringkasan Kabupaten", "Rekap Kecamatan", "Rekap Desa", "Grafik", "Rekonsiliasi", "Verifikasi"]


@pytest.fixture(scope="module")
def data():
    return small_report_data()


@pytest.fixture(scope="module")
def out(data, tmp_path_factory) -> Path:
    out_dir = tmp_path_factory.mktemp("out") / "2026-Q1"
    write_workbooks(data, out_dir, workers=1)
    return out_dir


def header_row(ws, first: str = "NO") -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == first:
            return row[0].row
    raise AssertionError(f"no header in {ws.title}")


def table(ws) -> list[dict]:
    """Rows under the header as dicts keyed by caption (stops at the first row with no NO)."""
    h = header_row(ws)
    captions = [c.value for c in ws[h]]
    rows = []
    for values in ws.iter_rows(min_row=h + 1, values_only=True):
        rows.append(dict(zip(captions, values)))
    return rows


def desa_file(out: Path, folder: str, kode: str, data) -> Path:
    nama = data.desa.filter(pl.col("kode_desa") == kode)["nama_desa"].item()
    return out / folder / safe_file_name(kode, nama)


def all_xlsx(out: Path) -> list[Path]:
    return sorted(out.rglob("*.xlsx"))


# ---------------------------------------------------------------------------------------------

def test_every_desa_gets_a_working_and_a_public_workbook(out, data):
    names = sorted(p.name for p in (out / "desa").iterdir())
    assert names == sorted(safe_file_name(k, n) for k, n in data.desa.select("kode_desa", "nama_desa").iter_rows())
    assert sorted(p.name for p in (out / "pengumuman").iterdir()) == names
    assert "33.23.01.2001_Bulu.xlsx" in names and "33.23.03.1001_Temanggung_I.xlsx" in names
    assert (out / "rekap_kabupaten.xlsx").exists()


def test_safe_file_names():
    assert safe_file_name("33.23.01.2001", "Bulu") == "33.23.01.2001_Bulu.xlsx"
    assert safe_file_name("33.23.03.1001", "Temanggung I") == "33.23.03.1001_Temanggung_I.xlsx"
    assert safe_file_name("33.23.01.2001", "=../Ngadirejo (Lama)") == "33.23.01.2001_Ngadirejo_Lama.xlsx"


def test_sheet_names_headers_and_layout(out, data):
    wb = openpyxl.load_workbook(desa_file(out, "desa", SMALL_DESA[0], data))
    assert wb.sheetnames == DESA_SHEETS
    for ws in wb:
        assert ws["A1"].value == "KOMISI PEMILIHAN UMUM KABUPATEN TEMANGGUNG"
        assert "Desa Bulu (33.23.01.2001), Kecamatan Bulu (33.23.01)" == ws["A3"].value
        assert "Triwulan I 2026" in ws["A4"].value and "Tanggal acuan: 31 Maret 2026" in ws["A4"].value
        assert ws["A5"].value.startswith("Dibuat: 1 April 2026")
        h = header_row(ws)
        assert ws.freeze_panes == f"A{h + 1}"
        assert ws.auto_filter.ref.startswith(f"A{h}:")
        assert ws.print_title_rows == f"${h}:${h}"
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.paperSize == 9
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddFooter.center.text == "Halaman &P dari &N"
        for letter, dim in ws.column_dimensions.items():
            assert 4 <= dim.width <= 75
    headers = {ws.title: [c.value for c in ws[header_row(ws)]] for ws in wb}
    assert {"NIK", "NKK", "NAMA", "TANGGAL LAHIR", "BERKAS SUMBER", "BARIS SUMBER", "METODE", "SKOR"} <= set(headers["Pemilih Baru"])
    assert {"KODE TMS", "KETERANGAN TMS", "BERKAS SUMBER", "BARIS SUMBER", "METODE", "SKOR"} <= set(headers["TMS"])
    assert {"KOLOM DIUBAH", "DATA LAMA", "DATA BARU"} <= set(headers["Perubahan Data"])
    rekap = openpyxl.load_workbook(out / "rekap_kabupaten.xlsx")
    assert rekap.sheetnames == REKAP_SHEETS
    assert rekap["Grafik"]._charts, "the recap has a bar chart by kecamatan"


def test_desa_recap_equals_the_rekap_frame(out, data):
    for kode in SMALL_DESA:
        ws = openpyxl.load_workbook(desa_file(out, "desa", kode, data))["Rekap"]
        rows = {r["URAIAN"]: r for r in table(ws)}
        frame = {r["jenis_kelamin"]: r for r in data.rekap.filter(pl.col("kode_desa") == kode).iter_rows(named=True)}
        for wording, measure in [("Pemilih awal triwulan", "awal"), ("Pemilih baru (BARU)", "baru"),
                                 ("TMS kode 1: Meninggal", "tms_1"), ("TMS kode 4: Pindah domisili", "tms_4"),
                                 ("TMS jumlah", "tms"), ("Pemilih akhir triwulan", "akhir"),
                                 ("Perubahan data (UBAH)", "ubah")]:
            r = rows[wording]
            assert r["LAKI-LAKI"] == frame["L"][measure]
            assert r["PEREMPUAN"] == frame["P"][measure]
            assert r["JUMLAH"] == frame["L"][measure] + frame["P"][measure]
        masuk = next(v for k, v in rows.items() if k.startswith("Pindah masuk"))
        assert (masuk["LAKI-LAKI"], masuk["PEREMPUAN"]) == (frame["L"]["pindah_masuk"], frame["P"]["pindah_masuk"])
        selisih = next(v for k, v in rows.items() if k.startswith("Selisih"))
        assert (selisih["LAKI-LAKI"], selisih["PEREMPUAN"]) == (frame["L"]["selisih"], frame["P"]["selisih"])


def grouped(ws) -> tuple[list[dict], dict]:
    """Rows of a recap sheet in L/P/L+P column groups: {lead caption or (group, sex): value}."""
    h = header_row(ws)
    keys, group = [], None
    for top, sub in zip(ws[h - 1], ws[h]):
        group = top.value or group
        keys.append((group, sub.value) if sub.value in ("L", "P", "L+P") else sub.value)
    rows = [dict(zip(keys, values)) for values in ws.iter_rows(min_row=h + 1, values_only=True)]
    return [r for r in rows if r["NO"] is not None], next(r for r in rows if r["NO"] is None)


def test_kabupaten_recap_equals_the_rekap_frame_with_totals(out, data):
    wb = openpyxl.load_workbook(out / "rekap_kabupaten.xlsx")
    rows, totals = grouped(wb["Rekap Desa"])
    assert len(rows) == data.desa.height
    for r in rows:
        part = data.rekap.filter(pl.col("kode_desa") == r["KODE"])
        for sex, cut in (("L", part.filter(pl.col("jenis_kelamin") == "L")),
                         ("P", part.filter(pl.col("jenis_kelamin") == "P")), ("L+P", part)):
            assert r[("PEMILIH AWAL", sex)] == cut["awal"].sum()
            assert r[("BARU", sex)] == cut["baru"].sum()
            assert r[("TMS 1", sex)] == cut["tms_1"].sum()
            assert r[("PEMILIH AKHIR", sex)] == cut["akhir"].sum()
            assert r[("SELISIH", sex)] == cut["selisih"].sum()
    for sex, part in (("L", data.rekap.filter(pl.col("jenis_kelamin") == "L")),
                      ("P", data.rekap.filter(pl.col("jenis_kelamin") == "P")), ("L+P", data.rekap)):
        assert totals[("PEMILIH AWAL", sex)] == part["awal"].sum()
        assert totals[("PEMILIH AKHIR", sex)] == part["akhir"].sum()
        assert totals[("TMS JUMLAH", sex)] == part["tms"].sum()
    kec, _ = grouped(wb["Rekap Kecamatan"])
    bulu = next(r for r in kec if r["KODE"] == "33.23.01")
    in_bulu = data.rekap.filter(pl.col("kode_desa").str.starts_with("33.23.01."))
    assert bulu[("PEMILIH AKHIR", "L+P")] == in_bulu["akhir"].sum()
    assert bulu[("BARU", "L")] == in_bulu.filter(pl.col("jenis_kelamin") == "L")["baru"].sum()
    assert bulu["JUMLAH DESA/ KEL."] == 3


def test_nik_cells_are_16_character_text(out, data):
    for path in (out / "desa").iterdir():
        wb = openpyxl.load_workbook(path)
        for name in ("Pemilih Baru", "TMS", "Perubahan Data", "Verifikasi"):
            ws = wb[name]
            h = header_row(ws)
            for col in ws[h]:
                if col.value in ("NIK", "NKK", "NIK KANDIDAT", "NIK DI BERKAS"):
                    for (cell,) in ws.iter_rows(min_row=h + 1, min_col=col.column, max_col=col.column):
                        assert cell.number_format == "@"
                        if cell.value is not None:
                            assert isinstance(cell.value, str) and len(cell.value) == 16 and cell.value.isdigit()


def test_dates_are_real_dates(out, data):
    ws = openpyxl.load_workbook(desa_file(out, "desa", SMALL_DESA[0], data))["TMS"]
    h = header_row(ws)
    col = [c.value for c in ws[h]].index("TANGGAL LAHIR") + 1
    cell = ws.cell(h + 1, col)
    assert isinstance(cell.value, (date, datetime)) and cell.number_format == "dd-mm-yyyy"


def test_no_formula_anywhere(out):
    found_name = False
    for path in all_xlsx(out):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/"):
                    assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), (path, name)
        wb = openpyxl.load_workbook(path)
        for ws in wb:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path, ws.title, cell.coordinate)
                    if cell.value == DANGEROUS_NAME:
                        found_name = True
                        assert cell.data_type == "s" and cell.quotePrefix
    assert found_name


def test_public_lists_hold_no_nik_no_full_date_no_disability(out, data):
    sixteen = re.compile(r"\d{16}")
    full_date = re.compile(r"\b\d{2}-\d{2}-\d{4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{2}/\d{2}/\d{4}\b")
    for path in (out / "pengumuman").iterdir():
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == PUBLIC_SHEETS
        for ws in wb:
            for row in ws.iter_rows():
                for cell in row:
                    v = cell.value
                    assert not isinstance(v, (date, datetime)), (path, ws.title, cell.coordinate)
                    assert cell.data_type != "d"
                    text = str(v) if v is not None else ""
                    assert not sixteen.search(text.replace(".", "")), (path, cell.coordinate, text)
                    assert not full_date.search(text), (path, cell.coordinate, text)
                    assert "DISABILITAS" not in text.upper() and "TUNA" not in text.upper()
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                raw = z.read(name).decode("utf-8", "ignore")
                assert not sixteen.search(raw), (path, name)
                assert "TUNA" not in raw
    tegal = openpyxl.load_workbook(desa_file(out, "pengumuman", SMALL_DESA[1], data))
    ubah = table(tegal["Perubahan Data"])[0]
    assert ubah["PERUBAHAN"] == "Perbaikan data: nkk, tanggal lahir, jenis kelamin, data lainnya"
    assert ubah["DATA LAMA"] is None and ubah["DATA BARU"] is None
    assert ubah["NIK"].startswith("332301") and ubah["NIK"][6:] == "*" * 10
    tms = table(tegal["TMS"])
    assert {r["TAHUN LAHIR"] for r in tms} == {1980, 2010}
    bulu = table(openpyxl.load_workbook(desa_file(out, "pengumuman", SMALL_DESA[0], data))["Perubahan Data"])
    suparmi = next(r for r in bulu if r["NAMA"] == "SUPARMI")
    assert suparmi["PERUBAHAN"] == "Pindah alamat di desa/kelurahan ini"
    assert suparmi["DATA LAMA"] == "alamat: DUSUN LOR; rt: 003"
    assert suparmi["DATA BARU"] is None, "a new address is never posted"
    yani = next(r for r in bulu if r["NAMA"] == "AHMAD YANI")
    assert yani["PERUBAHAN"] == "Pindah ke desa/kelurahan lain"
    assert yani["DATA LAMA"] == "alamat: DUSUN KIDUL" and yani["DATA BARU"] is None
    # Every public sheet says how to respond and by when.
    notes = " ".join(c.value for c in tegal["Pemilih Baru"]["A"][6:header_row(tegal["Pemilih Baru"])] if c.value)
    assert "paling lambat 30 Juni 2026" in notes and "cekdptonline.kpu.go.id" in notes


def test_working_changes_show_old_and_new_values(out, data):
    ws = openpyxl.load_workbook(desa_file(out, "desa", SMALL_DESA[1], data))["Perubahan Data"]
    wahyuni = table(ws)[0]
    assert "tanggal lahir: 21-03-1988" in wahyuni["DATA LAMA"]
    assert "tanggal lahir: 12-03-1988" in wahyuni["DATA BARU"]
    # A move between desa shows in the old desa's workbook too.
    bulu = table(openpyxl.load_workbook(desa_file(out, "desa", SMALL_DESA[0], data))["Perubahan Data"])
    assert any(r["NAMA"] == "AHMAD YANI" and "33.23.02.2001 Tembarak" in r["DATA BARU"] for r in bulu)


def test_review_sheet_has_the_decision_drop_down(out, data):
    for path in (desa_file(out, "desa", SMALL_DESA[0], data), out / "rekap_kabupaten.xlsx"):
        ws = openpyxl.load_workbook(path)["Verifikasi"]
        h = header_row(ws)
        captions = [c.value for c in ws[h]]
        assert "ID VERIFIKASI" in captions and "KEPUTUSAN" in captions
        assert ws["A1"].value.startswith("KOMISI PEMILIHAN UMUM") and h > 1
        letter = openpyxl.utils.get_column_letter(captions.index("KEPUTUSAN") + 1)
        rows = table(ws)
        assert rows, "the fixture has candidates in this workbook"
        (dv,) = ws.data_validations.dataValidation
        assert dv.type == "list" and dv.formula1 == '"SETUJU,TOLAK"'
        for i in range(len(rows)):
            assert f"{letter}{h + 1 + i}" in dv.sqref
    overview = table(openpyxl.load_workbook(out / "rekap_kabupaten.xlsx")["Verifikasi"])
    assert [r["ID VERIFIKASI"] for r in overview] == sorted(data.verifikasi["id_verifikasi"].to_list())
    kel = table(openpyxl.load_workbook(desa_file(out, "desa", SMALL_DESA[4], data))["Verifikasi"])
    assert [r["ID VERIFIKASI"] for r in kel] == ["V-2026Q1-0003"]  # no candidate desa: the source's desa
    assert kel[0]["USULAN"] == "BARU" and "Desa: Temanggung I" in kel[0]["DATA PEMBANDING"]
    assert kel[0]["AKIBAT KEPUTUSAN"].startswith("SETUJU: BUDI SANTOSO")
    assert "\nTOLAK: BUDI SANTOSO tidak ditambahkan" in kel[0]["AKIBAT KEPUTUSAN"]
    assert overview[0]["USULAN"] == "TMS 1 Meninggal"


def test_a_returned_workbook_reads_as_a_keputusan_file(out, data, tmp_path):
    """Officials fill KEPUTUSAN and send the desa workbook back (or the kabupaten queue sheet on
    its own); the inbox reader must find the queue and nothing else."""
    from transforms.read import read_extract

    for source, alone in ((desa_file(out, "desa", SMALL_DESA[0], data), False), (out / "rekap_kabupaten.xlsx", True)):
        wb = openpyxl.load_workbook(source)
        ws = wb["Verifikasi"]
        h = header_row(ws)
        decision = [c.value for c in ws[h]].index("KEPUTUSAN") + 1
        ws.cell(h + 1, decision).value = "SETUJU"
        if alone:
            for name in wb.sheetnames:
                if name != "Verifikasi":
                    del wb[name]
        returned = tmp_path / f"keputusan_{source.stem}.xlsx"
        wb.save(returned)
        raw = read_extract(returned)
        assert raw.sheet == "Verifikasi"
        assert set(raw.headers) == {"id_verifikasi", "keputusan", "catatan"}
        first = raw.frame.row(0, named=True)
        assert first["keputusan"] == "SETUJU" and first["id_verifikasi"].startswith("V-2026Q1-")
        assert first["sumber_baris"] == h + 1


def test_public_lists_leave_out_the_review_queue(out):
    for path in (out / "pengumuman").iterdir():
        assert "Verifikasi" not in openpyxl.load_workbook(path).sheetnames


def test_reconciliation_names_the_gap(out):
    ws = openpyxl.load_workbook(out / "rekap_kabupaten.xlsx")["Rekonsiliasi"]
    texts = [ws.cell(r, 1).value for r in range(1, header_row(ws))]
    assert any(t and t.startswith("Selisih 2 pemilih di Desa Tegalurung (L)") for t in texts)
    rows = table(ws)
    gap = [r for r in rows if r["SELISIH"]]
    assert [(r["KODE"], r["JENIS KELAMIN"], r["SELISIH"], r["HASIL"]) for r in gap] == [
        ("33.23.01.2002", "L", 2, "SELISIH")
    ]
    rekap = openpyxl.load_workbook(next((out / "desa").glob("33.23.01.2002_*")))["Rekap"]
    assert rekap["A7"].value.startswith("Selisih 2 pemilih di Desa Tegalurung (L)")


def test_reconciliation_says_all_reconcile(tmp_path):
    out = tmp_path / "q"
    write_workbooks(small_report_data(with_gap=False), out, workers=1)
    ws = openpyxl.load_workbook(out / "rekap_kabupaten.xlsx")["Rekonsiliasi"]
    texts = [ws.cell(r, 1).value or "" for r in range(1, header_row(ws))]
    assert any(t.startswith("Semua 5 desa/kelurahan sesuai") for t in texts)
    assert not any(t.startswith("Selisih") for t in texts)


def test_same_data_gives_the_same_bytes(data, out, tmp_path):
    again = tmp_path / "again"
    write_workbooks(data, again, workers=2, min_pool=2)  # through the worker processes, whatever the size
    first = all_xlsx(out)
    assert [p.relative_to(out) for p in first] == [p.relative_to(again) for p in all_xlsx(again)]
    for p in first:
        assert p.read_bytes() == (again / p.relative_to(out)).read_bytes(), p
    with zipfile.ZipFile(out / "rekap_kabupaten.xlsx") as z:
        assert b"2026-04-01T02:00:05Z" in z.read("docProps/core.xml")
        # Zip times have a two-second resolution.
        assert {i.date_time for i in z.infolist()} == {(2026, 4, 1, 2, 0, 4)}


def test_reconciliation_checks_the_start_against_the_previous_end(data, tmp_path):
    from dataclasses import replace

    previous = data.rekap.with_columns(
        pl.when((pl.col("kode_desa") == SMALL_DESA[3]) & (pl.col("jenis_kelamin") == "P"))
        .then(pl.col("awal") + 3)
        .otherwise(pl.col("awal"))
        .alias("akhir")
    )
    write_workbooks(replace(data, rekap_sebelumnya=previous), tmp_path, workers=1)
    ws = openpyxl.load_workbook(tmp_path / "rekap_kabupaten.xlsx")["Rekonsiliasi"]
    texts = [ws.cell(r, 1).value or "" for r in range(1, header_row(ws))]
    assert "Pemilih awal di Desa Tembarak (P) 500 tidak sama dengan pemilih akhir triwulan sebelumnya 503." in texts


def test_rows_written_through_openpyxl_cells_give_the_same_bytes(data, out, tmp_path, monkeypatch):
    """The fast row path writes what openpyxl's own cells would: the same files, byte for byte."""
    import reports.xlsx_io

    monkeypatch.setattr(reports.xlsx_io, "_raw_sink", lambda *args: None)
    write_workbooks(data, tmp_path, workers=1)
    fast = all_xlsx(out)
    assert [p.relative_to(out) for p in fast] == [p.relative_to(tmp_path) for p in all_xlsx(tmp_path)]
    for p in fast:
        assert p.read_bytes() == (tmp_path / p.relative_to(out)).read_bytes(), p


def test_awkward_values_give_the_bytes_of_openpyxl_cells(tmp_path, monkeypatch):
    """Text beyond ASCII, carriage returns, control characters, edge spaces, overlong text, old
    dates, times, booleans and large numbers, in styled and unstyled cells: the same bytes as
    openpyxl's cell path."""
    import reports.xlsx_io
    from reports.style import Column, Heading, Table, new_workbook, save_workbook, write_table

    when = datetime(2026, 4, 1, 9, 30)
    rows = [
        ["Ny. Siti \u2014 \u00e9\u00fc \u4e2d \U0001F600", " kiri", "kanan ", "a&b<c>d\"e'f", date(1900, 2, 28)],
        ["baris1\nbaris2", "cr\rlf", "tab\tx", "=1+1", datetime(2020, 1, 2, 3, 4, 5)],
        [True, 12345678901234567, 0.1 + 0.2, -3, date(2026, 3, 31)],
        [None, "", "   ", 1e20, None],
        ["kontrol\x01\x1f", "x" * 40000, "+62 812", "@nama", None],
    ]
    cols = [Column("A"), Column("B"), Column("C", "angka"), Column("D", "desimal"), Column("E", "tanggal")]

    def write(path):
        wb = new_workbook()
        heading = Heading("Kabupaten Temanggung", "Desa Bulu", "2026-Q1", date(2026, 3, 31), when)
        write_table(wb, heading, Table("Data", "DATA", cols, rows, notes=[("tanpa gaya", "polos")]))
        return save_workbook(wb, path, when, "DATA").read_bytes()

    fast = write(tmp_path / "fast.xlsx")
    monkeypatch.setattr(reports.xlsx_io, "_raw_sink", lambda *args: None)
    assert fast == write(tmp_path / "slow.xlsx")
