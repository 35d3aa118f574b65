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
    # A file that must be refused is refused alone: exit 2, one line naming it, nothing applied.
    for i, case in enumerate(c for c in cases if c.expect == "error"):
        before = snapshot(db)
        code = _init(base, case, f"baru{i}") if case.kind == "pemilih" else _run(base, db, [case], f"inbox{i}")
        captured = capfd.readouterr()
        assert "Traceback" not in captured.err + captured.out, case.name
        assert code == 2, (case.name, captured.err[-500:])
        lines = [line for line in captured.err.splitlines() if line.startswith("pdpb:")]
        assert len(lines) == 1 and case.path.name in lines[0], (case.name, captured.err[-500:])
        assert snapshot(db) == before, f"{case.name}: the database changed"
        if case.kind == "pemilih":
            assert not (base / f"baru{i}.duckdb").exists() or _empty(base / f"baru{i}.duckdb")
    # The files that read with bad rows arrive together, as an inbox does: one quarter, exit 0,
    # and every file's rows accounted for (applied, review, quarantined or no change).
    clean = [c for c in cases if c.expect == "karantina"]
    for j, case in enumerate(c for c in clean if c.kind == "pemilih"):
        code = _init(base, case, f"terbaca{j}")
        captured = capfd.readouterr()
        assert code == 0 and "Traceback" not in captured.err + captured.out, (case.name, captured.err[-800:])
    extracts = [c for c in clean if c.kind != "pemilih"]
    code = _run(base, db, extracts, "inbox-terbaca")
    captured = capfd.readouterr()
    assert code == 0 and "Traceback" not in captured.err + captured.out, captured.err[-800:]
    con = store.connect(db, read_only=True)
    try:
        berkas = store.query(con, "SELECT sumber_file, dibaca, diterapkan + verifikasi + karantina + tanpa_perubahan AS "
                                  "tercatat FROM berkas WHERE kuartal = (SELECT max(kuartal) FROM berkas)")
    finally:
        con.close()
    assert sorted(berkas["sumber_file"]) == sorted(c.path.name for c in extracts)
    assert berkas["dibaca"].to_list() == berkas["tercatat"].to_list()


def _init(base: Path, case, name: str) -> int:
    """`pdpb init` of this voter list on a new database `name`."""
    return main(["init", "--voters", str(case.path), "--db", str(base / f"{name}.duckdb"), "--out", str(base / "o"),
                 "--kabupaten", "33.23", "--as-of", "2025-12-31"])


def _run(base: Path, db: Path, cases: list, name: str) -> int:
    """`pdpb run` of 2026-Q1 on a new inbox `name` holding these files."""
    inbox = base / name
    inbox.mkdir()
    for c in cases:
        (inbox / c.path.name).write_bytes(c.path.read_bytes())
    return main(["run", "--quarter", "2026-Q1", "--inbox", str(inbox), "--db", str(db), "--out", str(base / "out")])


def _empty(db: Path) -> bool:
    con = store.connect(db, read_only=True)
    try:
        return not store.scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'kuartal'") \
            or store.scalar(con, "SELECT count(*) FROM kuartal") == 0
    finally:
        con.close()
