"""ReportData built in code: a small realistic quarter of a few desa of Temanggung (33.23), and a
synthetic full-size quarter for timing."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl

from reports.model import ReportData
from transforms.wilayah import desa_of_kabupaten, kabupaten_name

KABUPATEN = "33.23"
TMS_CSV = Path(__file__).resolve().parents[2] / "schemas" / "tms.csv"
SMALL_DESA = ("33.23.01.2001", "33.23.01.2002", "33.23.01.2003", "33.23.02.2001", "33.23.03.1001")
DANGEROUS_NAME = '=HYPERLINK("x")'

PERUBAHAN_SCHEMA = {
    "kategori": pl.Utf8, "kode_tms": pl.Int64, "label_tms": pl.Utf8, "id_pemilih": pl.Int64,
    "nik": pl.Utf8, "nkk": pl.Utf8, "nama": pl.Utf8, "tempat_lahir": pl.Utf8, "tanggal_lahir": pl.Date,
    "jenis_kelamin": pl.Utf8, "status_kawin": pl.Utf8, "alamat": pl.Utf8, "rt": pl.Utf8, "rw": pl.Utf8,
    "disabilitas": pl.Utf8, "kode_desa": pl.Utf8, "kode_desa_lama": pl.Utf8, "kolom_diubah": pl.Utf8,
    "nilai_lama": pl.Utf8, "nilai_baru": pl.Utf8, "sumber_file": pl.Utf8, "sumber_baris": pl.Int64,
    "metode": pl.Utf8, "skor": pl.Float64, "keputusan": pl.Utf8,
}
VERIFIKASI_SCHEMA = {
    "id_verifikasi": pl.Utf8, "kategori_usulan": pl.Utf8, "kode_tms_usulan": pl.Int64, "nik_kandidat": pl.Utf8,
    "nama_kandidat": pl.Utf8, "kode_desa_kandidat": pl.Utf8, "tanggal_lahir_kandidat": pl.Date,
    "jenis_kelamin_kandidat": pl.Utf8, "alamat_kandidat": pl.Utf8, "sumber_file": pl.Utf8, "sumber_baris": pl.Int64,
    "nama_sumber": pl.Utf8, "nik_sumber": pl.Utf8, "tanggal_lahir_sumber": pl.Date, "kode_desa_sumber": pl.Utf8,
    "skor": pl.Float64, "alasan": pl.Utf8,
}


def tms_table() -> pl.DataFrame:
    return pl.read_csv(TMS_CSV, schema_overrides={"kode": pl.Int64, "label": pl.Utf8, "keterangan": pl.Utf8})


def nik(kode_desa: str, born: date, sex: str, serial: int) -> str:
    """A NIK with the structure of a real one: region, birth date (+40 for women), serial."""
    region = kode_desa.replace(".", "")[:6]
    day = born.day + (40 if sex == "P" else 0)
    return f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def nkk(kode_desa: str, serial: int) -> str:
    return f"{kode_desa.replace('.', '')[:6]}0101{serial % 100:02d}{serial:04d}"


def change(kategori: str, kode_desa: str, nama: str, born: date, sex: str, serial: int, **kw) -> dict:
    row = {k: None for k in PERUBAHAN_SCHEMA}
    row.update(
        kategori=kategori, id_pemilih=serial, nik=nik(kode_desa, born, sex, serial), nkk=nkk(kode_desa, serial),
        nama=nama, tempat_lahir="TEMANGGUNG", tanggal_lahir=born, jenis_kelamin=sex, status_kawin="S",
        alamat="DUSUN KRAJAN", rt="001", rw="002", kode_desa=kode_desa, sumber_file="kematian_disdukcapil.xlsx",
        sumber_baris=serial + 4, metode="NIK", skor=1.0, penetapan="OTOMATIS",
    )
    row.update(kw)
    return row


def rekap_from(desa: pl.DataFrame, perubahan: pl.DataFrame, tms: pl.DataFrame, awal: dict, gaps: dict) -> pl.DataFrame:
    """The recap the store would count: every desa x sex; `gaps` subtracts from akhir to make a selisih."""
    codes = tms["kode"].to_list()
    cells = {(d, s): {"awal": awal.get((d, s), 500), "baru": 0, "tms": 0, "ubah": 0, "pindah_masuk": 0,
                      "pindah_keluar": 0, **{f"tms_{k}": 0 for k in codes}}
             for d in desa["kode_desa"] for s in ("L", "P")}
    for r in perubahan.iter_rows(named=True):
        here = cells[(r["kode_desa"], r["jenis_kelamin"])]
        if r["kategori"] == "BARU":
            here["baru"] += 1
        elif r["kategori"] == "TMS":
            here["tms"] += 1
            here[f"tms_{r['kode_tms']}"] += 1
        else:
            here["ubah"] += 1
            lama = json.loads(r["nilai_lama"])
            old_desa = lama.get("kode_desa", r["kode_desa"])
            old_sex = lama.get("jenis_kelamin", r["jenis_kelamin"])
            if (old_desa, old_sex) != (r["kode_desa"], r["jenis_kelamin"]):
                here["pindah_masuk"] += 1
                cells[(old_desa, old_sex)]["pindah_keluar"] += 1
    rows = []
    for (d, s), c in cells.items():
        akhir = c["awal"] + c["baru"] - c["tms"] + c["pindah_masuk"] - c["pindah_keluar"] - gaps.get((d, s), 0)
        selisih = c["awal"] + c["baru"] - c["tms"] + c["pindah_masuk"] - c["pindah_keluar"] - akhir
        rows.append({"kode_desa": d, "jenis_kelamin": s, **c, "akhir": akhir, "selisih": selisih})
    order = ["kode_desa", "jenis_kelamin", "awal", "baru", "tms", *[f"tms_{k}" for k in codes], "ubah",
             "pindah_masuk", "pindah_keluar", "akhir", "selisih"]
    return pl.DataFrame(rows).select(order).with_columns(pl.exclude("kode_desa", "jenis_kelamin").cast(pl.Int64))


def small_report_data(*, with_gap: bool = True) -> ReportData:
    """Five desa (one kelurahan, one with no change at all), every category, every kind of UBAH,
    a name that looks like a formula, and a review queue."""
    tms = tms_table()
    desa = desa_of_kabupaten(KABUPATEN).filter(pl.col("kode_desa").is_in(SMALL_DESA))
    bulu, tegal, _, tembarak, kel = SMALL_DESA
    labels = dict(tms.select("kode", "label").iter_rows())
    rows = [
        change("BARU", bulu, "SITI AMINAH", date(2009, 1, 15), "P", 1, sumber_file="penduduk_dp4.xlsx",
               disabilitas="TUNA DAKSA", status_kawin="B"),
        change("BARU", bulu, DANGEROUS_NAME, date(2008, 12, 2), "L", 2, sumber_file="penduduk_dp4.xlsx",
               alamat="+62 JALAN RAYA", rt="-", status_kawin="B"),
        change("BARU", kel, "@ADMIN", date(1990, 5, 5), "L", 3, sumber_file="pindah_datang.csv",
               metode="NAMA+TGL LAHIR", skor=0.93, penetapan="VERIFIKASI"),
        change("TMS", bulu, "SOEPARMAN", date(1941, 3, 7), "L", 4, kode_tms=1),
        change("TMS", bulu, "HJ. SITI MARYAM", date(1950, 7, 17), "P", 5, kode_tms=1, metode="NAMA+TGL LAHIR+NKK",
               skor=0.97),
        change("TMS", tegal, "DJOKO SUSILO", date(1980, 2, 1), "L", 6, kode_tms=2, sumber_file="pemilih_awal.xlsx"),
        change("TMS", tegal, "RINA", date(2010, 4, 4), "P", 7, kode_tms=3, status_kawin="B"),
        change("TMS", tembarak, "MOH. ARIF", date(1985, 9, 9), "L", 8, kode_tms=4,
               sumber_file="pindah_keluar.xlsx"),
        change("TMS", kel, "BAYU PRATAMA", date(2001, 6, 30), "L", 9, kode_tms=6, sumber_file="tni_polri.xlsx"),
        change("TMS", kel, "-DEWI", date(1999, 11, 11), "P", 10, kode_tms=7, sumber_file="tni_polri.xlsx"),
        change("UBAH", bulu, "SUPARMI", date(1970, 1, 1), "P", 11, kolom_diubah="alamat,rt",
               nilai_lama=json.dumps({"alamat": "DUSUN LOR", "rt": "003"}),
               nilai_baru=json.dumps({"alamat": "DUSUN KRAJAN", "rt": "001"}), sumber_file="perbaikan_tms.xlsx"),
        change("UBAH", tembarak, "AHMAD YANI", date(1975, 8, 17), "L", 12, kode_desa_lama=bulu,
               kolom_diubah="kode_desa,alamat",
               nilai_lama=json.dumps({"kode_desa": bulu, "alamat": "DUSUN KIDUL"}),
               nilai_baru=json.dumps({"kode_desa": tembarak, "alamat": "DUSUN KRAJAN"}),
               sumber_file="pindah_datang.csv"),
        change("UBAH", tegal, "WAHYUNI", date(1988, 3, 12), "P", 13,
               kolom_diubah="nkk,tanggal_lahir,disabilitas,jenis_kelamin",
               nilai_lama=json.dumps({"nkk": "3323010101990013", "tanggal_lahir": "1988-03-21",
                                      "disabilitas": None, "jenis_kelamin": "L"}),
               nilai_baru=json.dumps({"nkk": nkk(tegal, 13), "tanggal_lahir": "1988-03-12",
                                      "disabilitas": "TUNA NETRA", "jenis_kelamin": "P"}),
               sumber_file="perbaikan_tms.xlsx", disabilitas="TUNA NETRA"),
    ]
    for r in rows:
        if r["kode_tms"] is not None:
            r["label_tms"] = labels[r["kode_tms"]]
    perubahan = pl.DataFrame(rows, schema=PERUBAHAN_SCHEMA)
    queue = [
        {"id_verifikasi": "V-2026Q1-0001", "kategori_usulan": "TMS", "kode_tms_usulan": 1,
         "nik_kandidat": nik(bulu, date(1948, 2, 2), "L", 21), "nama_kandidat": "SUKIRNO",
         "kode_desa_kandidat": bulu, "tanggal_lahir_kandidat": date(1948, 2, 2), "jenis_kelamin_kandidat": "L",
         "alamat_kandidat": "DUSUN KRAJAN", "sumber_file": "kematian_desa.xlsx", "sumber_baris": 7,
         "nama_sumber": "SOEKIRNO", "nik_sumber": None, "tanggal_lahir_sumber": date(1948, 2, 2),
         "kode_desa_sumber": bulu, "skor": 0.86, "alasan": "Nama mirip, NIK tidak ada di berkas"},
        {"id_verifikasi": "V-2026Q1-0002", "kategori_usulan": "TMS", "kode_tms_usulan": 2,
         "nik_kandidat": nik(tegal, date(1966, 6, 6), "P", 22), "nama_kandidat": "=SUM(A1)",
         "kode_desa_kandidat": tegal, "tanggal_lahir_kandidat": date(1966, 6, 6), "jenis_kelamin_kandidat": "P",
         "alamat_kandidat": "DUSUN WETAN", "sumber_file": "pemilih_awal.xlsx", "sumber_baris": 1201,
         "nama_sumber": "SRI LESTARI", "nik_sumber": nik(tegal, date(1966, 6, 6), "P", 23),
         "tanggal_lahir_sumber": date(1966, 6, 6), "kode_desa_sumber": tegal, "skor": 0.91,
         "alasan": "Orang yang sama dengan dua NIK"},
        {"id_verifikasi": "V-2026Q1-0003", "kategori_usulan": "BARU", "kode_tms_usulan": None,
         "nik_kandidat": None, "nama_kandidat": None, "kode_desa_kandidat": None, "tanggal_lahir_kandidat": None,
         "jenis_kelamin_kandidat": None, "alamat_kandidat": None, "sumber_file": "penduduk_dp4.xlsx",
         "sumber_baris": 88, "nama_sumber": "BUDI SANTOSO", "nik_sumber": nik(kel, date(2008, 10, 1), "L", 24),
         "tanggal_lahir_sumber": date(2008, 10, 1), "kode_desa_sumber": kel, "skor": 0.78,
         "alasan": "Mungkin sudah terdaftar dengan nama lain"},
    ]
    verifikasi = pl.DataFrame(queue, schema=VERIFIKASI_SCHEMA)
    awal = {(bulu, "L"): 1203, (bulu, "P"): 1188, (kel, "L"): 2510}
    gaps = {(tegal, "L"): 2} if with_gap else {}
    return _quarter_data(desa, perubahan, verifikasi, tms, awal, gaps)


FIRST_NAMES = ("SITI", "SRI", "AHMAD", "MUHAMMAD", "BUDI", "DWI", "EKO", "TRI", "NUR", "RINA", "AGUS", "SUGENG",
               "WAHYU", "ENDANG", "SUPARMAN", "JOKO", "YULI", "HENDRA", "DEWI", "RATNA")
LAST_NAMES = ("SANTOSO", "LESTARI", "WIBOWO", "RAHAYU", "PRASETYO", "HIDAYAT", "SUSANTO", "KURNIAWAN",
              "SETIAWAN", "WULANDARI", "NUGROHO", "PURNOMO", "SAPUTRA", "HANDAYANI", "")


def large_report_data(*, voters: int = 627_000, changes: int = 20_000, queue: int = 1_500, seed: int = 7) -> ReportData:
    """A full-size synthetic quarter of all 289 desa of Temanggung, for timing the writers."""
    rng = random.Random(seed)
    tms = tms_table()
    desa = desa_of_kabupaten(KABUPATEN)
    codes = desa["kode_desa"].to_list()
    labels = dict(tms.select("kode", "label").iter_rows())
    rows = []
    for i in range(changes):
        d = rng.choice(codes)
        sex = rng.choice("LP")
        born = date(rng.randint(1935, 2009), rng.randint(1, 12), rng.randint(1, 28))
        nama = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}".strip()
        kind = rng.choices(("BARU", "TMS", "UBAH"), weights=(45, 35, 20))[0]
        kw: dict = {}
        if kind == "TMS":
            k = rng.choices((1, 2, 3, 4, 6, 7), weights=(60, 10, 3, 22, 3, 2))[0]
            kw = {"kode_tms": k, "label_tms": labels[k]}
        elif kind == "UBAH":
            if rng.random() < 0.3:
                old = rng.choice(codes)
                kw = {"kode_desa_lama": old, "kolom_diubah": "kode_desa,alamat",
                      "nilai_lama": json.dumps({"kode_desa": old, "alamat": "DUSUN LAMA"}),
                      "nilai_baru": json.dumps({"kode_desa": d, "alamat": "DUSUN KRAJAN"})}
            else:
                kw = {"kolom_diubah": "alamat,rt,rw",
                      "nilai_lama": json.dumps({"alamat": "DUSUN LOR", "rt": "004", "rw": "001"}),
                      "nilai_baru": json.dumps({"alamat": "DUSUN KRAJAN", "rt": "001", "rw": "002"})}
        rows.append(change(kind, d, nama, born, sex, i, skor=round(rng.uniform(0.9, 1.0), 3), **kw))
    perubahan = pl.DataFrame(rows, schema=PERUBAHAN_SCHEMA)
    qrows = []
    for i in range(queue):
        d = rng.choice(codes)
        born = date(rng.randint(1935, 2005), rng.randint(1, 12), rng.randint(1, 28))
        qrows.append({
            "id_verifikasi": f"V-2026Q1-{i:05d}", "kategori_usulan": "TMS", "kode_tms_usulan": 1,
            "nik_kandidat": nik(d, born, "L", i), "nama_kandidat": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            "kode_desa_kandidat": d, "tanggal_lahir_kandidat": born, "jenis_kelamin_kandidat": "L",
            "alamat_kandidat": "DUSUN KRAJAN", "sumber_file": "kematian_desa.xlsx", "sumber_baris": i + 5,
            "nama_sumber": "NAMA SUMBER", "nik_sumber": None, "tanggal_lahir_sumber": born, "kode_desa_sumber": d,
            "skor": 0.85, "alasan": "Nama mirip, NIK tidak ada di berkas",
        })
    verifikasi = pl.DataFrame(qrows, schema=VERIFIKASI_SCHEMA)
    per_cell = voters // (len(codes) * 2)
    awal = {(d, s): per_cell for d in codes for s in ("L", "P")}
    return _quarter_data(desa, perubahan, verifikasi, tms, awal, {})


def _quarter_data(desa, perubahan, verifikasi, tms, awal, gaps) -> ReportData:
    """One hand-built quarter of KABUPATEN (2026-Q1), its recap counted from `awal` and the changes."""
    return ReportData(
        quarter="2026-Q1",
        tanggal_acuan=date(2026, 3, 31),
        dibuat=datetime(2026, 4, 1, 2, 0, 5, tzinfo=timezone.utc),
        kode_kabupaten=KABUPATEN,
        nama_kabupaten=kabupaten_name(KABUPATEN),
        desa=desa,
        rekap=rekap_from(desa, perubahan, tms, awal, gaps),
        perubahan=perubahan,
        verifikasi=verifikasi,
        tms=tms,
    )
