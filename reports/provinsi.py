"""The province recap: rekap_provinsi.xlsx (per kabupaten/kota and per kecamatan, in the layout
of the kabupaten recap) and ringkasan_provinsi.json, built from each kabupaten's ringkasan.json
and the cross-kabupaten counts."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from reports.rekap import SEXES, TOTAL_SEX
from reports.style import Column, Heading, Table, new_workbook, save_workbook, write_table
from schemas.tables import load_tms
from transforms.store import quarter_end, quarter_index
from transforms.wilayah import kabupaten_name

REKAP_FILE = "rekap_provinsi.xlsx"
RINGKASAN_FILE = "ringkasan_provinsi.json"
MEASURES = ("awal", "baru", "tms", "ubah", "pindah_masuk", "pindah_keluar", "akhir", "selisih")


def _province_name(kode: str) -> str:
    from transforms.wilayah import load_wilayah

    import polars as pl

    w = load_wilayah()
    got = w.filter(pl.col("kode") == kode)
    return f"Provinsi {got.item(0, 'nama')}" if got.height else f"Provinsi {kode}"


def _measure_columns(codes: list[int], labels: dict[int, str]) -> list[Column]:
    cols = [Column.of("awal"), Column.of("baru")]
    cols += [Column(f"TMS {k} {labels[k].upper()}", "angka", 10) for k in codes]
    cols += [Column.of(m) for m in ("tms", "ubah", "pindah_masuk", "pindah_keluar", "akhir", "selisih")]
    return cols


def _values(counts: dict, sex: str, codes: list[int]) -> list[int]:
    key = "total" if sex == TOTAL_SEX else sex
    per_kode = counts.get("tms_per_kode", {})
    return ([counts["awal"][key], counts["baru"][key]]
            + [per_kode.get(str(k), {}).get(key, 0) for k in codes]
            + [counts[m][key] for m in ("tms", "ubah", "pindah_masuk", "pindah_keluar", "akhir", "selisih")])


def _area_rows(areas: list[tuple[str, str, str | None, dict]], codes: list[int]) -> tuple[list, list]:
    rows, sums = [], {sex: None for sex in (*SEXES, TOTAL_SEX)}
    for n, (kode, nama, parent, counts) in enumerate(areas, 1):
        for sex in (*SEXES, TOTAL_SEX):
            values = _values(counts, sex, codes)
            lead = [n, kode, nama] + ([parent] if parent is not None else [])
            rows.append([*lead, sex, *values])
            sums[sex] = values if sums[sex] is None else [a + b for a, b in zip(sums[sex], values)]
    pad = 4 if areas and areas[0][2] is not None else 3
    totals = [[None] * (pad - 1) + ["JUMLAH", sex, *(v or [0] * len(codes) + [0] * 8)] for sex, v in sums.items()]
    return rows, totals


def write_province_reports(province, quarter: str, lintas: dict, queues: dict[str, int], durasi: dict) -> dict:
    tms = load_tms()
    codes = tms["kode"].to_list()
    labels = dict(zip(tms["kode"].to_list(), tms["label"].to_list()))
    per_kab, kec_areas, missing = {}, [], []
    for k in sorted(province.kabupaten, key=lambda k: k.kode):
        path = k.out / quarter / "ringkasan.json"
        if not path.exists():
            missing.append(k.kode)
            continue
        r = json.loads(path.read_text(encoding="utf-8"))
        per_kab[k.kode] = r
        for kode, kec in sorted(r["kecamatan"].items()):
            kec_areas.append((kode, kec["nama"], kabupaten_name(k.kode), kec))
    nama = _province_name(province.kode)
    kab_areas = [(kode, r["nama_kabupaten"], None, r["kabupaten"]) for kode, r in per_kab.items()]
    folder = province.out / quarter
    folder.mkdir(parents=True, exist_ok=True)

    heading = Heading(nama, f"{nama} ({province.kode})", quarter, quarter_end(quarter_index(quarter)),
                      datetime.now().replace(microsecond=0))
    measure_cols = _measure_columns(codes, labels)
    rows, totals = _area_rows(kab_areas, codes)
    wb = new_workbook()
    write_table(wb, heading, Table(
        "Rekap Kabupaten", "REKAPITULASI PEMUTAKHIRAN DATA PEMILIH PER KABUPATEN/KOTA",
        [Column.of("no"), Column.of("kode_wilayah"), Column("KABUPATEN/KOTA", "teks", 26), Column.of("jk_rekap"),
         *measure_cols], rows, totals=totals,
        notes=[(f"Belum ada ringkasan triwulan ini dari: {', '.join(missing)}.", "catatan_merah")] if missing else [],
    ))
    rows, totals = _area_rows(kec_areas, codes)
    write_table(wb, heading, Table(
        "Rekap Kecamatan", "REKAPITULASI PEMUTAKHIRAN DATA PEMILIH PER KECAMATAN",
        [Column.of("no"), Column.of("kode_wilayah"), Column.of("nama_wilayah_kecamatan"),
         Column("KABUPATEN/KOTA", "teks", 26), Column.of("jk_rekap"), *measure_cols], rows, totals=totals,
    ))
    lintas_rows = [[i, kode, r["nama_kabupaten"], queues.get(kode, 0)] for i, (kode, r) in enumerate(per_kab.items(), 1)]
    write_table(wb, heading, Table(
        "Lintas Kabupaten", "HASIL PEMERIKSAAN LINTAS KABUPATEN/KOTA",
        [Column.of("no"), Column.of("kode_wilayah"), Column("KABUPATEN/KOTA", "teks", 26),
         Column("ANTREAN VERIFIKASI LINTAS", "angka", 12)], lintas_rows,
        notes=[(f"Pindah antar kabupaten/kota yang cocok: {lintas['pindah_cocok']}; tindakan otomatis (TMS 4 di "
                f"kabupaten asal): {lintas['tindakan_otomatis']}; NIK sama di dua kabupaten untuk verifikasi: "
                f"{lintas['nik_lintas_verifikasi']}; calon ganda dengan dua NIK untuk verifikasi: "
                f"{lintas['ganda_lintas_verifikasi']}.", "catatan"),
               ("Antrean tiap kabupaten/kota ada di verifikasi_lintas.csv pada folder triwulannya.", "catatan")],
    ))
    rekap = save_workbook(wb, folder / REKAP_FILE, heading.dibuat, "REKAPITULASI PEMUTAKHIRAN DATA PEMILIH PROVINSI")

    def total(key: str) -> dict:
        return {s: sum(r["kabupaten"][key][s] for r in per_kab.values()) for s in ("L", "P", "total")}

    ringkasan = {
        "kuartal": quarter,
        "kode_provinsi": province.kode,
        "nama_provinsi": nama,
        "provinsi": {m: total(m) for m in MEASURES},
        "kabupaten": {kode: {"nama": r["nama_kabupaten"], **r["kabupaten"], "perubahan": r["perubahan"],
                             "verifikasi": r["verifikasi"]["kandidat"], "verifikasi_lintas": queues.get(kode, 0),
                             "seimbang": r["rekonsiliasi"]["seimbang"]}
                      for kode, r in per_kab.items()},
        "lintas": lintas,
        "belum_ada": missing,
        "durasi": durasi,
    }
    path = folder / RINGKASAN_FILE
    path.write_text(json.dumps(ringkasan, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {"folder": folder, "rekap": rekap, "ringkasan": path}
