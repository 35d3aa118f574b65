"""The public lists of one desa/kelurahan for posting at the desa office (SPEC §5.5): NIK/NKK
keep their first 6 digits, birth dates show only the year, no disability details, no review
queue (it names unconfirmed candidates), and no evidence columns from the working files."""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path
from typing import Any

from reports.desa import (
    BARU, TMS, UBAH, DesaPart, ReportContext, changed_fields, field_caption, parse_values, show_value, tms_rows,
)
from reports.publik_format import CEK_DPT, nama_kpu, tanggal
from reports.rows import numbered, pick
from reports.style import Column, Table, captions, columns, new_workbook, note_lines, save_workbook, write_table

MASK_KEEP = 6

REPORT_NAMES = {
    BARU: "PENGUMUMAN DAFTAR PEMILIH BARU",
    TMS: "PENGUMUMAN DAFTAR PEMILIH TIDAK MEMENUHI SYARAT (TMS)",
    UBAH: "PENGUMUMAN PERUBAHAN DATA PEMILIH",
}

BARU_COLUMNS = ("no", "nik", "nkk", "nama", "tempat_lahir", "tahun_lahir", "jenis_kelamin", "alamat", "rt", "rw")
TMS_COLUMNS = ("no", "nik", "nkk", "nama", "tahun_lahir", "jenis_kelamin", "alamat", "rt", "rw", "kode_tms", "label_tms")
UBAH_COLUMNS = ("no", "nik", "nkk", "nama", "jenis_kelamin", "kolom_diubah", "nilai_lama", "nilai_baru")
# Where a person lives now is nobody else's business once they moved: a move shows the desa only.
ADDRESS_FIELDS = ("alamat", "rt", "rw")


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


def baru_table(ctx: ReportContext, part: DesaPart) -> Table:
    keys = BARU_COLUMNS[1:]
    rows = [_public(list(r), keys) for r in pick(part.baru, _source_keys(keys))]
    return Table(BARU, REPORT_NAMES[BARU], columns(*BARU_COLUMNS), numbered(rows), notes=response_notes(ctx))


def next_quarter_end(tanggal_acuan: date) -> date:
    """The last day of the quarter after the one ending on `tanggal_acuan`."""
    month = tanggal_acuan.month + 3
    year = tanggal_acuan.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def response_notes(ctx: ReportContext) -> list[tuple[str, str]]:
    """How and until when a person responds: what the posted list is for."""
    batas = tanggal(next_quarter_end(ctx.tanggal_acuan))
    return [
        *note_lines(f"Tanggapan: bila nama Anda atau keluarga Anda belum tercantum, tercantum padahal tidak "
                    f"memenuhi syarat, atau datanya salah, sampaikan ke PPS di kantor desa/kelurahan atau ke "
                    f"{nama_kpu(ctx.nama_kabupaten)} dengan membawa KTP-el dan Kartu Keluarga, paling lambat "
                    f"{batas}."),
        *note_lines(f"Tanggapan sampai tanggal itu diproses dalam pemutakhiran triwulan berikutnya. Cek status "
                    f"Anda juga di {CEK_DPT}.", "judul"),
    ]


def tms_table(ctx: ReportContext, part: DesaPart) -> Table:
    keys = TMS_COLUMNS[1:]
    plain = {k: ket or label for k, label, ket in ctx.tms}
    rows = []
    for r in tms_rows(ctx, part.tms, _source_keys(keys)):
        r = _public(r, keys)
        r[-1] = plain.get(r[-2], r[-1])  # "Meninggal dunia", "Pindah domisili ke luar kabupaten/kota"
        rows.append(r)
    cols = [*columns(*TMS_COLUMNS[:-1]), Column("KETERANGAN", "teks", 40)]
    return Table(TMS, REPORT_NAMES[TMS], cols, numbered(rows), notes=response_notes(ctx))


def ubah_wording(ctx: ReportContext, kode_desa: str, fields: list[str], lama: dict, baru: dict) -> str:
    """Plain words for one change: 'Pindah ke desa/kelurahan lain', 'Pindah masuk dari Desa Bulu',
    'Perbaikan data: nama, tempat lahir'."""
    caps = captions()
    named = [field_caption(f) for f in fields
             if f not in ("kode_desa", *ADDRESS_FIELDS) and (f not in caps or caps[f].public_name)]
    hidden = [f for f in fields if f in caps and not caps[f].public_name]
    parts = []
    if "kode_desa" in fields:
        old, new = lama.get("kode_desa"), baru.get("kode_desa")
        if old == kode_desa:
            parts.append("Pindah ke desa/kelurahan lain")
        else:
            parts.append(f"Pindah masuk dari {ctx.desa_phrase(old) if old in ctx.desa else 'desa/kelurahan lain'}")
    elif any(f in ADDRESS_FIELDS for f in fields):
        parts.append("Pindah alamat di desa/kelurahan ini")
    if named or hidden:
        parts.append("Perbaikan data: " + ", ".join(named + (["data lainnya"] if hidden else [])))
    return "; ".join(parts) or "Perbaikan data"


def public_ubah_rows(ctx: ReportContext, part: DesaPart) -> list[list[Any]]:
    caps = captions()
    rows = []
    for nik, nkk, nama, jk, kolom, lama_text, baru_text in pick(
        part.ubah, ("nik", "nkk", "nama", "jenis_kelamin", "kolom_diubah", "nilai_lama", "nilai_baru")
    ):
        lama, baru = parse_values(lama_text), parse_values(baru_text)
        fields = changed_fields(kolom, lama, baru)
        # The old address helps neighbours recognise the person; the new one is not posted.
        shown = [f for f in fields if f in caps and caps[f].public_value and f != "kode_desa"]
        shown_new = [f for f in shown if f not in ADDRESS_FIELDS]
        old = "; ".join(f"{field_caption(f)}: {show_value(ctx, f, lama.get(f))}" for f in shown) or None
        new = "; ".join(f"{field_caption(f)}: {show_value(ctx, f, baru.get(f))}" for f in shown_new) or None
        rows.append([mask_nik(nik), mask_nik(nkk), nama, jk, ubah_wording(ctx, part.kode_desa, fields, lama, baru),
                     old, new])
    return rows


def ubah_table(ctx: ReportContext, part: DesaPart) -> Table:
    cols = [*columns(*UBAH_COLUMNS[:5]), Column("PERUBAHAN", "teks", 40), *columns(*UBAH_COLUMNS[6:])]
    return Table(UBAH, REPORT_NAMES[UBAH], cols, numbered(public_ubah_rows(ctx, part)), notes=response_notes(ctx))


def write_pengumuman(ctx: ReportContext, part: DesaPart, path: Path) -> Path:
    heading = ctx.heading(ctx.wilayah_line(part.kode_desa))
    wb = new_workbook()
    for table in (baru_table(ctx, part), tms_table(ctx, part), ubah_table(ctx, part)):
        write_table(wb, heading, table)
    return save_workbook(wb, path, ctx.dibuat, f"PENGUMUMAN PERUBAHAN DAFTAR PEMILIH \u2014 {ctx.desa_phrase(part.kode_desa)}")
