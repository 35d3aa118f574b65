"""What the writers of a quarter get: the report data and `ringkasan.json`, from the applied list."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl

from reports.model import Pleno, QuarterRows, ReportData
from reports.tables import build_ringkasan
from transforms import store
from transforms.recap import previous_recap, report_frames


def quarter_report_data(con, *, kuartal: int, tanggal_acuan: date, kode_kabupaten: str, nama_kabupaten: str,
                        desa: pl.DataFrame, tms: pl.DataFrame, current: pl.DataFrame, files: list, inbox: Path,
                        hasil: pl.DataFrame, karantina: pl.DataFrame, berkas: pl.DataFrame,
                        pleno: Pleno | None) -> tuple[ReportData, dict, int]:
    """(report data, ringkasan, active voters outside the kabupaten's desa) of an applied quarter.
    `current`: the list the quarter started from (as of the quarter before); of it only
    `recap.BEFORE_COLUMNS` are read."""
    label = store.quarter_label(kuartal)
    # The list after the quarter as the recap counts it and the per-person reports read it:
    # the active voters (the details of removed ones come with their changes from the database).
    aktif = store.active_as_of(con, kuartal)
    rekap, detailed, verifikasi, outside = report_frames(con, kuartal, desa, tms, kuartal - 1, before=current,
                                                         after=aktif)
    dibuat = datetime.fromtimestamp(max((f.path.stat().st_mtime for f in files),
                                        default=inbox.stat().st_mtime)).replace(microsecond=0)
    data = ReportData(
        quarter=label, tanggal_acuan=tanggal_acuan, dibuat=dibuat, kode_kabupaten=kode_kabupaten,
        nama_kabupaten=nama_kabupaten, desa=desa, rekap=rekap, perubahan=detailed, verifikasi=verifikasi, tms=tms,
        rekap_sebelumnya=previous_recap(con, kuartal, desa, tms, current=current),
        pleno=pleno,
        rows=QuarterRows(
            berkas=berkas, hasil=hasil, karantina=karantina, aktif=aktif,
            records=pl.concat([f.records for f in files], how="diagonal_relaxed") if files else pl.DataFrame(),
        ),
    )
    ringkasan = build_ringkasan(
        quarter=label, tanggal_acuan=tanggal_acuan.isoformat(), kode_kabupaten=kode_kabupaten,
        nama_kabupaten=nama_kabupaten, desa=desa, rekap=rekap, perubahan=detailed, verifikasi=verifikasi,
        karantina_rows=karantina.height, berkas=berkas,
    )
    return data, ringkasan, outside
