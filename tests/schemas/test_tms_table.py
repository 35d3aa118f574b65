"""`tms_table` in pdpb.toml: a kabupaten that switches its TMS code table sees that table's labels
and descriptions in its reports, and a table that does not exist is refused in one line."""

from __future__ import annotations

import csv
import logging
import shutil
from pathlib import Path

import openpyxl
import pytest

from flows.init import run_init
from flows.quarter import PLAIN, ingest, run_quarter
from flows.settings import load_settings
from schemas.tables import HERE as SCHEMAS
from transforms.errors import InputError

QUARTER = "2026-Q1"
KOTA = "33.71"  # Kota Magelang: 17 kelurahan, a quarter in seconds
LABEL, KETERANGAN = "Wafat", "Telah wafat menurut akta kematian"


def _texts(folder: Path) -> set[str]:
    """Every text a user can read in the quarter's workbooks, CSV, JSON and Markdown files."""
    texts = set()
    for path in folder.rglob("*"):
        if path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path, read_only=True)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    texts.update(v for v in row if isinstance(v, str))
            wb.close()
        elif path.suffix in (".csv", ".json", ".md"):
            texts.update(path.read_text(encoding="utf-8").splitlines())
    return texts


@pytest.fixture(scope="module")
def runs(tmp_path_factory, kota_sample):
    """The same quarter run on the same list, once with the default table and once with a copy
    whose code 1 has another label and description."""
    base = tmp_path_factory.mktemp("tms_table")
    info = kota_sample
    log = logging.getLogger("test.tms_table")
    with (SCHEMAS / "tms.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["kode"] == "1"
    rows[0].update(label=LABEL, keterangan=KETERANGAN)
    switched = base / "berganti"
    switched.mkdir()
    with (switched / "tms_lama.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    (switched / "pdpb.toml").write_text('tms_table = "tms_lama.csv"\n', encoding="utf-8")
    default = base / "bawaan"
    default.mkdir()

    db = base / "awal.duckdb"
    run_init(voters=info.baseline, db=db, out=base / "out-awal", kabupaten=KOTA, as_of=info.as_of, ingest=ingest,
             logger=log)
    folders = {}
    mp = pytest.MonkeyPatch()
    try:
        for cwd in (default, switched):
            mp.chdir(cwd)  # pdpb.toml is read from the working directory, as `pdpb run` does
            shutil.copy(db, cwd / "pdpb.duckdb")
            run_quarter(quarter=QUARTER, inbox=info.inbox[QUARTER], db=cwd / "pdpb.duckdb", out=cwd / "out",
                        steps=PLAIN, logger=log)
            folders[cwd.name] = cwd / "out" / QUARTER
    finally:
        mp.undo()
    return folders["bawaan"], folders["berganti"]


@pytest.mark.slow
def test_switched_table_labels_the_reports(runs):
    default, switched = runs
    before, after = _texts(default), _texts(switched)
    assert "TMS kode 1: Meninggal" in before and "TMS kode 1: Meninggal" not in after
    assert "TMS kode 1: Wafat" in after and "TMS kode 1: Wafat" not in before
    # The public lists give the description of the code.
    assert KETERANGAN in after and KETERANGAN not in before
    assert any("1 Wafat" in t for t in after) and not any("1 Wafat" in t for t in before)


@pytest.mark.slow
def test_switched_table_changes_only_the_words(runs):
    """The same changes are applied: the table names the codes, it does not decide them."""
    default, switched = runs
    for name in ("perubahan.csv", "verifikasi.csv", "karantina.csv"):
        assert (default / name).read_bytes() == (switched / name).read_bytes(), name


def test_missing_table_is_refused(tmp_path, monkeypatch):
    (tmp_path / "pdpb.toml").write_text('tms_table = "tidak_ada.csv"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as exc:
        load_settings()
    assert "tidak_ada.csv" in str(exc.value) and "pdpb.toml" in str(exc.value)
