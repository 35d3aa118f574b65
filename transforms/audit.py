"""The audit log: who (the OS account), when, which command, which file was written, how many rows.

Recorded in the database itself (table `audit`, schemas/ddl.sql), so it is encrypted with it and
travels with it. Any command that changes the list or hands data out calls `record` once it has
done its work; `pdpb status --audit` shows the log.
"""

from __future__ import annotations

import getpass
import os
import socket
from datetime import datetime
from pathlib import Path

import duckdb

COLUMNS = ("urutan", "waktu", "pengguna", "komputer", "perintah", "kuartal", "berkas", "baris", "keterangan")


def os_user() -> str:
    """The account the process runs as: on Linux from the kernel's uid (not from $USER, which
    anyone can set), on Windows the logon name."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, AttributeError, KeyError):
        return getpass.getuser()


def _has_table(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'audit' "
        "AND table_catalog = current_database()"
    ).fetchone()[0])


def record(
    con: duckdb.DuckDBPyConnection,
    perintah: str,
    *,
    kuartal: int | None = None,
    berkas: Path | str | None = None,
    baris: int | None = None,
    keterangan: str | None = None,
) -> None:
    """One line of the log. Call it inside the command's own transaction where it has one, so the
    line exists exactly when the work does."""
    if not _has_table(con):  # a database from an earlier release
        from transforms.store import create_schema

        create_schema(con)
    con.execute(
        "INSERT INTO audit SELECT coalesce(max(urutan), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ? FROM audit",
        [datetime.now().replace(microsecond=0), os_user(), socket.gethostname(), perintah, kuartal,
         str(berkas) if berkas is not None else None, baris, keterangan],
    )


def entries(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[dict]:
    """The log, oldest first (the last `limit` lines when given)."""
    if not _has_table(con):
        return []
    rows = con.execute(
        f"SELECT {', '.join(COLUMNS)} FROM audit ORDER BY urutan DESC" + (" LIMIT ?" if limit else ""),
        [limit] if limit else [],
    ).fetchall()
    return [dict(zip(COLUMNS, r)) for r in reversed(rows)]
