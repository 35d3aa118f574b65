"""pandera (polars) models of parsed records: the row checks of SPEC §5.1, one model per kind.

The static rules live on the models; the rules that depend on the run (the quarter's
tanggal acuan, the province codes, the desa of the kabupaten) are added by `schema_for`.
Every check has a name; `REASONS` turns a failing check into a quarantine reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.typing.polars import Series

from schemas.fields import BASELINE_KIND, DATE_FIELDS, INBOX_KINDS

# NIK structure (PPKKCC DDMMYY SSSS: region, birth date with day+40 for women, serial),
# shared with the parser.


def nik_is_16_digits(col: pl.Expr) -> pl.Expr:
    return col.str.contains(r"^[0-9]{16}$")


def nik_province_ok(col: pl.Expr, provinces: frozenset[str]) -> pl.Expr:
    return col.str.slice(0, 2).is_in(sorted(provinces))


def nik_birth_ok(col: pl.Expr) -> pl.Expr:
    """DDMMYY at positions 7–12: day 1–31 (41–71 for women), month 1–12."""
    day = col.str.slice(6, 2).cast(pl.Int32, strict=False)
    month = col.str.slice(8, 2).cast(pl.Int32, strict=False)
    day_ok = day.is_between(1, 31) | day.is_between(41, 71)
    return day_ok & month.is_between(1, 12)


def nik_serial_ok(col: pl.Expr, from_number: pl.Expr) -> pl.Expr:
    """Serial 0000 does not exist; a NIK that went through a number lost its last digit,
    so 000x → 0000 is not held against it."""
    return (col.str.slice(12, 4) != "0000") | from_number


# Nobody on a voter list was born before this; earlier dates are typing errors.
EARLIEST_DATE = date(1900, 1, 1)
MAX_UMUR = 130


def _ok(data: PolarsData, condition: pl.Expr) -> pl.LazyFrame:
    """A check passes for nulls: emptiness is judged by the parser, per kind."""
    col = pl.col(data.key)
    return data.lazyframe.select((col.is_null() | condition.fill_null(False)).alias(data.key))


def _in(values: tuple[str, ...]):
    return lambda data: _ok(data, pl.col(data.key).is_in(list(values)))


# Each check method is named like its check: pandera names the checks of subclassed
# models after the method, and REASONS is keyed by that name.


class Record(pa.DataFrameModel):
    """The person fields every kind shares (SPEC §4.1/§4.2)."""

    sumber_file: Series[str]
    sumber_baris: Series[pl.Int64]
    jenis: Series[str]
    nik: Series[str] = pa.Field(nullable=True)
    nkk: Series[str] = pa.Field(nullable=True)
    nik_andal: Series[bool] = pa.Field(nullable=True)
    nkk_andal: Series[bool] = pa.Field(nullable=True)
    nama: Series[str] = pa.Field(nullable=True)
    tempat_lahir: Series[str] = pa.Field(nullable=True)
    tanggal_lahir: Series[pl.Date] = pa.Field(nullable=True)
    umur: Series[pl.Int32] = pa.Field(nullable=True)
    jenis_kelamin: Series[str] = pa.Field(nullable=True)
    status_kawin: Series[str] = pa.Field(nullable=True)
    alamat: Series[str] = pa.Field(nullable=True)
    rt: Series[str] = pa.Field(nullable=True)
    rw: Series[str] = pa.Field(nullable=True)
    disabilitas: Series[str] = pa.Field(nullable=True)
    tps: Series[str] = pa.Field(nullable=True)
    kode_desa: Series[str] = pa.Field(nullable=True)
    tanggal_meninggal: Series[pl.Date] = pa.Field(nullable=True)
    tanggal_pindah: Series[pl.Date] = pa.Field(nullable=True)
    tanggal_datang: Series[pl.Date] = pa.Field(nullable=True)
    tujuan: Series[str] = pa.Field(nullable=True)
    asal: Series[str] = pa.Field(nullable=True)
    instansi: Series[str] = pa.Field(nullable=True)
    perubahan: Series[str] = pa.Field(nullable=True)
    id_verifikasi: Series[str] = pa.Field(nullable=True)
    keputusan: Series[str] = pa.Field(nullable=True)
    kode_tms: Series[pl.Int64] = pa.Field(nullable=True)

    class Config:
        strict = False  # helper columns (`_nik_angka`) and list columns ride along
        coerce = False

    @pa.check("nik", name="nik_16_digit")
    def nik_16_digit(cls, data: PolarsData) -> pl.LazyFrame:
        return _ok(data, nik_is_16_digits(pl.col(data.key)))

    @pa.check("nik", name="nik_tanggal")
    def nik_tanggal(cls, data: PolarsData) -> pl.LazyFrame:
        col = pl.col(data.key)
        return _ok(data, ~nik_is_16_digits(col) | nik_birth_ok(col))

    @pa.check("nik", name="nik_nomor_urut")
    def nik_nomor_urut(cls, data: PolarsData) -> pl.LazyFrame:
        col = pl.col(data.key)
        return _ok(data, ~nik_is_16_digits(col) | nik_serial_ok(col, pl.col("_nik_angka")))

    @pa.check("nkk", name="nkk_16_digit")
    def nkk_16_digit(cls, data: PolarsData) -> pl.LazyFrame:
        return _ok(data, nik_is_16_digits(pl.col(data.key)))

    @pa.check("jenis_kelamin", name="jenis_kelamin_kode")
    def jenis_kelamin_kode(cls, data: PolarsData) -> pl.LazyFrame:
        return _in(("L", "P"))(data)

    @pa.check("status_kawin", name="status_kawin_kode")
    def status_kawin_kode(cls, data: PolarsData) -> pl.LazyFrame:
        return _in(("B", "S", "P"))(data)

    @pa.check("umur", name="umur_rentang")
    def umur_rentang(cls, data: PolarsData) -> pl.LazyFrame:
        return _ok(data, pl.col(data.key).is_between(0, MAX_UMUR))

    @pa.check("instansi", name="instansi_kode")
    def instansi_kode(cls, data: PolarsData) -> pl.LazyFrame:
        return _in(("TNI", "POLRI"))(data)

    @pa.check("perubahan", name="perubahan_kode")
    def perubahan_kode(cls, data: PolarsData) -> pl.LazyFrame:
        return _in(("MASUK", "PENSIUN"))(data)

    @pa.check("keputusan", name="keputusan_kode")
    def keputusan_kode(cls, data: PolarsData) -> pl.LazyFrame:
        return _in(("SETUJU", "TOLAK"))(data)

    @pa.check("kode_tms", name="kode_tms_perbaikan")
    def kode_tms_perbaikan(cls, data: PolarsData) -> pl.LazyFrame:
        # SPEC §5.4: codes 5 and 9 come only from perbaikan rows (or review decisions).
        return _ok(data, pl.col(data.key).is_in([5, 9]))

    # Death, move-out and move-in dates are not before the birth date. Written as column
    # checks that look at `tanggal_lahir`: a failing row then reports the event column, and
    # pandera reports one value per failure instead of the whole row.
    @pa.check("tanggal_meninggal", "tanggal_pindah", "tanggal_datang", name="sebelum_lahir")
    def sebelum_lahir(cls, data: PolarsData) -> pl.LazyFrame:
        born = pl.col("tanggal_lahir")
        return _ok(data, born.is_null() | (pl.col(data.key) >= born))


# Per kind: the cells a row cannot do without (schemas.fields.REQUIRED_FIELDS). A blank
# one fails `not_nullable`.


class PemilihRecord(Record):
    """The baseline voter list (`pdpb init`): the NIK is the voter's key."""

    nik: Series[str] = pa.Field(nullable=False)
    nama: Series[str] = pa.Field(nullable=False)
    tanggal_lahir: Series[pl.Date] = pa.Field(nullable=False)
    jenis_kelamin: Series[str] = pa.Field(nullable=False)


class KematianRecord(Record):
    """Deaths (Disdukcapil or desa reports; the NIK may be missing)."""

    nama: Series[str] = pa.Field(nullable=False)
    tanggal_meninggal: Series[pl.Date] = pa.Field(nullable=False)


class PindahKeluarRecord(Record):
    nama: Series[str] = pa.Field(nullable=False)
    tanggal_pindah: Series[pl.Date] = pa.Field(nullable=False)


class PindahDatangRecord(Record):
    nama: Series[str] = pa.Field(nullable=False)
    tanggal_datang: Series[pl.Date] = pa.Field(nullable=False)


class PendudukRecord(Record):
    nama: Series[str] = pa.Field(nullable=False)


class TniPolriRecord(Record):
    nama: Series[str] = pa.Field(nullable=False)
    instansi: Series[str] = pa.Field(nullable=False)
    perubahan: Series[str] = pa.Field(nullable=False)


class PerbaikanRecord(Record):
    """Corrections: a blank cell means no change, so only the name is required."""

    nama: Series[str] = pa.Field(nullable=False)


class KeputusanRecord(Record):
    """A blank KEPUTUSAN is an item not decided yet (SPEC §5.3)."""

    id_verifikasi: Series[str] = pa.Field(nullable=False)
    keputusan: Series[str] = pa.Field(nullable=True)


class CoklitRecord(pa.DataFrameModel):
    """A returned coklit list, as read by transforms/coklit.py: a blank HASIL COKLIT is a visit not made yet."""

    sumber_baris: Series[pl.Int64] = pa.Field(nullable=False)
    hasil_coklit: Series[str] = pa.Field(nullable=True, isin=["MS", "TMS", "TIDAK DIKENAL"])
    kode_tms: Series[pl.Int64] = pa.Field(nullable=True, in_range={"min_value": 1, "max_value": 9})


MODELS: dict[str, type[Record]] = {
    BASELINE_KIND: PemilihRecord,
    "kematian": KematianRecord,
    "pindah_keluar": PindahKeluarRecord,
    "pindah_datang": PindahDatangRecord,
    "penduduk": PendudukRecord,
    "tni_polri": TniPolriRecord,
    "perbaikan": PerbaikanRecord,
    "keputusan": KeputusanRecord,
    "coklit": CoklitRecord,
}
assert set(MODELS) == {BASELINE_KIND, *INBOX_KINDS}


@dataclass(frozen=True)
class Rules:
    """What the checks need to know about the run."""

    tanggal_acuan: date
    provinces: frozenset[str]
    desa_codes: frozenset[str]


@lru_cache(maxsize=32)
def schema_for(kind: str, rules: Rules) -> pa.DataFrameSchema:
    """The kind's model with the run-dependent checks added."""
    schema = MODELS[kind].to_schema()
    acuan = rules.tanggal_acuan
    provinces = rules.provinces
    desa_codes = sorted(rules.desa_codes)
    extra: dict[str, list[pa.Check]] = {
        "nik": [
            pa.Check(
                lambda d: _ok(d, ~nik_is_16_digits(pl.col(d.key)) | nik_province_ok(pl.col(d.key), provinces)),
                name="nik_provinsi",
            )
        ],
        "nkk": [
            pa.Check(
                lambda d: _ok(d, ~nik_is_16_digits(pl.col(d.key)) | nik_province_ok(pl.col(d.key), provinces)),
                name="nkk_provinsi",
            )
        ],
        "kode_desa": [pa.Check(lambda d: _ok(d, pl.col(d.key).is_in(desa_codes)), name="kode_desa_kabupaten")],
    }
    for field in DATE_FIELDS:
        extra[field] = [
            pa.Check(lambda d: _ok(d, pl.col(d.key) <= pl.lit(acuan)), name="tanggal_setelah_acuan"),
            pa.Check(lambda d: _ok(d, pl.col(d.key) >= pl.lit(EARLIEST_DATE)), name="tanggal_terlalu_lama"),
        ]
    return schema.update_columns(
        {col: {"checks": list(schema.columns[col].checks) + checks} for col, checks in extra.items()}
    )


# Quarantine reasons per check, in Bahasa Indonesia. `{nilai}` is the cell as typed,
# `{label}` the field's name in words.
REASONS: dict[str, str] = {
    "not_nullable": "{label} kosong",
    "nik_16_digit": "NIK '{nilai}' tidak valid: harus 16 digit angka",
    "nik_provinsi": "NIK '{nilai}' tidak valid: kode provinsi (2 digit pertama) tidak dikenal",
    "nik_tanggal": "NIK '{nilai}' tidak valid: tanggal lahir di dalamnya (digit 7–12) tidak mungkin",
    "nik_nomor_urut": "NIK '{nilai}' tidak valid: nomor urut 0000",
    "nkk_16_digit": "NKK '{nilai}' tidak valid: harus 16 digit angka",
    "nkk_provinsi": "NKK '{nilai}' tidak valid: kode provinsi (2 digit pertama) tidak dikenal",
    "jenis_kelamin_kode": "jenis kelamin '{nilai}' tidak dikenal (L/P, LAKI-LAKI/PEREMPUAN)",
    "status_kawin_kode": "status perkawinan '{nilai}' tidak dikenal (B/S/P, BELUM KAWIN/KAWIN/CERAI HIDUP/CERAI MATI)",
    "umur_rentang": f"umur '{{nilai}}' di luar rentang 0–{MAX_UMUR} tahun",
    "instansi_kode": "instansi '{nilai}' tidak dikenal (TNI/POLRI)",
    "perubahan_kode": "perubahan '{nilai}' tidak dikenal (MASUK/PENSIUN)",
    "keputusan_kode": "keputusan '{nilai}' tidak dikenal (SETUJU/TOLAK)",
    "kode_tms_perbaikan": "kode TMS '{nilai}' tidak boleh dari berkas perbaikan (hanya 5 atau 9)",
    "kode_desa_kabupaten": "kode desa '{nilai}' bukan desa/kelurahan di {kabupaten}",
    "tanggal_setelah_acuan": "tanggal '{nilai}' sesudah tanggal acuan {acuan}",
    "tanggal_terlalu_lama": f"tanggal '{{nilai}}' sebelum {EARLIEST_DATE.year}: tidak masuk akal",
    "sebelum_lahir": "{label} '{nilai}' sebelum tanggal lahir",
}
