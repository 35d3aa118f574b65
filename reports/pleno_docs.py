"""The documents of the plenary meeting and of its follow-up: the Berita Acara, a workbook back
to every agency (tindak_lanjut/), and the lists for limited house visits (coklit/)."""

from __future__ import annotations

from pathlib import Path

from reports.berita_acara import FILE as BERITA_ACARA, write_berita_acara
from reports.coklit import write_coklit
from reports.model import ReportData
from reports.tindak_lanjut import write_tindak_lanjut
from reports.workbooks import build_context


def write_pleno_documents(data: ReportData, ringkasan: dict, out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    ctx = build_context(data)
    paths = [write_berita_acara(data, ringkasan, out_dir / BERITA_ACARA)]
    paths += write_tindak_lanjut(ctx, data, out_dir)
    paths += write_coklit(ctx, data, out_dir)
    return paths
