"""Birth places as compared: the place key and the one-slip check, shared by the whole-list
duplicate scan (`ganda.py`) and the province's cross-kabupaten stage."""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from transforms.match.evidence import pair_similarity

BIRTHPLACE_SLIP_MIN = 85.0  # rapidfuzz ratio of two birth places: one typing slip (PURWOREJO / PURWOREJ)


def birthplace_key(tempat: pl.Expr) -> pl.Expr:
    """A birth place as compared: upper case, letters only, without the KAB./KABUPATEN/KOTA
    prefix an office may or may not write (KAB. SEMARANG = SEMARANG); null when nothing is left."""
    key = (
        tempat.str.to_uppercase()
        .str.replace_all(r"[^A-Z ]+", " ")
        .str.replace(r"^\s*(KABUPATEN|KAB|KOTA|KOTAMADYA|KODYA)\s+", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    return pl.when(key != "").then(key)


def same_birthplace(a: pl.Series, b: pl.Series) -> pl.Series:
    """Whether two birth place keys name one place: equal, or one typing slip apart (where
    either is missing: False, and no evidence either way)."""
    both = a.is_not_null() & b.is_not_null()
    return (pl.Series(pair_similarity(a, b, fuzz.ratio) >= BIRTHPLACE_SLIP_MIN) & both).alias("tempat_sama")


def slip_pairs(keys: pl.Series, codes: pl.Series) -> pl.DataFrame:
    """The pairs of different birth places of a list that are one slip apart (`same_birthplace`),
    as their codes (`a`, `b`, both orders): a list has a few hundred distinct birth places, so
    every pair of them is compared once and millions of record pairs look theirs up."""
    places = pl.DataFrame({"key": keys, "code": codes}).drop_nulls().unique("key", maintain_order=True)
    texts = places.get_column("key").to_list()
    score = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=BIRTHPLACE_SLIP_MIN, dtype=np.uint8,
                          workers=-1) if texts else np.zeros((0, 0), dtype=np.uint8)
    i, j = np.nonzero(score >= BIRTHPLACE_SLIP_MIN)
    keep = i != j
    code = places.get_column("code")
    return pl.DataFrame({"a": code.gather(i[keep]), "b": code.gather(j[keep])})
