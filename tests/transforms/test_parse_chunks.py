"""Frames made of several chunks through read and parse: the shape a CSV read in parallel, a
concatenation or a padded sheet gives, which the sample's own files rarely do."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from transforms.parse import ParseContext, parse_extract
from transforms.parse_values import text_format
from transforms.read import RawExtract, read_extract
from transforms.wilayah import desa_of_kabupaten


@pytest.fixture(scope="module")
def ctx() -> ParseContext:
    return ParseContext("33.23", desa_of_kabupaten("33.23"), date(2026, 3, 31), date(2026, 1, 1))


def _chunked(parts: list[dict[str, list]]) -> pl.DataFrame:
    schema = {"sumber_baris": pl.Int64, "nik": pl.Utf8, "nama": pl.Utf8, "tanggal_lahir": pl.Utf8,
              "kode_desa": pl.Utf8}
    frames, row = [], 2
    for p in parts:
        n = len(p["nama"])
        frames.append(pl.DataFrame({"sumber_baris": list(range(row, row + n)), **p}, schema=schema))
        row += n
    return pl.concat(frames, rechunk=False)


def test_text_format_on_a_filter_that_leaves_an_empty_chunk():
    # The shape that made `pl.format` panic inside the quarantine step: a string column of
    # three chunks next to a one-chunk column, filtered so that its middle chunk is empty.
    f = pl.concat([pl.DataFrame({"s": ["a"]}), pl.DataFrame({"s": ["b"]}), pl.DataFrame({"s": ["a"]})], rechunk=False)
    out = f.with_row_index("i").filter(pl.col("s") == "a").select("i", text_format("nilai '{}' salah", pl.col("s")))
    assert out.rows() == [(0, "nilai 'a' salah"), (2, "nilai 'a' salah")]


def test_text_format_counts_its_placeholders():
    with pytest.raises(ValueError):
        text_format("{} {}", pl.col("s"))


def test_multi_chunk_extract_with_impossible_dates_parses(ctx):
    """The 2,015-row `penduduk` file of 30-02-1975 birth dates, as chunks: no panic, every row
    in records or quarantine, each impossible date quarantined with its Excel row."""
    good = {"nik": ["3323011708750001"] * 700, "nama": ["BUDI"] * 700, "tanggal_lahir": ["17-08-1975"] * 700,
            "kode_desa": ["33.23.01.2001"] * 700}
    bad = {"nik": ["3.32301E+15", None] * 300, "nama": ["ANI"] * 600,
           "tanggal_lahir": ["30-02-1975", "31-02-1980"] * 300, "kode_desa": ["33.23.01.2001"] * 600}
    blank = {"nik": [None] * 715, "nama": ["SITI"] * 715, "tanggal_lahir": [None] * 715, "kode_desa": [None] * 715}
    frame = _chunked([bad, blank, good, bad])
    assert frame.get_column("nik").n_chunks() > 1
    raw = RawExtract(Path("penduduk_uji.csv"), "penduduk_uji.csv", None, 1, frame,
                     {"nik": "NIK", "nama": "NAMA", "tanggal_lahir": "TGL LAHIR", "kode_desa": "KODE DESA"})
    parsed = parse_extract(raw, "penduduk", ctx)
    rows = parsed.records.get_column("sumber_baris").to_list() + parsed.karantina.get_column("sumber_baris").to_list()
    assert sorted(rows) == frame.get_column("sumber_baris").to_list()
    assert parsed.karantina.height == 1200  # every row of the two bad chunks
    # A row with a lost NIK and no birth date cannot be identified: its NIK is reported first.
    dates = parsed.karantina.filter(pl.col("kolom") == "TGL LAHIR")
    assert dates.height == 600 and dates.get_column("nilai").unique().to_list() == ["31-02-1980"]
    assert "bukan tanggal" in dates.get_column("alasan")[0]
    assert parsed.records.get_column("nik").n_chunks() == 1


def test_reader_gives_one_chunk_per_column(tmp_path):
    lines = ["NIK,NAMA,TGL LAHIR,KODE DESA"]
    lines += [f"33230117087{i % 10}{i:04d}"[:16] + f",NAMA {i},30-02-1975,33.23.01.2001" for i in range(20_000)]
    path = tmp_path / "penduduk_besar.csv"
    path.write_text("\n".join(lines) + "\n")
    raw = read_extract(path)
    assert raw.frame.height == 20_000
    assert set(raw.frame.n_chunks("all")) == {1}
