"""Weights of the two-NIK duplicate scan (`transforms/match/ganda.py`), learned from the list.

The comparison levels per field, the priors of `policy.toml` [ganda.model], u from random
pairs of the list, m from the priors and the pairs a NIK proves (and, for the fields that
did not choose the pairs, from the proposed pairs by EM), the number of duplicates by EM,
and an exact value weighed by its frequency on the list.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from schemas.policy import POLICY_TOML

# Comparison levels per field, in the order of the prior lists in policy.toml [ganda.model].
LEVELS: dict[str, tuple[str, ...]] = {
    "nama": ("sama", "sangat_mirip", "mirip", "agak_mirip", "bagian", "kata_sama", "beda", "ketik"),
    "tgl": ("sama", "tukar", "mirip", "tahun", "beda"),
    "jk": ("sama", "beda"),
    "tempat": ("kk", "rtrw", "desa", "kecamatan", "beda"),
    "alamat": ("sama", "mirip", "agak_mirip", "beda"),
    "lahir": ("sama", "mirip", "beda"),
}
FIELDS = tuple(LEVELS)
_EM_ROUNDS = 40
# Fields whose exact agreement weighs by the value's frequency on the list, and that count.
# The name's count is the larger of the pair's two: a slip (ketik) of a common name weighs as
# that name does, never as the slip's own rare spelling.
TF = {"nama": "_tf_nama", "tgl": "v_tgl_frek", "alamat": "v_alamat_frek", "lahir": "v_lahir_frek"}


@dataclass(frozen=True)
class GandaModel:
    """Priors and thresholds of the two-NIK scan (policy.toml [ganda.model])."""

    peluang_min: float
    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    bobot_u: float
    bobot_m: float
    bobot_tf: float
    ganda_per_pemilih: float
    bobot_lambda: float
    pasangan_acak: int
    jangkauan_bit: float
    jangkauan_margin_bit: float
    blok: tuple[tuple[tuple[str, ...], int], ...]
    nama_pita: tuple[float, float, float]  # name similarity from which sangat_mirip, mirip, agak_mirip
    alamat_pita: tuple[float, float]  # address similarity from which mirip, agak_mirip
    kata_langka_maks: int  # a word carried by at most this many voters is rare (a slip's word)
    ketik_sim_min: float  # name similarity from which two names are checked for such a slip


@lru_cache(maxsize=4)
def load_model(path: Path = POLICY_TOML) -> GandaModel:
    with path.open("rb") as fh:
        doc = tomllib.load(fh)["ganda"]["model"]

    def norm(values: list[float]) -> np.ndarray:
        a = np.asarray(values, dtype=np.float64)
        return a / a.sum()

    for field, levels in LEVELS.items():
        for side in ("m", "u"):
            if len(doc[side][field]) != len(levels):
                raise ValueError(f"policy [ganda.model.{side}] {field}: expected {len(levels)} values {levels}")
    return GandaModel(
        peluang_min=float(doc["peluang_min"]),
        m={f: norm(doc["m"][f]) for f in FIELDS},
        u={f: norm(doc["u"][f]) for f in FIELDS},
        bobot_u=float(doc["bobot_u"]),
        bobot_m=float(doc["bobot_m"]),
        bobot_tf=float(doc["bobot_tf"]),
        ganda_per_pemilih=float(doc["ganda_per_pemilih"]),
        bobot_lambda=float(doc["bobot_lambda"]),
        pasangan_acak=int(doc["pasangan_acak"]),
        jangkauan_bit=float(doc["jangkauan_bit"]),
        jangkauan_margin_bit=float(doc["jangkauan_margin_bit"]),
        blok=tuple((tuple(b["kunci"]), int(b["maks"])) for b in doc["blok"]),
        nama_pita=tuple(float(x) for x in doc["nama_pita"]),
        alamat_pita=tuple(float(x) for x in doc["alamat_pita"]),
        kata_langka_maks=int(doc["kata_langka_maks"]),
        ketik_sim_min=float(doc["ketik_sim_min"]),
    )


# ---------------------------------------------------------------------------------------
# Weights from the list itself
# ---------------------------------------------------------------------------------------


def random_pairs(n: int, k: int, seed: int = 20260101) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, k)
    b = rng.integers(0, n, k)
    keep = a != b
    return pl.DataFrame({"a": np.minimum(a, b)[keep], "b": np.maximum(a, b)[keep]}).cast(pl.UInt32)


def level_matrix(f: pl.DataFrame) -> np.ndarray:
    """Levels as an int8 matrix (rows = pairs, columns = FIELDS), -1 = missing."""
    return np.column_stack([f.get_column(f"l_{c}").fill_null(-1).to_numpy() for c in FIELDS]).astype(np.int8)


def frequencies(levels: np.ndarray, weights: np.ndarray | None = None) -> dict[str, tuple[np.ndarray, float]]:
    out = {}
    for j, field in enumerate(FIELDS):
        col = levels[:, j]
        w = np.ones(len(col)) if weights is None else weights
        counts = np.bincount(col[col >= 0], weights=w[col >= 0], minlength=len(LEVELS[field]))
        out[field] = (counts.astype(np.float64), float(w[col >= 0].sum()))
    return out


def blend(counts: np.ndarray, total: float, prior: np.ndarray, weight: float) -> np.ndarray:
    return (counts + weight * prior) / (total + weight)


@dataclass(frozen=True)
class Weights:
    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    log2_prior: float  # log2 odds that two records picked at random are one person
    duplikat: float   # expected number of duplicate pairs on the list (EM)


def tf_u(freq: np.ndarray, u_level: float, n_voters: int, model: GandaModel) -> np.ndarray:
    """u of an exact agreement on one value: the share of the other voters carrying it,
    blended with the level's u (weight `bobot_tf` voters) so a tiny list stays sane."""
    return (freq - 1 + model.bobot_tf * u_level) / (n_voters - 1 + model.bobot_tf)


def _pair_weights(levels: np.ndarray, m: dict, u: dict, tf: dict[str, np.ndarray]) -> np.ndarray:
    total = np.zeros(len(levels))
    for j, field in enumerate(FIELDS):
        col = levels[:, j]
        ok = col >= 0
        term = np.zeros(len(levels))
        term[ok] = np.log2(m[field][col[ok]]) - np.log2(u[field][col[ok]])
        if field in tf:
            # An exact value weighs by its frequency; a near one never more than an exact one would.
            exact_w = np.log2(m[field][0]) - np.log2(tf[field])
            term = np.where(col == 0, exact_w, np.where(ok & (term > 0), np.minimum(term, exact_w), term))
        total += term
    return total


def field_weights(random_levels: np.ndarray, proven_levels: np.ndarray,
                  model: GandaModel) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """m and u per field and level.

    u from random pairs of the list; m of sex, place and address from the records that share
    one NIK with an agreeing name and birth date (one person for sure), counted as `bobot_m`
    pseudo-pairs against the priors; m of name and birth date stays the prior's (those pairs
    were chosen by their names and dates)."""
    freq = frequencies(random_levels)
    u = {f: blend(*freq[f], model.u[f], model.bobot_u) for f in FIELDS}
    proven = frequencies(proven_levels)
    m = {f: model.m[f].copy() if f in ("nama", "tgl") else blend(*proven[f], model.m[f], model.bobot_m)
         for f in FIELDS}
    return m, u


def prior_log2_odds(expected: float, n_voters: int) -> float:
    """log2 odds that two records picked at random are one person, `expected` duplicates."""
    all_pairs = max(n_voters * (n_voters - 1) / 2, 1.0)
    p = min(max(expected, 0.5) / all_pairs, 0.5)
    return math.log2(p / (1 - p))


def estimate(cand_levels: np.ndarray, m: dict[str, np.ndarray], u: dict[str, np.ndarray],
             tf: dict[str, np.ndarray], n_voters: int, model: GandaModel) -> Weights:
    """The number of duplicates by EM over the proposed pairs, m and u fixed.

    A free two-class EM on blocked pairs was tried and rejected: on a list with few
    duplicates it takes a household, or a desa's voters born the same year, as its second
    class. EM here only counts the duplicates: it finds the share of duplicates among all
    pairs of the list that explains the proposed pairs, which sets the prior odds of every
    pair; the count is trusted as far as there were pairs to learn from (`bobot_lambda`).
    """
    weights = _pair_weights(cand_levels, m, u, tf)
    prior = model.ganda_per_pemilih * n_voters
    trust = len(cand_levels) / (len(cand_levels) + model.bobot_lambda)
    expected, found = prior, 0.0
    for _ in range(_EM_ROUNDS):
        odds = prior_log2_odds(expected, n_voters)
        post = 1.0 / (1.0 + np.exp2(-np.clip(weights + odds, -60, 60)))
        found = float(post.sum())
        new = trust * found + (1 - trust) * prior
        done = abs(new - expected) < 0.001 * max(expected, 1.0)
        expected = new
        if done:
            break
    return Weights(m=m, u=u, log2_prior=prior_log2_odds(expected, n_voters), duplikat=found)


def weight_expr(w: Weights, n_voters: int, model: GandaModel) -> pl.Expr:
    total = pl.lit(0.0)
    for field in FIELDS:
        table = np.log2(w.m[field] / w.u[field])
        term = pl.col(f"l_{field}").replace_strict(list(range(len(table))), table.tolist(), default=0.0,
                                                   return_dtype=pl.Float64).fill_null(0.0)
        if field in TF:
            # Term frequency: an exact name, birth date or address weighs by how many voters carry it.
            freq = pl.col(TF[field]).cast(pl.Float64)
            u_value = (freq.fill_null(1) - 1 + model.bobot_tf * float(w.u[field][0])) / (n_voters - 1 + model.bobot_tf)
            exact = pl.col(f"l_{field}") == 0
            exact_w = (pl.lit(float(w.m[field][0])) / u_value).log(2)
            term = pl.when(exact).then(exact_w).when(term > 0).then(pl.min_horizontal(term, exact_w)).otherwise(term)
        total = total + term
    return total
