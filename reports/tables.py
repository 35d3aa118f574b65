"""The quarter's CSV files and ringkasan.json (SPEC §6): plain, stable, NIK always as text."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from schemas.fields import LEWAT_VERIFIKASI, OTOMATIS

# SPEC §6 names the change's `penetapan` (OTOMATIS / VERIFIKASI) `keputusan` in perubahan.csv.
PERUBAHAN_COLUMNS = (
    "kategori", "kode_tms", "nik", "nkk", "nama", "jenis_kelamin", "kode_desa", "kode_desa_lama", "kolom_diubah",
    "sumber_file", "sumber_baris", "metode", "skor", "keputusan", "no_bukti",
)
# SPEC §6 first; then what SETUJU does (tindakan), the proposed values (JSON), the rest of the
# other record, the quarter an item carried over from, and the officials' note.
VERIFIKASI_COLUMNS = (
    "id_verifikasi", "kategori_usulan", "kode_tms_usulan", "nik_kandidat", "nama_kandidat", "kode_desa_kandidat",
    "nik_sumber", "nama_sumber", "tanggal_lahir_sumber", "kode_desa_sumber", "sumber_file", "sumber_baris", "skor",
    "alasan", "tindakan", "nilai_lama", "nilai_usulan", "umur_sumber", "jenis_kelamin_sumber", "alamat_sumber",
    "rt_sumber", "rw_sumber", "dibawa_dari", "catatan",
)
KARANTINA_COLUMNS = ("sumber_file", "sumber_baris", "kolom", "alasan", "nilai")
BERKAS_COUNTS = ("dibaca", "diterapkan", "verifikasi", "karantina", "tanpa_perubahan")


def write_csv(frame: pl.DataFrame, columns: tuple[str, ...], path: Path) -> Path:
    """UTF-8 with a header; every column written as text exactly as stored (NIK stays 16 characters)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = frame.select(
        [(pl.col(c) if c in frame.columns else pl.lit(None)).alias(c) for c in columns]
    )
    out = out.with_columns(
        pl.col(c).round(4) for c, t in out.schema.items() if t in (pl.Float64, pl.Float32)
    )
    out.write_csv(path, null_value="")
    return path


def write_tables(out_dir: Path, perubahan: pl.DataFrame, verifikasi: pl.DataFrame, karantina: pl.DataFrame) -> list[Path]:
    return [
        write_csv(perubahan.rename({"penetapan": "keputusan"}), PERUBAHAN_COLUMNS, out_dir / "perubahan.csv"),
        write_csv(verifikasi, VERIFIKASI_COLUMNS, out_dir / "verifikasi.csv"),
        write_csv(karantina, KARANTINA_COLUMNS, out_dir / "karantina.csv"),
    ]


def _lpt(rows: pl.DataFrame, column: str) -> dict:
    by = dict(rows.group_by("jenis_kelamin").agg(pl.col(column).sum()).iter_rows())
    l, p = int(by.get("L", 0)), int(by.get("P", 0))
    return {"L": l, "P": p, "total": l + p}


def _area_counts(rekap: pl.DataFrame, tms_cols: list[str]) -> dict:
    out = {c: _lpt(rekap, c) for c in ("awal", "baru", "tms", "ubah", "pindah_masuk", "pindah_keluar", "akhir")}
    out["tms_per_kode"] = {c.removeprefix("tms_"): _lpt(rekap, c) for c in tms_cols}
    out["selisih"] = _lpt(rekap, "selisih")
    return out


def build_ringkasan(
    *,
    quarter: str,
    tanggal_acuan: str,
    kode_kabupaten: str,
    nama_kabupaten: str,
    desa: pl.DataFrame,
    rekap: pl.DataFrame,
    perubahan: pl.DataFrame,
    verifikasi: pl.DataFrame,
    karantina_rows: int,
    berkas: pl.DataFrame,
) -> dict:
    """Counts per kategori/kode_tms, per kecamatan and desa (L/P), and per input file."""
    tms_cols = [c for c in rekap.columns if c.startswith("tms_")]
    with_area = rekap.join(desa.select("kode_desa", "nama_desa", "kode_kecamatan", "nama_kecamatan"), on="kode_desa")
    kecamatan = {}
    for (kode, nama), rows in sorted(with_area.group_by("kode_kecamatan", "nama_kecamatan"), key=lambda g: g[0]):
        kecamatan[kode] = {"nama": nama, **_area_counts(rows, tms_cols)}
    desa_counts = {}
    for (kode, nama), rows in sorted(with_area.group_by("kode_desa", "nama_desa"), key=lambda g: g[0]):
        desa_counts[kode] = {"nama": nama, **_area_counts(rows, tms_cols)}
    kategori = {k: int(n) for k, n in perubahan.group_by("kategori").len().iter_rows()}
    per_kode = {
        str(k): int(n)
        for k, n in perubahan.filter(pl.col("kategori") == "TMS").group_by("kode_tms").len().sort("kode_tms").iter_rows()
    }
    gaps = with_area.filter(pl.col("selisih") != 0)
    return {
        "kuartal": quarter,
        "tanggal_acuan": tanggal_acuan,
        "kode_kabupaten": kode_kabupaten,
        "nama_kabupaten": nama_kabupaten,
        "kabupaten": _area_counts(rekap, tms_cols),
        "perubahan": {
            "BARU": kategori.get("BARU", 0),
            "TMS": kategori.get("TMS", 0),
            "UBAH": kategori.get("UBAH", 0),
            "TMS_per_kode": per_kode,
            "otomatis": perubahan.filter(pl.col("penetapan") == OTOMATIS).height,
            "hasil_verifikasi": perubahan.filter(pl.col("penetapan") == LEWAT_VERIFIKASI).height,
        },
        "verifikasi": {
            "kandidat": verifikasi.height,
            "baris_sumber": verifikasi.select("sumber_file", "sumber_baris").unique().height,
        },
        "karantina": karantina_rows,
        "rekonsiliasi": {
            "seimbang": gaps.height == 0,
            "selisih": [
                {"kode_desa": r["kode_desa"], "nama_desa": r["nama_desa"], "jenis_kelamin": r["jenis_kelamin"],
                 "selisih": int(r["selisih"])}
                for r in gaps.sort("kode_desa", "jenis_kelamin").iter_rows(named=True)
            ],
        },
        "kecamatan": kecamatan,
        "desa": desa_counts,
        "berkas": {
            r["sumber_file"]: {c: int(r[c]) for c in BERKAS_COUNTS}
            for r in berkas.sort("sumber_file").iter_rows(named=True)
        },
    }


def write_json(data: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path
