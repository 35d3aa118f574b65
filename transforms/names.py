"""Comparison keys for Indonesian names: titles stripped, old spelling and MUHAMMAD forms unified.

Stored names are never rewritten; these keys exist only to compare two names. The rules are
tables in `schemas/names/` (titles, spelling rules, name families), read once per process.

How a key is built, per name:
1. upper-case; apostrophes dropped (MA'RUF = MARUF); any other punctuation but `.` and `,`
   becomes a space (SITI-AMINAH = SITI AMINAH);
2. the text after the first comma is the degree part (`BUDI, S.PD., M.SI`): there every token
   that is a degree is dropped, whatever its spacing (`S. PD`);
3. each remaining token, once per distinct token (never once per row):
   - a leading title (H., HJ., DRS., IR., DR. ...) is dropped wherever it stands;
   - a trailing degree (S.PD, S.H., M.PD ...) is dropped when written with a dot after the
     first word (a first word is never a degree: `ST. AMINAH` is SITI AMINAH);
   - BIN/BINTI ends the name: the father's name after it is not part of the person's name
     on the voter list;
   - a token glued with dots (`MOCH.SOEPARMAN`, `M.ALI`) is split at the dots;
   - each word goes through the name families (MOCH/MOH/M/MUH... = MUHAMMAD, ACHMAD = AHMAD),
     the table of known old words (JUSUF = YUSUF) and the spelling rules (OE = U, DJ = J,
     TJ = C, SJ = SY, CH = KH ...), then the families again;
4. if nothing is left (a name that is only a title), the cleaned name itself is the key.

Old spelling "J" (= modern "Y") and mid-word "NJ" (= modern "NY") are converted only in a word
that carries another sure sign of the old spelling (OE, DJ, TJ, SJ, initial NJ): modern names
are full of J and NJ (JOKO, SANJAYA, ANJAR), and in the old spelling the modern NJ was written
NDJ, so a word that is old-spelled for sure can safely turn NJ into NY.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

NAMES_DIR = Path(__file__).resolve().parent.parent / "schemas" / "names"

# Markers put in front of a token before the per-token step: "~" = degree part (after a
# comma), "^" = first word of the name. Neither can occur in a cleaned name.
_DEGREE_MARK = "~"
_FIRST_MARK = "^"
# Result of a token that ends the name (BIN/BINTI): everything from it on is cut.
_CUT = "|"


@dataclass(frozen=True)
class NameRules:
    """The name tables of `schemas/names/`, compiled."""

    titles_front: frozenset[str]
    titles_back: frozenset[str]
    cut_words: frozenset[str]
    families: dict[str, str]
    old_words: dict[str, str]
    old_markers: tuple[re.Pattern[str], ...]
    spelling: tuple[tuple[re.Pattern[str], str, bool], ...]  # (pattern, replacement, old-only)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


@lru_cache(maxsize=4)
def load_rules(names_dir: Path = NAMES_DIR) -> NameRules:
    titles = _read_csv(names_dir / "gelar.csv")
    spelling_rows = sorted(_read_csv(names_dir / "ejaan.csv"), key=lambda r: int(r["urutan"]))
    spelling = tuple(
        (re.compile(r["pola"]), r["ganti"].replace("\\1", r"\1"), r["konteks"] == "ejaan_lama")
        for r in spelling_rows
    )
    rules = NameRules(
        titles_front=frozenset(r["token"] for r in titles if r["jenis"] == "depan"),
        titles_back=frozenset(r["token"] for r in titles if r["jenis"] == "belakang"),
        cut_words=frozenset(r["token"] for r in titles if r["jenis"] == "potong"),
        families={},
        old_words={r["lama"]: r["baru"] for r in _read_csv(names_dir / "kata_lama.csv")},
        old_markers=tuple(re.compile(r["pola"]) for r in _read_csv(names_dir / "penanda_ejaan_lama.csv")),
        spelling=spelling,
    )
    # A family variant is looked up both as typed and after the spelling rules, so that
    # MOCHAMMAD and MOKHAMAD (CH -> KH, MM -> M) land on the same standard form.
    for row in _read_csv(names_dir / "keluarga.csv"):
        rules.families[row["varian"]] = row["baku"]
    for variant, standard in list(rules.families.items()):
        rules.families.setdefault(_respell(variant, rules), standard)
    return rules


def _respell(word: str, rules: NameRules) -> str:
    """Apply the spelling rules to one word (old-only rules only to a surely-old word).

    Repeated until nothing changes (DDJ -> DJ -> J), so that a key is its own key.
    """
    for _ in range(5):
        is_old = any(m.search(word) for m in rules.old_markers)
        before = word
        for pattern, replacement, old_only in rules.spelling:
            if old_only and not is_old:
                continue
            word = pattern.sub(replacement, word)
        if word == before:
            break
    return word


def word_key(word: str, rules: NameRules | None = None) -> str:
    """Comparison form of one bare word (no dots, no spaces)."""
    rules = rules or load_rules()
    if word in rules.families:
        return rules.families[word]
    word = rules.old_words.get(word, word)
    respelled = _respell(word, rules)
    return rules.families.get(respelled, respelled)


def _token_key(raw: str, rules: NameRules) -> str:
    """Comparison form of one raw token (may carry the degree/first markers and dots)."""
    in_degree = raw.startswith(_DEGREE_MARK)
    first = raw.startswith(_FIRST_MARK)
    token = raw.lstrip(_DEGREE_MARK + _FIRST_MARK)
    compact = token.replace(".", "")
    if not compact:
        return ""
    if compact in rules.titles_front:
        return ""
    if compact in rules.titles_back and (in_degree or ("." in token and not first)):
        return ""
    if in_degree and len(compact) <= 2:
        return ""  # stray letters of a degree split by spaces, e.g. "S. PD" typed "S PD"
    if compact in rules.cut_words and not first:
        return _CUT
    out: list[str] = []
    for part in token.split("."):
        if not part:
            continue
        word = word_key(part, rules)
        if (part in rules.cut_words or word in rules.cut_words) and (out or not first):
            out.append(_CUT)
            break
        if part in rules.titles_front or word in rules.titles_front:
            continue  # also a word that only becomes a title once respelled (NJ -> NY), so keys stay stable
        out.append(word)
    return " ".join(out)


def _clean(names: pl.Expr) -> pl.Expr:
    return (
        names.str.to_uppercase()
        .str.replace_all(r"['`’‘]", "")
        .str.replace_all(r"[^A-Z0-9.,\s]", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars(" .,")
    )


def _raw_tokens(clean: pl.Expr) -> pl.Expr:
    """List of raw tokens with the first-word and degree-part markers."""
    main = clean.str.replace(r",.*$", "").str.strip_chars()
    degree = (
        clean.str.extract(r",(.*)$", 1)
        .fill_null("")
        .str.replace_all(r"\.\s+", ".")
        .str.replace_all(r"[,\s]+", " ")
        .str.strip_chars()
        .str.replace_all(r"(\S+)", _DEGREE_MARK + "$1")
    )
    main = pl.lit(_FIRST_MARK) + main
    return pl.concat_str([main, degree], separator=" ").str.strip_chars().str.split(" ")


def _keys_of_distinct(clean: pl.Series) -> pl.Series:
    """Key of each string of `clean` (expected distinct); Python runs once per distinct token."""
    rules = load_rules()
    frame = pl.DataFrame({"clean": clean}).with_columns(tok=_raw_tokens(pl.col("clean")))
    distinct = frame.get_column("tok").explode().drop_nulls().unique()
    keys = [_token_key(t, rules) for t in distinct.to_list()]
    frame = frame.with_columns(
        key=pl.col("tok")
        .list.eval(pl.element().replace_strict(distinct, pl.Series(keys, dtype=pl.Utf8), default=""))
        .list.join(" ")
    ).with_columns(
        key=pl.col("key")
        .str.replace(r"\|.*$", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    def tidy(text: pl.Expr) -> pl.Expr:
        return text.str.replace_all(r"[.,]", "").str.replace_all(r"\s+", " ").str.strip_chars()

    # A name that is only titles keeps, as key, its part before the degrees without dots
    # (each word keeps the form it was judged in, so the fallback is itself a stable key).
    main = tidy(pl.col("clean").str.replace(r",.*$", ""))
    fallback = pl.when(main != "").then(main).otherwise(tidy(pl.col("clean")))
    frame = frame.with_columns(
        key=pl.when(pl.col("key") == "").then(fallback).otherwise(pl.col("key"))
    )
    return frame.get_column("key")


def name_key(names: pl.Series) -> pl.Series:
    """Comparison key per name: titles stripped, spelling normalized, MUHAMMAD family unified.

    Null stays null; the work is done once per distinct name and once per distinct token.
    """
    raw = names.cast(pl.Utf8)
    distinct = raw.drop_nulls().unique()
    clean = pl.DataFrame({"nama": distinct}).select(clean=_clean(pl.col("nama"))).get_column("clean")
    clean_distinct = clean.unique()
    keys = clean.replace_strict(clean_distinct, _keys_of_distinct(clean_distinct), return_dtype=pl.Utf8)
    out = raw.replace_strict(distinct, keys, default=None, return_dtype=pl.Utf8)
    return out.rename(names.name or "nama_kunci")


def name_tokens(keys: pl.Series) -> pl.Series:
    """The words of name keys (output of `name_key`), as a list per name."""
    return keys.str.split(" ").rename(keys.name or "token")
