"""The aggregates behind publik/: counts per desa, kecamatan and kabupaten, nothing per person.

`PublicInput` is the only view of `ReportData` the public writers get. It is built from the
aggregate frames alone, so the frames that hold people (`perubahan`, `verifikasi`) never
reach any code that writes a public file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from reports.model import ReportData

_ID_AREA = ("triwulan", "tanggal_acuan", "kode_kabupaten", "nama_kabupaten", "kode_kecamatan", "nama_kecamatan")
ID_DESA = (*_ID_AREA, "kode_desa", "nama_desa", "jenis")
ID_KECAMATAN = (*_ID_AREA, "jumlah_desa")
# rekap column -> public column name. `awal`/`akhir` alone mean little outside the office.
PUBLIC_NAME = {"awal": "pemilih_awal", "akhir": "pemilih_akhir"}
PREVIOUS = "pemilih_triwulan_lalu"
CHANGE = "perubahan_jumlah"


@dataclass(frozen=True)
class PublicInput:
    """The aggregate part of one quarter's ReportData."""

    quarter: str
    tanggal_acuan: date
    kode_kabupaten: str
    nama_kabupaten: str
    desa: pl.DataFrame
    rekap: pl.DataFrame
    tms: pl.DataFrame
    rekap_sebelumnya: pl.DataFrame | None
    tanggal_pleno: date | None = None  # None: the plenary has not adopted the recap; texts are drafts

    @property
    def draf(self) -> bool:
        return self.tanggal_pleno is None


def public_input(data: ReportData) -> PublicInput:
    """The one place that touches ReportData; it reads the aggregate fields by name only."""
    return PublicInput(
        quarter=data.quarter,
        tanggal_acuan=data.tanggal_acuan,
        kode_kabupaten=data.kode_kabupaten,
        nama_kabupaten=data.nama_kabupaten,
        desa=data.desa,
        rekap=data.rekap,
        tms=data.tms,
        rekap_sebelumnya=data.rekap_sebelumnya,
        tanggal_pleno=data.pleno.tanggal,
    )


@dataclass(frozen=True)
class KodeTms:
    kode: int
    label: str
    keterangan: str

    @property
    def kolom(self) -> str:
        return f"tms_{self.kode}"


@dataclass(frozen=True)
class PublicTables:
    """Wide tables, one row per desa / kecamatan, and the kabupaten totals.

    Every count `m` comes as `m_l`, `m_p` and `m` (total). The previous quarter's columns
    are null when there is no previous quarter (`ada_sebelumnya` False).
    """

    inp: PublicInput
    kode_tms: tuple[KodeTms, ...]
    measures: tuple[str, ...]
    desa: pl.DataFrame
    kecamatan: pl.DataFrame
    kabupaten: dict[str, int | None]
    ada_sebelumnya: bool


def measures_of(kode_tms: tuple[KodeTms, ...]) -> tuple[str, ...]:
    """Public count names, in the order of the plenary recap: start, in, out, moves, end."""
    return (*_this_quarter(kode_tms), PREVIOUS, CHANGE)


def _this_quarter(kode_tms: tuple[KodeTms, ...]) -> tuple[str, ...]:
    return (
        "pemilih_awal",
        "baru",
        "tms",
        *(k.kolom for k in kode_tms),
        "ubah",
        "pindah_masuk",
        "pindah_keluar",
        "pemilih_akhir",
        "selisih",
    )


def _by_sex(measures: tuple[str, ...]) -> list[str]:
    return [c for m in measures for c in (f"{m}_l", f"{m}_p", m)]


def _split_by_sex(columns: dict[str, str]) -> list[pl.Expr]:
    """rekap column -> public name, as `<name>_l`, `<name>_p` and `<name>` (total)."""
    exprs: list[pl.Expr] = []
    for col, name in columns.items():
        value = pl.col(col).cast(pl.Int64)
        exprs += [
            value.filter(pl.col("jenis_kelamin") == "L").sum().alias(f"{name}_l"),
            value.filter(pl.col("jenis_kelamin") == "P").sum().alias(f"{name}_p"),
            value.sum().alias(name),
        ]
    return exprs


def _with_change(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        (pl.col(f"pemilih_akhir{s}") - pl.col(f"{PREVIOUS}{s}")).alias(f"{CHANGE}{s}") for s in ("_l", "_p", "")
    )


def build_tables(inp: PublicInput) -> PublicTables:
    kode_tms = tuple(
        KodeTms(int(r["kode"]), str(r["label"]), str(r["keterangan"] or ""))
        for r in inp.tms.sort("kode").iter_rows(named=True)
    )
    own = _this_quarter(kode_tms)
    own_counts = _by_sex(own)
    counts = _by_sex(measures_of(kode_tms))
    reverse = {v: k for k, v in PUBLIC_NAME.items()}
    from_rekap = {reverse.get(m, m): m for m in own}

    per_desa = inp.rekap.group_by("kode_desa").agg(_split_by_sex(from_rekap))
    desa = inp.desa.select("kode_desa", "nama_desa", "jenis", "kode_kecamatan", "nama_kecamatan").join(
        per_desa, on="kode_desa", how="left"
    )
    missing = desa.filter(pl.col("pemilih_akhir").is_null())["kode_desa"].to_list()
    if missing:
        raise ValueError(f"rekap has no rows for desa {missing[:5]}")
    kecamatan = desa.group_by("kode_kecamatan", "nama_kecamatan").agg(
        pl.len().cast(pl.Int64).alias("jumlah_desa"), *(pl.col(c).sum() for c in own_counts)
    )
    kabupaten: dict[str, int | None] = {c: int(desa[c].sum()) for c in own_counts}

    previous_end = {"akhir": PREVIOUS}
    if inp.rekap_sebelumnya is not None:
        # A kecamatan code is the desa code cut after the kecamatan part (as in
        # transforms/wilayah). A desa absent from the previous quarter (a new region code)
        # has no previous count; its kecamatan and the kabupaten are still compared with
        # everything they held then.
        prev = inp.rekap_sebelumnya.with_columns(
            pl.col("kode_desa").str.slice(0, len(inp.kode_kabupaten) + 3).alias("kode_kecamatan")
        )

        def compared(frame: pl.DataFrame, key: str) -> pl.DataFrame:
            earlier = prev.group_by(key).agg(_split_by_sex(previous_end))
            return _with_change(frame.join(earlier, on=key, how="left"))

        desa, kecamatan = compared(desa, "kode_desa"), compared(kecamatan, "kode_kecamatan")
        total = prev.select(_split_by_sex(previous_end)).row(0, named=True)
        for s in ("_l", "_p", ""):
            kabupaten[f"{PREVIOUS}{s}"] = int(total[f"{PREVIOUS}{s}"])
            kabupaten[f"{CHANGE}{s}"] = kabupaten[f"pemilih_akhir{s}"] - kabupaten[f"{PREVIOUS}{s}"]
    else:
        empty = [pl.lit(None, dtype=pl.Int64).alias(c) for c in _by_sex((PREVIOUS, CHANGE))]
        desa, kecamatan = desa.with_columns(empty), kecamatan.with_columns(empty)
        kabupaten.update({c: None for c in _by_sex((PREVIOUS, CHANGE))})

    head = {
        "triwulan": pl.lit(inp.quarter),
        "tanggal_acuan": pl.lit(inp.tanggal_acuan.isoformat()),
        "kode_kabupaten": pl.lit(inp.kode_kabupaten),
        "nama_kabupaten": pl.lit(inp.nama_kabupaten),
    }
    desa = desa.with_columns(**head).select(*ID_DESA, *counts).sort("kode_desa")
    kecamatan = kecamatan.with_columns(**head).select(*ID_KECAMATAN, *counts).sort("kode_kecamatan")
    kabupaten = {c: kabupaten[c] for c in counts}
    return PublicTables(
        inp, kode_tms, measures_of(kode_tms), desa, kecamatan, kabupaten, inp.rekap_sebelumnya is not None
    )
