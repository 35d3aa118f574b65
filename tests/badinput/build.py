"""A corpus of malformed input files, built in code, each with the result it must give.

`build_corpus(dir)` writes the files and returns their `Case`s:
- expect "error": reading/parsing raises `InputError` whose message names the file
  (the CLI turns it into exit 2 with nothing applied);
- expect "karantina": the file reads and parses; every data row ends in `records` or in
  `karantina` (`karantina` rows exactly, when given), never a traceback.
`kind` is the kind the file is read as (`None`: the file name itself is not a known kind).

Run `python tests/badinput/build.py DIR` to look at the files.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    kind: str | None
    expect: str  # "error" | "karantina"
    karantina: int | None = None  # exact number of quarantined rows, when it is known
    records: int | None = None  # exact number of parsed rows, when it is known


NIK = "3323011708750001"
GOOD_DEATH = f"{NIK},BUDI,17-08-1975,L,Bulu,Bulu,01-02-2026"
DEATH_HEADER = "NIK,NAMA,TANGGAL LAHIR,JENIS KELAMIN,DESA,KECAMATAN,TANGGAL MENINGGAL"


def _xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)


def build_corpus(directory: Path) -> list[Case]:
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def text(name: str, content: str | bytes, kind: str | None, expect: str, **kw) -> None:
        p = d / name
        p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        cases.append(Case(name, p, kind, expect, **kw))

    def book(name: str, sheets: dict[str, list[list[object]]], kind: str | None, expect: str, **kw) -> None:
        p = d / name
        _xlsx(p, sheets)
        cases.append(Case(name, p, kind, expect, **kw))

    # --- structure: nothing to read -------------------------------------------------------
    text("kematian_kosong.csv", b"", "kematian", "error")
    text("kematian_spasi_saja.csv", "\n  \n\t\n\r\n", "kematian", "error")
    text("kematian_bom_saja.csv", b"\xef\xbb\xbf", "kematian", "error")
    text("kematian_tanpa_judul_kolom.csv", "1,2,3\n4,5,6\n", "kematian", "error")
    text("kematian_judul_saja.csv", "LAPORAN KEMATIAN DESA BULU\nBULAN JANUARI\n", "kematian", "error")
    text("kematian_satu_kolom_dikenal.csv", "NAMA\nBUDI\n", "kematian", "error")
    text(
        "kematian_judul_baris_40.csv",
        "".join(f"catatan {i}\n" for i in range(39)) + DEATH_HEADER + "\n" + GOOD_DEATH + "\n",
        "kematian",
        "error",
    )
    text("kematian_satu_baris_1mb.csv", "A," * 500_000, "kematian", "error")
    text("kematian_biner.csv", bytes(random.Random(7).randrange(256) for _ in range(4096)), "kematian", "error")
    text("kematian_utf16_tanpa_bom.csv", (DEATH_HEADER + "\n" + GOOD_DEATH + "\n").encode("utf-16-le"), "kematian", "error")
    text("kematian_zip_bernama_csv.csv", _zip_bytes(), "kematian", "error")

    # --- structure: columns ------------------------------------------------------------------
    text("kematian_tanpa_tanggal_meninggal.csv", f"NIK,NAMA\n{NIK},BUDI\n", "kematian", "error")
    text("kematian_kolom_ganda.csv", f"NIK,NAMA,NO NIK,TGL MENINGGAL\n{NIK},A,{NIK},01-02-2026\n", "kematian", "error")
    text("pindah_datang_desa_ganda.csv", "NAMA,DESA,KELURAHAN,TGL DATANG\nA,Bulu,Bulu,01-02-2026\n", "pindah_datang", "error")
    text("keputusan_tanpa_keputusan.csv", "ID VERIFIKASI,NAMA\nV1,A\n", "keputusan", "error")
    text("dpt_tanpa_desa.csv", f"NIK,NAMA,TGL LAHIR,JK\n{NIK},A,17-08-1975,L\n", "pemilih", "error")
    text("dpt_tanpa_nik.csv", "NAMA,TGL LAHIR,JK,KODE DESA\nA,17-08-1975,L,33.23.01.2001\n", "pemilih", "error")

    # --- structure: formats ----------------------------------------------------------------
    text("kematian_lama.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "kematian", "error")
    text("kematian_catatan.txt", DEATH_HEADER + "\n" + GOOD_DEATH + "\n", "kematian", "error")
    text("kematian_xlsx_kosong.xlsx", b"", "kematian", "error")
    text("kematian_xlsx_rusak.xlsx", b"PK\x03\x04" + bytes(range(200)), "kematian", "error")
    good = d / "_tmp_good.xlsx"
    _xlsx(good, {"Data": [DEATH_HEADER.split(","), GOOD_DEATH.split(",")]})
    text("kematian_xlsx_terpotong.xlsx", good.read_bytes()[:1500], "kematian", "error")
    good.unlink()
    text("kematian_csv_bernama_xlsx.xlsx", DEATH_HEADER + "\n" + GOOD_DEATH + "\n", "kematian", "error")
    book("kematian_xlsx_tanpa_data.xlsx", {"Sheet1": []}, "kematian", "error")
    book("kematian_xlsx_tanpa_judul.xlsx", {"A": [["x", "y"], [1, 2]], "B": [["catatan"]]}, "kematian", "error")
    text("laporan_bulanan.csv", DEATH_HEADER + "\n" + GOOD_DEATH + "\n", None, "error")

    # --- rows: every row handled, the file goes on --------------------------------------------
    text("kematian_judul_saja_tanpa_data.csv", DEATH_HEADER + "\n", "kematian", "karantina", karantina=0, records=0)
    text("kematian_baris_kosong_saja.csv", DEATH_HEADER + "\n\n,,,,,,\n  \n", "kematian", "karantina", karantina=0, records=0)
    text(
        "kematian_bom_titik_koma.csv",
        "\ufeff" + DEATH_HEADER.replace(",", ";") + "\n" + GOOD_DEATH.replace(",", ";") + "\n",
        "kematian",
        "karantina",
        karantina=0,
        records=1,
    )
    text(
        "kematian_tab.csv",
        DEATH_HEADER.replace(",", "\t") + "\n" + GOOD_DEATH.replace(",", "\t") + "\n",
        "kematian",
        "karantina",
        karantina=0,
        records=1,
    )
    text(
        "kematian_rumus.csv",
        "NIK,NAMA,TANGGAL MENINGGAL\n=HYPERLINK(\"http://x\";\"klik\"),BUDI,01-02-2026\n+62812,ANI,01-02-2026\n",
        "kematian",
        "karantina",
        karantina=2,
        records=0,
    )
    book(
        "kematian_rumus.xlsx",
        {"Data": [["NIK", "NAMA", "TANGGAL MENINGGAL"], ["=1+1", "BUDI", "01-02-2026"]]},
        "kematian",
        "karantina",
        karantina=1,
        records=0,
    )
    text(
        "kematian_semua_salah.csv",
        DEATH_HEADER
        + "\n"
        + "\n".join(
            [
                "123,BUDI,17-08-1975,L,Bulu,Bulu,01-02-2026x",  # death date unreadable
                f"{NIK},,17-08-1975,L,Bulu,Bulu,01-02-2026",  # no name
                f"{NIK},ANI,17-08-1975,X,Bulu,Bulu,01-02-2026",  # sex code
                f"{NIK},ANI,17-08-1975,L,Atlantis,,01-02-2026",  # unknown desa
                f"{NIK},ANI,17-08-1975,L,Bulu,Bulu,01-02-2099",  # after tanggal acuan
                f"{NIK},ANI,17-08-1975,L,Bulu,Bulu,01-02-1960",  # death before birth
                f"{NIK},ANI,31-02-1975,L,Bulu,Bulu,01-02-2026",  # impossible birth date
            ]
        )
        + "\n",
        "kematian",
        "karantina",
        karantina=7,
        records=0,
    )
    text(
        "kematian_cp1252.csv",
        (DEATH_HEADER + "\n" + GOOD_DEATH.replace("BUDI", "JOS\u00c9") + "\n").encode("cp1252"),
        "kematian",
        "karantina",
        karantina=0,
        records=1,
    )
    text(
        "kematian_byte_rusak.csv",
        (DEATH_HEADER + "\n").encode() + GOOD_DEATH.encode().replace(b"BUDI", b"BU\x81\x9dDI") + b"\n",
        "kematian",
        "karantina",
        karantina=0,
        records=1,
    )
    text(
        "kematian_kutip_tak_tertutup.csv",
        DEATH_HEADER + "\n" + GOOD_DEATH + "\n" + f'{NIK},"BUDI,17-08-1975,L,Bulu,Bulu,01-02-2026\n' + GOOD_DEATH + "\n",
        "kematian",
        "karantina",
    )
    text(
        "kematian_sel_100kb.csv",
        DEATH_HEADER + "\n" + GOOD_DEATH.replace("BUDI", "B" * 100_000) + "\n",
        "kematian",
        "karantina",
        karantina=0,
        records=1,
    )
    text(
        "kematian_nul_di_tengah.csv",
        (DEATH_HEADER + "\n" + (GOOD_DEATH + "\n") * 400).encode() + b"\x00\x00" + (GOOD_DEATH + "\n").encode(),
        "kematian",
        "karantina",
    )
    text(
        "kematian_kolom_berlebih.csv",
        DEATH_HEADER + ",,,\n" + GOOD_DEATH + ",x,y,z,w,v\n" + f"{NIK},BUDI\n",
        "kematian",
        "karantina",
        karantina=1,
        records=1,
    )
    text(
        "dpt_nik_ilmiah.csv",
        "NIK,NAMA,TGL LAHIR,JK,KODE DESA\n3.32301E+15,A,17-08-1975,L,33.23.01.2001\n3.32302E+15,B,17-08-1975,L,33.23.01.2001\n",
        "pemilih",
        "karantina",
        karantina=2,
        records=0,
    )
    book(
        "pindah_keluar_judul_gabung.xlsx",
        {
            "Grafik": [],
            "Data": [
                ["DAFTAR PINDAH KELUAR"],
                [],
                ["NO", "NIK", "NAMA", "TGL PINDAH", "TUJUAN", None, None],
                [1, NIK, "BUDI", dt.datetime(2026, 2, 1), "SEMARANG"],
                [],
                [2, int(NIK), "ANI", 46054, "KENDAL"],
                [3, "", "", "", ""],
            ],
        },
        "pindah_keluar",
        "karantina",
        karantina=0,
        records=2,
    )
    # --- NIK typed wrong, lost digits, impossible dates in bulk (SPEC §4.3) -----------------------
    full_width = "".join(chr(0xFF10 + int(c)) for c in NIK)
    text(
        "kematian_nik_huruf_dan_panjang.csv",
        DEATH_HEADER + "\n" + "".join(
            GOOD_DEATH.replace(NIK, typed, 1) + "\n"
            for typed in ("33230117O8750001", "3323011708750l01", full_width, NIK[:15], NIK + "1")
        ),
        "kematian",
        "karantina",
        karantina=5,
        records=0,
    )
    text(
        "kematian_nik_serial_0000.csv",
        DEATH_HEADER + "\n" + GOOD_DEATH.replace(NIK, NIK[:12] + "0000", 1) + "\n",
        "kematian",
        "karantina",
        karantina=0,
        records=1,
    )
    rows = [f"33230117087{i % 10}{i:04d}"[:16] + f",NAMA {i},{'30-02-1975' if i % 7 == 0 else '17-08-1975'},L,"
            "33.23.01.2001" for i in range(2015)]
    text(
        "penduduk_tanggal_mustahil_2015_baris.csv",
        "NIK,NAMA,TGL LAHIR,JK,KODE DESA\n" + "\n".join(rows) + "\n",
        "penduduk",
        "karantina",
        karantina=288,
        records=1727,
    )
    book(
        "kematian_siak.xlsx",
        {"Sheet1": [["NIK", "NAMA_LGKP", "TGL_LHR", "JENIS_KLMIN", "NO_PROP", "NO_KAB", "NO_KEC", "NO_KEL",
                     "AKTA_KMTN", "NO_AKTA_KMTN", "TGL_KMTN"],
                    [int(NIK), "BUDI", dt.datetime(1975, 8, 17), 1, 33, 23, 1, 2001, 2, "3323-KM-0001",
                     dt.datetime(2026, 2, 1)]]},
        "kematian",
        "karantina",
        karantina=0,
        records=1,
    )
    return cases


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("isi.txt", "bukan workbook")
    return buf.getvalue()


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "badinput")
    for case in build_corpus(out):
        print(f"{case.expect:10} {case.kind or '-':14} {case.path.name}")
