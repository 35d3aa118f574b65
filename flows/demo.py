"""`pdpb demo`: a synthetic kabupaten, loaded and run for one quarter, end to end."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from prefect import flow

from flows.init import run_init
from flows.quarter import run_quarter
from transforms.synth import generate_sample

DEMO_QUARTER = "2026-Q1"


@flow(name="pdpb-demo", flow_run_name="demo-{voters}")
def pdpb_demo(voters: int, seed: int, base: str, out: str) -> dict:
    return make_demo(voters, seed, Path(base), Path(out))


def make_demo(voters: int, seed: int, base_dir: Path, out_dir: Path, direct=None) -> dict:
    """`direct(inbox) -> (init options, quarter options)`: the stages without Prefect; None: the Prefect tasks."""
    db = base_dir / "demo.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    sample_dir = base_dir / "kabupaten"
    if sample_dir.exists():
        shutil.rmtree(sample_dir)
    t = time.perf_counter()
    info = generate_sample(sample_dir, n_voters=voters, seed=seed, first_quarter=DEMO_QUARTER)
    generated = time.perf_counter() - t
    init_options, quarter_options = direct(info.inbox[DEMO_QUARTER]) if direct else ({}, {})
    init = run_init(voters=info.baseline, db=db, out=out_dir, kabupaten="33.23", as_of=info.as_of, **init_options)
    result = run_quarter(quarter=DEMO_QUARTER, inbox=info.inbox[DEMO_QUARTER], db=db, out=out_dir, **quarter_options)
    return {"generated_s": round(generated, 1), "init": init, "run": result, "db": str(db), "sample": str(sample_dir)}


def run_demo(*, voters: int, seed: int, base: Path, out: Path, direct: bool = False) -> None:
    """`direct`: the stages without Prefect (no Prefect server configured), with stage lines."""
    from flows.console import fmt, print_run

    if direct:
        from flows import console
        from transforms.ingest import ingest
        from flows.stages import StageLines, console_steps
        from transforms.read import list_inbox

        lines = StageLines()
        logger = console.pipeline_logger()

        def plain(inbox: Path):
            steps = console_steps(len(list_inbox(inbox)), lines)
            return {"ingest": ingest, "logger": logger}, {"steps": steps, "logger": logger}

        try:
            result = make_demo(voters, seed, base, out, direct=plain)
        except BaseException:
            lines.fail()
            raise
    else:
        result = pdpb_demo(voters=voters, seed=seed, base=str(base), out=str(out))
    seconds = str(result["generated_s"]).replace(".", ",")
    print(f"Kabupaten contoh: {fmt(voters)} pemilih dibuat di {result['sample']} ({seconds} s)")
    print(f"Daftar awal dimuat: {fmt(result['init']['dimuat'])} pemilih")
    print_run(result["run"])
    print(f"Basis data demo: {result['db']}")
