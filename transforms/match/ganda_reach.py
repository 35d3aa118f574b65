"""The reach check of the two-NIK duplicate scan (`transforms/match/ganda.py`): which proposed
pairs could still reach the review threshold, and their name similarity, on integer codes
and the distinct name keys, before the full comparison."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import polars as pl

from schemas.policy import default_policy
from transforms.match.evidence import name_ratios, name_subsets
from transforms.match.ganda_weights import LEVELS, GandaModel, prior_log2_odds


def date_level() -> pl.Expr:
    """`l_tgl` of each pair from both records' date digits (`_tgl_digit`, `_tgl_dm` of a,
    `_tgl_md` of b, `tahun`): what `date_category` says (tahun_beda counted as tahun), on integers.
    Two typed dates that the records' NIKs encode as one date (`tgl_nik_kode`) are one date."""
    x, y, ya, yb = pl.col("_tgl_digit"), pl.col("v__tgl_digit"), pl.col("tahun"), pl.col("v_tahun")
    diff = x.xor(y)
    differing = pl.sum_horizontal([((diff // (16 ** k)) % 16 != 0).cast(pl.Int8) for k in range(8)])
    return (
        pl.when(x.is_null() | y.is_null()).then(None)
        .when((diff == 0) | (pl.col("tgl_nik_kode") == pl.col("v_tgl_nik_kode")).fill_null(False)).then(0)
        .when((pl.col("_tgl_dm") == pl.col("v__tgl_md")) & (ya == yb)).then(1)
        .when(differing == 1).then(2)
        .when(ya == yb).then(3)
        .otherwise(4)
    ).cast(pl.Int8).alias("l_tgl")


_REACH_CHUNK = 1_000_000


def within_reach(s: pl.DataFrame, names: "NameTexts", pairs: pl.DataFrame, m: dict, u: dict, n: int,
                  model: GandaModel, cut: bool = True) -> pl.DataFrame:
    """The proposed pairs that could still reach `peluang_min` and pass the household guards,
    with their name similarity (`sim_nama`, `nama_bagian`).

    A pair's best possible weight takes birth date, sex, place and birth place as they are
    (compared on integer codes; two birth places of one `slip_groups` group count as one slip
    apart), the address at its best level, and the name first at the best level any
    two names can have, then, for the pairs left, at its own level. A pair is dropped when
    that weight stays `jangkauan_margin_bit` below the review threshold even with
    2^`jangkauan_bit` times the prior number of duplicates; so is a pair the household
    guards rule out whatever its names (one household, or one desa in two households, with
    birth dates far apart), and a pair whose birth dates are far apart and whose names are
    not close. On a list of millions these are most of the proposed pairs: voters sharing a
    word of the name and a birth date or year. Without `cut` only the last rule applies.
    The pairs are checked `_REACH_CHUNK` at a time (each pair on its own), which bounds the memory."""
    if pairs.height > _REACH_CHUNK:
        return pl.concat([within_reach(s, names, pairs.slice(o, _REACH_CHUNK), m, u, n, model, cut)
                          for o in range(0, pairs.height, _REACH_CHUNK)])
    a, b = pairs.get_column("a"), pairs.get_column("b")
    codes = ["_k_nama_urut", "_k_kunci", "_k_nkk", "_k_kode_desa", "_k_kode_kecamatan", "_k_jenis_kelamin", "_k_rtrw",
             "_k_alamat", "_k_lahir", "_g_lahir", "_tgl_digit", "tahun", "tgl_nik_kode", "_kid"]
    # One gather per side (a frame gathers its columns together, far cheaper than one by one).
    left = s.select(*codes, "_tgl_dm", "nama_frek", "_langka").gather(a)
    right = s.select(*codes, "_tgl_md", "nama_frek", "tgl_frek", "alamat_frek", "lahir_frek", "_langka").gather(b)
    right = right.rename(lambda c: f"v_{c}")
    frame = pl.concat([pairs.select("a", "b"), left, right], how="horizontal").with_columns(
        date_level(), _tf_nama=pl.max_horizontal("nama_frek", "v_nama_frek"))

    def same(c: str) -> pl.Expr:
        return pl.col(f"_k_{c}") == pl.col(f"v__k_{c}")

    kk, desa = same("nkk").fill_null(False), same("kode_desa").fill_null(False)
    tempat = (
        pl.when(kk).then(0).when(pl.col("_k_kode_desa").is_null() | pl.col("v__k_kode_desa").is_null()).then(None)
        .when(desa & same("rtrw").fill_null(False)).then(1).when(desa).then(2)
        .when(same("kode_kecamatan").fill_null(False)).then(3).otherwise(4)
    )

    def table(field: str) -> np.ndarray:
        return np.log2(m[field] / u[field])

    def exact_weight(field: str, freq: str) -> pl.Expr:
        u_value = (pl.col(freq).cast(pl.Float64).fill_null(1) - 1 + model.bobot_tf * float(u[field][0])) / (
            n - 1 + model.bobot_tf)
        return (pl.lit(float(m[field][0])) / u_value).log(2)

    def level_weight(field: str, level: pl.Expr) -> pl.Expr:
        return level.replace_strict(list(range(len(LEVELS[field]))), table(field).tolist(), default=0.0,
                                    return_dtype=pl.Float64).fill_null(0.0)

    far = pl.col("l_tgl").is_in([LEVELS["tgl"].index("tahun"), LEVELS["tgl"].index("beda")]).fill_null(False)
    near_same = pl.col("l_tgl").is_in([0, LEVELS["tgl"].index("tukar")]).fill_null(False)
    name_same = (same("nama_urut") & pl.col("_k_kunci").is_not_null() & pl.col("v__k_kunci").is_not_null()).fill_null(False)
    other_year = (pl.col("l_tgl") == LEVELS["tgl"].index("beda")).fill_null(False)
    guarded = (kk & other_year) | (desa & (pl.col("_k_nkk") != pl.col("v__k_nkk")).fill_null(False)
                            & (far | (name_same & ~near_same)))
    f = frame.filter(~guarded if cut else pl.lit(True))
    f = f.with_columns(l_tempat=tempat, _nama_sama=name_same)
    best_address = max(0.0, float(table("alamat")[1:].max()))

    address_counts = ~pl.col("l_tempat").is_in([0, 1]).fill_null(False)
    rest = (
        pl.when(pl.col("l_tgl") == 0).then(exact_weight("tgl", "v_tgl_frek")).otherwise(level_weight("tgl", pl.col("l_tgl")))
        + level_weight("jk", pl.when(same("jenis_kelamin")).then(0).when(~same("jenis_kelamin")).then(1))
        + level_weight("tempat", pl.col("l_tempat"))
        + pl.when(~address_counts).then(0.0)
        .when(pl.col("_k_alamat") == pl.col("v__k_alamat")).then(pl.max_horizontal(exact_weight("alamat", "v_alamat_frek"), 0.0))
        .otherwise(best_address)
        + pl.when(pl.col("_k_lahir").is_null() | pl.col("v__k_lahir").is_null()).then(0.0)
        .when(pl.col("_k_lahir") == pl.col("v__k_lahir")).then(exact_weight("lahir", "v_lahir_frek"))
        .otherwise(level_weight("lahir", pl.when(pl.col("_g_lahir") == pl.col("v__g_lahir")).then(1).otherwise(2)))
    )
    needed = (math.log2(model.peluang_min / (1 - model.peluang_min)) - model.jangkauan_margin_bit
              - model.jangkauan_bit - prior_log2_odds(model.ganda_per_pemilih * n, n)) if cut else -math.inf
    exact_name = exact_weight("nama", "v_nama_frek")
    f = f.with_columns(_sisa=rest, _nama_top=pl.when(pl.col("_nama_sama")).then(exact_name))
    # Stage 1: every other name at the best level a name can have: a slip into a rare word
    # only where one of the names has one, and never above the commoner spelling's own weight.
    ketik = LEVELS["nama"].index("ketik")
    max_slip = float(table("nama")[ketik])
    slip_top = pl.when(pl.col("_langka") | pl.col("v__langka")).then(
        pl.min_horizontal(pl.lit(max_slip), exact_weight("nama", "_tf_nama")))
    other_top = max(0.0, *(float(w) for i, w in enumerate(table("nama")) if i not in (0, ketik)))
    f = f.filter(pl.col("_sisa") + pl.coalesce(pl.col("_nama_top"), pl.max_horizontal(pl.lit(other_top), slip_top))
                 >= needed)
    # Stage 2: the name's own level (a shared word or nothing in common count as the better of the two).
    band = model.nama_pita
    low = max(float(table("nama")[LEVELS["nama"].index(lv)]) for lv in ("kata_sama", "beda"))

    def kept(bagian: pl.Expr) -> pl.Expr:
        level = (
            pl.when(pl.col("_nama_sama")).then(0).when(pl.col("sim_nama") >= band[0]).then(1)
            .when(pl.col("sim_nama") >= band[1]).then(2).when(bagian).then(4)
            .when(pl.col("sim_nama") >= band[2]).then(3)
        )
        # A name a slip away may be `ketik`, and one household's name written twice `bagian`:
        # either counts at its best where the names are that close or share a household.
        slip = pl.when(pl.col("sim_nama") >= model.ketik_sim_min).then(slip_top)
        one_name = pl.when(kk).then(float(table("nama")[LEVELS["nama"].index("bagian")]))
        name_w = pl.when(pl.col("_nama_sama")).then(pl.col("_nama_top")).otherwise(
            pl.max_horizontal(level_weight("nama", level).fill_null(low), slip, one_name))
        close = level.is_not_null() | slip.is_not_null()
        return (pl.col("_sisa") + pl.when(level.is_null()).then(low).otherwise(name_w) >= needed) & (close | ~far)

    f = _name_scores(f, names, kept)
    return f.filter(kept(pl.col("nama_bagian"))).select("a", "b", "sim_nama", "nama_bagian")


class NameTexts(NamedTuple):
    """The distinct name keys of the list and their word-sorted and space-free forms, as
    arrays of Python strings in the order of the scan frame's `_kid` (a missing key as ""):
    the texts of millions of pairs are picked by position, no string copied."""

    kunci: np.ndarray
    urut: np.ndarray
    rapat: np.ndarray

    @classmethod
    def of(cls, names: pl.DataFrame) -> "NameTexts":
        return cls(*(np.array(names.get_column(c).fill_null("").to_list(), dtype=object)
                     for c in ("nama_kunci", "nama_urut", "nama_rapat")))

    @staticmethod
    def pick(texts: np.ndarray, kid: pl.Series) -> np.ndarray:
        return texts[kid.to_numpy()]


def _name_scores(f: pl.DataFrame, names: NameTexts, kept) -> pl.DataFrame:
    """`f` with `sim_nama` and `nama_bagian` of its pairs, scored once per distinct pair of
    name keys (`_kid` of each side). Two keys of the same words (`_nama_sama`) score 1 without
    scoring: their sorted forms are equal. The word-set check (`nama_bagian`, only below
    `nama_cukup`) is made only for the pairs `kept(nama_bagian)` could keep with it either way:
    on a list of millions most pairs are dropped whatever it says."""
    f = f.with_columns(_ab=pl.col("_kid").cast(pl.UInt64) * (1 << 32) + pl.col("v__kid"))
    distinct = f.filter(~pl.col("_nama_sama")).select("_ab", "_kid", "v__kid").unique("_ab", keep="any")
    ka, kb = distinct.get_column("_kid"), distinct.get_column("v__kid")
    sim = name_ratios(names.pick(names.urut, ka), names.pick(names.urut, kb), names.pick(names.rapat, ka),
                      names.pick(names.rapat, kb))
    scored = distinct.select("_ab", "_kid", "v__kid").with_columns(
        sim_nama=pl.Series(sim, dtype=pl.Float64).round(4),
        _rendah=pl.Series(sim < default_policy().nama_cukup, dtype=pl.Boolean),
    )
    f = f.join(scored.select("_ab", "sim_nama", "_rendah"), on="_ab", how="left", maintain_order="left").with_columns(
        sim_nama=pl.when(pl.col("_nama_sama")).then(1.0).otherwise(pl.col("sim_nama")),
        _rendah=pl.col("_rendah").fill_null(False),
    )
    todo = f.filter(pl.col("_rendah") & (kept(pl.lit(True)) | kept(pl.lit(False)))).select("_ab").unique()
    todo = scored.join(todo, on="_ab", how="semi")
    ka, kb = todo.get_column("_kid"), todo.get_column("v__kid")
    todo = todo.select("_ab", _bagian=pl.Series(name_subsets(names.pick(names.kunci, ka), names.pick(names.kunci, kb)),
                                                dtype=pl.Boolean))
    return f.join(todo, on="_ab", how="left", maintain_order="left").with_columns(
        nama_bagian=pl.col("_bagian").fill_null(False)).drop("_ab", "_rendah", "_bagian")
