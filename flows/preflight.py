"""Checks that need no Prefect, run before Prefect is imported: a wrong command is refused in
well under two seconds, with one line that says what to do (SPEC §3 "Quarter order")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from transforms.errors import InputError


def missing_inbox_message(inbox: Path) -> str:
    return (f"folder kotak masuk {inbox} tidak ditemukan; buat folder itu dan taruh berkas dari instansi di "
            "dalamnya, atau tunjuk folder lain dengan --inbox")


def missing_db_message(db: Path) -> str:
    return (f"basis data {db} belum ada; muat dahulu daftar pemilih awal dengan `pdpb init --voters BERKAS` "
            "(atau tunjuk basis data lain dengan --db)")


def _open_read_only(db: Path):
    from transforms import store

    if not db.is_file():
        raise InputError(missing_db_message(db))
    with store.writer_lock(db):  # refused at once while another run writes
        pass
    return store.connect(db, read_only=True)


@dataclass(frozen=True)
class RunCheck:
    plan: object                        # transforms.quarters.RunPlan
    files: list[tuple[Path, str]]       # the inbox files with their kind
    tanggal_awal: date                  # the baseline's date


def check_run(kuartal: int, inbox: Path, db: Path, lewati: bool) -> RunCheck:
    from transforms import quarters
    from transforms.read import list_inbox

    con = _open_read_only(db)
    try:
        plan = quarters.plan_run(con, kuartal, lewati=lewati, db=str(db))
        base = quarters.baseline(con)
    finally:
        con.close()
    if not inbox.is_dir():
        raise InputError(missing_inbox_message(inbox))
    return RunCheck(plan=plan, files=list_inbox(inbox), tanggal_awal=base.tanggal)


def check_init(voters: Path, db: Path, kabupaten: str) -> str:
    """The kabupaten's name; InputError when the file is missing or the database already holds a list."""
    from transforms import store
    from transforms.wilayah import kabupaten_name

    if not voters.is_file():
        raise InputError(f"berkas daftar pemilih {voters} tidak ditemukan; periksa nama dan foldernya")
    try:
        nama = kabupaten_name(kabupaten)
    except InputError as exc:
        raise InputError(f"opsi --kabupaten: {exc.message}") from None
    if db.exists():
        con = _open_read_only(db)
        try:
            has = store.holds_list(con)
            tanggal = store.baseline_date(con) if has else None
        finally:
            con.close()
        if has:
            raise InputError(f"basis data {db} sudah berisi daftar pemilih awal (per {tanggal}); untuk memulai "
                             "dari awal beri --db lain, atau pindahkan berkas itu dahulu (simpan sebagai cadangan)")
    return nama


def check_db(db: Path):
    """An open read-only connection to an existing database (the caller closes it)."""
    return _open_read_only(db)
