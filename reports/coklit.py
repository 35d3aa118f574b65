"""coklit/: per desa/kelurahan, the voters to visit in a limited house-to-house check (coklit
terbatas): voters aged over 100, and review items that only a visit can settle. Each row has a
HASIL COKLIT drop-down (MS, TMS with its code, TIDAK DIKENAL) for the officials to fill in."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from reports.desa import ReportContext, usulan_text
from reports.model import ReportData
from reports.style import Column, Table, new_workbook, note_lines, safe_file_name, save_workbook, write_table
from reports.workbooks import REPORT_DESA, queue_by_desa
from transforms.quarter_state import age_on

FOLDER = "coklit"
# Voters this old are most often deaths never reported; PKPU asks for them to be checked in the field.
UMUR_DICEK = 100
# A review item needs a visit when it proposes removing a person or adding one; a data
# correction can be settled from documents.
VISIT_KINDS = ("TMS", "BARU")
MS = "MS"
TIDAK_DIKENAL = "TIDAK DIKENAL"
COLUMNS = [
    Column("NO", "nomor", 6), Column("ALASAN KUNJUNGAN", "teks", 34), Column("ID VERIFIKASI", "teks", 14),
    Column("NIK", "nik", 18), Column("NAMA", "teks", 28), Column("TANGGAL LAHIR", "tanggal", 12),
    Column("UMUR", "nomor", 6), Column("L/P", "teks", 5), Column("ALAMAT", "teks", 26), Column("RT/RW", "teks", 9),
    Column("TPS", "teks", 6), Column("HASIL COKLIT", "teks", 16), Column("KETERANGAN PETUGAS", "teks", 30),
    # The key a returned list is read back by (transforms/coklit.py).
    Column("ID PEMILIH", "teks", 10),
]
HASIL = len(COLUMNS) - 3


def outcome_choices(ctx: ReportContext) -> list[str]:
    """MS, TMS 1 … TMS n of the code table in force, TIDAK DIKENAL."""
    return [MS, *[f"TMS {k}" for k, _, _ in ctx.tms], TIDAK_DIKENAL]


def _key(id_pemilih) -> str | None:
    return None if id_pemilih is None else str(id_pemilih)


def _rt_rw(rt, rw) -> str | None:
    if rt and rw:
        return f"{str(rt).zfill(3)}/{str(rw).zfill(3)}"
    return rt or None


def visits_by_desa(ctx: ReportContext, data: ReportData) -> dict[str, list[list]]:
    out: dict[str, list[list]] = {}
    if data.rows is not None and data.rows.aktif.height:
        aktif = data.rows.aktif
        old = aktif.filter(pl.col("tanggal_lahir").is_not_null()
                           & (pl.col("tanggal_lahir") <= _birthday_limit(ctx.tanggal_acuan)))
        for r in old.sort("kode_desa", "nama").iter_rows(named=True):
            umur = age_on(r["tanggal_lahir"], ctx.tanggal_acuan)
            out.setdefault(r["kode_desa"], []).append([
                f"Berumur lebih dari {UMUR_DICEK} tahun", None, r["nik"], r["nama"], r["tanggal_lahir"], umur,
                r["jenis_kelamin"], r.get("alamat"), _rt_rw(r.get("rt"), r.get("rw")), r.get("tps"), None, None,
                _key(r.get("id_pemilih")),
            ])
    queue = queue_by_desa(data.verifikasi.filter(pl.col("kategori_usulan").is_in(VISIT_KINDS)))
    for r in queue.iter_rows(named=True):
        kode = r[REPORT_DESA]
        if kode not in ctx.desa:
            continue
        usulan = usulan_text(ctx, r["kategori_usulan"], r["kode_tms_usulan"])
        has_candidate = r.get("nik_kandidat") is not None
        out.setdefault(kode, []).append([
            f"Usulan {usulan}: {r['alasan']}", r["id_verifikasi"],
            r["nik_kandidat"] if has_candidate else r.get("nik_sumber"),
            r["nama_kandidat"] if has_candidate else r.get("nama_sumber"),
            r.get("tanggal_lahir_kandidat") if has_candidate else r.get("tanggal_lahir_sumber"),
            None, r.get("jenis_kelamin_kandidat"), r.get("alamat_kandidat"),
            r.get("rt_rw_kandidat") if has_candidate else r.get("rt_rw_sumber"), None, None, None,
            _key(r.get("id_pemilih_kandidat")),
        ])
    return out


def _birthday_limit(day):
    """Born on or before this date: older than UMUR_DICEK on `day` (UMUR_DICEK + 1 or more)."""
    try:
        return day.replace(year=day.year - UMUR_DICEK - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - UMUR_DICEK - 1, day=28)


def write_coklit(ctx: ReportContext, data: ReportData, out_dir: Path) -> list[Path]:
    folder = Path(out_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    choices = ",".join(outcome_choices(ctx))
    paths = []
    for kode, rows in sorted(visits_by_desa(ctx, data).items()):
        table = Table(
            "Coklit Terbatas", "DAFTAR PEMILIH UNTUK COKLIT TERBATAS", COLUMNS,
            [[i, *r] for i, r in enumerate(rows, 1)],
            notes=note_lines("Isi HASIL COKLIT: MS (memenuhi syarat, masih tinggal di sini), TMS dengan kodenya "
                             "(mis. TMS 1 bila meninggal), atau TIDAK DIKENAL bila tidak dikenal di lingkungan "
                             "ini. Kembalikan berkas ini ke kotak masuk dengan nama diawali 'coklit' agar "
                             "hasilnya dibaca."),
            input_columns=(HASIL, HASIL + 1), validations=((HASIL, choices),), width_floor={HASIL: 16},
        )
        wb = new_workbook()
        write_table(wb, ctx.heading(ctx.wilayah_line(kode)), table)
        name = safe_file_name(kode, ctx.desa[kode][0])
        paths.append(save_workbook(wb, folder / name, ctx.dibuat,
                                   f"COKLIT TERBATAS \u2014 {ctx.desa_phrase(kode)}"))
    return paths
