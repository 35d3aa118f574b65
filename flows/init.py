"""The flow `pdpb-awal`: load the baseline voter list (a Sidalih export) into a new database."""

from __future__ import annotations

import time
import uuid
from datetime import date, datetime
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger

from flows.steps import ingest_task, protect_outputs
from flows.settings import versions
from reports.tables import KARANTINA_COLUMNS, write_csv, write_json
from transforms import audit, store
from transforms.errors import InputError
from transforms.parse import ParseContext
from transforms.wilayah import desa_of_kabupaten, kabupaten_name


def default_as_of(today: date | None = None) -> date:
    """The last day of the last quarter that has ended."""
    today = today or date.today()
    return store.quarter_end(store.quarter_of(today) - 1)


@flow(name="pdpb-awal", flow_run_name="awal-{kabupaten}", validate_parameters=True)
def pdpb_awal(voters: str, db: str = "data/pdpb.duckdb", out: str = "out", kabupaten: str = "33.23",
              as_of: date | None = None) -> dict:
    return run_init(voters=Path(voters), db=Path(db), out=Path(out), kabupaten=kabupaten,
                    as_of=as_of or default_as_of())


def run_init(*, voters: Path, db: Path, out: Path, kabupaten: str, as_of: date, ingest=None, logger=None) -> dict:
    """`ingest` and `logger` default to the Prefect task and run logger; the benchmark passes plain ones."""
    logger = logger or get_run_logger()
    ingest = ingest or ingest_task
    started = datetime.now()
    t0 = time.perf_counter()
    nama = kabupaten_name(kabupaten)
    if not voters.is_file():
        raise InputError("berkas daftar pemilih tidak ditemukan", file=str(voters))
    kuartal = store.quarter_of(as_of)
    with store.writer_lock(db):
        if db.exists():
            con = store.connect(db)
            try:
                has = store.holds_list(con)
            finally:
                con.close()
            if has:
                raise InputError(
                    "basis data sudah berisi daftar pemilih; gunakan --db lain untuk memulai dari awal",
                    file=str(db),
                )
        desa = desa_of_kabupaten(kabupaten)
        ctx = ParseContext(kode_kabupaten=kabupaten, desa=desa, tanggal_acuan=as_of)
        got = ingest(voters, "pemilih", ctx)
        t_read = time.perf_counter() - t0
        records = got.records.sort("sumber_baris")
        versions_frame = records.select(
            pl.int_range(1, records.height + 1, dtype=pl.Int64).alias("id_pemilih"),
            *[pl.col(c) for c in store.VOTER_COLUMNS if c not in ("id_pemilih", "status", "kode_tms")],
            pl.lit(store.AKTIF).alias("status"),
            pl.lit(None, dtype=pl.Int64).alias("kode_tms"),
        ).select(store.VOTER_COLUMNS)
        berkas = pl.DataFrame([{
            "sumber_file": got.name, "sumber_sha256": got.sha256, "jenis": "pemilih", "sheet": got.sheet,
            "baris_header": got.header_row, "dibaca": got.rows, "diterapkan": records.height, "verifikasi": 0,
            "karantina": got.karantina.height, "tanpa_perubahan": 0,
        }])
        id_run = uuid.uuid4().hex[:12]
        con = store.connect(db, must_exist=False)
        try:
            store.start_database(con, kabupaten)
            write = store.QuarterWrite(
                kuartal=kuartal, label="awal", tanggal_acuan=as_of, id_run=id_run, versions=versions_frame,
                closed_ids=pl.Series("id_pemilih", [], dtype=pl.Int64), perubahan=pl.DataFrame(),
                verifikasi=pl.DataFrame(), karantina=got.karantina, berkas=berkas,
            )
            t_write = time.perf_counter()
            store.write_quarter(con, write, replace=False)
            t_write = time.perf_counter() - t_write
            t_total = time.perf_counter() - t0
            durasi = {"baca_validasi": round(t_read, 3), "tulis": round(t_write, 3), "total": round(t_total, 3)}
            store.record_run(con, id_run=id_run, perintah="init", kuartal=kuartal, mulai=started, hasil="BERHASIL",
                             parameter={"voters": str(voters), "db": str(db), "kabupaten": kabupaten,
                                        "as_of": as_of.isoformat()},
                             versi=versions(), berkas={got.name: got.sha256},
                             durasi=durasi)
            audit.record(con, "init", kuartal=kuartal, berkas=db, baris=records.height,
                         keterangan=f"{got.name}, {got.karantina.height} baris dikarantina")
        finally:
            con.close()
    awal = out / "awal"
    write_csv(got.karantina, KARANTINA_COLUMNS, awal / "karantina.csv")
    protect_outputs(awal, logger)
    per_sex = dict(records.group_by("jenis_kelamin").len().iter_rows())
    ringkasan = {
        "kode_kabupaten": kabupaten,
        "nama_kabupaten": nama,
        "tanggal_acuan": as_of.isoformat(),
        "kuartal_awal": store.quarter_label(kuartal),
        "dibaca": got.rows,
        "dimuat": records.height,
        "karantina": got.karantina.height,
        "pemilih": {"L": int(per_sex.get("L", 0)), "P": int(per_sex.get("P", 0)), "total": records.height},
        "berkas": {got.name: {"dibaca": got.rows, "diterapkan": records.height, "verifikasi": 0,
                              "karantina": got.karantina.height, "tanpa_perubahan": 0}},
    }
    write_json(ringkasan, awal / "ringkasan.json")
    logger.info("daftar awal %s: %d pemilih dimuat, %d baris dikarantina", nama, records.height, got.karantina.height)
    return {**ringkasan, "keluaran": str(awal), "db": str(db), "durasi": durasi}
