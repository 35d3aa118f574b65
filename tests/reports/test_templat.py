"""`pdpb templat`: every template reads back as a valid, empty extract of its kind, NIK as text."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from flows.cli import main
from schemas.fields import INBOX_KINDS, REQUIRED_FIELDS
from transforms.parse import ParseContext, parse_extract
from transforms.read import file_kind, list_inbox, read_extract
from transforms.wilayah import desa_of_kabupaten


def test_templates_read_back_as_empty_extracts(tmp_path, capsys):
    folder = tmp_path / "templat"
    assert main(["templat", str(folder)]) == 0
    assert "8 templat ditulis" in capsys.readouterr().out
    found = list_inbox(folder)  # the names are ones the inbox accepts
    assert sorted(kind for _, kind in found) == sorted(INBOX_KINDS)
    ctx = ParseContext(kode_kabupaten="33.23", desa=desa_of_kabupaten("33.23"), tanggal_acuan=date(2026, 3, 31),
                       awal_kuartal=date(2026, 1, 1))
    for path, kind in found:
        raw = read_extract(path)
        assert file_kind(path) == kind and raw.sheet == "Data" and raw.header_row == 1
        assert set(REQUIRED_FIELDS[kind]) <= set(raw.headers), kind
        parsed = parse_extract(raw, kind, ctx)
        assert parsed.records.height == 0 and parsed.karantina.height == 0, kind
        wb = load_workbook(path)
        assert wb.sheetnames == ["Data", "PETUNJUK"]
        data = wb["Data"]
        for cell in data[1]:
            if cell.value in ("NIK", "NKK"):
                assert data.cell(row=2, column=cell.column).number_format == "@"
                assert data.column_dimensions[cell.column_letter].number_format == "@"
        petunjuk = [row[0] for row in wb["PETUNJUK"].iter_rows(values_only=True)]
        assert all(cell.value in petunjuk for cell in data[1]), kind  # every column explained
