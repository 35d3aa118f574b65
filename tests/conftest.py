"""Shared test set-up: Prefect in local mode without network, one test harness per session, and
the one small kota that the whole-quarter tests share."""

from __future__ import annotations

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import shutil  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

KOTA = "33.71"  # Kota Magelang: 3 kecamatan, 17 kelurahan - a whole quarter's reports in seconds
Q1, Q2 = "2026-Q1", "2026-Q2"


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect API for the tests that run real flows (started once, ~10 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="module")
def cli_env(prefect_harness):
    """The environment for running the real `pdpb` CLI against the session's Prefect API."""
    from pathlib import Path

    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    return env


@pytest.fixture(scope="session")
def kota_master(tmp_path_factory):
    """The shared sample, generated once per test process: Kota Magelang with 1,500 voters and
    the extracts of two quarters (2026-Q1, 2026-Q2), with their labels. Never written to."""
    from transforms.synth import generate_sample

    return generate_sample(tmp_path_factory.mktemp("kota") / "sampel", n_voters=1500, seed=5, kode_kabupaten=KOTA,
                           first_quarter=Q1, n_quarters=2)


@pytest.fixture(scope="module")
def kota_sample(kota_master, tmp_path_factory):
    """The shared sample, copied for one test module (which may write into its inboxes)."""
    target = tmp_path_factory.mktemp("kota-kopi") / "sampel"
    shutil.copytree(kota_master.out_dir, target)
    return rebased(kota_master, target)


def rebased(info, target: Path):
    """`info` (a SampleInfo) with every path moved from its folder to `target`."""
    def move(path: Path) -> Path:
        return target / path.relative_to(info.out_dir)

    return replace(info, out_dir=target, baseline=move(info.baseline), awal=move(info.awal),
                   inbox={q: move(p) for q, p in info.inbox.items()},
                   labels={q: move(p) for q, p in info.labels.items()})


# The longest files, longest first (measured with --durations): each runs whole on one worker,
# so they are started first and side by side instead of one of them ending the run alone.
LONGEST_FIRST = ("test_provinsi.py", "test_quarters.py", "test_review_loop.py", "test_quarters_review.py",
                 "test_newcomer.py", "test_cli_corpus.py", "test_flows.py", "test_fuzz_inbox.py", "test_privacy.py",
                 "test_end_to_end.py", "test_tms_table.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a file keeps its order
