"""The quarterly flow `pdpb-triwulan`: ingest → validate → match → apply → reports → publish.

Thin by design: each task wraps one function of `transforms/` or `reports/`; the flow orders
them, logs what an operator needs to know, and records the run.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.artifacts import publish_artifacts
from flows.pleno import parse_pleno
from flows.preflight import missing_inbox_message
from flows.settings import load_settings, sha256_of, versions
from reports.model import QuarterRows, ReportData
from reports.tables import build_ringkasan, write_json, write_tables
from schemas.fields import KARANTINA, ROW_OUTCOMES
from schemas.tables import load_tms
from transforms import arsip, audit, store
from transforms.decide import QuarterDecision, decide_quarter
from transforms.errors import InputError
from schemas.policy import load_policy
from transforms.parse import RECORD_SCHEMA, ParseContext, parse_extract
from transforms.quarters import RunPlan, plan_run, record_skips
from transforms.read import list_inbox, read_extract, unexpected_failure
from transforms.coklit import with_coklit
from transforms.review import DecisionReading, read_decisions
from transforms.recap import desa_recap, outside_kabupaten
from transforms.wilayah import desa_of_kabupaten, kabupaten_name


@dataclass
class IngestedFile:
    """One input file after reading and validation."""

    path: Path
    kind: str
    sha256: str
    sheet: str | None
    header_row: int
    records: pl.DataFrame
    karantina: pl.DataFrame

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def rows(self) -> int:
        return self.records.height + self.karantina.height


@dataclass
class Timer:
    durations: dict[str, float] = field(default_factory=dict)

    def lap(self, stage: str, started: float) -> None:
        self.durations[stage] = round(self.durations.get(stage, 0.0) + time.perf_counter() - started, 3)


def _retry_unless_input_error(task, task_run, state) -> bool:
    """Reading a file may fail for a passing reason (a share being written); bad content never heals."""
    try:
        state.result()
    except InputError:
        return False
    except Exception:
        return True
    return False


def ingest(path: Path, kind: str, ctx: ParseContext) -> IngestedFile:
    try:
        raw = read_extract(path)
        parsed = parse_extract(raw, kind, ctx)
    except (InputError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a Rust panic in polars is a BaseException
        if os.environ.get("PDPB_DEBUG"):
            raise
        raise unexpected_failure(path) from exc
    sha = sha256_of(path)
    return IngestedFile(
        path=path,
        kind=kind,
        sha256=sha,
        sheet=raw.sheet,
        header_row=raw.header_row,
        records=parsed.records.with_columns(pl.lit(sha).alias("sumber_sha256")),
        karantina=parsed.karantina.with_columns(pl.lit(sha).alias("sumber_sha256")),
    )


@task(name="baca-berkas", cache_policy=NO_CACHE, task_run_name="baca-{path.name}", retries=2, retry_delay_seconds=2,
      retry_condition_fn=_retry_unless_input_error)
def ingest_task(path: Path, kind: str, ctx: ParseContext) -> IngestedFile:
    got = ingest(path, kind, ctx)
    get_run_logger().info(
        "%s (%s): %d baris dibaca, %d dikarantina", got.name, kind, got.rows, got.karantina.height
    )
    return got


def file_accounting(files: list[IngestedFile], hasil: pl.DataFrame, karantina: pl.DataFrame) -> pl.DataFrame:
    """Per input file: read = applied + review + quarantined + no change. A gap is a bug: stop."""
    outcomes = pl.concat(
        [hasil.select("sumber_file", "sumber_baris", "hasil"),
         karantina.select("sumber_file", "sumber_baris", pl.lit(KARANTINA).alias("hasil"))]
    ).unique(subset=["sumber_file", "sumber_baris"], keep="last")
    counts = outcomes.group_by("sumber_file", "hasil").len().pivot(on="hasil", index="sumber_file", values="len")
    rows = []
    for f in files:
        got = counts.filter(pl.col("sumber_file") == f.name)
        per = {o: int(got[o][0]) if got.height and o in got.columns and got[o][0] is not None else 0
               for o in ROW_OUTCOMES}
        rows.append({"sumber_file": f.name, "sumber_sha256": f.sha256, "jenis": f.kind, "sheet": f.sheet,
                     "baris_header": f.header_row, "dibaca": f.rows, **per})
        if sum(per.values()) != f.rows:
            raise RuntimeError(
                f"{f.name}: {f.rows} baris dibaca tetapi {sum(per.values())} tercatat ({per}); hasil tidak seimbang"
            )
    return pl.DataFrame(rows, schema={"sumber_file": pl.Utf8, "sumber_sha256": pl.Utf8, "jenis": pl.Utf8,
                                      "sheet": pl.Utf8, "baris_header": pl.Int64, "dibaca": pl.Int64,
                                      **{o: pl.Int64 for o in ROW_OUTCOMES}})


def read_review_book(con, kuartal: int, files: list[IngestedFile], id_run: str) -> DecisionReading:
    """This run's decision rows merged with the recorded ones, the queue carried over from the
    previous quarter, and the pairs rejected before (SPEC §5.3)."""
    read = [f.records.with_columns(pl.lit(f.sheet, pl.Utf8).alias("sheet")) for f in files
            if f.kind == "keputusan" and f.records.height]
    rejected, known, decided = store.review_history(con, kuartal)
    return read_decisions(
        store.recorded_decisions(con), pl.concat(read, how="diagonal_relaxed") if read else None,
        kuartal=kuartal, id_run=id_run, dibaca_pada=datetime.now().replace(microsecond=0),
        carried=store.carried_review(con, kuartal), rejected=rejected,
        known={k: store.quarter_label(v) for k, v in known.items()},
        decided_before={k: store.quarter_label(v) for k, v in decided.items()},
    )


def decide(records, current, tanggal_acuan, keputusan, timings: dict | None = None) -> QuarterDecision:
    return decide_quarter(records, current, tanggal_acuan=tanggal_acuan, policy=load_policy(), keputusan=keputusan,
                          timings=timings)


@task(name="cocokkan-dan-putuskan", cache_policy=NO_CACHE)
def decide_task(records, current, tanggal_acuan, keputusan, timings: dict | None = None) -> QuarterDecision:
    decision = decide(records, current, tanggal_acuan, keputusan, timings)
    get_run_logger().info(
        "%d perubahan otomatis/terverifikasi, %d kandidat verifikasi",
        decision.perubahan.height, decision.verifikasi.height,
    )
    return decision


def apply(con, write: store.QuarterWrite, replace: bool, plan: RunPlan | None = None) -> None:
    """`plan`: the quarter-order plan; the quarters it skips are recorded in the same transaction."""
    record = (lambda: record_skips(con, plan, write.id_run)) if plan is not None and plan.skipped else None
    store.write_quarter(con, write, replace=replace, before_commit=record, between=_fault_injection_pause())


def _fault_injection_pause():
    """PDPB_JEDA_TERAPKAN=seconds pauses between the statements of the apply transaction, so the
    crash-safety test can kill a run inside it. Unset in normal use."""
    import os

    pause = float(os.environ.get("PDPB_JEDA_TERAPKAN", "0") or 0)
    return (lambda: time.sleep(pause)) if pause > 0 else None


@task(name="terapkan", cache_policy=NO_CACHE)
def apply_task(con, write: store.QuarterWrite, replace: bool, plan: RunPlan | None = None) -> None:
    apply(con, write, replace, plan)
    get_run_logger().info("triwulan %s diterapkan dalam satu transaksi%s", write.label,
                          " (menggantikan run sebelumnya)" if replace else "")


def report_frames(con, kuartal: int, desa: pl.DataFrame, tms: pl.DataFrame, before_q: int,
                  before: pl.DataFrame | None = None, after: pl.DataFrame | None = None):
    """Query results for the writers: the recap, the changes with person details, the queue.
    `before`/`after`: the lists as of `before_q` and `kuartal` when the caller already has them."""
    before = store.list_as_of(con, before_q) if before is None else before
    after = store.list_as_of(con, kuartal) if after is None else after
    perubahan = store.changes_of(con, kuartal)
    codes = tms["kode"].to_list()
    rekap = desa_recap(desa, before, after, perubahan, codes)
    person = after.select("id_pemilih", "tempat_lahir", "tanggal_lahir", "status_kawin", "alamat", "rt", "rw",
                          "disabilitas")
    detailed = (
        perubahan.join(person, on="id_pemilih", how="left")
        .join(tms.select(pl.col("kode").alias("kode_tms"), pl.col("label").alias("label_tms")), on="kode_tms",
              how="left")
    )
    verifikasi = store.review_of(con, kuartal)
    cand = before.select(
        pl.col("id_pemilih").alias("id_pemilih_kandidat"),
        pl.col("tanggal_lahir").alias("tanggal_lahir_kandidat"),
        pl.col("jenis_kelamin").alias("jenis_kelamin_kandidat"),
        pl.col("alamat").alias("alamat_kandidat"),
        _rt_rw("rt", "rw").alias("rt_rw_kandidat"),
    )
    verifikasi = verifikasi.join(cand, on="id_pemilih_kandidat", how="left").with_columns(
        _rt_rw("rt_sumber", "rw_sumber").alias("rt_rw_sumber"),
        pl.format("{}-Q{}", pl.col("dibawa_dari") // 4, pl.col("dibawa_dari") % 4 + 1).alias("dibawa_dari"),
    )
    return rekap, detailed, verifikasi, outside_kabupaten(after, desa)


def _rt_rw(rt: str, rw: str) -> pl.Expr:
    """'003/001' from RT and RW; empty when either is missing."""
    return pl.when(pl.col(rt).is_not_null() & pl.col(rw).is_not_null()).then(
        pl.col(rt).str.zfill(3) + pl.lit("/") + pl.col(rw).str.zfill(3)
    )


def previous_recap(con, kuartal: int, desa: pl.DataFrame, tms: pl.DataFrame,
                   current: pl.DataFrame | None = None) -> pl.DataFrame | None:
    """The recap of the latest quarter applied before `kuartal`; `current` is the list as of
    that quarter when the caller has it (the list the quarter started from)."""
    earlier = [k for k in store.applied_quarters(con) if k < kuartal]
    if not earlier:
        return None
    prev = earlier[-1]
    base = store.list_as_of(con, prev) if current is None else current
    before_prev = [k for k in earlier if k < prev]
    if not before_prev:  # the baseline: nothing changed yet, start = end
        return desa_recap(desa, base, base, store.changes_of(con, prev).clear(), tms["kode"].to_list())
    return report_frames(con, prev, desa, tms, before_prev[-1], after=base)[0]


def write_reports(data: ReportData, ringkasan: dict, tables: tuple, out_dir: Path) -> list[Path]:
    from reports.workbooks import write_workbooks

    paths = write_tables(out_dir, *tables)
    paths.append(write_json(ringkasan, out_dir / "ringkasan.json"))
    paths += write_workbooks(data, out_dir)
    from reports.pleno_docs import write_pleno_documents

    paths += write_pleno_documents(data, ringkasan, out_dir)
    return paths


@task(name="laporan", cache_policy=NO_CACHE)
def reports_task(data: ReportData, ringkasan: dict, tables: tuple, out_dir: Path) -> list[Path]:
    started = time.perf_counter()
    paths = write_reports(data, ringkasan, tables, out_dir)
    get_run_logger().info("%d berkas laporan ditulis dalam %.1f s", len(paths), time.perf_counter() - started)
    return paths


def publish(data: ReportData, out_dir: Path) -> list[Path]:
    from reports.publik import write_publik

    return write_publik(data, out_dir)


@task(name="publikasi", cache_policy=NO_CACHE)
def publish_task(data: ReportData, out_dir: Path) -> list[Path]:
    return publish(data, out_dir)


@dataclass(frozen=True)
class Steps:
    """The stages of a quarter: Prefect tasks in the flow, plain functions in the benchmark."""

    ingest: object
    decide: object
    apply: object
    reports: object
    publish: object


TASKS = Steps(ingest_task, decide_task, apply_task, reports_task, publish_task)
PLAIN = Steps(ingest, decide, apply, write_reports, publish)


def protect_outputs(folder: Path, logger) -> list[Path]:
    """Working files with full NIK/NKK into AES zip archives, when archives are on (transforms/arsip.py)."""
    password = arsip.archive_password(load_settings().arsip_zip)
    if password is None:
        return []
    done = arsip.protect_folder(folder, password)
    logger.info("%d berkas kerja dengan NIK lengkap disimpan sebagai arsip zip bersandi", len(done))
    return done


def _swap_into_place(tmp: Path, final: Path) -> None:
    """Replace the quarter's output folder as a whole, so a reader never sees half of two runs."""
    old = final.with_name(final.name + ".lama")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    if old.exists():
        shutil.rmtree(old)


@flow(name="pdpb-triwulan", flow_run_name="triwulan-{quarter}", validate_parameters=True)
def pdpb_triwulan(quarter: str, inbox: str | None = None, db: str = "data/pdpb.duckdb", out: str = "out",
                  pleno: dict | None = None, lewati_triwulan: bool = False) -> dict:
    """Apply one quarter's inbox to the voter list and write its reports (SPEC §3 `pdpb run`).
    `pleno`: the plenary meeting (nomor, tempat, tanggal, ketua, anggota, undangan) for the Berita Acara."""
    return run_quarter(quarter=quarter, inbox=Path(inbox) if inbox else Path("data/inbox") / quarter,
                       db=Path(db), out=Path(out), pleno=pleno, lewati=lewati_triwulan)


def run_quarter(*, quarter: str, inbox: Path, db: Path, out: Path, steps: Steps = TASKS, logger=None,
                pleno: dict | None = None, lewati: bool = False) -> dict:
    """`lewati`: quarters not yet run before `quarter` are skipped on purpose (and recorded)."""
    logger = logger or get_run_logger()
    kuartal = store.quarter_index(quarter)
    label = store.quarter_label(kuartal)
    tanggal_acuan = store.quarter_end(kuartal)
    timer = Timer()
    started_at = datetime.now()
    id_run = uuid.uuid4().hex[:12]
    failure: InputError | None = None
    arsip.archive_password(load_settings().arsip_zip)  # no archive password: stop before anything is applied
    with store.writer_lock(db):
        con = store.connect(db)
        store.create_schema(con)  # a database made by an earlier release gets its new columns
        try:
            return _run_locked(con, steps, logger, kuartal, label, tanggal_acuan, inbox, db, out, timer, started_at,
                               id_run, pleno, lewati)
        except InputError as exc:
            store.record_run(con, id_run=id_run, perintah="run", kuartal=kuartal, mulai=started_at, hasil="GAGAL",
                             pesan=str(exc), parameter={"inbox": str(inbox), "db": str(db), "out": str(out)})
            failure = exc.detached()
        finally:
            con.close()
            del con
    raise failure


def _run_locked(con, steps: Steps, logger, kuartal, label, tanggal_acuan, inbox, db, out, timer, started_at, id_run,
                pleno: dict | None = None, lewati: bool = False) -> dict:
    plan = plan_run(con, kuartal, lewati=lewati, db=str(db))
    replace = plan.replace
    if plan.skipped:
        logger.warning("triwulan %s dilewati atas permintaan (--lewati-triwulan); dicatat bersama triwulan %s",
                       ", ".join(store.quarter_label(q) for q in plan.skipped), label)
    kode_kabupaten = store.get_meta(con, "kode_kabupaten")
    desa = desa_of_kabupaten(kode_kabupaten)
    ctx = ParseContext(kode_kabupaten=kode_kabupaten, desa=desa, tanggal_acuan=tanggal_acuan,
                       awal_kuartal=store.quarter_start(kuartal))
    if not inbox.is_dir():
        raise InputError(missing_inbox_message(inbox))
    logger.info("triwulan %s (tanggal acuan %s), kotak masuk %s", label, tanggal_acuan, inbox)

    t = time.perf_counter()
    files = [steps.ingest(path, kind, ctx) for path, kind in list_inbox(inbox)]
    if not any(f.kind not in ("keputusan", "coklit") for f in files):
        # Still a quarter (SPEC §4.2): the whole-list checks, the recap and the reports run.
        logger.info("tidak ada berkas dari instansi yang masuk triwulan ini; pemeriksaan seluruh daftar, "
                    "rekap dan laporan tetap dijalankan")
    timer.lap("baca_validasi", t)
    events = [f.records for f in files if f.kind not in ("keputusan", "coklit") and f.records.height]
    records = pl.concat(events, how="vertical_relaxed", rechunk=True) if events else _empty_like(files)
    reading = read_review_book(con, kuartal, files, id_run)
    keputusan = with_coklit(reading.book, files)
    for line in reading.notes:
        logger.info("verifikasi: %s", line)

    t = time.perf_counter()
    before_q = kuartal - 1
    current = store.list_as_of(con, before_q)
    stage_times: dict[str, float] = {}
    decision = steps.decide(records, current, tanggal_acuan, keputusan, stage_times)
    timer.lap("cocok_putus", t)
    timer.durations.update({k: round(v, 3) for k, v in stage_times.items()})
    for line in decision.catatan:
        logger.warning("verifikasi: %s", line)

    quarantine_columns = ("sumber_file", "sumber_sha256", "sumber_baris", "kolom", "alasan", "nilai")
    karantina = pl.concat(
        [f.karantina.select(quarantine_columns) for f in files] + [decision.karantina.select(quarantine_columns)],
        how="vertical_relaxed",
    ).sort("sumber_file", "sumber_baris")
    berkas = file_accounting(files, decision.hasil, karantina)

    write = store.QuarterWrite(
        kuartal=kuartal, label=label, tanggal_acuan=tanggal_acuan, id_run=id_run,
        versions=decision.versions, closed_ids=decision.closed_ids, perubahan=decision.perubahan,
        verifikasi=decision.verifikasi, karantina=karantina, berkas=berkas,
        selesai=decision.selesai, keputusan=reading.new_rows,
    )
    t = time.perf_counter()
    steps.apply(con, write, replace, plan)
    timer.lap("terapkan", t)

    t = time.perf_counter()
    tms = load_tms()
    after = store.list_as_of(con, kuartal)
    rekap, detailed, verifikasi, outside = report_frames(con, kuartal, desa, tms, before_q, before=current, after=after)
    if outside:
        logger.warning("%d pemilih aktif berada di luar desa/kelurahan kabupaten ini", outside)
    dibuat = datetime.fromtimestamp(max((f.path.stat().st_mtime for f in files),
                                        default=inbox.stat().st_mtime)).replace(microsecond=0)
    nama_kabupaten = kabupaten_name(kode_kabupaten)
    data = ReportData(
        quarter=label, tanggal_acuan=tanggal_acuan, dibuat=dibuat, kode_kabupaten=kode_kabupaten,
        nama_kabupaten=nama_kabupaten, desa=desa, rekap=rekap, perubahan=detailed, verifikasi=verifikasi, tms=tms,
        rekap_sebelumnya=previous_recap(con, kuartal, desa, tms, current=current),
        pleno=parse_pleno(pleno),
        rows=QuarterRows(
            berkas=berkas, hasil=decision.hasil, karantina=karantina, aktif=after.filter(pl.col("status") == "AKTIF"),
            records=pl.concat([f.records for f in files], how="diagonal_relaxed") if files else pl.DataFrame(),
        ),
    )
    ringkasan = build_ringkasan(
        quarter=label, tanggal_acuan=tanggal_acuan.isoformat(), kode_kabupaten=kode_kabupaten,
        nama_kabupaten=nama_kabupaten, desa=desa, rekap=rekap, perubahan=detailed, verifikasi=verifikasi,
        karantina_rows=karantina.height, berkas=berkas,
    )
    final = out / label
    tmp = out / f".{label}.sementara-{id_run}"
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        steps.reports(data, ringkasan, (detailed, verifikasi, karantina), tmp)
        timer.lap("laporan", t)
        t = time.perf_counter()
        steps.publish(data, tmp)
        timer.lap("publikasi", t)
        t = time.perf_counter()
        if protect_outputs(tmp, logger):
            timer.lap("arsip", t)
        _swap_into_place(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)

    gaps = ringkasan["rekonsiliasi"]["selisih"]
    if gaps:
        logger.warning("rekonsiliasi: %d selisih per desa/jenis kelamin (lihat ringkasan.json)", len(gaps))
    store.record_run(
        con, id_run=id_run, perintah="run", kuartal=kuartal, mulai=started_at, hasil="BERHASIL",
        parameter={"inbox": str(inbox), "db": str(db), "out": str(out), "ulang": replace},
        versi=versions(), berkas={f.name: f.sha256 for f in files}, durasi=timer.durations,
    )
    p = ringkasan["perubahan"]
    audit.record(con, "run", kuartal=kuartal, berkas=final, baris=p["BARU"] + p["TMS"] + p["UBAH"],
                 keterangan=f"BARU {p['BARU']}, TMS {p['TMS']}, UBAH {p['UBAH']}; verifikasi "
                            f"{ringkasan['verifikasi']['kandidat']}" + ("; dijalankan ulang" if replace else ""))
    publish_artifacts(ringkasan, final, timer.durations)
    summary = {
        "kuartal": label,
        "keluaran": str(final),
        "ulang": replace,
        "perubahan": ringkasan["perubahan"],
        "verifikasi": ringkasan["verifikasi"]["kandidat"],
        "karantina": karantina.height,
        "pemilih_akhir": ringkasan["kabupaten"]["akhir"]["total"],
        "pemilih_awal": ringkasan["kabupaten"]["awal"]["total"],
        "tanggal_acuan": tanggal_acuan.isoformat(),
        "dilewati": [store.quarter_label(q) for q in plan.skipped],
        "seimbang": ringkasan["rekonsiliasi"]["seimbang"],
        "durasi": timer.durations,
    }
    p = summary["perubahan"]
    logger.info("triwulan %s selesai: BARU %d, TMS %d, UBAH %d; %d kandidat verifikasi; %d baris karantina; "
                "%d pemilih aktif; laporan di %s", label, p.get("BARU", 0), p.get("TMS", 0), p.get("UBAH", 0),
                summary["verifikasi"], summary["karantina"], summary["pemilih_akhir"], final)
    return summary


def _empty_like(files: list[IngestedFile]) -> pl.DataFrame:
    """No event rows: an empty frame of the records' columns (an inbox may hold no extract)."""
    for f in files:
        return f.records.clear()
    return pl.DataFrame(schema={**RECORD_SCHEMA, "sumber_sha256": pl.Utf8})
