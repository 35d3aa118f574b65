"""tindak_lanjut/: one workbook per input file, back to the agency that sent it, with the outcome
of every row (diterapkan, menunggu verifikasi, dikarantina with the reason, tanpa perubahan with
what the list shows); and for Disdukcapil, the deaths reported by desa that its own extract did
not contain, so that an akta kematian can follow."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from reports.desa import ReportContext, usulan_text
from reports.instansi import DISDUKCAPIL, instansi_per_file
from reports.model import ReportData
from reports.style import Column, Table, new_workbook, note_lines, save_workbook, write_table
from schemas.fields import DITERAPKAN, KARANTINA, TANPA_PERUBAHAN, VERIFIKASI
from transforms.quarter_state import MARRIED, age_on

FOLDER = "tindak_lanjut"
# A name that no inbox kind starts with: a follow-up file put back in an inbox stops the run
# instead of being read as the agency's extract.
PREFIX = "tindak_lanjut_"
DESA_DEATHS = "disdukcapil_kematian_laporan_desa.xlsx"
HASIL_TEXT = {
    DITERAPKAN: "DITERAPKAN",
    VERIFIKASI: "MENUNGGU VERIFIKASI",
    KARANTINA: "DIKARANTINA",
    TANPA_PERUBAHAN: "TANPA PERUBAHAN",
}
ADDING_KINDS = ("penduduk", "pindah_datang")
COLUMNS = [
    Column("NO", "nomor", 6), Column("BARIS", "nomor", 8), Column("NIK", "nik", 18), Column("NAMA", "teks", 28),
    Column("DESA/KELURAHAN", "teks", 22), Column("HASIL", "teks", 20), Column("KETERANGAN", "teks", 60),
]


def row_outcomes(rows_hasil: pl.DataFrame, karantina: pl.DataFrame) -> pl.DataFrame:
    """sumber_file, sumber_baris, hasil — the same rule as the run's file accounting: a row
    quarantined anywhere counts as quarantined."""
    return pl.concat([
        rows_hasil.select("sumber_file", "sumber_baris", "hasil"),
        karantina.select("sumber_file", "sumber_baris", pl.lit(KARANTINA).alias("hasil")),
    ]).unique(subset=["sumber_file", "sumber_baris"], keep="last")


def _col(frame: pl.DataFrame, name: str, dtype=pl.Utf8) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit(None, dtype).alias(name)


def _applied_text(ctx: ReportContext, kategori: str, kode_tms, kolom: str | None, nama_desa: str | None) -> str:
    if kategori == "TMS":
        return f"{usulan_text(ctx, kategori, kode_tms)}: dicoret dari daftar pemilih"
    if kategori == "BARU":
        return f"dimasukkan sebagai pemilih baru{f' di {nama_desa}' if nama_desa else ''}"
    return f"data pemilih diperbaiki ({kolom})" if kolom else "data pemilih diperbaiki"


def _unchanged_reason(r: dict, jenis: str, aktif_nik: set[str], other_change: dict, tanggal_acuan) -> str:
    """What the list shows about a row that changed nothing, in words the agency can act on."""
    nik = r.get("nik")
    if jenis == "keputusan":
        if r.get("keputusan") == "TOLAK":
            return "usulan ditolak dalam verifikasi (TOLAK); daftar pemilih tidak diubah"
        return "keputusan tidak mengubah daftar pemilih (usulan sudah tidak berlaku)"
    if nik and nik in other_change:
        f, b = other_change[nik]
        return f"perubahan lain untuk NIK ini sudah diterapkan (berkas {f}, baris {b})"
    if jenis in ADDING_KINDS or (jenis == "tni_polri" and r.get("perubahan") == "PENSIUN"):
        if nik and nik in aktif_nik:
            return "sudah terdaftar sebagai pemilih aktif"
        umur = age_on(r.get("tanggal_lahir"), tanggal_acuan) if r.get("tanggal_lahir") else r.get("umur")
        if umur is not None and umur < 17 and r.get("status_kawin") not in MARRIED:
            return "belum berumur 17 tahun dan belum kawin pada tanggal acuan"
        return "tidak memenuhi syarat untuk dimasukkan pada triwulan ini"
    if jenis == "perbaikan" and nik and nik in aktif_nik:
        return "data pada daftar pemilih sudah sama; tidak ada yang diubah"
    return "tidak ditemukan pemilih yang cocok dalam daftar pemilih"


def file_rows(ctx: ReportContext, data: ReportData, sumber_file: str, jenis: str, outcomes: pl.DataFrame,
              records: pl.DataFrame, aktif_nik: set[str], other_change: dict[str, tuple[str, int]]) -> list[list]:
    """One output row per row of the file, in file order."""
    rows_of = outcomes.filter(pl.col("sumber_file") == sumber_file).sort("sumber_baris")
    recs = {r["sumber_baris"]: r for r in records.iter_rows(named=True)}
    changes = {}
    for r in data.perubahan.filter(pl.col("sumber_file") == sumber_file).iter_rows(named=True):
        changes.setdefault(r["sumber_baris"], r)
    review = {}
    for r in data.verifikasi.filter(pl.col("sumber_file") == sumber_file).iter_rows(named=True):
        review.setdefault(r["sumber_baris"], []).append(r)
    quarantined = {}
    karantina = data.rows.karantina.filter(pl.col("sumber_file") == sumber_file)
    for r in karantina.iter_rows(named=True):
        text = f"{r['kolom']}: {r['alasan']}" if r.get("kolom") else r["alasan"]
        if r.get("nilai") not in (None, ""):
            text += f" (isi: {r['nilai']})"
        quarantined.setdefault(r["sumber_baris"], []).append(text)
    out = []
    for i, (baris, hasil) in enumerate(rows_of.select("sumber_baris", "hasil").iter_rows(), 1):
        rec = recs.get(baris, {})
        if hasil == DITERAPKAN:
            ch = changes.get(baris)
            why = (_applied_text(ctx, ch["kategori"], ch["kode_tms"], ch.get("kolom_diubah"),
                                 ctx.desa_name(ch.get("kode_desa")))
                   if ch else "keputusan verifikasi diterapkan")
        elif hasil == VERIFIKASI:
            items = review.get(baris, [])
            first = items[0] if items else {}
            why = "; ".join(dict.fromkeys(
                f"{usulan_text(ctx, it['kategori_usulan'], it['kode_tms_usulan'])}: {it['alasan']} "
                f"(ID {it['id_verifikasi']})" for it in items
            )) or "menunggu verifikasi faktual"
            if first and len(items) > 1:
                why = f"{len(items)} kandidat \u2014 {why}"
        elif hasil == KARANTINA:
            why = "; ".join(quarantined.get(baris, [])) or "baris tidak dapat dipakai"
        else:
            why = _unchanged_reason(rec, jenis, aktif_nik, other_change, ctx.tanggal_acuan)
        nama = rec.get("nama")
        desa = ctx.desa_name(rec.get("kode_desa")) if rec.get("kode_desa") else None
        out.append([i, baris, rec.get("nik"), nama, desa, HASIL_TEXT[hasil], why])
    return out


def _other_changes(perubahan: pl.DataFrame) -> dict[str, tuple[str, int]]:
    return {nik: (f, b) for nik, f, b in perubahan.select("nik", "sumber_file", "sumber_baris").iter_rows()
            if nik is not None}


def desa_deaths_rows(ctx: ReportContext, data: ReportData, agencies: dict, outcomes: pl.DataFrame) -> list[list]:
    """Deaths reported in a desa's list (applied or awaiting a visit) whose voter does not
    appear in any Disdukcapil death extract of the quarter."""
    berkas = data.rows.berkas
    kematian = berkas.filter(pl.col("jenis") == "kematian")["sumber_file"].to_list()
    disduk = [f for f in kematian if agencies[f].singkat == DISDUKCAPIL]
    desa_files = [f for f in kematian if agencies[f].singkat != DISDUKCAPIL]
    records = data.rows.records
    if not desa_files or "nik" not in records.columns:
        return []
    known = set(records.filter(pl.col("sumber_file").is_in(disduk))["nik"].drop_nulls().to_list())
    deaths = data.perubahan.filter(pl.col("kategori") == "TMS")
    rows = []
    for f in desa_files:
        recs = records.filter(pl.col("sumber_file") == f)
        got = outcomes.filter(pl.col("sumber_file") == f)
        status = dict(got.select("sumber_baris", "hasil").iter_rows())
        applied = {b: r for b, r in ((r["sumber_baris"], r) for r in
                                     deaths.filter(pl.col("sumber_file") == f).iter_rows(named=True))}
        queue = data.verifikasi.filter(pl.col("sumber_file") == f)
        candidates = {}
        for r in queue.iter_rows(named=True):
            candidates.setdefault(r["sumber_baris"], []).append(r)
        for r in recs.sort("sumber_baris").iter_rows(named=True):
            baris = r["sumber_baris"]
            if status.get(baris) == DITERAPKAN and baris in applied:
                voter = applied[baris]
                if voter["nik"] in known:
                    continue
                rows.append([voter["nik"], voter["nama"], voter.get("tanggal_lahir"), voter["jenis_kelamin"],
                             ctx.desa_name(voter["kode_desa"]), _rt_rw(voter), r.get("umur"),
                             r.get("tanggal_meninggal"), f, baris, "DICORET (TMS 1)"])
            elif status.get(baris) == VERIFIKASI:
                cands = candidates.get(baris, [])
                if any(c["nik_kandidat"] in known for c in cands):
                    continue
                nik = cands[0]["nik_kandidat"] if len(cands) == 1 else None
                rows.append([nik, r.get("nama"), None, r.get("jenis_kelamin"), ctx.desa_name(r.get("kode_desa")),
                             _rt_rw(r), r.get("umur"), r.get("tanggal_meninggal"), f, baris,
                             "MENUNGGU VERIFIKASI"])
    return [[i, *r] for i, r in enumerate(rows, 1)]


def _rt_rw(r: dict) -> str | None:
    rt, rw = r.get("rt"), r.get("rw")
    if rt and rw:
        return f"{str(rt).zfill(3)}/{str(rw).zfill(3)}"
    return rt or None


def follow_up_name(sumber_file: str) -> str:
    stem = Path(sumber_file).stem
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)
    return f"{PREFIX}{safe}.xlsx"


def write_tindak_lanjut(ctx: ReportContext, data: ReportData, out_dir: Path) -> list[Path]:
    if data.rows is None:
        return []
    folder = Path(out_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    rows = data.rows
    agencies = instansi_per_file(rows.berkas, rows.records)
    outcomes = row_outcomes(rows.hasil, rows.karantina)
    aktif_nik = set(rows.aktif["nik"].drop_nulls().to_list()) if "nik" in rows.aktif.columns else set()
    other = _other_changes(data.perubahan)
    by_file = rows.records.partition_by("sumber_file", as_dict=True) if rows.records.height else {}
    paths = []
    for r in rows.berkas.sort("sumber_file").iter_rows(named=True):
        name, jenis = r["sumber_file"], r["jenis"]
        inst = agencies[name]
        records = by_file.get((name,), pl.DataFrame({"sumber_baris": []}, schema={"sumber_baris": pl.Int64}))
        # A row's own change must not count as "another change for this NIK".
        own = {k: v for k, v in other.items() if v[0] != name}
        body = file_rows(ctx, data, name, jenis, outcomes, records, aktif_nik, own)
        counts = ", ".join(f"{HASIL_TEXT[o].lower()} {r[o]}" for o in (DITERAPKAN, VERIFIKASI, KARANTINA,
                                                                           TANPA_PERUBAHAN))
        table = Table(
            "Hasil per Baris", "TINDAK LANJUT HASIL PEMUTAKHIRAN DATA PEMILIH", COLUMNS, body,
            notes=note_lines(f"Kepada: {inst.nama_lengkap} ({inst.singkat}). Berkas: {name}, {r['dibaca']} baris "
                             f"dibaca: {counts}."),
        )
        wb = new_workbook()
        write_table(wb, ctx.heading(ctx.kabupaten_line()), table)
        paths.append(save_workbook(wb, folder / follow_up_name(name), ctx.dibuat,
                                   f"TINDAK LANJUT \u2014 {name}"))
    deaths = desa_deaths_rows(ctx, data, agencies, outcomes)
    if deaths or any(a.singkat == DISDUKCAPIL for a in agencies.values()):
        cols = [Column("NO", "nomor", 6), Column("NIK", "nik", 18), Column("NAMA", "teks", 28),
                Column("TANGGAL LAHIR", "tanggal", 12), Column("L/P", "teks", 5), Column("DESA/KELURAHAN", "teks", 22),
                Column("RT/RW", "teks", 9), Column("UMUR DILAPORKAN", "nomor", 9),
                Column("TANGGAL MENINGGAL", "tanggal", 12), Column("BERKAS DESA", "teks", 30),
                Column("BARIS", "nomor", 7), Column("STATUS DI DAFTAR PEMILIH", "teks", 22)]
        table = Table(
            "Kematian Laporan Desa", "KEMATIAN YANG DILAPORKAN DESA/KELURAHAN TANPA DATA DISDUKCAPIL", cols, deaths,
            notes=note_lines("Kepada: Dinas Kependudukan dan Pencatatan Sipil. Kematian berikut dilaporkan oleh "
                             "desa/kelurahan tetapi tidak terdapat dalam data kematian Disdukcapil triwulan ini; "
                             "mohon ditindaklanjuti dengan penerbitan akta kematian."),
            empty_note="Semua kematian yang dilaporkan desa/kelurahan terdapat dalam data Disdukcapil.",
        )
        wb = new_workbook()
        write_table(wb, ctx.heading(ctx.kabupaten_line()), table)
        paths.append(save_workbook(wb, folder / DESA_DEATHS, ctx.dibuat, table.report_name))
    return paths
