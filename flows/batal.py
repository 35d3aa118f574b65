"""`pdpb batal --quarter Q`: withdraw the latest applied quarter (no Prefect needed).

The list goes back to its state before Q, the withdrawal is recorded in the database, and Q's
reports are moved aside to `<out>/<Q>.batal-<waktu>`, never deleted: they were handed out, and
someone may need to see what was withdrawn.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from flows.settings import versions
from transforms import audit, quarters, store
from transforms.errors import InputError


def withdraw_quarter(*, quarter: str, db: Path, out: Path, alasan: str = "") -> dict:
    kuartal = store.quarter_index(quarter)
    label = store.quarter_label(kuartal)
    if not db.is_file():
        from flows.preflight import missing_db_message

        raise InputError(missing_db_message(db))
    started = datetime.now()
    id_run = uuid.uuid4().hex[:12]
    with store.writer_lock(db):
        con = store.connect(db)
        try:
            store.create_schema(con)  # a database from an earlier release gets the record table
            counts = quarters.withdraw(con, kuartal, id_run, alasan)
            audit.record(con, "batal", kuartal=kuartal, keterangan=alasan or None)
            store.record_run(con, id_run=id_run, perintah="batal", kuartal=kuartal, mulai=started,
                             hasil="BERHASIL", pesan=alasan or None,
                             parameter={"quarter": label, "db": str(db), "out": str(out)}, versi=versions())
            latest = store.latest_quarter(con)
            base = quarters.baseline(con).kuartal
        finally:
            con.close()
    moved = None
    reports = out / label
    if reports.exists():
        moved = reports.with_name(f"{label}.batal-{started:%Y%m%d-%H%M%S}")
        reports.rename(moved)
    return {"kuartal": label, **counts, "laporan_dipindah": str(moved) if moved else None,
            "terakhir": store.quarter_label(latest), "awal": latest == base}

