"""Name comparison keys: titles, old spelling, MUHAMMAD/AHMAD families."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.names import name_key, name_tokens, word_key


def key(name: str | None) -> str | None:
    return name_key(pl.Series([name], dtype=pl.Utf8)).item()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("SOEPARMAN", "SUPARMAN"),
        ("DJOKO", "JOKO"),
        ("TJIPTO", "CIPTO"),
        ("SJAHRIR", "SYAHRIR"),
        ("CHOIRUL", "KHOIRUL"),
        ("SOERJO", "SURYO"),  # J after an old-spelling sign is the modern Y
        ("TJAHJO", "CAHYO"),
        ("DJOJO", "JOYO"),  # DJ -> J stays J; the second J is the old Y
        ("NJOTO", "NYOTO"),
        ("SOENJOTO", "SUNYOTO"),
        ("JUSUF", "YUSUF"),  # known old word without another sign
    ],
)
def test_old_spelling_equals_new(old: str, new: str) -> None:
    assert key(old) == key(new)


@pytest.mark.parametrize("modern", ["SANJAYA", "ANJAR", "PANJI", "BANJAR", "JOKO", "JAYADI", "RAJA"])
def test_modern_j_and_nj_are_left_alone(modern: str) -> None:
    assert key(modern) == modern


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("MOCH. SOEPARMAN", "MUHAMMAD SUPARMAN"),
        ("M. SUPARMAN", "MUHAMMAD SUPARMAN"),
        ("MOH SUPARMAN", "MUHAMMAD SUPARMAN"),
        ("MUH. SUPARMAN", "MOHAMAD SUPARMAN"),
        ("MHD ALI", "MOHAMMAD ALI"),
        ("MOCH.ALI", "MUHAMAD ALI"),
        ("MUCHAMMAD ALI", "MUKHAMAD ALI"),
        ("H. AHMAD", "ACHMAD"),
        ("AKHMAD FAUZI", "AHMAD FAUZI"),
        ("ABD. ROCHIM", "ABDUL ROKHIM"),
        ("NOER HAJATI", "NUR HAJATI"),  # old J -> Y only inside a word with an old-spelling sign
    ],
)
def test_name_families(a: str, b: str) -> None:
    assert key(a) == key(b)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("BUDI SANTOSO, S.PD.", "BUDI SANTOSO"),
        ("BUDI SANTOSO S.PD", "BUDI SANTOSO"),
        ("BUDI SANTOSO, S. PD., M.SI", "BUDI SANTOSO"),
        ("SRI WAHYUNI, S.H.", "SRI WAHYUNI"),
        ("SRI WAHYUNI S.H.", "SRI WAHYUNI"),
        ("DRS. H. SUPARMAN", "SUPARMAN"),
        ("IR. JOKO", "JOKO"),
        ("DR. SITI AMINAH, M.KES", "SITI AMINAH"),
        ("HJ. SITI AMINAH", "SITI AMINAH"),
        ("ST. AMINAH", "SITI AMINAH"),  # a first word is never a degree
        ("AHMAD BIN SALEH", "AHMAD"),
        ("SITI BINTI KARTO", "SITI"),
    ],
)
def test_titles_and_degrees_stripped(name: str, expected: str) -> None:
    assert key(name) == expected


def test_punctuation_and_spaces() -> None:
    assert key("  siti-aminah ") == "SITI AMINAH"
    assert key("MA'RUF") == "MARUF"
    assert key("ABDULLAH") == key("ABDULAH")


def test_a_name_of_only_titles_keeps_itself() -> None:
    assert key("H.") == "H"
    assert key("HJ. DRS., S.PD") == "HJ DRS"


def test_null_and_order_preserved() -> None:
    s = pl.Series("nama", ["DJOKO", None, "TJIPTO", "DJOKO"])
    out = name_key(s)
    assert out.to_list() == ["JOKO", None, "CIPTO", "JOKO"]
    assert out.name == "nama"


def test_name_tokens() -> None:
    toks = name_tokens(name_key(pl.Series(["MOCH. SOEPARMAN"])))
    assert toks.to_list() == [["MUHAMMAD", "SUPARMAN"]]


def test_stored_name_is_not_rewritten() -> None:
    s = pl.Series("nama", ["MOCH. SOEPARMAN"])
    name_key(s)
    assert s.to_list() == ["MOCH. SOEPARMAN"]


def test_word_key() -> None:
    assert word_key("SOEKARNO") == "SUKARNO"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ABCDEJNOSTUY .,'-", min_size=0, max_size=30), min_size=1, max_size=8))
def test_key_is_idempotent_and_total(names: list[str]) -> None:
    keys = name_key(pl.Series(names, dtype=pl.Utf8))
    assert keys.len() == len(names)
    for k in keys.to_list():
        assert k is not None
        assert k == k.strip()
        assert "  " not in k
    assert name_key(keys).to_list() == keys.to_list()
