"""The `pdpb` command. The one place where bad input (InputError) becomes one line and exit code 2."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path

from transforms.errors import InputError

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


def _prepare_prefect() -> None:
    """Prefect runs in local mode with no network: no analytics, quiet start-up."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    if not os.environ.get("PREFECT_API_URL"):  # the temporary local server needs no UI
        os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")


class _HideInputErrorTraceback(logging.Filter):
    """Prefect logs a failed run with its traceback; for bad input the operator gets one line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], InputError):
            record.exc_info = None
            record.exc_text = None
        msg = record.getMessage() if record.args else str(record.msg)
        if "Traceback" in msg and "InputError" in msg:
            return False
        return True


def _install_log_filter() -> None:
    flt = _HideInputErrorTraceback()
    for name in ("", "prefect", "prefect.flow_runs", "prefect.task_runs", "prefect.engine"):
        logger = logging.getLogger(name)
        logger.addFilter(flt)
        for handler in logger.handlers:
            handler.addFilter(flt)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"tanggal '{text}' tidak dikenali; tulis seperti 2025-12-31", column="as-of") from None


def fmt(n: int) -> str:
    """Indonesian thousands separator: 627.000."""
    return f"{n:,}".replace(",", ".")


def cmd_init(args, settings) -> int:
    from flows.init import default_as_of, pdpb_awal
    from flows.privacy_cli import check_init_key

    as_of = _parse_date(args.as_of) if args.as_of else default_as_of()
    check_init_key(Path(args.db or settings.db))
    result = pdpb_awal(voters=str(args.voters), db=str(args.db or settings.db), out=str(args.out or settings.out),
                       kabupaten=args.kabupaten or settings.kabupaten, as_of=as_of)
    print(f"Daftar pemilih awal {result['nama_kabupaten']}: {fmt(result['dimuat'])} pemilih dimuat, "
          f"{fmt(result['karantina'])} baris dikarantina.")
    print(f"Basis data: {result['db']}  Ringkasan: {result['keluaran']}")
    return EXIT_OK


def cmd_run(args, settings) -> int:
    from flows.pleno import pleno_values
    from flows.quarter import pdpb_triwulan
    from transforms.store import check_access, quarter_index, quarter_label

    quarter = quarter_label(quarter_index(args.quarter))
    inbox = args.inbox or settings.inbox_for(quarter)
    check_access(Path(args.db or settings.db))  # a missing or wrong key stops here, before Prefect
    result = pdpb_triwulan(quarter=quarter, inbox=str(inbox), db=str(args.db or settings.db),
                           out=str(args.out or settings.out), pleno=pleno_values(settings.pleno, args))
    _print_run(result)
    return EXIT_OK


def _print_run(result: dict) -> None:
    p = result["perubahan"]
    print(f"Triwulan {result['kuartal']}{' (dijalankan ulang)' if result['ulang'] else ''}: "
          f"BARU {fmt(p['BARU'])}, TMS {fmt(p['TMS'])}, UBAH {fmt(p['UBAH'])}; verifikasi "
          f"{fmt(result['verifikasi'])} kandidat; karantina {fmt(result['karantina'])} baris; "
          f"pemilih akhir {fmt(result['pemilih_akhir'])}.")
    if not result["seimbang"]:
        print("PERHATIAN: rekapitulasi tidak seimbang; lihat 'rekonsiliasi' di ringkasan.json")
    print(f"Laporan: {result['keluaran']}")


def cmd_export(args, settings) -> int:
    from transforms import store
    from transforms.arsip import archive_password
    from transforms.export import run_export

    db = Path(args.db or settings.db)
    kuartal = store.quarter_index(args.quarter)
    n, written = run_export(db, kuartal, Path(args.out), samaran=args.samaran,
                            archive_password=archive_password(settings.arsip_zip))
    form = " dengan NIK/NKK disamarkan" if args.samaran else ""
    print(f"{n} pemilih (AKTIF dan TMS) per akhir {store.quarter_label(kuartal)}{form} ditulis ke {written}")
    return EXIT_OK


def cmd_status(args, settings) -> int:
    from transforms import store

    db = Path(args.db or settings.db)
    if args.audit:
        from flows.privacy_cli import print_audit

        return print_audit(db, as_json=args.json)
    con = store.connect(db, read_only=True)
    try:
        info = store.status_summary(con)
    finally:
        con.close()
    if args.json:
        print(json.dumps(info, default=str, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"Basis data {db} — kabupaten/kota {info['kode_kabupaten']}")
    print(f"{'triwulan':<10} {'acuan':<11} {'aktif':>9} {'baru':>7} {'tms':>7} {'ubah':>7} {'verif.':>7} {'karant.':>7}")
    for k in info["kuartal"]:
        print(f"{k['label']:<10} {str(k['tanggal_acuan']):<11} {k['aktif']:>9} {k['baru']:>7} {k['tms']:>7} "
              f"{k['ubah']:>7} {k['verifikasi']:>7} {k['karantina']:>7}")
    if info["runs"]:
        print("Run terakhir:")
        for r in info["runs"]:
            print(f"  {str(r['mulai'])[:19]}  {r['perintah']:<5} {r['hasil']:<9} {r['pesan'] or ''}")
    return EXIT_OK


def cmd_serve(args, settings) -> int:
    from flows.serve import serve

    serve(settings)
    return EXIT_OK


def cmd_demo(args, settings) -> int:
    from flows.demo import run_demo

    run_demo(voters=args.voters, seed=args.seed, base=Path(args.dir), out=Path(args.out or settings.out))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pdpb", description="Pemutakhiran Data Pemilih Berkelanjutan per triwulan")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="muat daftar pemilih awal (ekspor Sidalih) ke basis data baru")
    p.add_argument("--voters", required=True, type=Path)
    p.add_argument("--db", type=Path)
    p.add_argument("--out", type=Path)
    p.add_argument("--kabupaten")
    p.add_argument("--as-of", dest="as_of")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("run", help="jalankan satu triwulan: baca, validasi, cocokkan, terapkan, laporan")
    p.add_argument("--quarter", required=True)
    p.add_argument("--inbox", type=Path)
    p.add_argument("--db", type=Path)
    p.add_argument("--out", type=Path)
    from flows.pleno import add_pleno_arguments

    add_pleno_arguments(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("export", help="daftar pemilih per akhir triwulan (.csv, .parquet, .xlsx)")
    p.add_argument("--quarter", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--db", type=Path)
    p.add_argument("--samaran", action="store_true",
                   help="untuk partai politik dan Bawaslu: NIK/NKK 12 digit pertama, tahun lahir saja, tanpa disabilitas")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("status", help="triwulan yang sudah diterapkan, jumlah, run terakhir")
    p.add_argument("--db", type=Path)
    p.add_argument("--json", action="store_true")
    p.add_argument("--audit", action="store_true", help="catatan audit: siapa menjalankan apa, kapan, berkas apa")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("serve", help="layani flow pdpb-triwulan sebagai deployment 'terjadwal' dan 'manual'")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="buat kabupaten contoh sintetis lalu jalankan init + satu triwulan")
    p.add_argument("--voters", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--dir", default="data/sampel")
    p.add_argument("--out", type=Path)
    p.set_defaults(func=cmd_demo)

    from flows.accuracy import add_accuracy_parser
    from flows.bench import add_bench_parser
    from flows.privacy_cli import add_key_parser

    add_key_parser(sub)
    add_bench_parser(sub)
    add_accuracy_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    _prepare_prefect()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        from flows.settings import load_settings

        settings = load_settings()
        if args.command in ("init", "run", "serve", "demo"):
            import prefect  # noqa: F401  (configures logging, then we filter it)

            _install_log_filter()
        return args.func(args, settings)
    except InputError as exc:
        print(f"pdpb: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("pdpb: dihentikan", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a bug: say so plainly; the traceback is for developers
        if os.environ.get("PDPB_DEBUG"):
            raise
        print(f"pdpb: kesalahan internal: {type(exc).__name__}: {exc} (PDPB_DEBUG=1 untuk rincian)",
              file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
