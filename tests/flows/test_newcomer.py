"""A newcomer's first session through the real `pdpb` command, without a Prefect server: init
without --as-of, the usual mistakes, the first quarter, export, status, batal. Every refusal is
one line on stderr, exit 2, no traceback and nothing of Prefect's; refusals cost little CPU."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest


pytestmark = pytest.mark.slow  # runs whole quarters through the pipeline or the CLI

ROOT = Path(__file__).resolve().parents[2]
NOISE = re.compile(r"Traceback|prefect|EventsWorker|nanobind|Finished in state|usage:|kolom (quarter|as-of|inbox)",
                   re.IGNORECASE)


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


@pytest.fixture(scope="module")
def session(tmp_path_factory, kota_sample):
    base = tmp_path_factory.mktemp("pendatang")
    info = kota_sample
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PYTHONPATH=str(ROOT), PREFECT_HOME=str(base / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DO_NOT_TRACK="1")

    def pdpb(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=base, env=env, capture_output=True,
                              text=True, timeout=600)

    return base, info, pdpb


def refused(res: subprocess.CompletedProcess, *needles: str) -> str:
    """Exit 2, exactly one line on stderr and nothing on stdout, no internals."""
    assert res.returncode == 2, (res.returncode, res.stdout[-800:], res.stderr[-800:])
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pdpb: "), res.stderr
    assert not NOISE.search(res.stderr + res.stdout), res.stderr + res.stdout
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def test_newcomer_session(session):
    base, info, pdpb = session
    from flows.init import default_as_of
    from transforms import store

    q1 = "2026-Q1"
    cpu = child_cpu()
    refused(pdpb("run", "--quarter", q1, "--kabupaten", "33.71"), "opsi tidak dikenal", "--kabupaten")
    refused(pdpb("run", "--quarter", q1), "basis data data/pdpb.duckdb belum ada", "pdpb init --voters")
    refused(pdpb("export", "--quarter", q1, "--out", "x.csv"), "pdpb init")
    refused(pdpb("status"), "belum ada")
    assert (child_cpu() - cpu) / 4 < 2.0, "a refusal must not wait for Prefect"

    # init without --as-of: the baseline's date is said, and the next step with it.
    as_of = default_as_of()
    baseline_q = store.quarter_of(as_of)
    done = pdpb("init", "--voters", str(info.baseline), "--kabupaten", "33.71")
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and not NOISE.search(done.stdout), done.stdout
    assert str(as_of) in done.stdout and "--as-of tidak diberikan" in done.stdout
    assert f"pdpb run --quarter {store.quarter_label(baseline_q + 1)}" in done.stdout
    n = len(info.baseline.read_text(encoding="utf-8").splitlines()) - 1
    shown = f"{n:,}".replace(",", ".")  # Indonesian thousands
    assert re.search(rf"Pemilih dimuat\s+{re.escape(shown)}\n", done.stdout), done.stdout

    # The sample's first quarter lies at or before that date: refused, with the fix shown.
    cpu = child_cpu()
    line = refused(pdpb("run", "--quarter", q1, "--inbox", str(info.inbox[q1])), str(as_of),
                   f"--as-of {store.quarter_end(store.quarter_index(q1) - 1)}")
    refused(pdpb("init", "--voters", str(info.baseline), "--kabupaten", "33.71"), "sudah berisi")
    assert child_cpu() - cpu < 4.0
    # Following the message: a new database with the baseline's real date.
    fix = line.split(": ", 1)[1].split("muat ulang ke basis data baru: ")[1].split(" (")[0]
    assert fix == f"pdpb init --voters {info.baseline} --as-of 2025-12-31"
    db = ["--db", "data/baru.duckdb"]
    assert pdpb(*fix.split()[1:], *db, "--kabupaten", "33.71").returncode == 0

    cpu = child_cpu()
    refused(pdpb("run", "--quarter", "2026-Q2", "--inbox", str(info.inbox[q1]), *db), "2026-Q1 belum dijalankan",
            "--lewati-triwulan")
    refused(pdpb("run", "--quarter", q1, *db), "folder kotak masuk data/inbox/2026-Q1 tidak ditemukan")
    refused(pdpb("run", "--quarter", "2026-5", *db), "opsi --quarter", "2026-Q1")
    refused(pdpb("run", *db), "opsi ini wajib diisi: --quarter")
    assert (child_cpu() - cpu) / 4 < 2.0

    run = pdpb("run", "--quarter", q1, "--inbox", str(info.inbox[q1]), *db)
    assert run.returncode == 0, run.stderr
    assert run.stderr == "" and not NOISE.search(run.stdout), run.stdout
    assert "{" not in run.stdout  # a summary table, not a dict
    stage_lines = [ln for ln in run.stdout.splitlines() if ln.startswith("✓ ")]
    assert len(stage_lines) == 5, run.stdout
    assert re.search(rf"Pemilih aktif\s+{re.escape(shown)} → [\d.]+", run.stdout), run.stdout

    refused(pdpb("export", "--quarter", "2030-Q4", "--out", "x.csv", *db), "2030-Q4 belum diterapkan")
    assert not (base / "x.csv").exists()
    assert pdpb("export", "--quarter", q1, "--out", "q1.csv", *db).returncode == 0

    status = pdpb("status", *db)
    assert status.returncode == 0 and "2025-Q4" in status.stdout and q1 in status.stdout
    as_json = json.loads(pdpb("status", "--json", *db).stdout)
    assert [k["triwulan"] for k in as_json["kuartal"]] == ["2025-Q4", q1]
    assert {r["triwulan"] for r in as_json["runs"]} == {"2025-Q4", q1}

    # batal: back to the baseline, reports moved aside, the quarter can run again.
    undone = pdpb("batal", "--quarter", q1, *db)
    assert undone.returncode == 0, undone.stderr
    assert not (base / "out" / q1).exists()
    (moved,) = (base / "out").glob(f"{q1}.batal-*")
    assert (moved / "perubahan.csv").is_file()
    refused(pdpb("export", "--quarter", q1, "--out", "x.csv", *db), "belum diterapkan")
    after = json.loads(pdpb("status", "--json", *db).stdout)
    assert [k["triwulan"] for k in after["kuartal"]] == ["2025-Q4"]
    assert after["riwayat"][0]["peristiwa"] == "DIBATALKAN"
    refused(pdpb("batal", "--quarter", q1, *db), "belum diterapkan")


def test_help_is_in_bahasa_with_every_default(capsys):
    from flows.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in ("init", "run", "batal", "export", "status", "templat"):
        p = sub.choices[name]
        text = p.format_help()
        assert text.startswith("penggunaan: pdpb " + name) and "opsi:" in text and "options" not in text
        formatter = p._get_formatter()
        for action in p._actions:
            if action.dest in ("help", "dir"):
                continue
            shown = formatter._get_help_string(action)
            assert "wajib" in shown or "bawaan" in shown, (name, action.dest)
