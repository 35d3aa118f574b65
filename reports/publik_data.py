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

ID_DESA = (
    "triwulan",
    "tanggal_acuan",
    "kode_kabupaten",
    "nama_kabupaten",
    "kode_kecamatan",
    "nama_kecamatan",
    "kode_desa",
    "nama_desa",
    "jenis",
)
ID_KECAMATAN = (
    "triwulan",
    "tanggal_acuan",
    "kode_kabupaten",
    "nama_kabupaten",
    "kode_kecamatan",
    "nama_kecamatan",
    "jumlah_desa",
)
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

    @property
    def count_columns(self) -> list[str]:
        return [c for m in self.measures for c in (f"{m}_l", f"{m}_p", m)]


def measures_of(kode_tms: tuple[KodeTms, ...]) -> tuple[str, ...]:
    """Public count names, in the order of the plenary recap: start, in, out, moves, end."""
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
        PREVIOUS,
        CHANGE,
    )


def _split_by_sex(rekap: pl.DataFrame, columns: list[str]) -> list[pl.Expr]:
    exprs: list[pl.Expr] = []
    for col in columns:
        name = PUBLIC_NAME.get(col, col)
        value = pl.col(col).cast(pl.Int64)
        exprs += [
            value.filter(pl.col("jenis_kelamin") == "L").sum().alias(f"{name}_l"),
            value.filter(pl.col("jenis_kelamin") == "P").sum().alias(f"{name}_p"),
            value.sum().alias(name),
        ]
    return exprs


def _previous(rekap_sebelumnya: pl.DataFrame, key: str) -> pl.DataFrame:
    return rekap_sebelumnya.group_by(key).agg(
        _split_by_sex(rekap_sebelumnya, ["akhir"])
    ).rename({"pemilih_akhir_l": f"{PREVIOUS}_l", "pemilih_akhir_p": f"{PREVIOUS}_p", "pemilih_akhir": PREVIOUS})


def _with_change(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        (pl.col(f"pemilih_akhir{s}") - pl.col(f"{PREVIOUS}{s}")).alias(f"{CHANGE}{s}") for s in ("_l", "_p", "")
    )


def _null_previous() -> list[pl.Expr]:
    return [pl.lit(None, dtype=pl.Int64).alias(f"{n}{s}") for n in (PREVIOUS, CHANGE) for s in ("_l", "_p", "")]


def build_tables(inp: PublicInput) -> PublicTables:
    kode_tms = tuple(
        KodeTms(int(r["kode"]), str(r["label"]), str(r["keterangan"] or ""))
        for r in inp.tms.sort("kode").iter_rows(named=True)
    )
    measures = measures_of(kode_tms)
    rekap_cols = ["awal", "baru", "tms", *(k.kolom for k in kode_tms), "ubah", "pindah_masuk", "pindah_keluar", "akhir", "selisih"]
    counts = [c for m in measures for c in (f"{m}_l", f"{m}_p", m)]
    ada_sebelumnya = inp.rekap_sebelumnya is not None
    # A kecamatan code is the desa code cut after the kecamatan part (as in transforms/wilayah).
    kec_len = len(inp.kode_kabupaten) + 3

    per_desa = inp.rekap.group_by("kode_desa").agg(_split_by_sex(inp.rekap, rekap_cols))
    desa = inp.desa.select("kode_desa", "nama_desa", "jenis", "kode_kecamatan", "nama_kecamatan").join(
        per_desa, on="kode_desa", how="left"
    )
    missing = desa.filter(pl.col("pemilih_akhir").is_null())["kode_desa"].to_list()
    if missing:
        raise ValueError(f"rekap has no rows for desa {missing[:5]}")

    per_kec = desa.group_by("kode_kecamatan", "nama_kecamatan").agg(
        pl.len().cast(pl.Int64).alias("jumlah_desa"),
        *(pl.col(c).sum() for c in counts[: -6]),
    )
    if ada_sebelumnya:
        prev = inp.rekap_sebelumnya.with_columns(pl.col("kode_desa").str.slice(0, kec_len).alias("kode_kecamatan"))
        # A desa absent from the previous quarter (a new region code) has no previous count;
        # its kecamatan and the kabupaten are still compared with everything they held then.
        desa = _with_change(desa.join(_previous(prev, "kode_desa"), on="kode_desa", how="left"))
        per_kec = _with_change(per_kec.join(_previous(prev, "kode_kecamatan"), on="kode_kecamatan", how="left"))
        prev_total = _previous(prev.with_columns(pl.lit(1).alias("_semua")), "_semua").drop("_semua")
    else:
        desa = desa.with_columns(_null_previous())
        per_kec = per_kec.with_columns(_null_previous())
        prev_total = None

    head = {
        "triwulan": pl.lit(inp.quarter),
        "tanggal_acuan": pl.lit(inp.tanggal_acuan.isoformat()),
        "kode_kabupaten": pl.lit(inp.kode_kabupaten),
        "nama_kabupaten": pl.lit(inp.nama_kabupaten),
    }
    desa = desa.with_columns(**head).select(*ID_DESA, *counts).sort("kode_desa")
    per_kec = per_kec.with_columns(**head).select(*ID_KECAMATAN, *counts).sort("kode_kecamatan")

    kabupaten: dict[str, int | None] = {c: int(desa[c].sum()) for c in counts[:-6]}
    for c in counts[-6:]:
        kabupaten[c] = None
    if prev_total is not None:
        for s in ("_l", "_p", ""):
            kabupaten[f"{PREVIOUS}{s}"] = int(prev_total.item(0, f"{PREVIOUS}{s}"))
            kabupaten[f"{CHANGE}{s}"] = kabupaten[f"pemilih_akhir{s}"] - kabupaten[f"{PREVIOUS}{s}"]
    return PublicTables(inp, kode_tms, measures, desa, per_kec, kabupaten, ada_sebelumnya)
