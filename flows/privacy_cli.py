"""The key and audit commands: `pdpb kunci ganti`, `pdpb status --audit`, and the key check of `init`."""

from __future__ import annotations

import json
from pathlib import Path

from transforms import audit, keys, store
from transforms.errors import InputError


def check_init_key(db: Path) -> None:
    """Before `init` starts: a new key must be long enough and writable encryption available;
    an existing database must open with the key given (or without one, if it is plain)."""
    key = keys.database_key()
    if db.exists():
        store.check_access(db)
    elif key is not None:
        keys.check_new_key(key)
        keys.check_writable(db)


def cmd_kunci(args, settings) -> int:
    db = Path(args.db or settings.db)
    if not db.exists():
        raise InputError("basis data belum ada; jalankan dahulu `pdpb init --voters BERKAS`", file=str(db))
    old = keys.database_key()
    store.check_access(db)  # the old key is right (or the database is plain and no key is set)
    new = keys.new_key()
    if new == old:
        raise InputError("kunci baru sama dengan kunci lama; tidak ada yang diubah")
    with store.writer_lock(db):
        keys.reencrypt(db, old, new, before_swap=lambda con: audit.record(
            con, "kunci ganti", berkas=db,
            keterangan="basis data dienkripsi" if old is None else "kunci diganti"))
    print(f"Basis data {db} kini terenkripsi dengan kunci baru. Mulai sekarang setel {keys.KEY_ENV} ke kunci "
          "baru itu; kunci lama tidak berlaku lagi.")
    return 0


def add_key_parser(sub) -> None:
    p = sub.add_parser("kunci", help="kunci enkripsi basis data")
    action = p.add_subparsers(dest="aksi", required=True)
    g = action.add_parser(
        "ganti",
        help=f"enkripsi ulang basis data dengan kunci baru (kunci lama dari {keys.KEY_ENV}, "
             f"kunci baru dari {keys.NEW_KEY_ENV} atau diketik)",
        description=f"Kunci lama dari {keys.KEY_ENV} (kosongkan bila basis data belum terenkripsi: ia lalu "
                    f"dienkripsi), kunci baru dari {keys.NEW_KEY_ENV} atau diketik dua kali. Basis data disalin "
                    "ke berkas baru dengan kunci baru, diperiksa, lalu ditukar dalam satu langkah. "
                    f"Lihat {keys.GUIDE}.",
    )
    g.add_argument("--db", type=Path)
    g.set_defaults(func=cmd_kunci)


def _n(value) -> str:
    return "" if value is None else f"{int(value):,}".replace(",", ".")


def print_audit(db: Path, *, as_json: bool = False) -> int:
    con = store.connect(db, read_only=True)
    try:
        rows = audit.entries(con)
    finally:
        con.close()
    if as_json:
        print(json.dumps(rows, default=str, indent=2, ensure_ascii=False))
        return 0
    print(f"Catatan audit basis data {db}: {len(rows)} entri")
    if not rows:
        return 0
    print(f"{'no':>4}  {'waktu':<19}  {'pengguna':<12} {'komputer':<14} {'perintah':<17} {'triwulan':<9} "
          f"{'baris':>10}  berkas")
    for r in rows:
        kuartal = store.quarter_label(r["kuartal"]) if r["kuartal"] is not None else ""
        extra = f"  ({r['keterangan']})" if r["keterangan"] else ""
        print(f"{r['urutan']:>4}  {str(r['waktu'])[:19]:<19}  {r['pengguna']:<12} {(r['komputer'] or '')[:14]:<14} "
              f"{r['perintah']:<17} {kuartal:<9} {_n(r['baris']):>10}  {r['berkas'] or ''}{extra}")
    return 0
