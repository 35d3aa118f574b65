"""`pdpb export`: the whole list as of the end of a quarter, as CSV, Parquet or Excel."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from schemas.fields import PERSON_FIELDS
from transforms import store
from transforms.errors import InputError

EXPORT_COLUMNS = ("id_pemilih", "status", "kode_tms", *PERSON_FIELDS, "sumber_file", "sumber_baris")
XLSX_ROWS_PER_SHEET = 1_000_000  # Excel stops at 1,048,576 rows


def export_frame(con: duckdb.DuckDBPyConnection, kuartal: int) -> pl.DataFrame:
    applied = store.applied_quarters(con)
    if not applied or kuartal < applied[0]:
        raise InputError(
            f"triwulan {store.quarter_label(kuartal)} sebelum daftar awal; tidak ada data", column="quarter"
        )
    return store.list_as_of(con, kuartal).select(EXPORT_COLUMNS)


def export_list(con: duckdb.DuckDBPyConnection, kuartal: int, path: Path, *, samaran: bool = False) -> int:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".xlsx"):
        raise InputError("format ekspor harus .csv, .parquet atau .xlsx", file=str(path))
    frame = export_frame(con, kuartal)
    if samaran:
        from transforms.samaran import masked

        frame = masked(frame)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.write_csv(path, null_value="")
    elif suffix == ".parquet":
        frame.write_parquet(path)
    else:
        _write_xlsx(frame, path)
    return frame.height


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    for start in range(0, max(frame.height, 1), XLSX_ROWS_PER_SHEET):
        ws = wb.create_sheet(f"Pemilih {start // XLSX_ROWS_PER_SHEET + 1}")
        ws.append(list(frame.columns))
        for row in frame.slice(start, XLSX_ROWS_PER_SHEET).iter_rows():
            cells = []
            for value in row:
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text stays text: NIK keeps 16 digits, '=' never a formula
                    cell.number_format = "@"
                elif value is not None and hasattr(value, "isoformat"):
                    cell.number_format = "dd-mm-yyyy"
                cells.append(cell)
            ws.append(cells)
    wb.save(path)


def run_export(db: Path, kuartal: int, path: Path, *, samaran: bool, archive_password: str | None) -> tuple[int, Path]:
    """`pdpb export`: write the file, recorded in the audit log. The full list (not the masked
    one) goes into an AES zip when archives are on. Returns the rows and the path written."""
    from transforms import arsip, audit

    store.check_access(db)  # a missing or wrong key is refused before even the lock file is made
    with store.writer_lock(db):
        con = store.connect(db)
        try:
            n = export_list(con, kuartal, path, samaran=samaran)
            written = path
            if archive_password is not None and not samaran:
                written = arsip.zip_file(path, archive_password)
            try:
                audit.record(con, "export --samaran" if samaran else "export", kuartal=kuartal, berkas=written,
                             baris=n)
            except BaseException:  # no hand-off without its line in the log
                written.unlink(missing_ok=True)
                raise
        finally:
            con.close()
    return n, written
