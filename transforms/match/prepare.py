"""Comparison columns of the voter list and of a quarter's records, added once before linkage."""

from __future__ import annotations

from datetime import date
from typing import Mapping

import polars as pl

from schemas.policy import MatchPolicy, default_policy
from transforms.names import name_key

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
# The row-wise part of them: the name key and its word-sorted and space-free forms, word count.
NAME_KEY_COLUMNS: tuple[str, ...] = PREPARED_COLUMNS[:4]
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


def with_name_keys(voters: pl.DataFrame) -> pl.DataFrame:
    """The list with its name keys (`NAME_KEY_COLUMNS`), which depend on each row's name alone:
    computed once for a quarter's list, they serve the matcher and the whole-list checks."""
    if all(c in voters.columns for c in NAME_KEY_COLUMNS):
        return voters
    return voters.with_columns(_key_columns(name_key(voters.get_column("nama").cast(pl.Utf8).fill_null(""))))


def prepare_voters(voters: pl.DataFrame, policy: MatchPolicy | None = None) -> pl.DataFrame:
    """The voter list with comparison columns added once (name keys, name frequency ...).

    A frame that already went through this function is returned unchanged; name keys it
    already carries (`with_name_keys`) are kept.
    """
    if all(c in voters.columns for c in PREPARED_COLUMNS):
        return voters
    policy = policy or default_policy()
    v = with_name_keys(_ensure_columns(voters, _VOTER_TYPES))
    v = v.with_columns(
        nama_frek=pl.len().over("nama_kunci").cast(pl.Int32),
        kode_kecamatan=pl.col("kode_desa").str.slice(0, 8),
        nik14=pl.when(pl.col("nik").str.len_chars() == 16).then(pl.col("nik").str.slice(0, 14)),
        tahun_lahir=pl.col("tanggal_lahir").dt.year().cast(pl.Int32),
        tgl_frek=pl.len().over("tanggal_lahir").cast(pl.Int32),
        # A day of the year far more frequent than 1/366 of the list stands in for unknown dates.
        tgl_umum=(
            pl.len().over(pl.col("tanggal_lahir").dt.month(), pl.col("tanggal_lahir").dt.day())
            > pl.max_horizontal(policy.tgl_umum_faktor * pl.len() / 366, pl.lit(policy.tgl_umum_min))
        ).fill_null(False),
    )
    return v.with_columns(nama_frek_tahun=pl.len().over("nama_kunci", "tahun_lahir").cast(pl.Int32))


def age_at(birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Whole years between two dates (age on `on` of someone born on `birth`)."""
    def month_day(d: pl.Expr) -> pl.Expr:
        return d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)

    before_birthday = month_day(on) < month_day(birth)
    return on.dt.year().cast(pl.Int32) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)


def prepare_records(records: pl.DataFrame, tanggal_acuan: date | None) -> pl.DataFrame:
    r = with_name_keys(_ensure_columns(records, _RECORD_TYPES).with_row_index("_rid"))
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
