"""Page 1 of the kabupaten recap: the kabupaten's totals (L/P/L+P), new voters by where they came
from, voters with a disability, and TPS counts where the TPS is known."""

from __future__ import annotations

from datetime import date

import polars as pl

from reports.desa import ReportContext
from reports.model import QuarterRows
from reports.style import Column, Table
from transforms.quarter_state import MARRIED, age_on

RINGKASAN = "Ringkasan Kabupaten"
PEMULA = "Pemilih pemula (genap 17 tahun)"
PENSIUN = "Pensiunan TNI/Polri"
MENIKAH = "Belum 17 tahun, sudah/pernah kawin"
PINDAH = "Pindah datang"
LAINNYA = "Penduduk lain yang belum terdaftar"
SOURCES = (PEMULA, PENSIUN, MENIKAH, PINDAH, LAINNYA)
# The file kinds whose BARU rows say where the voter came from, before age and marriage do.
SOURCE_OF_KIND = {"tni_polri": PENSIUN, "pindah_datang": PINDAH}


def new_voter_source(kind: str | None, born: date | None, status_kawin: str | None, tanggal_acuan: date) -> str:
    """Where a BARU voter came from: the file kind first (a retiree, a newcomer), then age and
    marriage (first-time 17-year-olds, married under 17), else another resident not yet listed."""
    if kind in SOURCE_OF_KIND:
        return SOURCE_OF_KIND[kind]
    age = age_on(born, tanggal_acuan)
    if age is not None and age < 17 and status_kawin in MARRIED:
        return MENIKAH
    if age == 17:
        return PEMULA
    return LAINNYA


def new_voters_by_source(perubahan: pl.DataFrame, kinds: dict[str, str], tanggal_acuan: date) -> dict[str, dict]:
    counts = {s: {"L": 0, "P": 0} for s in SOURCES}
    baru = perubahan.filter(pl.col("kategori") == "BARU")
    for f, born, kawin, jk in baru.select("sumber_file", "tanggal_lahir", "status_kawin", "jenis_kelamin").iter_rows():
        src = new_voter_source(kinds.get(f), born, kawin, tanggal_acuan)
        if jk in ("L", "P"):
            counts[src][jk] += 1
    return counts


def tps_counts(aktif: pl.DataFrame, desa: pl.DataFrame) -> tuple[dict[str, int], dict[str, int], int]:
    """TPS per desa and per kecamatan (distinct TPS numbers among active voters whose TPS is
    known), and the number of active voters whose TPS is known."""
    known = aktif.filter(pl.col("tps").is_not_null() & (pl.col("tps").str.strip_chars() != ""))
    per = known.select("kode_desa", "tps").unique().join(desa.select("kode_desa", "kode_kecamatan"), on="kode_desa")
    by_desa = dict(per.group_by("kode_desa").len().iter_rows())
    by_kec = dict(per.group_by("kode_kecamatan").len().iter_rows())
    return by_desa, by_kec, known.height


def _lp(frame: pl.DataFrame, col: str) -> tuple[int, int]:
    l = int(frame.filter(pl.col("jenis_kelamin") == "L")[col].sum())
    p = int(frame.filter(pl.col("jenis_kelamin") == "P")[col].sum())
    return l, p


def ringkasan_table(ctx: ReportContext, full: pl.DataFrame, perubahan: pl.DataFrame | None,
                    rows: QuarterRows | None, desa: pl.DataFrame) -> Table:
    body: list[list] = []

    def add(label: str, l: int | None, p: int | None) -> None:
        body.append([len([r for r in body if r[0] is not None]) + 1, label, l, p,
                     None if l is None else l + p])

    def section(label: str) -> None:
        body.append([None, label, None, None, None])

    section("REKAPITULASI KABUPATEN/KOTA")
    labels = {f"tms_{k}": f"TMS {k}: {label}" for k, label, _ in ctx.tms}
    wording = [("awal", "DPB triwulan sebelumnya (pemilih awal)"), ("baru", "Pemilih baru"),
               *[(f"tms_{k}", labels[f"tms_{k}"]) for k, _, _ in ctx.tms], ("tms", "TMS jumlah"),
               ("ubah", "Perbaikan data (UBAH)"), ("pindah_masuk", "Pindah masuk (antardesa, koreksi jenis kelamin)"),
               ("pindah_keluar", "Pindah keluar (antardesa, koreksi jenis kelamin)"), ("akhir", "DPB akhir triwulan"),
               ("selisih", "Selisih rekonsiliasi")]
    for key, label in wording:
        add(label, *_lp(full, key))
    if perubahan is not None:
        kinds = dict(rows.berkas.select("sumber_file", "jenis").iter_rows()) if rows is not None else {}
        section("PEMILIH BARU MENURUT SUMBER")
        for src, c in new_voters_by_source(perubahan, kinds, ctx.tanggal_acuan).items():
            add(src, c["L"], c["P"])
    if rows is not None and rows.aktif.height:
        aktif = rows.aktif
        section("PEMILIH DENGAN DISABILITAS (AKHIR TRIWULAN)")
        disab = aktif.filter(pl.col("disabilitas").is_not_null() & (pl.col("disabilitas").str.strip_chars() != ""))
        add("Pemilih dengan disabilitas", disab.filter(pl.col("jenis_kelamin") == "L").height,
            disab.filter(pl.col("jenis_kelamin") == "P").height)
        by_desa, _, known = tps_counts(aktif, desa)
        section("TEMPAT PEMUNGUTAN SUARA (TPS)")
        body.append([None, "Jumlah TPS (yang tercatat pada data pemilih)", None, None, sum(by_desa.values())])
        body.append([None, "Desa/kelurahan dengan TPS tercatat", None, None, len(by_desa)])
        body.append([None, "Pemilih aktif dengan TPS tercatat", None, None, known])
    cols = [Column.of("no"), Column("URAIAN", "teks", 52), Column.of("l"), Column.of("p"), Column.of("jumlah")]
    sections = frozenset(i for i, r in enumerate(body) if r[0] is None and r[2] is None and r[4] is None)
    return Table(RINGKASAN, "RINGKASAN REKAPITULASI DAFTAR PEMILIH BERKELANJUTAN", cols, body, print_scale=100,
                 bold_rows=sections)
