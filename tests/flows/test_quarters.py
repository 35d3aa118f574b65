"""Quarters over time: crash safety, one writer, review decisions, two consecutive quarters.

The pipeline runs in child processes without Prefect (the flow wrapper is covered by the
end-to-end and flow tests), so a run can be killed at any point of its apply transaction.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reports.export import export_frame
from transforms import store

pytestmark = pytest.mark.slow  # runs whole quarters through the pipeline or the CLI

ROOT = Path(__file__).resolve().parents[2]
CHILD = ROOT / "tests" / "support" / "quarter_child.py"
Q1, Q2 = "2026-Q1", "2026-Q2"


def _env(**extra: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def start_quarter(quarter: str, inbox: Path, db: Path, out: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(CHILD), quarter, str(inbox), str(db), str(out)],
        env=_env(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def run_quarter(quarter: str, inbox: Path, db: Path, out: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(CHILD), quarter, str(inbox), str(db), str(out)], env=_env(),
                          capture_output=True, text=True, timeout=600)
    return proc


def init_db(info, db: Path, out: Path) -> None:
    code = (
        "import logging, datetime, sys; from pathlib import Path; from flows.init import run_init; from flows.quarter "
        "import ingest; run_init(voters=Path(sys.argv[1]), db=Path(sys.argv[2]), out=Path(sys.argv[3]), "
        "kabupaten=sys.argv[5], as_of=datetime.date.fromisoformat(sys.argv[4]), ingest=ingest, "
        "logger=logging.getLogger('t'))"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(info.baseline), str(db), str(out), info.as_of.isoformat(), info.kode_kabupaten],
        env=_env(), check=True, capture_output=True, text=True, timeout=600,
    )


def export_bytes(db: Path, quarter: str) -> bytes:
    con = store.connect(db, read_only=True)
    try:
        return export_frame(con, store.quarter_index(quarter)).write_csv().encode()
    finally:
        con.close()


def applied(db: Path) -> list[str]:
    con = store.connect(db, read_only=True)
    try:
        return [store.quarter_label(k) for k in store.applied_quarters(con)]
    finally:
        con.close()


def tree_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def world(tmp_path_factory, kota_sample):
    base = tmp_path_factory.mktemp("triwulan")
    info = kota_sample  # Kota Magelang: 17 kelurahan keep each run short
    template = base / "awal.duckdb"
    init_db(info, template, base / "out-awal")
    reference = base / "ref.duckdb"
    shutil.copy(template, reference)
    res = run_quarter(Q1, info.inbox[Q1], reference, base / "out-ref")
    assert res.returncode == 0, res.stderr[-2000:]
    return {
        "info": info, "base": base, "template": template, "reference": reference,
        "old": export_bytes(template, Q1), "new": export_bytes(reference, Q1),
        "outputs": tree_hashes(base / "out-ref" / Q1),
    }


def test_killed_apply_leaves_old_or_new_state_and_rerun_completes(world, tmp_path):
    """SIGKILL at points spread over the apply transaction (seven statements with 0.08 s pauses,
    then the commit), each jittered a little: before the first statement, inside, past the commit."""
    rng = random.Random(20260331)
    seen = {"lama": 0, "baru": 0}
    info = world["info"]
    kill_at = [min(0.75, i * 0.3 + rng.uniform(0.0, 0.05)) for i in range(3)]
    for trial, delay in enumerate(kill_at):
        db = tmp_path / f"t{trial}.duckdb"
        out = tmp_path / f"out{trial}"
        shutil.copy(world["template"], db)
        proc = start_quarter(Q1, info.inbox[Q1], db, out, PDPB_JEDA_TERAPKAN="0.08")
        for line in proc.stdout:
            if line.startswith("APPLY_START"):
                break
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        proc.stdout.close()
        proc.stderr.close()
        state = export_bytes(db, Q1)
        quarters = applied(db)
        if quarters == ["2025-Q4"]:
            assert state == world["old"], f"trial {trial}: partial state after kill"
            seen["lama"] += 1
        else:
            assert quarters == ["2025-Q4", Q1] and state == world["new"], f"trial {trial}: partial state"
            seen["baru"] += 1
        res = run_quarter(Q1, info.inbox[Q1], db, out)
        assert res.returncode == 0, res.stderr[-2000:]
        assert export_bytes(db, Q1) == world["new"]
        assert tree_hashes(out / Q1) == world["outputs"]
    assert seen["lama"] > 0, seen  # the kills really landed inside the transaction


def test_second_run_refused_while_first_runs(world, tmp_path):
    info = world["info"]
    db, out = tmp_path / "c.duckdb", tmp_path / "out"
    shutil.copy(world["template"], db)
    # A pause of 1.5 s between the apply's statements holds the lock long enough for the second
    # process to start and ask for it, even on a busy machine.
    first = start_quarter(Q1, info.inbox[Q1], db, out, PDPB_JEDA_TERAPKAN="1.5")
    for line in first.stdout:
        if line.startswith("APPLY_START"):
            break
    second = run_quarter(Q1, info.inbox[Q1], db, tmp_path / "out2")
    assert second.returncode == 2
    assert "sedang dipakai" in second.stdout
    rest, _ = first.communicate(timeout=600)
    assert first.returncode == 0, rest
    assert export_bytes(db, Q1) == world["new"]
