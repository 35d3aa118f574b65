"""The frame contracts of schemas/frames.py hold against the tables they are stored in (ddl.sql)."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from schemas.frames import CHANGE_SCHEMA, KARANTINA_SCHEMA, MATCH_SCHEMA, RECORD_SCHEMA
from transforms import store
from transforms.review import REVIEW_SCHEMA

# Kinds of value: a frame's integer of any width is stored in an integer column, and so on.
KIND = {pl.Utf8: "text", pl.Int64: "integer", pl.Int32: "integer", pl.Float64: "number", pl.Date: "date",
        pl.Boolean: "boolean", "VARCHAR": "text", "BIGINT": "integer", "INTEGER": "integer", "DOUBLE": "number",
        "DATE": "date", "BOOLEAN": "boolean"}


@pytest.fixture(scope="module")
def tables() -> dict[str, dict[str, str]]:
    con = duckdb.connect()
    store.create_schema(con)
    rows = con.sql("SELECT table_name, column_name, data_type FROM information_schema.columns").fetchall()
    con.close()
    out: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        out.setdefault(table, {})[column] = kind
    return out


def _same_types(contract: dict, table: dict[str, str], columns) -> list[str]:
    return [f"{c}: {contract[c]} vs {table.get(c)}" for c in columns if KIND.get(contract[c]) != KIND.get(table.get(c))]


def test_changes_frame_is_the_perubahan_table(tables):
    table = tables["perubahan"]
    assert set(table) - {"kuartal"} == set(CHANGE_SCHEMA)
    assert _same_types(CHANGE_SCHEMA, table, CHANGE_SCHEMA) == []


def test_review_frame_fits_the_verifikasi_table(tables):
    table = tables["verifikasi"]
    missing = [c for c in REVIEW_SCHEMA if c not in table]
    assert missing == []
    assert _same_types(REVIEW_SCHEMA, table, REVIEW_SCHEMA) == []


def test_quarantine_frame_fits_the_karantina_table(tables):
    table = tables["karantina"]
    assert [c for c in (*KARANTINA_SCHEMA, "sumber_sha256") if c not in table] == []
    assert _same_types(KARANTINA_SCHEMA, table, KARANTINA_SCHEMA) == []


def test_records_and_links_carry_the_source_row_key():
    # Every stage after parse joins on (sumber_file, sumber_baris): the key is typed alike everywhere.
    for contract in (RECORD_SCHEMA, KARANTINA_SCHEMA, MATCH_SCHEMA, CHANGE_SCHEMA, REVIEW_SCHEMA):
        assert contract["sumber_file"] == pl.Utf8 and contract["sumber_baris"] == pl.Int64
    for field in ("nik", "nkk"):  # NIK and NKK are text, never numbers
        assert RECORD_SCHEMA[field] == pl.Utf8 and CHANGE_SCHEMA[field] == pl.Utf8
