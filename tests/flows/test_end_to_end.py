"""The real `pdpb` CLI on a small generated kabupaten, compared with the generator's labels."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest


pytestmark = pytest.mark.slow

KOTA = "33.71"  # Kota Magelang: its 17 kelurahan keep each run's reports short (Temanggung: test_flows)
KEY = ["kategori", "kode_tms", "nik", "kode_desa", "kode_desa_lama", "kolom_diubah", "sumber_file", "sumber_baris"]


def run_cli(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory, cli_env, kota_sample):
    base = tmp_path_factory.mktemp("bersih")
    info = kota_sample
    db, out = base / "pdpb.duckdb", base / "out"
    init = run_cli("init", "--voters", str(info.baseline), "--db", str(db), "--out", str(out),
                   "--as-of", info.as_of.isoformat(), "--kabupaten", KOTA, env=cli_env, cwd=base)
    assert init.returncode == 0, init.stderr
    run = run_cli("run", "--quarter", "2026-Q1", "--inbox", str(info.inbox["2026-Q1"]), "--db", str(db),
                  "--out", str(out), env=cli_env, cwd=base)
    assert run.returncode == 0, run.stderr
    return info, db, out


def _keyed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        [pl.col(c).cast(pl.Utf8).fill_null("").alias(c) for c in KEY]
    ).sort(KEY)


def test_changes_equal_labels_exactly(clean_run):
    info, _, out = clean_run
    got = pl.read_csv(out / "2026-Q1" / "perubahan.csv", infer_schema=False)
    want = pl.read_csv(info.labels["2026-Q1"] / "perubahan.csv", infer_schema=False)
    got_k, want_k = _keyed(got), _keyed(want)
    missing = want_k.join(got_k, on=KEY, how="anti")
    extra = got_k.join(want_k, on=KEY, how="anti")
    assert missing.height == 0 and extra.height == 0, f"missing {missing.head(10)}\nextra {extra.head(10)}"
    assert (got["keputusan"] == "OTOMATIS").all()


def test_every_input_row_is_accounted_for(clean_run):
    info, _, out = clean_run
    ringkasan = json.loads((out / "2026-Q1" / "ringkasan.json").read_text())
    labels = pl.read_csv(info.labels["2026-Q1"] / "baris.csv", infer_schema=False)
    for name, counts in ringkasan["berkas"].items():
        assert counts["dibaca"] == sum(counts[k] for k in ("diterapkan", "verifikasi", "karantina", "tanpa_perubahan"))
        want = labels.filter(pl.col("sumber_file") == name)
        assert counts["dibaca"] == want.height
        for outcome in ("diterapkan", "verifikasi", "karantina", "tanpa_perubahan"):
            assert counts[outcome] == want.filter(pl.col("hasil") == outcome).height, (name, outcome)
    assert ringkasan["rekonsiliasi"]["seimbang"], ringkasan["rekonsiliasi"]


def test_nik_is_text_in_every_csv(clean_run):
    _, _, out = clean_run
    got = pl.read_csv(out / "2026-Q1" / "perubahan.csv", infer_schema=False)
    assert got["nik"].str.len_chars().eq(16).all()


def test_reports_exist_for_every_desa(clean_run):
    _, _, out = clean_run
    from transforms.wilayah import desa_of_kabupaten

    every = desa_of_kabupaten(KOTA)
    assert every.height == 17
    desa = list((out / "2026-Q1" / "desa").glob("*.xlsx"))
    assert sorted(p.name.split("_")[0] for p in desa) == sorted(every["kode_desa"].to_list())
    assert (out / "2026-Q1" / "rekap_kabupaten.xlsx").exists()
    assert len(list((out / "2026-Q1" / "pengumuman").glob("*.xlsx"))) == every.height


def test_export_after_quarter_equals_labels(clean_run, cli_env, tmp_path):
    info, db, _ = clean_run
    target = tmp_path / "ekspor.csv"
    res = run_cli("export", "--quarter", "2026-Q1", "--out", str(target), "--db", str(db), env=cli_env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    got = pl.read_csv(target, infer_schema=False)
    want = pl.read_csv(info.labels["2026-Q1"] / "ekspor.csv", infer_schema=False)
    cols = ["nik", "status", "kode_tms", "kode_desa"]
    g = got.select([pl.col(c).fill_null("") for c in cols]).sort(cols)
    w = want.select([pl.col(c).fill_null("") for c in cols]).sort(cols)
    assert g.height == w.height
    assert g.equals(w)


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_rerun_is_identical_and_older_quarter_refused(clean_run, cli_env, tmp_path):
    info, db, out = clean_run
    first = _hashes(out / "2026-Q1")
    export1 = tmp_path / "a.csv"
    assert run_cli("export", "--quarter", "2026-Q1", "--out", str(export1), "--db", str(db), env=cli_env,
                   cwd=tmp_path).returncode == 0
    again = run_cli("run", "--quarter", "2026-Q1", "--inbox", str(info.inbox["2026-Q1"]), "--db", str(db),
                    "--out", str(out), env=cli_env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert _hashes(out / "2026-Q1") == first
    export2 = tmp_path / "b.csv"
    assert run_cli("export", "--quarter", "2026-Q1", "--out", str(export2), "--db", str(db), env=cli_env,
                   cwd=tmp_path).returncode == 0
    assert export1.read_bytes() == export2.read_bytes()
    older = run_cli("run", "--quarter", "2025-Q4", "--inbox", str(info.inbox["2026-Q1"]), "--db", str(db),
                    "--out", str(out), env=cli_env, cwd=tmp_path)
    assert older.returncode == 2
    assert "Traceback" not in older.stderr
    assert "2025-Q4" in older.stderr


def test_accuracy_command_reports_zero_wrongful_removals_first(tmp_path, cli_env):
    # `pdpb akurasi` on a small messy kabupaten: its first figure is the one that matters.
    done = run_cli("akurasi", "--voters", "3000", "--seed", "4", "--kabupaten", KOTA, "--dir", str(tmp_path / "akurasi"),
                   "--json", str(tmp_path / "akurasi.json"), env=cli_env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].split() == ["TMS", "otomatis", "yang", "salah", "(harus", "0)", "0"]
    report = json.loads((tmp_path / "akurasi.json").read_text())
    assert report["akurasi"]["tms_otomatis_salah"] == 0
    assert report["akurasi"]["tms_recall_termasuk_verifikasi"] >= 0.995
    # The stranger test ran: a report about a voter still on the list never removes another.
    strangers = report["uji_orang_asing"]
    assert strangers["laporan_per_kelompok"] > 100
    assert strangers["terdaftar_rtrw_otomatis_salah"] == strangers["terdaftar_desa_otomatis_salah"] == 0
    # The duplicate scan was scored on the generator's people registered twice.
    ganda = report["ganda"]
    assert ganda["pasangan_benar"] > 0 and ganda["otomatis_dua_orang"] == 0
    assert any(line.startswith("Ganda pada daftar awal") for line in lines)
    assert any(line.startswith("Uji orang asing") for line in lines)
