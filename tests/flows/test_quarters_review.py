"""Quarters over time, continued: officials' decisions applied on a rerun, and two consecutive
quarters against the labels. Child processes without Prefect, as in test_quarters.py (this file
runs beside it on the other core)."""

from __future__ import annotations

import shutil

import polars as pl
import pytest

from tests.flows.test_quarters import Q1, Q2, export_bytes, init_db, run_quarter, world  # noqa: F401  (world: the fixture)
from transforms.synth import generate_sample

pytestmark = pytest.mark.slow  # runs whole quarters through the pipeline


@pytest.fixture(scope="module")
def hard_world(tmp_path_factory):
    """A sample with the generator's hard matching cases, so the review queue is not empty."""
    base = tmp_path_factory.mktemp("sulit")
    info = generate_sample(base / "sampel", n_voters=1500, seed=8, first_quarter=Q1, hard_cases=True,
                           kode_kabupaten="33.71")
    db = base / "ref.duckdb"
    init_db(info, db, base / "out-awal")
    res = run_quarter(Q1, info.inbox[Q1], db, base / "out-ref")
    assert res.returncode == 0, res.stderr[-2000:]
    return {"info": info, "base": base, "reference": db}


def test_review_decisions_apply_on_rerun(hard_world, tmp_path):
    world = hard_world
    info = world["info"]
    db, out = tmp_path / "k.duckdb", tmp_path / "out"
    shutil.copy(world["reference"], db)
    queue = pl.read_csv(world["base"] / "out-ref" / Q1 / "verifikasi.csv", infer_schema=False)
    assert queue.select("sumber_file", "sumber_baris").unique().height >= 2
    inbox = tmp_path / "inbox"
    shutil.copytree(info.inbox[Q1], inbox)
    first_rows = queue.unique(subset=["sumber_file", "sumber_baris"], keep="first", maintain_order=True)
    setuju, tolak = first_rows.row(0, named=True), first_rows.row(1, named=True)
    pl.DataFrame({
        "ID VERIFIKASI": [setuju["id_verifikasi"], tolak["id_verifikasi"], "VTIDAKADA01"],
        "KEPUTUSAN": ["SETUJU", "TOLAK", "SETUJU"],
    }).write_csv(inbox / "keputusan_pps.csv")
    res = run_quarter(Q1, inbox, db, out)
    assert res.returncode == 0, res.stderr[-2000:]
    changes = pl.read_csv(out / Q1 / "perubahan.csv", infer_schema=False)
    decided = changes.filter(pl.col("keputusan") == "VERIFIKASI")
    assert decided.height == 1
    assert decided.row(0, named=True)["sumber_file"] == setuju["sumber_file"]
    assert decided.row(0, named=True)["sumber_baris"] == setuju["sumber_baris"]
    if setuju["nik_kandidat"]:
        assert decided.row(0, named=True)["nik"] == setuju["nik_kandidat"]
    left = pl.read_csv(out / Q1 / "verifikasi.csv", infer_schema=False)
    # SETUJU decides the row: its other candidates leave the queue too. TOLAK rejects only
    # that candidate; other candidates of the same row stay for review.
    same_row = (pl.col("sumber_file") == setuju["sumber_file"]) & (pl.col("sumber_baris") == setuju["sumber_baris"])
    assert left.filter(same_row).height == 0
    assert left.filter(pl.col("id_verifikasi") == tolak["id_verifikasi"]).height == 0
    karantina = pl.read_csv(out / Q1 / "karantina.csv", infer_schema=False)
    assert karantina.filter(pl.col("nilai") == "VTIDAKADA01").height == 1
    # Every other candidate keeps its id: ids are stable across reruns.
    assert set(left["id_verifikasi"]) <= set(queue["id_verifikasi"])


def test_two_quarters_match_labels(world, tmp_path):
    info = world["info"]
    db, out = tmp_path / "q2.duckdb", tmp_path / "out"
    shutil.copy(world["reference"], db)
    res = run_quarter(Q2, info.inbox[Q2], db, out)
    assert res.returncode == 0, res.stderr[-2000:]
    cols = ["nik", "status", "kode_tms", "kode_desa"]
    for quarter in (Q1, Q2):
        got = pl.read_csv(export_bytes(db, quarter), infer_schema=False).select(
            [pl.col(c).fill_null("") for c in cols]).sort(cols)
        want = pl.read_csv(info.labels[quarter] / "ekspor.csv", infer_schema=False).select(
            [pl.col(c).fill_null("") for c in cols]).sort(cols)
        diff = got.join(want, on=cols, how="anti").height + want.join(got, on=cols, how="anti").height
        assert diff == 0 and got.height == want.height, quarter
    older = run_quarter(Q1, info.inbox[Q1], db, tmp_path / "older")
    assert older.returncode == 2
