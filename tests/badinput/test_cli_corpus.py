"""The malformed-input corpus through the real `pdpb` command: exit 2 with one line naming the
file and no traceback, and the database unchanged — or a clean quarantine with exit 0."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from flows.cli import main
from flows.init import run_init
from reports.export import export_frame
from transforms.ingest import ingest
from transforms import store

from .build import build_corpus

pytestmark = pytest.mark.slow  # runs whole quarters through the pipeline or the CLI

KOTA = "33.71"  # Kota Magelang: 17 kelurahan keep each run's reports short


@pytest.fixture(scope="module")
def world(tmp_path_factory, prefect_harness, kota_sample):
    base = tmp_path_factory.mktemp("cli-corpus")
    info = kota_sample
    db = base / "pdpb.duckdb"
    run_init(voters=info.baseline, db=db, out=base / "out", kabupaten=KOTA, as_of=info.as_of, ingest=ingest,
             logger=logging.getLogger("t"))
    return base, db, build_corpus(base / "corpus")


def snapshot(db: Path) -> tuple[list[int], bytes]:
    con = store.connect(db, read_only=True)
    try:
        quarters = store.applied_quarters(con)
        return quarters, export_frame(con, quarters[-1]).write_csv().encode()
    finally:
        con.close()


def test_every_bad_file_gives_exit_2_or_a_clean_quarantine(world, capfd):
    base, db, cases = world
    assert len(cases) >= 30
    for i, case in enumerate(cases):
        before = snapshot(db)
        if case.kind == "pemilih":
            code = main(["init", "--voters", str(case.path), "--db", str(base / f"baru{i}.duckdb"),
                         "--out", str(base / "o"), "--kabupaten", "33.23", "--as-of", "2025-12-31"])
        else:
            inbox = base / f"inbox{i}"
            inbox.mkdir()
            (inbox / case.path.name).write_bytes(case.path.read_bytes())
            code = main(["run", "--quarter", "2026-Q1", "--inbox", str(inbox), "--db", str(db),
                         "--out", str(base / "out")])
        captured = capfd.readouterr()
        assert "Traceback" not in captured.err + captured.out, case.name
        if case.expect == "error":
            assert code == 2, (case.name, captured.err[-500:])
            lines = [line for line in captured.err.splitlines() if line.startswith("pdpb:")]
            assert len(lines) == 1 and case.path.name in lines[0], (case.name, captured.err[-500:])
            assert snapshot(db) == before, f"{case.name}: the database changed"
            if case.kind == "pemilih":
                assert not (base / f"baru{i}.duckdb").exists() or _empty(base / f"baru{i}.duckdb")
        else:
            assert code == 0, (case.name, captured.err[-800:])


def _empty(db: Path) -> bool:
    con = store.connect(db, read_only=True)
    try:
        return not store.scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'kuartal'") \
            or store.scalar(con, "SELECT count(*) FROM kuartal") == 0
    finally:
        con.close()
