"""The verdict rules of transforms/match/verdict.py, each on hand-made evidence rows."""

from __future__ import annotations

import polars as pl

from schemas.policy import load_policy
from transforms.match.verdict import age_only_link, close_twin, fuzzy_link, typing_slip_link

POLICY = load_policy()

# One (record, candidate) pair as `evidence` describes it: a typing slip in a long word, the
# exact birth date, the same sex, household and desa, nothing else of note.
PAIR = {
    "_rid": 0, "metode": "FUZZY", "sim_nama": 0.95, "kata_beda": False, "ketik_pendek": False, "_kembar_kk": 0,
    "nik_beda": False, "nik_mirip": False, "tgl": "sama", "umur": None, "jk": "sama", "desa": "sama",
    "nkk_sama": True, "rtrw_sama": True, "rt": "001", "rw": "002", "nama_kunci": "SUPRIYADI",
    "v_nama_kunci": "SUPRIYDAI", "v_nama_frek": 1, "satu_kata": False, "_desa_umur_dekat": None,
    "_tms_umur_dekat": None, "_risiko_umur": None, "kembar_sim": None,
}


def _eval(expr: pl.Expr, *rows: dict) -> list[bool]:
    frame = pl.DataFrame([PAIR | r for r in rows], infer_schema_length=None)
    return frame.select(expr.alias("x")).get_column("x").to_list()


def test_typing_slip_in_the_household_links_unless_someone_else_there_was_born_that_day():
    assert _eval(typing_slip_link(POLICY), {}) == [True]
    # A second voter of the household born that day (a twin) makes the slip ambiguous.
    assert _eval(typing_slip_link(POLICY), {}, {"nama_kunci": "SUPRIYANTO", "sim_nama": 0.80}) == [False, False]
    # Another sex, or outside the reported household, is no slip.
    assert _eval(typing_slip_link(POLICY), {"jk": "beda"}, {"nkk_sama": False}) == [False, False]


def test_swapped_birth_date_needs_a_very_close_name_in_the_reported_place():
    rule = POLICY.rule("hapus")
    rows = ({"tgl": "tukar", "sim_nama": 0.99}, {"tgl": "tukar", "sim_nama": POLICY.tgl_mirip_nama_min - 0.01},
            {"tgl": "tukar", "sim_nama": 0.99, "desa": "beda", "nkk_sama": False})
    assert _eval(fuzzy_link(POLICY, rule), *rows) == [True, False, False]


def test_an_age_alone_links_a_common_name_only_inside_the_voters_own_household():
    age = {"tgl": None, "umur": "cocok", "v_nama_kunci": "SUPRIYADI", "_desa_umur_dekat": 1, "_tms_umur_dekat": 0,
           "_risiko_umur": 0.5, "v_nama_frek": 400}
    assert _eval(age_only_link(POLICY), age) == [True]  # own KK, no namesake near that age
    assert _eval(age_only_link(POLICY), age | {"nkk_sama": False}) == [False]  # common name, chance too high
    assert _eval(age_only_link(POLICY), age | {"_desa_umur_dekat": 2}) == [False]  # a namesake of that age
    assert _eval(age_only_link(POLICY), age | {"_tms_umur_dekat": 1}) == [False]  # one already removed


def test_a_twin_with_a_close_name_blocks_everything_but_a_nik():
    assert _eval(close_twin(POLICY), {"kembar_sim": 0.9}, {"kembar_sim": 0.3}, {}) == [True, False, False]
