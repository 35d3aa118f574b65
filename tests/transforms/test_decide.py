"""Quarter rules on hand-built frames: reactivation, and decisions on hand-built link frames."""

from __future__ import annotations

import json
from datetime import date

import polars as pl

from transforms import store
from transforms.decide import decide_quarter
from schemas.fields import DITERAPKAN, TANPA_PERUBAHAN, VERIFIKASI
from schemas.frames import MATCH_SCHEMA
from transforms.match import match_quarter
from schemas.policy import load_policy
from schemas.tables import load_tms, load_tms_rules
from transforms.parse import RECORD_SCHEMA


def _voter(i: int, nik: str, nama: str, desa: str, status: str = "AKTIF", kode_tms: int | None = None) -> dict:
    return {
        "id_pemilih": i, "nik": nik, "nkk": "3323012001100001", "nama": nama, "tempat_lahir": "TEMANGGUNG",
        "tanggal_lahir": date(1980, 5, 17), "status_kawin": "S", "jenis_kelamin": "L", "alamat": "DUSUN KRAJAN",
        "rt": "001", "rw": "002", "disabilitas": None, "kode_desa": desa, "tps": "001", "status": status,
        "kode_tms": kode_tms, "sumber_file": "pemilih.csv", "sumber_baris": i + 1,
    }


def _moved_back() -> pl.DataFrame:
    """Voter 1 (TMS 4) reported as moved back in, to another desa."""
    row = {c: None for c in RECORD_SCHEMA} | {
        "sumber_file": "pindah_datang_q1.csv", "sumber_baris": 2, "jenis": "pindah_datang",
        "nik": "3323011705800001", "nik_andal": True, "nkk": "3323012001100001", "nkk_andal": True,
        "nama": "SUPARMAN", "tanggal_lahir": date(1980, 5, 17), "status_kawin": "S", "jenis_kelamin": "L",
        "alamat": "DUSUN NGASEM", "rt": "003", "rw": "002", "kode_desa": "33.23.01.2002",
        "tanggal_datang": date(2026, 2, 1), "kode_desa_kandidat": [], "kolom_isi": [],
    }
    return pl.DataFrame([row], schema=RECORD_SCHEMA)


def test_voter_who_moved_back_is_reactivated_in_the_new_desa():
    current = pl.DataFrame(
        [
            _voter(1, "3323011705800001", "SUPARMAN", "33.23.01.2001", "TMS", 4),
            _voter(2, "3323011705800002", "BAMBANG SUGENG", "33.23.01.2001"),
        ],
        schema=store.VOTER_SCHEMA,
    )
    records = _moved_back()
    policy, day = load_policy(), date(2026, 3, 31)
    links = match_quarter(records, current, policy, tanggal_acuan=day)
    decision = decide_quarter(records, links, current, tanggal_acuan=day, policy=policy)
    change = decision.perubahan.filter(pl.col("id_pemilih") == 1).row(0, named=True)
    assert change["kategori"] == "BARU" and change["metode"] == "REAKTIVASI"
    assert change["kode_desa"] == "33.23.01.2002" and change["kode_desa_lama"] == "33.23.01.2001"
    assert change["kolom_diubah"] == "alamat,rt,kode_desa"
    assert json.loads(change["nilai_lama"])["alamat"] == "DUSUN KRAJAN"
    version = decision.versions.filter(pl.col("id_pemilih") == 1).row(0, named=True)
    assert version["status"] == "AKTIF" and version["kode_tms"] is None


def _links(rows: list[dict]) -> pl.DataFrame:
    """A link frame as the match stage hands it to decide (MATCH_SCHEMA), built by hand."""
    base = {"sumber_file": "kematian_q1.csv", "metode": "FUZZY", "skor": 0.9, "alasan": "uji", "daftar": "aktif"}
    return pl.DataFrame([base | r for r in rows], schema=MATCH_SCHEMA)


def _death(baris: int, nama: str) -> dict:
    return {c: None for c in RECORD_SCHEMA} | {
        "sumber_file": "kematian_q1.csv", "sumber_baris": baris, "jenis": "kematian", "nama": nama,
        "nik_andal": False, "nkk_andal": False, "tanggal_meninggal": date(2026, 2, 3), "kode_desa": "33.23.01.2001",
        "kode_desa_kandidat": [], "kolom_isi": [],
    }


def _two_voters() -> pl.DataFrame:
    return pl.DataFrame(
        [_voter(1, "3323011705800001", "SUPARMAN", "33.23.01.2001"),
         _voter(2, "3323011705800002", "SUPARMAN", "33.23.01.2001")],
        schema=store.VOTER_SCHEMA,
    )


def test_decide_applies_exactly_what_the_links_prove_and_queues_the_rest():
    # Decide on a link frame built by hand: no matcher runs. Row 2 has one AUTO link (a TMS 1 is
    # applied); row 3 has two REVIEW candidates (both queued, nobody removed); row 4 has none.
    current = _two_voters()
    records = pl.DataFrame([_death(2, "SUPARMAN"), _death(3, "SUPARMAN"), _death(4, "NAMA LAIN")], schema=RECORD_SCHEMA)
    links = _links([
        {"sumber_baris": 2, "id_pemilih": 1, "putusan": "AUTO", "peringkat": 1},
        {"sumber_baris": 3, "id_pemilih": 2, "putusan": "REVIEW", "peringkat": 1},
        {"sumber_baris": 3, "id_pemilih": 1, "putusan": "REVIEW", "peringkat": 2},
        {"sumber_baris": 4, "id_pemilih": None, "putusan": "NONE", "peringkat": 1, "metode": "NONE"},
    ])
    decision = decide_quarter(records, links, current, tanggal_acuan=date(2026, 3, 31), policy=load_policy())
    assert decision.perubahan.select("id_pemilih", "kategori", "kode_tms").rows() == [(1, "TMS", 1)]
    assert sorted(decision.verifikasi.get_column("id_pemilih_kandidat").to_list()) == [1, 2]
    assert set(decision.verifikasi.get_column("sumber_baris").to_list()) == {3}
    outcome = dict(decision.hasil.select("sumber_baris", "hasil").iter_rows())
    assert outcome == {2: DITERAPKAN, 3: VERIFIKASI, 4: TANPA_PERUBAHAN}


def test_a_link_to_a_removed_voter_never_removes_anyone():
    # A death whose only candidate is on the list of voters already removed changes nothing.
    current = _two_voters().with_columns(
        pl.when(pl.col("id_pemilih") == 2).then(pl.lit("TMS")).otherwise(pl.col("status")).alias("status")
    )
    records = pl.DataFrame([_death(2, "SUPARMAN")], schema=RECORD_SCHEMA)
    links = _links([{"sumber_baris": 2, "id_pemilih": 2, "putusan": "AUTO", "peringkat": 1, "daftar": "tms"},
                    {"sumber_baris": 2, "id_pemilih": None, "putusan": "NONE", "peringkat": 1, "metode": "NONE"}])
    decision = decide_quarter(records, links, current, tanggal_acuan=date(2026, 3, 31), policy=load_policy())
    assert decision.perubahan.height == 0 and decision.verifikasi.height == 0


def test_the_tms_table_decides_who_may_come_back(tmp_path):
    # The same move back in, with a TMS table whose code 4 no voter returns from by himself:
    # the reactivation is held for review instead of applied (rules are data, schemas/tms.csv).
    current = pl.DataFrame(
        [_voter(1, "3323011705800001", "SUPARMAN", "33.23.01.2001", "TMS", 4),
         _voter(2, "3323011705800002", "BAMBANG SUGENG", "33.23.01.2001")],
        schema=store.VOTER_SCHEMA,
    )
    records = _moved_back()
    table = load_tms().with_columns(
        pl.when(pl.col("kode") == 4).then(pl.lit(None, pl.Utf8)).otherwise(pl.col("kembali_oleh")).alias("kembali_oleh")
    )
    strict = tmp_path / "tms_ketat.csv"
    table.write_csv(strict)
    policy, day = load_policy(), date(2026, 3, 31)
    links = match_quarter(records, current, policy, tanggal_acuan=day)
    shipped = decide_quarter(records, links, current, tanggal_acuan=day, policy=policy)
    held = decide_quarter(records, links, current, tanggal_acuan=day, policy=policy, tms=load_tms_rules(strict))
    assert shipped.perubahan.get_column("metode").to_list() == ["REAKTIVASI"]
    assert held.perubahan.height == 0
    assert held.verifikasi.select("id_pemilih_kandidat", "tindakan").rows() == [(1, "AKTIFKAN")]
