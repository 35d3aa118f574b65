"""Shared test set-up: Prefect in local mode without network, one test harness per session."""

from __future__ import annotations

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import pytest  # noqa: E402


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


# The longest files, longest first (measured with --durations): each runs whole on one worker,
# so they are started first and side by side instead of one of them ending the run alone.
LONGEST_FIRST = ("test_provinsi.py", "test_end_to_end.py", "test_fuzz_inbox.py", "test_quarters.py",
                 "test_cli_corpus.py", "test_privacy.py", "test_review_loop.py", "test_flows.py",
                 "test_quarters_review.py", "test_newcomer.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a file keeps its order
