"""A province: its configuration, the Parquet store each kabupaten writes, and the
cross-kabupaten stage in DuckDB over that store (SPEC §7).

The stage reads only the store, never a kabupaten's database, so it runs wherever the store
is reachable. Its statements are named in schemas/provinsi.sql and run in order.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from schemas.fields import AKTIF
from schemas.policy import load_policy
from transforms import store
from transforms.errors import InputError
from transforms.match import PREPARED_COLUMNS, birthplace_key, find_ganda, prepare_voters, same_birthplace
from transforms.names import name_key

SQL_FILE = Path(__file__).resolve().parent.parent / "schemas" / "provinsi.sql"
AKTIF_DIR, PINDAH_DIR = "aktif", "pindah"
KELUAR, DATANG = "KELUAR", "DATANG"
DITERAPKAN, VERIFIKASI = "DITERAPKAN", "VERIFIKASI"
QUEUE_FILE = "verifikasi_lintas.csv"
# Ids of verifikasi_lintas items. A province run adds the open ones to the kabupaten's own queue
# (transforms/provinsi_queue.py), where officials decide them like any other item.
LINTAS_ID_PREFIXES = ("LN-", "LG-")
# The province's automatic actions for a kabupaten, put in its inbox as a pindah_keluar extract.
LINTAS_INBOX_FILE = "pindah_keluar_lintas_{quarter}.csv"
ACTIONS_FILE = "tindakan_lintas.csv"

# Columns of the active-list snapshot: the person, where they are registered, and the
# comparison keys the matcher would compute (so the stage never recomputes them).
SNAPSHOT_BASE = ("id_pemilih", "nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt",
                 "rw", "kode_desa")
MOVE_COLUMNS = {
    "arah": pl.Utf8, "sumber_file": pl.Utf8, "sumber_baris": pl.Int64, "status": pl.Utf8, "id_pemilih": pl.Int64,
    "nik": pl.Utf8, "nik_percaya": pl.Boolean, "nama": pl.Utf8, "nama_kunci": pl.Utf8, "tanggal_lahir": pl.Date,
    "jenis_kelamin": pl.Utf8, "kode_desa": pl.Utf8,
}
# The fields of a snapshot row that say who and where a voter is: an item's id is a digest of
# both records' values, so a decided pair comes back only once one of its records changes.
STATE_COLUMNS = ("nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw",
                 "kode_desa")
QUEUE_COLUMNS = (
    "id_verifikasi", "jenis", "kategori_usulan", "kode_tms_usulan", "nik_kandidat", "nama_kandidat",
    "tanggal_lahir_kandidat", "kode_desa_kandidat", "kabupaten_lain", "nik_lain", "nama_lain", "tanggal_lahir_lain",
    "kode_desa_lain", "skor", "alasan", "keputusan",
)


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Kabupaten:
    """One kabupaten/kota of the province: its own database, inbox and output folder."""

    kode: str
    db: Path
    inbox: str  # may hold {quarter}
    out: Path

    def inbox_for(self, quarter: str) -> Path:
        return Path(self.inbox.replace("{quarter}", quarter))


@dataclass(frozen=True)
class Province:
    kode: str
    store: Path  # the Parquet store
    db: Path  # provinsi.duckdb
    out: Path
    kabupaten: tuple[Kabupaten, ...]


_KODE_KAB = re.compile(r"^\d{2}\.\d{2}$")


def load_province(path: Path) -> Province:
    """Read provinsi.toml; relative paths are relative to the file's folder."""
    if not path.is_file():
        raise InputError("berkas pengaturan provinsi tidak ditemukan", file=str(path))
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"pengaturan provinsi tidak dapat dibaca: {exc}", file=str(path)) from None
    base = path.resolve().parent

    def where(value, key: str) -> Path:
        if not isinstance(value, str) or not value:
            raise InputError(f"'{key}' harus berisi lokasi folder atau berkas", file=str(path), column=key)
        p = Path(value)
        return p if p.is_absolute() else base / p

    kode = str(raw.get("kode_provinsi", ""))
    if not re.fullmatch(r"\d{2}", kode):
        raise InputError("'kode_provinsi' harus dua angka, misalnya \"33\"", file=str(path), column="kode_provinsi")
    entries = raw.get("kabupaten")
    if not isinstance(entries, list) or not entries:
        raise InputError("tidak ada [[kabupaten]] di pengaturan provinsi", file=str(path), column="kabupaten")
    kabs, seen = [], set()
    for i, e in enumerate(entries, 1):
        k = str(e.get("kode", ""))
        if not _KODE_KAB.match(k) or not k.startswith(kode + "."):
            raise InputError(f"kabupaten ke-{i}: kode '{k}' bukan kabupaten/kota provinsi {kode}",
                             file=str(path), column="kode")
        if k in seen:
            raise InputError(f"kabupaten {k} tercantum dua kali", file=str(path), column="kode")
        seen.add(k)
        inbox = e.get("inbox", "inbox/{quarter}")
        inbox_path = where(inbox, "inbox")
        kabs.append(Kabupaten(kode=k, db=where(e.get("db"), "db"), inbox=str(inbox_path), out=where(e.get("out"), "out")))
    return Province(
        kode=kode,
        store=where(raw.get("store", "store"), "store"),
        db=where(raw.get("db", "provinsi.duckdb"), "db"),
        out=where(raw.get("out", "out"), "out"),
        kabupaten=tuple(kabs),
    )


# What a kabupaten's quarter costs, in seconds per desa and per voter, as measured on one core
# (docs/MEASUREMENTS.md): the per-desa workbooks take most of a run, the matching grows with the
# list. Only the order of the tasks depends on it.
COST_PER_DESA, COST_PER_VOTER = 0.15, 0.00035


def voters_of(k: Kabupaten) -> int:
    """The number of voters on the kabupaten's list, without writing anything (0 if unknown)."""
    if not k.db.exists():
        return 0
    try:
        con = duckdb.connect(str(k.db), read_only=True)
    except duckdb.Error:
        return 0  # in use or encrypted: the order falls back to the desa count
    try:
        return int(con.execute("SELECT count(*) FROM pemilih WHERE berlaku_sampai IS NULL").fetchall()[0][0])
    except duckdb.Error:
        return 0
    finally:
        con.close()


def largest_first(kabupaten: tuple[Kabupaten, ...]) -> list[Kabupaten]:
    """The costliest kabupaten bound the makespan, so they start first. A quarter's cost is
    mostly its desa (one workbook set each), then its voters."""
    from transforms.wilayah import desa_of_kabupaten, load_wilayah

    w = load_wilayah()

    def cost(k: Kabupaten) -> float:
        return desa_of_kabupaten(k.kode, w).height * COST_PER_DESA + voters_of(k) * COST_PER_VOTER

    return sorted(kabupaten, key=lambda k: (-cost(k), k.kode))


# --------------------------------------------------------------------------- the store


def partition(root: Path, part: str, kode: str, quarter: str) -> Path:
    return root / part / f"kabupaten={kode}" / f"kuartal={quarter}"


def _write_parquet(frame: pl.DataFrame, folder: Path) -> Path:
    """Write whole or not at all: a rerun (or a retried task) replaces the partition."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / "data.parquet"
    tmp = folder / f".data.{os.getpid()}.parquet"
    frame.write_parquet(tmp)
    tmp.replace(final)
    return final


def snapshot_frames(con: duckdb.DuckDBPyConnection, kuartal: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(active list with name and blocking keys, unmatched moves) of an applied quarter.

    Unmatched moves: every pindah_keluar row applied as TMS 4 or in review (its destination is
    outside the kabupaten by definition), and every pindah_datang row added as BARU or in
    review for BARU (a move between desa of the kabupaten is an UBAH and stays home).
    """
    after = store.list_as_of(con, kuartal)
    aktif = active_snapshot(after.filter(pl.col("status") == AKTIF))

    # The province's own actions (LINTAS_INBOX_FILE) are results of this stage, not moves to match.
    kinds = store.files_of(con, kuartal).select("sumber_file", "jenis").filter(
        ~pl.col("sumber_file").str.starts_with(LINTAS_INBOX_FILE.split("{")[0]))
    changes = store.changes_of(con, kuartal).join(kinds, on="sumber_file", how="inner")
    review = store.review_of(con, kuartal).join(kinds, on="sumber_file", how="inner")
    person = after.select("id_pemilih", "tanggal_lahir", pl.col("nik").alias("nik_daftar"),
                          pl.col("nama").alias("nama_daftar"))
    applied = changes.filter(
        ((pl.col("jenis") == "pindah_keluar") & (pl.col("kategori") == "TMS") & (pl.col("kode_tms") == 4))
        | ((pl.col("jenis") == "pindah_datang") & (pl.col("kategori") == "BARU"))
    ).join(person, on="id_pemilih", how="left").select(
        arah=pl.when(pl.col("jenis") == "pindah_keluar").then(pl.lit(KELUAR)).otherwise(pl.lit(DATANG)),
        sumber_file="sumber_file", sumber_baris="sumber_baris", status=pl.lit(DITERAPKAN), id_pemilih="id_pemilih",
        nik=pl.col("nik_daftar"), nik_percaya=pl.lit(True), nama=pl.col("nama_daftar"),
        tanggal_lahir="tanggal_lahir", jenis_kelamin="jenis_kelamin", kode_desa="kode_desa",
    )
    done = applied.select("sumber_file", "sumber_baris")
    pending = review.filter(
        (pl.col("jenis") == "pindah_keluar")
        | ((pl.col("jenis") == "pindah_datang") & (pl.col("kategori_usulan") == "BARU"))
    ).join(done, on=["sumber_file", "sumber_baris"], how="anti")
    pending = pending.unique(["sumber_file", "sumber_baris"], keep="first", maintain_order=True).select(
        arah=pl.when(pl.col("jenis") == "pindah_keluar").then(pl.lit(KELUAR)).otherwise(pl.lit(DATANG)),
        sumber_file="sumber_file", sumber_baris="sumber_baris", status=pl.lit(VERIFIKASI),
        id_pemilih="id_pemilih_kandidat", nik="nik_sumber",
        # A NIK of a review row is its source's; it is a key only when whole (16 digits).
        nik_percaya=pl.col("nik_sumber").str.contains(r"^\d{16}$").fill_null(False),
        nama="nama_sumber", tanggal_lahir="tanggal_lahir_sumber", jenis_kelamin=pl.lit(None, pl.Utf8),
        kode_desa="kode_desa_sumber",
    )
    return aktif, move_snapshot(pl.concat([applied, pending], how="vertical_relaxed"))


def active_snapshot(aktif: pl.DataFrame) -> pl.DataFrame:
    """The active list with the matcher's comparison keys, computed inside the kabupaten (name
    frequencies are the kabupaten's own)."""
    v = prepare_voters(aktif)
    return v.select(*SNAPSHOT_BASE, *[c for c in PREPARED_COLUMNS if c not in SNAPSHOT_BASE])


def move_snapshot(moves: pl.DataFrame) -> pl.DataFrame:
    moves = moves.with_columns(nama_kunci=name_key(moves.get_column("nama").fill_null("")))
    return moves.select([pl.col(c).cast(t) for c, t in MOVE_COLUMNS.items()])


def write_snapshot(con: duckdb.DuckDBPyConnection, kuartal: int, kode: str, root: Path) -> dict:
    quarter = store.quarter_label(kuartal)
    aktif, moves = snapshot_frames(con, kuartal)
    _write_parquet(aktif, partition(root, AKTIF_DIR, kode, quarter))
    _write_parquet(moves, partition(root, PINDAH_DIR, kode, quarter))
    return {"aktif": aktif.height, "pindah_keluar": int((moves["arah"] == KELUAR).sum()),
            "pindah_datang": int((moves["arah"] == DATANG).sum())}


# --------------------------------------------------------------------------- the stage


@lru_cache(maxsize=1)
def statements() -> dict[str, str]:
    """The named statements of schemas/provinsi.sql (`-- name: x` starts statement x)."""
    out: dict[str, list[str]] = {}
    current = None
    for line in SQL_FILE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^-- name: (\w+)", line)
        if m:
            current = m.group(1)
            out[current] = []
        elif current:
            out[current].append(line)
    return {k: "\n".join(v).strip() for k, v in out.items()}


def _sql(name: str, root: Path, quarter: str) -> str:
    store.quarter_index(quarter)  # a checked label: it is pasted into the statement
    text = str(root.resolve()).replace("'", "''")
    return (statements()[name].replace("{store}", text).replace("{kuartal}", quarter)
            .replace("{keadaan_a}", _state_sql("a")).replace("{keadaan_b}", _state_sql("b")))


def _state_sql(alias: str) -> str:
    return "md5(concat_ws('|', " + ", ".join(f"coalesce({alias}.{c}::VARCHAR, '')" for c in STATE_COLUMNS) + "))"


def _state_expr() -> pl.Expr:
    """The same digest input as _state_sql, for frames built in polars."""
    return pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("") for c in STATE_COLUMNS], separator="|")


def connect_province(db: Path, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db))
    except duckdb.IOException as exc:
        raise InputError(f"basis data provinsi tidak dapat dibuka: {exc}", file=str(db)) from None
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(statements()["schema"])
    return con


def _ganda_lintas(con: duckdb.DuckDBPyConnection, root: Path, quarter: str) -> pl.DataFrame:
    """(c) The same person under two NIKs in two kabupaten: the matcher's own ganda evidence
    (find_ganda) on the cross-kabupaten blocks only; every pair found goes to review."""
    rows = store.query(con, _sql("ganda_blocks", root, quarter))
    empty = pl.DataFrame(schema={"kabupaten": pl.Utf8, "id_pemilih": pl.Int64, "nik": pl.Utf8, "nama": pl.Utf8,
                                 "tanggal_lahir": pl.Date, "kode_desa": pl.Utf8, "b_kabupaten": pl.Utf8,
                                 "b_nik": pl.Utf8, "b_nama": pl.Utf8, "b_tanggal_lahir": pl.Date,
                                 "b_kode_desa": pl.Utf8, "b_id_pemilih": pl.Int64, "skor": pl.Float64,
                                 "alasan": pl.Utf8, "kunci_pasangan": pl.Utf8})
    if rows.height < 2:
        return empty
    # A store written by an earlier release lacks the address columns the ganda evidence reads.
    rows = rows.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in ("alamat", "rt", "rw") if c not in rows.columns)
    # The evidence runs on the blocks plus a background sample of the province (its rates of
    # agreement between different people come from the frame it is given); only pairs of
    # block rows count. It needs one id per row across the province: each row's own is kept.
    background = store.query(con, _sql("ganda_background", root, quarter))
    background = background.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in ("alamat", "rt", "rw")
                                         if c not in background.columns)
    block_keys = rows.select("kabupaten", "id_pemilih").with_columns(blok=pl.lit(True))
    frame = pl.concat([rows, background.select(rows.columns)], how="vertical_relaxed").unique(
        ["kabupaten", "id_pemilih"], keep="first", maintain_order=True
    ).join(block_keys, on=["kabupaten", "id_pemilih"], how="left").with_columns(pl.col("blok").fill_null(False))
    rows = frame.rename({"id_pemilih": "id_asal"}).with_row_index("id_pemilih").with_columns(
        pl.col("id_pemilih").cast(pl.Int64)
    )
    _, review = find_ganda(rows.drop("blok"), load_policy())
    in_block = rows.filter(pl.col("blok"))["id_pemilih"].implode()
    review = review.filter(pl.col("id_pemilih_a").is_in(in_block) & pl.col("id_pemilih_b").is_in(in_block))
    rows = rows.filter(pl.col("blok"))
    review = pl.concat([review, _same_birthplace(rows)], how="vertical_relaxed").unique(
        ["id_pemilih_a", "id_pemilih_b"], keep="first", maintain_order=True)
    side = rows.select("id_pemilih", "kabupaten", pl.col("id_asal"), "nik", "nama", "tanggal_lahir", "kode_desa",
                       tempat=birthplace_key(pl.col("tempat_lahir")), frek="nama_frek",
                       kata="nama_kata", umum=pl.col("tgl_umum").fill_null(False), keadaan=_state_expr())
    pairs = review.join(side, left_on="id_pemilih_a", right_on="id_pemilih").join(
        side.rename(lambda c: f"b_{c}"), left_on="id_pemilih_b", right_on="b_id_pemilih"
    ).filter((pl.col("kabupaten") != pl.col("b_kabupaten")) & (pl.col("nik") != pl.col("b_nik")).fill_null(True))
    # Across kabupaten a shared name and birth date is common: two kabupaten of a dozen SRI
    # WAHYUNI each have namesakes born the same day, and a name rare in each of 35 kabupaten
    # is carried by dozens in the province. A pair stays only with evidence that travels,
    # never on a placeholder day: the same birth place (one slip allowed), or, where a birth
    # place is missing, a name rare in both kabupaten (the ganda rule's bound for two desa).
    # Two birth places written and different are two people: one person's birth place is the
    # one on the KTP, whichever kabupaten registers them.
    limit = load_policy().ganda_luar_desa_frek_maks
    pairs = pairs.with_columns(_tempat_sama=same_birthplace(pairs.get_column("tempat"), pairs.get_column("b_tempat")))
    unknown = pl.col("tempat").is_null() | pl.col("b_tempat").is_null()
    pairs = pairs.filter(
        ~pl.col("umum") & ~pl.col("b_umum")
        & (pl.col("_tempat_sama")
           | (unknown & (pl.col("frek") <= limit) & (pl.col("b_frek") <= limit) & (pl.col("kata") >= 2)))
    ).drop("_tempat_sama")
    if pairs.height == 0:
        return empty
    both = pl.concat([
        pairs.select("kabupaten", pl.col("id_asal").alias("id_pemilih"), "nik", "nama", "tanggal_lahir", "kode_desa",
                     "b_kabupaten", "b_nik", "b_nama", "b_tanggal_lahir", "b_kode_desa",
                     pl.col("b_id_asal").alias("b_id_pemilih"), "skor", "alasan",
                     pl.concat_str("keadaan", "b_keadaan", separator="||").alias("kunci_pasangan")),
        pairs.select(pl.col("b_kabupaten").alias("kabupaten"), pl.col("b_id_asal").alias("id_pemilih"),
                     pl.col("b_nik").alias("nik"), pl.col("b_nama").alias("nama"),
                     pl.col("b_tanggal_lahir").alias("tanggal_lahir"), pl.col("b_kode_desa").alias("kode_desa"),
                     pl.col("kabupaten").alias("b_kabupaten"), pl.col("nik").alias("b_nik"),
                     pl.col("nama").alias("b_nama"), pl.col("tanggal_lahir").alias("b_tanggal_lahir"),
                     pl.col("kode_desa").alias("b_kode_desa"), pl.col("id_asal").alias("b_id_pemilih"),
                     "skor", "alasan", pl.concat_str("b_keadaan", "keadaan", separator="||").alias("kunci_pasangan")),
    ])
    return both.select(empty.columns).cast(empty.schema)  # type: ignore[arg-type]


def _same_birthplace(rows: pl.DataFrame) -> pl.DataFrame:
    """Across kabupaten the matcher's rare-name rule alone misses most people: a name carried
    by a dozen voters in each of two kabupaten is common, yet the same name, birth date, sex
    *and birth place* in two kabupaten is rarely two people. Such pairs go to review as well,
    unless the date is a placeholder day (tgl_umum) that stands in for an unknown one."""
    key = ["nama_kunci", "tanggal_lahir", "jenis_kelamin", "tempat"]
    base = rows.filter(~pl.col("tgl_umum").fill_null(False)).with_columns(
        tempat=birthplace_key(pl.col("tempat_lahir"))
    ).filter(pl.col("tempat").is_not_null())
    right = base.select(*key, pl.col("id_pemilih").alias("b_id"), pl.col("kabupaten").alias("b_kab"),
                        pl.col("nik").alias("b_nik"))
    pairs = base.join(right, on=key).filter(
        (pl.col("id_pemilih") < pl.col("b_id")) & (pl.col("kabupaten") != pl.col("b_kab"))
        & (pl.col("nik") != pl.col("b_nik")).fill_null(True)
    )
    return pairs.select(
        id_pemilih_a=pl.col("id_pemilih"), id_pemilih_b=pl.col("b_id"), skor=pl.lit(1.0),
        alasan=pl.format("nama sama; tgl lahir sama; jk sama; tempat lahir sama ({}); kabupaten berbeda; NIK berbeda; "
                         "perlu verifikasi: orang yang sama dengan dua NIK?", pl.col("tempat")),
    )


def _record_ganda(con: duckdb.DuckDBPyConnection, ganda: pl.DataFrame, quarter: str) -> None:
    if ganda.height == 0:
        return
    con.register("ganda_baru", ganda.to_arrow())
    con.execute(f"""
        INSERT OR IGNORE INTO verifikasi_lintas
        SELECT * FROM (
            SELECT 'LG-' || substr(md5(concat_ws('|', 'GANDA_LINTAS', kabupaten, id_pemilih, b_kabupaten, b_id_pemilih,
                                                 md5(kunci_pasangan))), 1, 12) AS id_verifikasi,
                   '{quarter}', 'GANDA_LINTAS', kabupaten, 'TMS', 2, id_pemilih, nik, nama, tanggal_lahir, kode_desa,
                   b_kabupaten, b_nik, b_nama, b_tanggal_lahir, b_kode_desa, skor,
                   alasan || ' (kabupaten lain: ' || b_kabupaten || '); SETUJU mencoret pemilih ini (TMS 2)',
                   now()::TIMESTAMP
            FROM ganda_baru
        ) WHERE id_verifikasi NOT IN (SELECT id_verifikasi FROM keputusan_lintas WHERE kuartal < '{quarter}')""")
    con.unregister("ganda_baru")


DECISION_COLUMNS = {"id_verifikasi": pl.Utf8, "keputusan": pl.Utf8, "sumber_file": pl.Utf8, "sumber_baris": pl.Int64,
                    "hasil": pl.Utf8}


def record_decisions(con: duckdb.DuckDBPyConnection, quarter: str, decisions: pl.DataFrame) -> int:
    """Decisions on verifikasi_lintas items, as the kabupaten's run recorded and applied them:
    facts, recorded once per (id, file, row); the latest decision on an id wins."""
    if decisions.height == 0:
        return 0
    known = store.query(con, "SELECT DISTINCT id_verifikasi FROM verifikasi_lintas")["id_verifikasi"]
    decisions = decisions.filter(pl.col("id_verifikasi").is_in(known.implode()))
    con.register("keputusan_baru", decisions.to_arrow())
    con.execute(f"""
        INSERT INTO keputusan_lintas (id_verifikasi, kuartal, keputusan, sumber_file, sumber_baris, hasil, dibaca)
        SELECT id_verifikasi, '{quarter}', keputusan, sumber_file, sumber_baris, hasil, now()::TIMESTAMP
        FROM keputusan_baru k
        WHERE NOT EXISTS (SELECT 1 FROM keputusan_lintas x WHERE x.id_verifikasi = k.id_verifikasi
                          AND x.sumber_file = k.sumber_file AND x.sumber_baris = k.sumber_baris)""")
    con.unregister("keputusan_baru")
    return decisions.height


def cross_kabupaten(db: Path, root: Path, quarter: str, threads: int | None = None,
                    decisions: list[dict] | None = None) -> dict:
    """Run the stage for one quarter; returns the counts. Idempotent: every result is recorded
    under a stable id once, so a rerun finds the same ids and adds nothing. `decisions`: the
    officials' answers on earlier items (lintas_decisions), recorded first."""
    con = connect_province(db, threads)
    try:
        con.execute("BEGIN TRANSACTION")
        if decisions:
            record_decisions(con, quarter, pl.DataFrame(decisions, schema=DECISION_COLUMNS))
        con.execute("INSERT OR REPLACE INTO tahap_lintas VALUES (?, now()::TIMESTAMP)", [quarter])
        con.execute(_sql("views", root, quarter))
        con.execute(_sql("move_pairs", root, quarter))
        con.execute(_sql("record_moves", root, quarter))
        con.execute(_sql("shared_nik", root, quarter))
        con.execute(_sql("record_actions", root, quarter))
        # The quarter's queue is what this run finds: an undecided item whose pair is gone
        # (decided on the other side, a record changed) leaves it; decided items stay as history.
        con.execute(f"DELETE FROM verifikasi_lintas WHERE kuartal = '{quarter}' "
                    "AND id_verifikasi NOT IN (SELECT id_verifikasi FROM keputusan_lintas)")
        con.execute(_sql("record_nik_review", root, quarter))
        _record_ganda(con, _ganda_lintas(con, root, quarter), quarter)
        con.execute("COMMIT")
        counts = con.execute(f"""
            SELECT (SELECT count(*) FROM pindah_lintas WHERE kuartal = '{quarter}'),
                   (SELECT count(*) FROM tindakan_lintas WHERE kuartal = '{quarter}'),
                   (SELECT count(*) FROM verifikasi_lintas WHERE kuartal = '{quarter}' AND jenis = 'NIK_LINTAS'),
                   (SELECT count(*) FROM verifikasi_lintas WHERE kuartal = '{quarter}' AND jenis = 'GANDA_LINTAS'),
                   (SELECT count(DISTINCT id_verifikasi) FROM keputusan_lintas)
        """).fetchone()
    finally:
        con.close()
    return {"pindah_cocok": counts[0], "tindakan_otomatis": counts[1], "nik_lintas_verifikasi": counts[2],
            "ganda_lintas_verifikasi": counts[3], "diputuskan": counts[4]}


def write_queues(db: Path, quarter: str, kabupaten: list[Kabupaten]) -> dict[str, int]:
    """verifikasi_lintas.csv and tindakan_lintas.csv in each kabupaten's quarter folder. The
    queue's KEPUTUSAN column is blank; returned as a `keputusan` file it comes back here."""
    con = connect_province(db)
    out = {}
    try:
        for k in kabupaten:
            folder = k.out / quarter
            folder.mkdir(parents=True, exist_ok=True)
            queue = store.query(con, statements()["queue_of"].replace("{kuartal}", quarter), [k.kode])
            queue = queue.with_columns(pl.lit(None, pl.Utf8).alias("keputusan")).select(QUEUE_COLUMNS)
            queue.write_csv(folder / QUEUE_FILE)
            actions = store.query(con, f"SELECT id_tindakan, kategori, kode_tms, nik, nama, tanggal_lahir, kode_desa, "
                                       f"kabupaten_lain, id_lintas, alasan FROM tindakan_lintas WHERE kuartal = "
                                       f"'{quarter}' AND kabupaten = ? ORDER BY id_tindakan", [k.kode])
            actions.write_csv(folder / ACTIONS_FILE)
            out[k.kode] = queue.height
    finally:
        con.close()
    return out


def read_table(db: Path, sql: str, params=None) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return store.query(con, sql, params)
    finally:
        con.close()


def now() -> datetime:
    return datetime.now().replace(microsecond=0)
