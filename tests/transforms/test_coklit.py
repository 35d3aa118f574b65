"""Returned coklit terbatas lists read back through the quarter: MS keeps the voter (TOLAK of a TMS
item), TMS 1 removes the voter (SETUJU) with the visit as evidence, TIDAK DIKENAL removes nobody
and keeps the item in the queue, an unknown value is quarantined; every row is accounted for."""

from __future__ import annotations

import json
import logging
import shutil

import openpyxl
import polars as pl
import pytest

from flows.init import run_init
from flows.quarter import PLAIN, run_quarter
from reports.export import export_frame
from transforms.ingest import ingest
from transforms import store
from transforms.synth import generate_sample

pytestmark = pytest.mark.slow  # runs whole quarters through the pipeline or the CLI

QUARTER = "2026-Q1"
KOTA = "33.71"


def _rows(ws):
    h = next(r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == "NO")
    head = [c.value for c in ws[h]]
    return h, head, [r for r in ws.iter_rows(min_row=h + 1) if r[0].value is not None]


def test_returned_coklit_outcomes_are_applied_like_decisions(tmp_path):
    info = generate_sample(tmp_path / "sampel", n_voters=1000, seed=3, kode_kabupaten=KOTA, first_quarter=QUARTER,
                           hard_cases=True)
    db, out = tmp_path / "pdpb.duckdb", tmp_path / "out"
    log = logging.getLogger("test.coklit")
    run_init(voters=info.baseline, db=db, out=out, kabupaten=KOTA, as_of=info.as_of, ingest=ingest, logger=log)
    run_quarter(quarter=QUARTER, inbox=info.inbox[QUARTER], db=db, out=out, steps=PLAIN, logger=log)

    # The TMS 1 proposals of every desa list, each row with its list, in a returned copy of the lists;
    # one item per reported row (approving one candidate of a report settles its other candidates).
    source = {r["id_verifikasi"]: (r["sumber_file"], r["sumber_baris"]) for r in
              pl.read_csv(out / QUARTER / "verifikasi.csv", infer_schema=False).iter_rows(named=True)}
    books, targets, seen = {}, [], set()
    for path in sorted((out / QUARTER / "coklit").glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        h, head, rows = _rows(wb.active)
        books[path.name] = (wb, head)
        for r in rows:
            key = source[r[head.index("ID VERIFIKASI")].value]
            if r[head.index("ALASAN KUNJUNGAN")].value.startswith("Usulan TMS 1") and key not in seen:
                seen.add(key)
                targets.append((path.name, r))
    assert len(targets) >= 4
    fills = ["MS", "TMS 1", "TIDAK DIKENAL", "MATI"]
    picked = {}
    for (name, row), value in zip(targets, fills):
        head = books[name][1]
        row[head.index("HASIL COKLIT")].value = value
        picked[value] = (name, row[0].row, row[head.index("ID VERIFIKASI")].value,
                         int(row[head.index("ID PEMILIH")].value), row[head.index("NIK")].value)
    inbox = tmp_path / "inbox"
    shutil.copytree(info.inbox[QUARTER], inbox)
    returned = {}
    for name, (wb, _) in books.items():
        if any(p[0] == name for p in picked.values()):
            returned[name] = f"coklit_{name}"
            wb.save(inbox / returned[name])

    # A voter row (no review item) as a CSV: TMS 4 and TIDAK DIKENAL for two voters no item is about.
    con = store.connect(db, read_only=True)
    try:
        before = export_frame(con, store.quarter_index(QUARTER))
    finally:
        con.close()
    in_queue = set(pl.read_csv(out / QUARTER / "verifikasi.csv", infer_schema=False)["nik_kandidat"].drop_nulls())
    free = before.filter((pl.col("status") == "AKTIF") & ~pl.col("nik").is_in(list(in_queue))).head(2)
    moved, unknown = free.rows(named=True)
    pl.DataFrame({"ID PEMILIH": [str(moved["id_pemilih"]), str(unknown["id_pemilih"])],
                  "NAMA": [moved["nama"], unknown["nama"]], "HASIL COKLIT": ["tms 4", "Tidak  dikenal"]}
                 ).write_csv(inbox / "coklit_tambahan.csv")
    returned["tambahan"] = "coklit_tambahan.csv"

    run_quarter(quarter=QUARTER, inbox=inbox, db=db, out=out, steps=PLAIN, logger=log)

    con = store.connect(db, read_only=True)
    try:
        voters = export_frame(con, store.quarter_index(QUARTER))
    finally:
        con.close()
    status = {r["id_pemilih"]: (r["status"], r["kode_tms"]) for r in voters.iter_rows(named=True)}
    assert status[picked["MS"][3]] == ("AKTIF", None)
    assert status[picked["TMS 1"][3]] == ("TMS", 1)
    assert status[picked["TIDAK DIKENAL"][3]] == ("AKTIF", None)
    assert status[picked["MATI"][3]] == ("AKTIF", None)
    assert status[moved["id_pemilih"]] == ("TMS", 4)
    assert status[unknown["id_pemilih"]] == ("AKTIF", None)

    folder = out / QUARTER
    perubahan = pl.read_csv(folder / "perubahan.csv", infer_schema=False)
    (change,) = perubahan.filter(pl.col("nik") == picked["TMS 1"][4]).iter_rows(named=True)
    name, baris = returned[picked["TMS 1"][0]], picked["TMS 1"][1]
    assert change["kategori"] == "TMS" and change["kode_tms"] == "1" and change["keputusan"] == "VERIFIKASI"
    assert f"COKLIT {name} BARIS {baris}".upper() in change["no_bukti"].upper()

    (change,) = perubahan.filter(pl.col("nik") == moved["nik"]).iter_rows(named=True)
    assert (change["kode_tms"], change["keputusan"], change["sumber_file"], change["sumber_baris"]) == (
        "4", "VERIFIKASI", "coklit_tambahan.csv", "2")
    assert "COKLIT_TAMBAHAN.CSV BARIS 2" in change["no_bukti"]

    queue = pl.read_csv(folder / "verifikasi.csv", infer_schema=False)
    ids = set(queue["id_verifikasi"].to_list())
    assert picked["MS"][2] not in ids and picked["TMS 1"][2] not in ids
    kept = queue.filter(pl.col("id_verifikasi") == picked["TIDAK DIKENAL"][2])
    assert kept.height == 1 and "tidak dikenal saat coklit" in kept["catatan"][0]
    (put,) = queue.filter(pl.col("nik_kandidat") == unknown["nik"]).iter_rows(named=True)
    assert put["kategori_usulan"] == "TMS" and "tidak dikenal saat coklit" in put["alasan"]

    karantina = pl.read_csv(folder / "karantina.csv", infer_schema=False)
    bad = karantina.filter(pl.col("sumber_file") == returned[picked["MATI"][0]])
    assert bad["sumber_baris"].to_list() == [str(picked["MATI"][1])]
    assert bad["kolom"][0] == "HASIL COKLIT" and "'MATI' tidak dikenal" in bad["alasan"][0]
    assert f"baris {picked['MATI'][1]} kolom HASIL COKLIT" in bad["alasan"][0]

    berkas = json.loads((folder / "ringkasan.json").read_text("utf-8"))["berkas"]
    for name in returned.values():
        b = berkas[name]
        assert b["dibaca"] == b["diterapkan"] + b["verifikasi"] + b["karantina"] + b["tanpa_perubahan"]
    total = {k: sum(berkas[n][k] for n in returned.values()) for k in ("diterapkan", "verifikasi", "karantina")}
    assert total == {"diterapkan": 2, "verifikasi": 2, "karantina": 1}
