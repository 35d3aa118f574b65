"""Blocking of the two-NIK duplicate scan (`transforms/match/ganda.py`): the pairs of the list
the passes of `policy.toml` [[ganda.model.blok]] propose.

Each pass keys every record by a 64-bit hash of the pass's fields; the records are sorted by
that key once and the pairs of each block of 2 to `maks` records are written out with numpy
(no self-join). The union of the passes is de-duplicated as one 64-bit number per pair.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from transforms.match.ganda_weights import GandaModel

_SEED = 20260101


def _coded(frame: pl.DataFrame, keys: set[str]) -> pl.DataFrame:
    """Row position `i` and one integer column per blocking key: a text key by a 64-bit hash
    of its value (equal values, equal codes; null stays null), a number as it is."""
    cols = [pl.col(k) if frame.schema[k].is_integer() else pl.when(pl.col(k).is_not_null()).then(pl.col(k).hash(_SEED))
            .alias(k) for k in sorted(keys - {"kata"})]
    return frame.select("i", *cols)


def _words(frame: pl.DataFrame) -> pl.DataFrame:
    """Row position `i` and `kata`, the code of one word of the name key, for each distinct
    word of each record's name key (each distinct key split once)."""
    words = (
        frame.select("_k_kunci", "nama_kunci").drop_nulls().unique("_k_kunci")
        .select("_k_kunci", kata=pl.col("nama_kunci").str.split(" ").list.unique()).explode("kata")
        .with_columns(kata=pl.col("kata").hash(_SEED))
    )
    return frame.select("i", "_k_kunci").join(words, on="_k_kunci").drop("_k_kunci")


def _keyed(coded: pl.DataFrame, words: pl.DataFrame | None, keys: tuple[str, ...]) -> pl.DataFrame:
    """Row position `i` and block key `_k` (one 64-bit hash of the codes of `keys`) of every
    record with all of `keys`, sorted by the key. The key `kata` is any one word of the name
    key: a record gets one row per word (a given name replaced, a surname kept)."""
    cols = [k for k in keys if k != "kata"]
    if "kata" in keys:
        # `coded` holds row i at position i: its codes are gathered, not joined.
        g = words.hstack(coded.select(cols).gather(words.get_column("i"))) if cols else words
    else:
        g = coded.select("i", *cols)
    return g.drop_nulls(list(keys)).select("i", _k=pl.struct(list(keys)).hash(_SEED)).sort("_k")


def pairs_in_blocks(rows: np.ndarray, keys: np.ndarray, cap: int) -> np.ndarray:
    """Every pair of `rows` sharing a key, in blocks of 2 to `cap` rows, as a * 2^32 + b
    (a < b). `keys` is sorted; `rows` are the row positions in the same order. The blocks of
    one size are written out together: a (blocks x size) table of their rows, paired by the
    upper triangle of a size x size grid."""
    if len(keys) < 2:
        return np.empty(0, dtype=np.uint64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    keep = (sizes >= 2) & (sizes <= cap)
    starts, sizes = starts[keep], sizes[keep]
    if sizes.size == 0:
        return np.empty(0, dtype=np.uint64)
    order = np.argsort(sizes, kind="stable")
    starts, sizes = starts[order], sizes[order]
    edges = np.flatnonzero(np.r_[True, sizes[1:] != sizes[:-1], True])
    out = [np.empty(0, dtype=np.uint64)]
    for lo, hi in zip(edges[:-1], edges[1:]):
        size = int(sizes[lo])
        members = rows[starts[lo:hi, None] + np.arange(size)].astype(np.uint64)
        first, second = np.triu_indices(size, 1)
        a, b = members[:, first].ravel(), members[:, second].ravel()
        out.append(np.minimum(a, b) << np.uint64(32) | np.maximum(a, b))
    return np.concatenate(out)


def candidate_pairs(s: pl.DataFrame, model: GandaModel) -> pl.DataFrame:
    """Row positions (a < b, sorted) of every pair some blocking pass proposes, once."""
    keys_used = {k for keys, _ in model.blok for k in keys}
    coded = _coded(s, keys_used)
    words = _words(s) if "kata" in keys_used else None
    parts = []
    for keys, cap in model.blok:
        g = _keyed(coded, words, keys)
        parts.append(pairs_in_blocks(g.get_column("i").to_numpy(), g.get_column("_k").to_numpy(), cap))
    both = pl.Series("ab", np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)).unique().sort()
    ab = both.to_numpy()
    return pl.DataFrame({"a": (ab >> np.uint64(32)).astype(np.uint32), "b": (ab & np.uint64(0xFFFFFFFF)).astype(np.uint32)})
