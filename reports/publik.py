"""publik/: open data, infographics and a press release for Diskominfo's channels.

Aggregates only (SPEC §5.5): everything is computed from the recap frames through
`publik_data.PublicInput`, which never carries the per-person frames.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl

from reports.model import ReportData
from reports.publik_data import CHANGE, PREVIOUS, PublicTables, build_tables, public_input
from reports.publik_format import nama_kpu, nama_triwulan, quarter_start, tanggal
from reports.publik_infografis import write_infografis
from reports.publik_siaran import siaran_pers

REKAP_DESA = "rekap_desa.csv"
REKAP_KECAMATAN = "rekap_kecamatan.csv"
REKAP_JSON = "rekap.json"
KAMUS = "kamus_data.csv"
DATAPACKAGE = "datapackage.json"
VIDEOTRON = "infografis_videotron.png"
MEDSOS = "infografis_medsos.png"
SIARAN_PERS = "siaran_pers.md"


def write_publik(data: ReportData, out_dir: Path) -> list[Path]:
    """Writes out_dir/publik/ (out_dir is the quarter's output folder, e.g. out/2026-Q1/)."""
    tables = build_tables(public_input(data))
    folder = Path(out_dir) / "publik"
    folder.mkdir(parents=True, exist_ok=True)

    written = [
        _write_text(folder / REKAP_DESA, _csv(tables.desa)),
        _write_text(folder / REKAP_KECAMATAN, _csv(tables.kecamatan)),
        _write_text(folder / REKAP_JSON, _json(rekap_json(tables))),
        _write_text(folder / KAMUS, _kamus_csv(tables)),
        _write_text(folder / DATAPACKAGE, _json(datapackage(tables))),
    ]
    written += write_infografis(tables, folder / VIDEOTRON, folder / MEDSOS)
    written.append(_write_text(folder / SIARAN_PERS, siaran_pers(tables)))
    return written


def _write_text(path: Path, text: str) -> Path:
    # newline="" keeps "\n" on every platform, so reruns are byte-identical anywhere.
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


def _csv(frame: pl.DataFrame) -> str:
    return frame.write_csv(line_terminator="\n")


def _json(obj: object) -> str:
    # Keys keep the order they were built in (no sort): identical input, identical bytes.
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def _judul(t: PublicTables) -> str:
    triwulan = nama_triwulan(t.inp.quarter, tahun=True)
    return f"Rekapitulasi Daftar Pemilih Berkelanjutan {t.inp.nama_kabupaten} {triwulan}"


def _sumber(t: PublicTables) -> str:
    what = (f"{nama_kpu(t.inp.nama_kabupaten)}, Rekapitulasi Daftar Pemilih Berkelanjutan "
            f"{nama_triwulan(t.inp.quarter, tahun=True)}")
    if t.inp.draf:
        return f"{what} (DRAF: belum ditetapkan dalam rapat pleno)"
    return f"{what} yang ditetapkan dalam rapat pleno tanggal {tanggal(t.inp.tanggal_pleno)}"


def _catatan_sebelumnya(t: PublicTables) -> str:
    if t.ada_sebelumnya:
        return "Dibandingkan dengan rekapitulasi triwulan sebelumnya yang tercatat dalam sistem."
    return (
        "Kolom triwulan lalu dan perubahan jumlah kosong (null): rekapitulasi triwulan "
        "sebelumnya belum tercatat dalam sistem (triwulan pertama yang diolah)."
    )


def rekap_json(t: PublicTables) -> dict:
    inp = t.inp
    return {
        "judul": _judul(t),
        "triwulan": inp.quarter,
        "nama_triwulan": nama_triwulan(inp.quarter),
        "tanggal_acuan": inp.tanggal_acuan.isoformat(),
        "periode": {"mulai": quarter_start(inp.quarter).isoformat(), "selesai": inp.tanggal_acuan.isoformat()},
        "sumber": _sumber(t),
        "status": "DRAF" if t.inp.draf else "DITETAPKAN",
        "tanggal_pleno": None if t.inp.draf else t.inp.tanggal_pleno.isoformat(),
        "satuan": "orang (pemilih)",
        "kamus_data": f"{KAMUS}; nama kunci pada kabupaten, kecamatan dan desa sama dengan nama kolom CSV.",
        "catatan_triwulan_lalu": _catatan_sebelumnya(t),
        "kode_tms": [{"kode": k.kode, "label": k.label, "keterangan": k.keterangan} for k in t.kode_tms],
        "kabupaten": {"kode_kabupaten": inp.kode_kabupaten, "nama_kabupaten": inp.nama_kabupaten, **t.kabupaten},
        "kecamatan": t.kecamatan.drop("triwulan", "tanggal_acuan", "kode_kabupaten", "nama_kabupaten").to_dicts(),
        "desa": t.desa.drop("triwulan", "tanggal_acuan", "kode_kabupaten", "nama_kabupaten").to_dicts(),
    }


# ---- data dictionary -------------------------------------------------------------------

_ID_FIELDS = {
    "triwulan": ("string", "", "Triwulan rekapitulasi, format TTTT-Qn (contoh 2026-Q1)."),
    "tanggal_acuan": ("date", "", "Tanggal acuan data: hari terakhir triwulan (format TTTT-BB-HH)."),
    "kode_kabupaten": ("string", "", "Kode wilayah kabupaten/kota menurut Kemendagri."),
    "nama_kabupaten": ("string", "", "Nama kabupaten/kota."),
    "kode_kecamatan": ("string", "", "Kode wilayah kecamatan menurut Kemendagri."),
    "nama_kecamatan": ("string", "", "Nama kecamatan."),
    "kode_desa": ("string", "", "Kode wilayah desa/kelurahan menurut Kemendagri."),
    "nama_desa": ("string", "", "Nama desa/kelurahan."),
    "jenis": ("string", "", "Jenis wilayah: desa, kelurahan atau desa_adat."),
    "jumlah_desa": ("integer", "desa/kelurahan", "Jumlah desa/kelurahan di kecamatan."),
}


_MOVES = (
    "karena pindah antardesa di dalam kabupaten atau perbaikan jenis kelamin. Pada tingkat kecamatan dan "
    "kabupaten: jumlah dari desa/kelurahannya, termasuk perpindahan antardesa di dalam kecamatan yang sama."
)


def _measure_meaning(t: PublicTables) -> dict[str, str]:
    no_previous = "" if t.ada_sebelumnya else " " + _catatan_sebelumnya(t)
    meaning = {
        "pemilih_awal": "Jumlah pemilih pada awal triwulan.",
        "baru": "Pemilih baru yang dimasukkan ke daftar pemilih selama triwulan.",
        "tms": "Pemilih yang dinyatakan Tidak Memenuhi Syarat (TMS) dan dicoret selama triwulan, semua alasan.",
        "ubah": "Pemilih yang datanya diperbaiki (ubah data) selama triwulan.",
        "pindah_masuk": "Pemilih yang masuk ke desa/kelurahan ini (dan jenis kelamin ini) " + _MOVES,
        "pindah_keluar": "Pemilih yang keluar dari desa/kelurahan ini (dan jenis kelamin ini) " + _MOVES,
        "pemilih_akhir": "Jumlah pemilih pada akhir triwulan (tanggal acuan), hasil penghitungan basis data.",
        "selisih": (
            "pemilih_awal + baru - tms + pindah_masuk - pindah_keluar - pemilih_akhir; 0 bila rekapitulasi "
            "seimbang, selain 0 adalah selisih yang harus dijelaskan."
        ),
        PREVIOUS: "Jumlah pemilih pada akhir triwulan sebelumnya." + no_previous,
        CHANGE: "pemilih_akhir dikurangi pemilih_triwulan_lalu (negatif bila berkurang)." + no_previous,
    }
    for k in t.kode_tms:
        meaning[k.kolom] = f"Pemilih TMS dengan kode {k.kode} ({k.label}: {k.keterangan})."
    return {m: meaning[m] for m in t.measures}


def _fields(t: PublicTables, id_columns: tuple[str, ...]) -> list[dict]:
    fields = []
    for col in id_columns:
        tipe, satuan, ket = _ID_FIELDS[col]
        fields.append({"name": col, "type": tipe, "unit": satuan, "description": ket})
    meaning = _measure_meaning(t)
    for m in t.measures:
        for suffix, who in (("_l", "Laki-laki."), ("_p", "Perempuan."), ("", "Jumlah laki-laki dan perempuan.")):
            description = f"{meaning[m]} {who}"
            fields.append({"name": m + suffix, "type": "integer", "unit": "orang", "description": description})
    return fields


def _kamus_csv(t: PublicTables) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["berkas", "kolom", "tipe", "satuan", "keterangan", "sumber", "tanggal_acuan"])
    sumber, acuan = _sumber(t), t.inp.tanggal_acuan.isoformat()
    for berkas, columns in ((REKAP_DESA, t.desa.columns), (REKAP_KECAMATAN, t.kecamatan.columns)):
        id_columns = tuple(c for c in columns if c in _ID_FIELDS)
        for f in _fields(t, id_columns):
            w.writerow([berkas, f["name"], f["type"], f["unit"], f["description"], sumber, acuan])
    return buf.getvalue()


def datapackage(t: PublicTables) -> dict:
    """Frictionless-style package metadata, with the fields a CKAN / Satu Data portal asks for."""
    inp = t.inp
    kpu = nama_kpu(inp.nama_kabupaten)
    triwulan = nama_triwulan(inp.quarter, tahun=True)
    slug = f"rekap-dpb-{inp.kode_kabupaten.replace('.', '')}-{inp.quarter.lower()}"

    def resource(path: str, title: str, mediatype: str, **more) -> dict:
        name, _, ext = path.rpartition(".")
        return {"name": name, "path": path, "title": title, "format": ext, "mediatype": mediatype, **more}

    def table(path: str, title: str, columns: list[str]) -> dict:
        id_columns = tuple(c for c in columns if c in _ID_FIELDS)
        return resource(path, title, "text/csv", encoding="utf-8", schema={"fields": _fields(t, id_columns)})

    return {
        "name": slug,
        "title": _judul(t),
        "description": (
            f"Jumlah pemilih {inp.nama_kabupaten} per kecamatan dan per desa/kelurahan hasil "
            f"Pemutakhiran Data Pemilih Berkelanjutan {triwulan}, dengan tanggal acuan "
            f"{tanggal(inp.tanggal_acuan)}: pemilih laki-laki, perempuan dan jumlah; pemilih baru; "
            f"pemilih Tidak Memenuhi Syarat (TMS) menurut alasan; perbaikan data; dan perubahan "
            f"dibandingkan triwulan sebelumnya. Data agregat, tanpa data pribadi. "
            + _catatan_sebelumnya(t)
        ),
        "language": "id",
        "version": inp.quarter,
        "keywords": ["pemilih", "daftar pemilih berkelanjutan", "PDPB", "KPU", inp.nama_kabupaten],
        "organization": kpu,
        "contributors": [{"title": kpu, "role": "publisher"}],
        "sources": [{"title": _sumber(t)}],
        # Left for the office to fill in with the licence agreed with Diskominfo.
        "licenses": [{"name": "", "path": "", "title": ""}],
        "temporal": {
            "start": quarter_start(inp.quarter).isoformat(),
            "end": inp.tanggal_acuan.isoformat(),
            "label": triwulan,
        },
        "spatial": {"kode_wilayah": inp.kode_kabupaten, "nama": inp.nama_kabupaten},
        "tanggal_acuan": inp.tanggal_acuan.isoformat(),
        "frequency": "triwulanan",
        "resources": [
            table(REKAP_DESA, "Rekapitulasi per desa/kelurahan", t.desa.columns),
            table(REKAP_KECAMATAN, "Rekapitulasi per kecamatan", t.kecamatan.columns),
            resource(REKAP_JSON, "Rekapitulasi kabupaten, kecamatan, desa", "application/json", encoding="utf-8"),
            resource(KAMUS, "Kamus data", "text/csv", encoding="utf-8"),
            resource(VIDEOTRON, "Infografis videotron 1920×1080", "image/png"),
            resource(MEDSOS, "Infografis media sosial 1080×1080", "image/png"),
            resource(SIARAN_PERS, "Siaran pers", "text/markdown", encoding="utf-8"),
        ],
    }
