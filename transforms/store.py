"""The DuckDB database: the versioned voter list, quarters, apply/rollback, export, the writer lock.

Every statement that touches the database lives here, so the rest of the pipeline only sees
polars frames.
"""

from __future__ import annotations

import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl

from schemas.fields import AKTIF, PERSON_FIELDS
from transforms import keys
from transforms.errors import InputError

DDL = Path(__file__).resolve().parent.parent / "schemas" / "ddl.sql"
SCHEMA_VERSION = "1"
TMS = "TMS"

VOTER_COLUMNS: tuple[str, ...] = (
    "id_pemilih",
    *PERSON_FIELDS,
    "status",
    "kode_tms",
    "sumber_file",
    "sumber_baris",
)

VOTER_SCHEMA: dict[str, pl.DataType] = {
    "id_pemilih": pl.Int64,
    **{f: pl.Utf8 for f in PERSON_FIELDS},
    "tanggal_lahir": pl.Date,
    "status": pl.Utf8,
    "kode_tms": pl.Int64,
    "sumber_file": pl.Utf8,
    "sumber_baris": pl.Int64,
}

# --- quarters -------------------------------------------------------------------------------

_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")


def quarter_index(label: str) -> int:
    """'2026-Q1' -> 8104 (year * 4 + quarter - 1); InputError for anything else."""
    m = _QUARTER_RE.match(label.strip().upper()) if isinstance(label, str) else None
    if not m:
        raise InputError(
            f"triwulan '{label}' tidak dikenali; tulis seperti 2026-Q1 (tahun-Q1..Q4)", column="quarter"
        )
    return int(m.group(1)) * 4 + int(m.group(2)) - 1


def quarter_label(index: int) -> str:
    return f"{index // 4}-Q{index % 4 + 1}"


def quarter_end(index: int) -> date:
    """The quarter's reference date (tanggal acuan): its last day."""
    year, q = divmod(index, 4)
    month = 3 * (q + 1)
    return date(year, month, 31 if month in (3, 12) else 30)


def quarter_start(index: int) -> date:
    year, q = divmod(index, 4)
    return date(year, 3 * q + 1, 1)


def quarter_of(day: date) -> int:
    return day.year * 4 + (day.month - 1) // 3


# --- connection and lock ----------------------------------------------------------------------


@contextmanager
def writer_lock(db_path: Path) -> Iterator[None]:
    """One writer per database: a second run is refused while the first holds the lock.

    flock is released by the kernel when the process dies, so a killed run never leaves a
    stale lock behind.
    """
    from transforms.filelock import lock_exclusive, read_holder, write_holder

    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db_path.with_name(db_path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not lock_exclusive(fd):
            raise InputError(
                f"basis data sedang dipakai oleh proses lain (pid {read_holder(fd)}); tunggu sampai selesai",
                file=str(db_path),
            ) from None
        write_holder(fd)
        yield
    finally:
        os.close(fd)


def connect(db_path: Path, *, must_exist: bool = True, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """The one way into the database, for every command: encrypted when PDPB_KUNCI is set
    (transforms/keys.py), and refused in one line when the key is missing or wrong."""
    if must_exist and not db_path.exists():
        raise InputError(
            "basis data belum ada; jalankan dahulu `pdpb init --voters BERKAS`", file=str(db_path)
        )
    key = keys.database_key()
    try:
        if key is None:
            con = duckdb.connect(str(db_path), read_only=read_only)
        else:
            if not db_path.exists():
                keys.check_new_key(key)
            con = keys.open_encrypted(db_path, key, read_only=read_only)
    except duckdb.Error as exc:
        raise keys.open_error(exc, db_path) from None
    con.execute("SET preserve_insertion_order = true")
    if os.environ.get("PDPB_DUCKDB_THREADS"):  # a Dask worker of a province: one thread per worker
        con.execute(f"SET threads = {int(os.environ['PDPB_DUCKDB_THREADS'])}")
    return con


def check_access(db_path: Path) -> None:
    """Open and close at once: a missing or wrong key is refused before any work starts."""
    connect(db_path, read_only=True).close()


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The tables of ddl.sql; a database made by an earlier release is brought up to date."""
    con.execute(DDL.read_text(encoding="utf-8"))
    # Releases before 2026-12 called a change's OTOMATIS/VERIFIKASI `keputusan`, the word for
    # officials' SETUJU/TOLAK; it is `penetapan` now.
    if "keputusan" in _table_columns(con, "perubahan"):
        con.execute("ALTER TABLE perubahan RENAME COLUMN keputusan TO penetapan")


def query(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> pl.DataFrame:
    """A query's result as a polars frame (through Arrow, no copies of strings)."""
    return pl.from_arrow(con.sql(sql, params=params or []).to_arrow_table())  # type: ignore[return-value]


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params=None):
    """The first value of a query's first row (None when there is no row); the result is consumed."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    return scalar(con, "SELECT nilai FROM meta WHERE kunci = ?", [key])


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


# --- reading the list ---------------------------------------------------------------------------


def applied_quarters(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [r[0] for r in con.execute("SELECT kuartal FROM kuartal ORDER BY kuartal").fetchall()]


def latest_quarter(con: duckdb.DuckDBPyConnection) -> int:
    latest = scalar(con, "SELECT max(kuartal) FROM kuartal")
    if latest is None:
        raise InputError("basis data belum berisi daftar pemilih awal; jalankan `pdpb init`")
    return int(latest)


def baseline_quarter(con: duckdb.DuckDBPyConnection) -> int:
    return int(scalar(con, "SELECT min(kuartal) FROM kuartal"))


def _as_of_sql(columns: str, where: str = "TRUE") -> str:
    return (
        f"SELECT {columns} FROM pemilih WHERE berlaku_dari <= $q "
        f"AND (berlaku_sampai IS NULL OR berlaku_sampai > $q) AND ({where}) ORDER BY id_pemilih"
    )


def list_as_of(con: duckdb.DuckDBPyConnection, quarter: int) -> pl.DataFrame:
    """Every voter ever on the list as of the end of `quarter` (AKTIF and TMS), one row each."""
    frame = query(con, _as_of_sql(", ".join(VOTER_COLUMNS)), {"q": quarter})
    return frame.cast(VOTER_SCHEMA)  # type: ignore[arg-type]


def active_as_of(con: duckdb.DuckDBPyConnection, quarter: int) -> pl.DataFrame:
    """The active voters as of the end of `quarter`: `list_as_of` filtered to AKTIF, in the query."""
    frame = query(con, _as_of_sql(", ".join(VOTER_COLUMNS), "status = 'AKTIF'"), {"q": quarter})
    return frame.cast(VOTER_SCHEMA)  # type: ignore[arg-type]


def current_list(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    frame = query(
        con, f"SELECT {', '.join(VOTER_COLUMNS)} FROM pemilih WHERE berlaku_sampai IS NULL ORDER BY id_pemilih"
    )
    return frame.cast(VOTER_SCHEMA)  # type: ignore[arg-type]


# --- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterWrite:
    """Everything one quarter writes, applied in one transaction."""

    kuartal: int
    label: str
    tanggal_acuan: date
    id_run: str
    versions: pl.DataFrame        # new versions (VOTER_COLUMNS): changed and new voters
    closed_ids: pl.Series         # id_pemilih whose current version ends at this quarter
    perubahan: pl.DataFrame
    verifikasi: pl.DataFrame
    karantina: pl.DataFrame
    berkas: pl.DataFrame
    selesai: pl.DataFrame | None = None     # items decided this quarter (verifikasi_selesai)
    keputusan: pl.DataFrame | None = None   # decision rows read for the first time (kept for good)


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, **constants: object) -> None:
    if frame.height == 0:
        return
    cols = _table_columns(con, table)
    frame = frame.with_columns(pl.lit(v).alias(k) for k, v in constants.items())
    missing = [c for c in cols if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None).alias(c) for c in missing).select(cols)
    arrow = frame.to_arrow()  # noqa: F841  (read by DuckDB's replacement scan)
    con.execute(f"INSERT INTO {table} SELECT * FROM arrow")


def rollback_quarter(con: duckdb.DuckDBPyConnection, kuartal: int) -> None:
    """Undo one quarter (the latest): drop what it created, reopen what it closed."""
    con.execute("DELETE FROM pemilih WHERE berlaku_dari = ?", [kuartal])
    con.execute("UPDATE pemilih SET berlaku_sampai = NULL WHERE berlaku_sampai = ?", [kuartal])
    # Officials' decisions (`keputusan`) are not the quarter's work: they stay.
    for table in ("perubahan", "verifikasi", "verifikasi_selesai", "karantina", "berkas", "kuartal"):
        con.execute(f"DELETE FROM {table} WHERE kuartal = ?", [kuartal])


def write_quarter(
    con: duckdb.DuckDBPyConnection, w: QuarterWrite, *, replace: bool, before_commit=None, between=None
) -> None:
    """Apply one quarter in a single transaction (a rerun first undoes the previous run of it).

    `between` (optional) is called between statements: the crash-safety test uses it to be
    able to kill the process inside the transaction.
    """
    step = between or (lambda: None)
    con.execute("BEGIN TRANSACTION")
    try:
        if replace:
            rollback_quarter(con, w.kuartal)
            step()
        if w.closed_ids.len():
            ids = pl.DataFrame({"id_pemilih": w.closed_ids.cast(pl.Int64)}).to_arrow()  # noqa: F841
            con.execute(
                "UPDATE pemilih SET berlaku_sampai = ? WHERE berlaku_sampai IS NULL "
                "AND id_pemilih IN (SELECT id_pemilih FROM ids)",
                [w.kuartal],
            )
            step()
        for table, frame, extra in (
            ("pemilih", w.versions, {"berlaku_dari": w.kuartal, "berlaku_sampai": None}),
            ("perubahan", w.perubahan, {"kuartal": w.kuartal}),
            ("verifikasi", w.verifikasi, {"kuartal": w.kuartal}),
            ("karantina", w.karantina, {"kuartal": w.kuartal}),
            ("berkas", w.berkas, {"kuartal": w.kuartal}),
        ):
            _insert(con, table, frame, **extra)
            step()
        for table, frame in (("verifikasi_selesai", w.selesai), ("keputusan", w.keputusan)):
            if frame is not None:
                _insert(con, table, frame, **({"kuartal": w.kuartal} if table == "verifikasi_selesai" else {}))
        con.execute(
            "INSERT INTO kuartal VALUES (?, ?, ?, ?, ?)",
            [w.kuartal, w.label, w.tanggal_acuan, w.id_run, datetime.now()],
        )
        if before_commit is not None:
            before_commit()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


# --- runs -----------------------------------------------------------------------------------------


def record_run(
    con: duckdb.DuckDBPyConnection,
    *,
    id_run: str,
    perintah: str,
    kuartal: int | None,
    mulai: datetime,
    hasil: str,
    pesan: str | None = None,
    parameter: dict | None = None,
    versi: dict | None = None,
    berkas: dict | None = None,
    durasi: dict | None = None,
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            id_run,
            perintah,
            kuartal,
            mulai,
            datetime.now() if hasil != "BERJALAN" else None,
            hasil,
            pesan,
            json.dumps(parameter or {}, sort_keys=True, default=str),
            json.dumps(versi or {}, sort_keys=True),
            json.dumps(berkas or {}, sort_keys=True),
            json.dumps(durasi or {}, sort_keys=True),
        ],
    )


# --- queries for reports and status ---------------------------------------------------------------


def changes_of(con: duckdb.DuckDBPyConnection, kuartal: int) -> pl.DataFrame:
    return query(con, "SELECT * EXCLUDE (kuartal) FROM perubahan WHERE kuartal = ? ORDER BY urutan", [kuartal])


def review_of(con: duckdb.DuckDBPyConnection, kuartal: int) -> pl.DataFrame:
    return query(
        con,
        "SELECT * EXCLUDE (kuartal) FROM verifikasi WHERE kuartal = ? ORDER BY sumber_file, sumber_baris, id_verifikasi",
        [kuartal],
    )


# The report queries of an applied quarter, as named SQL: the rows each writer shows, with the
# person details they show, joined here (Splink-style CTEs: each step named and readable).
_AS_OF = "berlaku_dari <= {q} AND (berlaku_sampai IS NULL OR berlaku_sampai > {q})"


def _zfill3(column: str) -> str:
    return f"CASE WHEN length({column}) >= 3 THEN {column} ELSE lpad({column}, 3, '0') END"


def _rt_rw(rt: str, rw: str) -> str:
    """'003/001' from RT and RW; NULL when either is missing."""
    return f"CASE WHEN {rt} IS NOT NULL AND {rw} IS NOT NULL THEN {_zfill3(rt)} || '/' || {_zfill3(rw)} END"


CHANGES_FOR_REPORTS = f"""
WITH perubahan_kuartal AS (   -- the quarter's changes, in the order they were applied
    SELECT * EXCLUDE (kuartal) FROM perubahan WHERE kuartal = $q
), daftar AS (                -- each voter as the quarter left them (the list as of the quarter)
    SELECT id_pemilih, tempat_lahir, tanggal_lahir, status_kawin, alamat, rt, rw, disabilitas
    FROM pemilih WHERE {_AS_OF.format(q="$q")}
)
SELECT c.*, d.* EXCLUDE (id_pemilih), t.label AS label_tms
FROM perubahan_kuartal c
LEFT JOIN daftar d USING (id_pemilih)
LEFT JOIN tabel_tms t ON t.kode = c.kode_tms
ORDER BY c.urutan
"""

REVIEW_FOR_REPORTS = f"""
WITH antrean AS (             -- the quarter's review queue, one row per candidate
    SELECT * EXCLUDE (kuartal) FROM verifikasi WHERE kuartal = $q
), kandidat AS (              -- each candidate as the quarter found them (the list it started from)
    SELECT id_pemilih AS id_pemilih_kandidat, tanggal_lahir AS tanggal_lahir_kandidat,
           jenis_kelamin AS jenis_kelamin_kandidat, alamat AS alamat_kandidat, rt, rw
    FROM pemilih WHERE {_AS_OF.format(q="$sebelum")}
)
SELECT a.* REPLACE (CAST(a.dibawa_dari // 4 AS VARCHAR) || '-Q' || CAST(a.dibawa_dari % 4 + 1 AS VARCHAR)
                    AS dibawa_dari),
       k.tanggal_lahir_kandidat, k.jenis_kelamin_kandidat, k.alamat_kandidat,
       {_rt_rw("k.rt", "k.rw")} AS rt_rw_kandidat,
       {_rt_rw("a.rt_sumber", "a.rw_sumber")} AS rt_rw_sumber
FROM antrean a
LEFT JOIN kandidat k USING (id_pemilih_kandidat)
ORDER BY a.sumber_file, a.sumber_baris, a.id_verifikasi
"""


def changes_for_reports(con: duckdb.DuckDBPyConnection, kuartal: int, tms: pl.DataFrame) -> pl.DataFrame:
    """The quarter's changes with each voter's details as of the quarter and the TMS label of
    `tms` (the table in force: kode, label)."""
    con.register("tabel_tms", tms.select("kode", "label").to_arrow())
    try:
        return query(con, CHANGES_FOR_REPORTS, {"q": kuartal})
    finally:
        con.unregister("tabel_tms")


def review_for_reports(con: duckdb.DuckDBPyConnection, kuartal: int, sebelum: int) -> pl.DataFrame:
    """The quarter's review queue with each candidate's details as of quarter `sebelum` (the
    list the quarter started from), RT/RW as '003/001', and the quarter an item was first queued."""
    return query(con, REVIEW_FOR_REPORTS, {"q": kuartal, "sebelum": sebelum})


def recorded_decisions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every decision officials returned, in the order it was first read."""
    return query(con, "SELECT * FROM keputusan ORDER BY urutan")


def carried_review(con: duckdb.DuckDBPyConnection, kuartal: int) -> pl.DataFrame:
    """The queue left undecided at the end of the latest quarter applied before `kuartal`."""
    return query(
        con,
        "SELECT * EXCLUDE (kuartal, dibawa_dari), coalesce(dibawa_dari, kuartal) AS dibawa_dari FROM verifikasi "
        "WHERE kuartal = (SELECT max(kuartal) FROM kuartal WHERE kuartal < $q) "
        "ORDER BY sumber_file, sumber_baris, id_verifikasi",
        {"q": kuartal},
    )


def review_history(con: duckdb.DuckDBPyConnection, kuartal: int) -> tuple[frozenset[str], dict[str, int], dict[str, int]]:
    """Before `kuartal`: the pair keys officials rejected, the quarter each id was last queued in,
    and the quarter each decided id was decided in."""
    rejected = frozenset(r[0] for r in con.execute(
        "SELECT DISTINCT kunci_pasangan FROM verifikasi_selesai WHERE kuartal < ? AND keputusan = 'TOLAK' "
        "AND kunci_pasangan IS NOT NULL", [kuartal]).fetchall())
    known = dict(con.execute(
        "SELECT id_verifikasi, max(kuartal) FROM verifikasi WHERE kuartal < ? GROUP BY ALL", [kuartal]).fetchall())
    decided = dict(con.execute(
        "SELECT id_verifikasi, max(kuartal) FROM verifikasi_selesai WHERE kuartal < ? GROUP BY ALL",
        [kuartal]).fetchall())
    return rejected, known, decided


def quarantine_of(con: duckdb.DuckDBPyConnection, kuartal: int) -> pl.DataFrame:
    return query(
        con, "SELECT * EXCLUDE (kuartal) FROM karantina WHERE kuartal = ? ORDER BY sumber_file, sumber_baris", [kuartal]
    )


def files_of(con: duckdb.DuckDBPyConnection, kuartal: int) -> pl.DataFrame:
    return query(con, "SELECT * EXCLUDE (kuartal) FROM berkas WHERE kuartal = ? ORDER BY sumber_file", [kuartal])


def status_summary(con: duckdb.DuckDBPyConnection) -> dict:
    """What `pdpb status` prints: quarters applied with counts, and the last runs."""
    quarters = con.execute(
        """
        SELECT k.kuartal, k.label, k.tanggal_acuan, k.diterapkan_pada,
               (SELECT count(*) FROM pemilih p WHERE p.berlaku_dari <= k.kuartal
                  AND (p.berlaku_sampai IS NULL OR p.berlaku_sampai > k.kuartal) AND p.status = 'AKTIF') AS aktif,
               (SELECT count(*) FROM perubahan c WHERE c.kuartal = k.kuartal AND c.kategori = 'BARU') AS baru,
               (SELECT count(*) FROM perubahan c WHERE c.kuartal = k.kuartal AND c.kategori = 'TMS') AS tms,
               (SELECT count(*) FROM perubahan c WHERE c.kuartal = k.kuartal AND c.kategori = 'UBAH') AS ubah,
               (SELECT count(DISTINCT id_verifikasi) FROM verifikasi v WHERE v.kuartal = k.kuartal) AS verifikasi,
               (SELECT count(*) FROM karantina q WHERE q.kuartal = k.kuartal) AS karantina
        FROM kuartal k ORDER BY k.kuartal
        """
    ).fetchall()
    runs = con.execute(
        "SELECT id_run, perintah, kuartal, mulai, selesai, hasil, pesan FROM runs ORDER BY mulai DESC LIMIT 5"
    ).fetchall()
    return {
        "kode_kabupaten": get_meta(con, "kode_kabupaten"),
        "kuartal": [
            dict(zip(("kuartal", "label", "tanggal_acuan", "diterapkan_pada", "aktif", "baru", "tms", "ubah",
                      "verifikasi", "karantina"), row))
            for row in quarters
        ],
        "runs": [dict(zip(("id_run", "perintah", "kuartal", "mulai", "selesai", "hasil", "pesan"), r)) for r in runs],
    }


# --- a new database; the benchmark's floor ------------------------------------------------------


def holds_list(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database already holds a voter list: a quarter (the baseline's included) is recorded."""
    return bool(
        scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'kuartal'")
        and scalar(con, "SELECT count(*) FROM kuartal")
    )


def baseline_date(con: duckdb.DuckDBPyConnection) -> date | None:
    """The tanggal acuan of the baseline list."""
    return scalar(con, "SELECT min(tanggal_acuan) FROM kuartal")


def start_database(con: duckdb.DuckDBPyConnection, kode_kabupaten: str) -> None:
    """The schema of a new database, and its kabupaten and schema version in one transaction."""
    create_schema(con)
    con.execute("BEGIN TRANSACTION")
    set_meta(con, "kode_kabupaten", kode_kabupaten)
    set_meta(con, "schema_version", SCHEMA_VERSION)
    con.execute("COMMIT")


def write_floor(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
    """The list written once as it was read, with no checks or versions: the floor `pdpb bench`
    measures the stages against."""
    arrow = frame.to_arrow()  # noqa: F841 (DuckDB reads the local by name)
    con.execute("CREATE TABLE pemilih AS SELECT * FROM arrow")
