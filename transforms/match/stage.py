"""The match stage of a quarter: every record linked to the list (SPEC §5.2), before any rule decides.

`match_quarter(records, current, policy)` asks the matcher, per record, the question its event
poses (`purpose_expr`): remove someone (hapus, strict), change someone (ubah, strict), or is
this person already on the list (baru). Records the active list does not know are also linked
to the voters already removed from it (a person who may come back). The result is one link
frame: `LINK_SCHEMA` plus `daftar` (`aktif` or `tms`, the list the candidate is on).
"""

from __future__ import annotations

from datetime import date

import polars as pl
from rapidfuzz import fuzz

from schemas.fields import AKTIF, AUTO, NONE
from schemas.policy import MatchPolicy
from schemas.frames import DAFTAR_AKTIF, DAFTAR_TMS, LINK_SCHEMA, MATCH_SCHEMA
from transforms.match.link import VoterIndex, link_records
from transforms.match.prepare import NAME_KEY_COLUMNS, prepare_voters, with_name_keys
from transforms.names import name_key
from transforms.parse_values import nik_agrees

# Records are matched independently of each other: chunks bound the memory of the candidate
# pairs on a large list (a common name blocks thousands of voters).
LINK_CHUNK = 10_000


def purpose_expr() -> pl.Expr:
    """What the matcher is asked: remove someone (strict), change someone (strict), or is this
    person already on the list (recall matters)."""
    return (
        pl.when(pl.col("jenis").is_in(["kematian", "pindah_keluar"]))
        .then(pl.lit("hapus"))
        .when((pl.col("jenis") == "tni_polri") & (pl.col("perubahan") == "MASUK"))
        .then(pl.lit("hapus"))
        .when(pl.col("jenis") == "perbaikan")
        .then(pl.lit("ubah"))
        .otherwise(pl.lit("baru"))
    )


def correction_view(part: pl.DataFrame) -> pl.DataFrame:
    """What the matcher sees of a correction: the fields being corrected say nothing about who
    the person is on the list (their old values differ by definition), so they are blanked."""
    out = part
    for field in ("tanggal_lahir", "jenis_kelamin", "status_kawin", "kode_desa", "alamat", "rt", "rw", "nkk",
                  "tempat_lahir"):
        if field in out.columns:
            out = out.with_columns(
                pl.when(pl.col("kolom_isi").list.contains(field)).then(None).otherwise(pl.col(field)).alias(field)
            )
    return out


# The columns of the voter list that matching reads (prepare_voters, the blocks, the evidence,
# own_corrections; `kode_tms` of the voters already removed), and the name keys when the list
# comes with them (`with_name_keys`).
MATCH_LIST_COLUMNS = ("id_pemilih", "nik", "nkk", "nama", "tanggal_lahir", "jenis_kelamin", "kode_desa", "rt", "rw",
                      "status", "kode_tms", *NAME_KEY_COLUMNS)

CORRECTION_NAME_MIN = 70.0  # rapidfuzz ratio (0-100) of the name keys: a spelling fix, not another person


def own_corrections(links: pl.DataFrame, corrections: pl.DataFrame, active: pl.DataFrame) -> pl.DataFrame:
    """A correction (tanggapan masyarakat) is filed with the person's own KTP: its trustworthy NIK
    names exactly one voter. It is applied when that voter's record agrees with the NIK (birth
    date and sex encoded in it) and the names are close; a name correction is expected, a
    different person is not. Anything else keeps the matcher's verdict (review)."""
    if corrections.height == 0:
        return links
    candidates = corrections.filter(pl.col("nik_andal") & pl.col("nik").is_not_null()).select(
        "sumber_file", "sumber_baris", "nik", "nama"
    )
    # Only the voters carrying one of these NIKs (a list of millions is not grouped whole);
    # a NIK held by one voter only, so which row is "first" does not matter.
    once = (
        active.join(candidates.select("nik").unique(), on="nik", how="semi")
        .group_by("nik")
        .agg(pl.len().alias("_n"), pl.first("id_pemilih"), pl.first("nama").alias("v_nama"),
             pl.first("tanggal_lahir"), pl.first("jenis_kelamin"))
    )
    joined = candidates.join(once.filter(pl.col("_n") == 1), on="nik", how="inner").with_columns(
        nik_agrees(pl.col("nik"), pl.col("tanggal_lahir"), pl.col("jenis_kelamin")).alias("_cocok")
    )
    if joined.height == 0:
        return links
    already = links.filter((pl.col("peringkat") == 1) & (pl.col("putusan") == AUTO)).select("sumber_file", "sumber_baris")
    joined = joined.join(already, on=["sumber_file", "sumber_baris"], how="anti")
    joined = joined.with_columns(name_key(joined["nama"]).alias("_k1"), name_key(joined["v_nama"]).alias("_k2"))
    accepted = []
    for row in joined.iter_rows(named=True):
        score = fuzz.ratio(row["_k1"] or "", row["_k2"] or "")
        if row["_cocok"] and score >= CORRECTION_NAME_MIN:
            accepted.append({
                "sumber_file": row["sumber_file"], "sumber_baris": row["sumber_baris"], "id_pemilih": row["id_pemilih"],
                "metode": "NIK_PERBAIKAN", "skor": round(score / 100, 4), "putusan": AUTO, "peringkat": 1,
                "alasan": f"NIK sama dan sesuai tgl lahir/jk pemilih; nama {score / 100:.2f}".replace(".", ","),
            })
    if not accepted:
        return links
    own = pl.DataFrame(accepted, schema=LINK_SCHEMA)
    kept = links.join(own.select("sumber_file", "sumber_baris"), on=["sumber_file", "sumber_baris"], how="anti")
    return pl.concat([kept, own], how="vertical")


def match_quarter(records: pl.DataFrame, current: pl.DataFrame, policy: MatchPolicy, *,
                  tanggal_acuan: date) -> pl.DataFrame:
    """Links of a quarter's records (`MATCH_SCHEMA`): to the active list for every record, and to
    the voters already removed for the `baru` records the active list does not know."""
    # Only what the matcher reads: the filtered copies of a list of millions stay narrow.
    current = current.select([c for c in MATCH_LIST_COLUMNS if c in current.columns])
    active = current.filter(pl.col("status") == AKTIF)
    removed = current.filter(pl.col("status") != AKTIF)
    del current
    prepared = prepare_voters(active, policy)
    prepared_removed = prepare_voters(removed, policy) if removed.height else None
    # Name keys once: the desa name block of every record, then each chunk, read them.
    recs = with_name_keys(records).with_columns(purpose_expr().alias("_tujuan"))
    parts = {purpose: recs.filter(pl.col("_tujuan") == purpose) for purpose in ("hapus", "ubah", "baru")}
    if parts["ubah"].height:
        parts["ubah"] = correction_view(parts["ubah"])
    # Built once for every chunk and purpose.
    index = VoterIndex.of(prepared, policy).for_records(list(parts.values()), policy) if recs.height else None
    links: list[pl.DataFrame] = []
    for purpose, part in parts.items():
        links.extend(_linked(part, prepared, policy, purpose, tanggal_acuan, prepared_removed, index))
    found = pl.concat(links, how="vertical") if links else pl.DataFrame(schema=LINK_SCHEMA)
    found = own_corrections(found, recs.filter(pl.col("_tujuan") == "ubah"), active)
    found = found.with_columns(daftar=pl.lit(DAFTAR_AKTIF))
    del prepared, active, index
    if prepared_removed is not None:
        unknown = found.filter((pl.col("peringkat") == 1) & (pl.col("putusan") == NONE)).select(
            "sumber_file", "sumber_baris"
        )
        baru = recs.filter(pl.col("_tujuan") == "baru").join(unknown, on=["sumber_file", "sumber_baris"], how="semi")
        again = _linked(baru, prepared_removed, policy, "ubah", tanggal_acuan, None,
                        VoterIndex.of(prepared_removed, policy).for_records([baru], policy)) if baru.height else []
        if again:
            found = pl.concat([found, *(f.with_columns(daftar=pl.lit(DAFTAR_TMS)) for f in again)], how="vertical")
    return found.sort("daftar", "sumber_file", "sumber_baris", "peringkat").select(
        [pl.col(c).cast(t) for c, t in MATCH_SCHEMA.items()]
    )


def _linked(part: pl.DataFrame, voters: pl.DataFrame, policy: MatchPolicy, purpose: str, tanggal_acuan: date,
            removed: pl.DataFrame | None, index: VoterIndex | None) -> list[pl.DataFrame]:
    return [
        link_records(part.slice(start, LINK_CHUNK), voters, policy, purpose=purpose, tanggal_acuan=tanggal_acuan,
                     removed=removed, index=index)
        for start in range(0, part.height, LINK_CHUNK)
    ]
