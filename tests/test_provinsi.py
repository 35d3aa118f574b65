"""A province (SPEC §7): the cross-kabupaten stage on a hand-built store, and the Dask flow
surviving a killed worker and running against a separately started scheduler."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from transforms.errors import InputError
from transforms.provinsi import (
    AKTIF_DIR,
    PINDAH_DIR,
    Kabupaten,
    _write_parquet,
    active_snapshot,
    cross_kabupaten,
    load_province,
    move_snapshot,
    partition,
    read_table,
    write_queues,
)

Q = "2026-Q1"
A, B, C = "33.71", "33.73", "33.75"


def _voters(kode: str, rows: list[tuple]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows, schema={"id_pemilih": pl.Int64, "nik": pl.Utf8, "nama": pl.Utf8, "tempat_lahir": pl.Utf8,
                      "tanggal_lahir": pl.Date, "jenis_kelamin": pl.Utf8}, orient="row")
    return frame.with_columns(nkk=pl.lit(None, pl.Utf8), alamat=pl.lit(None, pl.Utf8), rt=pl.lit(None, pl.Utf8),
                              rw=pl.lit(None, pl.Utf8), kode_desa=pl.lit(f"{kode}.01.1001"))


def _moves(rows: list[dict]) -> pl.DataFrame:
    base = {"sumber_file": "pindah_2026_Q1.csv", "status": "DITERAPKAN", "id_pemilih": None, "nik_percaya": True,
            "jenis_kelamin": None, "kode_desa": None}
    return move_snapshot(pl.DataFrame([{**base, **r} for r in rows]).with_columns(pl.col("tanggal_lahir").cast(pl.Date)))


def _store(root: Path) -> None:
    d = date
    sri = [(50 + i, f"33710{i}4505750001", "SRI REJEKI", "TEGAL", d(1960 + i, 1, 2), "P") for i in range(6)]
    sri_c = [(60 + i, f"33750{i}4505750001", "SRI REJEKI", "TEGAL", d(1960 + i, 3, 4), "P") for i in range(6)]
    aktif = {
        A: _voters(A, [
            (1, "3371011203800001", "BUDI SANTOSO", "MAGELANG", d(1980, 3, 12), "L"),       # also in B, no move
            (2, "3371015505850002", "SITI AMINAH", "MAGELANG", d(1985, 5, 15), "P"),        # moved to B; A's row in review
            (3, "3371010302800003", "AGUS PRASETYO WIBOWO", "MAGELANG", d(1980, 2, 3), "L"),  # again in B, other NIK
            *sri, (56, "3371014505750009", "SRI REJEKI", "MAGELANG", d(1975, 5, 5), "P"),
        ]),
        B: _voters(B, [
            (10, "3371011203800001", "BUDI SANTOSO", "MAGELANG", d(1980, 3, 12), "L"),
            (11, "3371015505850002", "SITI AMINAH", "MAGELANG", d(1985, 5, 15), "P"),       # BARU from A
            (12, "3373020302809001", "AGUS PRASETYO WIBOWO", "MAGELANG", d(1980, 2, 3), "L"),
            (13, "3371010808700005", "JOKO WIDODO", "MAGELANG", d(1970, 8, 8), "L"),        # BARU from A
        ]),
        C: _voters(C, [*sri_c, (66, "3375014505750009", "SRI REJEKI", "PEKALONGAN", d(1975, 5, 5), "P")]),
    }
    moves = {
        A: [
            {"arah": "KELUAR", "sumber_baris": 2, "nik": "3371010808700005", "nama": "JOKO WIDODO",
             "tanggal_lahir": d(1970, 8, 8), "jenis_kelamin": "L"},
            {"arah": "KELUAR", "sumber_baris": 3, "status": "VERIFIKASI", "nik": None, "nik_percaya": False,
             "nama": "SITI AMINAH", "tanggal_lahir": d(1985, 5, 15)},
        ],
        B: [
            {"arah": "DATANG", "sumber_baris": 2, "nik": "3371010808700005", "nama": "JOKO WIDODO",
             "tanggal_lahir": d(1970, 8, 8), "jenis_kelamin": "L"},
            {"arah": "DATANG", "sumber_baris": 3, "nik": "3371015505850002", "nama": "SITI AMINAH",
             "tanggal_lahir": d(1985, 5, 15), "jenis_kelamin": "P"},
            # two look-alikes arriving the same quarter: no pair is guessed
            {"arah": "DATANG", "sumber_baris": 4, "status": "VERIFIKASI", "nik": None, "nik_percaya": False,
             "nama": "DEWI LESTARI", "tanggal_lahir": d(1990, 1, 1)},
            {"arah": "DATANG", "sumber_baris": 5, "status": "VERIFIKASI", "nik": None, "nik_percaya": False,
             "nama": "DEWI LESTARI", "tanggal_lahir": d(1990, 1, 1)},
        ],
        C: [
            {"arah": "KELUAR", "sumber_baris": 2, "nik": "3375014101900007", "nama": "DEWI LESTARI",
             "tanggal_lahir": d(1990, 1, 1), "jenis_kelamin": "P"},
        ],
    }
    for kode, frame in aktif.items():
        _write_parquet(active_snapshot(frame), partition(root, AKTIF_DIR, kode, Q))
        _write_parquet(_moves(moves[kode]), partition(root, PINDAH_DIR, kode, Q))


def test_cross_kabupaten_stage_resolves_moves_and_queues_the_rest_once(tmp_path):
    root, db = tmp_path / "toko", tmp_path / "provinsi.duckdb"
    _store(root)
    counts = cross_kabupaten(db, root, Q)
    assert counts == {"pindah_cocok": 2, "tindakan_otomatis": 1, "nik_lintas_verifikasi": 2,
                      "ganda_lintas_verifikasi": 2, "diputuskan": 0}

    pairs = read_table(db, "SELECT nik, kabupaten_asal, kabupaten_tujuan, metode FROM pindah_lintas ORDER BY nik")
    assert pairs.rows() == [("3371010808700005", A, B, "NIK"), ("3371015505850002", A, B, "NAMA_TGL_LAHIR")]
    # The matched move explains SITI AMINAH still active in A: TMS 4 there, nowhere else.
    actions = read_table(db, "SELECT kabupaten, kategori, kode_tms, id_pemilih FROM tindakan_lintas")
    assert actions.rows() == [(A, "TMS", 4, 2)]
    queue = read_table(db, "SELECT id_verifikasi, jenis, kabupaten, nik_kandidat, nik_lain FROM verifikasi_lintas "
                           "ORDER BY jenis, kabupaten")
    nik = queue.filter(pl.col("jenis") == "NIK_LINTAS")
    assert nik["kabupaten"].to_list() == [A, B]
    assert set(nik["nik_kandidat"]) == {"3371011203800001"}
    ganda = queue.filter(pl.col("jenis") == "GANDA_LINTAS")
    assert {frozenset(r) for r in ganda.select("nik_kandidat", "nik_lain").rows()} == {
        frozenset({"3371010302800003", "3373020302809001"})}
    # A common name on the same day in two kabupaten, born in different places, is not queued.
    assert "SRI REJEKI" not in read_table(db, "SELECT nama_kandidat FROM verifikasi_lintas")["nama_kandidat"].to_list()

    # A rerun finds the same ids and records nothing twice.
    assert cross_kabupaten(db, root, Q) == counts
    again = read_table(db, "SELECT id_verifikasi, jenis, kabupaten, nik_kandidat, nik_lain FROM verifikasi_lintas "
                           "ORDER BY jenis, kabupaten")
    assert again.equals(queue)

    kabs = [Kabupaten(kode=k, db=tmp_path / f"{k}.duckdb", inbox="x", out=tmp_path / k) for k in (A, B, C)]
    assert write_queues(db, Q, kabs) == {A: 2, B: 2, C: 0}
    csv = pl.read_csv(tmp_path / A / Q / "verifikasi_lintas.csv", infer_schema=False)
    assert set(csv["id_verifikasi"]) == set(queue.filter(pl.col("kabupaten") == A)["id_verifikasi"])
    assert all(len(n) == 16 for n in csv["nik_kandidat"])

    # A decision returned in A's keputusan file is recorded once and takes the item off A's queue.
    decided = csv["id_verifikasi"][0]
    row = {"id_verifikasi": decided, "keputusan": "TOLAK", "sumber_file": "keputusan_lintas.csv", "sumber_baris": 2}
    assert cross_kabupaten(db, root, Q, decisions=[row])["diputuskan"] == 1
    assert cross_kabupaten(db, root, Q, decisions=[row])["diputuskan"] == 1
    assert read_table(db, "SELECT count(*) AS n FROM keputusan_lintas")["n"][0] == 1
    assert write_queues(db, Q, kabs)[A] == 1


def test_province_config_errors_name_the_file_and_key(tmp_path):
    cfg = tmp_path / "provinsi.toml"
    cfg.write_text('kode_provinsi = "33"\n[[kabupaten]]\nkode = "34.01"\ndb = "a.duckdb"\nout = "o"\n')
    with pytest.raises(InputError) as err:
        load_province(cfg)
    assert "provinsi.toml" in str(err.value) and "kolom kode" in str(err.value)
    cfg.write_text('kode_provinsi = "33"\n[[kabupaten]]\nkode = "33.71"\ndb = "a.duckdb"\nout = "o"\n')
    province = load_province(cfg)
    assert province.kabupaten[0].db == tmp_path / "a.duckdb"
    assert province.kabupaten[0].inbox_for(Q) == tmp_path / "inbox" / Q


# --------------------------------------------------------------------------- the Dask flow


def _province(tmp_path: Path):
    """Three small kota (few desa, so few workbooks), initialised without Prefect."""
    import logging

    from flows.init import run_init
    from transforms.ingest import ingest
    from transforms.synth.provinsi import make_province

    synth = make_province(tmp_path / "prov", voters=1500, seed=3, per_pair=2, codes=[A, B, C])
    province = load_province(synth.config)
    for k in province.kabupaten:
        run_init(voters=synth.baselines[k.kode], db=k.db, out=k.out, kabupaten=k.kode, as_of=synth.as_of,
                 ingest=ingest, logger=logging.getLogger("test"))
    return synth, province


def _env(api_url: str, **extra) -> dict:
    env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "PDPB_DEBUG": "1", **extra}
    return env


def _applied_once(province) -> dict[str, int]:
    """Per kabupaten: quarters recorded as Q (must be 1), and the number of changes, with no
    change and no current voter version twice."""
    out = {}
    for k in province.kabupaten:
        con = duckdb.connect(str(k.db), read_only=True)
        try:
            assert con.execute("SELECT count(*) FROM kuartal WHERE label = ?", [Q]).fetchone()[0] == 1
            dup = con.execute("SELECT count(*) FROM (SELECT kuartal, sumber_file, sumber_baris, id_pemilih, kategori "
                              "FROM perubahan GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
            assert dup == 0
            cur = con.execute("SELECT count(*) FROM (SELECT id_pemilih FROM pemilih WHERE berlaku_sampai IS NULL "
                              "GROUP BY 1 HAVING count(*) > 1)").fetchone()[0]
            assert cur == 0
            out[k.kode] = con.execute("SELECT count(*) FROM perubahan p JOIN kuartal q USING (kuartal) "
                                      "WHERE q.label = ?", [Q]).fetchone()[0]
        finally:
            con.close()
    return out


def _api_url() -> str:
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


@pytest.mark.slow
def test_killed_worker_every_kabupaten_applied_exactly_once(tmp_path, prefect_harness):
    synth, province = _province(tmp_path)
    trace = tmp_path / "jejak"
    cmd = [sys.executable, "-m", "flows.cli", "provinsi", "run", "--quarter", Q, "--config", str(synth.config),
           "--workers", "2"]
    proc = subprocess.Popen(cmd, env=_env(_api_url(), PDPB_PROVINSI_JEJAK=str(trace), PDPB_JEDA_TERAPKAN="0.5"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 240
        while time.time() < deadline and not (trace.exists() and any(trace.iterdir())):
            time.sleep(0.2)
        first = sorted(trace.iterdir())[0]
        kode, pid = first.name.rsplit(".", 1)
        time.sleep(1.0)  # inside its quarter (the apply pauses 0.5 s between statements)
        os.kill(int(pid), signal.SIGKILL)
        out, _ = proc.communicate(timeout=420)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-3000:]
    runs = [p.name for p in trace.iterdir() if p.name.startswith(kode + ".")]
    assert len(runs) >= 2, runs  # the killed kabupaten ran again, in another process
    first_counts = _applied_once(province)
    assert all(n > 0 for n in first_counts.values())
    pairs = read_table(province.db, "SELECT id_lintas FROM pindah_lintas ORDER BY 1")
    assert pairs.height == len(synth.labels["pindah"])

    # Rerunning the province changes nothing: each quarter is replaced by the same result.
    rerun = subprocess.run(cmd, env=_env(_api_url()), capture_output=True, text=True, timeout=420)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert _applied_once(province) == first_counts
    assert read_table(province.db, "SELECT id_lintas FROM pindah_lintas ORDER BY 1").equals(pairs)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_same_flow_on_a_separately_started_scheduler(tmp_path, prefect_harness):
    from flows.provinsi import WORKER_ENV

    synth, province = _province(tmp_path)
    dask = str(Path(sys.executable).parent / "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = _env(_api_url(), **WORKER_ENV)
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen(
                [dask, "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                 "--memory-limit", "0"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        cmd = [sys.executable, "-m", "flows.cli", "provinsi", "run", "--quarter", Q, "--config", str(synth.config),
               "--address", address]
        run = subprocess.run(cmd, env=_env(_api_url()), capture_output=True, text=True, timeout=420)
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "3 kabupaten/kota diterapkan" in run.stdout
    _applied_once(province)
    ringkasan = province.out / Q / "ringkasan_provinsi.json"
    assert ringkasan.exists() and (province.out / Q / "rekap_provinsi.xlsx").exists()
    pairs = read_table(province.db, "SELECT nik, kabupaten_asal, kabupaten_tujuan FROM pindah_lintas")
    planted = {(r["nik"], r["asal"], r["tujuan"]) for r in synth.labels["pindah"]}
    assert set(pairs.rows()) == planted
