"""Synthetic kabupaten: a baseline voter list, quarterly inbox extracts and the expected results.

It is the oracle of the test suite, `pdpb demo` and the benchmark: the labels under
`labels/` say what the pipeline must produce for every input row. The business rules are
written here on their own (see transforms/synth/events.py), not taken from the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from transforms.synth.cases import CaseMaker
from transforms.synth.draw import load_region
from transforms.synth.events import QuarterBuilder
from transforms.synth.model import (
    DESA_REPORT_COLUMNS,
    FILE_COLUMNS,
    KINDS,
    QuarterEvents,
    State,
    next_quarter,
    previous_quarter_end,
    quarter_dates,
    resolve_rates,
)
from transforms.synth.planted import GANDA_DUA_NIK
from transforms.synth.population import make_population

BASELINE_COLUMNS = ("nkk", "nik", "nama", "tempat_lahir", "tanggal_lahir", "status_kawin", "jenis_kelamin",
                    "alamat", "rt", "rw", "disabilitas", "kode_desa", "tps")
BARIS_COLUMNS = ("sumber_file", "sumber_baris", "hasil", "kategori", "kode_tms", "nik_target", "kasus", "nik_benar",
                 "tanggal_lahir_benar", "kode_desa_benar")
PERUBAHAN_COLUMNS = ("kategori", "kode_tms", "nik", "kode_desa", "kode_desa_lama", "kolom_diubah", "sumber_file",
                     "sumber_baris")
EKSPOR_COLUMNS = ("nik", "nama", "jenis_kelamin", "tanggal_lahir", "kode_desa", "status", "kode_tms")


@dataclass(frozen=True)
class SampleInfo:
    """Where a generated sample lives."""

    out_dir: Path
    baseline: Path  # pemilih.csv
    as_of: date  # last day of the quarter before the first one
    quarters: list[str]
    inbox: dict[str, Path]  # quarter -> inbox folder
    labels: dict[str, Path]  # quarter -> label folder
    awal: Path  # labels/awal.csv
    kode_kabupaten: str
    n_voters: int  # rows of the baseline file (duplicates included)


def generate_sample(
    out_dir: Path,
    *,
    n_voters: int = 100_000,
    seed: int = 1,
    kode_kabupaten: str = "33.23",
    first_quarter: str = "2026-Q1",
    n_quarters: int = 1,
    messy: bool = False,
    hard_cases: bool = False,
    event_rates: dict | None = None,
) -> SampleInfo:
    """Write a baseline list, `n_quarters` inboxes and their labels under `out_dir`.

    The same arguments give byte-identical files.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rates = resolve_rates(event_rates)
    region = load_region(kode_kabupaten)
    as_of = previous_quarter_end(first_quarter)
    first_acuan = quarter_dates(first_quarter)[1]
    pop = make_population(rng, region, n_voters, as_of, first_acuan, hard_cases=hard_cases)
    voters = pop.voters.with_columns(pl.lit("AKTIF").alias("status"), pl.lit(None, dtype=pl.Int64).alias("kode_tms"))

    baseline = out_dir / "pemilih.csv"
    _write_csv(_baseline_frame(voters), baseline)
    label_root = out_dir / "labels"
    label_root.mkdir(exist_ok=True)
    awal = label_root / "awal.csv"
    _write_csv(_awal_frame(voters), awal)
    _write_csv(_two_nik_frame(voters), label_root / "ganda.csv")

    state = State(voters=voters, region=region, reg_nik=pop.registry_nik, reg_nkk=pop.registry_nkk,
                  next_rumah=int(voters["rumah"].max()) + 1)
    quarters, inboxes, labels = [], {}, {}
    quarter = first_quarter
    for _ in range(n_quarters):
        events = simulate_quarter(state, quarter, rng, rates, hard_cases=hard_cases, messy=messy)
        inbox = out_dir / "inbox" / quarter
        label_dir = label_root / quarter
        inbox.mkdir(parents=True, exist_ok=True)
        label_dir.mkdir(parents=True, exist_ok=True)
        if messy:
            from transforms.synth.messy import write_messy_inbox

            placed = write_messy_inbox(events, inbox, rng, region)
        else:
            placed = write_clean_inbox(events, inbox)
        _write_labels(events, placed, state, label_dir)
        quarters.append(quarter)
        inboxes[quarter] = inbox
        labels[quarter] = label_dir
        quarter = next_quarter(quarter)
    return SampleInfo(out_dir=out_dir, baseline=baseline, as_of=as_of, quarters=quarters, inbox=inboxes,
                      labels=labels, awal=awal, kode_kabupaten=kode_kabupaten, n_voters=voters.height)


def simulate_quarter(state: State, quarter: str, rng: np.random.Generator, rates: dict[str, float],
                     hard_cases: bool = False, messy: bool = False) -> QuarterEvents:
    """One quarter's events drawn on `state`, the hard and messy cases planted among them, then
    applied to `state`: the list the next quarter starts from."""
    b = QuarterBuilder(state, quarter, rng, rates)
    list_changes = b.check_list()
    b.draw()
    if messy or hard_cases:
        cases = CaseMaker(b)
        if hard_cases:
            cases.hard_cases()
        if messy:
            cases.messy_rows()
    b.shuffle()
    b.apply()
    return QuarterEvents(quarter=quarter, tanggal_acuan=b.acuan, rows=b.rows, list_changes=list_changes)


# --------------------------------------------------------------------------- writers


def _write_csv(frame: pl.DataFrame, path: Path) -> None:
    # An empty cell, not "": blank means "no value" (and "no change" in a perbaikan file).
    text = [c for c, t in frame.schema.items() if t == pl.Utf8]
    frame = frame.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in text)
    frame.write_csv(path, line_terminator="\n")


def _baseline_frame(voters: pl.DataFrame) -> pl.DataFrame:
    return voters.select(
        *[pl.col(c).dt.strftime("%Y-%m-%d") if c == "tanggal_lahir" else pl.col(c) for c in BASELINE_COLUMNS]
    )


def _awal_frame(voters: pl.DataFrame) -> pl.DataFrame:
    """Baseline facts: rows that repeat a NIK already listed (ganda) and under-age voters."""
    facts = voters.filter(pl.col("ganda") | pl.col("bawah_umur"))
    repeated = facts.filter(pl.col("ganda"))["nik"].implode()
    first_row = (
        voters.filter(pl.col("nik").is_in(repeated) & ~pl.col("ganda"))
        .select("nik", pl.col("baris").alias("baris_asli"))
    )
    facts = facts.join(first_row, on="nik", how="left", maintain_order="left")
    return facts.select(
        pl.col("baris").alias("sumber_baris"),
        "nik",
        pl.when(pl.col("ganda")).then(pl.lit("ganda")).otherwise(pl.lit("bawah_umur")).alias("fakta"),
        pl.when(pl.col("ganda")).then(2).otherwise(3).alias("kode_tms"),
        pl.when(pl.col("ganda")).then(pl.col("baris_asli")).otherwise(None).alias("baris_asli"),
    )


def _two_nik_frame(voters: pl.DataFrame) -> pl.DataFrame:
    """The people registered twice under two NIKs: rows of pemilih.csv (first, second) and
    what was changed on the second record."""
    marked = voters.filter(pl.col("khusus") == GANDA_DUA_NIK).sort("baris")
    fields = ["nama", "tanggal_lahir", "alamat", "nkk", "kode_desa"]
    pairs = marked.group_by("pasangan").agg(
        baris_a=pl.col("baris").first(), baris_b=pl.col("baris").last(), nik_a=pl.col("nik").first(),
        nik_b=pl.col("nik").last(), n=pl.len(),
        **{f"_{f}": pl.col(f).first().ne_missing(pl.col(f).last()) for f in fields},
    ).filter(pl.col("n") == 2)
    changed = pl.concat_list([pl.when(pl.col(f"_{f}")).then(pl.lit(f)) for f in fields]).list.drop_nulls()
    return pairs.with_columns(perubahan=changed.list.join("+")).select(
        "baris_a", "baris_b", "nik_a", "nik_b", "perubahan"
    ).sort("baris_a")


def file_name(kind: str, quarter: str, ext: str) -> str:
    return f"{kind}_{quarter.replace('-', '_')}.{ext}"


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _clean_value(field: str, row: dict) -> str | None:
    raw = row["_raw"]
    if field in raw:
        return raw[field]
    value = row.get(field)
    if field == "nik" and value is not None:
        if row["_nik_mode"] == "hilang":
            return None
        if row["_nik_mode"] == "numerik":  # what a spreadsheet saves for a 16-digit number
            return f"{float(value):.5E}"
    return _cell_text(value)


def write_clean_inbox(events: QuarterEvents, inbox: Path) -> list[tuple[str, list[dict], list[int]]]:
    """Canonical CSV, header on line 1, one row per event. Returns (file name, rows, row numbers)."""
    placed = []
    for kind in KINDS:
        groups: dict[str, list[dict]] = {"": []}
        for r in events.rows[kind]:
            groups.setdefault(r["_berkas"], []).append(r)
        for berkas, rows in sorted(groups.items()):
            name = file_name(kind + ("_desa" if berkas else ""), events.quarter, "csv")
            columns = DESA_REPORT_COLUMNS if berkas == "desa" else FILE_COLUMNS[kind]
            frame = pl.DataFrame({c: [_clean_value(c, r) for r in rows] for c in columns},
                                 schema={c: pl.Utf8 for c in columns})
            _write_csv(frame, inbox / name)
            placed.append((name, rows, [i + 2 for i in range(len(rows))]))
    return placed


def _write_labels(events: QuarterEvents, placed: list, state: State, label_dir: Path) -> None:
    baris, changes = [], list(events.list_changes)
    for name, rows, numbers in placed:
        for r, line in zip(rows, numbers):
            baris.append({
                "sumber_file": name, "sumber_baris": line, "hasil": r["_hasil"], "kategori": r["_kategori"],
                "kode_tms": r["_kode_tms"], "nik_target": r["_nik_target"], "kasus": r["_kasus"],
                "nik_benar": r["_nik_benar"], "tanggal_lahir_benar": _cell_text(r["_tanggal_lahir_benar"]),
                "kode_desa_benar": r["_kode_desa_benar"],
            })
            if r["_hasil"] == "diterapkan":
                changes.append({
                    "kategori": r["_kategori"], "kode_tms": r["_kode_tms"], "nik": r["_nik_target"],
                    "kode_desa": r["_kode_desa_benar"], "kode_desa_lama": r["_kode_desa_lama"],
                    "kolom_diubah": r["_kolom_diubah"], "sumber_file": name, "sumber_baris": line,
                })
    baris_schema = {c: pl.Utf8 for c in BARIS_COLUMNS} | {"sumber_baris": pl.Int64, "kode_tms": pl.Int64}
    _write_csv(pl.DataFrame(baris, schema=baris_schema, orient="row").sort("sumber_file", "sumber_baris"),
               label_dir / "baris.csv")
    change_schema = {c: pl.Utf8 for c in PERUBAHAN_COLUMNS} | {"sumber_baris": pl.Int64, "kode_tms": pl.Int64}
    _write_csv(pl.DataFrame(changes, schema=change_schema, orient="row").sort("sumber_file", "sumber_baris"),
               label_dir / "perubahan.csv")
    ekspor = state.voters.select(  # records stay in file order, new voters after
        "nik", "nama", "jenis_kelamin", pl.col("tanggal_lahir").dt.strftime("%Y-%m-%d"), "kode_desa", "status",
        "kode_tms",
    )
    _write_csv(ekspor, label_dir / "ekspor.csv")
