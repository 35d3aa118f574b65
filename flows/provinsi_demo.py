"""`pdpb provinsi demo`: a synthetic province with labelled cross-kabupaten cases, loaded and run
on Dask, then the same work serially, scored in `akurasi_provinsi.json`."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.provinsi import (
    dask_scheduler,
    one_prefect_api,
    pdpb_provinsi,
    peak_rss_mib,
    province_quarter,
    reset_peak_rss,
    run_in_process,
    run_kabupaten,
    task_runner,
)
from transforms.provinsi import Kabupaten, load_province, read_table


@task(name="awal-kabupaten", task_run_name="awal-{kab.kode}", cache_policy=NO_CACHE)
def init_task(kab: Kabupaten, baseline: Path, as_of) -> dict:
    from flows.init import run_init
    from transforms.ingest import ingest

    reset_peak_rss()
    got = run_init(voters=baseline, db=kab.db, out=kab.out, kabupaten=kab.kode, as_of=as_of, ingest=ingest,
                   logger=get_run_logger())
    return {"kode": kab.kode, "dimuat": got["dimuat"], "memori_mib": peak_rss_mib()}


@flow(name="pdpb-provinsi-awal", flow_run_name="provinsi-awal")
def pdpb_provinsi_awal(config: str, baselines: dict[str, str], as_of) -> dict:
    province = load_province(Path(config))
    futures = [init_task.submit(k, Path(baselines[k.kode]), as_of) for k in province.kabupaten]
    return {r["kode"]: r for r in (f.result() for f in futures)}


@flow(name="pdpb-provinsi-serial", flow_run_name="provinsi-serial-{quarter}")
def pdpb_provinsi_serial(config: str, quarter: str) -> dict:
    """The baseline of the speed-up: the same province quarter with the kabupaten one after
    another in one process (each a rerun, which replaces the quarter: the same work, the same
    result)."""
    logger = get_run_logger()
    started = time.perf_counter()
    province_quarter(load_province(Path(config)), quarter, run_in_process(logger), logger)
    return {"detik": round(time.perf_counter() - started, 2), "memori_mib": peak_rss_mib()}


def run_demo(*, kabupaten: int, voters: int, workers: int | None, out: Path, seed: int, serial: bool) -> dict:
    from flows.console import fmt
    from transforms.synth.provinsi import make_province

    if out.exists():
        shutil.rmtree(out)
    t = time.perf_counter()
    synth = make_province(out / "provinsi", n_kabupaten=kabupaten, voters=voters, seed=seed)
    generated = time.perf_counter() - t
    print(f"Provinsi contoh: {kabupaten} kabupaten/kota x {fmt(voters)} pemilih dibuat ({generated:.0f} s)")
    with one_prefect_api():
        return _run(synth, workers, serial, out, kabupaten, voters, generated)


def _run(synth, workers: int | None, serial: bool, out: Path, kabupaten: int, voters: int, generated: float) -> dict:
    from transforms.synth.provinsi import score

    with dask_scheduler(workers, None) as scheduler:
        t = time.perf_counter()
        loaded = pdpb_provinsi_awal.with_options(task_runner=task_runner(scheduler))(
            config=str(synth.config), baselines={k: str(v) for k, v in synth.baselines.items()}, as_of=synth.as_of)
        awal = time.perf_counter() - t
        t = time.perf_counter()
        result = pdpb_provinsi.with_options(task_runner=task_runner(scheduler))(quarter=synth.quarter,
                                                                                 config=str(synth.config))
        detik = time.perf_counter() - t
    province = load_province(synth.config)
    pairs = read_table(province.db, "SELECT * FROM pindah_lintas WHERE kuartal = ?", [synth.quarter])
    actions = read_table(province.db, "SELECT * FROM tindakan_lintas WHERE kuartal = ?", [synth.quarter])
    queue = read_table(province.db, "SELECT * FROM verifikasi_lintas WHERE kuartal = ?", [synth.quarter])
    scores = score(synth.labels, pairs, actions, queue)

    serial_s = None
    if serial:
        t = time.perf_counter()
        pdpb_provinsi_serial(config=str(synth.config), quarter=synth.quarter)
        serial_s = time.perf_counter() - t
    akurasi = {
        **{k: scores[k] for k in ("nik_lintas_recall", "nik_lintas_precision", "pindah_recall", "pindah_salah",
                                  "ganda_lintas_recall", "ganda_lintas_antrean")},
        "speedup": round(serial_s / detik, 2) if serial_s else None,
        "detik": round(detik, 1),
        "detik_serial": round(serial_s, 1) if serial_s else None,
        "detik_dalam_flow": result["durasi"],
        "detik_buat_sintetis": round(generated, 1),
        "detik_muat_awal": round(awal, 1),
        "memori_per_worker_mib": result["memori_per_pekerja_mib"],
        # The cross-kabupaten stage, in the flow's own process: its peak resident memory.
        "memori_lintas_mib": result["memori_lintas_mib"],
        # Loading the baselines (`init`, the demo's own set-up, not the province's quarter).
        "memori_muat_awal_mib": max((r.get("memori_mib") or 0) for r in loaded.values()),
        "pekerja": workers,
        "kabupaten": kabupaten,
        "pemilih_per_kabupaten": voters,
        "ditanam": scores["ditanam"],
        "nik_kebetulan": scores["nik_kebetulan"],
        "ditemukan": scores["ditemukan"],
        "lintas": result["lintas"],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "akurasi_provinsi.json").write_text(json.dumps(akurasi, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
    print(f"Lintas kabupaten: NIK sama recall {akurasi['nik_lintas_recall']} presisi {akurasi['nik_lintas_precision']}; "
          f"pindah recall {akurasi['pindah_recall']}, salah {akurasi['pindah_salah']}; ganda dua NIK recall "
          f"{akurasi['ganda_lintas_recall']}, antrean {akurasi['ganda_lintas_antrean']} x ditanam")
    print(f"Waktu: {akurasi['detik']} s di Dask"
          + (f", {akurasi['detik_serial']} s serial (speedup {akurasi['speedup']}x)" if serial_s else "")
          + f"; memori puncak per pekerja {akurasi['memori_per_worker_mib']} MiB, tahap lintas kabupaten "
          f"{akurasi['memori_lintas_mib']} MiB")
    print(f"Hasil: {out / 'akurasi_provinsi.json'}  Laporan provinsi: {result['keluaran']}")
    return akurasi
