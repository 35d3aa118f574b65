"""publik/: aggregates only, numbers equal to the recap, exact picture sizes, identical reruns."""

from __future__ import annotations

import dataclasses
import json
import random
import struct
import zlib
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from reports.model import ReportData
from reports.publik import write_publik
from reports.publik_data import build_tables, public_input
from reports.publik_format import angka, angka_bertanda, nama_triwulan, tanggal
from transforms.wilayah import desa_of_kabupaten, kabupaten_name

TMS_CSV = Path(__file__).resolve().parents[2] / "schemas" / "tms.csv"

# People who appear in perubahan/verifikasi; none of this may reach a public file.
PEOPLE = [
    # nama, nik, nkk, tanggal_lahir, tempat_lahir, alamat
    ("SOEPARMAN WIDJOJOKOESOEMO", "3323011708750001", "3323010101090123", date(1975, 8, 17), "MAGELANG",
     "DUSUN KRAJANWETAN"),
    ("SITI NURJANAH RAHMAWATI", "3323024512880002", "3323020202100456", date(1988, 12, 5), "WONOSOBO",
     "DUSUN GENDINGSARI"),
    ("MOCH. ARIFIN SETYAWARDANA", "3323150302610003", "3323150303050789", date(1961, 2, 3), "SEMARANG",
     "DUSUN PLOSOGEDE"),
    ("HJ. ENDANG KUSUMANINGTYAS", "3323206907940004", "3323200404150321", date(1994, 7, 29), "KENDAL",
     "DUSUN SIDOMUKTIKAN"),
]
BULAN = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember".split()
PUBLIC = {"awal": "pemilih_awal", "akhir": "pemilih_akhir"}
TEXT_CODES = {"kode_desa": pl.Utf8, "kode_kecamatan": pl.Utf8, "kode_kabupaten": pl.Utf8}


def _tms() -> pl.DataFrame:
    return pl.read_csv(TMS_CSV, schema_overrides={"kode": pl.Int64})


def _rekap(desa: pl.DataFrame, codes: list[int], rng: random.Random) -> pl.DataFrame:
    rows = []
    for kode_desa in desa["kode_desa"]:
        for jk in ("L", "P"):
            awal = rng.randint(500, 2600)
            baru = rng.randint(0, 25)
            # Codes 5, 8 and 9 almost never occur in a quarter; keep them at zero here.
            per_code = {k: (rng.randint(0, 6) if k not in (5, 8, 9) else 0) for k in codes}
            tms = sum(per_code.values())
            masuk, keluar = rng.randint(0, 4), rng.randint(0, 4)
            akhir = awal + baru - tms + masuk - keluar
            rows.append(
                {
                    "kode_desa": kode_desa,
                    "jenis_kelamin": jk,
                    "awal": awal,
                    "baru": baru,
                    "tms": tms,
                    **{f"tms_{k}": v for k, v in per_code.items()},
                    "ubah": rng.randint(0, 9),
                    "pindah_masuk": masuk,
                    "pindah_keluar": keluar,
                    "akhir": akhir,
                    "selisih": 0,
                }
            )
    return pl.DataFrame(rows).with_columns(pl.exclude("kode_desa", "jenis_kelamin").cast(pl.Int64))


def _perubahan() -> pl.DataFrame:
    rows = []
    for i, (nama, nik, nkk, lahir, tempat, alamat) in enumerate(PEOPLE):
        rows.append(
            {
                "kategori": ["BARU", "TMS", "UBAH", "TMS"][i],
                "kode_tms": [None, 1, None, 4][i],
                "label_tms": [None, "Meninggal", None, "Pindah domisili"][i],
                "id_pemilih": f"P{i:06d}",
                "nik": nik,
                "nkk": nkk,
                "nama": nama,
                "tempat_lahir": tempat,
                "tanggal_lahir": lahir,
                "jenis_kelamin": "L" if i % 2 == 0 else "P",
                "status_kawin": "S",
                "alamat": alamat,
                "rt": "003",
                "rw": "002",
                "disabilitas": "TUNA DAKSA" if i == 2 else None,
                "kode_desa": "33.23.01.2001",
                "kode_desa_lama": None,
                "kolom_diubah": "alamat" if i == 2 else None,
                "nilai_lama": json.dumps({"alamat": alamat}) if i == 2 else None,
                "nilai_baru": json.dumps({"alamat": alamat + " BARU"}) if i == 2 else None,
                "sumber_file": "kematian_2026q1.xlsx",
                "sumber_baris": 5 + i,
                "metode": "NIK",
                "skor": 1.0,
                "penetapan": "OTOMATIS",
            }
        )
    return pl.DataFrame(rows).with_columns(pl.col("kode_tms").cast(pl.Int64), pl.col("sumber_baris").cast(pl.Int64))


def _verifikasi() -> pl.DataFrame:
    nama, nik, _, lahir, _, alamat = PEOPLE[0]
    nama2, nik2, _, lahir2, _, _ = PEOPLE[1]
    return pl.DataFrame(
        {
            "id_verifikasi": ["V-0001"],
            "kategori_usulan": ["TMS"],
            "kode_tms_usulan": [1],
            "nik_kandidat": [nik],
            "nama_kandidat": [nama],
            "kode_desa_kandidat": ["33.23.01.2001"],
            "tanggal_lahir_kandidat": [lahir],
            "jenis_kelamin_kandidat": ["L"],
            "alamat_kandidat": [alamat],
            "sumber_file": ["kematian_2026q1.xlsx"],
            "sumber_baris": [12],
            "nama_sumber": [nama2],
            "nik_sumber": [nik2],
            "tanggal_lahir_sumber": [lahir2],
            "kode_desa_sumber": ["33.23.01.2002"],
            "skor": [0.81],
            "alasan": ["nama dan tanggal lahir mirip"],
        }
    ).with_columns(pl.col("kode_tms_usulan", "sumber_baris").cast(pl.Int64))


def make_report_data(*, previous: bool = True, seed: int = 7, kode_kabupaten: str = "33.23") -> ReportData:
    """A whole quarter (Temanggung: 289 desa) with people in the per-person frames."""
    rng = random.Random(seed)
    desa = desa_of_kabupaten(kode_kabupaten)
    tms = _tms()
    rekap = _rekap(desa, tms["kode"].to_list(), rng)
    rekap_sebelumnya = None
    if previous:
        # Not simply `awal`: the change must come from the previous quarter's own counts.
        rekap_sebelumnya = rekap.with_columns(
            (pl.col("awal") - pl.int_range(pl.len()).mod(5)).alias("akhir")
        )
    return ReportData(
        quarter="2026-Q1",
        tanggal_acuan=date(2026, 3, 31),
        dibuat=datetime(2026, 4, 2, 9, 30),
        kode_kabupaten=kode_kabupaten,
        nama_kabupaten=kabupaten_name(kode_kabupaten),
        desa=desa,
        rekap=rekap,
        perubahan=_perubahan(),
        verifikasi=_verifikasi(),
        tms=tms,
        rekap_sebelumnya=rekap_sebelumnya,
    )


@pytest.fixture(scope="module")
def data() -> ReportData:
    return make_report_data()


@pytest.fixture(scope="module")
def publik(data: ReportData, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run1") / "2026-Q1"
    write_publik(data, out)
    return out / "publik"


def _png_chunks(blob: bytes) -> list[tuple[bytes, bytes]]:
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(blob):
        (length,) = struct.unpack(">I", blob[pos : pos + 4])
        kind = blob[pos + 4 : pos + 8]
        chunks.append((kind, blob[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def _readable_bytes(path: Path) -> bytes:
    """The file's bytes, plus the text of any compressed PNG metadata chunk."""
    blob = path.read_bytes()
    if path.suffix == ".png":
        for kind, body in _png_chunks(blob):
            if kind == b"zTXt":
                key, _, rest = body.partition(b"\0")
                blob += key + zlib.decompress(rest[1:])
            elif kind == b"iTXt":
                key, _, rest = body.partition(b"\0")
                if rest[0] == 1:  # compressed
                    lang_tag_text = rest[2:].split(b"\0", 2)
                    blob += key + zlib.decompress(lang_tag_text[2])
    return blob


def _forbidden_strings() -> list[str]:
    out = []
    for nama, nik, nkk, lahir, tempat, alamat in PEOPLE:
        out += [nama, nama.title(), nik, nkk, alamat, alamat.title()]
        out += [
            lahir.isoformat(),
            lahir.strftime("%d-%m-%Y"),
            lahir.strftime("%d/%m/%Y"),
            lahir.strftime("%d%m%Y"),
            f"{lahir.day} {BULAN[lahir.month - 1]} {lahir.year}",
            f"{lahir.day:02d} {BULAN[lahir.month - 1]} {lahir.year}",
        ]
    return out


def test_publik_writes_every_output(publik: Path):
    names = sorted(p.name for p in publik.iterdir())
    assert names == sorted(
        [
            "rekap_desa.csv",
            "rekap_kecamatan.csv",
            "rekap.json",
            "kamus_data.csv",
            "datapackage.json",
            "infografis_videotron.png",
            "infografis_medsos.png",
            "siaran_pers.md",
        ]
    )


def test_no_personal_data_in_any_public_file(publik: Path):
    forbidden = _forbidden_strings()
    for path in publik.iterdir():
        blob = _readable_bytes(path)
        for s in forbidden:
            for encoded in {s.encode("utf-8"), s.encode("utf-16-le"), s.encode("utf-16-be")}:
                assert encoded not in blob, f"{s!r} found in {path.name}"
        # No 16-digit run at all: that is what a NIK or NKK looks like, whoever it belongs to.
        if path.suffix != ".png":
            text = blob.decode("utf-8")
            assert not any(len(tok) >= 16 and tok.isdigit() for tok in _tokens(text)), path.name


def _tokens(text: str) -> list[str]:
    out, cur = [], []
    for ch in text:
        if ch.isdigit():
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def test_the_writer_never_reads_the_per_person_frames(data: ReportData, tmp_path: Path):
    class Untouchable:
        def __getattr__(self, name):
            raise AssertionError(f"publik read a per-person frame ({name})")

        def __len__(self):
            raise AssertionError("publik read a per-person frame")

        def __bool__(self):
            raise AssertionError("publik read a per-person frame")

    sealed = dataclasses.replace(data, perubahan=Untouchable(), verifikasi=Untouchable())
    written = write_publik(sealed, tmp_path)
    assert len(written) == 8


def test_desa_csv_equals_the_rekap(data: ReportData, publik: Path):
    got = pl.read_csv(publik / "rekap_desa.csv", schema_overrides=TEXT_CODES)
    assert got["kode_desa"].to_list() == data.desa["kode_desa"].to_list()
    for col in data.rekap.columns[2:]:  # every count of the recap
        public = PUBLIC.get(col, col)
        for jk, suffix in (("L", "_l"), ("P", "_p")):
            want = data.rekap.filter(pl.col("jenis_kelamin") == jk).sort("kode_desa")[col].to_list()
            assert got[public + suffix].to_list() == want, public + suffix
        total = data.rekap.group_by("kode_desa").agg(pl.col(col).sum()).sort("kode_desa")[col].to_list()
        assert got[public].to_list() == total, public
    assert set(got["triwulan"]) == {"2026-Q1"}
    assert set(got["tanggal_acuan"]) == {"2026-03-31"}


def test_kecamatan_csv_and_json_totals_equal_the_rekap(data: ReportData, publik: Path):
    kec = pl.read_csv(publik / "rekap_kecamatan.csv", schema_overrides=TEXT_CODES)
    assert kec.height == 20
    assert kec["jumlah_desa"].sum() == 289
    rekap = data.rekap.join(data.desa.select("kode_desa", "kode_kecamatan"), on="kode_desa")
    want = rekap.group_by("kode_kecamatan").agg(pl.col("akhir", "baru", "tms_1").sum()).sort("kode_kecamatan")
    assert kec["pemilih_akhir"].to_list() == want["akhir"].to_list()
    assert kec["baru"].to_list() == want["baru"].to_list()
    assert kec["tms_1"].to_list() == want["tms_1"].to_list()

    doc = json.loads((publik / "rekap.json").read_text(encoding="utf-8"))
    kab = doc["kabupaten"]
    for col in data.rekap.columns[2:]:
        public = PUBLIC.get(col, col)
        assert kab[public] == data.rekap[col].sum()
        assert kab[public + "_l"] == data.rekap.filter(pl.col("jenis_kelamin") == "L")[col].sum()
        assert kab[public + "_p"] == data.rekap.filter(pl.col("jenis_kelamin") == "P")[col].sum()
    for k in data.tms["kode"]:
        assert kab[f"tms_{k}"] == data.rekap[f"tms_{k}"].sum()
    assert len(doc["desa"]) == 289 and len(doc["kecamatan"]) == 20
    assert [r["pemilih_akhir"] for r in doc["kecamatan"]] == want["akhir"].to_list()
    per_desa = data.rekap.group_by("kode_desa").agg(pl.col("akhir", "tms_4").sum()).sort("kode_desa")
    assert [r["pemilih_akhir"] for r in doc["desa"]] == per_desa["akhir"].to_list()
    assert [r["tms_4"] for r in doc["desa"]] == per_desa["tms_4"].to_list()
    assert [k["label"] for k in doc["kode_tms"]] == data.tms["label"].to_list()


def test_change_since_last_quarter(data: ReportData, publik: Path):
    got = pl.read_csv(publik / "rekap_desa.csv", schema_overrides={"kode_desa": pl.Utf8}).sort("kode_desa")
    prev = data.rekap_sebelumnya.group_by("kode_desa").agg(pl.col("akhir").sum()).sort("kode_desa")
    now = data.rekap.group_by("kode_desa").agg(pl.col("akhir").sum()).sort("kode_desa")
    assert got["pemilih_triwulan_lalu"].to_list() == prev["akhir"].to_list()
    assert got["perubahan_jumlah"].to_list() == [a - b for a, b in zip(now["akhir"], prev["akhir"])]
    prev_l = data.rekap_sebelumnya.filter(pl.col("jenis_kelamin") == "L").sort("kode_desa")["akhir"]
    assert got["pemilih_triwulan_lalu_l"].to_list() == prev_l.to_list()

    kab = json.loads((publik / "rekap.json").read_text(encoding="utf-8"))["kabupaten"]
    assert kab["pemilih_triwulan_lalu"] == data.rekap_sebelumnya["akhir"].sum()
    assert kab["perubahan_jumlah"] == data.rekap["akhir"].sum() - data.rekap_sebelumnya["akhir"].sum()
    siaran = (publik / "siaran_pers.md").read_text(encoding="utf-8")
    change = kab["perubahan_jumlah"]
    word = "bertambah" if change > 0 else "berkurang"
    assert f"{word} {abs(change):,} pemilih".replace(",", ".") in siaran


def test_without_a_previous_quarter_the_change_is_null_and_explained(tmp_path: Path):
    write_publik(make_report_data(previous=False), tmp_path)
    folder = tmp_path / "publik"
    got = pl.read_csv(folder / "rekap_desa.csv")
    assert got["perubahan_jumlah"].null_count() == got.height
    assert got["pemilih_triwulan_lalu_p"].null_count() == got.height
    kab = json.loads((folder / "rekap.json").read_text(encoding="utf-8"))["kabupaten"]
    assert kab["perubahan_jumlah"] is None
    kamus = pl.read_csv(folder / "kamus_data.csv")
    why = kamus.filter(pl.col("kolom") == "perubahan_jumlah")["keterangan"].to_list()
    assert why and all("belum tercatat" in w for w in why)
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert "belum tercatat" in package["description"]
    siaran = (folder / "siaran_pers.md").read_text(encoding="utf-8")
    assert "Dibandingkan dengan rekapitulasi triwulan sebelumnya" not in siaran


def _png_size(path: Path) -> tuple[int, int]:
    kind, body = _png_chunks(path.read_bytes())[0]
    assert kind == b"IHDR"
    return struct.unpack(">II", body[:8])


def test_png_sizes_are_exact(publik: Path):
    assert _png_size(publik / "infografis_videotron.png") == (1920, 1080)
    assert _png_size(publik / "infografis_medsos.png") == (1080, 1080)


def test_png_carries_no_text_or_time_metadata(publik: Path):
    for name in ("infografis_videotron.png", "infografis_medsos.png"):
        kinds = {kind for kind, _ in _png_chunks((publik / name).read_bytes())}
        assert not kinds & {b"tEXt", b"zTXt", b"iTXt", b"tIME", b"eXIf"}, name


def test_numbers_are_written_the_indonesian_way():
    assert angka(627000) == "627.000"
    assert angka(1234567) == "1.234.567"
    assert angka(999) == "999"
    assert angka(-1661) == "\u22121.661"
    assert angka_bertanda(1234) == "+1.234"
    assert angka_bertanda(0) == "0"
    assert nama_triwulan("2026-Q1") == "Triwulan I 2026"
    assert nama_triwulan("2025-Q4", tahun=True) == "Triwulan IV Tahun 2025"
    assert tanggal(date(2026, 3, 31)) == "31 Maret 2026"


def test_same_input_gives_identical_bytes(data: ReportData, publik: Path, tmp_path: Path):
    write_publik(data, tmp_path)
    for path in publik.iterdir():
        assert (tmp_path / "publik" / path.name).read_bytes() == path.read_bytes(), path.name


def test_press_release_carries_the_figures_and_stays_a_draft_before_the_plenary(data: ReportData, publik: Path):
    text = (publik / "siaran_pers.md").read_text(encoding="utf-8")
    total = f"{data.rekap['akhir'].sum():,}".replace(",", ".")
    assert text.startswith("# DRAF SIARAN PERS") and "belum ditetapkan" in text
    assert "telah menetapkan" not in text and "ditetapkan dalam rapat pleno tanggal" not in text
    assert "Rekapitulasi Daftar Pemilih Berkelanjutan Triwulan I Tahun 2026" in text
    assert "cekdptonline.kpu.go.id" in text and "kantor desa/kelurahan" in text
    assert total in text
    assert json.loads((publik / "rekap.json").read_text(encoding="utf-8"))["status"] == "DRAF"


def test_press_release_after_the_plenary_says_adopted_with_its_date(data: ReportData, tmp_path: Path):
    from dataclasses import replace

    from reports.model import Pleno

    write_publik(replace(data, pleno=Pleno(tanggal=date(2026, 4, 7))), tmp_path)
    text = (tmp_path / "publik" / "siaran_pers.md").read_text(encoding="utf-8")
    assert text.startswith("# SIARAN PERS") and "DRAF" not in text
    assert "Komisi Pemilihan Umum Kabupaten Temanggung telah menetapkan" in text and "7 April 2026" in text
    meta = json.loads((tmp_path / "publik" / "rekap.json").read_text(encoding="utf-8"))
    assert meta["status"] == "DITETAPKAN" and meta["tanggal_pleno"] == "2026-04-07"


def test_portal_metadata_names_the_quarter_the_place_and_leaves_the_licence(publik: Path):
    package = json.loads((publik / "datapackage.json").read_text(encoding="utf-8"))
    assert package["temporal"] == {"start": "2026-01-01", "end": "2026-03-31", "label": "Triwulan I Tahun 2026"}
    assert package["spatial"] == {"kode_wilayah": "33.23", "nama": "Kabupaten Temanggung"}
    assert package["licenses"] == [{"name": "", "path": "", "title": ""}]
    paths = {r["path"] for r in package["resources"]}
    assert paths == {p.name for p in publik.iterdir()} - {"datapackage.json"}
    desa_fields = [f["name"] for f in package["resources"][0]["schema"]["fields"]]
    assert desa_fields == pl.read_csv(publik / "rekap_desa.csv", n_rows=1).columns
    kamus = pl.read_csv(publik / "kamus_data.csv")
    assert kamus.filter(pl.col("berkas") == "rekap_desa.csv")["kolom"].to_list() == desa_fields
    assert set(kamus["tanggal_acuan"]) == {"2026-03-31"}


def test_a_desa_new_since_last_quarter_has_no_previous_count(data: ReportData):
    new_desa = data.desa["kode_desa"][0]
    earlier = data.rekap_sebelumnya.filter(pl.col("kode_desa") != new_desa)
    tables = build_tables(public_input(dataclasses.replace(data, rekap_sebelumnya=earlier)))
    row = tables.desa.filter(pl.col("kode_desa") == new_desa).row(0, named=True)
    assert row["pemilih_triwulan_lalu"] is None and row["perubahan_jumlah"] is None
    kecamatan = tables.kecamatan.filter(pl.col("kode_kecamatan") == row["kode_kecamatan"]).row(0, named=True)
    before = earlier.filter(pl.col("kode_desa").str.starts_with(row["kode_kecamatan"] + "."))["akhir"].sum()
    assert kecamatan["pemilih_triwulan_lalu"] == before
    assert tables.kabupaten["pemilih_triwulan_lalu"] == earlier["akhir"].sum()
