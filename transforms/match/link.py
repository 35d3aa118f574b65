"""`link_records`: a quarter's records linked to the voter list, one verdict per record."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from schemas.fields import M_NONE, NONE
from schemas.frames import LINK_SCHEMA
from schemas.policy import MatchPolicy
from transforms.match.blocking import VoterBlocks, candidate_pairs, desa_name_hits, desa_queries
from transforms.match.evidence import VoterSide, evidence
from transforms.match.prepare import prepare_records, prepare_voters
from transforms.match.verdict import decide


@dataclass(frozen=True)
class VoterIndex:
    """A prepared voter list with what linkage reads of it, built once and shared by every
    chunk of records linked against that list."""

    voters: pl.DataFrame
    blocks: VoterBlocks
    side: VoterSide
    desa_hits: pl.DataFrame | None = None  # the desa name block, computed for every record at once

    @classmethod
    def of(cls, voters: pl.DataFrame, policy: MatchPolicy) -> "VoterIndex":
        v = prepare_voters(voters, policy)
        return cls(v, VoterBlocks.of(v, policy), VoterSide.of(v))

    def for_records(self, parts: list[pl.DataFrame], policy: MatchPolicy) -> "VoterIndex":
        """This index for the records of `parts` (the frames that will be linked against it,
        in chunks), and for no others: the desa name block answered for all of them at once,
        so each desa is searched once, and the blocks narrowed to the voters they can meet."""
        columns = ["_rid", "nik", "_nik14", "nkk", "nama_kunci", "nama_urut", "nama_rapat", "tanggal_lahir",
                   "umur", "_desa"]
        prepared = [prepare_records(p, None).select(columns) for p in parts if p.height]
        if not prepared:
            return self
        r = pl.concat(prepared)
        hits = desa_name_hits(desa_queries(r), self.blocks, policy)
        return replace(self, blocks=self.blocks.narrowed(r, hits), side=self.side.for_age_names(self.voters, r),
                       desa_hits=hits)


def link_records(
    records: pl.DataFrame,
    voters: pl.DataFrame,
    policy: MatchPolicy,
    *,
    purpose: str,
    tanggal_acuan: date | None = None,
    removed: pl.DataFrame | None = None,
    index: VoterIndex | None = None,
) -> pl.DataFrame:
    """Candidates on the voter list for each record, with the decision and its evidence.

    One row per (record, candidate): AUTO -> exactly one row; REVIEW -> one row per plausible
    candidate (best first, at most `maks_review`, NIK conflicts always shown); NONE -> one row
    with null `id_pemilih`. `tanggal_acuan` is the date an `umur` refers to when a record has
    no event date (defaults to the latest event date in `records`). `removed`: voters already
    removed from the list (with `kode_tms`), never candidates themselves; a namesake among
    them keeps a record that only an age ties to a voter (or a household look-alike) in review.
    `index`: `VoterIndex.of(voters)`, when the caller links several chunks against the same list.
    """
    policy.rule(purpose)  # an unknown purpose fails before any work
    if tanggal_acuan is None:
        tanggal_acuan = _latest_event(records)
    index = index or VoterIndex.of(voters, policy)
    v = index.voters
    r = prepare_records(records, tanggal_acuan)
    r = (
        r.with_columns(_b=pl.col("tanggal_lahir").dt.month(), _h=pl.col("tanggal_lahir").dt.day())
        .join(index.blocks.common_days, on=["_b", "_h"], how="left")
        .with_columns(pl.col("_tgl_umum").fill_null(False))
        .drop("_b", "_h")
        .sort("_rid")
    )
    pairs = candidate_pairs(r, index.blocks, policy, index.desa_hits)
    f = evidence(pairs, r, v, policy, None if removed is None else prepare_voters(removed, policy), index.side)
    decided = decide(f, policy, purpose)
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
