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
            (57, "3371015707920011", "RINI ASTUTI WULANDARI", "MAGELANG", d(1992, 7, 17), "P"),  # a namesake in C
            (58, "3371012109770012", "EKO BUDI SANTOSO", "MAGELANG", d(1977, 9, 21), "L"),      # again in C
        ]),
        B: _voters(B, [
            (10, "3371011203800001", "BUDI SANTOSO", "MAGELANG", d(1980, 3, 12), "L"),
            (11, "3371015505850002", "SITI AMINAH", "MAGELANG", d(1985, 5, 15), "P"),       # BARU from A
            (12, "3373020302809001", "AGUS PRASETYO WIBOWO", "MAGELANG", d(1980, 2, 3), "L"),
            (13, "3371010808700005", "JOKO WIDODO", "MAGELANG", d(1970, 8, 8), "L"),        # BARU from A
        ]),
        C: _voters(C, [*sri_c, (66, "3375014505750009", "SRI REJEKI", "PEKALONGAN", d(1975, 5, 5), "P"),
                       # a rare name on the same day, born elsewhere: another woman
                       (67, "3375015707920013", "RINI ASTUTI WULANDARI", "KAB. PEKALONGAN", d(1992, 7, 17), "P"),
                       # the birth place written with its prefix is the same place
                       (68, "3375012109770014", "EKO BUDI SANTOSO", "Kab. Magelang", d(1977, 9, 21), "L")]),
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
            # the same name, birth date and sex as A's JOKO WIDODO, but a whole NIK of its own:
            # another man, never paired by name
            {"arah": "DATANG", "sumber_baris": 3, "nik": "3375010808700015", "nama": "JOKO WIDODO",
             "tanggal_lahir": d(1970, 8, 8), "jenis_kelamin": "L"},
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
                      "ganda_lintas_verifikasi": 4, "diputuskan": 0}

    pairs = read_table(db, "SELECT nik, kabupaten_asal, kabupaten_tujuan, metode FROM pindah_lintas ORDER BY nik")
    assert pairs.rows() == [("3371010808700005", A, B, "NIK"), ("3371015505850002", A, B, "NAMA_TGL_LAHIR")]
    # The matched move explains SITI AMINAH still active in A: TMS 4 there, nowhere else.
    actions = read_table(db, "SELECT kabupaten, kategori, kode_tms, id_pemilih FROM tindakan_lintas")
    assert actions.rows() == [(A, "TMS", 4, 2)]
    queue = read_table(db, "SELECT id_verifikasi, jenis, kabupaten, nik_kandidat, nik_lain FROM verifikasi_lintas "
                           "ORDER BY jenis, kabupaten, id_verifikasi")
    nik = queue.filter(pl.col("jenis") == "NIK_LINTAS")
    assert nik["kabupaten"].to_list() == [A, B]
    assert set(nik["nik_kandidat"]) == {"3371011203800001"}
    ganda = queue.filter(pl.col("jenis") == "GANDA_LINTAS")
    assert {frozenset(r) for r in ganda.select("nik_kandidat", "nik_lain").rows()} == {
        frozenset({"3371010302800003", "3373020302809001"}), frozenset({"3371012109770012", "3375012109770014"})}
    # A name on the same day in two kabupaten, born in two places written out, is not queued:
    # common (SRI REJEKI) or rare (RINI ASTUTI WULANDARI).
    names = read_table(db, "SELECT nama_kandidat FROM verifikasi_lintas")["nama_kandidat"].to_list()
    assert "SRI REJEKI" not in names and "RINI ASTUTI WULANDARI" not in names

    # A rerun finds the same ids and records nothing twice.
    assert cross_kabupaten(db, root, Q) == counts
    again = read_table(db, "SELECT id_verifikasi, jenis, kabupaten, nik_kandidat, nik_lain FROM verifikasi_lintas "
                           "ORDER BY jenis, kabupaten, id_verifikasi")
    assert again.equals(queue)

    kabs = [Kabupaten(kode=k, db=tmp_path / f"{k}.duckdb", inbox="x", out=tmp_path / k) for k in (A, B, C)]
    assert write_queues(db, Q, kabs) == {A: 3, B: 2, C: 1}
    csv = pl.read_csv(tmp_path / A / Q / "verifikasi_lintas.csv", infer_schema=False)
    assert set(csv["id_verifikasi"]) == set(queue.filter(pl.col("kabupaten") == A)["id_verifikasi"])
    assert all(len(n) == 16 for n in csv["nik_kandidat"])

    # A decision returned in A's keputusan file is recorded once and takes the item off A's queue.
    decided = csv["id_verifikasi"][0]
    row = {"id_verifikasi": decided, "keputusan": "TOLAK", "sumber_file": "keputusan_lintas.csv", "sumber_baris": 2}
    assert cross_kabupaten(db, root, Q, decisions=[row])["diputuskan"] == 1
    assert cross_kabupaten(db, root, Q, decisions=[row])["diputuskan"] == 1
    assert read_table(db, "SELECT count(*) AS n FROM keputusan_lintas")["n"][0] == 1
    assert write_queues(db, Q, kabs)[A] == 2


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
    # (The same province quarter, one kabupaten after another here: a cluster adds nothing to it.)
    from flows.provinsi import run_serial

    run_serial(synth.config, Q)
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


# --------------------------------------------------------------------------- decisions, real path


def _status(db: Path, ids: list[int]) -> dict[int, tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT id_pemilih, status, kode_tms FROM pemilih WHERE berlaku_sampai IS NULL "
                           "AND list_contains(?, id_pemilih)", [ids]).fetchall()
    finally:
        con.close()
    return {r[0]: (r[1], r[2]) for r in rows}


def _changes_of(db: Path, id_pemilih: int) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT q.label, p.kategori, p.kode_tms, p.penetapan, p.id_verifikasi, p.sumber_file "
                           "FROM perubahan p JOIN kuartal q USING (kuartal) WHERE p.id_pemilih = ? ORDER BY 1",
                           [id_pemilih]).fetchall()
    finally:
        con.close()


def _append_row(path: Path, row: dict) -> None:
    frame = pl.read_csv(path, infer_schema=False)
    pl.concat([frame, pl.DataFrame([{c: row.get(c) for c in frame.columns}], schema=frame.schema)]).write_csv(path)


def _plant_unsure_move(synth) -> dict:
    """A person leaving A for B whose pindah_keluar row A cannot apply by itself (no NIK, and a
    namesake born the same day: A's row goes to review), while B's pindah_datang adds them."""
    busy = set()
    for kind in synth.labels.values():
        for r in kind:
            busy |= set(r["nik"] if isinstance(r["nik"], list) else [r["nik"]])
    inbox_a, inbox_b = (synth.root / "kabupaten" / k / "inbox" / Q for k in (A, B))
    for f in [*inbox_a.iterdir(), *inbox_b.iterdir()]:
        if f.suffix == ".csv":
            busy |= set(pl.read_csv(f, infer_schema=False).get_column("nik", default=pl.Series([])).to_list())
    base_a = pl.read_csv(synth.baselines[A], infer_schema=False)
    p = base_a.filter(~pl.col("nik").is_in(list(busy)) & (pl.col("tanggal_lahir") < "1980-01-01")
                      & pl.col("jenis_kelamin").is_in(["L", "P"]))[7].to_dicts()[0]
    twin = {**p, "nik": p["nik"][:12] + f"{(int(p['nik'][12:]) + 4321) % 10000:04d}", "nkk": None,
            "alamat": "JL. LAIN NO. 9"}
    assert twin["nik"] not in set(base_a["nik"])
    _append_row(synth.baselines[A], twin)
    _append_row(inbox_a / "pindah_keluar_2026_Q1.csv", {**p, "nik": None, "tanggal_pindah": "2026-02-10",
                                                         "tujuan": "KOTA SURAKARTA"})
    home = pl.read_csv(synth.baselines[B], infer_schema=False).row(3, named=True)
    _append_row(inbox_b / "pindah_datang_2026_Q1.csv", {
        **p, "kode_desa": home["kode_desa"], "alamat": home["alamat"], "rt": home["rt"], "rw": home["rw"],
        "tanggal_datang": "2026-02-20", "asal": "KOTA MAGELANG"})
    return p


@pytest.fixture(scope="module")
def lintas_province(tmp_path_factory):
    """Two small kota with every cross-kabupaten case, plus a move out of A that A's own run
    leaves in review, run once as a province without Dask (the orchestration of `pdpb provinsi
    run`, one kabupaten after another)."""
    import logging

    from flows.init import run_init
    from flows.provinsi import run_serial
    from flows.quarter import ingest
    from transforms.synth.provinsi import make_province

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PDPB_LAPORAN_PROSES", "1")  # small runs: the reports in-process
        synth = make_province(tmp_path_factory.mktemp("lintas") / "prov", voters=1500, seed=5, per_pair=3,
                              codes=[A, B])
        moved = _plant_unsure_move(synth)
        province = load_province(synth.config)
        for k in province.kabupaten:
            run_init(voters=synth.baselines[k.kode], db=k.db, out=k.out, kabupaten=k.kode, as_of=synth.as_of,
                     ingest=ingest, logger=logging.getLogger("test"))
        first = run_serial(synth.config, Q)
        actions = read_table(province.db, "SELECT * FROM tindakan_lintas")
        facts = {
            "moved": moved, "actions": actions, "lintas": first["lintas"],
            "queue": read_table(province.db, "SELECT * FROM verifikasi_lintas"),
            "changes": {r["nik"]: _changes_of(next(k.db for k in province.kabupaten if k.kode == r["kabupaten"]),
                                              r["id_pemilih"]) for r in actions.iter_rows(named=True)},
        }
        yield synth, province, facts


def test_shared_nik_explained_by_a_matched_move_is_removed_once_where_it_was_left(lintas_province):
    synth, province, facts = lintas_province
    moved, actions = facts["moved"], facts["actions"]
    kab = {k.kode: k for k in province.kabupaten}
    # The move is matched by name and birth date (A's row has no NIK) and explains the NIK now
    # active in both A and B: TMS 4 in A, the kabupaten left behind, for that voter only.
    pair = read_table(province.db, "SELECT * FROM pindah_lintas WHERE nik = ?", [moved["nik"]])
    assert pair.select("kabupaten_asal", "kabupaten_tujuan", "metode", "keluar_status", "datang_status").rows() == [
        (A, B, "NAMA_TGL_LAHIR", "VERIFIKASI", "DITERAPKAN")]
    assert actions.select("nik", "kabupaten", "kategori", "kode_tms", "kabupaten_lain").rows() == [
        (moved["nik"], A, "TMS", 4, B)]
    vid = actions["id_pemilih"][0]
    assert facts["changes"][moved["nik"]] == [(Q, "TMS", 4, "OTOMATIS", None, "pindah_keluar_lintas_2026_Q1.csv")]
    assert _status(kab[A].db, [vid]) == {vid: ("TMS", 4)}
    twin = _active_with_name(kab[A].db, moved["nama"], moved["tanggal_lahir"])
    assert len(twin) == 1 and twin[0] != moved["nik"]  # the namesake stays
    assert moved["nik"] in _active_with_name(kab[B].db, moved["nama"], moved["tanggal_lahir"])

    # A NIK in two kabupaten that no move explains: review, one item on each side, nothing automatic.
    nik = facts["queue"].filter(pl.col("jenis") == "NIK_LINTAS")
    planted = {r["nik"]: set(r["kabupaten"]) for r in synth.labels["nik_lintas"]}
    assert set(nik["nik_kandidat"]) == set(planted)
    for n, kabs in planted.items():
        assert set(nik.filter(pl.col("nik_kandidat") == n)["kabupaten"]) == kabs
    assert moved["nik"] not in set(nik["nik_kandidat"])


def _active_with_name(db: Path, nama: str, lahir: str) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT nik FROM pemilih WHERE berlaku_sampai IS NULL AND status = 'AKTIF' "
                                          "AND nama = ? AND tanggal_lahir = ?", [nama, lahir]).fetchall()]
    finally:
        con.close()


def _queue_ids(kab: Kabupaten, quarter: str) -> set[str]:
    return set(pl.read_csv(kab.out / quarter / "verifikasi_lintas.csv", infer_schema=False)["id_verifikasi"])


def test_officials_decisions_on_cross_kabupaten_items_apply_once_and_a_rejection_stays(lintas_province):
    """SETUJU on a verifikasi_lintas item, returned in the kabupaten's keputusan file, applies in
    that kabupaten's next run, once, also on a rerun without the file; TOLAK drops the item and
    it is not proposed again while neither record changes; undecided items keep their id."""
    from flows.provinsi import run_serial

    synth, province, facts = lintas_province
    kab = {k.kode: k for k in province.kabupaten}
    queue_file = kab[A].out / Q / "verifikasi_lintas.csv"
    returned = pl.read_csv(queue_file, infer_schema=False)
    planted_nik = {r["nik"] for r in synth.labels["nik_lintas"]}
    planted_ganda = {frozenset(r["nik"]) for r in synth.labels["ganda_lintas"]}
    nik_items = returned.filter((pl.col("jenis") == "NIK_LINTAS") & pl.col("nik_kandidat").is_in(list(planted_nik)))
    ganda_items = returned.filter(pl.col("jenis") == "GANDA_LINTAS").filter(
        pl.struct("nik_kandidat", "nik_lain").map_elements(lambda r: frozenset(r.values()) in planted_ganda,
                                                           return_dtype=pl.Boolean))
    setuju, tolak, ganda = nik_items["id_verifikasi"][0], nik_items["id_verifikasi"][1], ganda_items["id_verifikasi"][0]
    ledger = read_table(province.db, "SELECT id_verifikasi, kabupaten, id_pemilih_kandidat, nik_kandidat FROM "
                                     "verifikasi_lintas WHERE kuartal = ?", [Q])
    cand = {rid: ledger.filter(pl.col("id_verifikasi") == rid)["id_pemilih_kandidat"][0]
            for rid in (setuju, tolak, ganda)}
    tolak_nik = nik_items["nik_kandidat"][1]
    other_side = ledger.filter((pl.col("nik_kandidat") == tolak_nik) & (pl.col("kabupaten") == B))["id_verifikasi"][0]
    decisions = {setuju: "SETUJU", tolak: "TOLAK", ganda: "SETUJU"}
    # The third shared NIK: both officials strike their own record, each for the other to stay.
    both_nik = nik_items["nik_kandidat"][2]
    both_a = nik_items["id_verifikasi"][2]
    both_b = ledger.filter((pl.col("nik_kandidat") == both_nik) & (pl.col("kabupaten") == B))["id_verifikasi"][0]
    both_ids = {rid: ledger.filter(pl.col("id_verifikasi") == rid)["id_pemilih_kandidat"][0] for rid in (both_a, both_b)}
    returned = returned.with_columns(keputusan=pl.col("id_verifikasi").replace_strict(
        {**decisions, both_a: "SETUJU"}, default=None))
    inbox = kab[A].inbox_for(Q)
    returned.write_csv(inbox / "keputusan_lintas.csv")
    queue_b = pl.read_csv(kab[B].out / Q / "verifikasi_lintas.csv", infer_schema=False)
    queue_b.with_columns(keputusan=pl.when(pl.col("id_verifikasi") == both_b).then(pl.lit("SETUJU"))).write_csv(
        kab[B].inbox_for(Q) / "keputusan_lintas.csv")

    run_serial(synth.config, Q)  # the rerun of the quarter, with the returned files in A's and B's inboxes
    # Both records of that NIK stay: the two decisions are held and say why, in both kabupaten,
    # and both items are open again.
    assert _status(kab[A].db, [both_ids[both_a]]) == {both_ids[both_a]: ("AKTIF", None)}
    assert _status(kab[B].db, [both_ids[both_b]]) == {both_ids[both_b]: ("AKTIF", None)}
    for side, rid in ((A, both_a), (B, both_b)):
        karantina = pl.read_csv(kab[side].out / Q / "karantina.csv", infer_schema=False)
        (reason,) = karantina.filter(pl.col("nilai") == rid)["alasan"].to_list()
        assert reason.startswith("keputusan ditahan:") and "TOLAK" in reason, reason
        assert rid in _queue_ids(kab[side], Q)
    expected = {
        cand[setuju]: [(Q, "TMS", 2, "VERIFIKASI", setuju, "verifikasi_lintas.csv")],
        cand[ganda]: [(Q, "TMS", 2, "VERIFIKASI", ganda, "verifikasi_lintas.csv")],
        cand[tolak]: [],
    }
    assert {v: _changes_of(kab[A].db, v) for v in expected} == expected
    assert _status(kab[A].db, list(expected)) == {cand[setuju]: ("TMS", 2), cand[ganda]: ("TMS", 2),
                                                  cand[tolak]: ("AKTIF", None)}
    got = read_table(province.db, "SELECT id_verifikasi, keputusan, hasil FROM keputusan_lintas ORDER BY 1")
    assert sorted(got.rows()) == sorted([(setuju, "SETUJU", "diterapkan"), (ganda, "SETUJU", "diterapkan"),
                                         (tolak, "TOLAK", "tanpa_perubahan")])
    assert not _queue_ids(kab[A], Q) & set(decisions)
    # The same NIK's item in B is gone with the pair it was about (A's record is struck); the
    # rejected pair's item in B is still B's to decide.
    b_queue = _queue_ids(kab[B], Q)
    assert other_side in b_queue
    assert not read_table(province.db, "SELECT * FROM verifikasi_lintas WHERE kuartal = ? AND kabupaten = ? AND "
                                       "nik_kandidat = ?", [Q, B, nik_items["nik_kandidat"][0]]).height
    # The automatic TMS 4 of the matched move is still there once.
    moved_id = facts["actions"]["id_pemilih"][0]
    assert _changes_of(kab[A].db, moved_id) == facts["changes"][facts["moved"]["nik"]]

    # Rerun again without the file: the recorded decisions still apply, once.
    (inbox / "keputusan_lintas.csv").unlink()
    run_serial(synth.config, Q)
    assert {v: _changes_of(kab[A].db, v) for v in expected} == expected
    assert read_table(province.db, "SELECT count(*) AS n FROM keputusan_lintas")["n"][0] == 3

    # The next quarter: nothing is applied again, the rejected pair is not proposed again, and
    # the undecided item on the other side keeps its id.
    q2 = "2026-Q2"
    for k in province.kabupaten:
        k.inbox_for(q2).mkdir(parents=True)
    run_serial(synth.config, q2)
    assert {v: _changes_of(kab[A].db, v) for v in expected} == expected
    later = read_table(province.db, "SELECT id_verifikasi, kabupaten FROM verifikasi_lintas WHERE kuartal = ?", [q2])
    assert tolak not in set(later["id_verifikasi"])
    assert (other_side, B) in later.rows()
    assert not _queue_ids(kab[A], q2) & set(decisions)
