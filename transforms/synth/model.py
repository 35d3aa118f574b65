"""What the generator's parts share: event rates, the columns of each inbox file, a row with
its labels (the outcome the pipeline must give it), the list's state between quarters, and the
quarter calendar."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from schemas.fields import PERSON_FIELDS
from transforms.synth.draw import NumberRegistry, Region

# Default rates per quarter, relative to the active list. Groups: BARU ~1.5 %, TMS ~1.1 %
# (with the list checks), corrections ~0.8 %.
DEFAULT_RATES: dict[str, float] = {
    "penduduk_baru": 0.0100,
    "datang_luar": 0.0040,
    "kawin_muda": 0.0002,
    "tni_pensiun": 0.0004,
    "kematian": 0.0065,
    "pindah_keluar": 0.0036,
    "tni_masuk": 0.0004,
    "tms_perbaikan": 0.0001,
    "pindah_antar_desa": 0.0030,
    "perbaikan": 0.0050,
    # Rows that change nothing, as a share of the list.
    "kematian_luar": 0.0005,
    "penduduk_terdaftar": 0.0015,
    "penduduk_belum_umur": 0.0010,
    "datang_belum_umur": 0.0004,
    "tni_lain": 0.0001,
    "konflik": 0.0004,
}
GROUPS = {
    "baru": ("penduduk_baru", "datang_luar", "kawin_muda", "tni_pensiun"),
    "tms": ("kematian", "pindah_keluar", "tni_masuk", "tms_perbaikan"),
    "ubah": ("pindah_antar_desa", "perbaikan"),
}

# Columns of each inbox file in clean mode (canonical names), besides the label columns.
FILE_COLUMNS: dict[str, tuple[str, ...]] = {
    "kematian": ("nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw",
                 "kode_desa", "tanggal_meninggal", "umur"),
    "pindah_keluar": ("nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw",
                      "kode_desa", "tanggal_pindah", "tujuan"),
    "pindah_datang": ("nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "status_kawin", "jenis_kelamin",
                      "alamat", "rt", "rw", "disabilitas", "kode_desa", "tanggal_datang", "asal"),
    "penduduk": ("nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "status_kawin", "jenis_kelamin", "alamat",
                 "rt", "rw", "disabilitas", "kode_desa"),
    "tni_polri": ("nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "status_kawin", "jenis_kelamin", "alamat",
                  "rt", "rw", "kode_desa", "instansi", "perubahan"),
    "perbaikan": ("nik", "nama", "tempat_lahir", "tanggal_lahir", "status_kawin", "jenis_kelamin", "alamat", "rt",
                  "rw", "disabilitas", "kode_tms"),
}
KINDS = tuple(FILE_COLUMNS)
# A desa's own death report: no NIK, no birth date, only the age; the address (dusun, RT/RW)
# as a surat keterangan kematian gives it, left blank on some rows (`DESA_TANPA_ALAMAT`).
DESA_REPORT_COLUMNS = ("nama", "umur", "jenis_kelamin", "alamat", "rt", "rw", "kode_desa", "tanggal_meninggal")
DESA_TANPA_ALAMAT = 0.2

# Label keys carried by every row dict next to the data fields.
LABEL_KEYS = ("_hasil", "_kategori", "_kode_tms", "_nik_target", "_kasus", "_nik_benar", "_tanggal_lahir_benar",
              "_kode_desa_benar", "_kode_desa_lama", "_kolom_diubah", "_rec", "_nik_mode")

DITERAPKAN, VERIFIKASI, KARANTINA, TANPA = "diterapkan", "verifikasi", "karantina", "tanpa_perubahan"
CHANGE_FIELDS = tuple(f for f in PERSON_FIELDS if f not in ("nik", "tps"))


def resolve_rates(event_rates: dict | None) -> dict[str, float]:
    """Defaults, then group scales (`baru`, `tms`, `ubah` as totals), then single rates."""
    rates = dict(DEFAULT_RATES)
    for group, keys in GROUPS.items():
        if event_rates and group in event_rates:
            total = sum(DEFAULT_RATES[k] for k in keys)
            for k in keys:
                rates[k] = DEFAULT_RATES[k] * float(event_rates[group]) / total
    for k, v in (event_rates or {}).items():
        if k in GROUPS:
            continue
        if k not in rates:
            raise ValueError(f"unknown event rate '{k}'")
        rates[k] = float(v)
    return rates


def quarter_dates(quarter: str) -> tuple[date, date]:
    """First and last day of '2026-Q1'."""
    year, q = int(quarter[:4]), int(quarter[-1])
    start = date(year, 3 * q - 2, 1)
    end = date(year + (q == 4), (3 * q) % 12 + 1, 1) - timedelta(days=1)
    return start, end


def next_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year + (q == 4)}-Q{q % 4 + 1}"


def previous_quarter_end(quarter: str) -> date:
    return quarter_dates(quarter)[0] - timedelta(days=1)


@dataclass
class State:
    """The list as it stands, plus what the generator needs to keep numbers unique."""

    voters: pl.DataFrame  # see population.Population.voters; adds status, kode_tms
    region: Region
    reg_nik: NumberRegistry
    reg_nkk: NumberRegistry
    next_rumah: int
    pending_youth: list[dict] = field(default_factory=list)  # under-17 DP4 rows to come back later
    retired: set[str] = field(default_factory=set)  # dead or gone, though still on the list (review)


@dataclass
class QuarterEvents:
    quarter: str
    tanggal_acuan: date
    rows: dict[str, list[dict]]  # kind -> row dicts (data fields + label keys), in file order
    list_changes: list[dict]  # TMS 2 / TMS 3 from checking the whole list


def random_day(rng, start: date, end: date) -> date:
    return start + timedelta(days=int(rng.integers(0, (end - start).days + 1)))


def whole_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def file_row(kind: str, person: dict, **extra) -> dict:
    """A row of a `kind` file: the person's cells, the label keys still empty."""
    row = {c: person.get(c) for c in FILE_COLUMNS[kind]}
    row.update({k: None for k in LABEL_KEYS})
    row["_nik_mode"] = "teks"
    row["_berkas"] = ""  # "" the kind's main file; "desa" a desa report (kematian without NIK)
    row["_raw"] = {}  # cells written exactly as given (invalid values of quarantined rows)
    row.update(extra)
    return row


def label_row(row: dict, hasil: str, kasus: str, *, kategori=None, kode_tms=None, target=None, truth: dict,
              desa_lama=None, kolom=None, rec=None) -> dict:
    """The outcome the pipeline must give `row`, and the true person behind it (`truth`)."""
    row.update(
        _hasil=hasil,
        _kasus=kasus,
        _kategori=kategori,
        _kode_tms=kode_tms,
        _nik_target=target,
        _nik_benar=truth["nik"],
        _tanggal_lahir_benar=truth["tanggal_lahir"],
        _kode_desa_benar=truth["kode_desa"],
        _kode_desa_lama=desa_lama,
        _kolom_diubah=kolom,
        _rec=rec,
    )
    return row
