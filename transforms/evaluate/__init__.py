"""Scores of the pipeline on labelled data: a quarter's outputs against the generator's labels,
the stranger test of desa death reports (`quarter.py`), and the duplicate scan on labelled pairs
(`ganda.py`)."""

from transforms.evaluate.ganda import FEBRL_SETS, febrl_voters, found_pairs, pairwise, score_febrl, score_sample
from transforms.evaluate.quarter import evaluate_parsing, evaluate_quarter, stranger_test

__all__ = ["FEBRL_SETS", "evaluate_parsing", "evaluate_quarter", "febrl_voters", "found_pairs", "pairwise",
           "score_febrl", "score_sample", "stranger_test"]
