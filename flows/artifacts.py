"""Prefect artifacts of a finished quarter: what an analyst sees in the UI without opening a log.

One Markdown summary and two tables per run, under keys that stay the same for a quarter
(`pdpb-ringkasan-2026-q1`, ...), so the UI shows every rerun of a quarter as a new version of
the same artifact. Everything is built from the run's `ringkasan` (reports/tables.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from uuid import UUID

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

ARTIFACT_KINDS = ("ringkasan", "kecamatan", "berkas")
_KEY_RE = re.compile(r"^[a-z0-9-]+$")
_published: set[str] = set()  # flow runs that already published (see publish_artifacts)

STAGE_LABELS = {
    "baca_validasi": "baca dan validasi",
    "cocok": "pencocokan",
    "putuskan": "keputusan",
    "ganda_umur": "· ganda dan di bawah umur",
    "terapkan": "penerapan ke basis data",
    "laporan": "laporan",
    "publikasi": "publikasi",
}


def artifact_key(kind: str, quarter: str) -> str:
    """`pdpb-<kind>-<quarter>` in lowercase: Prefect allows only lowercase letters, digits and dashes."""
    key = f"pdpb-{kind}-{quarter}".lower()
    if not _KEY_RE.match(key):
        raise ValueError(f"kunci artefak tidak sah: {key!r}")
    return key


def artifact_keys(quarter: str) -> dict[str, str]:
    return {kind: artifact_key(kind, quarter) for kind in ARTIFACT_KINDS}


def _n(value: int) -> str:
    """Thousands with a dot, as Indonesian readers write them."""
    return f"{int(value):,}".replace(",", ".")


def _tms_labels() -> dict[str, str]:
    try:
        from flows.settings import load_settings
        from schemas.tables import load_tms

        table = load_tms(load_settings().tms_table)
        return {str(k): label for k, label in table.select("kode", "label").iter_rows()}
    except Exception:  # the labels only decorate the summary; a missing table must not fail a run
        return {}


def summary_markdown(ringkasan: dict, out_dir: Path, durasi: dict | None = None) -> str:
    """The run at a glance, in Bahasa Indonesia: counts, review, quarantine, reconciliation, files."""
    q = ringkasan["kuartal"]
    kab = ringkasan["kabupaten"]
    per = ringkasan["perubahan"]
    ver = ringkasan["verifikasi"]
    rek = ringkasan["rekonsiliasi"]
    out_dir = Path(out_dir).resolve()
    lines = [
        f"# PDPB triwulan {q} — {ringkasan['nama_kabupaten']} ({ringkasan['kode_kabupaten']})",
        "",
        f"Tanggal acuan: **{ringkasan['tanggal_acuan']}**",
        "",
        "## Jumlah pemilih",
        "",
        "| | L | P | Total |",
        "|---|---:|---:|---:|",
    ]
    for key, label in (("awal", "Awal triwulan"), ("baru", "BARU"), ("tms", "TMS"), ("ubah", "UBAH"),
                       ("akhir", "Akhir triwulan")):
        c = kab[key]
        lines.append(f"| {label} | {_n(c['L'])} | {_n(c['P'])} | {_n(c['total'])} |")
    lines += [
        "",
        "## Perubahan yang diterapkan",
        "",
        f"- BARU: {_n(per['BARU'])}",
        f"- TMS: {_n(per['TMS'])}",
        f"- UBAH: {_n(per['UBAH'])}",
        f"- otomatis: {_n(per['otomatis'])}; dari keputusan verifikasi: {_n(per['hasil_verifikasi'])}",
    ]
    if per.get("TMS_per_kode"):
        labels = _tms_labels()
        lines += ["", "| kode TMS | keterangan | jumlah |", "|---:|---|---:|"]
        for kode, n in sorted(per["TMS_per_kode"].items(), key=lambda kv: int(kv[0])):
            lines.append(f"| {kode} | {labels.get(str(kode), '')} | {_n(n)} |")
    lines += [
        "",
        "## Perlu tindakan",
        "",
        f"- **Verifikasi faktual**: {_n(ver['kandidat'])} kandidat dari {_n(ver['baris_sumber'])} baris sumber. "
        "Kandidat ini belum diterapkan; petugas mengisi SETUJU/TOLAK di lembar verifikasi workbook desa, lalu "
        "hasilnya dikirim sebagai berkas `keputusan*` pada run ulang triwulan ini.",
        f"- **Karantina**: {_n(ringkasan['karantina'])} baris masukan ditolak (berkas, baris, kolom, alasan di "
        "`karantina.csv`). Perbaiki ekstraknya lalu jalankan ulang triwulan ini.",
    ]
    if rek["seimbang"]:
        lines.append("- **Rekonsiliasi**: seimbang untuk setiap desa/kelurahan, L dan P.")
    else:
        lines.append(f"- **Rekonsiliasi TIDAK seimbang**: {len(rek['selisih'])} selisih per desa/jenis kelamin "
                     "(lihat `rekonsiliasi` di `ringkasan.json`):")
        for gap in rek["selisih"][:10]:
            lines.append(f"  - {gap['kode_desa']} {gap['nama_desa']} ({gap['jenis_kelamin']}): {gap['selisih']:+d}")
        if len(rek["selisih"]) > 10:
            lines.append(f"  - … dan {len(rek['selisih']) - 10} lainnya")
    berkas = ringkasan.get("berkas", {})
    if berkas:
        lines += [
            "",
            "## Berkas masukan",
            "",
            "| berkas | dibaca | diterapkan | verifikasi | karantina | tanpa perubahan |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, c in berkas.items():
            lines.append(f"| `{name}` | {_n(c['dibaca'])} | {_n(c['diterapkan'])} | {_n(c['verifikasi'])} | "
                         f"{_n(c['karantina'])} | {_n(c['tanpa_perubahan'])} |")
    lines += [
        "",
        "## Laporan",
        "",
        f"Folder: `{out_dir}`",
        "",
        "- `rekap_kabupaten.xlsx` — rekapitulasi untuk rapat pleno",
        "- `desa/` — workbook per desa/kelurahan (rekap, BARU, TMS, UBAH, verifikasi)",
        "- `pengumuman/` — daftar untuk diumumkan di kantor desa (NIK/NKK disamarkan)",
        "- `publik/` — agregat dan gambar untuk kanal publik",
        "- `perubahan.csv`, `verifikasi.csv`, `karantina.csv`, `ringkasan.json`",
    ]
    if durasi:
        lines += ["", "## Durasi per tahap", "", "| tahap | detik |", "|---|---:|"]
        for stage, seconds in durasi.items():
            lines.append(f"| {STAGE_LABELS.get(stage, stage)} | {seconds:.1f} |".replace(".", ","))
    return "\n".join(lines) + "\n"


def kecamatan_table(ringkasan: dict) -> list[dict]:
    """One row per kecamatan (totals of L+P), in code order, for the UI's table view."""
    rows = []
    for kode, k in sorted(ringkasan.get("kecamatan", {}).items()):
        rows.append({
            "kode_kecamatan": kode,
            "kecamatan": k["nama"],
            "awal": k["awal"]["total"],
            "baru": k["baru"]["total"],
            "tms": k["tms"]["total"],
            "ubah": k["ubah"]["total"],
            "pindah_masuk": k["pindah_masuk"]["total"],
            "pindah_keluar": k["pindah_keluar"]["total"],
            "akhir": k["akhir"]["total"],
            "akhir_l": k["akhir"]["L"],
            "akhir_p": k["akhir"]["P"],
            "selisih": k["selisih"]["total"],
        })
    return rows


def berkas_table(ringkasan: dict) -> list[dict]:
    """One row per input file: read = applied + review + quarantined + no change."""
    return [
        {"berkas": name, **{c: int(counts[c]) for c in
                            ("dibaca", "diterapkan", "verifikasi", "karantina", "tanpa_perubahan")}}
        for name, counts in sorted(ringkasan.get("berkas", {}).items())
    ]


def _current_flow_run_id() -> str | None:
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return str(ctx.flow_run.id) if ctx and ctx.flow_run else None


def publish_artifacts(ringkasan: dict, out_dir: Path, durasi: dict | None = None) -> dict[str, UUID]:
    """Publish the summary and the two tables of a successful run; returns artifact ids by key.

    Safe to call twice in one flow run (the quarter flow and the served flow may both call it):
    the second call does nothing, so a run never shows the same artifact twice. Outside a flow
    run (the plain functions, without Prefect) there is nowhere to publish: it does nothing.
    """
    run_id = _current_flow_run_id()
    if run_id is None or run_id in _published:
        return {}
    q = ringkasan["kuartal"]
    keys = artifact_keys(q)
    try:
        ids = _create(ringkasan, out_dir, durasi, q, keys)
    except Exception as exc:  # the quarter is applied and its reports written; a summary must not undo that
        get_run_logger().warning("artefak triwulan %s tidak dapat diterbitkan: %s", q, exc)
        return {}
    _published.add(run_id)
    return ids


def _create(ringkasan: dict, out_dir: Path, durasi: dict | None, q: str, keys: dict[str, str]) -> dict[str, UUID]:
    return {
        keys["ringkasan"]: create_markdown_artifact(
            markdown=summary_markdown(ringkasan, out_dir, durasi),
            key=keys["ringkasan"],
            description=f"Ringkasan PDPB triwulan {q}",
        ),
        keys["kecamatan"]: create_table_artifact(
            table=kecamatan_table(ringkasan),
            key=keys["kecamatan"],
            description=f"Rekap per kecamatan, triwulan {q} (L+P)",
        ),
        keys["berkas"]: create_table_artifact(
            table=berkas_table(ringkasan),
            key=keys["berkas"],
            description=f"Hitungan baris per berkas masukan, triwulan {q}",
        ),
    }


def publish_from_folder(out_dir: Path, durasi: dict | None = None) -> dict[str, UUID]:
    """Publish from a finished quarter's folder (its `ringkasan.json`)."""
    ringkasan = json.loads((Path(out_dir) / "ringkasan.json").read_text(encoding="utf-8"))
    return publish_artifacts(ringkasan, out_dir, durasi)
