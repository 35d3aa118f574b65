"""`pdpb bench`: time, CPU and peak memory per stage of init + one quarter, at several list sizes.

Each measurement runs in a fresh child process (so peak memory is that run's own), on samples
generated once and cached. A floor — just reading the baseline and writing it to DuckDB once —
is measured in the same child, and every stage is printed as a multiple of it.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

DEFAULT_SIZES = "100000,627000,4000000"
BIG_LIST = 1_000_000        # from this size on the sample is Kabupaten Bogor (435 desa), as large kabupaten are
SEED = 11
QUARTER = "2026-Q1"


def _rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class StageMeter:
    """Wall time, CPU time and peak resident memory of each stage (sampled every 20 ms)."""

    def __init__(self) -> None:
        self.stages: dict[str, dict] = {}
        self._current: str | None = None
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self._peak = max(self._peak, _rss_bytes())

    def measure(self, name: str, fn, *args, **kwargs):
        self._peak = _rss_bytes()
        wall, cpu = time.perf_counter(), time.process_time()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            return fn(*args, **kwargs)
        finally:
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            child_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
            entry = self.stages.setdefault(name, {"wall_s": 0.0, "cpu_s": 0.0, "peak_mib": 0.0})
            entry["wall_s"] += time.perf_counter() - wall
            entry["cpu_s"] += time.process_time() - cpu + child_cpu
            entry["peak_mib"] = max(entry["peak_mib"], max(self._peak, _rss_bytes()) / 2**20)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _worker(sample: Path, work: Path) -> dict:
    """One measurement: floor, init, one quarter — in this (fresh) process, without Prefect."""
    import polars as pl

    from flows import quarter as q
    from flows.init import run_init
    from transforms import store

    info = json.loads((sample / "sampel.json").read_text())
    meter = StageMeter()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    baseline = Path(info["baseline"])

    def floor() -> None:
        frame = pl.read_csv(baseline, infer_schema=False)
        con = store.connect(work / "floor.duckdb", must_exist=False)
        store.write_floor(con, frame)
        con.close()

    meter.measure("floor", floor)
    logger = logging.getLogger("pdpb.bench")
    db, out = work / "bench.duckdb", work / "out"

    init = meter.measure("init", run_init, voters=baseline, db=db, out=out, kabupaten=info["kode_kabupaten"],
                         as_of=date.fromisoformat(info["as_of"]), ingest=q.ingest, logger=logger)
    meter.stages["init_baca"] = {"wall_s": init["durasi"]["baca_validasi"]}
    meter.stages["init_tulis"] = {"wall_s": init["durasi"]["tulis"]}

    decided: dict[str, float] = {}

    def decide(*args):
        result = meter.measure("putuskan_ganda", q.decide, *args)
        decided.update(result.waktu)
        return result

    steps = q.Steps(
        ingest=lambda *a: meter.measure("baca_validasi", q.ingest, *a),
        match=lambda *a: meter.measure("cocok", q.match, *a),
        decide=decide,
        apply=lambda *a: meter.measure("terapkan", q.apply, *a),
        reports=lambda *a: meter.measure("laporan", q.write_reports, *a),
        publish=lambda *a: meter.measure("publikasi", q.publish, *a),
    )
    result = meter.measure("triwulan", q.run_quarter, quarter=QUARTER, inbox=Path(info["inbox"]), db=db, out=out,
                           steps=steps, logger=logger)
    # The whole-list duplicate scan on its own, on the list after the quarter: its time and
    # its peak memory (the list itself already loaded and prepared, as inside a quarter).
    from transforms import store
    from transforms.match.ganda import find_ganda
    from schemas.policy import load_policy
    from transforms.match import prepare_voters

    with store.connect(db, read_only=True) as con:
        active = prepare_voters(store.current_list(con).filter(pl.col("status") == "AKTIF"))
    meter.measure("ganda_scan", find_ganda, active, load_policy())
    del active
    meter.close()
    stages = meter.stages
    stages["putuskan"] = {"wall_s": decided.get("putuskan", 0.0)}
    stages["ganda_umur"] = {"wall_s": decided.get("ganda_umur", 0.0)}
    stages["arsip"] = {"wall_s": result["durasi"].get("arsip", 0.0)}  # zip archives, with a key only
    return {"stages": stages, "perubahan": result["perubahan"], "verifikasi": result["verifikasi"],
            "peak_total_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _ensure_sample(cache: Path, n: int) -> Path:
    from transforms.synth import generate_sample

    kab = "32.01" if n >= BIG_LIST else "33.23"
    folder = cache / f"n{n}-s{SEED}-{kab}"
    marker = folder / "sampel.json"
    if marker.exists():
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    t = time.perf_counter()
    info = generate_sample(folder / "data", n_voters=n, seed=SEED, kode_kabupaten=kab, first_quarter=QUARTER)
    marker.write_text(json.dumps({
        "baseline": str(info.baseline.resolve()), "inbox": str(info.inbox[QUARTER].resolve()),
        "as_of": info.as_of.isoformat(), "kode_kabupaten": kab, "n": n,
        "generated_s": round(time.perf_counter() - t, 1),
    }))
    return folder


def _with_prefect(sample: Path, work: Path) -> tuple[float, float]:
    """Wall time of the real `pdpb init` + `pdpb run` with Prefect's temporary server."""
    info = json.loads((sample / "sampel.json").read_text())
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    cmd = [sys.executable, "-m", "flows.cli"]
    db, out = work / "p.duckdb", work / "out"
    t = time.perf_counter()
    subprocess.run(cmd + ["init", "--voters", info["baseline"], "--db", str(db), "--out", str(out), "--kabupaten",
                          info["kode_kabupaten"], "--as-of", info["as_of"]], check=True, env=env, capture_output=True)
    t_init = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run(cmd + ["run", "--quarter", QUARTER, "--inbox", info["inbox"], "--db", str(db), "--out", str(out)],
                   check=True, env=env, capture_output=True)
    return round(t_init, 2), round(time.perf_counter() - t, 2)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3) if values else float("nan")


def run_bench(sizes: list[int], repeat: int, cache: Path, out_json: Path, with_prefect: bool) -> dict:
    root = Path(__file__).resolve().parent.parent
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform()}, "sizes": {}}
    for n in sizes:
        sample = _ensure_sample(cache, n)
        info = json.loads((sample / "sampel.json").read_text())
        runs = []
        for i in range(repeat):
            proc = subprocess.run(
                [sys.executable, "-m", "flows.bench", "--worker", str(sample), str(cache / "kerja")],
                cwd=root, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(root)},
            )
            if proc.returncode != 0:
                raise RuntimeError(f"bench worker failed for {n}:\n{proc.stderr[-3000:]}")
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(f"  {n:>9,} pemilih, ulangan {i + 1}/{repeat}: triwulan "
                  f"{runs[-1]['stages']['triwulan']['wall_s']:.1f} s", flush=True)
        names = list(runs[0]["stages"])
        stages = {}
        floor = _median([r["stages"]["floor"]["wall_s"] for r in runs])
        for name in names:
            walls = [r["stages"][name]["wall_s"] for r in runs]
            entry = {"wall_s": _median(walls), "x_floor": round(_median(walls) / floor, 2) if floor else None}
            if "cpu_s" in runs[0]["stages"][name]:
                entry["cpu_s"] = _median([r["stages"][name]["cpu_s"] for r in runs])
                entry["peak_mib"] = round(max(r["stages"][name]["peak_mib"] for r in runs), 1)
            stages[name] = entry
        size = {"kode_kabupaten": info["kode_kabupaten"], "generated_s": info["generated_s"], "repeat": repeat,
                "stages": stages, "peak_total_mib": round(max(r["peak_total_mib"] for r in runs), 1),
                "total_s": round(stages["init"]["wall_s"] + stages["triwulan"]["wall_s"], 3),
                "perubahan": runs[0]["perubahan"], "verifikasi": runs[0]["verifikasi"]}
        if with_prefect:
            init_s, run_s = _with_prefect(sample, cache / "kerja-prefect")
            size["dengan_prefect"] = {"init_s": init_s, "run_s": run_s,
                                      "overhead_run_s": round(run_s - stages["triwulan"]["wall_s"], 2)}
        results["sizes"][str(n)] = size
        _print_size(n, size)
    keys = [str(n) for n in sizes]
    if len(keys) >= 2:
        exps = {}
        for a, b in zip(keys, keys[1:]):
            ta, tb = results["sizes"][a]["total_s"], results["sizes"][b]["total_s"]
            exps[f"{a}->{b}"] = round(math.log(tb / ta) / math.log(int(b) / int(a)), 3)
        results["eksponen_pertumbuhan"] = exps
        print("Eksponen pertumbuhan total (init + triwulan):", exps)
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Hasil: {out_json}")
    return results


def _print_size(n: int, size: dict) -> None:
    print(f"\n{n:,} pemilih ({size['kode_kabupaten']}), median {size['repeat']} ulangan; puncak memori "
          f"{size['peak_total_mib']:.0f} MiB")
    print(f"  {'tahap':<14}{'wall s':>9}{'cpu s':>9}{'puncak MiB':>12}{'x dasar':>9}")
    for name, e in size["stages"].items():
        print(f"  {name:<14}{e['wall_s']:>9.2f}{e.get('cpu_s', float('nan')):>9.2f}"
              f"{e.get('peak_mib', float('nan')):>12.0f}{(e['x_floor'] or 0):>9.1f}")
    if "dengan_prefect" in size:
        p = size["dengan_prefect"]
        print(f"  dengan Prefect (CLI): init {p['init_s']} s, triwulan {p['run_s']} s "
              f"(overhead {p['overhead_run_s']} s)")


def add_bench_parser(sub) -> None:
    p = sub.add_parser("bench", help="ukur waktu, CPU dan memori per tahap pada beberapa ukuran daftar")
    p.add_argument("--sizes", default=DEFAULT_SIZES, help=f"ukuran daftar, dipisah koma (bawaan {DEFAULT_SIZES})")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--cache", default="data/bench")
    p.add_argument("--json", default="out/bench.json")
    p.add_argument("--tanpa-prefect", dest="with_prefect", action="store_false",
                   help="lewati pengukuran lewat CLI dengan server Prefect sementara")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args, settings) -> int:
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    run_bench(sizes, args.repeat, Path(args.cache), Path(args.json), args.with_prefect)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", nargs=2)
    ns = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(_worker(Path(ns.worker[0]), Path(ns.worker[1]))))
