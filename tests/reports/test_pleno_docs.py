"""The plenary's documents on a real quarter of a small kota (17 kelurahan): the Berita Acara
agrees with the recap and ringkasan.json, every input file gets its follow-up workbook with one
row per file row, the printed recap reads at >= 8 pt with the kabupaten total on page 1, and the
coklit lists carry the outcome drop-down."""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from flows.init import run_init
from flows.quarter import PLAIN, run_quarter
from reports.style import print_pt
from reports.terbilang import tanggal_terbilang, terbilang

QUARTER = "2026-Q1"
KOTA = "33.71"  # Kota Magelang: 3 kecamatan, 17 kelurahan - a whole quarter in seconds
PLENO = {"nomor": "12/PL.01.2-BA/3371/2026", "tempat": "Kantor KPU Kota Magelang", "tanggal": "2026-04-07",
         "ketua": "Siti Rahayu", "anggota": ["Budi Santoso", "Dewi Lestari"]}
BODY_PT = 11  # the workbooks' body font (openpyxl's default Calibri 11)


@pytest.fixture(scope="module")
def quarter(tmp_path_factory, kota_sample):
    base = tmp_path_factory.mktemp("pleno")
    info = kota_sample
    db, out = base / "pdpb.duckdb", base / "out"
    log = logging.getLogger("test.pleno")
    from transforms.ingest import ingest

    run_init(voters=info.baseline, db=db, out=out, kabupaten=KOTA, as_of=info.as_of, ingest=ingest, logger=log)
    run_quarter(quarter=QUARTER, inbox=info.inbox[QUARTER], db=db, out=out, steps=PLAIN, logger=log, pleno=PLENO)
    folder = out / QUARTER
    return folder, json.loads((folder / "ringkasan.json").read_text(encoding="utf-8"))


def _n(text: str) -> int:
    """'1.234' / '−5' as written in the document."""
    return int(text.replace(".", "").replace("\u2212", "-"))


def _recap_table(doc):
    for table in doc.tables:
        head = [c.text for c in table.rows[0].cells]
        if head[:3] == ["NO", "KECAMATAN", "JUMLAH DESA/ KEL."]:
            return table
    raise AssertionError("no recap table in the Berita Acara")


def _sheet_groups(ws) -> tuple[int, dict[str, int]]:
    """Header row of a grouped recap sheet and the first column of each group caption."""
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == "NO":
            h = row[0].row
            groups = {c.value: c.column for c in ws[h - 1] if c.value}
            return h, groups
    raise AssertionError(ws.title)


def test_numbers_and_dates_in_words():
    assert terbilang(31) == "tiga puluh satu"
    assert terbilang(2026) == "dua ribu dua puluh enam"
    assert terbilang(11) == "sebelas" and terbilang(19) == "sembilan belas" and terbilang(100) == "seratus"
    assert terbilang(1000) == "seribu" and terbilang(1_250_000) == "satu juta dua ratus lima puluh ribu"
    assert tanggal_terbilang(date(2026, 3, 31)) == (
        "hari Selasa tanggal tiga puluh satu bulan Maret tahun dua ribu dua puluh enam")


def test_berita_acara_figures_equal_the_recap_and_ringkasan(quarter):
    folder, ringkasan = quarter
    doc = Document(str(folder / "berita_acara.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Pada hari Selasa tanggal tujuh bulan April tahun dua ribu dua puluh enam" in text
    assert "NOMOR: 12/PL.01.2-BA/3371/2026" in text and "Kantor KPU Kota Magelang" in text
    assert "DRAF" not in text
    table = _recap_table(doc)
    groups = [c.text for c in table.rows[0].cells]
    dpb = len(groups) - 3
    assert groups[dpb:] == ["DPB"] * 3 and [c.text for c in table.rows[1].cells][dpb:] == ["L", "P", "L+P"]
    awal = groups.index("DPB SEBELUMNYA")
    wb = openpyxl.load_workbook(folder / "rekap_kabupaten.xlsx")
    ws = wb["Rekap Kecamatan"]
    h, sheet_groups = _sheet_groups(ws)
    akhir_col = sheet_groups["PEMILIH AKHIR"]
    sheet = {r[2].value: r for r in ws.iter_rows(min_row=h + 1) if r[2].value}
    by_name = {k["nama"]: k for k in ringkasan["kecamatan"].values()}
    seen = set()
    for row in table.rows[2:]:
        cells = [c.text for c in row.cells]
        name = cells[1]
        want = ringkasan["kabupaten"] if name == "JUMLAH" else by_name[name]
        got = [_n(v) for v in cells[dpb:]]
        assert got == [want["akhir"]["L"], want["akhir"]["P"], want["akhir"]["total"]], name
        assert [_n(v) for v in cells[awal:awal + 3]] == [want["awal"][s] for s in ("L", "P", "total")], name
        xlsx = sheet[name]
        assert [xlsx[akhir_col - 1 + i].value for i in range(3)] == got, name
        seen.add(name)
    assert seen == set(by_name) | {"JUMLAH"}
    # Every input file is named with its agency and counts; the signature block names the members.
    sources = next(t for t in doc.tables if t.rows[0].cells[1].text == "INSTANSI / SUMBER")
    listed = {r.cells[2].text: r for r in sources.rows[1:]}
    assert set(listed) == set(ringkasan["berkas"])
    for name, counts in ringkasan["berkas"].items():
        assert _n(listed[name].cells[4].text) == counts["dibaca"]
        if name.startswith("kematian"):
            assert "Disdukcapil" in listed[name].cells[1].text or "Desa" in listed[name].cells[1].text
        if name.startswith("tni_polri"):
            assert re.search("Kodim|Polres", listed[name].cells[1].text)
    signed = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert {"Siti Rahayu", "Budi Santoso", "Dewi Lestari", "Ketua", "Anggota"} <= signed


def test_one_follow_up_workbook_per_input_file_with_every_row(quarter):
    folder, ringkasan = quarter
    words = {"diterapkan": "DITERAPKAN", "verifikasi": "MENUNGGU VERIFIKASI", "karantina": "DIKARANTINA",
             "tanpa_perubahan": "TANPA PERUBAHAN"}
    for name, counts in ringkasan["berkas"].items():
        path = folder / "tindak_lanjut" / f"tindak_lanjut_{Path(name).stem}.xlsx"
        ws = openpyxl.load_workbook(path).active
        h = next(r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == "NO")
        rows = [r for r in ws.iter_rows(min_row=h + 1, values_only=True) if r[0] is not None]
        assert len(rows) == counts["dibaca"], name
        hasil = [r[5] for r in rows]
        for key, word in words.items():
            assert hasil.count(word) == counts[key], (name, key)
        assert all(r[6] for r in rows), f"{name}: every row says why"
    assert (folder / "tindak_lanjut" / "disdukcapil_kematian_laporan_desa.xlsx").exists()


def test_printed_recap_reads_at_8_pt_with_the_total_on_page_1(quarter):
    folder, ringkasan = quarter
    wb = openpyxl.load_workbook(folder / "rekap_kabupaten.xlsx")
    first = wb.worksheets[0]
    assert first.title == "Ringkasan Kabupaten"
    dpb = next(r for r in first.iter_rows(values_only=True) if r[1] == "DPB akhir triwulan")
    assert dpb[2:] == (ringkasan["kabupaten"]["akhir"]["L"], ringkasan["kabupaten"]["akhir"]["P"],
                       ringkasan["kabupaten"]["akhir"]["total"])
    for ws in wb:
        if ws.sheet_properties.pageSetUpPr.fitToPage:  # the review sheet: narrowed to fit at >= 8 pt
            widths = [d.width for d in ws.column_dimensions.values()]
            assert ws.page_setup.fitToHeight == 0 and print_pt(widths) >= 8, ws.title
        else:
            assert ws.page_setup.scale * BODY_PT / 100 >= 8, ws.title
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.print_title_rows, ws.title
    kec = wb["Rekap Kecamatan"]
    h, _ = _sheet_groups(kec)
    assert kec.print_title_rows == f"${h - 1}:${h}"
    assert kec.cell(h + 1, 6).number_format == "[$-421]#,##0"


def test_coklit_lists_voters_over_100_and_review_items_per_desa(tmp_path):
    from dataclasses import replace

    import polars as pl

    from tests.support.report_fixtures import SMALL_DESA, small_report_data

    from reports.coklit import write_coklit
    from reports.model import QuarterRows
    from reports.workbooks import build_context

    data = small_report_data()
    bulu = SMALL_DESA[0]
    aktif = pl.DataFrame({
        "nik": ["3323010101200001", "3323010101900002"], "nama": ["MBAH KARTO", "SUTRISNO"],
        "tanggal_lahir": [date(1920, 1, 1), date(1990, 1, 1)], "jenis_kelamin": ["L", "L"],
        "alamat": ["DUSUN KRAJAN", "DUSUN LOR"], "rt": ["001", "002"], "rw": ["001", "001"],
        "kode_desa": [bulu, bulu], "tps": ["003", "004"], "disabilitas": [None, None],
    })
    empty = pl.DataFrame()
    data = replace(data, rows=QuarterRows(berkas=empty, records=empty, hasil=empty, karantina=empty, aktif=aktif))
    paths = write_coklit(build_context(data), data, tmp_path)
    by_desa = {p.name.split("_")[0]: p for p in paths}
    # Bulu: the 106-year-old and the TMS 1 proposal; Tegal: the ganda proposal; the BARU proposal's desa too.
    assert set(by_desa) == {bulu, SMALL_DESA[1], "33.23.03.1001"}
    ws = openpyxl.load_workbook(by_desa[bulu]).active
    h = next(r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == "NO")
    rows = [r for r in ws.iter_rows(min_row=h + 1, values_only=True) if r[0] is not None]
    assert [(r[4], r[6]) for r in rows if r[1].startswith("Berumur")] == [("MBAH KARTO", 106)]
    assert any(r[2] == "V-2026Q1-0001" and r[4] == "SUKIRNO" for r in rows)
    assert "SUTRISNO" not in {r[4] for r in rows}
    (dv,) = ws.data_validations.dataValidation
    assert dv.formula1.strip('"').split(",") == ["MS", *[f"TMS {k}" for k in range(1, 10)], "TIDAK DIKENAL"]
    assert str(dv.sqref).startswith(f"L{h + 1}")


def test_plenary_settings_from_the_file_and_flags_and_a_bad_date(tmp_path, monkeypatch):
    from argparse import Namespace

    from flows.pleno import parse_pleno, pleno_values
    from flows.settings import load_settings
    from transforms.errors import InputError

    (tmp_path / "pdpb.toml").write_text(
        '[pleno]\nnomor = "7/BA/2026"\ntanggal = 2026-04-06\nketua = "A"\nanggota = ["B", "C"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    flags = Namespace(pleno_nomor=None, pleno_tempat="Aula", pleno_tanggal=None, pleno_ketua=None, pleno_anggota=None)
    pleno = parse_pleno(pleno_values(load_settings().pleno, flags))
    assert (pleno.nomor, pleno.tempat, pleno.tanggal, pleno.ketua, pleno.anggota) == (
        "7/BA/2026", "Aula", date(2026, 4, 6), "A", ("B", "C"))
    with pytest.raises(InputError, match="tanggal pleno '6 April' tidak dikenali"):
        pleno_values({}, Namespace(**{**vars(flags), "pleno_tanggal": "6 April"}))
    with pytest.raises(InputError, match=r"kunci \[pleno\] tidak dikenal: sekretaris"):
        pleno_values({"ketua": "A", "sekretaris": "B"}, flags)
