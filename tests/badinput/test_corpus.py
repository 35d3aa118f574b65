"""The malformed-input corpus at the read/parse level: an InputError naming the file, or a
clean split of every data row between records and quarantine — never a traceback."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest

from transforms.errors import InputError
from transforms.parse import ParseContext, parse_extract
from transforms.read import file_kind, read_extract
from transforms.wilayah import desa_of_kabupaten

from .build import Case, build_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Case]:
    return {c.name: c for c in build_corpus(tmp_path_factory.mktemp("badinput"))}


@pytest.fixture(scope="module")
def ctx() -> ParseContext:
    return ParseContext("33.23", desa_of_kabupaten("33.23"), date(2026, 3, 31), date(2026, 1, 1))


def _run(case: Case, ctx: ParseContext):
    if case.kind != "pemilih":  # inbox files are routed by their name
        assert file_kind(case.path) == case.kind
    raw = read_extract(case.path)
    return raw, parse_extract(raw, case.kind, ctx)


def test_corpus_is_big_enough(tmp_path):
    cases = build_corpus(tmp_path)
    assert len(cases) >= 30
    assert len({c.name for c in cases}) == len(cases)
    assert {c.expect for c in cases} == {"error", "karantina"}


def _names() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        return [c.name for c in build_corpus(Path(tmp))]


@pytest.mark.parametrize("name", _names())
def test_case(corpus, ctx, name):
    case = corpus[name]
    if case.expect == "error":
        with pytest.raises(InputError) as err:
            _run(case, ctx)
        assert case.path.name in str(err.value)
        assert err.value.message
        return
    raw, parsed = _run(case, ctx)
    rows = raw.frame.get_column("sumber_baris").to_list()
    got = parsed.records.get_column("sumber_baris").to_list() + parsed.karantina.get_column("sumber_baris").to_list()
    assert sorted(got) == sorted(rows), "every data row in exactly one frame"
    assert parsed.karantina.get_column("alasan").null_count() == 0
    assert set(parsed.karantina.get_column("sumber_file")) <= {case.path.name}
    if case.karantina is not None:
        assert parsed.karantina.height == case.karantina, parsed.karantina.to_dicts()
    if case.records is not None:
        assert parsed.records.height == case.records
