"""The kabupaten recap for the plenary meeting: totals per kecamatan and per desa (L/P/L+P),
a chart of voters at the end by kecamatan, the reconciliation check, and the review queue."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
from openpyxl.chart import BarChart, Reference

from reports.desa import ReportContext, fmt_count, gap_sentences, verifikasi_table
from reports.model import QuarterRows
from reports.rekap_ringkasan import ringkasan_table, tps_counts
from reports.style import Column, Table, new_workbook, note_lines, save_workbook, write_table

REKAP_KECAMATAN = "Rekap Kecamatan"
REKAP_DESA = "Rekap Desa"
GRAFIK = "Grafik"
REKONSILIASI = "Rekonsiliasi"

SEXES = ("L", "P")
TOTAL_SEX = "L+P"


def measures(ctx: ReportContext) -> list[str]:
    return ["awal", "baru", *[f"tms_{k}" for k, _, _ in ctx.tms], "tms", "ubah",
            "pindah_masuk", "pindah_keluar", "akhir", "selisih"]


def measure_columns(ctx: ReportContext) -> list[Column]:
    labels = {f"tms_{k}": label for k, label, _ in ctx.tms}
    out = []
    for m in measures(ctx):
        if m in labels:
            out.append(Column(f"TMS {m[4:]} {labels[m].upper()}", "angka", 10))
        else:
            out.append(Column.of(m))
    return out


def complete_rekap(ctx: ReportContext, rekap: pl.DataFrame, desa: pl.DataFrame) -> pl.DataFrame:
    """Every desa x sex with every measure (0 where the frame has no row), plus region names."""
    grid = desa.select("kode_desa", "nama_desa", "jenis", "kode_kecamatan", "nama_kecamatan").join(
        pl.DataFrame({"jenis_kelamin": list(SEXES)}), how="cross"
    )
    ms = measures(ctx)
    present = [m for m in ms if m in rekap.columns]
    out = grid.join(rekap.select("kode_desa", "jenis_kelamin", *present), on=["kode_desa", "jenis_kelamin"], how="left")
    return out.with_columns(
        [pl.col(m).fill_null(0).cast(pl.Int64) for m in present]
        + [pl.lit(0, pl.Int64).alias(m) for m in ms if m not in present]
    ).sort("kode_desa", "jenis_kelamin")


GROUP_SEXES = ("L", "P", TOTAL_SEX)
# The wide sheets print at this scale on as many pages as they need: an 11 pt body reads at
# 8.8 pt, where one page wide would shrink 48 number columns to about 5 pt.
PRINT_SCALE = 80


def wide_measures(ctx: ReportContext, full: pl.DataFrame) -> list[str]:
    """The measures of the wide sheets. SELISIH only when there is a gap: then it must show
    where it is; otherwise it is zero everywhere and the Rekonsiliasi sheet says so."""
    ms = measures(ctx)
    return ms if (full["selisih"] != 0).any() else [m for m in ms if m != "selisih"]


def _wide(frame: pl.DataFrame, keys: list[str], ms: list[str]) -> pl.DataFrame:
    """One row per key with measure_L, measure_P, measure_L+P columns."""
    sums = frame.group_by(*keys, "jenis_kelamin", maintain_order=True).agg(pl.col(ms).sum())
    exprs = []
    for m in ms:
        for sex in SEXES:
            exprs.append(pl.col(m).filter(pl.col("jenis_kelamin") == sex).sum().alias(f"{m}_{sex}"))
        exprs.append(pl.col(m).sum().alias(f"{m}_{TOTAL_SEX}"))
    return sums.group_by(keys, maintain_order=True).agg(exprs).sort(keys[0])


def _grouped_columns(ctx: ReportContext, lead: list[Column], ms: list[str]
                     ) -> tuple[list[Column], list[tuple[int, int, str]], dict]:
    """Columns, groups and width floors: a group's three columns together hold its caption
    (bold capitals are about 1.2 digit widths each)."""
    cols = list(lead)
    groups = []
    floors = {}
    # A TMS group is captioned by its code alone (the legend above the table names the codes):
    # a caption sets the width of its three columns, and "TMS 8 TPS TIDAK SESUAI" over three
    # one-digit counts would push the table onto one more page width.
    titles = dict(zip(measures(ctx), (c.title for c in measure_columns(ctx))))
    titles.update({f"tms_{k}": f"TMS {k}" for k, _, _ in ctx.tms})
    for caption in (titles[m] for m in ms):
        groups.append((len(cols), 3, caption))
        each = math.ceil((len(caption) * 1.2 + 2) / 3)
        for i in range(3):
            floors[len(cols) + i] = each
        cols += [Column("L", "angka", 9), Column("P", "angka", 9), Column("L+P", "angka", 9)]
    return cols, groups, floors


def tms_legend(ctx: ReportContext) -> list[tuple[str, str]]:
    return note_lines("Kode TMS: " + "; ".join(f"{k} {label}" for k, label, _ in ctx.tms) + ".", width=150)


def _wide_values(r: dict, ms: list[str]) -> list[int]:
    return [r[f"{m}_{sex}"] for m in ms for sex in GROUP_SEXES]


def kecamatan_table(ctx: ReportContext, full: pl.DataFrame, tps: dict[str, int] | None = None) -> Table:
    ms = wide_measures(ctx, full)
    wide = _wide(full, ["kode_kecamatan", "nama_kecamatan"], ms)
    desa_n = dict(full.group_by("kode_kecamatan").agg(pl.col("kode_desa").n_unique()).iter_rows())
    lead = [Column.of("no"), Column.of("kode_wilayah"), Column.of("nama_wilayah_kecamatan"),
            Column("JUMLAH DESA/ KEL.", "angka", 8)]
    if tps is not None:
        lead.append(Column("JUMLAH TPS", "angka", 8))
    cols, groups, floors = _grouped_columns(ctx, lead, ms)
    rows = []
    for i, r in enumerate(wide.iter_rows(named=True), 1):
        extra = [tps.get(r["kode_kecamatan"], 0)] if tps is not None else []
        rows.append([i, r["kode_kecamatan"], r["nama_kecamatan"], desa_n.get(r["kode_kecamatan"], 0), *extra,
                     *_wide_values(r, ms)])
    totals = [[None, None, "JUMLAH", sum(desa_n.values()), *([sum(tps.values())] if tps is not None else []),
               *[sum(row[len(lead) + j] for row in rows) for j in range(3 * len(ms))]]]
    return Table(REKAP_KECAMATAN, "REKAPITULASI PEMUTAKHIRAN DATA PEMILIH PER KECAMATAN", cols, rows, totals=totals,
                 groups=groups, width_floor=floors, print_scale=PRINT_SCALE, title_columns=3,
                 notes=tms_legend(ctx))


def desa_table(ctx: ReportContext, full: pl.DataFrame, tps: dict[str, int] | None = None) -> Table:
    ms = wide_measures(ctx, full)
    wide = _wide(full, ["kode_desa", "nama_desa", "nama_kecamatan"], ms)
    lead = [Column.of("no"), Column.of("kode_wilayah"), Column.of("nama_wilayah_desa"),
            Column.of("nama_wilayah_kecamatan")]
    if tps is not None:
        lead.append(Column("JUMLAH TPS", "angka", 8))
    cols, groups, floors = _grouped_columns(ctx, lead, ms)
    rows = []
    for i, r in enumerate(wide.iter_rows(named=True), 1):
        extra = [tps.get(r["kode_desa"], 0)] if tps is not None else []
        rows.append([i, r["kode_desa"], r["nama_desa"], r["nama_kecamatan"], *extra, *_wide_values(r, ms)])
    totals = [[None, None, "JUMLAH", None, *([sum(tps.values())] if tps is not None else []),
               *[sum(row[len(lead) + j] for row in rows) for j in range(3 * len(ms))]]]
    return Table(REKAP_DESA, "REKAPITULASI PEMUTAKHIRAN DATA PEMILIH PER DESA/KELURAHAN", cols, rows, totals=totals,
                 groups=groups, width_floor=floors, print_scale=PRINT_SCALE, title_columns=3,
                 notes=tms_legend(ctx))


def grafik_table(full: pl.DataFrame) -> Table:
    akhir = (
        full.group_by("kode_kecamatan", "nama_kecamatan", maintain_order=True)
        .agg(
            pl.col("akhir").filter(pl.col("jenis_kelamin") == "L").sum().alias("l"),
            pl.col("akhir").filter(pl.col("jenis_kelamin") == "P").sum().alias("p"),
        )
        .sort("kode_kecamatan")
    )
    rows = [[i, k, n, l, p, l + p] for i, (k, n, l, p) in enumerate(akhir.iter_rows(), 1)]
    cols = [Column.of("no"), Column.of("kode_wilayah"), Column.of("nama_wilayah_kecamatan"), Column.of("l"), Column.of("p"), Column.of("jumlah")]
    totals = [[None, None, "JUMLAH", sum(r[3] for r in rows), sum(r[4] for r in rows), sum(r[5] for r in rows)]]
    return Table(GRAFIK, "JUMLAH PEMILIH AKHIR TRIWULAN PER KECAMATAN", cols, rows, totals=totals,
                 print_scale=100)


def add_chart(wb, table: Table) -> None:
    ws = wb[GRAFIK]
    header = table.header_row
    last = header + len(table.rows)
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = "Pemilih akhir triwulan per kecamatan"
    chart.y_axis.title = "Pemilih"
    chart.x_axis.title = "Kecamatan"
    # openpyxl 3.1 marks axes as deleted unless told otherwise; then no labels show.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    data = Reference(ws, min_col=4, max_col=5, min_row=header, max_row=max(last, header + 1))
    cats = Reference(ws, min_col=3, min_row=header + 1, max_row=max(last, header + 1))
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.width = 25
    chart.height = 13
    chart.legend.position = "b"
    ws.add_chart(chart, f"A{last + len(table.totals) + 3}")


def continuity_notes(ctx: ReportContext, full: pl.DataFrame, sebelumnya: pl.DataFrame | None) -> list[tuple[str, str]]:
    """This quarter's start against the previous quarter's end, per desa and sex."""
    if sebelumnya is None or sebelumnya.height == 0 or "akhir" not in sebelumnya.columns:
        return []
    prev = sebelumnya.select("kode_desa", "jenis_kelamin", pl.col("akhir").alias("akhir_lalu"))
    both = full.select("kode_desa", "jenis_kelamin", "awal").join(prev, on=["kode_desa", "jenis_kelamin"], how="left")
    differ = both.filter(pl.col("awal") != pl.col("akhir_lalu").fill_null(0)).sort("kode_desa", "jenis_kelamin")
    if differ.height == 0:
        return [("Pemilih awal setiap desa/kelurahan sama dengan pemilih akhir triwulan sebelumnya.", "catatan")]
    return [
        (
            f"Pemilih awal di {ctx.desa_phrase(kode)} ({jk}) {fmt_count(awal)} tidak sama dengan pemilih akhir "
            f"triwulan sebelumnya {fmt_count(lalu or 0)}.",
            "catatan_merah",
        )
        for kode, jk, awal, lalu in differ.iter_rows()
    ]


def rekonsiliasi_table(ctx: ReportContext, full: pl.DataFrame, sebelumnya: pl.DataFrame | None = None) -> Table:
    rows = []
    gaps: list[str] = []
    gap_desa = set()
    by_desa: dict[str, dict[str, dict[str, int]]] = {}
    for i, r in enumerate(full.iter_rows(named=True), 1):
        hitungan = r["awal"] + r["baru"] - r["tms"] + r["pindah_masuk"] - r["pindah_keluar"]
        status = "SESUAI" if r["selisih"] == 0 else "SELISIH"
        rows.append([
            i, r["kode_desa"], r["nama_desa"], r["nama_kecamatan"], r["jenis_kelamin"], r["awal"], r["baru"],
            r["tms"], r["pindah_masuk"], r["pindah_keluar"], hitungan, r["akhir"], r["selisih"], status,
        ])
        by_desa.setdefault(r["kode_desa"], {})[r["jenis_kelamin"]] = {"akhir": r["akhir"], "selisih": r["selisih"]}
    for kode, by_sex in by_desa.items():
        sentences = gap_sentences(ctx, kode, by_sex)
        if sentences:
            gap_desa.add(kode)
            gaps.extend(sentences)
    if gaps:
        notes = [(
            f"Tidak semua jumlah sesuai: {fmt_count(len(gaps))} selisih di {fmt_count(len(gap_desa))} "
            f"desa/kelurahan (pemeriksaan: awal + baru \u2212 TMS + pindah masuk \u2212 pindah keluar = akhir).",
            "catatan_merah",
        )] + [(g, "catatan_merah") for g in gaps]
    else:
        notes = [(
            f"Semua {fmt_count(len(by_desa))} desa/kelurahan sesuai: awal + baru \u2212 TMS + pindah masuk "
            f"\u2212 pindah keluar = akhir, untuk laki-laki dan perempuan.",
            "catatan",
        )]
    notes += continuity_notes(ctx, full, sebelumnya)
    cols = [
        Column.of("no"), Column.of("kode_wilayah"), Column.of("nama_wilayah_desa"), Column.of("nama_wilayah_kecamatan"),
        Column("JENIS KELAMIN", "teks", 9), Column.of("awal"), Column.of("baru"), Column.of("tms"),
        Column.of("pindah_masuk"), Column.of("pindah_keluar"), Column.of("hitungan_akhir"), Column.of("akhir"),
        Column.of("selisih"), Column.of("status_rekonsiliasi"),
    ]
    return Table(REKONSILIASI, "REKONSILIASI JUMLAH PEMILIH PER DESA/KELURAHAN", cols, rows, notes=notes,
                 print_scale=PRINT_SCALE, title_columns=3)


def write_rekap(
    ctx: ReportContext,
    rekap: pl.DataFrame,
    desa: pl.DataFrame,
    verifikasi: pl.DataFrame,
    path: Path,
    sebelumnya: pl.DataFrame | None = None,
    perubahan: pl.DataFrame | None = None,
    rows: QuarterRows | None = None,
) -> Path:
    full = complete_rekap(ctx, rekap, desa)
    heading = ctx.heading(ctx.kabupaten_line())
    wb = new_workbook()
    # The kabupaten summary comes first: it is page 1 of the printed recap.
    write_table(wb, heading, ringkasan_table(ctx, full, perubahan, rows, desa))
    tps_desa = tps_kec = None
    if rows is not None and rows.aktif.height and "tps" in rows.aktif.columns:
        tps_desa, tps_kec, _ = tps_counts(rows.aktif, desa)
    write_table(wb, heading, kecamatan_table(ctx, full, tps_kec))
    write_table(wb, heading, desa_table(ctx, full, tps_desa))
    grafik = grafik_table(full)
    write_table(wb, heading, grafik)
    add_chart(wb, grafik)
    write_table(wb, heading, rekonsiliasi_table(ctx, full, sebelumnya))
    # One WILAYAH column rather than DESA and KECAMATAN: those captions are inbox aliases, and
    # this sheet, returned on its own, must read as a `keputusan` file with nothing else in it.
    wilayah = {k: f"{ctx.desa_phrase(k)}, Kecamatan {v[3]}" for k, v in ctx.desa.items()}
    queue = verifikasi.with_columns(
        pl.col("kode_desa_laporan").replace_strict(wilayah, default=None, return_dtype=pl.Utf8).alias("wilayah")
    ).sort("kode_desa_laporan", "id_verifikasi", nulls_last=True)
    write_table(wb, heading, verifikasi_table(ctx, queue, extra=("wilayah",)))
    return save_workbook(wb, path, ctx.dibuat, "REKAPITULASI PEMUTAKHIRAN DATA PEMILIH BERKELANJUTAN")

