"""The `pdpb provinsi` command line: its options and its dispatch. Kept apart from the flow so the
CLI can build its parser (and refuse a wrong command) without importing Prefect or Dask."""

from __future__ import annotations

from pathlib import Path


def cmd_provinsi(args, settings) -> int:
    import os

    from transforms.store import quarter_index, quarter_label

    # As for `pdpb run` (flows/cli.py), before Prefect is imported: Prefect's and Dask's lines
    # become pdpb's own in the terminal (flows/logging.yml); the runs still log to the server.
    os.environ["PREFECT_LOGGING_SETTINGS_PATH"] = str(Path(__file__).with_name("logging.yml"))

    if args.aksi == "run":
        quarter = quarter_label(quarter_index(args.quarter))
        from flows.provinsi import print_result, run_province

        result = run_province(quarter=quarter, config=Path(args.config), workers=args.workers, address=args.address)
        print_result(result)
        return 0
    from flows.provinsi_demo import run_demo

    run_demo(kabupaten=args.kabupaten, voters=args.voters, workers=args.workers, out=Path(args.out), seed=args.seed,
             serial=not args.tanpa_banding)
    return 0


def add_provinsi_parser(sub) -> None:
    p = sub.add_parser("provinsi", help="provinsi: triwulan setiap kabupaten/kota di Dask, lalu tahap lintas kabupaten")
    aksi = p.add_subparsers(dest="aksi", required=True)
    r = aksi.add_parser("run", help="jalankan satu triwulan untuk semua kabupaten/kota di provinsi.toml")
    r.add_argument("--quarter", required=True, metavar="YYYY-Qn", help="triwulan, mis. 2026-Q1 (wajib)")
    r.add_argument("--config", default="provinsi.toml", metavar="BERKAS",
                   help="daftar kabupaten/kota dengan basis data dan kotak masuknya (bawaan: provinsi.toml)")
    where = r.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="jumlah pekerja Dask lokal (bawaan: satu per inti)")
    where.add_argument("--address", help="alamat scheduler Dask yang sudah berjalan, mis. tcp://10.0.0.5:8786")
    r.set_defaults(func=cmd_provinsi)
    d = aksi.add_parser("demo", help="provinsi contoh sintetis dengan kasus lintas kabupaten berlabel, lalu nilai")
    d.add_argument("--kabupaten", type=int, default=6, metavar="N", help="jumlah kabupaten/kota (bawaan: 6)")
    d.add_argument("--voters", type=int, default=20_000, metavar="M", help="pemilih per kabupaten/kota (bawaan: 20000)")
    d.add_argument("--workers", type=int, metavar="W", help="jumlah pekerja Dask lokal (bawaan: satu per inti)")
    d.add_argument("--out", default="out/provinsi", metavar="FOLDER", help="folder keluaran (bawaan: out/provinsi)")
    d.add_argument("--seed", type=int, default=1, metavar="S", help="benih acak (bawaan: 1)")
    d.add_argument("--tanpa-banding", dest="tanpa_banding", action="store_true",
                   help="lewati run serial pembanding (speedup tidak diukur)")
    d.set_defaults(func=cmd_provinsi)
