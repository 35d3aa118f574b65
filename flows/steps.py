"""The stages of a quarter: plain functions over `transforms/` and `reports/`, and the same as
Prefect tasks (names in Bahasa as the Prefect UI shows them). `Steps` bundles one of each, so
the flow runs the tasks, the benchmark and the console the plain functions."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.settings import load_settings
from reports.model import ReportData
from reports.tables import write_json, write_tables
from schemas.policy import load_policy
from schemas.tables import load_tms_rules
from transforms import arsip, store
from transforms.decide import QuarterDecision, decide_quarter
from transforms.errors import InputError
from transforms.ingest import IngestedFile, ingest
from transforms.match import match_quarter
from transforms.quarters import RunPlan, record_skips


@dataclass
class Timer:
    durations: dict[str, float] = field(default_factory=dict)

    def lap(self, stage: str, started: float) -> None:
        self.durations[stage] = round(self.durations.get(stage, 0.0) + time.perf_counter() - started, 3)


def _retry_unless_input_error(task, task_run, state) -> bool:
    """Reading a file may fail for a passing reason (a share being written); bad content never heals."""
    try:
        state.result()
    except InputError:
        return False
    except Exception:
        return True
    return False


@task(name="baca-berkas", cache_policy=NO_CACHE, task_run_name="baca-{path.name}", retries=2, retry_delay_seconds=2,
      retry_condition_fn=_retry_unless_input_error)
def ingest_task(path: Path, kind: str, ctx) -> IngestedFile:
    got = ingest(path, kind, ctx)
    get_run_logger().info(
        "%s (%s): %d baris dibaca, %d dikarantina", got.name, kind, got.rows, got.karantina.height
    )
    return got


def match(records, current, tanggal_acuan):
    return match_quarter(records, current, load_policy(), tanggal_acuan=tanggal_acuan)


@task(name="cocokkan", cache_policy=NO_CACHE)
def match_task(records, current, tanggal_acuan):
    return match(records, current, tanggal_acuan)


def decide(records, links, current, tanggal_acuan, keputusan) -> QuarterDecision:
    return decide_quarter(records, links, current, tanggal_acuan=tanggal_acuan, policy=load_policy(),
                          keputusan=keputusan, tms=load_tms_rules(load_settings().tms_table))


@task(name="putuskan", cache_policy=NO_CACHE)
def decide_task(records, links, current, tanggal_acuan, keputusan) -> QuarterDecision:
    decision = decide(records, links, current, tanggal_acuan, keputusan)
    get_run_logger().info(
        "%d perubahan otomatis/terverifikasi, %d kandidat verifikasi",
        decision.perubahan.height, decision.verifikasi.height,
    )
    return decision


def apply(con, write: store.QuarterWrite, replace: bool, plan: RunPlan | None = None) -> None:
    """`plan`: the quarter-order plan; the quarters it skips are recorded in the same transaction."""
    record = (lambda: record_skips(con, plan, write.id_run)) if plan is not None and plan.skipped else None
    store.write_quarter(con, write, replace=replace, before_commit=record, between=_fault_injection_pause())


def _fault_injection_pause():
    """PDPB_JEDA_TERAPKAN=seconds pauses between the statements of the apply transaction, so the
    crash-safety test can kill a run inside it. Unset in normal use."""
    pause = float(os.environ.get("PDPB_JEDA_TERAPKAN", "0") or 0)
    return (lambda: time.sleep(pause)) if pause > 0 else None


@task(name="terapkan", cache_policy=NO_CACHE)
def apply_task(con, write: store.QuarterWrite, replace: bool, plan: RunPlan | None = None) -> None:
    apply(con, write, replace, plan)
    get_run_logger().info("triwulan %s diterapkan dalam satu transaksi%s", write.label,
                          " (menggantikan run sebelumnya)" if replace else "")


def write_reports(data: ReportData, ringkasan: dict, tables: tuple, out_dir: Path) -> list[Path]:
    from reports.pleno_docs import write_pleno_documents
    from reports.workbooks import write_workbooks

    paths = write_tables(out_dir, *tables)
    paths.append(write_json(ringkasan, out_dir / "ringkasan.json"))
    # The plenary documents are written by this process while worker processes write the desa workbooks.
    paths += write_workbooks(data, out_dir, alongside=lambda: write_pleno_documents(data, ringkasan, out_dir))
    return paths


@task(name="laporan", cache_policy=NO_CACHE)
def reports_task(data: ReportData, ringkasan: dict, tables: tuple, out_dir: Path) -> list[Path]:
    started = time.perf_counter()
    paths = write_reports(data, ringkasan, tables, out_dir)
    get_run_logger().info("%d berkas laporan ditulis dalam %.1f s", len(paths), time.perf_counter() - started)
    return paths


def publish(data: ReportData, out_dir: Path) -> list[Path]:
    from reports.publik import write_publik

    return write_publik(data, out_dir)


@task(name="publikasi", cache_policy=NO_CACHE)
def publish_task(data: ReportData, out_dir: Path) -> list[Path]:
    return publish(data, out_dir)


@dataclass(frozen=True)
class Steps:
    """The stages of a quarter: Prefect tasks in the flow, plain functions in the benchmark."""

    ingest: object
    match: object
    decide: object
    apply: object
    reports: object
    publish: object


TASKS = Steps(ingest_task, match_task, decide_task, apply_task, reports_task, publish_task)
PLAIN = Steps(ingest, match, decide, apply, write_reports, publish)


def protect_outputs(folder: Path, logger) -> list[Path]:
    """Working files with full NIK/NKK into AES zip archives, when archives are on (transforms/arsip.py)."""
    password = arsip.archive_password(load_settings().arsip_zip)
    if password is None:
        return []
    done = arsip.protect_folder(folder, password)
    logger.info("%d berkas kerja dengan NIK lengkap disimpan sebagai arsip zip bersandi", len(done))
    return done


def swap_into_place(tmp: Path, final: Path) -> None:
    """Replace the quarter's output folder as a whole, so a reader never sees half of two runs."""
    old = final.with_name(final.name + ".lama")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    if old.exists():
        shutil.rmtree(old)
