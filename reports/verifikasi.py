"""The review worksheet officials decide from (SPEC §5.3): per item what SETUJU and what TOLAK
will do, both records side by side, the proposed values, the reason in sentences, and the
KEPUTUSAN and CATATAN cells they fill in. The sheet goes back into the inbox as a `keputusan`
file, so its header names no input field other than ID VERIFIKASI, KEPUTUSAN and CATATAN."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import polars as pl

from reports.context import KEPUTUSAN_PILIHAN, REPORT_NAMES, VERIFIKASI, ReportContext, parse_values, show_value
from reports.style import Column, Table, captions

# Printed on A4 landscape the sheet is scaled to the page width; its text must stay >= 8 pt.
MIN_PRINT_PT = 8.8  # the model of column pixels is ~2 % optimistic against LibreOffice

LAYOUT = ("no", "id_verifikasi", "usulan", "data_daftar", "data_pembanding", "alasan", "akibat_keputusan",
          "keputusan_verifikasi", "catatan_verifikasi")

FIELD_WORDS = {
    "nik": "NIK", "nkk": "NKK", "nama": "nama", "tempat_lahir": "tempat lahir", "tanggal_lahir": "tanggal lahir",
    "status_kawin": "status kawin", "jenis_kelamin": "jenis kelamin", "alamat": "alamat", "rt": "RT", "rw": "RW",
    "disabilitas": "disabilitas", "kode_desa": "desa", "tps": "TPS",
}


def _date(value: Any) -> str | None:
    if isinstance(value, date):
        return f"{value:%d-%m-%Y}"
    return str(value) if value else None


def record_text(ctx: ReportContext, r: dict[str, Any]) -> str:
    """A person as five short lines: NIK, name, birth date and sex, desa and RT/RW, address."""
    lines = [f"NIK: {r.get('nik') or '(tidak ada)'}", f"Nama: {r.get('nama') or '(tidak ada)'}"]
    born = _date(r.get("tanggal_lahir"))
    if born is None and r.get("umur") is not None:
        born = f"umur {r['umur']} th"
    lines.append(f"Lahir: {born or '(tidak ada)'} \u00b7 JK: {r.get('jenis_kelamin') or '-'}")
    place = ctx.desa_name(r.get("kode_desa")) or "(desa tidak ada)"
    if r.get("rt_rw"):
        place += f", RT/RW {r['rt_rw']}"
    lines.append(f"Desa: {place}")
    lines.append(f"Alamat: {r.get('alamat') or '-'}")
    return "\n".join(lines)


def _rt_rw(rt: Any, rw: Any) -> str | None:
    if rt and rw:
        return f"{str(rt).zfill(3)}/{str(rw).zfill(3)}"
    return None


def _sides(row: dict[str, Any]) -> tuple[dict, dict]:
    cand = {
        "nik": row.get("nik_kandidat"), "nama": row.get("nama_kandidat"),
        "tanggal_lahir": row.get("tanggal_lahir_kandidat"), "jenis_kelamin": row.get("jenis_kelamin_kandidat"),
        "kode_desa": row.get("kode_desa_kandidat"), "alamat": row.get("alamat_kandidat"),
        "rt_rw": row.get("rt_rw_kandidat"),
    }
    src = {
        "nik": row.get("nik_sumber"), "nama": row.get("nama_sumber"), "tanggal_lahir": row.get("tanggal_lahir_sumber"),
        "umur": row.get("umur_sumber"), "jenis_kelamin": row.get("jenis_kelamin_sumber"),
        "kode_desa": row.get("kode_desa_sumber"), "alamat": row.get("alamat_sumber"),
        "rt_rw": row.get("rt_rw_sumber") or _rt_rw(row.get("rt_sumber"), row.get("rw_sumber")),
    }
    return cand, src


def tindakan_of(row: dict[str, Any]) -> str:
    t = row.get("tindakan")
    if t:
        return t
    if row.get("kategori_usulan") == "TMS":
        return "GANDA" if row.get("kode_tms_usulan") == 2 and row.get("jenis_sumber") == "ganda" else "TMS"
    return row.get("kategori_usulan") == "UBAH" and "UBAH" or "TAMBAH"


def usulan_cell(ctx: ReportContext, row: dict[str, Any]) -> str:
    t = tindakan_of(row)
    kode = row.get("kode_tms_usulan")
    if t in ("TMS", "GANDA") and kode is not None:
        label = ctx.tms_label(kode)
        text = f"TMS {kode} {label}" if label else f"TMS {kode}"
    elif t == "AKTIFKAN":
        text = "BARU (aktif kembali)"
    else:
        text = row.get("kategori_usulan") or t
    if row.get("dibawa_dari") is not None:
        text += f"\n(antrean sejak {row['dibawa_dari']})"
    return text


def _who(r: dict) -> str:
    name = r.get("nama") or "orang ini"
    return f"{name} (NIK {r['nik']})" if r.get("nik") else name


def change_words(ctx: ReportContext, old: dict, new: dict) -> str:
    parts = []
    for field, value in new.items():
        before = show_value(ctx, field, old.get(field)) if field in old else "(kosong)"
        parts.append(f"{FIELD_WORDS.get(field, field)} dari {before} menjadi {show_value(ctx, field, value)}")
    return "; ".join(parts) or "tidak ada nilai baru"


def akibat_text(ctx: ReportContext, row: dict[str, Any], several: bool) -> str:
    """'SETUJU: ...' and 'TOLAK: ...' in plain words."""
    t = tindakan_of(row)
    cand, src = _sides(row)
    kode = row.get("kode_tms_usulan")
    label = ctx.tms_label(kode) if kode is not None else None
    if t == "GANDA":
        yes = f"{_who(cand)} dicoret sebagai TMS 2 (ganda); {_who(src)} tetap terdaftar."
        no = "keduanya tetap terdaftar; pasangan ini tidak diusulkan lagi selama data keduanya tidak berubah."
    elif t == "TMS":
        yes = f"{_who(cand)} dicoret dari daftar: TMS {kode}{' ' + label.lower() if label else ''}."
        no = f"{cand.get('nama') or 'pemilih ini'} tetap terdaftar; laporan ini tidak mengubah daftar."
    elif t == "UBAH":
        old, new = parse_values(row.get("nilai_lama")), parse_values(row.get("nilai_usulan"))
        yes = f"data {cand.get('nama') or 'pemilih'} diubah: {change_words(ctx, old, new)}."
        no = f"data {cand.get('nama') or 'pemilih'} tidak diubah."
    elif t == "AKTIFKAN":
        yes = f"{_who(cand)} didaftarkan kembali sebagai pemilih aktif."
        no = f"{cand.get('nama') or 'pemilih ini'} tetap TMS; tidak ada yang ditambahkan."
    else:  # TAMBAH
        desa = ctx.desa_name(src.get("kode_desa")) or "desanya"
        yes = f"{_who(src)} ditambahkan sebagai pemilih baru di {desa}"
        yes += f" (orang yang berbeda dari {cand['nama']})." if cand.get("nama") else "."
        no = f"{src.get('nama') or 'orang ini'} tidak ditambahkan"
        no += f" (orang yang sama dengan {cand['nama']} yang sudah terdaftar)." if cand.get("nama") else "."
    text = f"SETUJU: {yes}\nTOLAK: {no}"
    if several:
        text += "\nHanya satu kandidat dari laporan ini yang boleh SETUJU."
    return text


def sentences(reason: str | None) -> str | None:
    """'nama 1,00; umur cocok; perlu verifikasi: 2 calon mirip' -> 'Nama 1,00. Umur cocok. Perlu ...'"""
    if not reason:
        return None
    parts = [_ABBREVIATION.sub(lambda m: WORDS[m.group(0)], p.strip()) for p in reason.split(";") if p.strip()]
    return " ".join(p[0].upper() + p[1:] + ("" if p.endswith((".", "?", "!")) else ".") for p in parts)


# The matcher's short words, written out for the sheet.
WORDS = {"jk": "jenis kelamin", "tgl": "tanggal", "th": "tahun"}
_ABBREVIATION = re.compile(r"\b(" + "|".join(WORDS) + r")\b")


def pembanding_header(row: dict[str, Any]) -> str:
    t = tindakan_of(row)
    if t == "GANDA":
        return "Pemilih lain di daftar (tetap terdaftar):"
    where = f"{row.get('sumber_file') or '?'} baris {row.get('sumber_baris') or '?'}"
    return f"Di berkas {where}:"


def daftar_header(row: dict[str, Any]) -> str | None:
    t = tindakan_of(row)
    if t == "TAMBAH":
        return "Pemilih mirip yang sudah terdaftar:" if row.get("nama_kandidat") else None
    if t == "AKTIFKAN":
        return "Pemilih TMS di daftar:"
    if t == "GANDA":
        return "Diusulkan dicoret (ganda):"
    return "Pemilih di daftar:"


def worksheet_rows(ctx: ReportContext, frame: pl.DataFrame, extra: tuple[str, ...] = ()) -> list[list[Any]]:
    rows = frame.to_dicts()
    per_report: dict[tuple, int] = {}
    for r in rows:
        if tindakan_of(r) != "GANDA":
            key = (r.get("dibawa_dari"), r.get("sumber_file"), r.get("sumber_baris"))
            per_report[key] = per_report.get(key, 0) + 1
    out = []
    for i, r in enumerate(rows, 1):
        cand, src = _sides(r)
        head = daftar_header(r)
        daftar = f"{head}\n{record_text(ctx, cand)}" if head and (cand.get("nama") or cand.get("nik")) else (
            "Belum ada di daftar pemilih.")
        pembanding = f"{pembanding_header(r)}\n{record_text(ctx, src)}"
        several = per_report.get((r.get("dibawa_dari"), r.get("sumber_file"), r.get("sumber_baris")), 0) > 1
        out.append([
            i, r.get("id_verifikasi"), *[r.get(k) for k in extra], usulan_cell(ctx, r), daftar, pembanding,
            sentences(r.get("alasan")), akibat_text(ctx, r, several and tindakan_of(r) != "GANDA"), None,
            r.get("catatan"),
        ])
    return out


def worksheet_table(ctx: ReportContext, frame: pl.DataFrame, *, extra: tuple[str, ...] = ()) -> Table:
    layout = LAYOUT[:2] + extra + LAYOUT[2:]
    caps = captions()
    cols = [Column.of(k) if k in caps else Column(k.upper(), "teks", 16) for k in layout]
    decision = layout.index("keputusan_verifikasi")
    note = layout.index("catatan_verifikasi")
    return Table(
        VERIFIKASI,
        REPORT_NAMES[VERIFIKASI],
        cols,
        worksheet_rows(ctx, frame, extra),
        # Two short lines: a note wider than the table would widen the printed page and shrink the text.
        notes=[
            ("Isi KEPUTUSAN dengan SETUJU atau TOLAK (kosong = belum diputuskan); CATATAN boleh diisi.", "catatan"),
            ("Kirim kembali berkas ini ke kotak masuk dengan nama berawalan keputusan.", "catatan"),
        ],
        input_columns=(decision, note),
        validations=((decision, KEPUTUSAN_PILIHAN),),
        width_floor={decision: 12, note: 16},
        empty_note="Tidak ada usulan verifikasi faktual pada triwulan ini.",
        min_print_pt=MIN_PRINT_PT,
        wrap_all=True,
    )
