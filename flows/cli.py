"""The `pdpb` command. The one place where bad input (InputError) becomes one line and exit code 2.

Each command is one `add_<name>` block in `build_parser` and one `cmd_<name>` function. Checks
that need no Prefect (arguments, database, inbox, quarter order, lock) run first, in
`flows/preflight.py`; Prefect is imported only by the commands that run a flow, and only when a
Prefect server is configured (or `prefect = "sementara"` asks for a temporary one).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

from flows import console
from flows.console import fmt
from transforms.errors import InputError

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
DEFAULT_DB, DEFAULT_OUT, DEFAULT_KABUPATEN = "data/pdpb.duckdb", "out", "33.23"


# --- option values, checked while the command line is read ---------------------------------------


def quarter_arg(text: str) -> str:
    from transforms.store import quarter_index, quarter_label

    try:
        return quarter_label(quarter_index(text))
    except InputError:
        raise argparse.ArgumentTypeError(f"triwulan '{text}' tidak dikenali; tulis seperti 2026-Q1") from None


def date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"tanggal '{text}' tidak dikenali; tulis seperti 2025-12-31") from None


# --- how a flow is run -------------------------------------------------------------------------------


def _prepare_prefect() -> None:
    """Prefect without network: no analytics; a temporary server needs no UI."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    if not os.environ.get("PREFECT_API_URL"):
        os.environ.setdefault("PREFECT_UI_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")


def use_prefect(settings) -> str | None:
    """'server' (a configured Prefect server), 'sementara' (a temporary one, as asked in pdpb.toml)
    or None: the stages run directly. A temporary server costs about 10 s per command and its
    records vanish with the command, so it is used only when asked for."""
    from flows.settings import prefect_api_url

    url = prefect_api_url()
    if url:
        _check_server(url)
        return "server"
    return "sementara" if settings.prefect == "sementara" else None


def _check_server(url: str) -> None:
    """A configured server that does not answer is said at once, not after Prefect's retries."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=10) as answer:  # noqa: S310 (a set URL)
            answer.read()
    except (urllib.error.URLError, OSError, ValueError):
        raise InputError(f"server Prefect {url} (PREFECT_API_URL) tidak menjawab; jalankan `prefect server start` "
                         "(lihat docs/PREFECT.md), atau kosongkan PREFECT_API_URL agar pdpb berjalan tanpa server")


def _quiet_prefect() -> None:
    """Prefect's console output off (the runs still log to the server); pdpb's lines instead.
    Prefect reconfigures its logging when a flow starts, so the configuration is given as its
    settings file, before Prefect is imported."""
    os.environ["PREFECT_LOGGING_SETTINGS_PATH"] = str(Path(__file__).with_name("logging.yml"))


# --- commands --------------------------------------------------------------------------------------


def cmd_init(args, settings) -> int:
    from flows import preflight
    from transforms import store

    db, out = Path(args.db or settings.db), Path(args.out or settings.out)
    kabupaten = args.kabupaten or settings.kabupaten
    nama = preflight.check_init(args.voters, db, kabupaten)
    from flows.privacy_cli import check_init_key

    check_init_key(db)
    if args.as_of:
        as_of, how = args.as_of, "--as-of"
    else:
        from flows.init import default_as_of

        as_of, how = default_as_of(), "--as-of tidak diberikan: akhir triwulan terakhir yang sudah berakhir"
    kuartal = store.quarter_of(as_of)
    mode = use_prefect(settings)
    console.out.print(f"Daftar pemilih awal {nama} per [bold]{as_of}[/] (triwulan {store.quarter_label(kuartal)}; "
                      f"{how})")
    if mode:
        _quiet_prefect()
        from flows.init import pdpb_awal

        result = pdpb_awal(voters=str(args.voters), db=str(db), out=str(out), kabupaten=kabupaten, as_of=as_of)
    else:
        from flows.init import run_init
        from flows.stages import StageLines, console_ingest

        lines = StageLines()
        try:
            result = run_init(voters=args.voters, db=db, out=out, kabupaten=kabupaten, as_of=as_of,
                              ingest=console_ingest(lines), logger=console.pipeline_logger())
            if lines.handle is not None:
                lines.handle.done("daftar pemilih awal ditulis ke basis data")
            lines.end()
        except BaseException:
            lines.fail()
            raise
    nxt = store.quarter_label(kuartal + 1)
    console.summary_table("Ringkasan", [
        ("Kabupaten/kota", f"{result['nama_kabupaten']} ({kabupaten})"),
        ("Tanggal daftar awal", f"{as_of} (triwulan {store.quarter_label(kuartal)})"),
        ("Pemilih dimuat", fmt(result["dimuat"])),
        ("Baris dikarantina", fmt(result["karantina"])),
        ("Basis data", str(result["db"])),
        ("Ringkasan dan karantina", str(result["keluaran"])),
    ])
    console.out.print(f"Langkah berikutnya: triwulan pertama sesudah daftar awal adalah [bold]{nxt}[/]:  "
                      f"pdpb run --quarter {nxt}")
    return EXIT_OK


def cmd_run(args, settings) -> int:
    from flows import preflight
    from transforms import store

    quarter = args.quarter
    kuartal = store.quarter_index(quarter)
    db, out = Path(args.db or settings.db), Path(args.out or settings.out)
    inbox = Path(args.inbox) if args.inbox else settings.inbox_for(quarter)
    check = preflight.check_run(kuartal, inbox, db, args.lewati_triwulan)
    from flows.pleno import pleno_values

    pleno = pleno_values(settings.pleno, args)
    mode = use_prefect(settings)
    ulang = " (dijalankan ulang: menggantikan run sebelumnya)" if check.plan.replace else ""
    console.out.print(f"Triwulan [bold]{quarter}[/] (tanggal acuan {store.quarter_end(kuartal)}){ulang}; "
                      f"kotak masuk {inbox}: {fmt(len(check.files))} berkas")
    if mode:
        _quiet_prefect()
        from flows.quarter import pdpb_triwulan

        result = pdpb_triwulan(quarter=quarter, inbox=str(inbox), db=str(db), out=str(out), pleno=pleno,
                               lewati_triwulan=args.lewati_triwulan)
    else:
        from flows.quarter import run_quarter
        from flows.stages import StageLines, console_steps

        lines = StageLines()
        try:
            result = run_quarter(quarter=quarter, inbox=inbox, db=db, out=out, pleno=pleno, lewati=args.lewati_triwulan,
                                 steps=console_steps(len(check.files), lines), logger=console.pipeline_logger())
        except BaseException:
            lines.fail()
            raise
    console.print_run(result)
    return EXIT_OK


def cmd_batal(args, settings) -> int:
    from flows.batal import withdraw_quarter

    result = withdraw_quarter(quarter=args.quarter, db=Path(args.db or settings.db),
                              out=Path(args.out or settings.out), alasan=args.alasan or "")
    console.out.print(f"Triwulan [bold]{result['kuartal']}[/] dibatalkan: BARU {fmt(result['BARU'])}, "
                      f"TMS {fmt(result['TMS'])}, UBAH {fmt(result['UBAH'])} ditarik; pembatalan dicatat di basis data.")
    if result["laporan_dipindah"]:
        console.out.print(f"Laporannya dipindah (tidak dihapus) ke {result['laporan_dipindah']}")
    if result["dilewati"]:
        console.out.print(f"Triwulan yang dilewatinya dapat dijalankan lagi: {', '.join(result['dilewati'])}")
    now = "daftar pemilih awal" if result["awal"] else f"triwulan {result['terakhir']}"
    console.out.print(f"Daftar pemilih kembali ke keadaan {now}. Triwulan {result['kuartal']} dapat dijalankan lagi "
                      f"dengan `pdpb run --quarter {result['kuartal']}`.")
    return EXIT_OK


def cmd_export(args, settings) -> int:
    from flows import preflight
    from reports.export import run_export
    from transforms import quarters, store
    from transforms.arsip import archive_password

    kuartal = store.quarter_index(args.quarter)
    db = Path(args.db or settings.db)
    con = preflight.check_db(db)
    try:
        quarters.check_export(con, kuartal)
    finally:
        con.close()
    n, written = run_export(db, kuartal, Path(args.out), samaran=args.samaran,
                            archive_password=archive_password(settings.arsip_zip))
    form = " dengan NIK/NKK disamarkan" if args.samaran else ""
    console.out.print(f"{fmt(n)} pemilih (AKTIF dan TMS) per akhir {args.quarter}{form} ditulis ke {written}")
    return EXIT_OK


def cmd_status(args, settings) -> int:
    from flows import preflight
    from transforms import quarters, store

    db = Path(args.db or settings.db)
    if args.audit:
        from flows.privacy_cli import print_audit

        return print_audit(db, as_json=args.json)
    con = preflight.check_db(db)
    try:
        info = store.status_summary(con)
        info["riwayat"] = quarters.history(con)
    finally:
        con.close()
    info = status_labels(info)
    if args.json:
        print(json.dumps(info, default=str, indent=2, ensure_ascii=False))
        return EXIT_OK
    console.out.print(f"Basis data {db}, kabupaten/kota {info['kode_kabupaten']}")
    columns = [("triwulan", "left"), ("tanggal acuan", "left"), ("aktif", "right"), ("baru", "right"),
               ("tms", "right"), ("ubah", "right"), ("verifikasi", "right"), ("karantina", "right")]
    rows = [[k["triwulan"], str(k["tanggal_acuan"]), *(fmt(k[c]) for c in ("aktif", "baru", "tms", "ubah",
                                                                             "verifikasi", "karantina"))]
            for k in info["kuartal"]]
    console.grid(columns, rows)
    if info["riwayat"]:
        console.out.print("Dilewati dan dibatalkan:")
        for r in info["riwayat"]:
            console.out.print(f"  {r['triwulan']}  {r['peristiwa']:<10} {str(r['pada'])[:19]}  {r['keterangan'] or ''}",
                              markup=False)
    if info["runs"]:
        console.out.print("Run terakhir:")
        for r in info["runs"]:
            line = f"  {str(r['mulai'])[:19]}  {r['perintah']:<5} {r['triwulan'] or '':<8} {r['hasil']:<9} {r['pesan'] or ''}"
            console.out.print(line.rstrip(), markup=False)
    return EXIT_OK


def status_labels(info: dict) -> dict:
    """Quarters as labels ('2026-Q1'), never as their index in the database."""
    from transforms import store

    info["kuartal"] = [
        {"triwulan": store.quarter_label(k.pop("kuartal")), "jenis": "awal" if k.pop("label") == "awal" else "triwulan",
         **k} for k in info["kuartal"]
    ]
    for r in info["runs"]:
        index = r.pop("kuartal")
        r["triwulan"] = store.quarter_label(index) if index is not None else None
    return info


def cmd_templat(args, settings) -> int:
    from reports.templat import write_templates

    paths = write_templates(Path(args.dir))
    console.out.print(f"{fmt(len(paths))} templat ditulis ke folder {args.dir}:")
    for p in paths:
        console.out.print(f"  {p.name}", markup=False)
    console.out.print("Kirim ke instansi; nama berkas yang kembali harus tetap diawali jenisnya (mis. kematian_...).")
    return EXIT_OK


def cmd_serve(args, settings) -> int:
    from prefect.logging.configuration import ensure_logging_setup

    ensure_logging_setup()

    console.install_log_filter()
    from flows.serve import serve

    serve(settings)
    return EXIT_OK


def cmd_demo(args, settings) -> int:
    direct = use_prefect(settings) is None
    if not direct:
        _quiet_prefect()
    from flows.demo import run_demo

    run_demo(voters=args.voters, seed=args.seed, base=Path(args.dir), out=Path(args.out or settings.out),
             direct=direct)
    return EXIT_OK


# --- the command line ------------------------------------------------------------------------------


def _db(p) -> None:
    p.add_argument("--db", type=Path, metavar="BERKAS",
                   help=f"berkas basis data DuckDB (bawaan: {DEFAULT_DB}, atau `db` di pdpb.toml)")


def _out(p, what: str = "folder laporan") -> None:
    p.add_argument("--out", type=Path, metavar="FOLDER",
                   help=f"{what} (bawaan: {DEFAULT_OUT}/, atau `out` di pdpb.toml)")


def build_parser() -> argparse.ArgumentParser:
    parser = console.Parser(
        prog="pdpb",
        description="Pemutakhiran Data Pemilih Berkelanjutan per triwulan. Panduan operator: docs/PANDUAN.md",
        epilog="Kode keluar: 0 selesai; 2 masukan atau perintah salah (satu baris menyebut penyebabnya, tidak "
               "ada yang diterapkan); 1 kesalahan lain (PDPB_DEBUG=1 untuk rincian).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="muat daftar pemilih awal (ekspor Sidalih) ke basis data baru",
                       description="Memuat daftar pemilih awal ke basis data baru dan mencatat tanggalnya.")
    p.add_argument("--voters", required=True, type=Path, metavar="BERKAS",
                   help="daftar pemilih awal, .csv atau .xlsx (wajib)")
    _db(p)
    _out(p, "folder untuk awal/karantina.csv dan awal/ringkasan.json")
    p.add_argument("--kabupaten", metavar="KODE",
                   help=f"kode kabupaten/kota Kemendagri (bawaan: {DEFAULT_KABUPATEN} Temanggung, atau `kabupaten` "
                        "di pdpb.toml)")
    p.add_argument("--as-of", dest="as_of", type=date_arg, metavar="TANGGAL",
                   help="tanggal keadaan daftar awal, seperti 2025-12-31; triwulan pertama yang dijalankan adalah "
                        "triwulan sesudahnya (bawaan: akhir triwulan terakhir yang sudah berakhir)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("run", help="jalankan satu triwulan: baca, periksa, cocokkan, terapkan, laporan",
                       description="Menjalankan satu triwulan. Triwulan terakhir boleh dijalankan ulang (hasilnya "
                                   "menggantikan run sebelumnya); triwulan yang lebih lama ditolak.")
    p.add_argument("--quarter", required=True, type=quarter_arg, metavar="TRIWULAN",
                   help="triwulan, seperti 2026-Q1 (wajib)")
    p.add_argument("--inbox", type=Path, metavar="FOLDER",
                   help="folder kotak masuk berisi berkas dari instansi (bawaan: data/inbox/<triwulan>, atau "
                        "`inbox` di pdpb.toml)")
    _db(p)
    _out(p, "folder laporan; laporan triwulan ditulis ke <folder>/<triwulan>")
    p.add_argument("--lewati-triwulan", dest="lewati_triwulan", action="store_true",
                   help="izinkan melewati triwulan yang belum dijalankan; yang dilewati dicatat di basis data "
                        "(bawaan: tidak, melewati triwulan ditolak)")
    from flows.pleno import add_pleno_arguments

    add_pleno_arguments(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("batal", help="batalkan triwulan terakhir yang sudah diterapkan",
                       description="Menarik triwulan terakhir: daftar pemilih kembali ke keadaan sebelumnya, "
                                   "pembatalan dicatat, dan laporannya dipindah ke <folder>/<triwulan>.batal-<waktu> "
                                   "(tidak dihapus).")
    p.add_argument("--quarter", required=True, type=quarter_arg, metavar="TRIWULAN",
                   help="triwulan yang dibatalkan; harus triwulan terakhir yang diterapkan (wajib)")
    _db(p)
    _out(p, "folder laporan tempat laporan triwulan itu berada")
    p.add_argument("--alasan", metavar="TEKS", help="alasan pembatalan, dicatat di basis data (bawaan: kosong)")
    p.set_defaults(func=cmd_batal)

    p = sub.add_parser("export", help="daftar pemilih per akhir triwulan (.csv, .parquet, .xlsx)",
                       description="Menulis seluruh daftar per akhir triwulan yang sudah diterapkan: setiap "
                                   "pemilih yang pernah ada, dengan status AKTIF/TMS dan kode_tms.")
    p.add_argument("--quarter", required=True, type=quarter_arg, metavar="TRIWULAN",
                   help="triwulan yang sudah diterapkan, seperti 2026-Q1 (wajib)")
    p.add_argument("--out", required=True, metavar="BERKAS", help="berkas tujuan: .csv, .parquet atau .xlsx (wajib)")
    _db(p)
    p.add_argument("--samaran", action="store_true",
                   help="untuk partai politik dan Bawaslu: NIK/NKK 12 digit pertama, tahun lahir saja, tanpa "
                        "disabilitas (bawaan: daftar lengkap)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("status", help="triwulan yang sudah diterapkan, jumlahnya, run terakhir",
                       description="Triwulan yang sudah diterapkan dengan jumlahnya, yang dilewati atau "
                                   "dibatalkan, dan run terakhir.")
    _db(p)
    p.add_argument("--json", action="store_true", help="keluaran JSON (bawaan: tabel)")
    p.add_argument("--audit", action="store_true",
                   help="catatan audit: siapa menjalankan apa, kapan, berkas apa (bawaan: ringkasan triwulan)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("templat", help="tulis templat kosong (.xlsx) untuk setiap jenis berkas dari instansi",
                       description="Menulis satu templat .xlsx per jenis berkas, dengan lembar PETUNJUK.")
    p.add_argument("dir", metavar="FOLDER", help="folder tujuan (dibuat bila belum ada)")
    p.set_defaults(func=cmd_templat)

    p = sub.add_parser("serve", help="layani flow pdpb-triwulan sebagai deployment 'terjadwal' dan 'manual'",
                       description="Mendaftarkan deployment ke server Prefect lalu menjalankannya sampai dihentikan "
                                   "(lihat docs/PREFECT.md).")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="buat kabupaten contoh sintetis lalu jalankan init + satu triwulan",
                       description="Kabupaten contoh sintetis (289 desa Temanggung), lalu init dan satu triwulan.")
    p.add_argument("--voters", type=int, default=100_000, metavar="N", help="jumlah pemilih (bawaan: 100000)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="benih acak (bawaan: 1)")
    p.add_argument("--dir", default="data/sampel", metavar="FOLDER", help="folder data contoh (bawaan: data/sampel)")
    _out(p)
    p.set_defaults(func=cmd_demo)

    from flows.accuracy import add_accuracy_parser
    from flows.bench import add_bench_parser
    from flows.privacy_cli import add_key_parser
    from flows.provinsi_cli import add_provinsi_parser

    add_bench_parser(sub)
    add_accuracy_parser(sub)
    add_provinsi_parser(sub)
    add_key_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a Windows console or file that cannot show ✓ gets '?'
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    _prepare_prefect()
    parser = build_parser()
    args = parser.parse_args(argv)  # a wrong command line: one line, exit 2
    try:
        from flows.settings import load_settings

        settings = load_settings()
        return args.func(args, settings)
    except InputError as exc:
        console.error(str(exc))
        return EXIT_INPUT
    except KeyboardInterrupt:
        console.error("dihentikan")
        return EXIT_FAILED
    except Exception as exc:  # a bug: say so plainly; the traceback is for developers
        if os.environ.get("PDPB_DEBUG"):
            raise
        console.error(f"kesalahan internal: {type(exc).__name__}: {exc} (PDPB_DEBUG=1 untuk rincian)")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
