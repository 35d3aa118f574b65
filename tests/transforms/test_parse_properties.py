"""Property tests for the NIK and date parsers: every supported spelling round-trips, junk
never raises."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.parse_values import (
    load_codes,
    month_table,
    nik_parts_frame,
    nik_valid,
    parse_date_series,
)
from transforms.wilayah import load_wilayah

PROVINCES = sorted(load_wilayah().filter(pl.col("level") == "provinsi").get_column("kode").to_list())
MONTH_WORDS: dict[int, list[str]] = {}
for word, month in month_table().items():
    MONTH_WORDS.setdefault(month, []).append(word)

dates = st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 12, 31))


def _serial(d: date) -> int:
    return (d - date(1899, 12, 30)).days


def _recase(text: str, mode: int) -> str:
    return (text.upper(), text.lower(), text.title())[mode]


@st.composite
def typed_dates(draw) -> tuple[date, str]:
    d = draw(dates)
    style = draw(st.integers(0, 7))
    sep = draw(st.sampled_from(["-", "/", " "]))
    word = draw(st.sampled_from(MONTH_WORDS[d.month]))
    word = _recase(word, draw(st.integers(0, 2)))
    day = draw(st.sampled_from([f"{d.day:02d}", str(d.day)]))
    month = draw(st.sampled_from([f"{d.month:02d}", str(d.month)]))
    text = [
        f"{day}-{month}-{d.year}",
        f"{day}/{month}/{d.year}",
        f"{d.year}-{d.month:02d}-{d.day:02d}",
        f"{d.year}-{d.month:02d}-{d.day:02d} 00:00:00",
        f"{day} {word} {d.year}",
        f"{day}{sep}{word}{sep}{d.year}",
        str(_serial(d)),
        f"{_serial(d)}.0",
    ][style]
    if style in (6, 7) and 1800 <= _serial(d) <= 2199:
        text = f"{d.day:02d}-{d.month:02d}-{d.year}"  # a bare number there is read as a year
    return d, text


@given(st.lists(typed_dates(), min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_date_round_trip(cases):
    parsed = parse_date_series(pl.Series([t for _, t in cases])).to_list()
    assert parsed == [d for d, _ in cases]


@given(st.lists(st.text(max_size=30), min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_date_junk_never_raises(texts):
    out = parse_date_series(pl.Series(texts, dtype=pl.Utf8))
    assert out.dtype == pl.Date and out.len() == len(texts)


@given(st.lists(st.text(alphabet=st.characters(exclude_categories=["Nd", "Cs"]), max_size=30), min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_date_without_digits_is_null(texts):
    assert parse_date_series(pl.Series(texts, dtype=pl.Utf8)).null_count() == len(texts)


@st.composite
def niks(draw) -> str:
    province = draw(st.sampled_from(PROVINCES))
    rest = draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)))
    female = draw(st.booleans())
    serial = draw(st.integers(1, 9999))
    day = born.day + (40 if female else 0)
    return f"{province}{rest}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


@st.composite
def typed_niks(draw) -> tuple[str, str, bool]:
    nik = draw(niks())
    style = draw(st.integers(0, 4))
    text = [
        nik,
        "'" + nik,
        " ".join([nik[:4], nik[4:8], nik[8:12], nik[12:]]),
        ".".join([nik[:6], nik[6:12], nik[12:]]),
        f"{nik[0]}.{nik[1:]}E+15",
    ][style]
    return nik, text, style == 4


def _valid(digits: list[str | None], from_number: list[bool]) -> list[bool]:
    frame = pl.DataFrame({"d": digits, "n": from_number}, schema={"d": pl.Utf8, "n": pl.Boolean})
    return frame.select(nik_valid(pl.col("d"), pl.col("n"), frozenset(PROVINCES))).to_series().to_list()


@given(st.lists(typed_niks(), min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_nik_round_trip(cases):
    out = nik_parts_frame(pl.Series([t for _, t, _ in cases]))
    assert out.get_column("digits").to_list() == [n for n, _, _ in cases]
    assert out.get_column("dari_angka").to_list() == [sci for _, _, sci in cases]
    assert out.get_column("hilang").to_list() == [False] * len(cases)
    assert all(_valid(out.get_column("digits").to_list(), out.get_column("dari_angka").to_list()))


@given(st.lists(niks(), min_size=1, max_size=10), st.integers(1, 15))
@settings(max_examples=100, deadline=None)
def test_nik_scientific_with_lost_digits_is_null(values, kept):
    texts = [f"{n[0]}.{n[1:kept]}E+15" if kept > 1 else f"{n[0]}E+15" for n in values]
    out = nik_parts_frame(pl.Series(texts))
    assert out.get_column("digits").null_count() == len(values)
    assert all(out.get_column("hilang"))


@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_nik_junk_never_raises(texts):
    out = nik_parts_frame(pl.Series(texts, dtype=pl.Utf8))
    assert out.height == len(texts)
    valid = _valid(out.get_column("digits").to_list(), out.get_column("dari_angka").to_list())
    for text, ok in zip(texts, valid):
        if ok:  # only text that carries 16 digits can give a valid NIK
            assert sum(ch.isdigit() for ch in text) >= 16


def test_month_table_covers_every_month():
    assert set(month_table().values()) == set(range(1, 13))
    assert {"AGT", "AGU", "AGS", "PEB", "NOP", "SEPT"} <= set(load_codes()["bulan"])


def test_serial_epoch():
    assert parse_date_series(pl.Series(["61", "60", "1"])).to_list() == [
        date(1900, 3, 1),
        date(1900, 2, 28) + timedelta(days=1),
        date(1900, 1, 1),
    ]


_CELLS = st.one_of(
    st.text(max_size=25),
    st.sampled_from(["", " ", "=A1", "3.32301E+15", "'3323011708750001", "17 Agt 1975", "Ds. Bulu", "P", "99-99-9999"]),
)


@given(st.lists(st.lists(_CELLS, min_size=9, max_size=9), min_size=1, max_size=12))
@settings(max_examples=60, deadline=None)
def test_any_cell_text_ends_in_records_or_quarantine(tmp_path_factory, rows):
    import csv
    import io

    from transforms.errors import InputError
    from transforms.parse import ParseContext, parse_extract
    from transforms.read import read_extract
    from transforms.wilayah import desa_of_kabupaten

    header = ["NIK", "NKK", "NAMA", "TGL LAHIR", "JK", "STATUS KAWIN", "DESA", "TANGGAL MENINGGAL", "UMUR"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[c.replace("\x00", "") for c in row] for row in rows])
    path = tmp_path_factory.mktemp("acak") / "kematian_acak.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    ctx = ParseContext("33.23", desa_of_kabupaten("33.23"), date(2026, 3, 31))
    try:
        raw = read_extract(path)
    except InputError:
        return  # e.g. a cell that broke the header line: a clean structural error
    parsed = parse_extract(raw, "kematian", ctx)
    seen = parsed.records.get_column("sumber_baris").to_list() + parsed.karantina.get_column("sumber_baris").to_list()
    assert sorted(seen) == raw.frame.get_column("sumber_baris").to_list()
