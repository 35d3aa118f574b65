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


def slip_groups(keys: pl.Series) -> pl.DataFrame:
    """Each distinct birth place key (`lahir`) with a group number (`_g_lahir`): places one slip
    apart (`same_birthplace`) share a group, and so, through them, do their slips' slips. Two
    places of different groups are never one slip apart. A list has a few hundred distinct
    birth places, so every pair of them is compared once, not millions of record pairs."""
    texts = keys.drop_nulls().unique().sort().to_list()
    score = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=BIRTHPLACE_SLIP_MIN, dtype=np.uint8,
                          workers=-1) if texts else np.zeros((0, 0), dtype=np.uint8)
    group = list(range(len(texts)))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, j in zip(*np.nonzero(score >= BIRTHPLACE_SLIP_MIN)):
        group[root(int(i))] = root(int(j))
    return pl.DataFrame({"lahir": texts, "_g_lahir": [root(i) for i in range(len(texts))]},
                        schema={"lahir": pl.Utf8, "_g_lahir": pl.Int32})
