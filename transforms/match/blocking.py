"""Candidate (record, voter) pairs: the blocks of SPEC §5.2 (NIK, NKK, names per desa, birth dates)."""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from schemas.policy import MatchPolicy


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


def candidate_pairs(r: pl.DataFrame, v: pl.DataFrame, policy: MatchPolicy) -> pl.DataFrame:
    parts = [
        _pairs_by_equal(r, v, "nik", "nik"),
        _pairs_by_equal(r.filter(~pl.col("nik_andal")), v, "_nik14", "nik14"),
        _pairs_by_equal(r, v, "nkk", "nkk"),
        _pairs_in_desa(r, v, policy),
        _pairs_by_name_and_year(r, v, policy),
        _pairs_by_birth_date(r, v),
    ]
    return pl.concat([p.cast(_PAIR_SCHEMA) for p in parts]).unique()
