"""The officials' loop through the real CLI: decide the review queue in the returned workbooks or a
CSV, rerun, export, check each voter's status, rerun without the file, run the next quarter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from tests.support.review_cases import Q1, Q2, make_review_kabupaten, official_decisions  # noqa: E402

pytestmark = pytest.mark.slow



def run_cli(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)


@pytest.fixture(scope="module")
def world(tmp_path_factory, cli_env):
    base = tmp_path_factory.mktemp("putusan")
    info, cases = make_review_kabupaten(base / "sampel", n_voters=800)
    db, out = base / "awal.duckdb", base / "out"
    res = run_cli("init", "--voters", str(info.baseline), "--db", str(db), "--out", str(out), "--kabupaten",
                  info.kode_kabupaten, "--as-of", info.as_of.isoformat(), env=cli_env, cwd=base)
    assert res.returncode == 0, res.stderr[-2000:]
    res = run_cli("run", "--quarter", Q1, "--inbox", str(info.inbox[Q1]), "--db", str(db), "--out", str(out),
                  env=cli_env, cwd=base)
    assert res.returncode == 0, res.stderr[-2000:]
    queue = pl.read_csv(out / Q1 / "verifikasi.csv", infer_schema=False)
    return {"info": info, "cases": cases, "base": base, "db": db, "out": out, "queue": queue, "env": cli_env}


def branch(world, tmp_path: Path) -> tuple[Path, Path, Path]:
    db, inbox, out = tmp_path / "k.duckdb", tmp_path / "inbox", tmp_path / "out"
    shutil.copy(world["db"], db)
    shutil.copytree(world["info"].inbox[Q1], inbox)
    return db, inbox, out


def run(world, quarter: str, inbox: Path, db: Path, out: Path) -> subprocess.CompletedProcess:
    res = run_cli("run", "--quarter", quarter, "--inbox", str(inbox), "--db", str(db), "--out", str(out),
                  env=world["env"], cwd=world["base"])
    assert res.returncode == 0, res.stderr[-3000:]
    return res


def export(world, db: Path, quarter: str, tmp_path: Path) -> pl.DataFrame:
    path = tmp_path / f"ekspor_{quarter}_{len(list(tmp_path.glob('ekspor_*')))}.csv"
    res = run_cli("export", "--quarter", quarter, "--db", str(db), "--out", str(path), env=world["env"],
                  cwd=world["base"])
    assert res.returncode == 0, res.stderr[-2000:]
    return pl.read_csv(path, infer_schema=False)


def decision_quarantine(out: Path) -> pl.DataFrame:
    frame = pl.read_csv(out / "karantina.csv", infer_schema=False)
    return frame.filter(pl.col("sumber_file").str.starts_with("keputusan"))


def status_of(frame: pl.DataFrame, nik: str) -> tuple[str, str | None]:
    row = frame.filter(pl.col("nik") == nik)
    assert row.height == 1, nik
    return row["status"][0], row["kode_tms"][0]


def fill_workbook(source: Path, target: Path, decisions: dict[str, str], note: dict[str, str]) -> int:
    """What an official does in Excel: choose SETUJU/TOLAK (and write a note) on the Verifikasi sheet."""
    wb = openpyxl.load_workbook(source)
    ws = wb["Verifikasi"]
    header = next(r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == "NO")
    captions = [c.value for c in ws[header]]
    col_id, col_dec, col_note = (captions.index(c) + 1 for c in ("ID VERIFIKASI", "KEPUTUSAN", "CATATAN"))
    filled = 0
    for row in range(header + 1, ws.max_row + 1):
        rid = ws.cell(row, col_id).value
        if rid in decisions:
            ws.cell(row, col_dec).value = decisions[rid]
            filled += 1
        if rid in note:
            ws.cell(row, col_note).value = note[rid]
    wb.save(target)
    return filled


def test_every_kind_of_item_is_in_the_queue(world):
    queue, cases = world["queue"], world["cases"]
    assert {"TMS", "GANDA", "UBAH", "TAMBAH"} <= set(queue["tindakan"])
    assert {"1", "2", "4", "6"} <= set(queue["kode_tms_usulan"].drop_nulls())
    ganda = queue.filter(pl.col("tindakan") == "GANDA")
    # Both records: the candidate to remove and the other voter, who stays.
    planted = ganda.filter(pl.col("nik_kandidat") == cases["kembar"]["nik"])
    assert planted["nik_sumber"].to_list() == [cases["ganda"]["nik"]]
    assert planted["nama_sumber"].to_list() == [cases["ganda"]["nama"]]
    # Any other ganda item is one of the sample's labelled people registered under two NIKs.
    labelled = pl.read_csv(world["info"].out_dir / "labels" / "ganda.csv", infer_schema=False)
    known = {frozenset(pair) for pair in labelled.select("nik_a", "nik_b").iter_rows()}
    others = ganda.filter(pl.col("nik_kandidat") != cases["kembar"]["nik"])
    assert all(frozenset(pair) in known for pair in others.select("nik_kandidat", "nik_sumber").iter_rows())
    ubah = queue.filter(pl.col("tindakan") == "UBAH").row(0, named=True)
    assert '"alamat": "JL. TIDAR NO. 9"' in ubah["nilai_usulan"]
    assert '"alamat": ' in ubah["nilai_lama"]
    conflict = queue.filter(pl.col("sumber_file") == "kematian_konflik.csv").row(0, named=True)
    assert conflict["nik_sumber"] == conflict["nik_kandidat"] == cases["mati"]["nik"]
    assert conflict["nama_sumber"] == "RADEN MAS GATOTKACA" and conflict["tanggal_lahir_sumber"] == "1961-01-17"


def test_all_setuju_in_returned_desa_workbooks_then_the_file_is_gone(world, tmp_path):
    queue, cases = world["queue"], world["cases"]
    db, inbox, out = branch(world, tmp_path)
    chosen = official_decisions(queue, setuju=True)
    decisions = dict(chosen.iter_rows())
    reports = queue.select("sumber_file", "sumber_baris").unique().height
    filled = 0
    # Every desa workbook comes back whole, also those whose Verifikasi sheet is empty.
    for path in sorted((world["out"] / Q1 / "desa").glob("*.xlsx")):
        filled += fill_workbook(path, inbox / f"keputusan_{path.name}", decisions, {})
    assert filled == queue.height
    # A second SETUJU on another candidate of a report that already has one.
    death = queue.filter(pl.col("sumber_file") == "kematian_desa_2026_Q1.csv")
    several = death.filter(pl.len().over("sumber_baris") > 1)
    first, second = several.row(0, named=True), several.row(1, named=True)
    pl.DataFrame({"ID VERIFIKASI": [second["id_verifikasi"]], "KEPUTUSAN": ["SETUJU"]}).write_csv(
        inbox / "keputusan_zz_susulan.csv")

    run(world, Q1, inbox, db, out)
    changes = pl.read_csv(out / Q1 / "perubahan.csv", infer_schema=False)
    assert changes.filter(pl.col("keputusan") == "VERIFIKASI").height == reports
    karantina = decision_quarantine(out / Q1)
    assert karantina.height == 1 and karantina["nilai"][0] == second["id_verifikasi"]
    assert first["id_verifikasi"] in karantina["alasan"][0]
    assert pl.read_csv(out / Q1 / "verifikasi.csv", infer_schema=False).height == 0
    voters = export(world, db, Q1, tmp_path)
    assert status_of(voters, cases["kembar"]["nik"]) == ("TMS", "2")
    assert status_of(voters, cases["ganda"]["nik"]) == ("AKTIF", None)
    assert status_of(voters, cases["mati"]["nik"]) == ("TMS", "1")
    assert status_of(voters, cases["pindah"]["nik"]) == ("TMS", "4")
    assert status_of(voters, cases["tni"]["nik"]) == ("TMS", "6")
    fixed = voters.filter(pl.col("nik") == cases["perbaikan"]["nik"])
    assert fixed["status"][0] == "AKTIF" and fixed["nama"][0] == "KRISTINA MARGARETHA"
    added = voters.filter(pl.col("nama") == "DEWI ANGGRAINI LESTARI")
    assert added.height == 1 and added["status"][0] == "AKTIF"
    look_alike = voters.filter(pl.col("nama") == cases["mirip"]["nama"])
    assert sorted(look_alike["status"]) == ["AKTIF", "AKTIF"]

    # The files leave the inbox; one later decision changes the correction to TOLAK.
    for path in inbox.glob("keputusan_*"):
        path.unlink()
    ubah = queue.filter(pl.col("tindakan") == "UBAH")["id_verifikasi"][0]
    pl.DataFrame({"ID VERIFIKASI": [ubah], "KEPUTUSAN": ["TOLAK"]}).write_csv(inbox / "keputusan_ralat.csv")
    res = run(world, Q1, inbox, db, tmp_path / "out2")
    log = res.stdout + res.stderr
    assert "tidak ada lagi di kotak masuk" in log and f"keputusan {ubah} berubah: SETUJU" in log
    again = export(world, db, Q1, tmp_path)
    unchanged = pl.col("nik") != cases["perbaikan"]["nik"]
    assert again.filter(unchanged).equals(voters.filter(unchanged))
    assert again.filter(~unchanged)["nama"][0] == cases["perbaikan"]["nama"]


def test_all_tolak_then_the_next_quarter(world, tmp_path):
    queue, cases = world["queue"], world["cases"]
    db, inbox, out = branch(world, tmp_path)
    pindah = queue.filter(pl.col("sumber_file") == "pindah_keluar_konflik.csv")["id_verifikasi"][0]
    tni = queue.filter(pl.col("sumber_file") == "tni_polri_konflik.csv")["id_verifikasi"][0]
    decided = official_decisions(queue, setuju=False).with_columns(
        # Two items are left blank (not decided yet); one of them gets a note.
        pl.when(pl.col("ID VERIFIKASI").is_in([pindah, tni])).then(None).otherwise(pl.col("KEPUTUSAN"))
        .alias("KEPUTUSAN"),
        pl.when(pl.col("ID VERIFIKASI") == pindah).then(pl.lit("tanya ketua RT")).alias("CATATAN"),
    )
    decided.write_csv(inbox / "keputusan_pps.csv")
    before = export(world, world["db"], Q1, tmp_path)
    run(world, Q1, inbox, db, out)
    changes = pl.read_csv(out / Q1 / "perubahan.csv", infer_schema=False)
    assert changes.filter(pl.col("keputusan") == "VERIFIKASI").height == 0
    assert decision_quarantine(out / Q1).height == 0
    assert export(world, db, Q1, tmp_path).equals(before)
    left = pl.read_csv(out / Q1 / "verifikasi.csv", infer_schema=False)
    assert sorted(left["id_verifikasi"]) == sorted([pindah, tni])
    assert left.filter(pl.col("id_verifikasi") == pindah)["catatan"][0] == "tanya ketua RT"

    # Next quarter: the file is not there; the TNI item is decided from last quarter's sheet.
    inbox2 = tmp_path / "inbox2"
    shutil.copytree(world["info"].inbox[Q2], inbox2)
    pl.DataFrame({"ID VERIFIKASI": [tni], "KEPUTUSAN": ["SETUJU"]}).write_csv(inbox2 / "keputusan_q1.csv")
    run(world, Q2, inbox2, db, out)
    q2 = pl.read_csv(out / Q2 / "verifikasi.csv", infer_schema=False)
    rejected = set(decided.filter(pl.col("KEPUTUSAN") == "TOLAK")["ID VERIFIKASI"])
    assert not rejected & set(q2["id_verifikasi"])
    assert q2.filter(pl.col("nik_kandidat") == cases["kembar"]["nik"]).height == 0  # the rejected ganda pair
    carried = q2.filter(pl.col("id_verifikasi") == pindah).row(0, named=True)
    assert carried["dibawa_dari"] == Q1 and carried["catatan"] == "tanya ketua RT"
    assert tni not in set(q2["id_verifikasi"])
    voters = export(world, db, Q2, tmp_path)
    assert status_of(voters, cases["tni"]["nik"]) == ("TMS", "6")
    assert status_of(voters, cases["pindah"]["nik"]) == ("AKTIF", None)
    assert status_of(voters, cases["kembar"]["nik"]) == ("AKTIF", None)
