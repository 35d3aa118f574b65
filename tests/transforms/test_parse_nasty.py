"""Property tests: frames of several chunks and files full of nasty cells, through read → parse →
validate. Whatever the cells hold: no crash, every row a record or quarantined (with a
reason), NIK and NKK 16-digit text or nothing, and a NIK typed as text that SPEC §4.3 calls
invalid never becomes a record."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.errors import InputError
from transforms.parse import ParseContext, parse_extract
from transforms.read import RawExtract, read_extract
from transforms.wilayah import desa_of_kabupaten

from tests.badinput.nasty import BAD_NIK_TEXT, NASTY

CTX = ParseContext("33.23", desa_of_kabupaten("33.23"), date(2026, 3, 31), date(2026, 1, 1))
KINDS = ["pemilih", "kematian", "pindah_keluar", "pindah_datang", "penduduk", "tni_polri", "perbaikan", "keputusan"]

# Realistic values per column, so that rows also get far into validation and matching fields.
USUAL: dict[str, list[str]] = {
    "nik": ["3323011708750001", "3323015203800002", "3323 0117 0875 0003", "3.32301E+15", ""],
    "nkk": ["3323010101100001", "3.32301E+15", ""],
    "nama": ["BUDI SANTOSO", "Hj. Siti Aminah", "M. NUR", ""],
    "tempat_lahir": ["TEMANGGUNG", ""],
    "tanggal_lahir": ["17-08-1975", "1975-08-17", "17 Agt 1975", "27623", ""],
    "jenis_kelamin": ["L", "P", "LAKI-LAKI", "2", ""],
    "status_kawin": ["KAWIN", "B", "3", ""],
    "alamat": ["DUSUN KRAJAN", ""],
    "rt": ["3", "003", ""],
    "rw": ["1", ""],
    "kode_desa": ["33.23.01.2001", "3323012001", ""],
    "desa": ["Bulu", "DS. BULU", "Atlantis", ""],
    "kecamatan": ["Bulu", "KEC. BULU", ""],
    "tanggal_meninggal": ["01-02-2026", "2026-03-31", "2026-04-01", ""],
    "tanggal_pindah": ["01-02-2026", ""],
    "tanggal_datang": ["01-02-2026", ""],
    "tujuan": ["SEMARANG", ""],
    "asal": ["KENDAL", ""],
    "instansi": ["TNI", "POLRI", ""],
    "perubahan": ["MASUK", "PENSIUN", ""],
    "umur": ["45", "45 TAHUN", ""],
    "id_verifikasi": ["V-1", ""],
    "keputusan": ["SETUJU", "TOLAK", ""],
    "kode_tms": ["5", "9", ""],
    "no_bukti": ["3323-KM-01", ""],
}
COLUMNS = list(USUAL)
HEADERS = {
    "nik": "NIK", "nkk": "NO KK", "nama": "NAMA", "tempat_lahir": "TEMPAT LAHIR", "tanggal_lahir": "TGL LAHIR",
    "jenis_kelamin": "JK", "status_kawin": "STATUS KAWIN", "alamat": "ALAMAT", "rt": "RT", "rw": "RW",
    "kode_desa": "KODE DESA", "desa": "DESA", "kecamatan": "KECAMATAN", "tanggal_meninggal": "TGL MENINGGAL",
    "tanggal_pindah": "TGL PINDAH", "tanggal_datang": "TGL DATANG", "tujuan": "TUJUAN", "asal": "ASAL",
    "instansi": "INSTANSI", "perubahan": "PERUBAHAN", "umur": "UMUR", "id_verifikasi": "ID VERIFIKASI",
    "keputusan": "KEPUTUSAN", "kode_tms": "KODE TMS", "no_bukti": "NO AKTA KEMATIAN",
}


@st.composite
def rows_st(draw) -> dict:
    """A row of usual values with a few cells made nasty (or blank): most rows get far into
    validation, so an odd cell meets every rule, not only the first one."""
    row = {f: draw(st.sampled_from(USUAL[f])) or None for f in COLUMNS}
    if draw(st.integers(0, 3)) == 0:  # the NIK shapes that must never be mistaken for lost digits
        row["nik"] = draw(st.sampled_from(BAD_NIK_TEXT))
    for f in draw(st.lists(st.sampled_from(COLUMNS), max_size=4, unique=True)):
        row[f] = draw(st.one_of(st.sampled_from(NASTY), st.none()))
    return row


rows_st = rows_st()
CLEAN = {f: USUAL[f][0] or None for f in COLUMNS}


@st.composite
def chunks_st(draw) -> list[list[dict]]:
    """2-5 chunks, each a run of one nasty row (a file section with the same fault), a run of
    clean rows, or rows of any kind. A clean run between two faulty ones leaves an empty
    chunk after the quarantine filter: the shape that made polars panic."""
    template = draw(rows_st)
    chunks = []
    for form in draw(st.lists(st.sampled_from(["sama", "bersih", "acak"]), min_size=2, max_size=5)):
        if form == "sama":
            chunks.append([dict(template)] * draw(st.integers(1, 20)))
        elif form == "bersih":
            chunks.append([dict(CLEAN)] * draw(st.integers(1, 20)))
        else:
            chunks.append(draw(st.lists(rows_st, max_size=12)))
    return chunks


def _frame(chunks: list[list[dict]]) -> pl.DataFrame:
    schema = {"sumber_baris": pl.Int64, **{f: pl.Utf8 for f in COLUMNS}}
    parts, row = [], 2
    for chunk in chunks:
        data = {"sumber_baris": list(range(row, row + len(chunk))), **{f: [r[f] for r in chunk] for f in COLUMNS}}
        parts.append(pl.DataFrame(data, schema=schema))
        row += len(chunk)
    frame = pl.concat(parts, rechunk=False)
    # Cells as the reader gives them: trimmed, empty as null.
    return frame.with_columns(pl.col(f).str.strip_chars().replace("", None) for f in COLUMNS)


def check(raw: RawExtract, kind: str) -> None:
    parsed = parse_extract(raw, kind, CTX)
    rows = raw.frame.get_column("sumber_baris").to_list()
    got = parsed.records.get_column("sumber_baris").to_list() + parsed.karantina.get_column("sumber_baris").to_list()
    assert sorted(got) == sorted(rows), "every row in exactly one frame"
    assert parsed.karantina.get_column("alasan").null_count() == 0
    for key in ("nik", "nkk"):
        assert parsed.records.schema[key] == pl.Utf8
        values = parsed.records.get_column(key).drop_nulls()
        assert values.str.contains(r"^[0-9]{16}$").all(), values.to_list()
    if kind != "keputusan" and "nik" in raw.frame.columns:
        typed = dict(zip(rows, raw.frame.get_column("nik").to_list()))
        bad = {t.strip() for t in BAD_NIK_TEXT}
        kept = [typed[b] for b in parsed.records.get_column("sumber_baris").to_list()]
        assert not [t for t in kept if t in bad], "an invalid NIK typed as text became a record"


@given(st.sampled_from(KINDS), chunks_st())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_multi_chunk_frames_of_nasty_cells(kind, chunks):
    frame = _frame(chunks)
    raw = RawExtract(Path(f"{kind}_acak.csv"), f"{kind}_acak.csv", None, 1, frame, dict(HEADERS))
    check(raw, kind)


def _csv(rows: list[dict], sep: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    w.writerow(["LAPORAN"])
    w.writerow([HEADERS[f] for f in COLUMNS])
    for r in rows:
        w.writerow(["" if r[f] is None else r[f] for f in COLUMNS])
    return buf.getvalue().encode("utf-8")


def _xlsx(path: Path, rows: list[dict]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([HEADERS[f] for f in COLUMNS])
    for r in rows:
        # A text starting with '=' is written as a formula, as a user typing it would get.
        ws.append([r[f] for f in COLUMNS])
    wb.save(path)


@given(st.sampled_from(KINDS), st.lists(rows_st, min_size=1, max_size=15), st.sampled_from([",", ";", "xlsx"]))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
def test_files_of_nasty_cells_read_and_parse(tmp_path, kind, rows, form):
    path = tmp_path / f"{kind}_acak.{'xlsx' if form == 'xlsx' else 'csv'}"
    if form == "xlsx":
        try:
            _xlsx(path, rows)
        except (ValueError, openpyxl.utils.exceptions.IllegalCharacterError):
            return  # a value openpyxl itself refuses to write cannot be in a workbook
    else:
        path.write_bytes(_csv(rows, form))
    try:
        raw = read_extract(path)
    except InputError as exc:
        assert path.name in str(exc)  # e.g. a cell that made the header ambiguous
        return
    check(raw, kind)


@pytest.mark.parametrize("value", BAD_NIK_TEXT)
def test_each_invalid_nik_text_is_quarantined_with_a_reason(value):
    frame = _frame([[{**{f: USUAL[f][0] for f in COLUMNS}, "nik": value}], []])
    raw = RawExtract(Path("kematian_x.csv"), "kematian_x.csv", None, 1, frame, dict(HEADERS))
    parsed = parse_extract(raw, "kematian", CTX)
    assert parsed.records.height == 0
    row = parsed.karantina.row(0, named=True)
    assert row["kolom"] == "NIK" and "tidak valid" in row["alasan"]


@pytest.mark.parametrize("value", ["=1+1", "=A1&B1"])
def test_a_formula_in_the_nik_column_of_a_workbook_is_quarantined(tmp_path, value):
    # A formula cell carries no `t` attribute, as a number does; but what it shows is its
    # text, so it is a wrong NIK and not a NIK that Excel rounded (which an event row tolerates).
    path = tmp_path / "kematian_rumus.xlsx"
    usual = {f: USUAL[f][0] for f in COLUMNS}
    _xlsx(path, [usual, {**usual, "nik": value}])
    parsed = parse_extract(read_extract(path), "kematian", CTX)
    assert parsed.records.get_column("sumber_baris").to_list() == [2]
    row = parsed.karantina.row(0, named=True)
    assert row["sumber_baris"] == 3 and row["kolom"] == "NIK" and "tidak valid" in row["alasan"]
