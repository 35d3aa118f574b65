"""Personal data at rest and in every hand-off: the encrypted database, the key commands, the
masked export, the audit log, and no NIK where it does not belong (Prefect's home, the logs,
the output folders outside their archives).

This machine has no DuckDB httpfs extension (OpenSSL), so the tests write encrypted databases
with DuckDB's built-in mbedtls (PDPB_KRIPTO_UJI_TIDAK_AMAN=1): the same file format and the
same code paths, with random numbers DuckDB does not trust for real data.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from transforms import arsip, audit, keys, store
from transforms.samaran import mask

ROOT = Path(__file__).resolve().parents[2]
KEY = "kunci-uji-basis-data-1"
Q1 = "2026-Q1"
NIK_RE = re.compile(rb"(?<!\d)\d{16}(?!\d)")

# init and one quarter in one process, so one temporary Prefect server serves both flows.
DRIVER = """
import sys
from flows.cli import main
init = main(["init", "--voters", sys.argv[1], "--db", sys.argv[3], "--out", sys.argv[4], "--kabupaten", "33.71",
             "--as-of", sys.argv[5]])
run = main(["run", "--quarter", "2026-Q1", "--inbox", sys.argv[2], "--db", sys.argv[3], "--out", sys.argv[4]])
sys.exit(init or run)
"""


@dataclass
class World:
    base: Path
    db: Path
    out: Path
    home: Path
    log: str
    niks: set[bytes]
    info: object


def sample_niks(folder: Path) -> set[bytes]:
    """Every 16-digit number of the sample's input files: its NIKs and NKKs."""
    found: set[bytes] = set()
    for path in folder.rglob("*.csv"):
        if "labels" not in path.parts:
            found |= set(NIK_RE.findall(path.read_bytes()))
    return found


def contents(path: Path):
    """A file's bytes, and for a workbook the bytes of each part inside it (xlsx is a zip)."""
    data = path.read_bytes()
    yield data
    if path.suffix in (".xlsx", ".docx") and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                yield zf.read(name)


def found_in(data: bytes, niks: set[bytes]) -> set[bytes]:
    """The sample NIKs anywhere in `data`, also inside a longer run of digits (a database page
    stores a column's strings back to back)."""
    found = set()
    for run in re.findall(rb"\d{16,}", data):
        found |= {run[i:i + 16] for i in range(len(run) - 15)} & niks
    return found


def niks_in(paths, niks: set[bytes]) -> dict[str, int]:
    hits = {}
    for path in paths:
        if path.is_file():
            found = set()
            for data in contents(path):
                found |= found_in(data, niks)
            if found:
                hits[str(path)] = len(found)
    return hits


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def world(tmp_path_factory, kota_sample) -> World:
    base = tmp_path_factory.mktemp("rahasia")
    info = kota_sample
    db, out, home = base / "db" / "pdpb.duckdb", base / "out", base / "prefect-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PYTHONPATH=str(ROOT), PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DO_NOT_TRACK="1", PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300",
               PDPB_KUNCI=KEY, PDPB_KRIPTO_UJI_TIDAK_AMAN="1")
    (base / "pdpb.toml").write_text('prefect = "sementara"\n')  # the flows under a temporary Prefect server
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, str(info.baseline), str(info.inbox[Q1]), str(db), str(out),
         info.as_of.isoformat()],
        cwd=base, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    niks = sample_niks(info.out_dir)
    assert len(niks) > 1000
    return World(base, db, out, home, proc.stdout + proc.stderr, niks, info)


@pytest.fixture()
def keyed(monkeypatch):
    monkeypatch.setenv(keys.KEY_ENV, KEY)
    monkeypatch.setenv(keys.UNSAFE_TEST_ENV, "1")
    monkeypatch.delenv(keys.NEW_KEY_ENV, raising=False)
    monkeypatch.delenv(arsip.PASSWORD_ENV, raising=False)


@pytest.fixture()
def db_copy(world, tmp_path) -> Path:
    target = tmp_path / "salinan" / "pdpb.duckdb"
    target.parent.mkdir()
    shutil.copy(world.db, target)
    return target


def cli(*args: str) -> int:
    from flows.cli import main

    return main(list(args))


def test_database_is_encrypted_and_holds_no_nik(world, tmp_path, keyed, monkeypatch):
    neighbours = [p for p in world.db.parent.iterdir()]  # the file, its lock, any WAL or temp folder
    assert world.db in neighbours
    assert niks_in([p for n in neighbours for p in ([n] if n.is_file() else files_under(n))], world.niks) == {}
    before = sha(world.db)
    with pytest.raises(duckdb.Error, match="without a key"):
        duckdb.connect(str(world.db))
    con = duckdb.connect(":memory:")
    with pytest.raises(duckdb.Error, match="Wrong encryption key"):
        con.execute("ATTACH ? AS x (ENCRYPTION_KEY 'kunci-yang-salah-sekali', READ_ONLY)", [str(world.db)])
    con.close()
    assert sha(world.db) == before
    with store.connect(world.db, read_only=True) as con:
        assert store.scalar(con, "SELECT count(*) FROM pemilih") > 1000
    # The same list in a plain database shows its NIKs in the file's bytes: the check above can fail.
    monkeypatch.delenv(keys.KEY_ENV)
    plain = tmp_path / "biasa.duckdb"
    with store.connect(plain, must_exist=False) as con:
        con.execute("CREATE TABLE pemilih AS SELECT * FROM read_csv(?, all_varchar = true)", [str(world.info.baseline)])
    assert niks_in([plain], world.niks)[str(plain)] > 1000


def test_prefect_home_and_logs_hold_no_nik(world):
    assert niks_in(files_under(world.home), world.niks) == {}
    assert found_in(world.log.encode(), world.niks) == set()
    assert KEY not in world.log
    assert all(KEY.encode() not in data for p in files_under(world.home) for data in contents(p))
    # What was scanned really is the run's record: both flow runs and their logs are in it.
    with sqlite3.connect(world.home / "prefect.db") as con:
        runs = {r[0] for r in con.execute("SELECT name FROM flow_run")}
        logs = con.execute("SELECT count(*) FROM log").fetchone()[0]
    assert {"awal-33.71", f"triwulan-{Q1}"} <= runs
    assert logs > 5
    assert "Triwulan 2026-Q1" in world.log


def test_working_outputs_are_archives_and_the_rest_holds_no_full_nik(world):
    quarter = world.out / Q1
    everything = files_under(world.out)
    archives = [p for p in everything if p.suffix == ".zip"]
    assert niks_in([p for p in everything if p.suffix != ".zip"], world.niks) == {}
    for name in ("perubahan.csv", "verifikasi.csv", "karantina.csv", "rekap_kabupaten.xlsx"):
        assert (quarter / (name + ".zip")).exists() and not (quarter / name).exists()
    assert not list((quarter / "desa").glob("*.xlsx"))
    assert len(list((quarter / "desa").glob("*.xlsx.zip"))) == len(list((quarter / "pengumuman").glob("*.xlsx")))
    assert (world.out / "awal" / "karantina.csv.zip").exists()
    assert list((quarter / "tindak_lanjut").glob("*.xlsx.zip")) and not list((quarter / "tindak_lanjut").glob("*.xlsx"))
    # The archives hold the working data, readable with the key and with nothing else.
    inside = arsip.read_member(quarter / "perubahan.csv.zip", KEY)
    assert found_in(inside, world.niks)
    with pytest.raises(RuntimeError):
        arsip.read_member(quarter / "perubahan.csv.zip", "sandi-yang-salah-sekali")
    for archive in archives:
        assert niks_in([archive], world.niks) == {}
    # publik/: no NIK in any form; pengumuman/: every NIK and NKK keeps 6 digits (SPEC §5.5).
    masked6, longer = re.compile(rb"(?<![\d*])\d{6}\*{10}(?![\d*])"), re.compile(rb"\d{7,15}\*+")
    publik = [d for p in files_under(quarter / "publik") for d in contents(p)]
    assert publik and not any(masked6.search(d) or found_in(d, world.niks) for d in publik)
    pengumuman = [d for p in files_under(quarter / "pengumuman") for d in contents(p)]
    assert sum(len(masked6.findall(d)) for d in pengumuman) > 20
    assert not any(longer.search(d) for d in pengumuman)


def _lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip() and "PERINGATAN" not in line]


def test_every_command_refuses_without_the_right_key_and_touches_nothing(world, db_copy, keyed, monkeypatch,
                                                                         capsys, tmp_path):
    folder = db_copy.parent
    before = {p.name: sha(p) for p in folder.iterdir()}
    commands = [
        ["status", "--db", str(db_copy)],
        ["status", "--audit", "--db", str(db_copy)],
        ["export", "--quarter", Q1, "--out", str(tmp_path / "a.csv"), "--db", str(db_copy)],
        ["export", "--quarter", Q1, "--samaran", "--out", str(tmp_path / "b.csv"), "--db", str(db_copy)],
        ["run", "--quarter", Q1, "--inbox", str(world.info.inbox[Q1]), "--db", str(db_copy),
         "--out", str(tmp_path / "out")],
        ["init", "--voters", str(world.info.baseline), "--db", str(db_copy), "--out", str(tmp_path / "out")],
        ["kunci", "ganti", "--db", str(db_copy)],
        ["batal", "--quarter", Q1, "--db", str(db_copy), "--out", str(tmp_path / "out")],
    ]
    for key, words in ((None, "terenkripsi; setel PDPB_KUNCI"), ("kunci-yang-salah-sekali", "salah")):
        if key is None:
            monkeypatch.delenv(keys.KEY_ENV)
        else:
            monkeypatch.setenv(keys.KEY_ENV, key)
        monkeypatch.setenv(keys.NEW_KEY_ENV, "kunci-baru-yang-panjang")
        for argv in commands:
            assert cli(*argv) == 2, argv
            err = _lines(capsys.readouterr().err)
            assert len(err) == 1 and words in err[0] and "Traceback" not in err[0], (argv, err)
    # The database is untouched; at most the lock file (a process id, nothing else) now exists.
    after = {p.name: sha(p) for p in folder.iterdir()}
    lock = db_copy.name + ".lock"
    assert {k: v for k, v in after.items() if k != lock} == before
    assert lock not in after or (folder / lock).read_bytes().strip().isdigit() or not (folder / lock).read_bytes()
    assert not list(tmp_path.glob("*.csv*")) and not (tmp_path / "out").exists()
    # With the right key every reading command works.
    monkeypatch.setenv(keys.KEY_ENV, KEY)
    assert cli("status", "--db", str(db_copy)) == 0
    assert "2026-Q1" in capsys.readouterr().out


def test_samaran_export_masks_every_nik_and_nkk(world, db_copy, keyed, capsys, tmp_path):
    full, masked = tmp_path / "lengkap.csv", tmp_path / "samaran.csv"
    assert cli("export", "--quarter", Q1, "--out", str(full), "--db", str(db_copy)) == 0
    assert cli("export", "--quarter", Q1, "--samaran", "--out", str(masked), "--db", str(db_copy)) == 0
    assert not full.exists()  # the full list, with an encrypted database, is handed out only as an archive
    whole = pl.read_csv(arsip.read_member(Path(str(full) + ".zip"), KEY), infer_schema=False)
    part = pl.read_csv(masked, infer_schema=False)
    assert part.height == whole.height > 1000
    assert "disabilitas" not in part.columns and "tanggal_lahir" not in part.columns
    assert "sumber_file" not in part.columns
    for column in ("nik", "nkk"):
        got = part[column].drop_nulls()
        assert got.len() > 1000 and got.str.contains(r"^\d{12}\*{4}$").all(), column
        assert (part[column] == whole[column].str.slice(0, 12) + "****").all()
    assert (part["tahun_lahir"] == whole["tanggal_lahir"].str.slice(0, 4)).all()
    assert found_in(masked.read_bytes(), world.niks) == set()
    assert "disamarkan" in capsys.readouterr().out


def test_audit_lists_every_command_and_a_key_change(world, db_copy, keyed, monkeypatch, capsys, tmp_path):
    assert cli("export", "--quarter", Q1, "--samaran", "--out", str(tmp_path / "s.xlsx"), "--db", str(db_copy)) == 0
    monkeypatch.setenv(keys.NEW_KEY_ENV, "kunci-baru-yang-panjang")
    assert cli("kunci", "ganti", "--db", str(db_copy)) == 0
    assert sorted(p.name for p in db_copy.parent.iterdir()) == ["pdpb.duckdb", "pdpb.duckdb.lock"]
    capsys.readouterr()
    assert cli("status", "--audit", "--db", str(db_copy)) == 2  # the old key no longer opens it
    assert "salah" in capsys.readouterr().err
    monkeypatch.setenv(keys.KEY_ENV, "kunci-baru-yang-panjang")
    assert cli("status", "--audit", "--json", "--db", str(db_copy)) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["perintah"] for r in rows] == ["init", "run", "export --samaran", "kunci ganti"]
    assert {r["pengguna"] for r in rows} == {audit.os_user()}
    loaded = json.loads((world.out / "awal" / "ringkasan.json").read_text())["dimuat"]
    assert rows[0]["baris"] == loaded > 1000
    assert rows[1]["berkas"].endswith(Q1) and rows[1]["kuartal"] == store.quarter_index(Q1)
    assert rows[2]["berkas"] == str(tmp_path / "s.xlsx") and rows[2]["baris"] > 1000
    assert cli("status", "--audit", "--db", str(db_copy)) == 0
    shown = capsys.readouterr().out
    assert "Catatan audit" in shown and "kunci ganti" in shown and "export --samaran" in shown
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(db_copy))


def test_kunci_ganti_encrypts_a_plain_database_in_one_swap(tmp_path, monkeypatch):
    monkeypatch.delenv(keys.KEY_ENV, raising=False)
    monkeypatch.setenv(keys.UNSAFE_TEST_ENV, "1")
    db = tmp_path / "biasa.duckdb"
    con = store.connect(db, must_exist=False)
    store.create_schema(con)
    store.set_meta(con, "kode_kabupaten", "33.71")
    con.execute("INSERT INTO pemilih (id_pemilih, berlaku_dari, nik, nama, status, sumber_file, sumber_baris) "
                "VALUES (1, 8103, '3371015501900001', 'SITI', 'AKTIF', 'a.csv', 2)")
    con.close()
    assert b"3371015501900001" in db.read_bytes()
    with store.writer_lock(db):
        keys.reencrypt(db, None, "kunci-baru-yang-panjang",
                       before_swap=lambda c: audit.record(c, "kunci ganti", berkas=db))
    assert b"3371015501900001" not in db.read_bytes()
    with pytest.raises(duckdb.Error):
        duckdb.connect(str(db))
    monkeypatch.setenv(keys.KEY_ENV, "kunci-baru-yang-panjang")
    with store.connect(db) as con:
        assert store.scalar(con, "SELECT nik FROM pemilih") == "3371015501900001"
        assert store.get_meta(con, "kode_kabupaten") == "33.71"
        store.set_meta(con, "kode_kabupaten", "33.71")  # the primary key survived the copy
        assert [r["perintah"] for r in audit.entries(con)] == ["kunci ganti"]


def test_mask_keeps_twelve_and_never_lets_a_short_value_through():
    frame = pl.DataFrame({"nik": ["3371015501900001", "33710155", "123", None, "33710155019000012"]})
    assert frame.select(mask("nik"))["nik"].to_list() == [
        "337101550190****", "3371****", "***", None, "337101550190*****"]


def test_a_key_too_short_or_a_machine_without_openssl_is_refused_before_init(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(keys.KEY_ENV, "pendek")
    monkeypatch.delenv(keys.UNSAFE_TEST_ENV, raising=False)
    voters = tmp_path / "pemilih.csv"
    voters.write_text("nik\n")
    assert cli("init", "--voters", str(voters), "--db", str(tmp_path / "x.duckdb")) == 2
    assert "terlalu pendek" in capsys.readouterr().err
    monkeypatch.setenv(keys.KEY_ENV, KEY)
    try:
        duckdb.connect(":memory:").execute("LOAD httpfs")
        pytest.skip("this machine has httpfs: encrypted writes are available")
    except duckdb.Error:
        pass
    assert cli("init", "--voters", str(voters), "--db", str(tmp_path / "x.duckdb")) == 2
    assert "httpfs" in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()


@pytest.mark.parametrize("encrypted", [True, False])
def test_the_wal_and_temp_files_of_an_encrypted_database_hold_no_nik(tmp_path, monkeypatch, encrypted):
    monkeypatch.setenv(keys.UNSAFE_TEST_ENV, "1")
    if encrypted:
        monkeypatch.setenv(keys.KEY_ENV, KEY)
    else:
        monkeypatch.delenv(keys.KEY_ENV, raising=False)
    db = tmp_path / "w.duckdb"
    con = store.connect(db, must_exist=False)
    store.create_schema(con)
    con.execute("CHECKPOINT")
    con.execute("INSERT INTO pemilih (id_pemilih, berlaku_dari, nik, nkk, nama, status, sumber_file, sumber_baris) "
                "SELECT i, 8103, '33710155' || lpad(i::VARCHAR, 8, '0'), '33710101' || lpad(i::VARCHAR, 8, '0'), "
                "'WARGA', 'AKTIF', 'a.csv', i FROM range(20000) r(i)")
    wal = db.with_name(db.name + ".wal")
    assert wal.stat().st_size > 100_000  # the rows are in the WAL, not yet in the file
    niks = {f"33710155{i:08d}".encode() for i in range(20000)}
    hits = found_in(wal.read_bytes(), niks)
    if encrypted:
        assert hits == set()
        settings = con.execute("SELECT current_setting('temp_directory'), current_setting('temp_file_encryption')")
        assert settings.fetchone() == (str(db) + ".tmp", True)
    else:
        assert len(hits) > 10_000  # the check can fail: a plain database's WAL shows them
    con.close()
