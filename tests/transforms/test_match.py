"""Linking records to voters and finding duplicates, on hand-built frames."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.match import (
    AUTO,
    NONE,
    REVIEW,
    LINK_SCHEMA,
    MatchPolicy,
    find_ganda,
    link_records,
    load_policy,
    prepare_voters,
)

DESA_A = "33.23.01.2001"
DESA_B = "33.23.01.2002"
DESA_C = "33.23.05.2003"


def _nik(desa_digits: str, born: date, sex: str, serial: str) -> str:
    day = born.day + (40 if sex == "P" else 0)
    return f"{desa_digits}{day:02d}{born.month:02d}{born.year % 100:02d}{serial}"


def voter(i: int, nama: str, born: date, sex: str, desa: str = DESA_A, *, nkk: str | None = None,
          nik: str | None = None, rt: str = "001", rw: str = "002") -> dict:
    return {
        "id_pemilih": i,
        "nik": nik or _nik("332301", born, sex, f"{i:04d}"),
        "nkk": nkk or f"3323010101{i:06d}",
        "nama": nama,
        "tempat_lahir": "TEMANGGUNG",
        "tanggal_lahir": born,
        "status_kawin": "S",
        "jenis_kelamin": sex,
        "alamat": "DUSUN KRAJAN",
        "rt": rt,
        "rw": rw,
        "disabilitas": None,
        "kode_desa": desa,
        "tps": "001",
    }


def voters_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "id_pemilih": pl.Int64, "nik": pl.Utf8, "nkk": pl.Utf8, "nama": pl.Utf8, "tempat_lahir": pl.Utf8,
            "tanggal_lahir": pl.Date, "status_kawin": pl.Utf8, "jenis_kelamin": pl.Utf8, "alamat": pl.Utf8,
            "rt": pl.Utf8, "rw": pl.Utf8, "disabilitas": pl.Utf8, "kode_desa": pl.Utf8, "tps": pl.Utf8,
        },
    )


def record(baris: int, nama: str, *, nik: str | None = None, nik_andal: bool | None = None,
           nkk: str | None = None, born: date | None = None, umur: int | None = None,
           sex: str | None = None, desa: str | None = DESA_A, kandidat: list[str] | None = None,
           meninggal: date | None = date(2026, 2, 10), jenis: str = "kematian",
           rt: str | None = None, rw: str | None = None) -> dict:
    return {
        "sumber_file": f"{jenis}_desa.xlsx",
        "sumber_baris": baris,
        "jenis": jenis,
        "nik": nik,
        "nik_andal": bool(nik) if nik_andal is None else nik_andal,
        "nkk": nkk,
        "nkk_andal": nkk is not None,
        "nama": nama,
        "tanggal_lahir": born,
        "umur": umur,
        "jenis_kelamin": sex,
        "kode_desa": desa,
        "kode_desa_kandidat": kandidat,
        "rt": rt,
        "rw": rw,
        "alamat": None,
        "tanggal_meninggal": meninggal,
        "tanggal_pindah": None,
        "tanggal_datang": None,
    }


def records_frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "sumber_file": pl.Utf8, "sumber_baris": pl.Int64, "jenis": pl.Utf8, "nik": pl.Utf8,
            "nik_andal": pl.Boolean, "nkk": pl.Utf8, "nkk_andal": pl.Boolean, "nama": pl.Utf8,
            "tanggal_lahir": pl.Date, "umur": pl.Int32, "jenis_kelamin": pl.Utf8, "kode_desa": pl.Utf8,
            "kode_desa_kandidat": pl.List(pl.Utf8), "rt": pl.Utf8, "rw": pl.Utf8, "alamat": pl.Utf8,
            "tanggal_meninggal": pl.Date, "tanggal_pindah": pl.Date, "tanggal_datang": pl.Date,
        },
    )


@pytest.fixture(scope="module")
def policy() -> MatchPolicy:
    return load_policy()


@pytest.fixture(scope="module")
def voters() -> pl.DataFrame:
    rows = [
        voter(1, "MUHAMMAD SUPARMAN", date(1950, 3, 14), "L"),
        voter(2, "SITI AMINAH", date(1962, 7, 1), "P"),
        voter(3, "JOKO SUSILO", date(1970, 11, 23), "L"),
        voter(4, "SURIP", date(1955, 5, 5), "L"),
        voter(5, "SURIP", date(1955, 9, 9), "L"),
        voter(6, "BAMBANG HERMAWAN", date(1980, 1, 30), "L", DESA_B),
        voter(7, "SRI WAHYUNI", date(1980, 1, 30), "P", DESA_B),
        voter(8, "CIPTO WIYONO", date(1948, 8, 17), "L", DESA_C),
        voter(9, "SUGENG RIYADI", date(1966, 4, 2), "L"),
        voter(10, "TRI HANDAYANI", date(1990, 12, 12), "P"),
    ]
    return voters_frame(rows)


def by_row(links: pl.DataFrame, baris: int) -> pl.DataFrame:
    return links.filter(pl.col("sumber_baris") == baris).sort("peringkat")


def test_output_contract(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    recs = records_frame([record(5, "ORANG TIDAK ADA", born=date(1999, 1, 1), sex="L")])
    out = link_records(recs, voters, policy, purpose="hapus")
    assert dict(out.schema) == LINK_SCHEMA
    row = by_row(out, 5)
    assert row.height == 1
    assert row.item(0, "putusan") == NONE
    assert row.item(0, "id_pemilih") is None


def test_trusted_nik_with_agreeing_name_is_auto(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    v1 = voters.row(0, named=True)
    recs = records_frame([record(7, "MOCH. SOEPARMAN", nik=v1["nik"], born=v1["tanggal_lahir"], sex="L")])
    row = by_row(link_records(recs, voters, policy, purpose="hapus"), 7)
    assert row.height == 1
    assert row.row(0, named=True) | {"alasan": None, "skor": None} == {
        "sumber_file": "kematian_desa.xlsx", "sumber_baris": 7, "id_pemilih": 1, "metode": "NIK",
        "skor": None, "putusan": AUTO, "peringkat": 1, "alasan": None,
    }
    assert "NIK sama" in row.item(0, "alasan")
    assert "tgl lahir sama" in row.item(0, "alasan")


def test_nik_with_disagreeing_name_is_a_conflict_for_review(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    v3 = voters.row(2, named=True)  # JOKO SUSILO
    recs = records_frame([record(9, "PARTINI", nik=v3["nik"], born=v3["tanggal_lahir"], sex="L")])
    rows = by_row(link_records(recs, voters, policy, purpose="hapus"), 9)
    assert set(rows.get_column("putusan")) == {REVIEW}
    conflict = rows.filter(pl.col("id_pemilih") == 3)
    assert conflict.item(0, "metode") == "NIK_KONFLIK"
    assert "perlu verifikasi" in conflict.item(0, "alasan")


def test_nik_typo_pointing_at_another_living_voter_is_never_auto(policy: MatchPolicy) -> None:
    born = date(1980, 1, 30)
    v = voters_frame(
        [
            voter(1, "BAMBANG HERMAWAN", born, "L", nik=_nik("332301", born, "L", "0001")),
            voter(2, "BAMBANG HERMANTO", born, "L", nik=_nik("332301", born, "L", "0007")),
        ]
    )
    # The death of BAMBANG HERMAWAN, with a typo in the NIK's serial that lands on voter 2,
    # whose name is close and birth date identical (the NIK encodes it).
    nik_typo = _nik("332301", born, "L", "0007")
    recs = records_frame([record(3, "BAMBANG HERMAWAN", nik=nik_typo, born=born, sex="L")])
    for purpose in ("hapus", "ubah"):
        rows = by_row(link_records(recs, v, policy, purpose=purpose), 3)
        assert AUTO not in set(rows.get_column("putusan")), purpose
        assert set(rows.get_column("id_pemilih")) == {1, 2}


def test_nik_typo_with_different_name_lists_the_true_voter_too(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    # A trustworthy-looking NIK of SRI WAHYUNI (same birth date) on the report of BAMBANG's death.
    v7 = voters.row(6, named=True)
    recs = records_frame([record(4, "BAMBANG HERMAWAN", nik=v7["nik"], nik_andal=True,
                                 born=date(1980, 1, 30), sex="L", desa=DESA_B)])
    rows = by_row(link_records(recs, voters, policy, purpose="hapus"), 4)
    assert set(rows.get_column("putusan")) == {REVIEW}
    assert {6, 7} <= set(rows.get_column("id_pemilih"))


def test_a_twin_named_one_letter_apart_is_never_taken_for_the_dead_one(policy: MatchPolicy) -> None:
    born = date(1990, 6, 6)
    kk = "3323010101000009"
    living = voter(1, "SRI SUPARMIATI", born, "P", nkk=kk)
    v = voters_frame([living, voter(2, "JOKO", date(1960, 1, 1), "L")])
    # TRI SUPARMIATI (not on the list) died; her twin SRI is alive. By fields, and by a NIK
    # typo that lands on SRI's NIK.
    by_fields = record(1, "TRI SUPARMIATI", born=born, sex="P", nkk=kk)
    by_nik = record(2, "TRI SUPARMIATI", nik=living["nik"], nik_andal=True, born=born, sex="P")
    rows = link_records(records_frame([by_fields, by_nik]), v, policy, purpose="hapus")
    assert AUTO not in set(rows.get_column("putusan"))
    assert by_row(rows, 2).item(0, "metode") == "NIK_KONFLIK"


def test_trusted_nik_with_a_typing_slip_in_the_name_is_auto(policy: MatchPolicy) -> None:
    born = date(1970, 10, 2)
    v = voters_frame([voter(1, "SUPRIYADI", born, "L"), voter(2, "SUPRIYADI", date(1981, 4, 4), "L")])
    nik = v.item(0, "nik")
    slip = record(1, "SUPRIAYDI", nik=nik, born=born, sex="L")
    row = by_row(link_records(records_frame([slip]), v, policy, purpose="hapus"), 1)
    assert (row.height, row.item(0, "id_pemilih"), row.item(0, "putusan"), row.item(0, "metode")) == (
        1, 1, AUTO, "NIK")
    # The same NIK under another birth date, or a short word differing, stays a conflict.
    for other in (record(2, "SUPRIAYDI", nik=nik, born=date(1971, 11, 3), sex="L"),
                  record(3, "SRI WAHYUNI", nik=nik, born=born, sex="L")):
        rows = link_records(records_frame([other]), v, policy, purpose="hapus")
        assert AUTO not in set(rows.get_column("putusan"))


def test_untrusted_nik_equal_to_another_living_voter_is_a_conflict(policy: MatchPolicy) -> None:
    # RUSMAN's death typed with BAMBANG's NIK; the NIK disagrees with RUSMAN's birth date, so
    # the parser does not trust it, but all 16 digits land on BAMBANG: both go to review.
    rusman = voter(1, "RUSMAN", date(1989, 6, 25), "L", nkk="3323010101000031")
    bambang = voter(2, "BAMBANG", date(1979, 8, 4), "L", DESA_B)
    v = voters_frame([rusman, bambang])
    rec = record(1, "RUSMAN", nik=bambang["nik"], nik_andal=False, born=date(1989, 6, 25), sex="L",
                 nkk=rusman["nkk"], rt="001", rw="002")
    rows = by_row(link_records(records_frame([rec]), v, policy, purpose="hapus"), 1)
    assert set(rows.get_column("putusan")) == {REVIEW}
    assert set(rows.get_column("id_pemilih")) == {1, 2}
    assert rows.filter(pl.col("id_pemilih") == 2).item(0, "metode") == "NIK_KONFLIK"


def test_typing_slip_with_birth_date_and_household_is_auto(policy: MatchPolicy) -> None:
    kk = "3323010101000041"
    born = date(1970, 10, 2)
    v = voters_frame([
        voter(1, "SUPRIYADI", born, "L", nkk=kk),
        voter(2, "BUDI SANTOSO", date(1971, 1, 17), "L", nkk="3323010101000042"),
        # A namesake born the same day in another desa, another household.
        voter(3, "SUPRIYADI", born, "L", DESA_C),
    ])
    recs = records_frame([
        record(1, "SUPRIAYDI", born=born, sex="L", nkk=kk),  # two letters swapped
        record(2, "BUDI SANTOO", born=date(1971, 1, 17), sex="L", nkk="3323010101000042"),  # a letter dropped
    ])
    out = link_records(recs, v, policy, purpose="hapus")
    for baris, who in ((1, 1), (2, 2)):
        row = by_row(out, baris)
        assert (row.height, row.item(0, "id_pemilih"), row.item(0, "putusan")) == (1, who, AUTO)
        assert "salah ketik" in row.item(0, "alasan")
    # Without the household, a common one-word name with a slip is left to review.
    no_kk = records_frame([record(3, "SUPRIAYDI", born=born, sex="L")])
    assert AUTO not in set(link_records(no_kk, v, policy, purpose="hapus").get_column("putusan"))


def test_typing_slip_next_to_a_twin_stays_in_review(policy: MatchPolicy) -> None:
    kk = "3323010101000051"
    born = date(2001, 5, 5)
    # Twins FAHRI and FAHMI: a report of "FAHRIE" is one slip from FAHRI and near FAHMI.
    v = voters_frame([voter(1, "FAHRI ALFARIZI", born, "L", nkk=kk), voter(2, "FAHMI ALFARIZI", born, "L", nkk=kk)])
    rows = link_records(records_frame([record(1, "FAHRIE ALFARIZI", born=born, sex="L", nkk=kk)]), v, policy,
                        purpose="hapus")
    assert set(rows.get_column("putusan")) == {REVIEW}
    assert {1, 2} <= set(rows.get_column("id_pemilih"))
    # "RIZKY ANDIAK" is one slip from RIZKY ANDIKA; alone in the household that is enough,
    # but with a brother born the same day (RIZAL HANDIKA) it is not.
    rizky = voter(3, "RIZKY ANDIKA", born, "L", nkk=kk)
    rec = records_frame([record(3, "RIZKY ANDIAK", born=born, sex="L", nkk=kk)])
    alone = by_row(link_records(rec, voters_frame([rizky]), policy, purpose="hapus"), 3)
    assert (alone.item(0, "id_pemilih"), alone.item(0, "putusan")) == (3, AUTO)
    twins = voters_frame([rizky, voter(4, "RIZAL HANDIKA", born, "L", nkk=kk)])
    rows = by_row(link_records(rec, twins, policy, purpose="hapus"), 3)
    assert rows.item(0, "id_pemilih") == 3
    assert set(rows.get_column("putusan")) == {REVIEW}


def test_a_letter_dropped_in_a_short_word_needs_a_household_without_twins(policy: MatchPolicy) -> None:
    kk = "3323010101000052"
    born = date(1960, 4, 2)
    dwi = voter(1, "DWI SANTOSO", born, "L", nkk=kk)
    wi = records_frame([record(2, "WI SANTOSO", born=born, sex="L", nkk=kk)])
    # Nobody else of the household born that day: WI is DWI with the D dropped.
    row = by_row(link_records(wi, voters_frame([dwi]), policy, purpose="hapus"), 2)
    assert (row.height, row.item(0, "id_pemilih"), row.item(0, "putusan")) == (1, 1, AUTO)
    assert "beda satu huruf pada kata pendek" in row.item(0, "alasan")
    # A twin on the list (TRI SANTOSO), or one already removed from it: "WI" may be the
    # twin's name mistyped -- review.
    tri = voter(2, "TRI SANTOSO", born, "L", nkk=kk)
    rows = link_records(wi, voters_frame([dwi, tri]), policy, purpose="hapus")
    assert set(rows.get_column("putusan")) == {REVIEW}
    removed = voters_frame([tri]).with_columns(kode_tms=pl.lit(1, dtype=pl.Int64))
    rows = link_records(wi, voters_frame([dwi]), policy, purpose="hapus", removed=removed)
    assert set(rows.get_column("putusan")) == {REVIEW}
    # ...but not a duplicate record of DWI himself removed as ganda (TMS 2).
    twin_of_self = voters_frame([{**dwi, "id_pemilih": 9, "nik": dwi["nik"][:-1] + "9"}]).with_columns(
        kode_tms=pl.lit(2, dtype=pl.Int64))
    row = by_row(link_records(wi, voters_frame([dwi]), policy, purpose="hapus", removed=twin_of_self), 2)
    assert row.item(0, "putusan") == AUTO
    # A letter replaced (SRI -> TRI) or added (AGUS -> BAGUS) in a short word makes another name.
    for listed, typed in (("SRI SANTOSO", "TRI SANTOSO"), ("AGUS SANTOSO", "BAGUS SANTOSO")):
        rows = link_records(records_frame([record(3, typed, born=born, sex="L", nkk=kk)]),
                            voters_frame([{**dwi, "nama": listed}]), policy, purpose="hapus")
        assert AUTO not in set(rows.get_column("putusan")), typed
    # Two neighbours swapped (SITI -> STII) is a slip.
    siti = voter(4, "SITI SUSANTI", born, "P", nkk=kk)
    row = by_row(link_records(records_frame([record(4, "STII SUSANTI", born=born, sex="P", nkk=kk)]),
                              voters_frame([siti]), policy, purpose="hapus"), 4)
    assert (row.item(0, "id_pemilih"), row.item(0, "putusan")) == (4, AUTO)


def test_namesake_born_the_same_day_elsewhere_does_not_block_the_household_match(policy: MatchPolicy) -> None:
    kk = "3323010101000061"
    born = date(1971, 2, 5)
    v = voters_frame([voter(1, "SUPARNO", born, "L", nkk=kk, rt="005", rw="004"), voter(2, "SUPARNO", born, "L", DESA_C)])
    rec = record(1, "SUPARNO", born=born, sex="L", nkk=kk, rt="005", rw="004")
    row = by_row(link_records(records_frame([rec]), v, policy, purpose="hapus"), 1)
    assert (row.height, row.item(0, "id_pemilih"), row.item(0, "putusan")) == (1, 1, AUTO)
    # Without the household or RT/RW the two are too close to tell apart.
    rows = link_records(records_frame([record(2, "SUPARNO", born=born, sex="L", desa=None)]), v, policy,
                        purpose="hapus")
    assert set(rows.get_column("putusan")) == {REVIEW}


def test_nik_typo_landing_on_a_namesake_born_the_same_day_in_the_next_desa(policy: MatchPolicy) -> None:
    # Two EKO PRASETYO born the same day in one kecamatan; the death of the one in DESA_A (his
    # KK and RT/RW on the report) typed with the NIK of the one in DESA_B.
    born = date(1970, 4, 3)
    dead = voter(1, "EKO PRASETYO", born, "L", nkk="3323010101000071", nik=_nik("332301", born, "L", "0811"))
    alive = voter(2, "EKO PRASETYO", born, "L", DESA_B, nik=_nik("332301", born, "L", "0010"))
    v = voters_frame([dead, alive])
    rec = record(1, "EKO PRASETYO", nik=alive["nik"], born=born, sex="L", nkk=dead["nkk"], rt="001", rw="002")
    rows = by_row(link_records(records_frame([rec]), v, policy, purpose="hapus"), 1)
    assert set(rows.get_column("putusan")) == {REVIEW}
    assert set(rows.get_column("id_pemilih")) == {1, 2}
    assert "lebih dari satu calon kuat" in rows.item(0, "alasan")


def test_twin_with_a_similar_name_keeps_the_death_in_review(policy: MatchPolicy) -> None:
    kk = "3323010101000081"
    born = date(1975, 4, 18)
    similar = voters_frame([voter(1, "SUMIATI", born, "P", nkk=kk), voter(2, "SUKARTI", born, "P", nkk=kk)])
    rec = records_frame([record(1, "SUMIATI", born=born, sex="P", nkk=kk, rt="001", rw="002")])
    rows = by_row(link_records(rec, similar, policy, purpose="hapus"), 1)
    assert rows.item(0, "id_pemilih") == 1
    assert set(rows.get_column("putusan")) == {REVIEW}
    assert "kembar" in rows.item(0, "alasan")
    # Twins with clearly different names are told apart by the name.
    different = voters_frame([voter(1, "SUMIATI", born, "P", nkk=kk), voter(2, "DWI LESTARI", born, "P", nkk=kk)])
    row = by_row(link_records(rec, different, policy, purpose="hapus"), 1)
    assert (row.height, row.item(0, "id_pemilih"), row.item(0, "putusan")) == (1, 1, AUTO)
    # The twin's own trusted NIK still links.
    by_nik = records_frame([record(2, "SUMIATI", nik=similar.item(0, "nik"), born=born, sex="P", nkk=kk)])
    row = by_row(link_records(by_nik, similar, policy, purpose="hapus"), 2)
    assert (row.item(0, "id_pemilih"), row.item(0, "putusan"), row.item(0, "metode")) == (1, AUTO, "NIK")


def test_nik_that_lost_its_last_digit_is_matched_by_fields(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    v9 = voters.row(8, named=True)  # SUGENG RIYADI
    rounded = v9["nik"][:15] + "0"
    assert rounded != v9["nik"]
    recs = records_frame([record(11, "SUGENG RIJADI", nik=rounded, nik_andal=False,
                                 born=v9["tanggal_lahir"], sex="L")])
    row = by_row(link_records(recs, voters, policy, purpose="hapus"), 11)
    assert row.height == 1
    assert (row.item(0, "id_pemilih"), row.item(0, "putusan")) == (9, AUTO)
    assert row.item(0, "metode") == "FUZZY"


def test_death_without_nik_found_by_name_birth_date_and_desa(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    recs = records_frame([record(12, "MOCH. SOEPARMAN", born=date(1950, 3, 14), sex="L")])
    row = by_row(link_records(recs, voters, policy, purpose="hapus"), 12)
    assert (row.height, row.item(0, "id_pemilih"), row.item(0, "putusan")) == (1, 1, AUTO)
    assert "nama 1,00" in row.item(0, "alasan")


def test_death_with_only_age_needs_rt_rw_or_kk_to_be_auto(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    # TRI HANDAYANI, born 1990-12-12, is 35 on 2026-02-10; RT 001 / RW 002 on the list. Another
    # TRI HANDAYANI of the kabupaten is 35 too: name and age alone do not single her out.
    v = pl.concat([voters, voters_frame([voter(11, "TRI HANDAYANI", date(1990, 8, 1), "P", DESA_C)])])
    recs = records_frame(
        [
            record(13, "TRI HANDAYANI", umur=35, sex="P"),
            record(14, "TRI HANDAYANI", umur=35, sex="P", rt="1", rw="2"),
            record(15, "TRI HANDAYANI", umur=35, sex="P", nkk=voters.item(9, "nkk")),
        ]
    )
    out = link_records(recs, v, policy, purpose="hapus")
    alone = by_row(out, 13)
    assert (alone.item(0, "id_pemilih"), alone.item(0, "putusan")) == (10, REVIEW)
    assert set(alone.get_column("id_pemilih")) == {10, 11}
    assert "perlu verifikasi" in alone.item(0, "alasan")
    row = by_row(out, 15)
    assert (row.height, row.item(0, "id_pemilih"), row.item(0, "putusan")) == (1, 10, AUTO)
    # Without the namesake of the same age elsewhere, the RT/RW is enough as well.
    for baris in (14, 15):
        row = by_row(link_records(recs, voters, policy, purpose="hapus"), baris)
        assert (row.height, row.item(0, "id_pemilih"), row.item(0, "putusan")) == (1, 10, AUTO)


def test_same_name_other_birth_date_other_desa_is_not_matched(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    recs = records_frame([record(14, "CIPTO WIYONO", born=date(1971, 2, 3), sex="L", desa=DESA_A)])
    row = by_row(link_records(recs, voters, policy, purpose="hapus"), 14)
    assert row.height == 1
    assert row.item(0, "putusan") == NONE


def test_common_single_name_with_only_age_lists_both_for_review(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    # Two SURIP in the desa, both 70 on the date of death.
    recs = records_frame([record(15, "SURIP", umur=70, sex="L", meninggal=date(2026, 1, 2))])
    rows = by_row(link_records(recs, voters, policy, purpose="hapus"), 15)
    assert set(rows.get_column("putusan")) == {REVIEW}
    assert set(rows.get_column("id_pemilih")) == {4, 5}
    assert rows.get_column("peringkat").to_list() == [1, 2]


def filler(n: int, start: int = 1000) -> list[dict]:
    """`n` voters of other desa whose names match no test name (the rest of a kabupaten)."""
    desa = ["33.23.07.20%02d" % (i % 40 + 1) for i in range(n)]
    return [
        voter(start + i, f"WARGA LAIN {chr(65 + i % 26)}{chr(65 + i // 26 % 26)}",
              date(1940 + i % 60, 1 + i % 12, 1 + i % 28), "L" if i % 2 else "P", desa[i])
        for i in range(n)
    ]


def test_single_name_with_age_alone_is_auto_only_when_name_sex_and_age_are_rare_for_the_desa(
    policy: MatchPolicy,
) -> None:
    # PAIMAN (76 on 2026-02-10) is the only PAIMAN of that age in a kabupaten of 3,003 voters,
    # in a desa of 2: a PAIMAN aged 76 who is not on the list would find him there by
    # coincidence with a chance of 1 x 2 / 3,003 = 0.07 %.
    paiman = voter(1, "PAIMAN", date(1950, 1, 1), "L")
    alone = voters_frame([paiman, voter(2, "SUGIYEM", date(1952, 1, 1), "P"),
                          voter(3, "PAIMAN", date(1980, 5, 5), "L", DESA_C), *filler(3000)])
    recs = records_frame([record(1, "PAIMAN", umur=76, sex="L")])
    rows = by_row(link_records(recs, alone, policy, purpose="hapus"), 1)
    assert (rows.height, rows.item(0, "id_pemilih"), rows.item(0, "putusan")) == (1, 1, AUTO)
    assert "nama, jk dan umur khas (peluang senama seumur lain 0,07%)" in rows.item(0, "alasan")
    # Another PAIMAN aged 76 in the next desa (same kecamatan) may be the one who died
    # (registered in one desa, living in another): he is a candidate too -- review.
    next_desa = pl.concat([alone, voters_frame([voter(4, "PAIMAN", date(1949, 6, 1), "L", DESA_B)])])
    rows = by_row(link_records(recs, next_desa, policy, purpose="hapus"), 1)
    assert rows.item(0, "id_pemilih") == 1
    assert set(rows.get_column("putusan")) == {REVIEW}
    # Three more PAIMAN aged 76 further away: 4 x 2 / 3,006 = 0.27 % -- review.
    far = [voter(5 + i, "PAIMAN", date(1949, 6, 1 + i), "L", "33.23.09.2001") for i in range(3)]
    rows = by_row(link_records(recs, pl.concat([alone, voters_frame(far)]), policy, purpose="hapus"), 1)
    assert rows.item(0, "id_pemilih") == 1
    assert set(rows.get_column("putusan")) == {REVIEW}
    # A reported sex that differs, or an age one year off, is not enough either.
    for other in (record(2, "PAIMAN", umur=76, sex="P"), record(3, "PAIMAN", umur=75, sex="L")):
        rows = link_records(records_frame([other]), alone, policy, purpose="hapus")
        assert AUTO not in set(rows.get_column("putusan"))
    # In a small kabupaten the same desa is a large share of the list: review.
    small = voters_frame([paiman, voter(2, "SUGIYEM", date(1952, 1, 1), "P"), *filler(300)])
    rows = link_records(recs, small, policy, purpose="hapus")
    assert set(rows.get_column("putusan")) == {REVIEW}


def test_common_name_with_age_alone_is_never_auto(policy: MatchPolicy) -> None:
    # The only SLAMET aged 76 of the desa, but 30 SLAMET of the kabupaten are 76: uniqueness
    # inside one desa is chance, not identification.
    many = [voter(10 + i, "SLAMET", date(1949, 3, 3 + i % 20), "L", "33.23.07.20%02d" % (i + 1)) for i in range(30)]
    v = voters_frame([voter(1, "SLAMET", date(1950, 1, 1), "L"), *many, *filler(3000)])
    rows = by_row(link_records(records_frame([record(1, "SLAMET", umur=76, sex="L")]), v, policy, purpose="hapus"), 1)
    assert rows.item(0, "id_pemilih") == 1
    assert set(rows.get_column("putusan")) == {REVIEW}
    # The official sees why: 31 namesakes of that age x 1 voter of the desa / 3,031 = 1.02 %.
    assert rows.item(0, "alasan").endswith(
        "perlu verifikasi: hanya umur; nama umum: peluang ada senama seumur lain 1,02% (batas 0,20%)")


def test_rt_rw_on_an_age_report_narrows_the_place(policy: MatchPolicy) -> None:
    # Three SLAMET of the kabupaten are 76, one in each of three desa (two in other
    # kecamatan); DESA_A has 41 voters, his RT 003 / RW 001 two of them.
    slamet = voter(1, "SLAMET", date(1950, 1, 1), "L", rt="003", rw="001")
    others = [voter(2, "SLAMET", date(1949, 5, 5), "L", "33.23.09.2001"),
              voter(3, "SLAMET", date(1949, 7, 7), "L", DESA_C)]
    neighbours = [
        voter(4, "SUMIYATI", date(1951, 1, 1), "P", rt="003", rw="001"),
        *[voter(100 + i, f"TETANGGA {chr(65 + i)}", date(1970, 1, 1), "P", rt="009", rw="002") for i in range(25)],
        *[voter(200 + i, f"TETANGGA {chr(65 + i)}", date(1975, 1, 1), "L", rt="010", rw="002") for i in range(13)],
    ]
    v = voters_frame([slamet, *others, *neighbours, *filler(4000)])
    with_rt = record(1, "SLAMET", umur=76, sex="L", rt="3", rw="01")
    # 3 x 2 / 4,043 = 0.15 %: automatic, and the reason says so.
    row = by_row(link_records(records_frame([with_rt]), v, policy, purpose="hapus"), 1)
    assert (row.height, row.item(0, "id_pemilih"), row.item(0, "putusan")) == (1, 1, AUTO)
    assert "RT/RW sama" in row.item(0, "alasan")
    # Without the RT/RW: 3 x 41 / 4,043 = 3 % -- review.
    rows = link_records(records_frame([record(2, "SLAMET", umur=76, sex="L")]), v, policy, purpose="hapus")
    assert set(rows.get_column("putusan")) == {REVIEW}
    # Another RT/RW than the voter's: review.
    rows = link_records(records_frame([record(3, "SLAMET", umur=76, sex="L", rt="009", rw="002")]), v, policy,
                        purpose="hapus")
    assert AUTO not in set(rows.get_column("putusan"))


def test_a_late_report_of_a_death_already_applied_does_not_land_on_a_namesake(policy: MatchPolicy) -> None:
    # SLAMET (76) of RT 003 died last quarter and is off the list; another SLAMET of the desa,
    # 74, is alive. The desa's report of the first one's death arrives now.
    living = voter(1, "SLAMET", date(1951, 1, 1), "L", rt="003", rw="001")
    v = voters_frame([living, *filler(4000)])
    dead = voters_frame([voter(2, "SLAMET", date(1949, 6, 1), "L", rt="004", rw="001")]).with_columns(
        kode_tms=pl.lit(1, dtype=pl.Int64))
    rec = records_frame([record(1, "SLAMET", umur=75, sex="L", rt="3", rw="1", meninggal=date(2026, 2, 10))])
    assert by_row(link_records(rec, v, policy, purpose="hapus"), 1).item(0, "putusan") == AUTO
    rows = link_records(rec, v, policy, purpose="hapus", removed=dead)
    assert AUTO not in set(rows.get_column("putusan"))
    assert "ada pemilih senama yang sudah TMS di desa ini" in rows.item(0, "alasan")
    # The same for a rare full name, which the RT/RW alone would otherwise let through.
    tri = voters_frame([voter(1, "TRI HANDAYANI", date(1990, 12, 12), "P", rt="003", rw="001"), *filler(100)])
    gone = voters_frame([voter(2, "TRI HANDAYANI", date(1991, 6, 1), "P", rt="004", rw="001")]).with_columns(
        kode_tms=pl.lit(1, dtype=pl.Int64))
    rec = records_frame([record(2, "TRI HANDAYANI", umur=35, sex="P", rt="3", rw="1")])
    assert by_row(link_records(rec, tri, policy, purpose="hapus"), 2).item(0, "putusan") == AUTO
    assert AUTO not in set(link_records(rec, tri, policy, purpose="hapus", removed=gone).get_column("putusan"))


def test_namesake_of_the_desa_a_few_years_apart_keeps_an_age_report_in_review(policy: MatchPolicy) -> None:
    # Two PAIMAN of the desa, 76 and 73: a reported age of 76 may be a rough one.
    v = voters_frame([voter(1, "PAIMAN", date(1950, 1, 1), "L"), voter(2, "PAIMAN", date(1953, 1, 1), "L")])
    rows = by_row(link_records(records_frame([record(1, "PAIMAN", umur=76, sex="L")]), v, policy, purpose="hapus"), 1)
    assert set(rows.get_column("putusan")) == {REVIEW}
    assert 1 in set(rows.get_column("id_pemilih"))


def test_father_and_son_sharing_a_name_by_age_and_household(policy: MatchPolicy) -> None:
    # SUPARNO (76) and his son SUPARNO (48) in one household; many SUPARNO in the kabupaten.
    kk = "3323010101000077"
    father, son = voter(1, "SUPARNO", date(1950, 1, 1), "L", nkk=kk), voter(2, "SUPARNO", date(1978, 1, 1), "L", nkk=kk)
    others = [voter(10 + i, "SUPARNO", date(1950, 1, 1 + i), "L", DESA_C) for i in range(3)]
    v = voters_frame([father, son, *others])
    # The household's KK on the report: the father's exact age singles him out, the son is
    # decades off.
    with_kk = record(1, "SUPARNO", umur=76, sex="L", nkk=kk)
    rows = by_row(link_records(records_frame([with_kk]), v, policy, purpose="hapus"), 1)
    assert (rows.height, rows.item(0, "id_pemilih"), rows.item(0, "putusan")) == (1, 1, AUTO)
    # Without the KK (a desa report: name, age, desa), other SUPARNO of the kabupaten are 76
    # too: the dead man may not be on this desa's list -- review.
    bare = record(2, "SUPARNO", umur=76, sex="L")
    rows = by_row(link_records(records_frame([bare]), v, policy, purpose="hapus"), 2)
    assert rows.item(0, "id_pemilih") == 1
    assert set(rows.get_column("putusan")) == {REVIEW}
    # A son only a few years younger competes even with the KK.
    close = voters_frame([father, voter(2, "SUPARNO", date(1955, 1, 1), "L", nkk=kk)])
    rows = by_row(link_records(records_frame([with_kk]), close, policy, purpose="hapus"), 1)
    assert set(rows.get_column("putusan")) == {REVIEW}


def test_two_similar_candidates_go_to_review(policy: MatchPolicy) -> None:
    born = date(1975, 6, 6)
    v = voters_frame([voter(1, "SITI MARYAM", born, "P"), voter(2, "SITI MARYAM", born, "P", DESA_B)])
    recs = records_frame([record(1, "SITI MARYAM", born=born, sex="P", desa=None)])
    rows = by_row(link_records(recs, v, policy, purpose="hapus"), 1)
    assert set(rows.get_column("putusan")) == {REVIEW}
    assert set(rows.get_column("id_pemilih")) == {1, 2}


def test_ambiguous_desa_searches_each_candidate_desa(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    recs = records_frame([record(16, "BAMBANG HERMAWAN", born=date(1980, 1, 30), sex="L", desa=None,
                                 kandidat=[DESA_A, DESA_B])])
    row = by_row(link_records(recs, voters, policy, purpose="hapus"), 16)
    assert (row.item(0, "id_pemilih"), row.item(0, "putusan")) == (6, AUTO)


def test_removal_requires_the_reported_desa(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    # Exact name and birth date, but the voter lives in another desa: review for a removal,
    # automatic for "is this person already on the list".
    recs = records_frame([record(17, "CIPTO WIYONO", born=date(1948, 8, 17), sex="L", desa=DESA_A)])
    hapus = by_row(link_records(recs, voters, policy, purpose="hapus"), 17)
    assert (hapus.item(0, "id_pemilih"), hapus.item(0, "putusan")) == (8, REVIEW)
    baru = by_row(link_records(recs, voters, policy, purpose="baru"), 17)
    assert (baru.item(0, "id_pemilih"), baru.item(0, "putusan")) == (8, AUTO)


def test_baru_lists_weaker_evidence_for_review(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    # Same name, birth year only, another desa of the same kecamatan: maybe already listed.
    recs = records_frame([record(18, "JOKO SUSILO", born=date(1970, 2, 2), sex="L", desa=DESA_B,
                                 jenis="penduduk", meninggal=None)])
    baru = by_row(link_records(recs, voters, policy, purpose="baru", tanggal_acuan=date(2026, 3, 31)), 18)
    assert (baru.item(0, "id_pemilih"), baru.item(0, "putusan")) == (3, REVIEW)
    hapus = by_row(link_records(recs, voters, policy, purpose="hapus", tanggal_acuan=date(2026, 3, 31)), 18)
    assert AUTO not in set(hapus.get_column("putusan"))


def test_every_record_appears_once_or_per_candidate(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    recs = records_frame(
        [
            record(1, "MOCH. SOEPARMAN", born=date(1950, 3, 14), sex="L"),
            record(2, "SURIP", umur=70, sex="L", meninggal=date(2026, 1, 2)),
            record(3, "TIDAK ADA", born=date(2001, 1, 1)),
        ]
    )
    out = link_records(recs, voters, policy, purpose="hapus")
    assert set(out.get_column("sumber_baris")) == {1, 2, 3}
    per = out.group_by("sumber_baris").agg(pl.col("putusan").unique(), pl.len())
    for row in per.iter_rows(named=True):
        assert len(row["putusan"]) == 1
        if row["putusan"][0] != REVIEW:
            assert row["len"] == 1


def test_prepared_voters_are_accepted(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    prepared = prepare_voters(voters)
    assert prepare_voters(prepared) is prepared
    recs = records_frame([record(1, "MOCH. SOEPARMAN", born=date(1950, 3, 14), sex="L")])
    assert link_records(recs, prepared, policy, purpose="hapus").equals(
        link_records(recs, voters, policy, purpose="hapus")
    )


def test_unknown_purpose_is_refused(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    with pytest.raises(ValueError):
        link_records(records_frame([record(1, "X")]), voters, policy, purpose="hapus_semua")


def test_policy_loads_every_purpose(tmp_path: Path) -> None:
    p = load_policy()
    assert set(p.putusan) >= {"hapus", "ubah", "baru"}
    assert p.rule("hapus").auto_min > p.rule("hapus").review_min


# --- ganda ----------------------------------------------------------------------------

_WORDS = ("ADI", "BUDI", "CAHYO", "DWI", "EKO", "FITRI", "GUNAWAN", "HADI", "INDAH", "JOKO", "KURNIA", "LESTARI",
          "MULYONO", "NINGSIH", "PURNOMO", "RAHAYU", "SAPUTRA", "TRI", "UTAMI", "WIBOWO", "YULIANTI", "ZAENAL")


def _background(n: int = 3000) -> list[dict]:
    """Ordinary voters of six desa, so the scan's weights are learned from a real-looking
    list (a list of four voters says nothing about how rare a name or a birth date is)."""
    import random

    rnd = random.Random(7)
    rows = []
    for i in range(n):
        name = " ".join(rnd.sample(_WORDS, rnd.choice((1, 2, 2, 3))))
        born = date(rnd.randint(1940, 2005), rnd.randint(1, 12), rnd.randint(1, 28))
        desa = rnd.choice((DESA_A, DESA_B, DESA_C, "33.23.05.2004", "33.23.02.2001", "33.23.02.2002"))
        rows.append(voter(1000 + i, name, born, rnd.choice("LP"), desa, rt=f"{rnd.randint(1, 9):03d}",
                          rw=f"{rnd.randint(1, 6):03d}"))
    return rows


def with_background(rows: list[dict]) -> pl.DataFrame:
    return voters_frame(rows + _background())


def only_listed(frame: pl.DataFrame, ids: set[int]) -> list[tuple[int, int]]:
    """The pairs among the hand-made voters (the background may hold its own look-alikes)."""
    return sorted(r for r in frame.select("id_pemilih_a", "id_pemilih_b").rows() if set(r) <= ids)


def test_same_nik_twice_keeps_the_lowest_id(policy: MatchPolicy) -> None:
    born = date(1960, 1, 1)
    nik = _nik("332301", born, "L", "0042")
    v = with_background(
        [
            voter(30, "SLAMET RIYADI", born, "L", nik=nik),
            voter(12, "SLAMET RIJADI", born, "L", nik=nik, desa=DESA_B),
            voter(50, "SLAMET", born, "L", nik=nik),
            voter(13, "LAIN ORANG", date(1961, 1, 1), "P"),
        ]
    )
    auto, review = find_ganda(v, policy)
    assert sorted(auto.select("id_pemilih", "id_pemilih_tetap").rows()) == [(30, 12)]
    # A NIK on a clearly different name is not removed automatically.
    assert (12, 50) in review.select("id_pemilih_a", "id_pemilih_b").rows()
    assert 50 not in auto.get_column("id_pemilih").to_list()


def test_same_person_under_two_niks_goes_to_review(policy: MatchPolicy) -> None:
    born = date(1970, 4, 4)
    v = with_background(
        [voter(1, "MOCH. SOEPARMAN", born, "L"), voter(2, "MUHAMMAD SUPARMAN", born, "L"),
         voter(3, "SRI LESTARI", born, "P", DESA_B), voter(4, "SRI LESTARY", born, "P", DESA_B)]
    )
    auto, review = find_ganda(v, policy)
    assert auto.height == 0
    assert only_listed(review, {1, 2, 3, 4}) == [(1, 2), (3, 4)]
    assert "NIK berbeda" in review.filter(pl.col("id_pemilih_a") == 1).item(0, "alasan")


def test_twins_are_not_ganda(policy: MatchPolicy) -> None:
    born = date(2000, 9, 9)
    v = with_background(
        [voter(1, "AHMAD FAUZI", born, "L", nkk="3323010101000001"),
         voter(2, "AHMAD FAUZAN", born, "L", nkk="3323010101000001")]
    )
    auto, review = find_ganda(v, policy)
    assert auto.height == 0 and only_listed(review, set(range(1, 20))) == []


def test_father_and_son_with_one_name_are_not_ganda(policy: MatchPolicy) -> None:
    kk = "3323010101000002"
    v = with_background(
        [voter(1, "SUPARNO", date(1950, 2, 2), "L", nkk=kk), voter(2, "SUPARNO", date(1978, 2, 2), "L", nkk=kk)]
    )
    auto, review = find_ganda(v, policy)
    assert auto.height == 0 and only_listed(review, set(range(1, 20))) == []


def test_same_common_name_and_birth_date_in_different_desa_is_not_ganda(policy: MatchPolicy) -> None:
    born = date(1985, 5, 5)
    others = [voter(10 + i, "SITI AMINAH", date(1960 + i, 1, 2), "P", DESA_B) for i in range(6)]
    v = with_background([voter(1, "SITI AMINAH", born, "P", DESA_A), voter(2, "SITI AMINAH", born, "P", DESA_C), *others])
    auto, review = find_ganda(v, policy)
    assert auto.height == 0 and only_listed(review, set(range(1, 20))) == []


def test_rare_name_and_birth_date_in_two_desa_goes_to_review(policy: MatchPolicy) -> None:
    born = date(1985, 5, 5)
    v = with_background([voter(1, "WIDYA KUSUMANINGRUM", born, "P", DESA_A),
                      voter(2, "WIDYA KUSUMANINGRUM", born, "P", DESA_C)])
    auto, review = find_ganda(v, policy)
    assert auto.height == 0
    assert only_listed(review, {1, 2}) == [(1, 2)]
    assert "desa berbeda" in review.filter(pl.col("id_pemilih_a") == 1).item(0, "alasan")


def test_an_excel_rounded_nkk_is_no_evidence(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    # SURIP of voter 4's household, age only: a trustworthy NKK would tie him to voter 4.
    nkk = voters.item(3, "nkk")
    trusted = record(1, "SURIP", umur=70, sex="L", nkk=nkk, meninggal=date(2026, 1, 2))
    rounded = trusted | {"sumber_baris": 2, "nkk_andal": False}
    out = link_records(records_frame([trusted, rounded]), voters, policy, purpose="hapus")
    assert "NKK sama" in by_row(out, 1).filter(pl.col("id_pemilih") == 4).item(0, "alasan")
    assert "NKK sama" not in by_row(out, 2).filter(pl.col("id_pemilih") == 4).item(0, "alasan")


def test_results_do_not_depend_on_row_order(voters: pl.DataFrame, policy: MatchPolicy) -> None:
    recs = records_frame(
        [
            record(1, "MOCH. SOEPARMAN", born=date(1950, 3, 14), sex="L"),
            record(2, "SURIP", umur=70, sex="L", meninggal=date(2026, 1, 2)),
            record(3, "BAMBANG HERMAWAN", born=date(1980, 1, 30), sex="L", desa=None, kandidat=[DESA_A, DESA_B]),
        ]
    )
    first = link_records(recs, voters, policy, purpose="hapus")
    shuffled = link_records(recs.reverse(), voters.sample(fraction=1.0, shuffle=True, seed=4), policy, purpose="hapus")
    key = ["sumber_file", "sumber_baris", "peringkat"]
    assert first.sort(key).equals(shuffled.sort(key))


_POOL = ["SURIP", "SITI AMINAH", "MOCH. SOEPARMAN", "MUHAMMAD SUPARMAN", "SRI WAHYUNI", "TRI WAHYUNI", "DJOKO",
         "JOKO SUSILO", "H. AHMAD FAUZI", "ACHMAD FAUZAN", "PAINEM"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(_POOL), st.integers(0, 3), st.sampled_from("LP"), st.integers(0, 2)),
             min_size=1, max_size=12),
    st.lists(st.tuples(st.sampled_from(_POOL), st.integers(0, 4), st.booleans(), st.integers(0, 2),
                       st.sampled_from(["hapus", "ubah", "baru"])), min_size=1, max_size=8),
)
def test_every_record_gets_a_well_formed_decision(voter_specs, record_specs) -> None:
    desa = [DESA_A, DESA_B, DESA_C]
    births = [date(1950, 3, 14), date(1962, 7, 1), date(1970, 11, 23), date(1990, 12, 12), date(1971, 1, 1)]
    v = voters_frame([voter(i + 1, n, births[b], s, desa[d]) for i, (n, b, s, d) in enumerate(voter_specs)])
    policy = load_policy()
    for purpose in ("hapus", "ubah", "baru"):
        rows = [record(i + 2, n, born=births[b] if has_date else None, umur=None if has_date else 60,
                       desa=desa[d]) for i, (n, b, has_date, d, p) in enumerate(record_specs) if p == purpose]
        if not rows:
            continue
        out = link_records(records_frame(rows), v, policy, purpose=purpose)
        assert set(out.get_column("sumber_baris")) == {r["sumber_baris"] for r in rows}
        for (_, baris), group in out.group_by("sumber_file", "sumber_baris"):
            verdicts = set(group.get_column("putusan"))
            assert len(verdicts) == 1
            verdict = verdicts.pop()
            assert sorted(group.get_column("peringkat")) == list(range(1, group.height + 1))
            if verdict == NONE:
                assert group.height == 1 and group.item(0, "id_pemilih") is None
            else:
                assert group.get_column("id_pemilih").null_count() == 0
                assert group.get_column("id_pemilih").n_unique() == group.height
                assert ((group.get_column("skor") >= 0) & (group.get_column("skor") <= 1)).all()
            if verdict == AUTO:
                assert group.height == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_index_narrowed_to_the_quarter_finds_every_pair_the_whole_list_gives(seed: int, policy: MatchPolicy) -> None:
    """A quarter links its records in chunks against one index cut to what those records can
    meet (`VoterIndex.for_records`); every chunk must get the links the whole list gives:
    NIK, NIK-14, NKK, desa names, name + year, birth dates (also swapped) and age reports."""
    import random

    from transforms.match.link import VoterIndex

    rng = random.Random(seed)
    first = ["SITI", "SRI", "AGUS", "MUHAMMAD", "DWI", "EKO", "RATNA", "BUDI", "TRI", "SUPARMAN"]
    last = ["AMINAH", "WAHYUNI", "SANTOSO", "RIYADI", "HANDAYANI", "SUSILO", "DEWI", "HERMAWAN", "SARI"]
    desa = [DESA_A, DESA_B, DESA_C]
    people = []
    for i in range(1, 400):
        born = date(rng.randint(1940, 2007), rng.randint(1, 12), rng.randint(1, 28))
        nama = f"{rng.choice(first)} {rng.choice(last)}" if rng.random() < 0.8 else rng.choice(last)
        people.append(voter(i, nama, born, rng.choice("LP"), rng.choice(desa), nkk=f"33230101010{i // 3:05d}"))
    voters = voters_frame(people)

    def slip(name: str) -> str:
        i = rng.randrange(len(name) - 1)
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]

    rows = []
    for baris in range(1, 300):
        p = rng.choice(people)
        born, kind = p["tanggal_lahir"], rng.randrange(7)
        rows.append(record(
            baris, slip(p["nama"]) if kind in (1, 2, 4, 5) else p["nama"],
            nik=p["nik"] if kind == 0 else (p["nik"][:14] + "99" if kind == 5 else None),
            nik_andal=False if kind == 5 else None,
            nkk=p["nkk"] if kind == 2 else None,
            born=None if kind in (2, 3, 5) else (date(born.year, born.day, born.month) if kind == 4 and born.day <= 12 else born),
            umur=2026 - born.year - 1 if kind == 3 else None,
            sex=p["jenis_kelamin"] if rng.random() < 0.7 else None,
            desa=None if kind in (2, 5, 6) else rng.choice([p["kode_desa"], p["kode_desa"], rng.choice(desa)]),
            jenis=rng.choice(["kematian", "penduduk"]),
        ))
    recs = records_frame(rows)
    parts = [recs.slice(0, 120), recs.slice(120)]
    index = VoterIndex.of(voters, policy).for_records(parts, policy)
    for part in parts:
        for chunk in (part.slice(0, 50), part.slice(50)):
            whole = link_records(chunk, voters, policy, purpose="baru", tanggal_acuan=date(2026, 3, 31))
            narrowed = link_records(chunk, voters, policy, purpose="baru", tanggal_acuan=date(2026, 3, 31),
                                    index=index)
            assert narrowed.equals(whole)
            assert whole.filter(pl.col("putusan") != NONE).height > 0
