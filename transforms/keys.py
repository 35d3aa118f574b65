"""The database key: DuckDB's own encryption of the database file (AES-GCM), its WAL and its temp files.

The key comes from the environment (`PDPB_KUNCI`), never from a file of the project or a flag
(a flag shows in the process list and the shell history). A database created while the key is
set is encrypted; from then on every command needs that key, and a wrong or missing key is
refused before anything is read or written.

DuckDB writes encrypted files only through OpenSSL, which its `httpfs` extension brings; its
built-in mbedtls module only reads them (its random numbers are not fit for GCM nonces).
`PDPB_KRIPTO_UJI_TIDAK_AMAN=1` lets the test suite write with mbedtls on a machine without the
extension; it is never for real data, and every command says so on stderr when it is set.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import duckdb

from transforms.errors import InputError

KEY_ENV = "PDPB_KUNCI"
NEW_KEY_ENV = "PDPB_KUNCI_BARU"
UNSAFE_TEST_ENV = "PDPB_KRIPTO_UJI_TIDAK_AMAN"
MIN_KEY_LENGTH = 12
ALIAS = "pdpb"
GUIDE = "docs/PANDUAN_KUNCI.md"

_warned = False


def database_key() -> str | None:
    """The key of the database, from PDPB_KUNCI (unset or empty: a plain database)."""
    return os.environ.get(KEY_ENV) or None


def check_new_key(key: str, source: str = KEY_ENV) -> None:
    """A key that is about to protect a database: long enough that guessing it is hopeless."""
    if len(key) < MIN_KEY_LENGTH:
        raise InputError(f"kunci {source} terlalu pendek: paling sedikit {MIN_KEY_LENGTH} karakter")


def new_key() -> str:
    """The new key for `pdpb kunci ganti`: PDPB_KUNCI_BARU, or typed twice at the terminal."""
    key = os.environ.get(NEW_KEY_ENV)
    if not key:
        if not sys.stdin.isatty():
            raise InputError(f"kunci baru belum diberikan; setel {NEW_KEY_ENV} atau jalankan di terminal")
        key = getpass.getpass("Kunci baru: ")
        if getpass.getpass("Ulangi kunci baru: ") != key:
            raise InputError("kedua kunci baru yang diketik tidak sama; tidak ada yang diubah")
    check_new_key(key, NEW_KEY_ENV)
    return key


def is_unsafe_test_mode() -> bool:
    return os.environ.get(UNSAFE_TEST_ENV) == "1"


def prepare(con: duckdb.DuckDBPyConnection, db_path: Path, *, write: bool) -> None:
    """Crypto and temp files of a connection that will attach an encrypted database.

    Temp files go next to the database (not to the working directory) and are encrypted too.
    """
    global _warned
    con.execute("SET temp_directory = ?", [str(db_path) + ".tmp"])
    con.execute("SET temp_file_encryption = true")
    if is_unsafe_test_mode():
        if not _warned:
            print(f"pdpb: PERINGATAN: {UNSAFE_TEST_ENV}=1, enkripsi tidak aman (hanya untuk pengujian)",
                  file=sys.stderr)
            _warned = True
        con.execute("SET force_mbedtls_unsafe = true")
        return
    try:
        con.execute("LOAD httpfs")
    except duckdb.Error:
        if write:
            raise InputError(
                "enkripsi basis data memerlukan ekstensi httpfs DuckDB (OpenSSL), yang belum terpasang; "
                f"lihat {GUIDE} bagian 'Memasang httpfs'",
                file=str(db_path),
            ) from None
        # Reading needs no random numbers: DuckDB's built-in module decrypts safely.


def check_writable(db_path: Path) -> None:
    """Refuse at once when this machine cannot write an encrypted database (no OpenSSL)."""
    con = duckdb.connect(":memory:")
    try:
        prepare(con, db_path, write=True)
    finally:
        con.close()


def attach(con: duckdb.DuckDBPyConnection, db_path: Path, key: str, alias: str = ALIAS, *,
           read_only: bool = False) -> None:
    # GCM, DuckDB's default, said explicitly: authenticated, so a changed page is detected, not read.
    options = "ENCRYPTION_KEY ?, ENCRYPTION_CIPHER 'GCM'" + (", READ_ONLY" if read_only else "")
    con.execute(f"ATTACH ? AS {alias} ({options})", [str(db_path), key])


def open_encrypted(db_path: Path, key: str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection whose default database is the encrypted file: unqualified names work unchanged."""
    con = duckdb.connect(":memory:")
    try:
        prepare(con, db_path, write=not read_only)
        attach(con, db_path, key, read_only=read_only)
        con.execute(f"USE {ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


def open_error(exc: duckdb.Error, db_path: Path) -> InputError:
    """DuckDB's refusal as one line an operator can act on."""
    text = str(exc)
    low = text.lower()
    if "without a key" in low:
        msg = f"basis data ini terenkripsi; setel {KEY_ENV} dengan kuncinya (lihat {GUIDE})"
    elif "wrong encryption key" in low:
        msg = f"kunci {KEY_ENV} salah untuk basis data ini; tidak ada yang dibaca atau diubah"
    elif "is not encrypted" in low:
        msg = (f"basis data ini tidak terenkripsi, tetapi {KEY_ENV} disetel; kosongkan {KEY_ENV}, "
               "atau enkripsi dengan `pdpb kunci ganti`")
    elif "crypto module" in low:
        msg = (f"enkripsi basis data memerlukan ekstensi httpfs DuckDB (OpenSSL), yang belum terpasang; "
               f"lihat {GUIDE} bagian 'Memasang httpfs'")
    elif "lock" in low:
        msg = "basis data sedang dipakai oleh proses lain"
    else:
        msg = f"basis data tidak dapat dibuka: {text}"
    return InputError(msg, file=str(db_path))


def reencrypt(db_path: Path, old_key: str | None, new_key: str, *, before_swap=None) -> None:
    """Copy the whole database into a new file encrypted under `new_key`, check it, then swap it
    in with one rename: a crash at any point leaves the old file, whole, under the old key.

    `old_key` None: the database is plain and becomes encrypted. `before_swap(con)` runs on the
    new database before it is closed (the audit line of the change). The caller holds the
    writer lock.
    """
    fresh = db_path.with_name(db_path.name + ".kunci-baru")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)  # a copy a crash left behind: encrypted, and incomplete
    con = duckdb.connect(":memory:")
    try:
        try:
            prepare(con, db_path, write=True)
            if old_key is None:
                con.execute("ATTACH ? AS lama (READ_ONLY)", [str(db_path)])
            else:
                attach(con, db_path, old_key, "lama", read_only=True)
        except duckdb.Error as exc:
            raise open_error(exc, db_path) from None
        attach(con, fresh, new_key, "baru")
        con.execute("COPY FROM DATABASE lama TO baru")
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'lama' ORDER BY table_name").fetchall()]
        for table in tables:
            old_n = con.execute(f'SELECT count(*) FROM lama."{table}"').fetchone()[0]
            new_n = con.execute(f'SELECT count(*) FROM baru."{table}"').fetchone()[0]
            if old_n != new_n:
                raise RuntimeError(f"salinan tabel {table} tidak lengkap ({new_n} dari {old_n} baris)")
        if before_swap is not None:
            con.execute("USE baru")
            before_swap(con)
            con.execute("USE memory")
        con.execute("DETACH lama")
        con.execute("DETACH baru")  # checkpoints: the new file is complete, no WAL is left
    except BaseException:
        con.close()
        fresh.unlink(missing_ok=True)
        raise
    con.close()
    _fsync(fresh)
    os.replace(fresh, db_path)
    if os.name == "posix":  # a folder cannot be opened for fsync on Windows
        _fsync(db_path.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
