"""Quarter rules on hand-built frames: reactivation of a voter who moved back in."""

from __future__ import annotations

import json
from datetime import date

import polars as pl

from transforms import store
from transforms.decide import decide_quarter
from schemas.policy import load_policy
from transforms.parse import RECORD_SCHEMA


def _voter(i: int, nik: str, nama: str, desa: str, status: str = "AKTIF", kode_tms: int | None = None) -> dict:
    return {
        "id_pemilih": i, "nik": nik, "nkk": "3323012001100001", "nama": nama, "tempat_lahir": "TEMANGGUNG",
        "tanggal_lahir": date(1980, 5, 17), "status_kawin": "S", "jenis_kelamin": "L", "alamat": "DUSUN KRAJAN",
        "rt": "001", "rw": "002", "disabilitas": None, "kode_desa": desa, "tps": "001", "status": status,
        "kode_tms": kode_tms, "sumber_file": "pemilih.csv", "sumber_baris": i + 1,
    }


def test_voter_who_moved_back_is_reactivated_in_the_new_desa():
    current = pl.DataFrame(
        [
            _voter(1, "3323011705800001", "SUPARMAN", "33.23.01.2001", "TMS", 4),
            _voter(2, "3323011705800002", "BAMBANG SUGENG", "33.23.01.2001"),
        ],
        schema=store.VOTER_SCHEMA,
    )
    row = {c: None for c in RECORD_SCHEMA} | {
        "sumber_file": "pindah_datang_q1.csv", "sumber_baris": 2, "jenis": "pindah_datang",
        "nik": "3323011705800001", "nik_andal": True, "nkk": "3323012001100001", "nkk_andal": True,
        "nama": "SUPARMAN", "tanggal_lahir": date(1980, 5, 17), "status_kawin": "S", "jenis_kelamin": "L",
        "alamat": "DUSUN NGASEM", "rt": "003", "rw": "002", "kode_desa": "33.23.01.2002",
        "tanggal_datang": date(2026, 2, 1), "kode_desa_kandidat": [], "kolom_isi": [],
    }
    records = pl.DataFrame([row], schema=RECORD_SCHEMA)
    decision = decide_quarter(records, current, tanggal_acuan=date(2026, 3, 31), policy=load_policy())
    change = decision.perubahan.filter(pl.col("id_pemilih") == 1).row(0, named=True)
    assert change["kategori"] == "BARU" and change["metode"] == "REAKTIVASI"
    assert change["kode_desa"] == "33.23.01.2002" and change["kode_desa_lama"] == "33.23.01.2001"
    assert change["kolom_diubah"] == "alamat,rt,kode_desa"
    assert json.loads(change["nilai_lama"])["alamat"] == "DUSUN KRAJAN"
    version = decision.versions.filter(pl.col("id_pemilih") == 1).row(0, named=True)
    assert version["status"] == "AKTIF" and version["kode_tms"] is None
