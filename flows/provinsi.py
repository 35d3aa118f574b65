"""The province flow `pdpb-provinsi` (SPEC §7): every kabupaten's quarter as one Dask task,
largest first, then the cross-kabupaten stage over the Parquet store, the queues and the recap.

The same flow runs on a LocalCluster (`--workers N`) and on a scheduler started elsewhere
(`--address tcp://host:8786`): only the task runner changes. Tasks pass paths and small
summaries, never frames: a frame is a kabupaten's business and stays in its worker.
"""

from __future__ import annotations

import logging
import os
import resource
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from transforms.errors import InputError
from transforms.provinsi import LINTAS_INBOX_FILE, Kabupaten, Province

# What a worker process needs before it imports polars: one thread for polars, DuckDB and the
# numeric libraries, and reports written in-process (a Dask worker is a daemonic process and
# may not start a process pool of its own).
WORKER_ENV = {
    "POLARS_MAX_THREADS": "1",
    "PDPB_DUCKDB_THREADS": "1",
    "PDPB_LAPORAN_PROSES": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def reset_peak_rss() -> None:
    """Start this process's peak resident memory afresh (Linux: VmHWM back to the current
    resident size), so a task's peak is its own and not that of an earlier task of the worker."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # elsewhere the peak stays the process's whole lifetime's (ru_maxrss)


def peak_rss_mib() -> float:
    """Peak resident memory of this process since `reset_peak_rss` (or since it started)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@contextmanager
def dask_scheduler(workers: int | None, address: str | None) -> Iterator[str]:
    """The address of the scheduler the flows run on: `address` as given, or a local cluster of
    `workers` single-threaded worker processes (one per core by default), started here and
    shared by every flow run inside the block (a cluster start costs seconds). Closing it, the
    workers first send what Prefect still holds for the API (logs, events)."""
    if address:
        yield address
        return
    import dask
    from distributed import Client, LocalCluster

    from reports.workbooks import available_cores

    dask.config.set({f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in WORKER_ENV.items()})
    cluster = LocalCluster(n_workers=workers or available_cores(), threads_per_worker=1, processes=True,
                           dashboard_address=None, memory_limit=0)
    try:
        yield cluster.scheduler_address
    finally:
        nanny = logging.getLogger("distributed.nanny")
        level = nanny.level
        try:
            with Client(cluster) as client:
                client.run(_drain_prefect)
            # A worker process that has not exited 4 s after it closed is killed by its nanny,
            # with a warning: at this point all its work is committed and its logs are sent.
            nanny.setLevel(logging.ERROR)
        finally:
            cluster.close(timeout=60)
            nanny.setLevel(level)


def _drain_prefect() -> None:
    """Send the logs and events Prefect has queued for the API now, and wait for it (in a thread
    of its own: Prefect drains without blocking when called from an event loop)."""
    import threading

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    def drain() -> None:
        APILogWorker.drain_all(timeout=20)
        EventsWorker.drain_all(timeout=20)

    t = threading.Thread(target=drain, name="pdpb-drain-prefect")
    t.start()
    t.join(45)


def task_runner(address: str):
    from prefect_dask import DaskTaskRunner

    return DaskTaskRunner(address=address)


@contextmanager
def one_prefect_api() -> Iterator[None]:
    """Local Dask workers are processes of their own: without an API address each would start
    a temporary Prefect server of its own (tens of seconds each, per flow). One API for this
    process and every worker it starts: the one in force, else one temporary server."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    url = os.environ.get("PREFECT_API_URL") or get_current_settings().api.url
    if url:
        saved = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = url
        try:
            yield
        finally:
            if saved is None:
                os.environ.pop("PREFECT_API_URL", None)
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start(timeout=int(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or 120))
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            try:
                yield
            finally:
                _drain_prefect()  # what is queued for the API goes while it still answers
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        server.stop()


def check_worker_threads(logger) -> None:
    """Polars reads POLARS_MAX_THREADS once, at import: a worker started without it would
    run every kabupaten with all cores' threads fighting the other workers."""
    import polars as pl

    want = os.environ.get("POLARS_MAX_THREADS")
    if want is None or pl.thread_pool_size() != int(want):
        logger.warning("pekerja ini memakai %d thread polars; setel POLARS_MAX_THREADS=1 (dan PDPB_DUCKDB_THREADS=1) "
                       "sebelum `dask worker` dimulai", pl.thread_pool_size())


def run_kabupaten(kab: Kabupaten, quarter: str, store_root: Path, logger, lintas=None) -> dict:
    """One kabupaten's quarter on its own database and inbox (one transaction, rerun-safe), then
    its snapshot in the store. `lintas`: the province's part of its queue (queue_for_run).
    Returns a small summary, with the decisions its run settled on those items."""
    from flows.quarter import PLAIN, run_quarter
    from transforms import store
    from transforms.provinsi import write_snapshot
    from transforms.provinsi_queue import lintas_decisions

    started = time.perf_counter()
    reset_peak_rss()
    trace = os.environ.get("PDPB_PROVINSI_JEJAK")  # fault tests: which process runs which kabupaten
    if trace:
        Path(trace).mkdir(parents=True, exist_ok=True)
        (Path(trace) / f"{kab.kode}.{os.getpid()}").touch()
    try:
        result = run_quarter(quarter=quarter, inbox=kab.inbox_for(quarter), db=kab.db, out=kab.out, steps=PLAIN,
                             logger=logger, lintas=lintas)
    except InputError as exc:
        return {"kode": kab.kode, "gagal": f"kabupaten {kab.kode}: {exc}"}
    con = store.connect(kab.db, read_only=True)
    try:
        snap = write_snapshot(con, store.quarter_index(quarter), kab.kode, store_root)
        decisions = lintas_decisions(con, store.quarter_index(quarter))
    finally:
        con.close()
    return {"kode": kab.kode, "gagal": None, "pid": os.getpid(), "detik": round(time.perf_counter() - started, 2),
            "memori_mib": peak_rss_mib(), "ringkasan": result["perubahan"], "verifikasi": result["verifikasi"],
            "pemilih_akhir": result["pemilih_akhir"], "keluaran": result["keluaran"], "toko": snap,
            "keputusan_lintas": decisions}


@task(name="kabupaten", task_run_name="kabupaten-{kab.kode}", cache_policy=NO_CACHE, retries=2,
      retry_delay_seconds=1)
def kabupaten_task(kab: Kabupaten, quarter: str, store_root: Path, lintas=None) -> dict:
    logger = get_run_logger()
    check_worker_threads(logger)
    # The quarter's own lines go to the run's log in Prefect; the terminal gets one line per
    # kabupaten (and every warning).
    quarter_log = logging.LoggerAdapter(logging.getLogger("prefect.extra.kabupaten"), dict(logger.extra))
    got = run_kabupaten(kab, quarter, store_root, quarter_log, lintas)
    if got["gagal"]:
        logger.error("%s", got["gagal"])
    else:
        logger.info("kabupaten %s selesai dalam %.1f s (memori puncak %.0f MiB)", kab.kode, got["detik"],
                    got["memori_mib"])
    return got


def _lintas_inbox(province: Province, quarter: str, kab: Kabupaten) -> bool:
    """Automatic cross-kabupaten actions of `kab` as a pindah_keluar extract in its inbox (the
    matched move out of it, seen in the other kabupaten). Returns True when the file changed,
    i.e. the kabupaten's quarter must be rerun to apply it. The actions are recorded once, so
    the file is the same on every later run and a rerun never applies anything twice."""
    import polars as pl

    from transforms.provinsi import read_table
    from transforms.store import quarter_end

    actions = read_table(province.db, "SELECT nik, nama, tanggal_lahir, jenis_kelamin, kode_desa, kabupaten_lain "
                                      "FROM tindakan_lintas WHERE kuartal = ? AND kabupaten = ? ORDER BY id_tindakan",
                         [quarter, kab.kode])
    path = kab.inbox_for(quarter) / LINTAS_INBOX_FILE.format(quarter=quarter.replace("-", "_"))
    if actions.height == 0:
        return False
    from transforms.store import quarter_index
    from transforms.wilayah import kabupaten_name

    frame = actions.select(
        "nik", "nama", pl.col("tanggal_lahir").dt.strftime("%Y-%m-%d"), "jenis_kelamin", "kode_desa",
        pl.lit(quarter_end(quarter_index(quarter)).isoformat()).alias("tanggal_pindah"),
        pl.col("kabupaten_lain").map_elements(kabupaten_name, return_dtype=pl.Utf8).alias("tujuan"),
    )
    text = frame.write_csv()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


@flow(name="pdpb-provinsi", flow_run_name="provinsi-{quarter}")
def pdpb_provinsi(quarter: str, config: str) -> dict:
    """Every kabupaten's quarter in parallel, then the cross-kabupaten stage (SPEC §7)."""
    from transforms.provinsi import load_province

    return province_quarter(load_province(Path(config)), quarter, _run_all, get_run_logger())


def province_quarter(province: Province, quarter: str, run_all, logger) -> dict:
    """One quarter of the province: every kabupaten's quarter through `run_all` (Dask tasks, or
    one after another), the cross-kabupaten stage, the reruns that apply its automatic
    actions, then the queues and the recap."""
    from transforms.provinsi import cross_kabupaten, largest_first
    from transforms.provinsi_queue import hold_double_approvals

    order = largest_first(province.kabupaten)
    started = time.perf_counter()
    logger.info("provinsi %s, triwulan %s: %d kabupaten/kota, terbesar lebih dulu", province.kode, quarter,
                len(order))
    results = _checked(run_all(order, quarter, province), "tahap lintas kabupaten belum dijalankan")
    held = hold_double_approvals(province.db, quarter, [d for r in results.values() for d in r["keputusan_lintas"]])
    if held:  # both records of one pair struck: those runs again, the two decisions set aside
        logger.warning("keputusan lintas kabupaten ditahan: kedua pencatatan satu pasangan disetujui untuk dicoret; "
                       "%s dijalankan ulang tanpa keputusan itu", ", ".join(held))
        results.update(_checked(run_all([k for k in order if k.kode in held], quarter, province),
                                "keputusan yang ditahan belum dikeluarkan"))
    t_kab = time.perf_counter() - started

    t = time.perf_counter()
    reset_peak_rss()  # the stage's own peak, not that of the tasks run here before it (serially)
    decisions = [d for r in results.values() for d in r["keputusan_lintas"]]
    lintas = cross_kabupaten(province.db, province.store, quarter, decisions=decisions)
    memori_lintas = peak_rss_mib()
    again = [k for k in order if _lintas_inbox(province, quarter, k)]
    if again:  # automatic actions: the kabupaten left behind applies its matched move out, once
        logger.info("tindakan lintas kabupaten: %s dijalankan ulang", ", ".join(k.kode for k in again))
        rerun = _checked(run_all(again, quarter, province), "tindakan lintas kabupaten belum diterapkan semua")
        results.update(rerun)
        decisions = [d for r in rerun.values() for d in r["keputusan_lintas"]]
        reset_peak_rss()
        lintas = cross_kabupaten(province.db, province.store, quarter, decisions=decisions)
        memori_lintas = max(memori_lintas, peak_rss_mib())
    t_lintas = time.perf_counter() - t
    return finish(province, quarter, results, lintas, {"kabupaten": round(t_kab, 2), "lintas": round(t_lintas, 2),
                                                       "total": round(time.perf_counter() - started, 2)},
                  memori_lintas)


def _checked(results: dict[str, dict], then: str) -> dict[str, dict]:
    failed = [r["gagal"] for r in results.values() if r["gagal"]]
    if failed:  # each kabupaten is its own transaction: the others stay applied, the stage waits
        raise InputError("; ".join(failed) + f" ({len(results) - len(failed)} kabupaten/kota lain diterapkan; {then})")
    return results


def _run_all(kabs: list[Kabupaten], quarter: str, province: Province) -> dict[str, dict]:
    """Each kabupaten's quarter as a task, with the province's open items for its queue (read
    here: a worker need not reach provinsi.duckdb)."""
    from transforms.provinsi_queue import queue_for_run

    futures = [kabupaten_task.submit(k, quarter, province.store, queue_for_run(province.db, k.kode, quarter))
               for k in kabs]
    return {r["kode"]: r for r in (f.result() for f in futures)}


def run_in_process(logger):
    """`run_all` for province_quarter without Dask: one kabupaten after another, here."""
    from transforms.provinsi_queue import queue_for_run

    def run_all(kabs: list[Kabupaten], quarter: str, province: Province) -> dict[str, dict]:
        return {k.kode: run_kabupaten(k, quarter, province.store, logger, queue_for_run(province.db, k.kode, quarter))
                for k in kabs}

    return run_all


def finish(province: Province, quarter: str, results: dict[str, dict], lintas: dict, durasi: dict,
           memori_lintas_mib: float) -> dict:
    """Queues per kabupaten, rekap_provinsi.xlsx and ringkasan_provinsi.json. `memori_lintas_mib`: the
    peak resident memory of the process while it ran the cross-kabupaten stage (these reports count in)."""
    from reports.provinsi import write_province_reports
    from transforms.provinsi import write_queues

    queues = write_queues(province.db, quarter, list(province.kabupaten))
    paths = write_province_reports(province, quarter, lintas, queues, durasi)
    return {"kuartal": quarter, "kabupaten": results, "lintas": lintas, "antrean": queues,
            "keluaran": str(paths["folder"]), "durasi": durasi,
            "memori_per_pekerja_mib": max((r.get("memori_mib") or 0) for r in results.values()),
            "memori_lintas_mib": max(memori_lintas_mib, peak_rss_mib())}


def run_serial(config: Path, quarter: str) -> dict:
    """The same work without Dask, one kabupaten after another in this process (the baseline of
    the speed-up figure, and the province quarter where no cluster is wanted)."""
    import logging

    from transforms.provinsi import load_province

    logger = logging.getLogger("pdpb.provinsi.serial")
    started = time.perf_counter()
    result = province_quarter(load_province(config), quarter, run_in_process(logger), logger)
    return {**result, "detik": round(time.perf_counter() - started, 2)}


def run_province(*, quarter: str, config: Path, workers: int | None, address: str | None) -> dict:
    from transforms.provinsi import load_province

    province = load_province(config)  # checks that need no Prefect come first
    for k in province.kabupaten:
        if not k.db.exists():
            raise InputError("basis data kabupaten belum ada; jalankan dahulu `pdpb init`", file=str(k.db))
        if not k.inbox_for(quarter).is_dir():
            raise InputError("folder kotak masuk tidak ditemukan", file=str(k.inbox_for(quarter)))
    with one_prefect_api(), dask_scheduler(workers, address) as scheduler:
        return pdpb_provinsi.with_options(task_runner=task_runner(scheduler))(quarter=quarter, config=str(config))


# --------------------------------------------------------------------------- the CLI


def print_result(result: dict) -> None:
    from flows.console import fmt

    lin = result["lintas"]
    print(f"Provinsi, triwulan {result['kuartal']}: {len(result['kabupaten'])} kabupaten/kota diterapkan "
          f"({result['durasi']['total']} s).")
    print(f"Lintas kabupaten: {fmt(lin['pindah_cocok'])} pindah cocok, {fmt(lin['tindakan_otomatis'])} tindakan "
          f"otomatis, {fmt(lin['nik_lintas_verifikasi'])} NIK sama dan {fmt(lin['ganda_lintas_verifikasi'])} "
          f"calon ganda untuk verifikasi.")
    print(f"Laporan provinsi: {result['keluaran']}")
