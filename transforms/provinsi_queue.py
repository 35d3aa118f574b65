"""What a province gives each kabupaten's run and takes back from it (SPEC §7): the open
cross-kabupaten items for its queue, the officials' decisions on them, and the one guard that
needs both sides at once: a pair whose two records were both approved for removal.

Each item of a same-NIK (or same-person) pair sits in the queue of the kabupaten whose record
it is about, and SETUJU strikes that record for the other to stay. Two SETUJU on the two
items of one pair, in the same quarter, would strike the person everywhere: both are held
(`hold_double_approvals`), both records stay, and the kabupaten runs are repeated with the
decisions set aside and the reason in their karantina.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import polars as pl

from transforms import store
from transforms.provinsi import DECISION_COLUMNS, LINTAS_ID_PREFIXES, QUEUE_FILE, _sql, connect_province
from transforms.wilayah import kabupaten_name


@dataclass(frozen=True)
class LintasQueue:
    """The province's part of one kabupaten's queue for one run: its open cross-kabupaten
    items (review rows) and the ids whose decisions are held this quarter, with why."""

    items: pl.DataFrame
    held: dict[str, str] = field(default_factory=dict)


def lintas_decisions(con: duckdb.DuckDBPyConnection, kuartal: int) -> list[dict]:
    """SETUJU/TOLAK on verifikasi_lintas items that the kabupaten's run of `kuartal` read from
    its keputusan files (or had recorded before) and settled, with what came of each: the
    latest decision per id, from the kabupaten's own tables."""
    like = " OR ".join(f"k.id_verifikasi LIKE '{p}%'" for p in LINTAS_ID_PREFIXES)
    rows = store.query(con, f"""
        SELECT k.id_verifikasi, k.keputusan, k.sumber_file, k.sumber_baris, s.hasil
        FROM keputusan k JOIN verifikasi_selesai s ON s.id_verifikasi = k.id_verifikasi AND s.kuartal = k.kuartal
        WHERE k.kuartal = ? AND k.keputusan IN ('SETUJU', 'TOLAK') AND ({like})
        QUALIFY row_number() OVER (PARTITION BY k.id_verifikasi ORDER BY k.urutan DESC) = 1
        ORDER BY k.id_verifikasi""", [kuartal])
    return rows.select([pl.col(c).cast(t) for c, t in DECISION_COLUMNS.items()]).to_dicts()


def queue_for_run(db: Path, kode: str, quarter: str) -> LintasQueue:
    """The open verifikasi_lintas items of kabupaten `kode`, as review rows of its own queue
    (transforms/review.py REVIEW_SCHEMA), for its run of `quarter`: there SETUJU applies the
    proposal to the candidate like any item of the kabupaten, and TOLAK drops it (SPEC §5.3).
    Each item is one row of the province's queue file, whose number it keeps. Items whose
    decisions are held this quarter (hold_double_approvals) are not in it: `held` says why."""
    from transforms.review import REVIEW_SCHEMA

    empty = pl.DataFrame(schema=REVIEW_SCHEMA)
    if not db.exists():
        return LintasQueue(empty)
    con = connect_province(db)  # its tables, those of a later release included, exist from here on
    try:
        items = store.query(con, _sql("items_for_run", Path("."), quarter), [kode])
        held = store.query(con, _sql("held_for_run", Path("."), quarter), [kode]).rows()
    finally:
        con.close()
    return LintasQueue(_review_rows(items, empty), {rid: held_reason(pair, other) for rid, pair, other in held})


def held_reason(pair_id: str, other: str) -> str:
    """Why a decision on a cross-kabupaten item is held (shown in the kabupaten's karantina)."""
    name = kabupaten_name(other)
    return (f"keputusan ditahan: {name} juga menyetujui pencoretan pencatatan pasangannya ({pair_id}); bila "
            "keduanya dicoret, orang ini hilang dari semua daftar pemilih. Kedua pemilih tetap aktif: sepakati "
            f"dengan {name} pencatatan mana yang dicoret, lalu kirim SETUJU di satu kabupaten dan TOLAK di yang "
            "lain pada triwulan berikutnya")


def _review_rows(items: pl.DataFrame, empty: pl.DataFrame) -> pl.DataFrame:
    from transforms.review import T_TMS

    if items.height == 0:
        return empty
    rows = items.with_row_index("baris", offset=2).select(
        id_verifikasi="id_verifikasi", kategori_usulan="kategori_usulan",
        kode_tms_usulan=pl.col("kode_tms_usulan").cast(pl.Int64), id_pemilih_kandidat="id_pemilih_kandidat",
        nik_kandidat="nik_kandidat", nama_kandidat="nama_kandidat", kode_desa_kandidat="kode_desa_kandidat",
        sumber_file=pl.lit(QUEUE_FILE), sumber_baris=pl.col("baris").cast(pl.Int64),
        nama_sumber="nama_lain", nik_sumber="nik_lain", tanggal_lahir_sumber="tanggal_lahir_lain",
        kode_desa_sumber="kode_desa_lain", skor="skor", alasan="alasan", jenis_sumber=pl.lit("lintas"),
        tindakan=pl.lit(T_TMS), metode="jenis",
        dibawa_dari=pl.col("kuartal").map_elements(store.quarter_index, return_dtype=pl.Int64),
    )
    return pl.concat([empty, rows], how="diagonal_relaxed").select(empty.columns)


def with_lintas_items(reading, lintas: LintasQueue | None, con: duckdb.DuckDBPyConnection, kuartal: int):
    """The decisions of a kabupaten's run of `kuartal` (review.DecisionReading) with the queue it
    starts from. Run by the province (`lintas` given), the cross-kabupaten items are the
    province's current ones: the kabupaten's own copies of earlier ones are replaced (an item
    whose records changed has a new id there). An item about a voter this very quarter added
    waits for the next quarter: the run decides on the list as it was before the quarter. A
    decision on a held item is set aside with the reason (lintas.held)."""
    if lintas is None:
        return reading
    items = lintas.items
    carried = reading.book.carried
    own = carried.filter(~pl.col("id_verifikasi").str.starts_with(LINTAS_ID_PREFIXES[0])
                         & ~pl.col("id_verifikasi").str.starts_with(LINTAS_ID_PREFIXES[1]))
    if items.height:
        known = store.query(con, "SELECT DISTINCT id_pemilih FROM pemilih WHERE berlaku_dari < ?", [kuartal])
        items = items.filter(pl.col("id_pemilih_kandidat").is_in(known["id_pemilih"].implode()))
        own = pl.concat([own, items.select(carried.columns)], how="vertical_relaxed")
    return replace(reading, book=replace(reading.book, carried=own, held=dict(lintas.held)))


def hold_double_approvals(db: Path, quarter: str, decisions: list[dict]) -> list[str]:
    """Record as held every pair of items whose two records the kabupaten runs of `quarter` both
    struck on SETUJU (`decisions`: lintas_decisions of every run). Returns the kabupaten whose
    runs must be repeated without those decisions (empty: nothing newly held)."""
    approved = [d for d in decisions if d["keputusan"] == "SETUJU" and d["hasil"] == "diterapkan"]
    if not approved:
        return []
    con = connect_province(db)
    try:
        con.register("setuju", pl.DataFrame(approved, schema=DECISION_COLUMNS).to_arrow())
        before = {r[0] for r in con.execute("SELECT id_verifikasi FROM lintas_ditahan WHERE kuartal = ?",
                                            [quarter]).fetchall()}
        con.execute(_sql("double_approvals", Path("."), quarter))
        held = con.execute("SELECT id_verifikasi, kabupaten FROM lintas_ditahan WHERE kuartal = ?",
                           [quarter]).fetchall()
        con.unregister("setuju")
    finally:
        con.close()
    return sorted({kode for rid, kode in held if rid not in before})
