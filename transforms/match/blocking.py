"""Candidate (record, voter) pairs: the blocks of SPEC §5.2 (NIK, NKK, names per desa, birth dates)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from schemas.policy import MatchPolicy


_PAIR_SCHEMA = {"_rid": pl.UInt32, "id_pemilih": pl.Int64}


@dataclass(frozen=True)
class VoterBlocks:
    """The voter side of every block, built once per voter list: a quarter links its records
    in chunks against the same list, and on a list of millions rebuilding these per chunk
    costs more than the chunk's own pairs."""

    by_key: dict[str, pl.DataFrame]               # nik / nik14 / nkk -> (id_pemilih, _k), no nulls
    names_by_desa: dict[str, tuple[list[str], np.ndarray]]  # desa -> its distinct word-sorted keys, their _n
    name_voters: pl.DataFrame                     # (_n, id_pemilih): the voters carrying each desa name
    by_name_year: pl.DataFrame                    # keys few voters of that birth year carry
    rare_names: pl.DataFrame                      # keys few voters carry at all
    by_date: pl.DataFrame                         # (id_pemilih, jenis_kelamin, _k date, _h first letter)
    common_days: pl.DataFrame                     # (_b month, _h day, _tgl_umum): stand-in birth days

    @classmethod
    def of(cls, v: pl.DataFrame, policy: MatchPolicy) -> "VoterBlocks":
        by_key = {
            c: v.select("id_pemilih", pl.col(c).alias("_k")).filter(pl.col("_k").is_not_null())
            for c in ("nik", "nik14", "nkk")
        }
        # Distinct (desa, name) in list order, numbered; each desa's names in that order.
        desa_names = v.select("kode_desa", "nama_urut").unique(maintain_order=True).with_row_index("_n")
        names_by_desa = {
            desa: (part.get_column("nama_urut").to_list(), part.get_column("_n").to_numpy())
            for (desa,), part in desa_names.partition_by("kode_desa", as_dict=True, include_key=False,
                                                         maintain_order=True).items()
        }
        name_voters = (
            v.select("kode_desa", "nama_urut", "id_pemilih")
            .join(desa_names, on=["kode_desa", "nama_urut"])
            .select("_n", "id_pemilih")
        )
        by_name_year = v.filter(pl.col("nama_frek_tahun") <= policy.kandidat_per_blok).select(
            "id_pemilih", "nama_kunci", "tahun_lahir"
        )
        rare = v.filter(pl.col("nama_frek") <= policy.kandidat_nama_sama_maks).select("id_pemilih", "nama_kunci")
        by_date = v.select(
            "id_pemilih", "jenis_kelamin", _k=pl.col("tanggal_lahir"), _h=pl.col("nama_rapat").str.slice(0, 1),
        )
        common_days = (
            v.filter(pl.col("tgl_umum"))
            .select(_b=pl.col("tanggal_lahir").dt.month(), _h=pl.col("tanggal_lahir").dt.day())
            .unique()
            .with_columns(_tgl_umum=pl.lit(True))
        )
        return cls(by_key, names_by_desa, name_voters, by_name_year, rare, by_date, common_days)

    def narrowed(self, r: pl.DataFrame, hits: pl.DataFrame) -> "VoterBlocks":
        """These blocks cut to the voters that prepared records `r` can meet in them, `hits`
        being `desa_name_hits` of those records: each block keeps the voters whose key some
        record carries (for the birth dates, also with day and month swapped). Every pair of
        `candidate_pairs(chunk, narrowed, policy, hits)` for a chunk of `r` is the one the
        whole blocks give, but a chunk no longer reads a list of millions once per block."""
        def keys(*exprs: pl.Expr) -> pl.DataFrame:
            return pl.concat([r.select(e.alias("_k")) for e in exprs]).drop_nulls().unique()

        def kept(frame: pl.DataFrame, values: pl.DataFrame, on: str) -> pl.DataFrame:
            return frame.join(values.rename({"_k": on}), on=on, how="semi")

        names = keys(pl.col("nama_kunci"))
        return replace(
            self,
            by_key={
                "nik": kept(self.by_key["nik"], keys(pl.col("nik")), "_k"),
                "nik14": kept(self.by_key["nik14"], keys(pl.col("_nik14")), "_k"),
                "nkk": kept(self.by_key["nkk"], keys(pl.col("nkk")), "_k"),
            },
            name_voters=self.name_voters.join(hits.select("_n").unique(), on="_n", how="semi"),
            by_name_year=kept(self.by_name_year, names, "nama_kunci"),
            rare_names=kept(self.rare_names, names, "nama_kunci"),
            by_date=self.by_date.join(_birth_date_keys(r).unique(), on=["_k", "_h"], how="semi"),
        )


def _pairs_by_equal(r: pl.DataFrame, vb: VoterBlocks, left: str, right: str) -> pl.DataFrame:
    a = r.select("_rid", pl.col(left).alias("_k")).filter(pl.col("_k").is_not_null())
    return a.join(vb.by_key[right], on="_k", how="inner").select("_rid", "id_pemilih")


def desa_queries(r: pl.DataFrame) -> pl.DataFrame:
    """(_rid, nama_urut, kode_desa): one row per desa a prepared record names."""
    return (
        r.select("_rid", "nama_urut", pl.col("_desa").alias("kode_desa"))
        .explode("kode_desa")
        .filter(pl.col("kode_desa").is_not_null())
    )


def desa_name_hits(queries: pl.DataFrame, vb: VoterBlocks, policy: MatchPolicy) -> pl.DataFrame:
    """(kode_desa, nama_urut, _n) for every distinct name asked of a desa: the desa's names
    closest to it (rapidfuzz cdist on word-sorted keys), the best few above the cut-off.

    Each desa's names are compared once for all the names asked of it: rapidfuzz converts
    the desa's names on every call, so one call per desa and chunk of records costs several
    times the comparisons themselves on a list of millions.
    """
    distinct = queries.select("kode_desa", "nama_urut").unique().with_row_index("_q")
    cutoff = policy.kandidat_nama_min * 100
    found: list[pl.DataFrame] = []
    for (desa,), qd in distinct.partition_by("kode_desa", as_dict=True, include_key=False).items():
        vd = vb.names_by_desa.get(desa)
        if vd is None:
            continue
        names, ids = vd
        asked = qd.get_column("nama_urut").to_list()
        # Whole-number scores (a quarter of the memory) find the names above the cut-off;
        # only those are scored again exactly, for the ranking.
        rows, cols = np.nonzero(process.cdist(
            asked, names, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.uint8, workers=-1,
        ))
        if rows.size == 0:
            continue
        exact = process.cpdist([asked[i] for i in rows.tolist()], [names[j] for j in cols.tolist()],
                               scorer=fuzz.ratio, dtype=np.float32, workers=-1)
        keep = exact >= cutoff
        found.append(
            pl.DataFrame(
                {
                    "_q": qd.get_column("_q").to_numpy()[rows[keep]],
                    "_n": ids[cols[keep]],
                    "_s": exact[keep],
                }
            )
        )
    if not found:
        return pl.DataFrame(schema={"kode_desa": pl.Utf8, "nama_urut": pl.Utf8, "_n": pl.UInt32})
    hits = pl.concat(found).filter(
        pl.col("_s").rank("ordinal", descending=True).over("_q") <= policy.kandidat_per_blok
    )
    return distinct.join(hits, on="_q").select("kode_desa", "nama_urut", "_n")


def _pairs_in_desa(r: pl.DataFrame, vb: VoterBlocks, policy: MatchPolicy,
                   hits: pl.DataFrame | None) -> pl.DataFrame:
    """Fuzzy name candidates inside each desa the record names: the closest names of the desa
    (`desa_name_hits`, or `hits` computed for these records beforehand) with all their voters
    (namesakes must stay visible)."""
    queries = desa_queries(r)
    if queries.height == 0:
        return pl.DataFrame(schema=_PAIR_SCHEMA)
    if hits is None:
        hits = desa_name_hits(queries, vb, policy)
    return (
        queries.join(hits, on=["kode_desa", "nama_urut"])
        .join(vb.name_voters, on="_n")
        .select("_rid", pl.col("id_pemilih").cast(pl.Int64))
    )


def _pairs_by_name_and_year(r: pl.DataFrame, vb: VoterBlocks, policy: MatchPolicy) -> pl.DataFrame:
    """Kabupaten-wide: the same name key and a fitting birth year (a move between desa, a
    report that names the wrong desa). Only for keys that few voters of that year carry: a
    common name says nothing outside the desa (the desa block and the birth-date block still
    see those). Without any birth information, only for rare keys and records without desa."""
    with_year = (
        r.filter(pl.col("_tahun_min").is_not_null())
        .select("_rid", "nama_kunci", tahun_lahir=pl.int_ranges("_tahun_min", pl.col("_tahun_maks") + 1))
        .explode("tahun_lahir")
        .with_columns(pl.col("tahun_lahir").cast(pl.Int32))
    )
    a = with_year.join(vb.by_name_year, on=["nama_kunci", "tahun_lahir"]).select("_rid", "id_pemilih")
    b = (
        r.filter(pl.col("_tahun_min").is_null() & (pl.col("_desa").list.len() == 0))
        .select("_rid", "nama_kunci")
        .join(vb.rare_names, on="nama_kunci")
        .select("_rid", "id_pemilih")
    )
    return pl.concat([a, b])


def _birth_date_keys(r: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """`columns` of each record with a birth date, with the keys it is looked up by in the
    birth-date block: `_k` the date, and again with day and month swapped where that is a date
    too; `_h` the first letter of its name key."""
    born = pl.col("tanggal_lahir")
    swapped = pl.date(born.dt.year(), born.dt.day(), born.dt.month())
    rd = r.filter(born.is_not_null())
    return pl.concat(
        [
            rd.select(*columns, "nama_rapat", _k=born),
            rd.filter(born.dt.day() <= 12).select(*columns, "nama_rapat", _k=swapped),
        ]
    ).select(*columns, "_k", _h=pl.col("nama_rapat").str.slice(0, 1))


def _pairs_by_birth_date(r: pl.DataFrame, vb: VoterBlocks) -> pl.DataFrame:
    """Kabupaten-wide: the same birth date, or day and month swapped (names compared later).

    Narrowed to voters whose name key starts with the same letter (see below).
    """
    keys = _birth_date_keys(r, "_rid", "jenis_kelamin")
    vk = vb.by_date
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


def candidate_pairs(r: pl.DataFrame, vb: VoterBlocks, policy: MatchPolicy,
                    desa_hits: pl.DataFrame | None = None) -> pl.DataFrame:
    """(record, voter) pairs of every block; `vb`: `VoterBlocks.of` the prepared voter list;
    `desa_hits`: `desa_name_hits` already computed for these records' names."""
    parts = [
        _pairs_by_equal(r, vb, "nik", "nik"),
        _pairs_by_equal(r.filter(~pl.col("nik_andal")), vb, "_nik14", "nik14"),
        _pairs_by_equal(r, vb, "nkk", "nkk"),
        _pairs_in_desa(r, vb, policy, desa_hits),
        _pairs_by_name_and_year(r, vb, policy),
        _pairs_by_birth_date(r, vb),
    ]
    return pl.concat([p.cast(_PAIR_SCHEMA) for p in parts]).unique()
