"""The synthetic kabupaten: deterministic, realistic in structure, and its labels agree with its files."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from schemas.fields import PERSON_FIELDS
from transforms.synth import generate_sample
from transforms.synth.draw import load_region
from transforms.synth.model import quarter_dates
from transforms.synth.population import make_population
from transforms.wilayah import desa_of_kabupaten, load_wilayah

N = 2_000


def read_text_csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> object:
    return generate_sample(tmp_path_factory.mktemp("clean"), n_voters=N, seed=7, n_quarters=2)


@pytest.fixture(scope="module")
def baseline(sample) -> pl.DataFrame:
    return read_text_csv(sample.baseline).with_row_index("baris", offset=2)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def nik_birth(nik: str) -> tuple[date, str]:
    """Birth date and sex encoded in a NIK (day + 40 for women)."""
    dd, mm, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "P" if dd > 40 else "L"
    return dd - 40 if dd > 40 else dd, mm, yy, sex


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes(tmp_path):
    a = generate_sample(tmp_path / "a", n_voters=N, seed=3, n_quarters=2)
    b = generate_sample(tmp_path / "b", n_voters=N, seed=3, n_quarters=2)
    c = generate_sample(tmp_path / "c", n_voters=N, seed=4, n_quarters=1)
    da, db = tree_digest(a.out_dir), tree_digest(b.out_dir)
    assert da == db
    assert len(da) == 1 + 1 + 1 + 2 * (6 + 3)  # baseline, awal, ganda, per quarter 6 inbox files + 3 labels
    assert tree_digest(c.out_dir)["pemilih.csv"] != da["pemilih.csv"]


def test_sample_info(sample):
    assert sample.as_of == date(2025, 12, 31)
    assert sample.quarters == ["2026-Q1", "2026-Q2"]
    assert sample.baseline.name == "pemilih.csv"
    for q in sample.quarters:
        assert sample.inbox[q].is_dir() and sample.labels[q].is_dir()
        names = sorted(p.name.split("_20")[0] for p in sample.inbox[q].iterdir())
        assert names == sorted(["kematian", "pindah_keluar", "pindah_datang", "penduduk", "tni_polri", "perbaikan"])


# --------------------------------------------------------------------------- baseline


def test_baseline_header_and_codes(sample, baseline):
    header = sample.baseline.read_text().splitlines()[0]
    assert header == "nkk,nik,nama,tempat_lahir,tanggal_lahir,status_kawin,jenis_kelamin,alamat,rt,rw,disabilitas,kode_desa,tps"
    assert baseline.height >= N
    assert set(baseline["jenis_kelamin"]) == {"L", "P"}
    assert set(baseline["status_kawin"]) <= {"B", "S", "P"}
    assert baseline["tanggal_lahir"].str.contains(r"^\d{4}-\d{2}-\d{2}$").all()
    assert baseline["rt"].str.contains(r"^\d{3}$").all() and baseline["rw"].str.contains(r"^\d{3}$").all()
    assert baseline["nik"].str.contains(r"^\d{16}$").all() and baseline["nkk"].str.contains(r"^\d{16}$").all()
    desa = desa_of_kabupaten("33.23")
    assert set(baseline["kode_desa"]) <= set(desa["kode_desa"])
    # Most desa have voters, and sizes are uneven.
    sizes = baseline["kode_desa"].value_counts()["count"]
    assert sizes.len() > 200 and sizes.max() > 2 * sizes.min()


def test_nik_structure_region_date_sex_and_uniqueness():
    rng = np.random.default_rng(5)
    region = load_region("33.23")
    pop = make_population(rng, region, N, date(2025, 12, 31), date(2026, 3, 31)).voters
    kecamatan = set(
        load_wilayah().filter(pl.col("level") == "kecamatan")["kode"].str.replace_all(".", "", literal=True)
    )
    for r in pop.iter_rows(named=True):
        nik = r["nik"]
        assert nik[:6] in kecamatan
        dd, mm, yy, sex = nik_birth(nik)
        born = r["tanggal_lahir_benar"]
        assert (dd, mm, yy) == (born.day, born.month, born.year % 100)
        assert sex == r["jenis_kelamin_benar"]
        assert 1 <= int(nik[12:]) <= 9999
        assert r["nkk"][:4] == "3323" and 1 <= int(r["nkk"][12:]) <= 9999
    # One NIK per person: only the planted duplicates repeat one.
    people = pop.filter(~pl.col("ganda"))
    assert people["nik"].n_unique() == people.height
    assert pop.filter(pl.col("ganda")).height >= 1


def test_households_share_nkk_and_address(baseline, sample):
    awal = read_text_csv(sample.awal)
    ganda_rows = set(awal.filter(pl.col("fakta") == "ganda")["sumber_baris"].cast(pl.Int64))
    people = baseline.filter(~pl.col("baris").is_in(list(ganda_rows)))
    per_kk = people.group_by("nkk").agg(
        pl.len().alias("n"),
        *[pl.col(c).n_unique().alias(c) for c in ("alamat", "rt", "rw", "kode_desa")],
    )
    assert per_kk["n"].max() <= 6
    assert (per_kk["n"] >= 2).sum() > per_kk.height / 2
    for c in ("alamat", "rt", "rw", "kode_desa"):
        assert per_kk[c].max() == 1, c


def test_names_by_generation(baseline):
    year = baseline["tanggal_lahir"].str.slice(0, 4).cast(pl.Int32)
    words = baseline["nama"].str.replace(r",.*$", "").str.replace(r"^(H|HJ|DRS|DRA|IR|DR)\. ", "").str.split(" ").list.len()
    old = words.filter(year < 1955)
    young = words.filter(year > 1995)
    assert (old == 1).mean() > 0.7
    assert (young >= 2).mean() > 0.5
    assert baseline["nama"].str.contains(r"^(SOE|DJ|TJ)").any()
    assert baseline["nama"].str.contains(r"^(H|HJ)\. ").any() or baseline["nama"].str.contains(", S").any()


def test_baseline_errors_recorded(sample, baseline):
    awal = read_text_csv(sample.awal).with_columns(pl.col("sumber_baris").cast(pl.Int64))
    acuan = quarter_dates(sample.quarters[0])[1]
    for r in awal.iter_rows(named=True):
        row = baseline.row(r["sumber_baris"] - 2, named=True)
        assert row["nik"] == r["nik"]
        if r["fakta"] == "ganda":
            first = baseline.row(int(r["baris_asli"]) - 2, named=True)
            assert first["nik"] == r["nik"] and int(r["baris_asli"]) < r["sumber_baris"]
        else:
            born = date.fromisoformat(row["tanggal_lahir"])
            age = acuan.year - born.year - ((acuan.month, acuan.day) < (born.month, born.day))
            assert age < 17 and row["status_kawin"] == "B"
    assert set(awal["fakta"]) == {"ganda", "bawah_umur"}


# --------------------------------------------------------------------------- labels


def test_every_inbox_row_has_one_label(sample):
    for q in sample.quarters:
        baris = read_text_csv(sample.labels[q] / "baris.csv")
        assert baris.columns == ["sumber_file", "sumber_baris", "hasil", "kategori", "kode_tms", "nik_target",
                                 "kasus", "nik_benar", "tanggal_lahir_benar", "kode_desa_benar"]
        for path in sample.inbox[q].iterdir():
            rows = read_text_csv(path)
            labelled = baris.filter(pl.col("sumber_file") == path.name)["sumber_baris"].cast(pl.Int64).sort()
            assert labelled.to_list() == list(range(2, rows.height + 2)), path.name
        assert set(baris["hasil"]) <= {"diterapkan", "verifikasi", "karantina", "tanpa_perubahan"}
        assert baris["nik_benar"].str.contains(r"^\d{16}$").all()


def test_change_labels_match_rows(sample, baseline):
    awal = read_text_csv(sample.awal)
    for q in sample.quarters:
        changes = read_text_csv(sample.labels[q] / "perubahan.csv")
        assert changes.columns == ["kategori", "kode_tms", "nik", "kode_desa", "kode_desa_lama", "kolom_diubah",
                                   "sumber_file", "sumber_baris"]
        baris = read_text_csv(sample.labels[q] / "baris.csv").filter(pl.col("hasil") == "diterapkan")
        from_rows = changes.filter(pl.col("sumber_file") != "pemilih.csv")
        key = ["sumber_file", "sumber_baris"]
        joined = from_rows.join(baris, on=key, how="left")
        assert joined["hasil"].null_count() == 0
        assert (joined["nik"] == joined["nik_target"]).all()
        assert (joined["kategori"] == joined["kategori_right"]).all()
        assert baris.height == from_rows.height
        from_list = changes.filter(pl.col("sumber_file") == "pemilih.csv")
        if q == sample.quarters[0]:
            assert sorted(from_list["sumber_baris"].to_list()) == sorted(awal["sumber_baris"].to_list())
        for r in changes.iter_rows(named=True):
            if r["kategori"] == "TMS":
                assert r["kode_tms"] in {"1", "2", "3", "4", "5", "6", "7", "9"}
                assert r["kolom_diubah"] is None and r["kode_desa_lama"] is None
            elif r["kategori"] == "UBAH":
                cols = r["kolom_diubah"].split(",")
                assert cols == sorted(cols, key=PERSON_FIELDS.index)
                assert (r["kode_desa_lama"] is not None) == ("kode_desa" in cols)
            else:
                assert r["kategori"] == "BARU" and r["kolom_diubah"] is None
        baru = changes.filter(pl.col("kategori") == "BARU")["nik"]
        assert not baru.is_in(baseline["nik"].implode()).any()
        assert baru.n_unique() == baru.len()


def test_export_counts_reconcile(sample, baseline):
    before = baseline.height
    tms_total = 0
    previous = None
    for q in sample.quarters:
        changes = read_text_csv(sample.labels[q] / "perubahan.csv")
        ekspor = read_text_csv(sample.labels[q] / "ekspor.csv")
        baru = changes.filter(pl.col("kategori") == "BARU").height
        tms = changes.filter(pl.col("kategori") == "TMS")
        tms_total += tms.height
        assert ekspor.height == before + baru
        assert ekspor.filter(pl.col("status") == "TMS").height == tms_total
        assert (ekspor.filter(pl.col("status") == "AKTIF")["kode_tms"].is_null()).all()
        # Each TMS of this quarter hits a voter who was active before it.
        if previous is not None:
            active_before = previous.filter(pl.col("status") == "AKTIF")["nik"]
            assert tms["nik"].is_in(active_before.implode()).all()
        moved = changes.filter(pl.col("kode_desa_lama").is_not_null())
        now = ekspor.filter(pl.col("status") == "AKTIF").select("nik", pl.col("kode_desa").alias("desa_akhir"))
        assert (moved.join(now, on="nik")["desa_akhir"] == moved.join(now, on="nik")["kode_desa"]).all()
        before = ekspor.height
        previous = ekspor


def test_clean_files_carry_canonical_columns_and_rules(sample):
    q = sample.quarters[0]
    start, acuan = quarter_dates(q)
    inbox = sample.inbox[q]
    baris = read_text_csv(sample.labels[q] / "baris.csv")
    deaths = read_text_csv(next(inbox.glob("kematian_*")))
    assert {"nik", "nama", "tanggal_lahir", "tanggal_meninggal", "umur", "kode_desa"} <= set(deaths.columns)
    assert deaths["tanggal_meninggal"].str.to_date().is_between(start, acuan).all()
    tni = read_text_csv(next(inbox.glob("tni_polri_*")))
    assert set(tni["instansi"]) <= {"TNI", "POLRI"} and set(tni["perubahan"]) <= {"MASUK", "PENSIUN"}
    fixes = read_text_csv(next(inbox.glob("perbaikan_*")))
    assert "kode_tms" in fixes.columns and set(fixes["kode_tms"].drop_nulls()) <= {"5", "9"}
    # Every BARU is eligible on tanggal acuan: 17 or older, or married.
    for path in inbox.iterdir():
        rows = read_text_csv(path).with_row_index("sumber_baris", offset=2)
        lab = baris.filter((pl.col("sumber_file") == path.name) & (pl.col("kategori") == "BARU"))
        for r in rows.join(lab.with_columns(pl.col("sumber_baris").cast(pl.UInt32)), on="sumber_baris").iter_rows(named=True):
            born = date.fromisoformat(r["tanggal_lahir"])
            age = acuan.year - born.year - ((acuan.month, acuan.day) < (born.month, born.day))
            assert age >= 17 or r["status_kawin"] in ("S", "P")
    kasus = set(baris["kasus"])
    assert {"bersih", "sudah_terdaftar", "belum_17", "tidak_terdaftar"} <= kasus


def test_rates_override_and_other_kabupaten(tmp_path):
    info = generate_sample(tmp_path, n_voters=1_500, seed=2, kode_kabupaten="32.01",
                           event_rates={"baru": 0.03, "kematian": 0.0})
    base = read_text_csv(info.baseline)
    assert base["kode_desa"].str.starts_with("32.01.").all()
    assert base["nik"].str.starts_with("3201").mean() > 0.9
    changes = read_text_csv(info.labels["2026-Q1"] / "perubahan.csv")
    assert changes.filter(pl.col("sumber_file").str.starts_with("kematian")).height == 0
    assert changes.filter(pl.col("kategori") == "BARU").height >= 0.025 * 1_500


# --------------------------------------------------------------------------- messy mode and hard cases


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> object:
    return generate_sample(tmp_path_factory.mktemp("messy"), n_voters=3_000, seed=11, n_quarters=2, messy=True,
                           hard_cases=True)


def test_messy_is_deterministic(tmp_path, messy):
    again = generate_sample(tmp_path, n_voters=3_000, seed=11, n_quarters=2, messy=True, hard_cases=True)
    assert tree_digest(again.out_dir) == tree_digest(messy.out_dir)


def _csv_text(path: Path) -> tuple[str, str]:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8-sig"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def _xlsx_cells(path: Path):
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return wb, [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def test_messy_files_carry_each_quirk(messy):
    import datetime as dt

    files = [p for q in messy.quarters for p in sorted(messy.inbox[q].iterdir())]
    csvs = [p for p in files if p.suffix == ".csv"]
    books = [p for p in files if p.suffix == ".xlsx"]
    assert csvs and books
    encodings, seps, text = set(), set(), ""
    for p in csvs:
        content, enc = _csv_text(p)
        encodings.add(enc)
        header = next(line for line in content.splitlines() if line.count(",") > 3 or line.count(";") > 3)
        seps.add(";" if header.count(";") > header.count(",") else ",")
        text += content
    assert encodings == {"utf-8", "utf-8-sig", "cp1252"}
    assert seps == {",", ";"}
    xl_values, merged, notes, trailing = [], False, False, False
    for p in books:
        wb, cells = _xlsx_cells(p)
        xl_values += [c.value for c in cells]
        merged |= any(ws.merged_cells.ranges for ws in wb.worksheets)
        notes |= wb.sheetnames[0] == "Keterangan"
        data = wb["Data"]
        trailing |= data.max_column > max(c.column for row in data.iter_rows() for c in row if c.value is not None)
    assert merged and notes and trailing
    xl_text = " ".join(str(v) for v in xl_values)
    everything = text + " " + xl_text
    # NIK as a number in a workbook (16th digit lost), and as scientific notation in CSV.
    assert any(isinstance(v, (int, float)) and v > 1e15 and int(v) % 10 == 0 for v in xl_values)
    assert re.search(r"\d\.\d{5}E\+15", text)
    assert re.search(r"\d{4} \d{4} \d{4} \d{4}", everything) and re.search(r"\d{4}\.\d{4}\.\d{4}\.\d{4}", everything)
    assert re.search(r"'\d{16}", everything)
    # Dates: real dates, serial numbers, and the hand-typed spellings.
    assert any(isinstance(v, dt.datetime) for v in xl_values)
    assert any(isinstance(v, int) and 10_000 < v < 60_000 for v in xl_values)
    assert re.search(r"\b\d{2}-\d{2}-\d{4}\b", everything) and re.search(r"\b\d{2}/\d{2}/\d{4}\b", everything)
    assert re.search(r"\b\d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember) \d{4}", everything)
    assert re.search(r"\b\d{1,2} (JAN|FEB|MAR|APR|MEI|JUN|JUL|AGT|SEP|OKT|NOV|DES) \d{4}", everything)
    # Codes in words, desa by name with prefixes, header aliases.
    # (CERAI HIDUP / CERAI MATI need a widowed person in a file that words its statuses, which a
    # 3,000-voter sample holds only by chance; test_parse_siak reads them.)
    for word in ("LAKI-LAKI", "PEREMPUAN", "BELUM KAWIN"):
        assert word.lower() in everything.lower(), word
    assert re.search(r"(DESA|DS\.|KEL\.) [A-Z]", everything.upper())
    upper = everything.upper().replace("_", " ")
    for alias in ("NAMA", "L/P", "TGL. LAHIR", "KEC", "UMUR"):
        assert alias in upper, alias


def test_messy_labels_point_at_real_rows(messy):
    """Each label row names a data row: in CSV a non-blank line after the header, in a workbook a
    row of the data sheet with a name in it."""
    for q in messy.quarters:
        baris = read_text_csv(messy.labels[q] / "baris.csv").with_columns(pl.col("sumber_baris").cast(pl.Int64))
        for p in messy.inbox[q].iterdir():
            lines = baris.filter(pl.col("sumber_file") == p.name)["sumber_baris"].to_list()
            assert len(lines) == len(set(lines))
            if p.suffix == ".csv":
                content = _csv_text(p)[0].splitlines()
                filled = [(i + 1, line) for i, line in enumerate(content) if line.strip(",; ")]
                header = next(n for n, line in filled if line.count(",") + line.count(";") >= 3)
                assert sorted(lines) == [n for n, _ in filled if n > header]
            else:
                from openpyxl import load_workbook

                ws = load_workbook(p)["Data"]
                counts = [(r[0].row, sum(c.value is not None for c in r)) for r in ws.iter_rows()]
                header = next(row for row, n in counts if n >= 3)  # title rows hold one merged cell
                assert sorted(lines) == [row for row, n in counts if row > header and n > 0]


def test_messy_and_hard_labels(messy):
    kasus = set()
    for q in messy.quarters:
        baris = read_text_csv(messy.labels[q] / "baris.csv")
        kasus |= set(baris["kasus"])
        quarantined = baris.filter(pl.col("hasil") == "karantina")
        assert quarantined["kasus"].str.starts_with("karantina_").all()
        assert quarantined["nik_target"].is_null().all()
        review = baris.filter(pl.col("hasil") == "verifikasi")
        assert review["nik_target"].is_not_null().all()
        changes = read_text_csv(messy.labels[q] / "perubahan.csv")
        # Nobody sent to review is removed automatically on that row's evidence.
        applied = changes.join(review.select("sumber_file", "sumber_baris"), on=["sumber_file", "sumber_baris"])
        assert applied.height == 0
        # A NIK typed as someone else's never removes that someone else.
        typo_rows = baris.filter(pl.col("kasus") == "nik_typo_orang_lain")
        assert typo_rows.height >= 1 and (typo_rows["hasil"] == "verifikasi").all()
        assert (typo_rows["nik_target"] != typo_rows["nik_benar"]).all()  # nik_benar: the NIK as typed
    for needed in ("karantina_nik", "karantina_meninggal_sebelum_lahir", "karantina_tanggal_setelah_kuartal",
                   "karantina_desa", "karantina_jenis_kelamin", "karantina_tanggal_lahir", "tanpa_nik", "kembar",
                   "ayah_anak", "nama_umum_umur", "desa_lain_tgl_beda", "karantina_nik_kurang_digit",
                   "karantina_nik_huruf", "ejaan_lama",
                   "singkatan", "gelar"):
        assert needed in kasus, needed
    assert kasus & {"nik_float", "nik_sci"}


def test_hard_cases_in_clean_mode(tmp_path):
    info = generate_sample(tmp_path, n_voters=2_500, seed=5, hard_cases=True)
    q = info.quarters[0]
    baris = read_text_csv(info.labels[q] / "baris.csv")
    desa_report = read_text_csv(next(info.inbox[q].glob("kematian_desa_*")))
    # A desa's report: no NIK, no birth date; the address as a surat keterangan kematian gives
    # it, blank on some rows.
    assert desa_report.columns == ["nama", "umur", "jenis_kelamin", "alamat", "rt", "rw", "kode_desa",
                                   "tanggal_meninggal"]
    assert desa_report["rt"].is_not_null().any()
    twins = baris.filter(pl.col("kasus") == "kembar")
    assert twins.height >= 1
    same_name = baris.filter(pl.col("kasus") == "desa_lain_tgl_beda")
    assert (same_name["hasil"] == "tanpa_perubahan").all() and same_name["nik_target"].is_null().all()


def test_names_agree_with_sex_and_spelling_reform():
    from transforms.names import name_key
    from transforms.synth.cases import modern_spelling
    from transforms.synth.naming import load_vocabulary

    rng = np.random.default_rng(9)
    pop = make_population(rng, load_region("33.23"), N, date(2025, 12, 31), date(2026, 3, 31)).voters
    voc = load_vocabulary()
    by_sex = {sex: {w for (_, s), (codes, _) in voc.groups.items() if s == sex for w in
                    [voc.words[c] for c in codes] + [voc.old[c] for c in codes]} for sex in ("L", "P")}
    women_only, men_only = by_sex["P"] - by_sex["L"], by_sex["L"] - by_sex["P"]
    plain = pop.filter(pl.col("cacat") != "jenis_kelamin")
    for name, sex in plain.select("nama_benar", "jenis_kelamin").iter_rows():
        words = re.sub(r",.*$", "", re.sub(r"^((H|HJ|DRS|DRA|IR|DR)\. )+", "", name)).split(" ")
        assert not (sex == "L" and set(words) & women_only), name
        assert not (sex == "P" and set(words) & men_only), name
    # Every old spelling the generator writes is read back as its modern word.
    changed = [(w, o) for w, o in zip(voc.words, voc.old) if w != o]
    assert len(changed) > 100
    keys = name_key(pl.Series([w for w, _ in changed] + [o for _, o in changed])).to_list()
    assert keys[: len(changed)] == keys[len(changed):]
    assert modern_spelling("TJIPTO") == "CIPTO"
    assert modern_spelling("DJOKO") == "JOKO"
    assert modern_spelling("SOEGIJEM") == "SUGIYEM"
    assert modern_spelling("SOEPARMAN") == "SUPARMAN"


def test_names_are_as_varied_as_a_real_kabupaten():
    """Kemendagri's e-KTP counts put the most common full names near 0.1 % of the population:
    two different people of one desa with one name and one birth date must be a rare
    coincidence, not the rule that a small name pool makes of them."""
    from transforms.names import name_key

    n = 50_000
    pop = make_population(np.random.default_rng(11), load_region("33.23"), n, date(2025, 12, 31),
                          date(2026, 3, 31)).voters
    keys = pop.select(k=name_key(pop["nama"]), tanggal_lahir="tanggal_lahir", kode_desa="kode_desa",
                      ganda="ganda")
    counts = keys.get_column("k").value_counts()["count"]
    assert counts.max() / n < 0.005  # no name carried by more than one voter in 200
    assert counts.len() > n / 4  # tens of thousands of distinct names
    assert (counts <= 5).sum() / counts.len() > 0.8  # most names are rare
    people = keys.filter(~pl.col("ganda"))  # a NIK listed twice is one person, not two
    namesakes = people.group_by("k", "tanggal_lahir", "kode_desa").len().filter(pl.col("len") > 1)
    assert namesakes.height < n / 2000
    # The same seed gives the same names.
    again = make_population(np.random.default_rng(11), load_region("33.23"), n, date(2025, 12, 31),
                            date(2026, 3, 31)).voters
    assert again["nama"].equals(pop["nama"])


def test_no_birth_date_spikes(baseline):
    # Real lists do have 1 January placeholders, but the generator must not invent them.
    assert baseline["tanggal_lahir"].value_counts()["count"].max() < 8


def test_nobody_dies_twice(messy):
    q1, q2 = (read_text_csv(messy.labels[q] / "baris.csv") for q in messy.quarters)
    gone = q1.filter((pl.col("kategori") == "TMS") & pl.col("hasil").is_in(["diterapkan", "verifikasi"]))["nik_target"]
    later = q2.filter(pl.col("kategori").is_in(["TMS", "UBAH"]))["nik_target"]
    assert not later.is_in(gone.implode()).any()


def test_default_rates(sample, baseline):
    changes = read_text_csv(sample.labels[sample.quarters[0]] / "perubahan.csv")
    share = {k: changes.filter(pl.col("kategori") == k).height / baseline.height for k in ("BARU", "TMS", "UBAH")}
    assert 0.011 < share["BARU"] < 0.019
    assert 0.008 < share["TMS"] < 0.015
    assert 0.005 < share["UBAH"] < 0.011


def test_a_copy_of_someone_born_on_29_february_gets_a_real_date():
    from datetime import date, timedelta

    import numpy as np

    from transforms.synth.planted import _corrupt_date

    # A birth date typed with another year: 29 February 1984 in 1983 is no date, and the
    # generator must not stop on it (some seeds drew one and failed).
    rng = np.random.default_rng(0)
    born = (date(1984, 2, 29) - date(1970, 1, 1)).days
    typed = {date(1970, 1, 1) + timedelta(days=_corrupt_date(rng, born)) for _ in range(300)}
    assert date(1984, 2, 29) not in typed
    assert any(d.year != 1984 for d in typed) and all(abs(d.year - 1984) < 10 for d in typed)


def test_two_nik_copies_carry_the_slips_of_record_linkage_benchmarks():
    import numpy as np

    from transforms.synth.planted import _name_slip

    # Swapped, dropped, doubled and neighbouring-key letters: every kind appears, one per copy.
    rng = np.random.default_rng(3)
    name = "SITI ROMLAH"
    typed = [_name_slip(rng, name) for _ in range(400)]
    assert name not in typed
    lengths = {len(t) - len(name) for t in typed}
    assert lengths == {-1, 0, 1}
    same_length = [t for t in typed if len(t) == len(name)]
    swapped = [t for t in same_length if sorted(t) == sorted(name)]
    replaced = [t for t in same_length if sorted(t) != sorted(name)]
    assert swapped and replaced
    assert all(sum(a != b for a, b in zip(t, name)) == 1 for t in replaced)
