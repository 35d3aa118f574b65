"""Entry point of the workbook reports: the kabupaten recap, one working workbook and one public
list per desa/kelurahan, written in parallel over the desa."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

import polars as pl

from reports.desa import DesaPart, ReportContext, write_desa
from reports.model import ReportData
from reports.pengumuman import write_pengumuman
from reports.rekap import measures, write_rekap
from reports.style import safe_file_name

REKAP_FILE = "rekap_kabupaten.xlsx"
DESA_DIR = "desa"
PENGUMUMAN_DIR = "pengumuman"
REPORT_DESA = "kode_desa_laporan"


def build_context(data: ReportData) -> ReportContext:
    tms = tuple(
        (int(k), str(label), str(ket or ""))
        for k, label, ket in data.tms.sort("kode").select("kode", "label", "keterangan").iter_rows()
    )
    desa = {
        kode: (nama, jenis, kode_kec, nama_kec)
        for kode, nama, jenis, kode_kec, nama_kec in data.desa.select(
            "kode_desa", "nama_desa", "jenis", "kode_kecamatan", "nama_kecamatan"
        ).iter_rows()
    }
    return ReportContext(
        quarter=data.quarter,
        tanggal_acuan=data.tanggal_acuan,
        dibuat=data.dibuat,
        kode_kabupaten=data.kode_kabupaten,
        nama_kabupaten=data.nama_kabupaten,
        tms=tms,
        desa=desa,
    )


def changes_by_desa(perubahan: pl.DataFrame) -> pl.DataFrame:
    """Each change with the desa whose workbook shows it. A move between desa shows in both:
    the new desa (pindah masuk) and the old one (pindah keluar)."""
    shown = perubahan.with_columns(pl.coalesce("kode_desa", "kode_desa_lama").alias(REPORT_DESA))
    moved_out = perubahan.filter(
        (pl.col("kategori") == "UBAH")
        & pl.col("kode_desa_lama").is_not_null()
        & (pl.col("kode_desa_lama") != pl.col("kode_desa"))
    ).with_columns(pl.col("kode_desa_lama").alias(REPORT_DESA))
    return pl.concat([shown, moved_out]).sort(REPORT_DESA, "nama", "nik", "sumber_file", "sumber_baris", nulls_last=True)


def queue_by_desa(verifikasi: pl.DataFrame) -> pl.DataFrame:
    """Each review candidate with its desa: the candidate's desa, else the source record's."""
    kandidat = pl.col("kode_desa_kandidat")
    if isinstance(verifikasi.schema.get("kode_desa_kandidat"), pl.List):
        kandidat = kandidat.list.first()
    return verifikasi.with_columns(pl.coalesce(kandidat, pl.col("kode_desa_sumber")).alias(REPORT_DESA)).sort(
        REPORT_DESA, "id_verifikasi", nulls_last=True
    )


def rekap_by_desa(ctx: ReportContext, rekap: pl.DataFrame) -> dict[str, dict[str, dict[str, int]]]:
    present = [m for m in measures(ctx) if m in rekap.columns]
    out: dict[str, dict[str, dict[str, int]]] = {}
    for row in rekap.select("kode_desa", "jenis_kelamin", *present).iter_rows(named=True):
        kode = row.pop("kode_desa")
        jk = row.pop("jenis_kelamin")
        out.setdefault(kode, {})[jk] = {k: int(v or 0) for k, v in row.items()}
    return out


def desa_parts(ctx: ReportContext, data: ReportData) -> list[DesaPart]:
    """One part per desa of the kabupaten; the frames are split once, not filtered per desa."""
    changes = changes_by_desa(data.perubahan)
    by_kind = changes.partition_by(REPORT_DESA, "kategori", as_dict=True)
    queue = queue_by_desa(data.verifikasi)
    queue_parts = queue.partition_by(REPORT_DESA, as_dict=True)
    counts = rekap_by_desa(ctx, data.rekap)
    empty_changes = changes.clear()
    empty_queue = queue.clear()
    parts = []
    for kode in data.desa["kode_desa"].to_list():
        parts.append(
            DesaPart(
                kode_desa=kode,
                rekap=counts.get(kode, {}),
                baru=by_kind.get((kode, "BARU"), empty_changes),
                tms=by_kind.get((kode, "TMS"), empty_changes),
                ubah=by_kind.get((kode, "UBAH"), empty_changes),
                verifikasi=queue_parts.get((kode,), empty_queue),
            )
        )
    return parts


# ---------------------------------------------------------------------------------------------
# Work done per desa (in a worker process, or in this one).

_worker_ctx: ReportContext | None = None
_worker_out: Path | None = None


def _init_worker(ctx: ReportContext, out_dir: Path) -> None:
    global _worker_ctx, _worker_out
    _worker_ctx, _worker_out = ctx, out_dir


def _write_one(part: DesaPart) -> tuple[Path, Path]:
    assert _worker_ctx is not None and _worker_out is not None
    return write_pair(_worker_ctx, part, _worker_out)


def write_pair(ctx: ReportContext, part: DesaPart, out_dir: Path) -> tuple[Path, Path]:
    name = safe_file_name(part.kode_desa, ctx.desa[part.kode_desa][0])
    return (
        write_desa(ctx, part, out_dir / DESA_DIR / name),
        write_pengumuman(ctx, part, out_dir / PENGUMUMAN_DIR / name),
    )


def available_cores() -> int:
    """Cores this process may run on (a container's limit, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Below this many desa the workbooks are written in-process: starting a worker process (a fresh
# interpreter importing polars and openpyxl) costs more than it saves (17 kelurahan: 3 s in-process,
# 8 s with two workers).
MIN_DESA_PER_PROCESS_POOL = 60


def report_processes() -> int:
    """Processes for the desa workbooks: one per core, or PDPB_LAPORAN_PROSES. A daemonic
    process (a Dask worker) may not have children, so there the workbooks are written in-process."""
    if multiprocessing.current_process().daemon:
        return 1
    return int(os.environ.get("PDPB_LAPORAN_PROSES") or available_cores())


def write_workbooks(data: ReportData, out_dir: Path, *, workers: int | None = None,
                    min_pool: int = MIN_DESA_PER_PROCESS_POOL,
                    alongside: Callable[[], list[Path]] | None = None) -> list[Path]:
    """Writes out_dir/rekap_kabupaten.xlsx, out_dir/desa/<kode_desa>_<Nama>.xlsx for EVERY desa of data.desa
    (even one with no changes: its recap still matters), and out_dir/pengumuman/<kode_desa>_<Nama>.xlsx. Returns the paths.
    `alongside`: more writing for this process while the worker processes write the desa
    workbooks (else after them); its paths follow the workbooks'."""
    out_dir = Path(out_dir)
    (out_dir / DESA_DIR).mkdir(parents=True, exist_ok=True)
    (out_dir / PENGUMUMAN_DIR).mkdir(parents=True, exist_ok=True)
    ctx = build_context(data)
    parts = desa_parts(ctx, data)
    queue = queue_by_desa(data.verifikasi)
    if workers is None:
        workers = report_processes()
    workers = max(1, workers)
    rekap_path = out_dir / REKAP_FILE

    def write_rest() -> list[Path]:
        write_rekap(ctx, data.rekap, data.desa, queue, rekap_path, data.rekap_sebelumnya, data.perubahan, data.rows)
        return alongside() if alongside is not None else []

    if workers == 1 or len(parts) < max(2, min_pool):
        pairs = [write_pair(ctx, part, out_dir) for part in parts]
        rest = write_rest()
    else:
        # spawn, not fork: a forked child of a process running polars threads can deadlock.
        mp = multiprocessing.get_context("spawn")
        chunk = max(1, len(parts) // (workers * 8))
        with ProcessPoolExecutor(workers, mp_context=mp, initializer=_init_worker, initargs=(ctx, out_dir)) as pool:
            pending = pool.map(_write_one, parts, chunksize=chunk)
            rest = write_rest()
            pairs = list(pending)
    return [rekap_path, *(d for d, _ in pairs), *(p for _, p in pairs), *rest]
