"""The public lists of one desa/kelurahan for posting at the desa office (SPEC §5.5): NIK/NKK
keep their first 6 digits, birth dates show only the year, no disability details, no review
queue (it names unconfirmed candidates), and no evidence columns from the working files."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from reports.desa import BARU, TMS, UBAH, DesaPart, ReportContext, _numbered, _pick, tms_rows, ubah_rows
from reports.style import Table, columns, new_workbook, save_workbook, write_table

MASK_KEEP = 6

REPORT_NAMES = {
    BARU: "PENGUMUMAN DAFTAR PEMILIH BARU",
    TMS: "PENGUMUMAN DAFTAR PEMILIH TIDAK MEMENUHI SYARAT (TMS)",
    UBAH: "PENGUMUMAN PERUBAHAN DATA PEMILIH",
}

BARU_COLUMNS = ("no", "nik", "nkk", "nama", "tempat_lahir", "tahun_lahir", "jenis_kelamin", "alamat", "rt", "rw")
TMS_COLUMNS = ("no", "nik", "nkk", "nama", "tahun_lahir", "jenis_kelamin", "alamat", "rt", "rw", "kode_tms", "label_tms")
UBAH_COLUMNS = ("no", "nik", "nkk", "nama", "jenis_kelamin", "kolom_diubah", "nilai_lama", "nilai_baru")


def mask_nik(value: Any) -> str | None:
    """'3323012345678901' -> '332301**********': the region part stays, the person part goes."""
    if value is None:
        return None
    text = str(value)
    return text[:MASK_KEEP] + "*" * max(len(text) - MASK_KEEP, 0) if len(text) > MASK_KEEP else text


def birth_year(value: Any) -> int | None:
    return value.year if isinstance(value, date) else None


def _public(row: list[Any], keys: tuple[str, ...]) -> list[Any]:
    out = []
    for key, value in zip(keys, row):
        if key in ("nik", "nkk"):
            value = mask_nik(value)
        elif key == "tahun_lahir":
            value = birth_year(value)
        out.append(value)
    return out


def _source_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    # tahun_lahir is read from tanggal_lahir and reduced to its year in _public.
    return tuple("tanggal_lahir" if k == "tahun_lahir" else k for k in keys)


def baru_table(part: DesaPart) -> Table:
    keys = BARU_COLUMNS[1:]
    rows = [_public(list(r), keys) for r in _pick(part.baru, _source_keys(keys))]
    return Table(BARU, REPORT_NAMES[BARU], columns(*BARU_COLUMNS), _numbered(rows))


def tms_table(ctx: ReportContext, part: DesaPart) -> Table:
    keys = TMS_COLUMNS[1:]
    rows = [_public(r, keys) for r in tms_rows(ctx, part.tms, _source_keys(keys))]
    return Table(TMS, REPORT_NAMES[TMS], columns(*TMS_COLUMNS), _numbered(rows))


def ubah_table(ctx: ReportContext, part: DesaPart) -> Table:
    keys = UBAH_COLUMNS[1:]
    rows = [_public(r[: len(keys)], keys) for r in ubah_rows(ctx, part.ubah, public=True)]
    return Table(UBAH, REPORT_NAMES[UBAH], columns(*UBAH_COLUMNS), _numbered(rows))


def write_pengumuman(ctx: ReportContext, part: DesaPart, path: Path) -> Path:
    heading = ctx.heading(ctx.wilayah_line(part.kode_desa))
    wb = new_workbook()
    for table in (baru_table(part), tms_table(ctx, part), ubah_table(ctx, part)):
        write_table(wb, heading, table)
    return save_workbook(wb, path, ctx.dibuat, f"PENGUMUMAN PERUBAHAN DAFTAR PEMILIH \u2014 {ctx.desa_phrase(part.kode_desa)}")
