"""Duplicates on the voter list itself (ganda, TMS 2): one NIK twice, and one person under two NIKs.

The same NIK twice with agreeing name and birth date is resolved automatically (the record
registered first stays, SPEC §5.2); everything else goes to review.

The same person under two NIKs is found Fellegi-Sunter style, with weights learned from the
list itself:
1. blocking passes propose pairs: the birth date (day and month in either order) with the
   sex and the first letters of the name; the birth date in one desa; the household (NKK);
   the name key (alone when rare, else with the birth year or the kecamatan); the desa with
   the birth year and the name's first letter; a phonetic key of the name with the birth
   year, or with the desa;
2. each pair gets a level per field: name similarity bands on the Indonesian name keys
   (`transforms/names.py`), birth date (equal / day and month swapped / one digit off /
   year only / other), sex, place (household, RT/RW, desa, kecamatan) and address;
3. u (how often two different people agree so) comes from random pairs of the list, m (how
   often one person's two records do) from EM on the proposed pairs, both blended with the
   priors of `schemas/policy.toml` so that a small list still gets sane weights; an exact
   name or birth date weighs by how rare that value is on the list (term frequency);
4. the pair's weight plus the prior odds of a duplicate give a probability; from
   `peluang_min` the pair goes to review. Domain guards come first and no weight overrides
   them: twins (one household, one birth date, names that differ by more than a typing
   slip), a parent and child sharing a name in one household (birth dates far apart),
   same-name neighbours of one desa in different households (birth dates far apart), and
   clearly different names are never one person.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
from rapidfuzz import fuzz

from schemas.policy import POLICY_TOML, MatchPolicy
from transforms.match.evidence import add_word_check, date_category, name_similarity, pair_similarity
from transforms.match.prepare import prepare_voters
from transforms.match.verdict import DATE_TEXT, fmt_ratio

GANDA_AUTO_SCHEMA: dict[str, pl.DataType] = {
    "id_pemilih": pl.Int64,
    "id_pemilih_tetap": pl.Int64,
    "metode": pl.Utf8,
    "skor": pl.Float64,
    "alasan": pl.Utf8,
}
GANDA_REVIEW_SCHEMA: dict[str, pl.DataType] = {
    "id_pemilih_a": pl.Int64,
    "id_pemilih_b": pl.Int64,
    "skor": pl.Float64,
    "alasan": pl.Utf8,
}

# Comparison levels per field, in the order of the prior lists in policy.toml [ganda.model].
LEVELS: dict[str, tuple[str, ...]] = {
    "nama": ("sama", "sangat_mirip", "mirip", "agak_mirip", "bagian", "kata_sama", "beda"),
    "tgl": ("sama", "tukar", "mirip", "tahun", "beda"),
    "jk": ("sama", "beda"),
    "tempat": ("kk", "rtrw", "desa", "kecamatan", "beda"),
    "alamat": ("sama", "mirip", "agak_mirip", "beda"),
}
FIELDS = tuple(LEVELS)
_EM_ROUNDS = 40
# Fields whose exact agreement weighs by the value's frequency on the list, and that count.
_TF = {"nama": "nama_frek", "tgl": "tgl_frek", "alamat": "alamat_frek"}


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
    blok: tuple[tuple[tuple[str, ...], int], ...]


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
        blok=tuple((tuple(b["kunci"]), int(b["maks"])) for b in doc["blok"]),
    )


# ---------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------


def find_ganda(voters: pl.DataFrame, policy: MatchPolicy) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Duplicates on the list: (auto, review).

    auto: the same NIK more than once, with agreeing names and birth dates. The record with
    the lowest `id_pemilih` (the one registered first) stays; each other one gets TMS 2.
    review: the same NIK with disagreeing names or birth dates (one NIK typed on two people:
    removing either could take a living person's vote), and pairs of records with two NIKs
    whose fields say they are one person (module docstring). `skor` of a review pair is that
    probability.
    """
    v = prepare_voters(voters)
    if "alamat" not in v.columns:
        v = v.with_columns(alamat=pl.lit(None, dtype=pl.Utf8))
    auto, review_nik = _ganda_same_nik(v, policy)
    review_person = two_nik_pairs(v, load_model()).select(list(GANDA_REVIEW_SCHEMA))
    review = (
        pl.concat([review_nik.cast(GANDA_REVIEW_SCHEMA), review_person.cast(GANDA_REVIEW_SCHEMA)])
        .unique(["id_pemilih_a", "id_pemilih_b"], keep="first", maintain_order=True)
        .sort(["id_pemilih_a", "id_pemilih_b"])
    )
    return (
        auto.sort("id_pemilih").select([pl.col(c).cast(t) for c, t in GANDA_AUTO_SCHEMA.items()]),
        review.select([pl.col(c).cast(t) for c, t in GANDA_REVIEW_SCHEMA.items()]),
    )


def _ganda_same_nik(base: pl.DataFrame, policy: MatchPolicy) -> tuple[pl.DataFrame, pl.DataFrame]:
    cols = ["id_pemilih", "nik", "nama_kunci", "nama_urut", "nama_rapat", "tanggal_lahir"]
    dup = base.select(cols).filter(pl.col("nik").is_not_null() & (pl.len().over("nik") > 1))
    keeper = dup.sort("id_pemilih").group_by("nik").first().rename(lambda c: c if c == "nik" else f"v_{c}")
    pairs = dup.join(keeper, on="nik").filter(pl.col("id_pemilih") != pl.col("v_id_pemilih"))
    pairs = name_similarity(pairs).with_columns(tgl=date_category(pl.col("tanggal_lahir"), pl.col("v_tanggal_lahir")))
    agree = (pl.col("sim_nama") >= policy.ganda_nik_nama_min) & pl.col("tgl").is_in(
        ["sama", "tukar", "mirip"]
    ).fill_null(False)
    tgl_text = pl.col("tgl").replace_strict(DATE_TEXT, default="tgl lahir kosong", return_dtype=pl.Utf8).fill_null(
        "tgl lahir kosong"
    )
    text = pl.lit("NIK sama; nama ") + fmt_ratio(pl.col("sim_nama")) + pl.lit("; ") + tgl_text
    auto = pairs.filter(agree).select(
        "id_pemilih",
        id_pemilih_tetap=pl.col("v_id_pemilih"),
        metode=pl.lit("NIK"),
        skor=pl.col("sim_nama"),
        alasan=text + pl.format("; yang tetap: id {} (terdaftar lebih dulu)", pl.col("v_id_pemilih")),
    )
    review = pairs.filter(~agree).select(
        id_pemilih_a=pl.col("v_id_pemilih"),
        id_pemilih_b=pl.col("id_pemilih"),
        skor=pl.col("sim_nama"),
        alasan=text + pl.lit("; perlu verifikasi: satu NIK dipakai dua orang berbeda?"),
    )
    return auto, review


# ---------------------------------------------------------------------------------------
# Keys and blocking
# ---------------------------------------------------------------------------------------

# Letters folded before the phonetic key: sounds Indonesian (and Dutch- or English-era)
# spellings write in several ways. The name key already folded the old spelling (OE, DJ, TJ).
_PHONETIC_FOLDS = (("KH", "K"), ("SY", "S"), ("PH", "F"), ("TH", "T"), ("DH", "D"), ("CK", "K"), ("[FV]", "P"),
                   ("Z", "S"), ("[QC]", "K"), ("X", "KS"))


def phonetic_key(keys: pl.Expr) -> pl.Expr:
    """Each word's first letter and its consonants (vowels, H, W, Y dropped, repeats folded),
    words sorted: SUPRIYADI / SUPRIADI / SOEPRIJADI -> SPRD; ratna dewi / dewi ratna alike."""
    def word(w: pl.Expr) -> pl.Expr:
        for pattern, repl in _PHONETIC_FOLDS:
            w = w.str.replace_all(pattern, repl)
        rest = w.str.slice(1).str.replace_all("[AEIOUHWY]", "")
        out = w.str.slice(0, 1) + rest
        for letter in "BCDGJKLMNPRSTX":
            out = out.str.replace_all(f"{letter}{{2,}}", letter)
        return out

    return keys.str.split(" ").list.eval(word(pl.element())).list.sort().list.join(" ")


def _scan_frame(v: pl.DataFrame) -> pl.DataFrame:
    born = pl.col("tanggal_lahir")
    day, month = born.dt.day().cast(pl.Int32), born.dt.month().cast(pl.Int32)
    distinct = v.select("nama_kunci").unique().with_columns(fon=phonetic_key(pl.col("nama_kunci")))
    return (
        v.with_row_index("i")
        .join(distinct, on="nama_kunci", how="left", nulls_equal=True, maintain_order="left")
        .with_columns(
            # The birth date with day and month in either order: a swap lands in the same block.
            tgl_blok=born.dt.year().cast(pl.Int32) * 10000
            + pl.min_horizontal(day, month) * 100 + pl.max_horizontal(day, month),
            awal=pl.col("nama_urut").str.slice(0, 2),
            awal1=pl.col("nama_urut").str.slice(0, 1),
            tahun=born.dt.year().cast(pl.Int32),
            nama_kunci=pl.when(pl.col("nama_kunci") == "").then(None).otherwise(pl.col("nama_kunci")),
            alamat=pl.col("alamat").str.to_uppercase().str.replace_all(r"[^A-Z0-9]+", " ").str.strip_chars(),
        )
        .with_columns(alamat_frek=pl.len().over("alamat").cast(pl.Int32))
    )


def _block(frame: pl.DataFrame, keys: tuple[str, ...], cap: int) -> pl.DataFrame:
    """Every pair (a < b, row positions) that agrees on `keys`, in blocks of at most `cap`.

    The key `kata` is any one word of the name key: a pair sharing a word and the other keys
    is proposed (a given name replaced, a surname kept)."""
    cols = [k for k in keys if k != "kata"]
    if "kata" in keys:
        g = frame.select("i", *cols, kata=pl.col("nama_kunci").str.split(" ").list.unique()).explode("kata")
    else:
        g = frame.select("i", *cols)
    g = g.drop_nulls(list(keys))
    g = g.filter(pl.len().over(list(keys)).is_between(2, cap))
    right = g.rename({"i": "b"})
    return g.join(right, on=list(keys)).filter(pl.col("i") < pl.col("b")).select(a="i", b="b")


def candidate_pairs(s: pl.DataFrame, model: GandaModel) -> pl.DataFrame:
    parts = [_block(s, keys, cap) for keys, cap in model.blok]
    return pl.concat(parts).unique()


def _plausible(s: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """Drop, before any other field is compared, the proposed pairs whose name and birth date
    both disagree (a household's members, a desa's voters born the same year): the guards
    would drop them anyway, and on a list of millions they are most of the pairs."""
    a, b = pairs.get_column("a"), pairs.get_column("b")
    cols = {"a": a, "b": b}
    for c in ("nama_kunci", "nama_urut", "nama_rapat", "tanggal_lahir"):
        cols[c], cols[f"v_{c}"] = s.get_column(c).gather(a), s.get_column(c).gather(b)
    f = pl.DataFrame(cols).with_columns(
        _tgl=date_category(pl.col("tanggal_lahir"), pl.col("v_tanggal_lahir")).is_in(["sama", "tukar", "mirip"])
    )
    near_date = f.filter(pl.col("_tgl").fill_null(False)).select("a", "b")
    rest = name_similarity(f.filter(~pl.col("_tgl").fill_null(False)))
    close = rest.filter((pl.col("sim_nama") >= 0.70) | pl.col("nama_bagian")).select("a", "b")
    return pl.concat([near_date, close])


# ---------------------------------------------------------------------------------------
# Comparison levels
# ---------------------------------------------------------------------------------------

_PAIR_COLUMNS = ("id_pemilih", "nik", "nkk", "nama_kunci", "nama_urut", "nama_rapat", "nama_kata", "nama_frek",
                 "tanggal_lahir", "tgl_frek", "jenis_kelamin", "kode_desa", "kode_kecamatan", "rt", "rw", "alamat",
                 "alamat_frek")


def _pair_frame(s: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    a, b = pairs.get_column("a"), pairs.get_column("b")
    cols = {"_a": a, "_b": b}
    for c in _PAIR_COLUMNS:
        col = s.get_column(c)
        cols[c] = col.gather(a)
        cols[f"v_{c}"] = col.gather(b)
    return pl.DataFrame(cols)


def _code(field: str, expr: pl.Expr) -> pl.Expr:
    """A level name -> its position in LEVELS[field] (null stays null)."""
    return expr.replace_strict(list(LEVELS[field]), list(range(len(LEVELS[field]))), default=None,
                               return_dtype=pl.Int8).alias(f"l_{field}")


def _strip0(c: str) -> pl.Expr:
    return pl.col(c).str.strip_chars_start("0")


def compare(f: pl.DataFrame) -> pl.DataFrame:
    """Add the level of each field (`l_nama` ... `l_alamat`) and the flags the guards read."""
    if "sim_nama" not in f.columns:
        f = name_similarity(f)
    f = _add_shared_word(add_word_check(f))
    sim = pl.col("sim_nama")
    no_name = pl.col("nama_kunci").is_null() | pl.col("v_nama_kunci").is_null()
    nama = (
        pl.when(no_name).then(pl.lit(None, dtype=pl.Utf8))
        # The same words in another order (a given name and a family name swapped) is the same name.
        .when(pl.col("nama_urut") == pl.col("v_nama_urut")).then(pl.lit("sama"))
        .when(sim >= 0.92).then(pl.lit("sangat_mirip"))
        .when(sim >= 0.85).then(pl.lit("mirip"))
        .when(pl.col("nama_bagian")).then(pl.lit("bagian"))
        .when(sim >= 0.70).then(pl.lit("agak_mirip"))
        .when(pl.col("_kata_sama")).then(pl.lit("kata_sama"))
        .otherwise(pl.lit("beda"))
    )
    tgl = date_category(pl.col("tanggal_lahir"), pl.col("v_tanggal_lahir"))
    jk = (
        pl.when(pl.col("jenis_kelamin").is_null() | pl.col("v_jenis_kelamin").is_null()).then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("jenis_kelamin") == pl.col("v_jenis_kelamin")).then(pl.lit("sama"))
        .otherwise(pl.lit("beda"))
    )
    same_kk = (pl.col("nkk") == pl.col("v_nkk")).fill_null(False)
    same_desa = (pl.col("kode_desa") == pl.col("v_kode_desa")).fill_null(False)
    same_rtrw = ((_strip0("rt") == _strip0("v_rt")) & (_strip0("rw") == _strip0("v_rw"))).fill_null(False)
    tempat = (
        pl.when(same_kk).then(pl.lit("kk"))
        .when(pl.col("kode_desa").is_null() | pl.col("v_kode_desa").is_null()).then(pl.lit(None, dtype=pl.Utf8))
        .when(same_desa & same_rtrw).then(pl.lit("rtrw"))
        .when(same_desa).then(pl.lit("desa"))
        .when(pl.col("kode_kecamatan") == pl.col("v_kode_kecamatan")).then(pl.lit("kecamatan"))
        .otherwise(pl.lit("beda"))
    )
    f = f.with_columns(
        _code("nama", nama), _code("tgl", tgl.replace("tahun_beda", "tahun")), _code("jk", jk),
        _code("tempat", tempat),
        kk_sama=same_kk,
        kk_beda=(pl.col("nkk") != pl.col("v_nkk")).fill_null(False),
        desa_sama=same_desa,
        satu_kata=(pl.col("nama_kata") == 1) | (pl.col("v_nama_kata") == 1),
    )
    return _address_level(f)


def _add_shared_word(f: pl.DataFrame) -> pl.DataFrame:
    """`_kata_sama`: the two name keys share a word (APRIL HARRINGTON / APRIL HERBERT), once per
    distinct pair of keys and only where the names are otherwise far apart."""
    todo = (
        f.filter((pl.col("sim_nama") < 0.70) & ~pl.col("nama_bagian"))
        .select("nama_kunci", "v_nama_kunci").drop_nulls().unique()
    )
    todo = todo.with_columns(
        _kata_sama=pl.col("nama_kunci").str.split(" ").list.set_intersection(pl.col("v_nama_kunci").str.split(" "))
        .list.len() > 0
    )
    return f.join(todo, on=["nama_kunci", "v_nama_kunci"], how="left").with_columns(
        pl.col("_kata_sama").fill_null(False)
    )


def _address_level(f: pl.DataFrame) -> pl.DataFrame:
    both = pl.col("alamat").is_not_null() & pl.col("v_alamat").is_not_null() & (pl.col("alamat") != "") & (
        pl.col("v_alamat") != ""
    )
    todo = f.filter(both & (pl.col("alamat") != pl.col("v_alamat"))).select("alamat", "v_alamat").unique()
    sim = pair_similarity(todo.get_column("alamat"), todo.get_column("v_alamat"), fuzz.token_sort_ratio) / 100.0
    todo = todo.with_columns(_sim_alamat=pl.Series(sim, dtype=pl.Float64))
    f = f.join(todo, on=["alamat", "v_alamat"], how="left", nulls_equal=False)
    # The address says nothing more where the household or the RT/RW already agree (it is
    # theirs), nor between two desa unless it is one few voters share: a hamlet's name (DUSUN
    # KRAJAN) recurs in many desa, a street address with its number does not.
    place = pl.col("l_tempat")
    redundant = place.is_in([LEVELS["tempat"].index("kk"), LEVELS["tempat"].index("rtrw")]).fill_null(False)
    common_elsewhere = ~pl.col("desa_sama") & ((pl.col("alamat_frek") > 3) | (pl.col("v_alamat_frek") > 3)).fill_null(True)
    level = (
        pl.when(~both | redundant | common_elsewhere).then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("alamat") == pl.col("v_alamat")).then(pl.lit("sama"))
        .when(pl.col("_sim_alamat") >= 0.85).then(pl.lit("mirip"))
        .when(pl.col("_sim_alamat") >= 0.65).then(pl.lit("agak_mirip"))
        .otherwise(pl.lit("beda"))
    )
    return f.with_columns(_code("alamat", level)).drop("_sim_alamat")


# ---------------------------------------------------------------------------------------
# Weights from the list itself
# ---------------------------------------------------------------------------------------


def _random_pairs(n: int, k: int, seed: int = 20260101) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, k)
    b = rng.integers(0, n, k)
    keep = a != b
    return pl.DataFrame({"a": np.minimum(a, b)[keep], "b": np.maximum(a, b)[keep]}).cast(pl.UInt32)


def _level_matrix(f: pl.DataFrame) -> np.ndarray:
    """Levels as an int8 matrix (rows = pairs, columns = FIELDS), -1 = missing."""
    return np.column_stack([f.get_column(f"l_{c}").fill_null(-1).to_numpy() for c in FIELDS]).astype(np.int8)


def _frequencies(levels: np.ndarray, weights: np.ndarray | None = None) -> dict[str, tuple[np.ndarray, float]]:
    out = {}
    for j, field in enumerate(FIELDS):
        col = levels[:, j]
        w = np.ones(len(col)) if weights is None else weights
        counts = np.bincount(col[col >= 0], weights=w[col >= 0], minlength=len(LEVELS[field]))
        out[field] = (counts.astype(np.float64), float(w[col >= 0].sum()))
    return out


def _blend(counts: np.ndarray, total: float, prior: np.ndarray, weight: float) -> np.ndarray:
    return (counts + weight * prior) / (total + weight)


@dataclass(frozen=True)
class Weights:
    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    log2_prior: float  # log2 odds that two records picked at random are one person
    duplikat: float   # expected number of duplicate pairs on the list (EM)


def _tf_u(freq: np.ndarray, u_level: float, n_voters: int, model: GandaModel) -> np.ndarray:
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


def estimate(cand_levels: np.ndarray, random_levels: np.ndarray, proven_levels: np.ndarray,
             tf: dict[str, np.ndarray], n_voters: int, model: GandaModel) -> Weights:
    """u from random pairs of the list; m from the priors and the pairs a NIK proves; the
    number of duplicates by EM over the proposed pairs.

    m of sex, place and address is learned from the records that share one NIK with an
    agreeing name and birth date (one person for sure), counted as `bobot_m` pseudo-pairs
    against the priors; m of name and birth date stays the prior's (those pairs were chosen
    by their names and dates). A free two-class EM on blocked pairs was tried and rejected:
    on a list with few duplicates it takes a household, or a desa's voters born the same
    year, as its second class. EM here only counts the duplicates: with m and u fixed it
    finds the share of duplicates among all pairs of the list that explains the proposed
    pairs, which sets the prior odds of every pair.
    """
    freq = _frequencies(random_levels)
    u = {f: _blend(*freq[f], model.u[f], model.bobot_u) for f in FIELDS}
    proven = _frequencies(proven_levels)
    m = {f: model.m[f].copy() if f in ("nama", "tgl") else _blend(*proven[f], model.m[f], model.bobot_m)
         for f in FIELDS}
    weights = _pair_weights(cand_levels, m, u, tf)
    all_pairs = max(n_voters * (n_voters - 1) / 2, 1.0)
    prior = model.ganda_per_pemilih * n_voters
    # Expected duplicates: EM's count, trusted as far as there were pairs to learn from.
    trust = len(cand_levels) / (len(cand_levels) + model.bobot_lambda)
    expected, found = prior, 0.0
    for _ in range(_EM_ROUNDS):
        p = min(max(expected, 0.5) / all_pairs, 0.5)
        post = 1.0 / (1.0 + np.exp2(-np.clip(weights + math.log2(p / (1 - p)), -60, 60)))
        found = float(post.sum())
        new = trust * found + (1 - trust) * prior
        done = abs(new - expected) < 0.001 * max(expected, 1.0)
        expected = new
        if done:
            break
    p = min(max(expected, 0.5) / all_pairs, 0.5)
    return Weights(m=m, u=u, log2_prior=math.log2(p / (1 - p)), duplikat=found)


def _weight_expr(w: Weights, n_voters: int, model: GandaModel) -> pl.Expr:
    total = pl.lit(0.0)
    for field in FIELDS:
        table = np.log2(w.m[field] / w.u[field])
        term = pl.col(f"l_{field}").replace_strict(list(range(len(table))), table.tolist(), default=0.0,
                                                   return_dtype=pl.Float64).fill_null(0.0)
        if field in _TF:
            # Term frequency: an exact name, birth date or address weighs by how many voters carry it.
            freq = pl.col(f"v_{_TF[field]}").cast(pl.Float64)
            u_value = (freq.fill_null(1) - 1 + model.bobot_tf * float(w.u[field][0])) / (n_voters - 1 + model.bobot_tf)
            exact = pl.col(f"l_{field}") == 0
            exact_w = (pl.lit(float(w.m[field][0])) / u_value).log(2)
            term = pl.when(exact).then(exact_w).when(term > 0).then(pl.min_horizontal(term, exact_w)).otherwise(term)
        total = total + term
    return total


# ---------------------------------------------------------------------------------------
# The two-NIK scan
# ---------------------------------------------------------------------------------------


def _guards() -> pl.Expr:
    """Pairs that are never one person, whatever the weight says."""
    tgl = pl.col("l_tgl")
    far_dates = tgl.is_in([LEVELS["tgl"].index("tahun"), LEVELS["tgl"].index("beda")]).fill_null(False)
    other_year = (tgl == LEVELS["tgl"].index("beda")).fill_null(False)
    exact_date = (tgl == 0).fill_null(False)
    name = pl.col("l_nama")
    close_name = name.is_in([0, 1, 2]).fill_null(False)
    # Twins: one household, one birth date, names that are other names (SRI / TRI) and not
    # a slip of one name (SRI / SI, SUPRIYADI / SUPRIYDAI).
    twins = pl.col("kk_sama") & exact_date & pl.col("kata_beda") & ~pl.col("ketik_pendek") & (name != 0).fill_null(False)
    # A parent and child (or two siblings) sharing a name in one household: dates far apart.
    parent_child = pl.col("kk_sama") & far_dates
    # Same-name neighbours: one desa, two households, the same name and birth dates that are
    # not the same (a digit off is a typo of one person only where nothing else says who).
    same_or_swapped = tgl.is_in([0, LEVELS["tgl"].index("tukar")]).fill_null(False)
    neighbours = pl.col("desa_sama") & pl.col("kk_beda") & (far_dates | ((name == 0).fill_null(False) & ~same_or_swapped))
    # A clearly different name is one person only with the very same birth date.
    other_name = (name == LEVELS["nama"].index("beda")).fill_null(False) & ~exact_date
    other_date_weak_name = other_year & ~close_name
    return twins | parent_child | neighbours | other_name | other_date_weak_name


def two_nik_pairs(v: pl.DataFrame, model: GandaModel, *, keep_all: bool = False) -> pl.DataFrame:
    """Review pairs (id_pemilih_a < id_pemilih_b, skor = probability, alasan) of one person
    under two NIKs. `keep_all` returns every proposed pair with its levels and weight."""
    s = _scan_frame(v)
    n = s.height
    empty = pl.DataFrame(schema=GANDA_REVIEW_SCHEMA)
    if n < 2:
        return empty
    cand = _plausible(s, candidate_pairs(s, model))
    f = compare(_pair_frame(s, cand))
    # One NIK twice is the same-NIK rule's; pairs the guards rule out take no part in learning.
    f = f.filter((pl.col("nik") != pl.col("v_nik")).fill_null(True)).with_columns(_jaga=_guards())
    if not keep_all:
        f = f.filter(~pl.col("_jaga"))
    rnd = compare(_pair_frame(s, _random_pairs(n, model.pasangan_acak)))
    learn = f.filter(~pl.col("_jaga"))
    tf = {field: learn.get_column(f"v_{col}").cast(pl.Float64).fill_null(1).to_numpy() for field, col in _TF.items()}
    levels = _level_matrix(learn)
    rnd_levels = _level_matrix(rnd)
    u0 = {fd: _blend(*_frequencies(rnd_levels)[fd], model.u[fd], model.bobot_u) for fd in FIELDS}
    tf = {k: _tf_u(x, float(u0[k][0]), n, model) for k, x in tf.items()}
    w = estimate(levels, rnd_levels, _level_matrix(compare(_pair_frame(s, _proven_pairs(s)))), tf, n, model)
    f = f.with_columns(bobot=_weight_expr(w, n, model)).with_columns(
        peluang=1.0 / (1.0 + (-(pl.col("bobot") + w.log2_prior) * math.log(2)).exp()),
    )
    if keep_all:
        return f
    hits = f.filter(~pl.col("_jaga") & (pl.col("peluang") >= model.peluang_min))
    out = [hits.with_columns(_lewat=pl.lit(None, dtype=pl.Int64))]
    implied = _implied_pairs(s, hits)
    if implied.height:
        out.append(implied)
    found = pl.concat(out, how="diagonal_relaxed")
    return found.select(
        id_pemilih_a=pl.min_horizontal("id_pemilih", "v_id_pemilih"),
        id_pemilih_b=pl.max_horizontal("id_pemilih", "v_id_pemilih"),
        skor=pl.col("peluang").round(4),
        alasan=_reason(),
    ).sort("id_pemilih_a", "id_pemilih_b")


def _proven_pairs(s: pl.DataFrame) -> pl.DataFrame:
    """Row positions of records sharing a NIK with the same name key and birth date."""
    g = s.select("i", "nik", "nama_kunci", "tanggal_lahir").drop_nulls()
    g = g.filter(pl.len().over("nik", "nama_kunci", "tanggal_lahir") > 1)
    return (
        g.join(g.rename({"i": "b"}), on=["nik", "nama_kunci", "tanggal_lahir"])
        .filter(pl.col("i") < pl.col("b")).select(a="i", b="b")
    )


def _implied_pairs(s: pl.DataFrame, hits: pl.DataFrame) -> pl.DataFrame:
    """A and B found, A and C found: B and C are proposed too (one step, never a chain), at
    the lower of the two probabilities, when their own fields pass the guards. A person
    registered three times is then shown as every pair of their records."""
    links = hits.select("_a", "_b", "peluang")
    both = pl.concat([links, links.select(_a="_b", _b="_a", peluang="peluang")])
    hop = (
        both.join(both, on="_a")
        .filter(pl.col("_b") < pl.col("_b_right"))
        .group_by(a="_b", b="_b_right")
        .agg(_p=pl.min_horizontal("peluang", "peluang_right").max(), _via=pl.col("_a").first())
        .join(links.select(a="_a", b="_b"), on=["a", "b"], how="anti")
        .join(links.select(a="_b", b="_a"), on=["a", "b"], how="anti")
        .sort("a", "b")
    )
    if hop.height == 0:
        return pl.DataFrame()
    f = compare(_pair_frame(s, hop.select("a", "b")))
    via = hop.select(_a="a", _b="b", peluang="_p", _lewat=s.get_column("id_pemilih").gather(hop.get_column("_via")))
    f = f.with_columns(pl.col("_a", "_b").cast(pl.UInt32)).join(via.with_columns(pl.col("_a", "_b").cast(pl.UInt32)),
                                                                  on=["_a", "_b"])
    return f.filter(~_guards() & (pl.col("nik") != pl.col("v_nik")).fill_null(True))


_LEVEL_TEXT = {
    "nama": {"sama": "nama sama", "sangat_mirip": None, "mirip": None, "agak_mirip": None,
             "bagian": "nama sebagian sama", "kata_sama": "satu kata nama sama", "beda": "nama berbeda"},
    "tgl": {"sama": "tgl lahir sama", "tukar": DATE_TEXT["tukar"], "mirip": DATE_TEXT["mirip"],
            "tahun": "hanya tahun lahir sama", "beda": "tgl lahir berbeda"},
    "jk": {"sama": "jk sama", "beda": "jk berbeda"},
    "tempat": {"kk": "NKK sama", "rtrw": "desa dan RT/RW sama", "desa": "desa sama",
               "kecamatan": "kecamatan sama, desa berbeda", "beda": "desa berbeda"},
    "alamat": {"sama": "alamat sama", "mirip": "alamat mirip", "agak_mirip": None, "beda": None},
}


def _reason() -> pl.Expr:
    parts = []
    for field in FIELDS:
        texts = [_LEVEL_TEXT[field][lv] for lv in LEVELS[field]]
        expr = pl.col(f"l_{field}").replace_strict(list(range(len(texts))), texts, default=None, return_dtype=pl.Utf8)
        if field == "nama":
            expr = pl.when(pl.col("l_nama").is_in([1, 2, 3])).then(pl.lit("nama ") + fmt_ratio(pl.col("sim_nama"))).otherwise(expr)
        parts.append(expr)
    parts.append(pl.when(pl.col("l_nama") == 0).then(pl.format("nama dipakai {} pemilih", pl.col("v_nama_frek"))))
    parts.append(pl.lit("NIK berbeda"))
    parts.append(pl.lit("peluang orang yang sama ") + fmt_ratio(pl.col("peluang")))
    parts.append(pl.when(pl.col("_lewat").is_not_null()).then(
        pl.format("keduanya mirip dengan pemilih id {}", pl.col("_lewat"))))
    return pl.concat_list(parts).list.drop_nulls().list.join("; ") + pl.lit(
        "; perlu verifikasi: orang yang sama dengan dua NIK?"
    )
