"""Decisions as recorded facts (transforms/review.py) and the printed size of the review sheet."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import polars as pl

from tests.support.report_fixtures import small_report_data  # noqa: E402
from reports.style import print_pt  # noqa: E402
from reports.workbooks import write_workbooks  # noqa: E402
from transforms.review import read_decisions  # noqa: E402

Q1 = 8104
NOW = datetime(2026, 4, 2, 9, 0)


def rows(*values: tuple) -> pl.DataFrame:
    return pl.DataFrame(
        [dict(zip(("id_verifikasi", "keputusan", "catatan", "sumber_file", "sumber_sha256", "sheet", "sumber_baris"), v))
         for v in values],
        schema={"id_verifikasi": pl.Utf8, "keputusan": pl.Utf8, "catatan": pl.Utf8, "sumber_file": pl.Utf8,
                "sumber_sha256": pl.Utf8, "sheet": pl.Utf8, "sumber_baris": pl.Int64},
    )


def recorded_after(reading, before: pl.DataFrame | None = None) -> pl.DataFrame:
    new = reading.new_rows
    return new if before is None else pl.concat([before, new], how="vertical_relaxed")


def test_decisions_are_recorded_once_and_kept_when_the_file_is_gone():
    empty = pl.DataFrame(schema={"urutan": pl.Int64, "kuartal": pl.Int64})
    first = read_decisions(empty, rows(("VA", "SETUJU", None, "keputusan_a.csv", "h1", None, 2),
                                       ("VB", None, None, "keputusan_a.csv", "h1", None, 3),
                                       ("VC", None, "cek RT", "keputusan_a.csv", "h1", None, 4)),
                           kuartal=Q1, id_run="r1", dibaca_pada=NOW)
    # A blank row is "not decided yet": nothing to remember, and it changes nothing.
    assert first.new_rows["id_verifikasi"].to_list() == ["VA", "VC"]
    assert ("keputusan_a.csv", 3) in first.book.no_change
    recorded = recorded_after(first)
    # The same file read again adds nothing; without it, its decisions still count.
    again = read_decisions(recorded, rows(("VA", "SETUJU", None, "keputusan_a.csv", "h1", None, 2)),
                           kuartal=Q1, id_run="r2", dibaca_pada=NOW)
    assert again.new_rows.height == 0 and again.book.decisions["hadir"].to_list() == [True, False]
    gone = read_decisions(recorded, None, kuartal=Q1, id_run="r3", dibaca_pada=NOW)
    assert gone.book.decisions["id_verifikasi"].to_list() == ["VA", "VC"]
    assert gone.book.latest_notes() == {"VC": "cek RT"}
    # A later decision on the same id comes after the recorded one (the later one wins).
    later = read_decisions(recorded, rows(("VA", "TOLAK", None, "keputusan_b.csv", "h2", "Verifikasi", 9)),
                           kuartal=Q1, id_run="r4", dibaca_pada=NOW)
    assert later.book.decisions.sort("urutan")["keputusan"].to_list() == ["SETUJU", None, "TOLAK"]
    # Next quarter: a row already applied in the previous one changes nothing now.
    next_q = read_decisions(recorded, rows(("VA", "SETUJU", None, "keputusan_a.csv", "h1", None, 2)),
                            kuartal=Q1 + 1, id_run="r5", dibaca_pada=NOW)
    assert next_q.book.decisions.height == 0 and ("keputusan_a.csv", 2) in next_q.book.no_change


def test_review_sheet_prints_at_8_pt_or_more(tmp_path):
    data = small_report_data()
    long_reason = "; ".join(["nama 0,93; umur selisih 1 th; jk sama; desa sama; perlu verifikasi: 3 calon mirip"] * 4)
    data = type(data)(**{**data.__dict__, "verifikasi": data.verifikasi.with_columns(pl.lit(long_reason).alias("alasan"))})
    write_workbooks(data, tmp_path, workers=1)
    for path in [tmp_path / "rekap_kabupaten.xlsx", *sorted((tmp_path / "desa").glob("*.xlsx"))[:3]]:
        ws = openpyxl.load_workbook(path)["Verifikasi"]
        widths = [d.width for d in ws.column_dimensions.values()]
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert print_pt(widths) >= 8.5, (path.name, widths)  # LibreOffice prints ~2 % smaller than this model
        header = next(r[0].row for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == "NO")
        captions = [c.value for c in ws[header]]
        assert {"ID VERIFIKASI", "KEPUTUSAN", "CATATAN", "AKIBAT KEPUTUSAN", "DATA PEMBANDING"} <= set(captions)
        akibat = captions.index("AKIBAT KEPUTUSAN") + 1
        for row in range(header + 1, ws.max_row + 1):
            cell = ws.cell(row, akibat)
            if cell.value:
                assert cell.value.startswith("SETUJU: ") and "\nTOLAK: " in cell.value
                assert cell.alignment.wrap_text
