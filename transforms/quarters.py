"""Quarter order: which quarter may run next, quarters skipped on purpose, and withdrawing the
latest quarter (`pdpb batal`). SPEC §3 "Quarter order".

The baseline loaded by `pdpb init` holds the quarter of its date; the first quarter after it is
the next one. A quarter may be skipped only when asked for (`--lewati-triwulan`) and the skip is
recorded, so that nobody later wonders where a quarter went.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from transforms import store
from transforms.errors import InputError

DILEWATI, DIBATALKAN = "DILEWATI", "DIBATALKAN"


@dataclass(frozen=True)
class Baseline:
    kuartal: int
    tanggal: date
    voters: str | None  # the file `pdpb init` read, for the message that shows how to redo it


@dataclass(frozen=True)
class RunPlan:
    """What a run of `kuartal` will do to the order of quarters."""

    kuartal: int
    replace: bool                 # a rerun of the latest applied quarter
    skipped: tuple[int, ...]      # quarters between the one before and this one, skipped on purpose


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(store.scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]))


def labels(quarters) -> str:
    return ", ".join(store.quarter_label(q) for q in quarters)


def baseline(con: duckdb.DuckDBPyConnection) -> Baseline:
    row = con.execute("SELECT kuartal, tanggal_acuan FROM kuartal ORDER BY kuartal LIMIT 1").fetchone()
    if row is None:
        raise InputError("basis data belum berisi daftar pemilih awal; jalankan dahulu `pdpb init --voters BERKAS`")
    voters = None
    params = store.scalar(con, "SELECT parameter FROM runs WHERE perintah = 'init' AND hasil = 'BERHASIL' "
                               "ORDER BY mulai DESC LIMIT 1")
    if params:
        voters = json.loads(params).get("voters")
    return Baseline(kuartal=int(row[0]), tanggal=row[1], voters=voters)


def skips_recorded_by(con: duckdb.DuckDBPyConnection, kuartal: int) -> set[int]:
    if not _has_table(con, "riwayat_kuartal"):
        return set()
    rows = con.execute("SELECT kuartal FROM riwayat_kuartal WHERE peristiwa = ? AND oleh_kuartal = ?",
                       [DILEWATI, kuartal]).fetchall()
    return {r[0] for r in rows}


def plan_run(con: duckdb.DuckDBPyConnection, kuartal: int, *, lewati: bool = False, db: str = "") -> RunPlan:
    """The order check of `pdpb run`; InputError (exit 2) with the way out when `kuartal` may not run."""
    label = store.quarter_label(kuartal)
    base = baseline(con)
    applied = store.applied_quarters(con)
    latest = applied[-1]
    if kuartal <= base.kuartal:
        if len(applied) > 1:
            raise InputError(
                f"triwulan {label} tidak dapat dijalankan: daftar pemilih awal berlaku per {base.tanggal} dan "
                f"triwulan terakhir yang sudah diterapkan adalah {store.quarter_label(latest)}"
            )
        before = store.quarter_end(kuartal - 1)
        voters = base.voters or "BERKAS"
        raise InputError(
            f"triwulan {label} tidak sesudah daftar pemilih awal, yang berlaku per {base.tanggal} (triwulan "
            f"{store.quarter_label(base.kuartal)}); triwulan pertama yang dapat dijalankan adalah "
            f"{store.quarter_label(base.kuartal + 1)}. Bila daftar awal sebenarnya per {before}, muat ulang ke "
            f"basis data baru: pdpb init --voters {voters} --as-of {before}"
            + (f" (hapus dahulu {db}, atau beri --db lain)" if db else "")
        )
    if kuartal < latest:
        raise InputError(
            f"triwulan {label} lebih lama dari triwulan terakhir yang sudah diterapkan "
            f"({store.quarter_label(latest)}); hanya {store.quarter_label(latest)} yang boleh dijalankan ulang, "
            f"atau tarik dahulu dengan `pdpb batal --quarter {store.quarter_label(latest)}`"
        )
    replace = kuartal == latest
    previous = applied[-2] if replace else latest
    gap = tuple(range(previous + 1, kuartal))
    if gap and not lewati and not set(gap) <= skips_recorded_by(con, kuartal):
        raise InputError(
            f"triwulan {labels(gap)} belum dijalankan; jalankan dahulu `pdpb run --quarter "
            f"{store.quarter_label(previous + 1)}`, atau lewati dengan --lewati-triwulan (dicatat di basis data)"
        )
    return RunPlan(kuartal=kuartal, replace=replace, skipped=gap)


def record_skips(con: duckdb.DuckDBPyConnection, plan: RunPlan, id_run: str) -> None:
    """Inside the apply transaction: the quarters this run skips, once each."""
    if not plan.skipped:
        return
    known = skips_recorded_by(con, plan.kuartal)
    for q in plan.skipped:
        if q not in known:
            con.execute(
                "INSERT INTO riwayat_kuartal VALUES (?, ?, ?, ?, ?, ?)",
                [q, DILEWATI, plan.kuartal, id_run, datetime.now(),
                 f"dilewati oleh run triwulan {store.quarter_label(plan.kuartal)} (--lewati-triwulan)"],
            )


def check_withdraw(con: duckdb.DuckDBPyConnection, kuartal: int) -> None:
    label = store.quarter_label(kuartal)
    base = baseline(con)
    applied = store.applied_quarters(con)
    if kuartal == base.kuartal:
        raise InputError(f"triwulan {label} adalah daftar pemilih awal dan tidak dapat dibatalkan; untuk memulai "
                         "dari awal, muat daftar awal ke basis data baru dengan `pdpb init`")
    if kuartal not in applied:
        raise InputError(f"triwulan {label} belum diterapkan; triwulan yang sudah diterapkan: "
                         f"{labels(applied[1:]) or '(belum ada)'}")
    if kuartal != applied[-1]:
        raise InputError(f"hanya triwulan terakhir yang dapat dibatalkan ({store.quarter_label(applied[-1])}); "
                         f"batalkan dahulu triwulan sesudah {label}")


def withdraw(con: duckdb.DuckDBPyConnection, kuartal: int, id_run: str, keterangan: str = "") -> dict:
    """Withdraw the latest applied quarter in one transaction: the list goes back to its state before
    it, and the withdrawal is recorded. Returns the counts the quarter had."""
    check_withdraw(con, kuartal)
    counts = dict(con.execute(
        "SELECT kategori, count(*) FROM perubahan WHERE kuartal = ? GROUP BY kategori", [kuartal]
    ).fetchall())
    skipped = sorted(skips_recorded_by(con, kuartal))
    note = "; ".join(filter(None, [
        f"BARU {counts.get('BARU', 0)}, TMS {counts.get('TMS', 0)}, UBAH {counts.get('UBAH', 0)} ditarik",
        f"triwulan yang dilewatinya ({labels(skipped)}) dapat dijalankan lagi" if skipped else "",
        keterangan,
    ]))
    con.execute("BEGIN TRANSACTION")
    try:
        store.rollback_quarter(con, kuartal)
        con.execute("DELETE FROM riwayat_kuartal WHERE peristiwa = ? AND oleh_kuartal = ?", [DILEWATI, kuartal])
        con.execute("INSERT INTO riwayat_kuartal VALUES (?, ?, NULL, ?, ?, ?)",
                    [kuartal, DIBATALKAN, id_run, datetime.now(), note])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {"BARU": counts.get("BARU", 0), "TMS": counts.get("TMS", 0), "UBAH": counts.get("UBAH", 0),
            "dilewati": [store.quarter_label(q) for q in skipped]}


def check_export(con: duckdb.DuckDBPyConnection, kuartal: int) -> None:
    """`pdpb export` of a quarter that was not applied is refused: its list would be a guess."""
    applied = store.applied_quarters(con)
    if kuartal in applied:
        return
    names = [f"{store.quarter_label(applied[0])} (daftar awal)", *(store.quarter_label(q) for q in applied[1:])]
    raise InputError(f"triwulan {store.quarter_label(kuartal)} belum diterapkan; yang dapat diekspor: "
                     f"{', '.join(names)}")


def history(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Skipped and withdrawn quarters, newest first (for `pdpb status`)."""
    if not _has_table(con, "riwayat_kuartal"):
        return []
    rows = con.execute("SELECT kuartal, peristiwa, oleh_kuartal, pada, keterangan FROM riwayat_kuartal "
                       "ORDER BY pada DESC").fetchall()
    return [{"triwulan": store.quarter_label(k), "peristiwa": p,
             "oleh": store.quarter_label(o) if o is not None else None, "pada": pada, "keterangan": ket}
            for k, p, o, pada, ket in rows]
