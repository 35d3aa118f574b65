"""The quarterly flow `pdpb-triwulan`: ingest → match → decide → apply → reports → publish.

Thin by design: the flow orders the stages of `flows/steps.py` (each one function of
`transforms/` or `reports/`), logs what an operator needs to know, and records the run.
"""

from __future__ import annotations

import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from prefect import flow, get_run_logger

from flows.artifacts import publish_artifacts
from flows.pleno import parse_pleno
from flows.preflight import missing_inbox_message
from flows.settings import load_settings, versions
from flows.steps import PLAIN, TASKS, Steps, Timer, apply, decide, ingest, match, protect_outputs, publish
from flows.steps import swap_into_place, write_reports
from reports.assemble import quarter_report_data
from schemas.tables import load_tms
from transforms import arsip, audit, store
from transforms.coklit import with_coklit
from transforms.errors import InputError
from transforms.ingest import event_records, quarantined
from transforms.match.prepare import NAME_KEY_COLUMNS, with_name_keys
from transforms.parse import ParseContext
from transforms.quarters import plan_run
from transforms.read import list_inbox
from transforms.provinsi_queue import LintasQueue, with_lintas_items
from transforms.recap import BEFORE_COLUMNS, file_accounting
from transforms.review import read_review_book
from transforms.wilayah import desa_of_kabupaten, kabupaten_name

__all__ = ["PLAIN", "TASKS", "Steps", "RunParams", "apply", "decide", "ingest", "match", "publish",
           "pdpb_triwulan", "run_quarter", "write_reports"]


@dataclass(frozen=True)
class RunParams:
    """One run of one quarter: what the operator asked for, and what the run derives from it."""

    quarter: str
    inbox: Path
    db: Path
    out: Path
    pleno: dict | None = None
    lewati: bool = False  # quarters not yet run before `quarter` are skipped on purpose (and recorded)
    id_run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started_at: datetime = field(default_factory=datetime.now)

    @property
    def kuartal(self) -> int:
        return store.quarter_index(self.quarter)

    @property
    def label(self) -> str:
        return store.quarter_label(self.kuartal)

    @property
    def tanggal_acuan(self) -> date:
        return store.quarter_end(self.kuartal)

    def parameters(self, **extra) -> dict:
        return {"inbox": str(self.inbox), "db": str(self.db), "out": str(self.out), **extra}


@flow(name="pdpb-triwulan", flow_run_name="triwulan-{quarter}", validate_parameters=True)
def pdpb_triwulan(quarter: str, inbox: str | None = None, db: str = "data/pdpb.duckdb", out: str = "out",
                  pleno: dict | None = None, lewati_triwulan: bool = False) -> dict:
    """Apply one quarter's inbox to the voter list and write its reports (SPEC §3 `pdpb run`).
    `pleno`: the plenary meeting (nomor, tempat, tanggal, ketua, anggota, undangan) for the Berita Acara."""
    return run_quarter(quarter=quarter, inbox=Path(inbox) if inbox else Path("data/inbox") / quarter,
                       db=Path(db), out=Path(out), pleno=pleno, lewati=lewati_triwulan)


def run_quarter(*, quarter: str, inbox: Path, db: Path, out: Path, steps: Steps = TASKS, logger=None,
                pleno: dict | None = None, lewati: bool = False, lintas: LintasQueue | None = None) -> dict:
    """`lewati`: quarters not yet run before `quarter` are skipped on purpose (and recorded).
    `lintas`: the province's part of this kabupaten's queue (flows/provinsi.py)."""
    logger = logger or get_run_logger()
    run = RunParams(quarter=quarter, inbox=inbox, db=db, out=out, pleno=pleno, lewati=lewati)
    failure: InputError | None = None
    arsip.archive_password(load_settings().arsip_zip)  # no archive password: stop before anything is applied
    with store.writer_lock(db):
        con = store.connect(db)
        store.create_schema(con)  # a database made by an earlier release gets its new columns
        try:
            return _run_locked(con, steps, logger, run, lintas)
        except InputError as exc:
            store.record_run(con, id_run=run.id_run, perintah="run", kuartal=run.kuartal, mulai=run.started_at,
                             hasil="GAGAL", pesan=str(exc), parameter=run.parameters())
            failure = exc.detached()
        finally:
            con.close()
            del con
    raise failure


def _run_locked(con, steps: Steps, logger, run: RunParams, lintas: LintasQueue | None = None) -> dict:
    kuartal, label, tanggal_acuan, timer = run.kuartal, run.label, run.tanggal_acuan, Timer()
    plan = plan_run(con, kuartal, lewati=run.lewati, db=str(run.db))
    if plan.skipped:
        logger.warning("triwulan %s dilewati atas permintaan (--lewati-triwulan); dicatat bersama triwulan %s",
                       ", ".join(store.quarter_label(q) for q in plan.skipped), label)
    kode_kabupaten = store.get_meta(con, "kode_kabupaten")
    desa = desa_of_kabupaten(kode_kabupaten)
    ctx = ParseContext(kode_kabupaten=kode_kabupaten, desa=desa, tanggal_acuan=tanggal_acuan,
                       awal_kuartal=store.quarter_start(kuartal))
    if not run.inbox.is_dir():
        raise InputError(missing_inbox_message(run.inbox))
    logger.info("triwulan %s (tanggal acuan %s), kotak masuk %s", label, tanggal_acuan, run.inbox)

    t = time.perf_counter()
    files = [steps.ingest(path, kind, ctx) for path, kind in list_inbox(run.inbox)]
    if not any(f.kind not in ("keputusan", "coklit") for f in files):
        # Still a quarter (SPEC §4.2): the whole-list checks, the recap and the reports run.
        logger.info("tidak ada berkas dari instansi yang masuk triwulan ini; pemeriksaan seluruh daftar, "
                    "rekap dan laporan tetap dijalankan")
    timer.lap("baca_validasi", t)
    records = event_records(files)
    reading = with_lintas_items(read_review_book(con, kuartal, files, run.id_run), lintas, con, kuartal)
    keputusan = with_coklit(reading.book, files)
    for line in reading.notes:
        logger.info("verifikasi: %s", line)

    t = time.perf_counter()
    current = with_name_keys(store.list_as_of(con, kuartal - 1))
    links = steps.match(records, current, tanggal_acuan)
    timer.lap("cocok", t)
    t = time.perf_counter()
    # The keys were the matcher's: the whole-list checks key the active list themselves, since
    # holding the whole list's keys through the decision costs more memory at 4,000,000 voters
    # (about 1.3 GiB at its peak) than keying again costs time (a third of a second per 100,000).
    current = current.drop(NAME_KEY_COLUMNS)
    decision = steps.decide(records, links, current, tanggal_acuan, keputusan)
    del links, records
    current = current.select(BEFORE_COLUMNS)  # all the reports read of it: the rest is freed
    timer.lap("putuskan", t)
    timer.durations.update({k: round(v, 3) for k, v in decision.waktu.items()})
    for line in decision.catatan:
        logger.warning("verifikasi: %s", line)
    karantina = quarantined(files, decision.karantina)
    berkas = file_accounting(files, decision.hasil, karantina)

    t = time.perf_counter()
    steps.apply(con, store.QuarterWrite(
        kuartal=kuartal, label=label, tanggal_acuan=tanggal_acuan, id_run=run.id_run,
        versions=decision.versions, closed_ids=decision.closed_ids, perubahan=decision.perubahan,
        verifikasi=decision.verifikasi, karantina=karantina, berkas=berkas,
        selesai=decision.selesai, keputusan=reading.new_rows,
    ), plan.replace, plan)
    timer.lap("terapkan", t)

    t = time.perf_counter()
    tms = load_tms(load_settings().tms_table)  # a kabupaten may switch its TMS table in pdpb.toml
    data, ringkasan, outside = quarter_report_data(
        con, kuartal=kuartal, tanggal_acuan=tanggal_acuan, kode_kabupaten=kode_kabupaten,
        nama_kabupaten=kabupaten_name(kode_kabupaten), desa=desa, tms=tms, current=current, files=files,
        inbox=run.inbox, hasil=decision.hasil, karantina=karantina, berkas=berkas, pleno=parse_pleno(run.pleno),
    )
    if outside:
        logger.warning("%d pemilih aktif berada di luar desa/kelurahan kabupaten ini", outside)
    final = run.out / label
    tmp = run.out / f".{label}.sementara-{run.id_run}"
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        steps.reports(data, ringkasan, (data.perubahan, data.verifikasi, karantina), tmp)
        timer.lap("laporan", t)
        t = time.perf_counter()
        steps.publish(data, tmp)
        timer.lap("publikasi", t)
        t = time.perf_counter()
        if protect_outputs(tmp, logger):
            timer.lap("arsip", t)
        swap_into_place(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return _record(con, logger, run, plan, files, ringkasan, karantina.height, final, timer)


def _record(con, logger, run: RunParams, plan, files, ringkasan: dict, karantina_rows: int, final: Path,
            timer: Timer) -> dict:
    """The run recorded (runs table, audit log, Prefect artifacts) and its summary for the caller."""
    gaps = ringkasan["rekonsiliasi"]["selisih"]
    if gaps:
        logger.warning("rekonsiliasi: %d selisih per desa/jenis kelamin (lihat ringkasan.json)", len(gaps))
    store.record_run(
        con, id_run=run.id_run, perintah="run", kuartal=run.kuartal, mulai=run.started_at, hasil="BERHASIL",
        parameter=run.parameters(ulang=plan.replace), versi=versions(), berkas={f.name: f.sha256 for f in files},
        durasi=timer.durations,
    )
    p = ringkasan["perubahan"]
    audit.record(con, "run", kuartal=run.kuartal, berkas=final, baris=p["BARU"] + p["TMS"] + p["UBAH"],
                 keterangan=f"BARU {p['BARU']}, TMS {p['TMS']}, UBAH {p['UBAH']}; verifikasi "
                            f"{ringkasan['verifikasi']['kandidat']}" + ("; dijalankan ulang" if plan.replace else ""))
    publish_artifacts(ringkasan, final, timer.durations)
    summary = {
        "kuartal": run.label,
        "keluaran": str(final),
        "ulang": plan.replace,
        "perubahan": ringkasan["perubahan"],
        "verifikasi": ringkasan["verifikasi"]["kandidat"],
        "karantina": karantina_rows,
        "pemilih_akhir": ringkasan["kabupaten"]["akhir"]["total"],
        "pemilih_awal": ringkasan["kabupaten"]["awal"]["total"],
        "tanggal_acuan": run.tanggal_acuan.isoformat(),
        "dilewati": [store.quarter_label(q) for q in plan.skipped],
        "seimbang": ringkasan["rekonsiliasi"]["seimbang"],
        "durasi": timer.durations,
    }
    logger.info("triwulan %s selesai: BARU %d, TMS %d, UBAH %d; %d kandidat verifikasi; %d baris karantina; "
                "%d pemilih aktif; laporan di %s", run.label, p.get("BARU", 0), p.get("TMS", 0), p.get("UBAH", 0),
                summary["verifikasi"], summary["karantina"], summary["pemilih_akhir"], final)
    return summary
