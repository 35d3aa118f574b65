"""`pdpb serve`: the flow `pdpb-triwulan` as two deployments, `terjadwal` (cron) and `manual`.

The served flow is a thin wrapper around `flows.quarter.run_quarter` with the same flow name,
so runs from the CLI and from the deployments show up under one flow in the UI. It exists
because a scheduled run cannot know its quarter in advance: it runs for the quarter that had
just ended at its *scheduled* time in the kabupaten's time zone, and its parameters are typed
so the UI's run form refuses a malformed quarter before anything starts.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prefect import flow, get_run_logger
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron
from pydantic import Field

from flows.artifacts import publish_from_folder
from flows.settings import DEFAULT_TIMEZONE, Settings, load_settings
from transforms import store
from transforms.errors import InputError

FLOW_NAME = "pdpb-triwulan"
SCHEDULED, MANUAL = "terjadwal", "manual"
QUARTER_PATTERN = r"^\d{4}-Q[1-4]$"

Quarter = Annotated[
    str,
    Field(
        pattern=QUARTER_PATTERN,
        description="Triwulan, misalnya 2026-Q1. Kosongkan untuk triwulan yang baru berakhir.",
        examples=["2026-Q1"],
    ),
]


def quarter_just_ended(moment: datetime, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The quarter that had ended at `moment`, judged by the calendar of `timezone`.

    The default schedule fires at 02:00 WIB on 1 January, which is still 31 December in UTC:
    judged in UTC it would pick the quarter before the one that just closed.
    """
    if moment.tzinfo is None:
        raise ValueError("moment must carry a time zone")
    local_day = moment.astimezone(ZoneInfo(timezone)).date()
    return store.quarter_label(store.quarter_of(local_day) - 1)


def _timezone() -> str:
    try:
        return load_settings().timezone
    except InputError:
        return DEFAULT_TIMEZONE


def resolve_quarter(quarter: str | None) -> str:
    """A given quarter as is; none: the quarter just ended at this run's scheduled start time."""
    if quarter:
        return store.quarter_label(store.quarter_index(quarter))
    from prefect.runtime import flow_run

    return quarter_just_ended(flow_run.scheduled_start_time, _timezone())


def _flow_run_name() -> str:
    from prefect.runtime import flow_run

    return f"triwulan-{resolve_quarter(flow_run.parameters.get('quarter'))}"


def _one_line_input_errors() -> None:
    """Served runs log through Prefect, not the CLI: hide the traceback of bad input there too."""
    try:
        from flows.console import install_log_filter

        install_log_filter()
    except ImportError:
        pass


@flow(name=FLOW_NAME, flow_run_name=_flow_run_name, validate_parameters=True, log_prints=False)
def pdpb_triwulan_served(
    quarter: Quarter | None = None,
    inbox: str | None = None,
    db: str = "data/pdpb.duckdb",
    out: str = "out",
) -> dict:
    """Apply one quarter's inbox to the voter list and write its reports (SPEC §3 `pdpb run`).

    Without `quarter`, the run is for the quarter that had just ended when it was scheduled.
    """
    from flows.quarter import run_quarter

    _one_line_input_errors()
    label = resolve_quarter(quarter)
    inbox_dir = Path(inbox) if inbox else Path("data/inbox") / label
    if not quarter:
        get_run_logger().info("triwulan tidak diberikan: dijalankan untuk triwulan yang baru berakhir, %s", label)
    result = run_quarter(quarter=label, inbox=inbox_dir, db=Path(db), out=Path(out))
    publish_from_folder(Path(result["keluaran"]), result.get("durasi"))
    return result


def _default_parameters(settings: Settings) -> dict:
    """Paths made absolute at serve time, so a run does not depend on where the runner was started."""
    params = {"db": str(Path(settings.db).resolve()), "out": str(Path(settings.out).resolve())}
    if settings.inbox is not None:
        params["inbox"] = str(Path(settings.inbox).resolve())
    return params


def _schedule(settings: Settings):
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"zona waktu '{settings.timezone}' tidak dikenal; tulis seperti Asia/Jakarta",
                         file="pdpb.toml", column="timezone") from None
    try:
        from prefect.client.schemas.schedules import CronSchedule

        CronSchedule(cron=settings.cron, timezone=settings.timezone)
    except ValueError:
        raise InputError(f"jadwal cron '{settings.cron}' tidak sah; contoh: 0 2 1 1,4,7,10 *",
                         file="pdpb.toml", column="cron") from None
    return Cron(settings.cron, timezone=settings.timezone)


def upcoming_runs(settings: Settings, n: int = 4, start: datetime | None = None) -> list[datetime]:
    """The next `n` times the schedule fires, in the schedule's time zone (as the server computes them)."""
    import asyncio

    from prefect.server.schemas.schedules import CronSchedule

    _schedule(settings)
    cron = CronSchedule(cron=settings.cron, timezone=settings.timezone)
    dates = asyncio.run(cron.get_dates(n=n, start=start))
    zone = ZoneInfo(settings.timezone)
    return [datetime.fromtimestamp(d.timestamp(), zone) for d in dates]


def build_deployments(settings: Settings) -> list[RunnerDeployment]:
    """`terjadwal` (cron in the kabupaten's time zone) and `manual` (no schedule), one run at a time each.

    Both write to the same database; the database file lock (`store.writer_lock`) refuses a
    second writer whatever started it, and the runner of `pdpb serve` runs one flow run at a time.
    """
    params = _default_parameters(settings)
    one_at_a_time = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)
    common = dict(
        parameters=params,
        concurrency_limit=one_at_a_time,
        enforce_parameter_schema=True,
        entrypoint_type=EntrypointType.MODULE_PATH,
        tags=["pdpb"],
    )
    scheduled = pdpb_triwulan_served.to_deployment(
        name=SCHEDULED,
        schedules=[_schedule(settings)],
        description=(f"Triwulan yang baru berakhir, otomatis menurut jadwal '{settings.cron}' "
                     f"({settings.timezone}). Basis data: {params['db']}"),
        **common,
    )
    manual = pdpb_triwulan_served.to_deployment(
        name=MANUAL,
        description=("Jalankan ulang satu triwulan (misalnya dengan ekstrak yang sudah diperbaiki). "
                     f"Isi 'quarter' seperti 2026-Q1. Basis data: {params['db']}"),
        **common,
    )
    return [scheduled, manual]


def serve(settings: Settings) -> None:
    """Register both deployments with the Prefect API and run their flow runs until stopped."""
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL

    deployments = build_deployments(settings)
    api = PREFECT_API_URL.value() or os.environ.get("PREFECT_API_URL")
    if not api:
        print("PERHATIAN: PREFECT_API_URL belum diatur; Prefect memakai server sementara, sehingga jadwal dan "
              "riwayat run hilang saat proses ini berhenti. Lihat docs/PREFECT.md.")
    print(f"Melayani flow {FLOW_NAME} di {api or 'server sementara'}:")
    print(f"  {FLOW_NAME}/{SCHEDULED}  jadwal '{settings.cron}' ({settings.timezone}), triwulan yang baru berakhir")
    print(f"  {FLOW_NAME}/{MANUAL}     tanpa jadwal, untuk menjalankan ulang")
    for when in upcoming_runs(settings):
        print(f"    berikutnya {when:%Y-%m-%d %H:%M %Z} -> triwulan {quarter_just_ended(when, settings.timezone)}")
    print(f"Basis data: {Path(settings.db).resolve()}   Keluaran: {Path(settings.out).resolve()}")
    print(f"Contoh: prefect deployment run '{FLOW_NAME}/{MANUAL}' --param quarter=2026-Q1")
    print("Hentikan dengan Ctrl+C.")
    # Keep the schedule active while nobody serves it: a quarter missed during a stop is then
    # caught up (as a late run, still for its own quarter) when `pdpb serve` starts again.
    prefect_serve(*deployments, limit=1, pause_on_shutdown=False, print_starting_message=False)
