"""Candidates for each input record on the voter list (NIK and fuzzy linkage), and duplicates.

The matching contract (SPEC §5.2): a NIK is a key only when the record's NIK is trustworthy
(`nik_andal`) and the voter it points at has an agreeing name and birth date; everything else
is linked by name, birth date, sex, NKK, desa and RT/RW. The policy (weights, thresholds) is
data: `schemas/policy.toml`.

How a quarter's records are linked (`link_records`):
1. blocks propose (record, voter) pairs: the same NIK; the first 14 NIK digits (a NIK Excel
   rounded); the same NKK; every distinct name of each desa the record names (rapidfuzz
   cdist); kabupaten-wide the same name key with a fitting birth year, and the same birth
   date (or day/month swapped) -- so a move between desa or a wrong desa is still seen;
2. each pair gets evidence: name similarity of normalized keys (`transforms/names.py`),
   birth date (equal, swapped, one digit off, year only, placeholder day), age at the event
   from `umur`, sex, desa/kecamatan, NKK, RT/RW, NIK; summed as weights, common names weigh
   less and one-word names less again;
3. per record: AUTO only for one clear winner on strong evidence (a NIK link, or name +
   exact birth date in the reported place, or a name one typing slip away with the exact
   birth date in the reported household, or age + RT/RW/KK for a rare full name, or a name,
   sex and age too rare for the reported RT/RW or desa to hold by coincidence -- with no
   namesake near that age in the desa, on the list or removed from it), leading the runner-up by a
   margin, with no other candidate as firmly identified (household before desa before
   elsewhere), no NIK conflict and no twin with a close name; otherwise REVIEW with the
   plausible candidates, or NONE.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from transforms.names import name_key

POLICY_TOML = Path(__file__).resolve().parent.parent / "schemas" / "policy.toml"
PURPOSES: tuple[str, ...] = ("hapus", "ubah", "baru")

AUTO, REVIEW, NONE = "AUTO", "REVIEW", "NONE"
M_NIK, M_NIK_NAMA, M_NIK_KONFLIK, M_FUZZY, M_NONE = "NIK", "NIK+NAMA", "NIK_KONFLIK", "FUZZY", "NONE"

# Columns `prepare_voters` adds; their presence marks an already-prepared frame.
PREPARED_COLUMNS: tuple[str, ...] = (
    "nama_kunci",
    "nama_urut",
    "nama_rapat",
    "nama_kata",
    "nama_frek",
    "kode_kecamatan",
    "nik14",
    "tahun_lahir",
    "nama_frek_tahun",
    "tgl_frek",
    "tgl_umum",
)
# How many times more frequent than an ordinary day a day of the year must be on the list to
# count as a placeholder for an unknown birth date.
_COMMON_DAY_FACTOR = 3
_COMMON_DAY_MIN = 50  # a small list has too few voters per day to tell

_VOTER_TYPES: dict[str, pl.DataType] = {
    "id_pemilih": pl.Int64,
    "nik": pl.Utf8,
    "nkk": pl.Utf8,
    "nama": pl.Utf8,
    "tanggal_lahir": pl.Date,
    "jenis_kelamin": pl.Utf8,
    "kode_desa": pl.Utf8,
    "rt": pl.Utf8,
    "rw": pl.Utf8,
}
_RECORD_TYPES: dict[str, pl.DataType] = {
    "sumber_file": pl.Utf8,
    "sumber_baris": pl.Int64,
    "nik": pl.Utf8,
    "nik_andal": pl.Boolean,
    "nkk": pl.Utf8,
    "nkk_andal": pl.Boolean,
    "nama": pl.Utf8,
    "tanggal_lahir": pl.Date,
    "umur": pl.Int32,
    "jenis_kelamin": pl.Utf8,
    "kode_desa": pl.Utf8,
    "kode_desa_kandidat": pl.List(pl.Utf8),
    "rt": pl.Utf8,
    "rw": pl.Utf8,
    "tanggal_meninggal": pl.Date,
    "tanggal_pindah": pl.Date,
    "tanggal_datang": pl.Date,
}

LINK_SCHEMA: dict[str, pl.DataType] = {
    "sumber_file": pl.Utf8,
    "sumber_baris": pl.Int64,
    "id_pemilih": pl.Int64,
    "metode": pl.Utf8,
    "skor": pl.Float64,
    "putusan": pl.Utf8,
    "peringkat": pl.Int32,
    "alasan": pl.Utf8,
}
# ---------------------------------------------------------------------------------------
# Policy
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurposeRule:
    """Thresholds of one purpose (hapus / ubah / baru) on the evidence weight."""

    auto_min: float
    review_min: float
    review_nama_min: float
    selisih: float
    desa_wajib: bool


@dataclass(frozen=True)
class MatchPolicy:
    """Matching thresholds and evidence weights, loaded from `schemas/policy.toml`."""

    kandidat_nama_min: float
    kandidat_per_blok: int
    kandidat_nama_sama_maks: int
    maks_review: int
    skor_tengah: float
    skor_skala: float
    bobot: Mapping[str, float]
    nik_nama_min: float
    nik_ketik_nama_min: float
    auto_nama_min: float
    ketik_nama_min: float
    umur_frek_maks: int
    umur_rtrw_frek_maks: int
    luar_desa_frek_maks: int
    umur_risiko_maks: float
    umur_pesaing_selisih: int
    kuat_nama_min: float
    kembar_nama_min: float
    putusan: Mapping[str, PurposeRule]
    ganda_nik_nama_min: float
    ganda_nama_min: float
    ganda_luar_desa_frek_maks: int

    def rule(self, purpose: str) -> PurposeRule:
        if purpose not in self.putusan:
            raise ValueError(f"unknown matching purpose {purpose!r}; expected one of {PURPOSES}")
        return self.putusan[purpose]


def load_policy(path: Path | None = None) -> MatchPolicy:
    """Read the matching policy (default `schemas/policy.toml`)."""
    with (path or POLICY_TOML).open("rb") as fh:
        doc = tomllib.load(fh)
    kandidat, syarat, ganda = doc["kandidat"], doc["syarat"], doc["ganda"]
    putusan = {
        name: PurposeRule(
            auto_min=float(r["auto_min"]),
            review_min=float(r["review_min"]),
            review_nama_min=float(r["review_nama_min"]),
            selisih=float(r["selisih"]),
            desa_wajib=bool(r.get("desa_wajib", False)),
        )
        for name, r in doc["putusan"].items()
    }
    missing = [p for p in PURPOSES if p not in putusan]
    if missing:
        raise ValueError(f"policy {path or POLICY_TOML} has no [putusan.{missing[0]}]")
    return MatchPolicy(
        kandidat_nama_min=float(kandidat["nama_min"]),
        kandidat_per_blok=int(kandidat["per_blok"]),
        kandidat_nama_sama_maks=int(kandidat["nama_sama_maks"]),
        maks_review=int(kandidat["maks_review"]),
        skor_tengah=float(doc["skor"]["skor_tengah"]),
        skor_skala=float(doc["skor"]["skor_skala"]),
        bobot=MappingProxyType({k: float(v) for k, v in doc["bobot"].items()}),
        nik_nama_min=float(syarat["nik_nama_min"]),
        nik_ketik_nama_min=float(syarat["nik_ketik_nama_min"]),
        auto_nama_min=float(syarat["auto_nama_min"]),
        ketik_nama_min=float(syarat["ketik_nama_min"]),
        umur_frek_maks=int(syarat["umur_frek_maks"]),
        umur_rtrw_frek_maks=int(syarat["umur_rtrw_frek_maks"]),
        luar_desa_frek_maks=int(syarat["luar_desa_frek_maks"]),
        umur_risiko_maks=float(syarat["umur_risiko_maks"]),
        umur_pesaing_selisih=int(syarat["umur_pesaing_selisih"]),
        kuat_nama_min=float(syarat["kuat_nama_min"]),
        kembar_nama_min=float(syarat["kembar_nama_min"]),
        putusan=MappingProxyType(putusan),
        ganda_nik_nama_min=float(ganda["nik_nama_min"]),
        ganda_nama_min=float(ganda["nama_min"]),
        ganda_luar_desa_frek_maks=int(ganda["luar_desa_frek_maks"]),
    )


# ---------------------------------------------------------------------------------------
# Preparing frames
# ---------------------------------------------------------------------------------------


def _ensure_columns(frame: pl.DataFrame, types: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Add missing columns as nulls and cast present ones, so hand-built frames work too."""
    exprs = []
    for name, dtype in types.items():
        if name in frame.columns:
            if frame.schema[name] != dtype:
                exprs.append(pl.col(name).cast(dtype))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def _key_columns(keys: pl.Series) -> list[pl.Series]:
    """Name key plus its word-sorted and space-free forms and word count (once per key)."""
    distinct = pl.DataFrame({"nama_kunci": keys.unique()}).with_columns(
        nama_urut=pl.col("nama_kunci").str.split(" ").list.sort().list.join(" "),
        nama_rapat=pl.col("nama_kunci").str.replace_all(" ", ""),
        nama_kata=pl.col("nama_kunci").str.count_matches(" ").cast(pl.Int32) + 1,
    )
    frame = pl.DataFrame({"nama_kunci": keys}).join(
        distinct, on="nama_kunci", how="left", nulls_equal=True, maintain_order="left"
    )
    return frame.get_columns()


def prepare_voters(voters: pl.DataFrame) -> pl.DataFrame:
    """The voter list with comparison columns added once (name keys, name frequency ...).

    A frame that already went through this function is returned unchanged.
    """
    if all(c in voters.columns for c in PREPARED_COLUMNS):
        return voters
    v = _ensure_columns(voters, _VOTER_TYPES)
    v = v.with_columns(_key_columns(name_key(v.get_column("nama").fill_null(""))))
    v = v.with_columns(
        nama_frek=pl.len().over("nama_kunci").cast(pl.Int32),
        kode_kecamatan=pl.col("kode_desa").str.slice(0, 8),
        nik14=pl.when(pl.col("nik").str.len_chars() == 16).then(pl.col("nik").str.slice(0, 14)),
        tahun_lahir=pl.col("tanggal_lahir").dt.year().cast(pl.Int32),
        tgl_frek=pl.len().over("tanggal_lahir").cast(pl.Int32),
        # A day of the year far more frequent than 1/366 of the list stands in for unknown dates.
        tgl_umum=(
            pl.len().over(pl.col("tanggal_lahir").dt.month(), pl.col("tanggal_lahir").dt.day())
            > pl.max_horizontal(_COMMON_DAY_FACTOR * pl.len() / 366, pl.lit(_COMMON_DAY_MIN))
        ).fill_null(False),
    )
    return v.with_columns(nama_frek_tahun=pl.len().over("nama_kunci", "tahun_lahir").cast(pl.Int32))


def age_at(birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Whole years between two dates (age on `on` of someone born on `birth`)."""
    def month_day(d: pl.Expr) -> pl.Expr:
        return d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)

    before_birthday = month_day(on) < month_day(birth)
    return on.dt.year().cast(pl.Int32) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)


def _prepare_records(records: pl.DataFrame, tanggal_acuan: date | None) -> pl.DataFrame:
    r = _ensure_columns(records, _RECORD_TYPES).with_row_index("_rid")
    r = r.with_columns(_key_columns(name_key(r.get_column("nama").fill_null(""))))
    event = pl.coalesce(
        pl.col("tanggal_meninggal"),
        pl.col("tanggal_pindah"),
        pl.col("tanggal_datang"),
        pl.lit(tanggal_acuan, dtype=pl.Date),
    )
    desa = (
        pl.when(pl.col("kode_desa").is_not_null())
        .then(pl.concat_list(pl.col("kode_desa")))
        .otherwise(pl.col("kode_desa_kandidat").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))))
    )
    r = r.with_columns(_peristiwa=event, _desa=desa)
    # Birth-year range: the date itself, or from the age at the event (born between
    # event-(umur+1) years and event-umur years).
    by_age_max = pl.col("_peristiwa").dt.year() - pl.col("umur")
    return r.with_columns(
        _tahun_min=pl.coalesce(pl.col("tanggal_lahir").dt.year(), by_age_max - 1).cast(pl.Int32),
        _tahun_maks=pl.coalesce(pl.col("tanggal_lahir").dt.year(), by_age_max).cast(pl.Int32),
        _nik14=pl.when(pl.col("nik").str.len_chars() == 16).then(pl.col("nik").str.slice(0, 14)),
        # An NKK Excel rounded ends in 0 and then names another household: not evidence.
        nkk=pl.when(pl.col("nkk_andal").fill_null(True)).then(pl.col("nkk")),
        _kecamatan=pl.col("_desa").list.eval(pl.element().str.slice(0, 8)),
        nik_andal=pl.col("nik_andal").fill_null(False),
    )


# ---------------------------------------------------------------------------------------
# Candidate generation (blocking)
# ---------------------------------------------------------------------------------------

_PAIR_SCHEMA = {"_rid": pl.UInt32, "id_pemilih": pl.Int64}


def _pairs_by_equal(r: pl.DataFrame, v: pl.DataFrame, left: str, right: str) -> pl.DataFrame:
    a = r.select("_rid", pl.col(left).alias("_k")).filter(pl.col("_k").is_not_null())
    b = v.select("id_pemilih", pl.col(right).alias("_k")).filter(pl.col("_k").is_not_null())
    return a.join(b, on="_k", how="inner").select("_rid", "id_pemilih")


def _pairs_in_desa(r: pl.DataFrame, v: pl.DataFrame, policy: MatchPolicy) -> pl.DataFrame:
    """Fuzzy name candidates inside each desa the record names: every distinct name of the
    desa is compared (rapidfuzz cdist on word-sorted keys), the best few names above the
    cut-off kept with all their voters (namesakes must stay visible)."""
    queries = (
        r.select("_rid", "nama_urut", pl.col("_desa").alias("kode_desa"))
        .explode("kode_desa")
        .filter(pl.col("kode_desa").is_not_null())
    )
    if queries.height == 0:
        return pl.DataFrame(schema=_PAIR_SCHEMA)
    distinct = queries.select("kode_desa", "nama_urut").unique().with_row_index("_q")
    voter_names = (
        v.select("kode_desa", "nama_urut")
        .filter(pl.col("kode_desa").is_in(distinct.get_column("kode_desa").unique().implode()))
        .unique()
        .with_row_index("_n")
    )
    names_by_desa = voter_names.partition_by("kode_desa", as_dict=True, include_key=False)
    cutoff = policy.kandidat_nama_min * 100
    found: list[pl.DataFrame] = []
    for (desa,), qd in distinct.partition_by("kode_desa", as_dict=True, include_key=False).items():
        vd = names_by_desa.get((desa,))
        if vd is None:
            continue
        scores = process.cdist(
            qd.get_column("nama_urut").to_list(),
            vd.get_column("nama_urut").to_list(),
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            dtype=np.float32,
            workers=-1,
        )
        rows, cols = np.nonzero(scores)
        if rows.size == 0:
            continue
        found.append(
            pl.DataFrame(
                {
                    "_q": qd.get_column("_q").to_numpy()[rows],
                    "_n": vd.get_column("_n").to_numpy()[cols],
                    "_s": scores[rows, cols],
                }
            )
        )
    if not found:
        return pl.DataFrame(schema=_PAIR_SCHEMA)
    hits = pl.concat(found).filter(
        pl.col("_s").rank("ordinal", descending=True).over("_q") <= policy.kandidat_per_blok
    )
    hit_voters = (
        hits.join(voter_names, on="_n")
        .join(v.select("kode_desa", "nama_urut", "id_pemilih"), on=["kode_desa", "nama_urut"])
        .select("_q", "id_pemilih")
    )
    return (
        queries.join(distinct, on=["kode_desa", "nama_urut"])
        .join(hit_voters, on="_q")
        .select("_rid", pl.col("id_pemilih").cast(pl.Int64))
    )


def _pairs_by_name_and_year(r: pl.DataFrame, v: pl.DataFrame, policy: MatchPolicy) -> pl.DataFrame:
    """Kabupaten-wide: the same name key and a fitting birth year (a move between desa, a
    report that names the wrong desa). Only for keys that few voters of that year carry: a
    common name says nothing outside the desa (the desa block and the birth-date block still
    see those). Without any birth information, only for rare keys and records without desa."""
    cap = policy.kandidat_per_blok
    with_year = (
        r.filter(pl.col("_tahun_min").is_not_null())
        .select("_rid", "nama_kunci", tahun_lahir=pl.int_ranges("_tahun_min", pl.col("_tahun_maks") + 1))
        .explode("tahun_lahir")
        .with_columns(pl.col("tahun_lahir").cast(pl.Int32))
    )
    vy = v.filter(pl.col("nama_frek_tahun") <= cap).select("id_pemilih", "nama_kunci", "tahun_lahir")
    a = with_year.join(vy, on=["nama_kunci", "tahun_lahir"]).select("_rid", "id_pemilih")
    rare = v.filter(pl.col("nama_frek") <= policy.kandidat_nama_sama_maks).select("id_pemilih", "nama_kunci")
    b = (
        r.filter(pl.col("_tahun_min").is_null() & (pl.col("_desa").list.len() == 0))
        .select("_rid", "nama_kunci")
        .join(rare, on="nama_kunci")
        .select("_rid", "id_pemilih")
    )
    return pl.concat([a, b])


def _pairs_by_birth_date(r: pl.DataFrame, v: pl.DataFrame) -> pl.DataFrame:
    """Kabupaten-wide: the same birth date, or day and month swapped (names compared later).

    Narrowed to voters whose name key starts with the same letter (see below).
    """
    swapped = pl.date(
        pl.col("tanggal_lahir").dt.year(), pl.col("tanggal_lahir").dt.day(), pl.col("tanggal_lahir").dt.month()
    )
    rd = r.filter(pl.col("tanggal_lahir").is_not_null())
    keys = pl.concat(
        [
            rd.select("_rid", "nama_rapat", "jenis_kelamin", _k=pl.col("tanggal_lahir")),
            rd.filter(pl.col("tanggal_lahir").dt.day() <= 12).select("_rid", "nama_rapat", "jenis_kelamin", _k=swapped),
        ]
    ).with_columns(_h=pl.col("nama_rapat").str.slice(0, 1))
    vk = v.select(
        "id_pemilih", "jenis_kelamin", _k=pl.col("tanggal_lahir"), _h=pl.col("nama_rapat").str.slice(0, 1),
    )
    found = []
    # A record that gives its sex is compared only with voters of that sex (a different sex
    # could never be linked automatically, and inside the desa the name block still sees it).
    # Every date is narrowed to voters whose name key starts with the same letter: keys already
    # fold old spelling and the MUHAMMAD forms, a slip in the first letter is still seen by the
    # desa block, and on a list of millions a date alone pairs each record with ~100 voters.
    for sexed in (True, False):
        part = keys.filter(pl.col("jenis_kelamin").is_not_null() == sexed)
        on = ["_k", "jenis_kelamin"] if sexed else ["_k"]
        found.append(part.join(vk, on=[*on, "_h"]).select("_rid", "id_pemilih"))
    return pl.concat(found)


def _candidate_pairs(r: pl.DataFrame, v: pl.DataFrame, policy: MatchPolicy) -> pl.DataFrame:
    parts = [
        _pairs_by_equal(r, v, "nik", "nik"),
        _pairs_by_equal(r.filter(~pl.col("nik_andal")), v, "_nik14", "nik14"),
        _pairs_by_equal(r, v, "nkk", "nkk"),
        _pairs_in_desa(r, v, policy),
        _pairs_by_name_and_year(r, v, policy),
        _pairs_by_birth_date(r, v),
    ]
    return pl.concat([p.cast(_PAIR_SCHEMA) for p in parts]).unique()


# ---------------------------------------------------------------------------------------
# Evidence per pair
# ---------------------------------------------------------------------------------------


def _pair_similarity(a: pl.Series, b: pl.Series, scorer, score_cutoff: float | None = None) -> np.ndarray:
    return process.cpdist(
        a.fill_null("").to_list(), b.fill_null("").to_list(), scorer=scorer, score_cutoff=score_cutoff,
        workers=-1, dtype=np.float32,
    )


def _name_similarity(frame: pl.DataFrame, left: str = "", right: str = "v_") -> pl.DataFrame:
    """Name similarity 0..1 (best of word-sorted and space-free keys) and the subset flag.

    `nama_bagian`: all words of one key are words of the other (SUPARMAN / MUHAMMAD SUPARMAN)
    while the whole names are not close; computed only where the plain similarity is low.
    The sorted and space-free forms are functions of the key, so each distinct pair of keys is
    scored once: on a large list common names make millions of pairs but few distinct ones.
    """
    ka, kb = f"{left}nama_kunci", f"{right}nama_kunci"
    distinct = frame.select(
        pl.col(ka).alias("_ka"), pl.col(kb).alias("_kb"),
        pl.col(f"{left}nama_urut").alias("_ua"), pl.col(f"{right}nama_urut").alias("_ub"),
        pl.col(f"{left}nama_rapat").alias("_ra"), pl.col(f"{right}nama_rapat").alias("_rb"),
    ).unique(subset=["_ka", "_kb"], maintain_order=True)
    sorted_sim = _pair_similarity(distinct["_ua"], distinct["_ub"], fuzz.ratio)
    compact_sim = _pair_similarity(distinct["_ra"], distinct["_rb"], fuzz.ratio)
    sim = np.maximum(sorted_sim, compact_sim) / 100.0
    subset = np.zeros(sim.shape[0], dtype=bool)
    low = np.flatnonzero(sim < 0.85)
    if low.size:
        idx = pl.Series(low)
        set_sim = _pair_similarity(
            distinct["_ka"].gather(idx), distinct["_kb"].gather(idx), fuzz.token_set_ratio, score_cutoff=99.99,
        )
        subset[low] = set_sim >= 99.99
    scores = distinct.select("_ka", "_kb").with_columns(
        sim_nama=pl.Series(sim, dtype=pl.Float64).round(4),
        nama_bagian=pl.Series(subset, dtype=pl.Boolean),
    )
    return (
        frame.with_columns(pl.col(ka).alias("_ka"), pl.col(kb).alias("_kb"))
        .join(scores, on=["_ka", "_kb"], how="left", nulls_equal=True, maintain_order="left")
        .drop("_ka", "_kb")
    )


_DOUBLE = re.compile(r"([A-Z])\1+")


def _one_slip(a: str, b: str) -> bool:
    """Whether two different words are one typing slip apart: one letter added, dropped or
    replaced, or two neighbours swapped (SUPRIYADI / SUPRIYDAI). Keys fold double letters, so
    a dropped letter that leaves a double (SANTOSO -> SANTOO, key SANTO) is a slip too."""
    if OSA.distance(a, b) <= 1:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(long_) - len(short) != 2:
        return False
    return any(_DOUBLE.sub(r"\1", long_[:i] + long_[i + 1:]) == short for i in range(len(long_)))


SAME_WORDS, LONG_SLIP, SHORT_SLIP, OTHER_WORDS = 0, 1, 2, 3


def _word_difference(a: str, b: str) -> int:
    """How two close name keys differ, word by word.

    Words are paired (equal words first, then by similarity). LONG_SLIP: every differing pair
    is one typing slip apart (`_one_slip`) in words of at least 5 letters -- a typo.
    SHORT_SLIP: exactly one pair differs, in a shorter word, and `a`'s word is `b`'s with a
    letter dropped or two neighbours swapped (AGUS/GUS, DWI/WI, SITI/STII): a typo, or just
    possibly a twin's name, which only the household can tell. OTHER_WORDS: anything else
    (a different word count, two short words differing, a letter replaced or added in a
    short word -- SRI/TRI, EKO/EKA, AGUS/BAGUS are other names, twins are often named so).
    """
    if a.replace(" ", "") == b.replace(" ", ""):
        return SAME_WORDS
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb):
        return OTHER_WORDS
    rest_b = list(wb)
    rest_a = []
    for w in wa:
        if w in rest_b:
            rest_b.remove(w)
        else:
            rest_a.append(w)
    short = []
    for w in rest_a:
        best = max(rest_b, key=lambda x: fuzz.ratio(w, x))
        rest_b.remove(best)
        if not _one_slip(w, best):
            return OTHER_WORDS
        if min(len(w), len(best)) < 5:
            short.append((w, best))
    if not short:
        return LONG_SLIP
    if len(rest_a) == 1 and _dropped_or_swapped(*short[0]):
        return SHORT_SLIP
    return OTHER_WORDS


def _dropped_or_swapped(typed: str, word: str) -> bool:
    """`typed` is `word` with one letter dropped (DWI -> WI) or two neighbours swapped
    (SITI -> STII). A letter replaced (SRI -> TRI) or added (AGUS -> BAGUS) makes another
    name too often to be read as a slip."""
    if len(typed) == len(word) - 1:
        return any(word[:i] + word[i + 1:] == typed for i in range(len(word)))
    if len(typed) == len(word):
        diff = [i for i in range(len(word)) if typed[i] != word[i]]
        if len(diff) != 2 or diff[1] != diff[0] + 1:
            return False
        i, j = diff
        return typed[i] == word[j] and typed[j] == word[i]
    return False


# Names less similar than this are never checked word by word (they count as different).
_WORD_CHECK_MIN = 0.80


def _add_word_check(frame: pl.DataFrame, left: str = "", right: str = "v_") -> pl.DataFrame:
    """`kata_beda` for pairs whose names are close but not equal (once per distinct pair):
    the names differ by more than a slip in a long word; `ketik_pendek` when that difference
    is exactly one slip in one short word."""
    a, b = f"{left}nama_kunci", f"{right}nama_kunci"
    todo = (
        frame.filter((pl.col("sim_nama") >= _WORD_CHECK_MIN) & (pl.col(a) != pl.col(b)))
        .select(a, b)
        .unique()
    )
    kinds = [_word_difference(x or "", y or "") for x, y in todo.iter_rows()]
    todo = todo.with_columns(_beda=pl.Series(kinds, dtype=pl.Int8))
    return frame.join(todo, on=[a, b], how="left").with_columns(
        kata_beda=pl.col("_beda").is_in([SHORT_SLIP, OTHER_WORDS]).fill_null(pl.col("sim_nama") < _WORD_CHECK_MIN),
        ketik_pendek=(pl.col("_beda") == SHORT_SLIP).fill_null(False),
    ).drop("_beda")


def _date_category(rd: pl.Expr, vd: pl.Expr, common: pl.Expr | None = None) -> pl.Expr:
    """sama / sama_umum / tukar / mirip / tahun / tahun_beda / beda; null when a date is missing.

    `common` marks pairs where either date falls on a day-of-year that stands in for an
    unknown date (01-07, 31-12 ...): equal such dates say less ("sama_umum"), and the same
    year with another date is only "tahun" there, while between two real dates it means a
    different birth date ("tahun_beda"). Without `common` no such distinction is made.
    """
    def digits(d: pl.Expr) -> list[pl.Expr]:
        day, month, year = (d.dt.day().cast(pl.Int32), d.dt.month().cast(pl.Int32), d.dt.year().cast(pl.Int32))
        return [
            day // 10, day % 10, month // 10, month % 10, year // 1000, year // 100 % 10, year // 10 % 10, year % 10
        ]

    differing = pl.sum_horizontal([(a != b).cast(pl.Int32) for a, b in zip(digits(rd), digits(vd))])
    swapped = (rd.dt.day() == vd.dt.month()) & (rd.dt.month() == vd.dt.day()) & (rd.dt.year() == vd.dt.year())
    common = pl.lit(None, dtype=pl.Boolean) if common is None else common.fill_null(False)
    return (
        pl.when(rd.is_null() | vd.is_null())
        .then(pl.lit(None, dtype=pl.Utf8))
        .when((rd == vd) & common)
        .then(pl.lit("sama_umum"))
        .when(rd == vd)
        .then(pl.lit("sama"))
        .when(swapped)
        .then(pl.lit("tukar"))
        .when(differing == 1)
        .then(pl.lit("mirip"))
        .when((rd.dt.year() == vd.dt.year()) & (common == False))  # noqa: E712 - null means "not known"
        .then(pl.lit("tahun_beda"))
        .when(rd.dt.year() == vd.dt.year())
        .then(pl.lit("tahun"))
        .otherwise(pl.lit("beda"))
    )


def _strip0(c: str) -> pl.Expr:
    return pl.col(c).str.strip_chars_start("0")


def _gone(removed: pl.DataFrame) -> pl.DataFrame:
    """Voters removed from the list as people of their own: not the duplicates (TMS 2), who
    are the same person as a voter still on it."""
    return removed.filter(pl.col("kode_tms").fill_null(0) != 2) if "kode_tms" in removed.columns else removed


def _age_namesakes(r: pl.DataFrame, v: pl.DataFrame, policy: MatchPolicy, removed: pl.DataFrame | None) -> pl.DataFrame:
    """For records that give an age but no birth date, how well name + age + sex single out a
    voter of the reported desa (or RT/RW):

    - `_desa_umur_dekat`: voters of the reported desa carrying the record's exact name key
      whose age is less than `umur_pesaing_selisih` years from the reported one (the
      candidate itself included);
    - `_tms_umur_dekat`: the same among voters already removed from the list (not as
      duplicates): a late report of a death already applied must not land on a living
      namesake;
    - `_risiko_umur`: the expected number of voters with that name key, sex and exact age in
      a unit the size of the reported RT/RW (when the record gives one) or desa -- voters of
      the kabupaten with that name, sex and age, times the unit's share of the list. It is
      the chance that a report about someone who is not on the list finds a namesake of the
      same age there by coincidence.
    """
    schema = {"_rid": pl.UInt32, "_desa_umur_dekat": pl.UInt32, "_tms_umur_dekat": pl.UInt32,
              "_risiko_umur": pl.Float64}
    ra = r.filter(pl.col("tanggal_lahir").is_null() & pl.col("umur").is_not_null() & pl.col("nama_kunci").is_not_null())
    if ra.height == 0 or v.height == 0:
        return pl.DataFrame(schema=schema)
    keys = ra.select("_rid", "nama_kunci", "umur", "_peristiwa", "_desa", r_jk="jenis_kelamin")
    gap = (age_at(pl.col("tanggal_lahir"), pl.col("_peristiwa")) - pl.col("umur")).abs()
    near_in_desa = (pl.col("_gap") < policy.umur_pesaing_selisih) & pl.col("_desa").list.contains(pl.col("kode_desa"))

    j = keys.join(v.select("nama_kunci", "tanggal_lahir", "kode_desa", "jenis_kelamin"), on="nama_kunci")
    same_sex = pl.col("r_jk").is_null() | (pl.col("r_jk") == pl.col("jenis_kelamin"))
    out = (
        j.with_columns(_gap=gap)
        .group_by("_rid")
        .agg(_desa_umur_dekat=near_in_desa.sum(), _kab_umur_sama=((pl.col("_gap") == 0) & same_sex).sum())
    )
    if removed is not None and removed.height:
        tms = (
            keys.join(_gone(removed).select("nama_kunci", "tanggal_lahir", "kode_desa"), on="nama_kunci")
            .with_columns(_gap=gap)
            .group_by("_rid")
            .agg(_tms_umur_dekat=near_in_desa.sum())
        )
        out = out.join(tms, on="_rid", how="left")

    # The unit: the record's RT/RW inside its desa when it gives one, else the desa.
    unit = ra.select(
        "_rid", kode_desa=pl.col("kode_desa"),
        _rt=pl.when(pl.col("rt").is_not_null() & pl.col("rw").is_not_null()).then(_strip0("rt")),
        _rw=pl.when(pl.col("rt").is_not_null() & pl.col("rw").is_not_null()).then(_strip0("rw")),
    ).filter(pl.col("kode_desa").is_not_null())
    vin = v.select("kode_desa", _rt=_strip0("rt"), _rw=_strip0("rw")).join(
        unit.select("kode_desa").unique(), on="kode_desa", how="semi"
    )
    per_desa = vin.group_by("kode_desa").len("_n_desa")
    per_rtrw = vin.group_by("kode_desa", "_rt", "_rw").len("_n_rtrw")
    unit = (
        unit.join(per_desa, on="kode_desa", how="left")
        .join(per_rtrw, on=["kode_desa", "_rt", "_rw"], how="left")
        .select("_rid", _n_unit=pl.when(pl.col("_rt").is_not_null()).then("_n_rtrw").otherwise("_n_desa"))
    )
    out = out.join(unit, on="_rid", how="left").with_columns(
        _risiko_umur=pl.col("_kab_umur_sama").clip(1, None) * pl.col("_n_unit").fill_null(0) / v.height,
    )
    if "_tms_umur_dekat" not in out.columns:
        out = out.with_columns(_tms_umur_dekat=pl.lit(0))
    return out.with_columns(pl.col("_tms_umur_dekat").fill_null(0)).select(list(schema)).cast(schema)


def _household_twins(f: pl.DataFrame, v: pl.DataFrame, removed: pl.DataFrame | None) -> pl.DataFrame:
    """`_kembar_kk`, for pairs whose names differ by a slip in a short word (`ketik_pendek`,
    the only rule that reads it; null elsewhere): how many other people of the candidate's
    household (KK) were born the same day -- on the list, or removed from it (not as
    duplicates of the candidate)."""
    keys = ["nkk", "tanggal_lahir"]
    cand = (
        f.filter(pl.col("ketik_pendek"))
        .select(nkk=pl.col("v_nkk"), tanggal_lahir=pl.col("v_tanggal_lahir"))
        .drop_nulls()
        .unique()
    )
    if cand.height == 0:
        return f.with_columns(_kembar_kk=pl.lit(None, dtype=pl.UInt32))
    frames = [v.select(keys).join(cand, on=keys, how="semi")]
    if removed is not None and removed.height:
        frames.append(_gone(removed).select(keys).join(cand, on=keys, how="semi"))
    counts = pl.concat(frames).group_by(keys).len("_n").rename({"nkk": "v_nkk", "tanggal_lahir": "v_tanggal_lahir"})
    return f.join(counts, on=["v_nkk", "v_tanggal_lahir"], how="left").with_columns(
        _kembar_kk=pl.when(pl.col("ketik_pendek")).then((pl.col("_n").fill_null(1) - 1).clip(0, None))
    ).drop("_n")


def _twin_similarity(f: pl.DataFrame, v: pl.DataFrame) -> pl.DataFrame:
    """`kembar_sim`: for a candidate with a twin on the list (another voter of the same KK born
    the same day), the similarity of the record's name to the twin's name (the best twin)."""
    keys = ["nkk", "tanggal_lahir"]
    cand = f.select("_rid", "id_pemilih", "nama_urut", "nama_rapat", nkk=pl.col("v_nkk"),
                    tanggal_lahir=pl.col("v_tanggal_lahir")).drop_nulls(keys)
    twins = (
        v.select("id_pemilih", *keys, "nama_urut", "nama_rapat")
        .join(cand.select(keys).unique(), on=keys, how="semi")
        .filter(pl.len().over(keys) > 1)
    )
    cand = cand.join(twins.select(keys).unique(), on=keys, how="semi")
    if cand.height == 0:
        return f.with_columns(kembar_sim=pl.lit(None, dtype=pl.Float64))
    pairs = cand.join(
        twins.rename({"id_pemilih": "_id_kembar", "nama_urut": "v_nama_urut", "nama_rapat": "v_nama_rapat"}),
        on=["nkk", "tanggal_lahir"],
    ).filter(pl.col("_id_kembar") != pl.col("id_pemilih"))
    sim = np.maximum(
        _pair_similarity(pairs["nama_urut"], pairs["v_nama_urut"], fuzz.ratio),
        _pair_similarity(pairs["nama_rapat"], pairs["v_nama_rapat"], fuzz.ratio),
    ) / 100.0
    best = (
        pairs.select("_rid", "id_pemilih").with_columns(kembar_sim=pl.Series(sim, dtype=pl.Float64))
        .group_by("_rid", "id_pemilih").agg(pl.col("kembar_sim").max())
    )
    return f.join(best, on=["_rid", "id_pemilih"], how="left")


def _evidence(pairs: pl.DataFrame, r: pl.DataFrame, v: pl.DataFrame, policy: MatchPolicy,
              removed: pl.DataFrame | None = None) -> pl.DataFrame:
    rcols = r.select(
        "_rid", "nik", "nik_andal", "_nik14", "nkk", "nama_kunci", "nama_urut", "nama_rapat", "nama_kata",
        "tanggal_lahir", "_tgl_umum", "umur", "_peristiwa", "jenis_kelamin", "_desa", "_kecamatan", "rt", "rw",
    )
    vcols = v.select(
        "id_pemilih", "nik", "nik14", "nkk", "nama_kunci", "nama_urut", "nama_rapat", "nama_kata", "nama_frek",
        "tanggal_lahir", "tgl_umum", "jenis_kelamin", "kode_desa", "kode_kecamatan", "rt", "rw",
    ).rename(lambda c: c if c == "id_pemilih" else f"v_{c}")
    # Names first, on the bare pairs: blocks that looked only at dates or households bring in
    # unrelated names, dropped here before the other fields are joined. A pair stays if its
    # name is close enough, or a NIK (or its first 14 digits) ties it: a NIK conflict must
    # stay visible.
    names = ["nama_kunci", "nama_urut", "nama_rapat"]
    f = pairs.join(r.select("_rid", "nik", "_nik14", *names), on="_rid").join(
        v.select("id_pemilih", *[pl.col(c).alias(f"v_{c}") for c in ["nik", "nik14", *names]]), on="id_pemilih"
    )
    f = _name_similarity(f)
    f = f.filter(
        (pl.col("sim_nama") >= policy.kandidat_nama_min)
        | pl.col("nama_bagian")
        | (pl.col("nik") == pl.col("v_nik")).fill_null(False)
        | ((pl.col("_nik14") == pl.col("v_nik14")).fill_null(False) & (pl.col("sim_nama") >= 0.5))
    ).select("_rid", "id_pemilih", "sim_nama", "nama_bagian")
    f = f.join(rcols, on="_rid").join(vcols, on="id_pemilih")
    f = _add_word_check(f)
    f = f.join(_age_namesakes(r, v, policy, removed), on="_rid", how="left")
    f = _twin_similarity(f, v)
    f = _household_twins(f, v, removed)
    b = policy.bobot

    f = f.with_columns(
        tgl=_date_category(
            pl.col("tanggal_lahir"), pl.col("v_tanggal_lahir"), pl.col("_tgl_umum") | pl.col("v_tgl_umum")
        ),
        umur_selisih=(
            pl.when(pl.col("tanggal_lahir").is_null())
            .then((age_at(pl.col("v_tanggal_lahir"), pl.col("_peristiwa")) - pl.col("umur")).abs())
        ),
        jk=pl.when(pl.col("jenis_kelamin").is_null() | pl.col("v_jenis_kelamin").is_null())
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("jenis_kelamin") == pl.col("v_jenis_kelamin"))
        .then(pl.lit("sama"))
        .otherwise(pl.lit("beda")),
        desa=pl.when(pl.col("_desa").list.len() == 0)
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("_desa").list.contains(pl.col("v_kode_desa")))
        .then(pl.lit("sama"))
        .when(pl.col("_kecamatan").list.contains(pl.col("v_kode_kecamatan")))
        .then(pl.lit("kecamatan"))
        .otherwise(pl.lit("beda")),
        nkk_sama=(pl.col("nkk") == pl.col("v_nkk")).fill_null(False),
        rtrw_sama=((_strip0("rt") == _strip0("v_rt")) & (_strip0("rw") == _strip0("v_rw"))).fill_null(False),
        nik_sama=(pl.col("nik") == pl.col("v_nik")).fill_null(False),
        nik_mirip=((pl.col("_nik14") == pl.col("v_nik14")) & (pl.col("nik") != pl.col("v_nik"))).fill_null(False),
    ).with_columns(
        nik_beda=(
            pl.col("nik_andal") & pl.col("v_nik").is_not_null() & ~pl.col("nik_sama") & ~pl.col("nik_mirip")
        ),
        umur=pl.when(pl.col("umur_selisih").is_null())
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("umur_selisih") == 0)
        .then(pl.lit("cocok"))
        .when(pl.col("umur_selisih") == 1)
        .then(pl.lit("dekat"))
        .otherwise(pl.lit("beda")),
        satu_kata=(pl.col("nama_kata") == 1) | (pl.col("v_nama_kata") == 1),
    )
    sim = pl.col("sim_nama")
    name_weight = (
        pl.when(sim >= 0.97).then(b["nama_097"])
        .when(sim >= 0.92).then(b["nama_092"])
        .when(sim >= 0.85).then(b["nama_085"])
        .when(pl.col("nama_bagian")).then(b["nama_bagian"])
        .when(sim >= 0.75).then(b["nama_075"])
        .otherwise(b["nama_beda"])
    )
    name_is_evidence = (sim >= 0.85) | pl.col("nama_bagian")
    commonness = pl.min_horizontal(pl.col("v_nama_frek").cast(pl.Float64).log(2), pl.lit(b["nama_umum_maks"]))
    weight = (
        name_weight
        + pl.when(name_is_evidence).then(-commonness).otherwise(0.0)
        + pl.when(name_is_evidence & pl.col("satu_kata")).then(b["nama_satu_kata"]).otherwise(0.0)
        + pl.col("tgl").replace_strict(
            {"sama": b["tgl_sama"], "sama_umum": b["tgl_sama_umum"], "tukar": b["tgl_tukar"],
             "mirip": b["tgl_mirip"], "tahun": b["tgl_tahun"], "tahun_beda": b["tgl_tahun_beda"],
             "beda": b["tgl_beda"]}, default=0.0, return_dtype=pl.Float64,
        ).fill_null(0.0)
        + pl.col("umur").replace_strict(
            {"cocok": b["umur_cocok"], "dekat": b["umur_dekat"], "beda": b["umur_beda"]},
            default=0.0, return_dtype=pl.Float64,
        ).fill_null(0.0)
        + pl.col("jk").replace_strict({"sama": b["jk_sama"], "beda": b["jk_beda"]}, default=0.0,
                                      return_dtype=pl.Float64).fill_null(0.0)
        + pl.col("desa").replace_strict(
            {"sama": b["desa_sama"], "kecamatan": b["kecamatan_sama"], "beda": b["desa_beda"]},
            default=0.0, return_dtype=pl.Float64,
        ).fill_null(0.0)
        + pl.when(pl.col("nkk_sama")).then(b["nkk_sama"]).otherwise(0.0)
        + pl.when(pl.col("rtrw_sama")).then(b["rtrw_sama"]).otherwise(0.0)
        + pl.when(pl.col("nik_sama") & pl.col("nik_andal")).then(b["nik_sama_andal"])
        .when(pl.col("nik_sama")).then(b["nik_sama"])
        .when(pl.col("nik_mirip")).then(b["nik_mirip"])
        .when(pl.col("nik_beda")).then(b["nik_beda"])
        .otherwise(0.0)
    )
    dates_disagree = (pl.col("tgl") == "beda").fill_null(False) | (pl.col("umur") == "beda").fill_null(False)
    # The NIK's voter agrees with the record: a close name, or a name one typing slip away
    # (no short word differing) with the same birth date and sex.
    name_typo_only = (
        (sim >= policy.nik_ketik_nama_min) & (pl.col("tgl") == "sama").fill_null(False)
        & (pl.col("jk") == "sama").fill_null(False)
    )
    nik_fields_agree = (
        ((sim >= policy.nik_nama_min) | name_typo_only)
        & ~pl.col("kata_beda") & ~dates_disagree & (pl.col("jk") != "beda").fill_null(True)
    )
    f = f.with_columns(
        bobot=weight.round(3),
        commonness=commonness,
        metode=pl.when(pl.col("nik_sama") & nik_fields_agree & pl.col("nik_andal")).then(pl.lit(M_NIK))
        .when(pl.col("nik_sama") & nik_fields_agree).then(pl.lit(M_NIK_NAMA))
        # All 16 digits equal to a voter whose name, birth date or sex disagree: a NIK typed
        # onto another person, even when the record's NIK is untrusted (it disagrees with the
        # record's own birth date, or went through a number). Review, never a fuzzy link.
        .when(pl.col("nik_sama")).then(pl.lit(M_NIK_KONFLIK))
        .otherwise(pl.lit(M_FUZZY)),
    )
    return f


# ---------------------------------------------------------------------------------------
# Decision
# ---------------------------------------------------------------------------------------


def _fmt_ratio(expr: pl.Expr) -> pl.Expr:
    """0.956 -> '0,96' (Indonesian decimal comma)."""
    pct = (expr * 100).round(0).cast(pl.Int32)
    return pl.when(pct >= 100).then(pl.lit("1,00")).otherwise(
        pl.lit("0,") + pct.cast(pl.Utf8).str.zfill(2)
    )


_DATE_TEXT = {
    "sama": "tgl lahir sama",
    "sama_umum": "tgl lahir sama (tanggal pengganti yang umum)",
    "tukar": "tgl lahir tertukar hari/bulan",
    "mirip": "tgl lahir beda 1 angka",
    "tahun": "hanya tahun lahir sama",
    "tahun_beda": "tahun lahir sama, tanggal berbeda",
    "beda": "tgl lahir berbeda",
}


def _fmt_percent(expr: pl.Expr) -> pl.Expr:
    """0.00123 -> '0,12' (percent with two decimals and a decimal comma)."""
    hundredths = (expr * 10000).round(0).cast(pl.Int64)
    return (hundredths // 100).cast(pl.Utf8) + pl.lit(",") + (hundredths % 100).cast(pl.Utf8).str.zfill(2)


def _evidence_text() -> pl.Expr:
    """Short Indonesian summary of which fields agreed, e.g. 'NIK sama; nama 0,96; tgl lahir sama'."""
    parts = [
        pl.when(pl.col("metode") == M_NIK).then(pl.lit("NIK sama"))
        .when(pl.col("metode") == M_NIK_NAMA).then(pl.lit("NIK sama (NIK tidak andal)"))
        .when(pl.col("metode") == M_NIK_KONFLIK).then(pl.lit("NIK sama tetapi nama/tgl lahir/jk berbeda"))
        .when(pl.col("nik_mirip")).then(pl.lit("14 digit awal NIK sama"))
        .when(pl.col("nik_beda")).then(pl.lit("NIK berbeda")),
        pl.lit("nama ") + _fmt_ratio(pl.col("sim_nama"))
        + pl.when(pl.col("nama_bagian")).then(pl.lit(" (sebagian)")).otherwise(pl.lit("")),
        pl.when((pl.col("sim_nama") < 0.97) & ~pl.col("kata_beda")).then(pl.lit("beda nama sebatas salah ketik")),
        pl.when(pl.col("v_nama_frek") > 1).then(pl.format("nama umum ({} pemilih)", pl.col("v_nama_frek"))),
        pl.when(pl.col("satu_kata")).then(pl.lit("nama satu kata")),
        pl.col("tgl").replace_strict(
            _DATE_TEXT, default=None, return_dtype=pl.Utf8,
        ),
        pl.col("umur").replace_strict(
            {"cocok": "umur cocok", "dekat": "umur selisih 1 th", "beda": "umur tidak cocok"},
            default=None, return_dtype=pl.Utf8,
        ),
        pl.col("jk").replace_strict({"sama": "jk sama", "beda": "jk berbeda"}, default=None, return_dtype=pl.Utf8),
        pl.col("desa").replace_strict(
            {"sama": "desa sama", "kecamatan": "kecamatan sama, desa lain", "beda": "desa berbeda"},
            default=None, return_dtype=pl.Utf8,
        ),
        pl.when(pl.col("nkk_sama")).then(pl.lit("NKK sama")),
        pl.when(pl.col("rtrw_sama")).then(pl.lit("RT/RW sama")),
        pl.when(pl.col("umur_khas")).then(
            pl.format("nama, jk dan umur khas (peluang senama seumur lain {}%)", _fmt_percent(pl.col("_risiko_umur")))
        ),
        pl.when(pl.col("ketik_pendek")).then(pl.lit("beda satu huruf pada kata pendek")),
    ]
    return pl.concat_list(parts).list.drop_nulls().list.join("; ")


def _age_only_why(policy: MatchPolicy) -> pl.Expr:
    """Why a record that gives only an age stays in review, for the official who checks it."""
    others_near = pl.col("_desa_umur_dekat").fill_null(0) - 1
    return (
        pl.when(pl.col("_tms_umur_dekat").fill_null(0) > 0)
        .then(pl.lit("hanya umur; ada pemilih senama yang sudah TMS di desa ini (laporan ulang?)"))
        .when(others_near > 0)
        .then(pl.format("hanya umur; {} pemilih senama lain di desa ini berumur hampir sama", others_near))
        .when(pl.col("_risiko_umur") > policy.umur_risiko_maks)
        .then(pl.format("hanya umur; nama umum: peluang ada senama seumur lain {}% (batas {}%)",
                        _fmt_percent(pl.col("_risiko_umur")), _fmt_percent(pl.lit(policy.umur_risiko_maks))))
        .otherwise(pl.lit("hanya umur, bukan tgl lahir"))
    )


def _decide(f: pl.DataFrame, policy: MatchPolicy, purpose: str) -> pl.DataFrame:
    rule = policy.rule(purpose)
    sim = pl.col("sim_nama")
    jk_ok = (pl.col("jk") != "beda").fill_null(True)
    # In the reported place: the desa, the household, or (a NIK Excel rounded) the first 14
    # NIK digits, which carry the kecamatan and the birth date.
    in_desa = (pl.col("desa") == "sama").fill_null(False) | pl.col("nkk_sama") | pl.col("nik_mirip")
    tgl = pl.col("tgl")
    desa_sama = (pl.col("desa") == "sama").fill_null(False)
    jk_sama = (pl.col("jk") == "sama").fill_null(False)
    same_key = (pl.col("nama_kunci") == pl.col("v_nama_kunci")).fill_null(False)
    exact_age = tgl.is_null() & (pl.col("umur") == "cocok").fill_null(False)
    # No other voter of the reported desa with this name key is within `umur_pesaing_selisih`
    # years of the reported age (a son named like his father is decades younger), and no
    # voter already removed from the list is either (a late report of a death already applied).
    no_removed_rival = (pl.col("_tms_umur_dekat") == 0).fill_null(True)
    no_rival_in_desa = (pl.col("_desa_umur_dekat") == 1).fill_null(False) & no_removed_rival
    record_rtrw = pl.col("rt").is_not_null() & pl.col("rw").is_not_null()
    # Age only (no birth date), or a birth date on a placeholder day (01-07, 31-12), in the
    # reported desa, sex not contradicting, and one of (see policy.toml for the reasoning):
    # - a name of two or more words carried by at most `umur_rtrw_frek_maks` voters of the
    #   kabupaten, with the RT/RW or the KK agreeing too (or by at most `umur_frek_maks`
    #   voters without them; 0 = never);
    # - the voter's own household (KK) named by the record, the exact name key and age, the
    #   same sex, and no namesake of the desa near that age (father and son sharing a name);
    # - the exact name key and age, the same sex, the RT/RW agreeing when the record gives
    #   one, no namesake of the desa near that age, and a name, sex and age so rare that a
    #   unit the size of the reported RT/RW (or desa) holds such a voter by coincidence with
    #   a chance of at most `umur_risiko_maks`: a death of someone not on the list would then
    #   land on a living voter at most that often.
    rare_enough = (pl.col("v_nama_frek") <= policy.umur_frek_maks) | (
        (pl.col("rtrw_sama") | pl.col("nkk_sama")) & (pl.col("v_nama_frek") <= policy.umur_rtrw_frek_maks)
    )
    umur_kk = exact_age & pl.col("nkk_sama") & same_key & jk_sama & no_rival_in_desa
    umur_khas = (
        exact_age & same_key & jk_sama & no_rival_in_desa
        & (pl.col("rtrw_sama") | ~record_rtrw)
        & (pl.col("_risiko_umur") <= policy.umur_risiko_maks).fill_null(False)
    )
    age_only_ok = (
        (exact_age | (tgl == "sama_umum").fill_null(False))
        & desa_sama
        & no_removed_rival
        & ((~pl.col("satu_kata") & rare_enough) | umur_kk | umur_khas)
    )
    # A name one typing slip away with the exact birth date, the same sex, in the reported
    # desa and household (KK), when no other candidate of that household or desa was born
    # that day: the look-alike inside a household is a twin, and twins' names differ by more
    # than a slip in a long word (SRI/TRI, DWI/TRI, different second words). A slip in a short
    # word (DWI/WI, AGUS/GUS, SITI/STII) could be a twin's name: it passes only when nobody
    # else of the household, on the list or removed from it, was born that day.
    tgl_sama_n = ((tgl == "sama").fill_null(False) & jk_ok & (pl.col("nkk_sama") | desa_sama)).sum().over("_rid")
    slip_ok = ~pl.col("kata_beda") | (pl.col("ketik_pendek") & (pl.col("_kembar_kk") == 0).fill_null(False))
    typo_ok = (
        (pl.col("metode") == M_FUZZY)
        & (sim >= policy.ketik_nama_min)
        & slip_ok
        & ~pl.col("nik_beda")
        & (tgl == "sama").fill_null(False)
        & jk_sama
        & pl.col("nkk_sama")
        & desa_sama
        & (tgl_sama_n == 1)
    )
    # Outside the reported desa and household, only a rare name may link on its own.
    place_ok = in_desa | (pl.col("v_nama_frek") <= policy.luar_desa_frek_maks)
    fuzzy_ok = (
        (pl.col("metode") == M_FUZZY)
        & (sim >= policy.auto_nama_min)
        & ~pl.col("kata_beda")
        & jk_ok
        & ~pl.col("nik_beda")
        & (
            (tgl == "sama").fill_null(False)
            | (tgl.is_in(["tukar", "mirip"]).fill_null(False) & (sim >= 0.97) & in_desa)
            | age_only_ok
        )
        & (in_desa if rule.desa_wajib else place_ok)
    )
    nik_link = pl.col("metode").is_in([M_NIK, M_NIK_NAMA])
    strong_by_fields = nik_link | (
        (sim >= policy.kuat_nama_min) & ~pl.col("kata_beda") & tgl.is_in(["sama", "tukar"]).fill_null(False) & jk_ok
    )
    # How firmly a candidate is identified: a NIK link, the first 14 NIK digits with strong
    # fields, strong fields alone; within each level, in the reported household (KK) before
    # in the reported desa before elsewhere. Another candidate at least as firm as the best
    # one, or a strong one with a better name (a NIK typo landing on a namesake), blocks AUTO.
    # A namesake born the same day in another desa does not block a voter of the reported
    # household (the margin on the evidence weight still has to hold); the other way round, a
    # strong candidate placed more firmly than the best one always blocks it (a NIK typo
    # landing on a namesake born the same day in the next desa, while the reported household
    # is another voter's).
    place = pl.when(pl.col("nkk_sama")).then(2).when(desa_sama).then(1).otherwise(0)
    strength = (
        pl.when(nik_link).then(3)
        .when(strong_by_fields & pl.col("nik_mirip")).then(2)
        .when(strong_by_fields).then(1)
        .otherwise(0)
    ) * 3 + pl.when(strong_by_fields).then(place).otherwise(0)
    # A twin of the candidate on the list (same KK and birth date) whose name is close to the
    # reported one: birth date, household and address cannot tell them apart, only the name,
    # and close names of twins are easily swapped by a clerk. Only a NIK link is then enough.
    twin_near = (pl.col("kembar_sim") >= policy.kembar_nama_min).fill_null(False)
    f = f.with_columns(
        layak_auto=nik_link | ((fuzzy_ok | typo_ok) & ~twin_near),
        _kembar=twin_near,
        _jalur_khusus=typo_ok | (fuzzy_ok & (umur_kk | umur_khas)),
        umur_khas=umur_khas,
        kuat=strong_by_fields,
        _kekuatan=strength,
        _tempat=place,
        konflik=pl.col("metode") == M_NIK_KONFLIK,
        umur_saja=tgl.is_null() & pl.col("umur").is_not_null(),
    )
    # Candidates worth showing: enough weight, or any NIK link/conflict (always shown).
    name_enough = (sim >= rule.review_nama_min) | pl.col("nama_bagian")
    plausible = f.filter(((pl.col("bobot") >= rule.review_min) & name_enough) | nik_link | pl.col("konflik"))
    plausible = plausible.sort(["_rid", "bobot", "id_pemilih"], descending=[False, True, False]).with_columns(
        _urut=pl.int_range(pl.len()).over("_rid"),
    )
    best, others = pl.col("_urut") == 0, pl.col("_urut") > 0
    per_record = plausible.group_by("_rid").agg(
        _n=pl.len(),
        _bobot2=pl.col("bobot").filter(pl.col("_urut") == 1).first(),
        _konflik=pl.col("konflik").any(),
        _kekuatan1=pl.col("_kekuatan").filter(best).first(),
        _sim1=pl.col("sim_nama").filter(best).first(),
        _kekuatan_lain=pl.col("_kekuatan").filter(others).max(),
        _sim_kuat_lain=pl.col("sim_nama").filter(others & pl.col("kuat")).max(),
        _tempat1=pl.col("_tempat").filter(best).first(),
        _tempat_kuat_lain=pl.col("_tempat").filter(others & pl.col("kuat")).max(),
    ).with_columns(
        _kuat_lain=(
            (pl.col("_kekuatan_lain").fill_null(0) >= pl.max_horizontal(pl.col("_kekuatan1"), pl.lit(3)))
            | (pl.col("_sim_kuat_lain") > pl.col("_sim1") + 0.02).fill_null(False)
            | (pl.col("_tempat_kuat_lain") > pl.col("_tempat1")).fill_null(False)
        ).cast(pl.Int32),
    )
    plausible = plausible.join(per_record, on="_rid")
    margin = pl.col("bobot") - pl.col("_bobot2").fill_null(-math.inf)
    auto_row = (
        (pl.col("_urut") == 0)
        & pl.col("layak_auto")
        # The typo and age rules above are proofs of their own: they need not reach the
        # weight threshold (a common one-word name weighs little), only lead by the margin.
        & ((pl.col("bobot") >= rule.auto_min) | pl.col("_jalur_khusus"))
        & (margin >= rule.selisih)
        & ~pl.col("_konflik")
        & (pl.col("_kuat_lain") == 0)
    )
    plausible = plausible.with_columns(_auto_rec=auto_row.any().over("_rid"))
    why = (
        pl.when(pl.col("_konflik")).then(pl.lit("NIK menunjuk pemilih yang nama/tgl lahirnya berbeda"))
        .when(pl.col("_kuat_lain") > 0).then(pl.lit("lebih dari satu calon kuat"))
        .when((pl.col("_kembar") & (pl.col("_urut") == 0)).any().over("_rid"))
        .then(pl.lit("ada kembar serumah dengan nama mirip"))
        .when((pl.col("_n") > 1) & (margin.max().over("_rid") < rule.selisih))
        .then(pl.format("{} calon mirip", pl.col("_n")))
        .when(pl.col("umur_saja").any().over("_rid")).then(_age_only_why(policy))
        .otherwise(pl.lit("bukti belum cukup kuat"))
    )
    auto = plausible.filter(pl.col("_auto_rec") & (pl.col("_urut") == 0)).with_columns(
        putusan=pl.lit(AUTO), peringkat=pl.lit(1, dtype=pl.Int32), alasan=_evidence_text(),
    )
    review = (
        plausible.filter(~pl.col("_auto_rec"))
        .filter((pl.col("_urut") < policy.maks_review) | pl.col("konflik"))
        .with_columns(
            putusan=pl.lit(REVIEW),
            peringkat=pl.col("_urut").rank("ordinal").over("_rid").cast(pl.Int32),
            alasan=_evidence_text() + pl.lit("; perlu verifikasi: ") + why,
        )
    )
    return pl.concat([auto, review], how="diagonal_relaxed")


def link_records(
    records: pl.DataFrame,
    voters: pl.DataFrame,
    policy: MatchPolicy,
    *,
    purpose: str,
    tanggal_acuan: date | None = None,
    removed: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Candidates on the voter list for each record, with the decision and its evidence.

    One row per (record, candidate): AUTO -> exactly one row; REVIEW -> one row per plausible
    candidate (best first, at most `maks_review`, NIK conflicts always shown); NONE -> one row
    with null `id_pemilih`. `tanggal_acuan` is the date an `umur` refers to when a record has
    no event date (defaults to the latest event date in `records`). `removed`: voters already
    removed from the list (with `kode_tms`), never candidates themselves; a namesake among
    them keeps a record that only an age ties to a voter (or a household look-alike) in review.
    """
    policy.rule(purpose)  # an unknown purpose fails before any work
    if tanggal_acuan is None:
        tanggal_acuan = _latest_event(records)
    v = prepare_voters(voters)
    r = _prepare_records(records, tanggal_acuan)
    common_days = (
        v.filter(pl.col("tgl_umum"))
        .select(_b=pl.col("tanggal_lahir").dt.month(), _h=pl.col("tanggal_lahir").dt.day())
        .unique()
        .with_columns(_tgl_umum=pl.lit(True))
    )
    r = (
        r.with_columns(_b=pl.col("tanggal_lahir").dt.month(), _h=pl.col("tanggal_lahir").dt.day())
        .join(common_days, on=["_b", "_h"], how="left")
        .with_columns(pl.col("_tgl_umum").fill_null(False))
        .drop("_b", "_h")
        .sort("_rid")
    )
    pairs = _candidate_pairs(r, v, policy)
    f = _evidence(pairs, r, v, policy, None if removed is None else prepare_voters(removed))
    decided = _decide(f, policy, purpose)
    skor = 1.0 / (1.0 + (-(pl.col("bobot") - policy.skor_tengah) / policy.skor_skala).exp())
    found = decided.select(
        "_rid", "id_pemilih", "metode", skor.round(4).alias("skor"), "putusan", "peringkat", "alasan"
    )
    none = (
        r.select("_rid")
        .join(found.select("_rid").unique(), on="_rid", how="anti")
        .with_columns(
            id_pemilih=pl.lit(None, dtype=pl.Int64),
            metode=pl.lit(M_NONE),
            skor=pl.lit(0.0),
            putusan=pl.lit(NONE),
            peringkat=pl.lit(1, dtype=pl.Int32),
            alasan=pl.lit("tidak ada calon pemilih yang cukup mirip"),
        )
    )
    out = pl.concat([found, none], how="diagonal_relaxed").join(
        r.select("_rid", "sumber_file", "sumber_baris"), on="_rid"
    )
    return out.sort(["_rid", "peringkat"]).select(
        [pl.col(c).cast(t) for c, t in LINK_SCHEMA.items()]
    )


def _latest_event(records: pl.DataFrame) -> date | None:
    cols = [c for c in ("tanggal_meninggal", "tanggal_pindah", "tanggal_datang") if c in records.columns]
    if not cols or records.height == 0:
        return None
    value = records.select(pl.max_horizontal([pl.col(c).cast(pl.Date).max() for c in cols])).item()
    return value


# ---------------------------------------------------------------------------------------
# Ganda: duplicates on the list itself (transforms/ganda.py)
# ---------------------------------------------------------------------------------------


def find_ganda(voters: pl.DataFrame, policy: MatchPolicy) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Duplicates on the list: (auto, review) -- see `transforms.ganda.find_ganda`."""
    from transforms.ganda import find_ganda as scan

    return scan(voters, policy)
