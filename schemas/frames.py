"""The frame contract of each stage: the columns and types one stage hands the next.

read → parse: `Parsed` (RECORD_SCHEMA records, KARANTINA_SCHEMA quarantine rows);
parse → match: RECORD_SCHEMA; match → decide: MATCH_SCHEMA (LINK_SCHEMA plus the list the
candidate is on); decide → store: CHANGE_SCHEMA (table `perubahan`) and the review queue
(`transforms.review.REVIEW_SCHEMA`, table `verifikasi`). `tests/schemas/test_frames.py` holds them
against `schemas/ddl.sql`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Parsed:
    records: pl.DataFrame
    karantina: pl.DataFrame


RECORD_SCHEMA: dict[str, pl.DataType] = {
    "sumber_file": pl.Utf8,
    "sumber_baris": pl.Int64,
    "jenis": pl.Utf8,
    "nik": pl.Utf8,
    "nkk": pl.Utf8,
    "nik_andal": pl.Boolean,
    "nkk_andal": pl.Boolean,
    "nama": pl.Utf8,
    "tempat_lahir": pl.Utf8,
    "tanggal_lahir": pl.Date,
    "umur": pl.Int32,
    "jenis_kelamin": pl.Utf8,
    "status_kawin": pl.Utf8,
    "alamat": pl.Utf8,
    "rt": pl.Utf8,
    "rw": pl.Utf8,
    "disabilitas": pl.Utf8,
    "tps": pl.Utf8,
    "kode_desa": pl.Utf8,
    "kode_desa_kandidat": pl.List(pl.Utf8),
    "tanggal_meninggal": pl.Date,
    "tanggal_pindah": pl.Date,
    "tanggal_datang": pl.Date,
    "tujuan": pl.Utf8,
    "asal": pl.Utf8,
    "instansi": pl.Utf8,
    "perubahan": pl.Utf8,
    "id_verifikasi": pl.Utf8,
    "keputusan": pl.Utf8,
    "catatan": pl.Utf8,
    "kolom_isi": pl.List(pl.Utf8),
    "kode_tms": pl.Int64,
    "no_bukti": pl.Utf8,  # akta kematian or SKPWNI number, kept on the change as its evidence
}

KARANTINA_SCHEMA: dict[str, pl.DataType] = {
    "sumber_file": pl.Utf8,
    "sumber_baris": pl.Int64,
    "kolom": pl.Utf8,
    "alasan": pl.Utf8,
    "nilai": pl.Utf8,
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

# The list a candidate was found on: the active list, or the voters already removed from it.
DAFTAR_AKTIF, DAFTAR_TMS = "aktif", "tms"
MATCH_SCHEMA: dict[str, pl.DataType] = {**LINK_SCHEMA, "daftar": pl.Utf8}

# The changes a quarter applies, in application order (table `perubahan`, less `kuartal`).
CHANGE_COLUMNS = (
    "kategori", "kode_tms", "id_pemilih", "nik", "nkk", "nama", "jenis_kelamin", "kode_desa", "kode_desa_lama",
    "kolom_diubah", "nilai_lama", "nilai_baru", "sumber_file", "sumber_sha256", "sumber_baris", "metode", "skor",
    "penetapan", "id_verifikasi", "no_bukti",
)
CHANGE_SCHEMA: dict[str, pl.DataType] = {
    "urutan": pl.Int32,
    **{c: pl.Utf8 for c in CHANGE_COLUMNS},
    "kode_tms": pl.Int64, "id_pemilih": pl.Int64, "sumber_baris": pl.Int64, "skor": pl.Float64,
}
