"""The working workbook of one desa/kelurahan for KPU staff: recap, BARU, TMS, UBAH and the
review queue with a SETUJU/TOLAK drop-down (full NIK/NKK)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from reports.context import (  # noqa: F401  (re-exported: the writers import them from here too)
    BARU,
    JENIS_WILAYAH,
    KEPUTUSAN_PILIHAN,
    OTHER_DATA,
    REKAP,
    REPORT_NAMES,
    TMS,
    UBAH,
    VERIFIKASI,
    ReportContext,
    parse_values,
    show_value,
)
from reports.rows import numbered, pick
from reports.style import (
    Column,
    Table,
    captions,
    columns,
    new_workbook,
    save_workbook,
    write_table,
)


# Column layouts: keys of schemas/captions.csv, in sheet order.
BARU_COLUMNS = (
    "no", "nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "status_kawin",
    "alamat", "rt", "rw", "disabilitas", "sumber_file", "sumber_baris", "metode", "skor", "penetapan",
)
TMS_COLUMNS = (
    "no", "nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw",
    "kode_tms", "label_tms", "sumber_file", "sumber_baris", "metode", "skor", "penetapan",
)
UBAH_COLUMNS = (
    "no", "nik", "nkk", "nama", "jenis_kelamin", "kolom_diubah", "nilai_lama", "nilai_baru",
    "sumber_file", "sumber_baris", "metode", "skor", "penetapan",
)



@dataclass(frozen=True)
class DesaPart:
    """One desa's slice of the quarter: recap counts per sex and its rows of each list."""

    kode_desa: str
    rekap: dict[str, dict[str, int]]  # "L"/"P" -> measure -> count
    baru: pl.DataFrame
    tms: pl.DataFrame
    ubah: pl.DataFrame
    verifikasi: pl.DataFrame


# ---------------------------------------------------------------------------------------------
# Recap numbers.

def rekap_measures(ctx: ReportContext) -> list[tuple[str, str]]:
    """(measure, Indonesian wording) in the order of the recap sheet."""
    rows = [("awal", "Pemilih awal triwulan"), ("baru", "Pemilih baru (BARU)")]
    rows += [(f"tms_{k}", f"TMS kode {k}: {label}") for k, label, _ in ctx.tms]
    rows += [
        ("tms", "TMS jumlah"),
        ("pindah_masuk", "Pindah masuk dari desa/kelurahan lain (atau perbaikan jenis kelamin)"),
        ("pindah_keluar", "Pindah keluar ke desa/kelurahan lain (atau perbaikan jenis kelamin)"),
        ("akhir", "Pemilih akhir triwulan"),
        ("ubah", "Perubahan data (UBAH)"),
        ("selisih", "Selisih: awal + baru \u2212 TMS + pindah masuk \u2212 pindah keluar \u2212 akhir"),
    ]
    return rows


def fmt_count(n: int) -> str:
    """1.234 (Indonesian thousands separator)."""
    return f"{n:,}".replace(",", ".")


def gap_sentences(ctx: ReportContext, kode_desa: str, by_sex: dict[str, dict[str, int]]) -> list[str]:
    """'Selisih 2 pemilih di Desa Bulu (L) ...' for every sex whose count does not reconcile."""
    out = []
    for jk in ("L", "P"):
        m = by_sex.get(jk, {})
        selisih = m.get("selisih", 0) or 0
        if selisih:
            hitungan = m.get("akhir", 0) + selisih
            arah = "lebih banyak" if selisih > 0 else "lebih sedikit"
            out.append(
                f"Selisih {fmt_count(abs(selisih))} pemilih di {ctx.desa_phrase(kode_desa)} ({jk}): "
                f"hitungan awal + baru \u2212 TMS + pindah masuk \u2212 pindah keluar = {fmt_count(hitungan)}, "
                f"{arah} dari jumlah akhir tercatat {fmt_count(m.get('akhir', 0))} "
                f"(kode {kode_desa}, Kecamatan {ctx.desa[kode_desa][3]})."
            )
    return out


def rekap_table(ctx: ReportContext, part: DesaPart) -> Table:
    cols = [
        Column.of("no"),
        Column.of("uraian"),
        Column.of("l"),
        Column.of("p"),
        Column.of("jumlah"),
    ]
    rows = []
    for i, (measure, wording) in enumerate(rekap_measures(ctx), 1):
        lk = part.rekap.get("L", {}).get(measure, 0)
        pr = part.rekap.get("P", {}).get(measure, 0)
        rows.append([i, wording, lk, pr, lk + pr])
    gaps = gap_sentences(ctx, part.kode_desa, part.rekap)
    if gaps:
        notes = [(g, "catatan_merah") for g in gaps]
    else:
        notes = [(
            "Pemeriksaan: awal + baru \u2212 TMS + pindah masuk \u2212 pindah keluar = akhir, "
            "sesuai untuk laki-laki dan perempuan.",
            "catatan",
        )]
    return Table(REKAP, REPORT_NAMES[REKAP], cols, rows, notes=notes)


# ---------------------------------------------------------------------------------------------
# Lists.

def baru_table(part: DesaPart) -> Table:
    keys = BARU_COLUMNS[1:]
    return Table(BARU, REPORT_NAMES[BARU], columns(*BARU_COLUMNS), numbered(list(r) for r in pick(part.baru, keys)),
                 empty_note="Tidak ada pemilih baru pada triwulan ini.")


def tms_rows(ctx: ReportContext, frame: pl.DataFrame, keys: tuple[str, ...]) -> list[list[Any]]:
    """TMS rows with the label of the code in force (the frame's own label when the table lacks it)."""
    rows = []
    fallback = frame["label_tms"].to_list() if "label_tms" in frame.columns else [None] * frame.height
    k_tms = keys.index("kode_tms")
    k_label = keys.index("label_tms")
    for r, own in zip(pick(frame, keys), fallback):
        r = list(r)
        r[k_label] = ctx.tms_label(r[k_tms]) or own
        rows.append(r)
    return rows


def tms_table(ctx: ReportContext, part: DesaPart) -> Table:
    keys = TMS_COLUMNS[1:]
    return Table(TMS, REPORT_NAMES[TMS], columns(*TMS_COLUMNS), numbered(tms_rows(ctx, part.tms, keys)),
                 empty_note="Tidak ada pemilih TMS pada triwulan ini.")




def changed_fields(kolom_diubah: str | None, lama: dict, baru: dict) -> list[str]:
    if kolom_diubah:
        fields = [f.strip() for f in kolom_diubah.split(",") if f.strip()]
    else:
        fields = []
    for f in list(lama) + list(baru):
        if f not in fields:
            fields.append(f)
    return fields




def field_caption(field: str) -> str:
    cap = captions().get(field)
    return (cap.title if cap else field).lower()


def ubah_rows(ctx: ReportContext, frame: pl.DataFrame, *, public: bool) -> list[list[Any]]:
    """One row per UBAH: the person, the fields changed, and 'field: old' / 'field: new' texts.
    The public form shows old/new only for fields marked nilai_publik "ya" in captions.csv, and
    does not even name a field marked "rahasia" (it says "data lainnya")."""
    keys = ("nik", "nkk", "nama", "jenis_kelamin", "kolom_diubah", "nilai_lama", "nilai_baru",
            "sumber_file", "sumber_baris", "metode", "skor", "penetapan")
    caps = captions()
    rows = []
    for nik, nkk, nama, jk, kolom, lama_text, baru_text, *evidence in pick(frame, keys):
        lama, baru = parse_values(lama_text), parse_values(baru_text)
        fields = changed_fields(kolom, lama, baru)
        shown = [f for f in fields if not public or (f in caps and caps[f].public_value)]
        old = "; ".join(f"{field_caption(f)}: {show_value(ctx, f, lama.get(f))}" for f in shown) or None
        new = "; ".join(f"{field_caption(f)}: {show_value(ctx, f, baru.get(f))}" for f in shown) or None
        if public:
            named = [field_caption(f) for f in fields if f not in caps or caps[f].public_name]
            if len(named) < len(fields):
                named.append(OTHER_DATA)
        else:
            named = [field_caption(f) for f in fields]
        rows.append([nik, nkk, nama, jk, ", ".join(named), old, new, *evidence])
    return rows


def ubah_table(ctx: ReportContext, part: DesaPart) -> Table:
    return Table(UBAH, REPORT_NAMES[UBAH], columns(*UBAH_COLUMNS), numbered(ubah_rows(ctx, part.ubah, public=False)),
                 empty_note="Tidak ada perubahan data pemilih pada triwulan ini.")


def usulan_text(ctx: ReportContext, kategori: str | None, kode_tms: int | None) -> str | None:
    """'TMS 1 Meninggal', 'BARU', 'UBAH': what the candidate would become if approved."""
    if kategori == "TMS" and kode_tms is not None:
        label = ctx.tms_label(kode_tms)
        return f"TMS {kode_tms} {label}" if label else f"TMS {kode_tms}"
    return kategori


def verifikasi_table(ctx: ReportContext, frame: pl.DataFrame, *, extra: tuple[str, ...] = ()) -> Table:
    """The review queue (reports/verifikasi.py). Its header row carries ID VERIFIKASI, KEPUTUSAN and
    CATATAN, so the sheet can be returned as a `keputusan` file once officials have decided."""
    from reports.verifikasi import worksheet_table

    return worksheet_table(ctx, frame, extra=extra)


# ---------------------------------------------------------------------------------------------

def write_desa(ctx: ReportContext, part: DesaPart, path: Path) -> Path:
    heading = ctx.heading(ctx.wilayah_line(part.kode_desa))
    wb = new_workbook()
    # The review queue comes right after the recap: it is the one sheet officials fill in, and
    # the inbox reader takes the first sheet with a recognizable header, so the whole workbook
    # can come back as a `keputusan` file (the recap's captions name no input field).
    for table in (
        rekap_table(ctx, part),
        verifikasi_table(ctx, part.verifikasi),
        baru_table(part),
        tms_table(ctx, part),
        ubah_table(ctx, part),
    ):
        write_table(wb, heading, table)
    title = f"{REPORT_NAMES[REKAP]} \u2014 {ctx.desa_phrase(part.kode_desa)}"
    return save_workbook(wb, path, ctx.dibuat, title)
