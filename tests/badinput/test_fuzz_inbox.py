"""The real `pdpb run` on inboxes nobody here has seen: the sample's own extracts (xlsx and CSV,
as the generator writes them) mutated with nasty cells, extra and duplicated rows. Each run
ends with exit 0 or 2, no traceback, and every data row of every file accounted for in
ringkasan.json. Also: an unexpected failure inside one file, an inbox with no extract, a
folder named like an extract."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import random
import shutil
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from flows.cli import main
from flows.init import run_init
from transforms.ingest import ingest
from transforms import store
from transforms.read import read_extract
from transforms.synth import generate_sample

from .nasty import NASTY
from .test_cli_corpus import snapshot

pytestmark = pytest.mark.slow

KOTA = "33.71"  # Kota Magelang: 17 kelurahan keep each run's reports short
FUZZ_CASES = 8
QUARTER = "2026-Q1"


@pytest.fixture(scope="module")
def world(tmp_path_factory, prefect_harness):
    base = tmp_path_factory.mktemp("fuzz")
    info = generate_sample(base / "sampel", n_voters=2000, seed=14, kode_kabupaten=KOTA, first_quarter=QUARTER,
                           messy=True, hard_cases=True)
    db = base / "awal.duckdb"
    run_init(voters=info.baseline, db=db, out=base / "out-awal", kabupaten=KOTA, as_of=info.as_of, ingest=ingest,
             logger=logging.getLogger("t"))
    return base, db, info.inbox[QUARTER]


def _fresh_db(base: Path, db: Path, name: str) -> Path:
    copy = base / f"{name}.duckdb"
    shutil.copy(db, copy)
    return copy


def run(capfd, inbox: Path, db: Path, out: Path) -> tuple[int, str]:
    code = main(["run", "--quarter", QUARTER, "--inbox", str(inbox), "--db", str(db), "--out", str(out)])
    captured = capfd.readouterr()
    return code, captured.out + captured.err


# --- mutation of the real extracts --------------------------------------------------------


def _nasty_value(rng: random.Random, xlsx: bool):
    u = rng.random()
    if xlsx and u < 0.15:  # what a workbook cell can hold besides text
        return rng.choice([3323011708750001, 3.32301e15, 332301170875000, 46054, -1, 0.5,
                           dt.datetime(2999, 1, 1), dt.datetime(1899, 12, 31), True])
    if u < 0.25:
        return rng.choice(["", None])
    return rng.choice(NASTY)


def _header_index(rows: list[list]) -> int:
    """The first row with at least three filled cells (the header; titles have one)."""
    for i, row in enumerate(rows[:30]):
        if sum(1 for c in row if c not in (None, "")) >= 3:
            return i
    return 0


def _mutate_rows(rows: list[list], rng: random.Random, xlsx: bool) -> tuple[list[list], int]:
    """Mutated data rows, and how many rows keep an untouched, filled name cell (a lower bound
    on the rows the pipeline must count, found without the pipeline's reader)."""
    h = _header_index(rows)
    header = [str(c or "").upper() for c in rows[h]]
    name_col = next((j for j, c in enumerate(header) if "NAMA" in c), None)
    out = rows[: h + 1]
    kept = 0
    for row in rows[h + 1:]:
        row = list(row)
        touched = set()
        if rng.random() < 0.3:
            for j in rng.sample(range(len(row)), k=min(len(row), rng.randint(1, 3))):
                row[j] = _nasty_value(rng, xlsx)
                touched.add(j)
        out.append(row)
        if name_col is not None and name_col not in touched and name_col < len(row) \
                and str(row[name_col] or "").strip():
            kept += 1
        if rng.random() < 0.03:
            out.append(list(row))  # the same row typed twice
            kept += 1 if name_col is not None and name_col not in touched and name_col < len(row) \
                and str(row[name_col] or "").strip() else 0
        if rng.random() < 0.02:
            out.append([None] * len(row))  # a blank row
    return out, kept


def _mutate_csv(src: Path, dst: Path, rng: random.Random) -> int:
    data = src.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    first = text.splitlines()
    sep = ";" if max(line.count(";") for line in first[:10]) > max(line.count(",") for line in first[:10]) else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    rows, kept = _mutate_rows(rows, rng, xlsx=False)
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator=rng.choice(["\n", "\r\n"])).writerows(
        [["" if c is None else str(c) for c in r] for r in rows]
    )
    dst.write_bytes(buf.getvalue().encode(rng.choice(["utf-8", "utf-8-sig"])))
    return kept


def _mutate_xlsx(src: Path, dst: Path, rng: random.Random) -> int:
    wb = openpyxl.load_workbook(src)
    ws = max(wb.worksheets, key=lambda s: s.max_row)
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    rows, kept = _mutate_rows(rows, rng, xlsx=True)
    for merged in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(merged))
    ws.delete_rows(1, ws.max_row)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            try:
                ws.cell(row=r, column=c, value=value)
            except (ValueError, openpyxl.utils.exceptions.IllegalCharacterError):
                ws.cell(row=r, column=c, value="?")
    wb.save(dst)
    return kept


def fuzzed_inbox(src: Path, dst: Path, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    dst.mkdir(parents=True)
    kept = {}
    for path in sorted(src.iterdir()):
        target = dst / path.name
        kept[path.name] = (_mutate_xlsx if path.suffix == ".xlsx" else _mutate_csv)(path, target, rng)
    (dst / "_catatan.csv").write_text("catatan operator\n")
    return kept


def test_fuzzed_real_extracts_end_clean(world, capfd):
    base, db0, inbox0 = world
    files = sorted(p.name for p in inbox0.iterdir())
    assert any(f.endswith(".xlsx") for f in files) and any(f.endswith(".csv") for f in files)
    codes = []
    for case in range(FUZZ_CASES):
        inbox = base / f"fuzz{case}"
        kept = fuzzed_inbox(inbox0, inbox, seed=1000 + case)
        db = _fresh_db(base, db0, f"fuzz{case}")
        before = snapshot(db)
        out = base / f"out{case}"
        code, text = run(capfd, inbox, db, out)
        codes.append(code)
        assert code in (0, 2), (case, text[-800:])
        assert "Traceback" not in text, (case, text[-2000:])
        if code == 2:
            lines = [line for line in text.splitlines() if line.startswith("pdpb:")]
            assert len(lines) == 1 and any(name in lines[0] for name in files), (case, lines)
            assert snapshot(db) == before
            continue
        berkas = json.loads((out / QUARTER / "ringkasan.json").read_text())["berkas"]
        assert set(berkas) == set(files), case
        karantina = pl.read_csv(out / QUARTER / "karantina.csv", infer_schema=False)
        for name in files:
            counts = berkas[name]
            outcomes = counts["diterapkan"] + counts["verifikasi"] + counts["karantina"] + counts["tanpa_perubahan"]
            assert outcomes == counts["dibaca"], (case, name, counts)
            assert counts["dibaca"] == read_extract(inbox / name).frame.height, (case, name)
            assert counts["dibaca"] >= kept[name], (case, name, counts, kept[name])
            rows = karantina.filter(pl.col("sumber_file") == name).get_column("sumber_baris").cast(pl.Int64)
            assert rows.n_unique() == counts["karantina"], (case, name)
    print(f"fuzz: {FUZZ_CASES} inboxes, exit codes {codes}")
    # The cases must exercise the pipeline, not only its refusals.
    assert codes.count(0) >= FUZZ_CASES // 2, codes


def test_unexpected_failure_names_the_file_and_applies_nothing(world, capfd, monkeypatch):
    import transforms.ingest

    base, db0, inbox0 = world
    db = _fresh_db(base, db0, "panik")
    before = snapshot(db)
    target = sorted(inbox0.iterdir())[1].name

    real = transforms.ingest.parse_extract

    def broken(raw, kind, ctx):
        if raw.file_name == target:
            raise pl.exceptions.PanicException("assertion failed: i < self.len()")
        return real(raw, kind, ctx)

    monkeypatch.setattr(transforms.ingest, "parse_extract", broken)
    code, text = run(capfd, inbox0, db, base / "out-panik")
    assert code == 2, text[-800:]
    assert "Traceback" not in text and "assertion failed" not in text
    lines = [line for line in text.splitlines() if line.startswith("pdpb:")]
    assert len(lines) == 1 and target in lines[0] and "tidak dapat dibaca" in lines[0], lines
    assert snapshot(db) == before


@pytest.mark.parametrize("contents", [["_catatan.csv"], []])
def test_inbox_without_extract_is_a_quarter(world, capfd, caplog, contents):
    base, db0, _ = world
    name = "kosong" + str(len(contents))
    inbox = base / f"inbox-{name}"
    inbox.mkdir()
    for f in contents:
        (inbox / f).write_text("catatan: tidak ada data dari Disdukcapil triwulan ini\n")
    db = _fresh_db(base, db0, name)
    out = base / f"out-{name}"
    code, text = run(capfd, inbox, db, out)
    assert code == 0, text[-800:]
    assert "tidak ada berkas dari instansi" in caplog.text + text
    ringkasan = json.loads((out / QUARTER / "ringkasan.json").read_text())
    assert ringkasan["berkas"] == {}
    assert ringkasan["rekonsiliasi"]["seimbang"]
    assert (out / QUARTER / "rekap_kabupaten.xlsx").is_file()
    assert store.quarter_index(QUARTER) in snapshot(db)[0]


def test_folder_named_like_an_extract_is_named(world, capfd):
    base, db0, inbox0 = world
    inbox = base / "inbox-folder"
    shutil.copytree(inbox0, inbox)
    (inbox / "kematian_januari").mkdir()
    (inbox / "arsip").mkdir()  # any other folder is left alone
    db = _fresh_db(base, db0, "folder")
    code, text = run(capfd, inbox, db, base / "out-folder")
    assert code == 2
    lines = [line for line in text.splitlines() if line.startswith("pdpb:")]
    assert len(lines) == 1 and "kematian_januari" in lines[0] and "folder" in lines[0], lines


def test_siak_death_export_applies_with_its_akta_number(world, capfd):
    """A SIAK death export (its own column names and codes, the place as NO_PROP..NO_KEL) removes
    the voter, and the akta number is on the change as its evidence."""
    base, db0, _ = world
    db = _fresh_db(base, db0, "siak")
    con = store.connect(db, read_only=True)
    try:
        v = store.current_list(con).filter(pl.col("status") == "AKTIF").sort("id_pemilih").row(7, named=True)
    finally:
        con.close()
    inbox = base / "inbox-siak"
    inbox.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["NIK", "NAMA_LGKP", "TGL_LHR", "JENIS_KLMIN", "NO_PROP", "NO_KAB", "NO_KEC", "NO_KEL", "AKTA_KMTN",
               "NO_AKTA_KMTN", "TGL_KMTN"])
    prop, kab, kec, kel = (int(x) for x in v["kode_desa"].split("."))
    ws.append([v["nik"], v["nama"], v["tanggal_lahir"].strftime("%d-%m-%Y"), 1 if v["jenis_kelamin"] == "L" else 2,
               prop, kab, kec, kel, 2, "3371-KM-15022026-0001", dt.datetime(2026, 2, 15)])
    wb.save(inbox / "kematian_siak.xlsx")
    out = base / "out-siak"
    code, text = run(capfd, inbox, db, out)
    assert code == 0, text[-800:]
    changes = pl.read_csv(out / QUARTER / "perubahan.csv", infer_schema=False)
    death = changes.filter(pl.col("sumber_file") == "kematian_siak.xlsx")
    assert death.select("kategori", "kode_tms", "nik", "no_bukti").rows() == [
        ("TMS", "1", v["nik"], "3371-KM-15022026-0001")
    ]
