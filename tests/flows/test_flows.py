"""The served flow `pdpb-triwulan`: deployments, schedule, parameter checks, artifacts, one writer at a time."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows.artifacts import artifact_key, artifact_keys, berkas_table, kecamatan_table, summary_markdown
from flows.serve import (
    MANUAL,
    SCHEDULED,
    build_deployments,
    pdpb_triwulan_served,
    quarter_just_ended,
    upcoming_runs,
)
from flows.settings import DEFAULT_CRON, Settings
from transforms.errors import InputError

WIB = ZoneInfo("Asia/Jakarta")


# --- the quarter of a scheduled run -----------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "quarter"),
    [
        (datetime(2026, 1, 1, 2, 0, tzinfo=WIB), "2025-Q4"),
        # the same instant written in UTC is still 31 December there: the answer must not change
        (datetime(2025, 12, 31, 19, 0, tzinfo=timezone.utc), "2025-Q4"),
        (datetime(2026, 4, 1, 2, 0, tzinfo=WIB), "2026-Q1"),
        (datetime(2026, 7, 1, 2, 0, tzinfo=WIB), "2026-Q2"),
        (datetime(2026, 10, 1, 2, 0, tzinfo=WIB), "2026-Q3"),
        (datetime(2026, 9, 30, 23, 59, tzinfo=WIB), "2026-Q2"),
    ],
)
def test_scheduled_run_is_for_the_quarter_just_ended_in_jakarta(moment, quarter):
    assert quarter_just_ended(moment, "Asia/Jakarta") == quarter


# --- deployments ------------------------------------------------------------------------------


@pytest.fixture
def deployments(tmp_path):
    settings = Settings(db=tmp_path / "pdpb.duckdb", out=tmp_path / "out")
    return {d.name: d for d in build_deployments(settings)}, settings


def test_two_deployments_of_one_flow_with_the_cli_parameters(deployments):
    by_name, settings = deployments
    assert set(by_name) == {SCHEDULED, MANUAL}
    for d in by_name.values():
        assert d.flow_name == "pdpb-triwulan"
        assert d.entrypoint == "flows.serve.pdpb_triwulan_served"
        assert d.enforce_parameter_schema
        props = d._parameter_openapi_schema.properties
        assert list(props) == ["quarter", "inbox", "db", "out"]
        assert d.parameters == {"db": str(settings.db.resolve()), "out": str(settings.out.resolve())}
        assert d.concurrency_limit == 1
        assert d.concurrency_options.collision_strategy.value == "ENQUEUE"
    quarter = by_name[MANUAL]._parameter_openapi_schema.properties["quarter"]
    assert quarter["anyOf"][0]["pattern"] == r"^\d{4}-Q[1-4]$"


def test_scheduled_deployment_fires_after_each_quarter_in_jakarta(deployments):
    by_name, settings = deployments
    assert by_name[MANUAL].schedules == []
    (sched,) = by_name[SCHEDULED].schedules
    assert sched.active
    assert sched.schedule.cron == DEFAULT_CRON
    assert sched.schedule.timezone == "Asia/Jakarta"
    dates = upcoming_runs(settings, n=4, start=datetime(2026, 11, 30, tzinfo=timezone.utc))
    assert [d.astimezone(WIB).replace(tzinfo=None) for d in dates] == [
        datetime(2027, 1, 1, 2), datetime(2027, 4, 1, 2), datetime(2027, 7, 1, 2), datetime(2027, 10, 1, 2),
    ]
    assert [quarter_just_ended(d) for d in dates] == ["2026-Q4", "2027-Q1", "2027-Q2", "2027-Q3"]


def test_bad_schedule_in_settings_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cron"):
        build_deployments(Settings(db=tmp_path / "x.duckdb", cron="0 2 31 2 * *x"))
    with pytest.raises(InputError, match="zona waktu"):
        build_deployments(Settings(db=tmp_path / "x.duckdb", timezone="Asia/Jakartaa"))


# --- artifacts content (no server needed) -----------------------------------------------------


def test_artifact_keys_are_lowercase_and_stable():
    assert artifact_keys("2026-Q1") == {
        "ringkasan": "pdpb-ringkasan-2026-q1",
        "kecamatan": "pdpb-kecamatan-2026-q1",
        "berkas": "pdpb-berkas-2026-q1",
    }
    with pytest.raises(ValueError):
        artifact_key("ringkasan", "2026 Q1")


def test_publishing_outside_a_flow_run_does_nothing(tmp_path):
    """The plain functions (no Prefect) reach the same call: it must neither fail nor reach for an API."""
    from flows.artifacts import publish_artifacts

    assert publish_artifacts({"kuartal": "2026-Q1"}, tmp_path) == {}


# --- against a Prefect API --------------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _artifacts(key: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))


def _flow_run(state):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id)


def test_malformed_quarter_is_refused_before_the_flow_runs(prefect_harness, tmp_path):
    from prefect.exceptions import ParameterTypeError

    db = tmp_path / "pdpb.duckdb"
    with pytest.raises(ParameterTypeError):
        pdpb_triwulan_served(quarter="2026-Q5", db=str(db), out=str(tmp_path / "out"))
    assert not db.exists() and not (tmp_path / "out").exists()


def test_api_refuses_a_malformed_quarter_for_a_deployment(prefect_harness, tmp_path):
    """What the UI's run form and `prefect deployment run --param` hit: the server checks the schema."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import PrefectHTTPStatusError

    settings = Settings(db=tmp_path / "pdpb.duckdb", out=tmp_path / "out")
    manual = next(d for d in build_deployments(settings) if d.name == MANUAL)
    deployment_id = manual.apply()
    with get_client(sync_client=True) as client:
        with pytest.raises(PrefectHTTPStatusError) as refused:
            client.create_flow_run_from_deployment(deployment_id, parameters={"quarter": "2026-5"})
        assert refused.value.response.status_code in (409, 422)
        ok = client.create_flow_run_from_deployment(deployment_id, parameters={"quarter": "2026-Q1"})
        assert ok.parameters["quarter"] == "2026-Q1"
        client.delete_flow_run(ok.id)
        dep = client.read_deployment(deployment_id)
    assert dep.global_concurrency_limit is not None and dep.global_concurrency_limit.limit == 1


@pytest.fixture(scope="module")
def sample(prefect_harness, tmp_path_factory):
    """The served flow on a small generated kabupaten: init, then one quarter."""
    from flows.init import pdpb_awal
    from transforms.synth import generate_sample

    base = tmp_path_factory.mktemp("layanan")
    info = generate_sample(base / "sampel", n_voters=1500, seed=3)
    inboxes = getattr(info, "inboxes", None) or info.inbox
    quarter = sorted(inboxes)[0]
    db, out = base / "pdpb.duckdb", base / "out"
    pdpb_awal(voters=str(info.baseline), db=str(db), out=str(out), as_of=info.as_of)
    state = pdpb_triwulan_served(quarter=quarter, inbox=str(inboxes[quarter]), db=str(db), out=str(out),
                                 return_state=True)
    return {"quarter": quarter, "inbox": inboxes[quarter], "db": db, "out": out, "state": state}


@pytest.mark.slow
def test_run_writes_the_reports_and_is_named_after_the_quarter(sample):
    state, q = sample["state"], sample["quarter"]
    assert state.is_completed(), state.message
    result = state.result()
    assert result["kuartal"] == q
    assert Path(result["keluaran"]) == sample["out"] / q
    for name in ("perubahan.csv", "verifikasi.csv", "karantina.csv", "ringkasan.json", "rekap_kabupaten.xlsx"):
        assert (sample["out"] / q / name).is_file(), name
    assert set(result["durasi"]) >= {"baca_validasi", "terapkan", "laporan"}
    assert _flow_run(state).name == f"triwulan-{q}"


@pytest.mark.slow
def test_artifacts_are_readable_by_key(sample):
    q = sample["quarter"]
    ringkasan = json.loads((sample["out"] / q / "ringkasan.json").read_text())
    run_id = sample["state"].state_details.flow_run_id
    keys = artifact_keys(q)

    (summary,) = [a for a in _artifacts(keys["ringkasan"]) if a.flow_run_id == run_id]
    assert summary.type == "markdown"
    assert f"PDPB triwulan {q}" in summary.data
    assert f"Folder: `{(sample['out'] / q).resolve()}`" in summary.data
    assert f"{ringkasan['verifikasi']['kandidat']} kandidat" in summary.data.replace(".", "")
    assert summary.data == summary_markdown(ringkasan, sample["out"] / q, sample["state"].result()["durasi"])

    (kec,) = [a for a in _artifacts(keys["kecamatan"]) if a.flow_run_id == run_id]
    rows = json.loads(kec.data) if isinstance(kec.data, str) else kec.data
    assert kec.type == "table"
    assert rows == kecamatan_table(ringkasan)
    assert len(rows) == 20  # Temanggung's kecamatan
    assert sum(r["akhir"] for r in rows) == ringkasan["kabupaten"]["akhir"]["total"]

    (files,) = [a for a in _artifacts(keys["berkas"]) if a.flow_run_id == run_id]
    rows = json.loads(files.data) if isinstance(files.data, str) else files.data
    assert rows == berkas_table(ringkasan)
    assert {r["berkas"] for r in rows} == set(ringkasan["berkas"])
    for r in rows:
        assert r["dibaca"] == r["diterapkan"] + r["verifikasi"] + r["karantina"] + r["tanpa_perubahan"]


@pytest.mark.slow
def test_second_writer_is_refused_and_the_database_is_unchanged(sample):
    from transforms.store import writer_lock

    before = _sha(sample["db"])
    with writer_lock(sample["db"]):
        state = pdpb_triwulan_served(quarter=sample["quarter"], inbox=str(sample["inbox"]),
                                     db=str(sample["db"]), out=str(sample["out"]), return_state=True)
    assert state.is_failed()
    with pytest.raises(InputError, match="sedang dipakai"):
        state.result()
    assert _sha(sample["db"]) == before


@pytest.mark.slow
def test_scheduled_run_without_quarter_reruns_the_quarter_just_ended(sample):
    """A run the schedule fired at 02:00 WIB on the day after the quarter (still the day before in UTC),
    started late: it is for the quarter that had ended at its scheduled time, not at the time it starts."""
    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow
    from prefect.states import Scheduled

    q = sample["quarter"]
    year, n = int(q[:4]), int(q[-1])
    fire = datetime(year + (n == 4), 1 + 3 * (n % 4), 1, 2, 0, tzinfo=WIB)
    params = {"inbox": str(sample["inbox"]), "db": str(sample["db"]), "out": str(sample["out"])}
    with get_client(sync_client=True) as client:
        flow_run = client.create_flow_run(pdpb_triwulan_served, parameters=params,
                                          state=Scheduled(scheduled_time=fire.astimezone(timezone.utc)))
    state = run_flow(pdpb_triwulan_served, flow_run=flow_run, parameters=params, return_type="state")
    assert state.is_completed(), state.message
    result = state.result()
    assert result["kuartal"] == q and result["ulang"]
    assert _flow_run(state).name == f"triwulan-{q}"
