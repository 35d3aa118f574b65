"""Shared look of every workbook: captions, title block, table styles, print setup, safe cells,
and a save that gives the same bytes for the same data."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import Any, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.datavalidation import DataValidation

from reports.texts import (  # noqa: F401  (the words of a report, re-exported for the writers)
    BULAN,
    FORMULA_STARTS,
    ROMAWI,
    Caption,
    Column,
    Heading,
    captions,
    clean_text,
    columns,
    nama_triwulan,
    safe_file_name,
    stamp_of,
    tanggal_panjang,
    waktu_dibuat,
    width_of,
)
from reports.xlsx_io import (  # noqa: F401
    MemorySheetWriter, Row, SheetLook, StampedZip, new_workbook, rows_as_given, save_workbook,
)

# Title block: KPU line, report name, area, quarter, tanggal acuan, dibuat; then a blank row.
TITLE_ROWS = 6
DATE_FORMAT = "dd-mm-yyyy"
# Thousands grouped the Indonesian way (1.234) whatever the reader's own locale: [$-421] is id-ID.
INT_FORMAT = "[$-421]#,##0"
MIN_WIDTH = 4
# Column widths count digit widths of the body font; a bold capital in the header is wider.
HEADER_CHAR = 1.3
LINE_HEIGHT = 15  # points per text line at the body font size
PAPER_A4 = 9  # the ECMA-376 paper size code of A4

# ---------------------------------------------------------------------------------------------
# Styles. Style arrays are built once per workbook and shared by the cells that use them:
# assigning font/border/format per cell costs a lookup each time, which matters at
# hundreds of thousands of cells.

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_TOTAL_FILL = PatternFill("solid", fgColor="EDEDED")
_NUMBER_FORMATS = {"nik": "@", "tanggal": DATE_FORMAT, "angka": INT_FORMAT, "nomor": "0", "desimal": "0.00"}


_FONTS = {
    "judul1": Font(bold=True, size=14),
    "judul2": Font(bold=True, size=12),
    "judul": Font(size=11),
    "catatan": Font(bold=True, size=11),
    "catatan_merah": Font(bold=True, size=11, color="C00000"),
    "header": Font(bold=True),
    "total": Font(bold=True),
}
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
# A column group's caption is centred over its L / P / L+P columns without merging cells
# (write-only sheets cannot merge, and merged cells break sorting and filters).
_GROUP_ALIGNMENT = Alignment(horizontal="centerContinuous", vertical="center")
_DATA_ALIGNMENT = {False: Alignment(vertical="top"), True: Alignment(vertical="top", wrap_text=True)}


class WorkbookStyles:
    """Style arrays of one workbook and their ids, keyed by (role, kind, wrap, quote)."""

    def __init__(self, wb: Workbook) -> None:
        self._wb = wb
        self._cache: dict[tuple, tuple[Any, int]] = {}

    @staticmethod
    def of(wb: Workbook) -> "WorkbookStyles":
        styles = getattr(wb, "_pdpb_styles", None)
        if styles is None:
            styles = WorkbookStyles(wb)
            wb._pdpb_styles = styles
        return styles

    def get(self, role: str, kind: str = "teks", wrap: bool = False, quote: bool = False) -> tuple[Any, int]:
        key = (role, kind, wrap, quote)
        found = self._cache.get(key)
        if found is None:
            cell = WriteOnlyCell(self._wb.worksheets[0])
            if role in _FONTS:
                cell.font = _FONTS[role]
            if role in ("header", "grup"):
                cell.font = _FONTS["header"]
                cell.fill = _HEADER_FILL
                cell.border = _BORDER
                cell.alignment = _HEADER_ALIGNMENT if role == "header" else _GROUP_ALIGNMENT
            elif role in ("data", "total", "isian"):
                cell.border = _BORDER
                cell.alignment = _DATA_ALIGNMENT[wrap]
                if role == "total":
                    cell.fill = _TOTAL_FILL
                elif role == "isian":
                    cell.fill = _INPUT_FILL
                fmt = _NUMBER_FORMATS.get(kind)
                if fmt:
                    cell.number_format = fmt
            if quote:
                cell.quotePrefix = True
            found = (cell._style, cell.style_id)
            self._cache[key] = found
        return found


# ---------------------------------------------------------------------------------------------
# One table sheet.

@dataclass
class Table:
    """A sheet: title block, optional note lines, header row, data rows, optional total rows."""

    name: str
    report_name: str
    columns: list[Column]
    rows: Sequence[Sequence[Any]]
    notes: list[tuple[str, str]] = field(default_factory=list)  # (text, role)
    totals: Sequence[Sequence[Any]] = ()
    input_columns: Sequence[int] = ()  # 0-based columns officials fill in (yellow)
    validations: Sequence[tuple[int, str]] = ()  # (0-based column, "SETUJU,TOLAK")
    width_floor: dict[int, int] = field(default_factory=dict)
    empty_note: str = "Tidak ada data pada triwulan ini."
    # Column groups above the header: (first 0-based column, number of columns, caption).
    groups: Sequence[tuple[int, int, str]] = ()
    # None: shrink to one page wide. A percentage: print at that scale, as many pages wide as
    # needed, with the first `title_columns` columns repeated on each.
    print_scale: int | None = None
    title_columns: int = 0
    bold_rows: frozenset[int] = frozenset()  # 0-based data rows shown like a total (section captions)
    # Smallest printed text size (pt) on A4 landscape fitted to the page width: wide text
    # columns are narrowed (and wrap) until the scale keeps the body font at least this big.
    min_print_pt: float | None = None
    wrap_all: bool = False  # every text cell wraps (cells holding several lines)

    @property
    def all_notes(self) -> list[tuple[str, str]]:
        if not self.rows and self.empty_note:
            return [*self.notes, (self.empty_note, "catatan")]
        return self.notes

    @property
    def header_row(self) -> int:
        notes = self.all_notes
        return TITLE_ROWS + (len(notes) + 1 if notes else 0) + 1 + (1 if self.groups else 0)


def note_lines(text: str, role: str = "catatan", width: int = 95) -> list[tuple[str, str]]:
    """A long note as several note rows: a note is one cell whose text runs over the columns to
    its right, and a line wider than the table widens what is printed (and shrinks the page)."""
    return [(line, role) for line in textwrap.wrap(text, width)] or [("", role)]


def _wrap_lines(text: str, width: int) -> int:
    if "\n" in text:
        return sum(_wrap_lines(part, width) for part in text.split("\n"))
    lines, current = 1, 0
    for word in text.split():
        need = len(word) if current == 0 else current + 1 + len(word)
        if need > width and current:
            lines += 1
            current = len(word)
        else:
            current = need
    return lines


def widest_values(table: Table) -> list[int]:
    """Per column, the width of its widest value in the data rows (as `width_of` counts)."""
    out = []
    for i, col in enumerate(table.columns):
        values = [row[i] for row in table.rows]
        if col.kind in ("tanggal", "angka", "desimal"):
            out.append(max((width_of(v, col.kind) for v in values), default=0))
        else:  # every other kind: the length of the value as text
            out.append(max((len(str(v)) for v in values if v is not None), default=0))
    return out


def column_widths(table: Table, widest: list[int] | None = None) -> list[int]:
    """`widest`: widest_values(table), when the caller has it already."""
    widest = widest_values(table) if widest is None else widest
    widths = []
    for i, col in enumerate(table.columns):
        data_width = widest[i]
        for row in table.totals:
            data_width = max(data_width, width_of(row[i], col.kind))
        longest_word = max((len(w) for w in col.title.split()), default=0)
        header_width = math.ceil(longest_word * HEADER_CHAR) + 2
        width = max(min(data_width + 2, col.max_width), header_width, MIN_WIDTH)
        width = max(width, table.width_floor.get(i, 0))
        widths.append(width)
    return widths


# A4 landscape less the 0.4 in side margins, in points; a column of width w (in digits of the
# body font, 7 px for Calibri 11) is w * 7 + 5 pixels, 0.75 pt each.
PRINT_WIDTH_PT = (11.69 - 0.8) * 72


def _column_pt(width: float) -> float:
    return (width * 7 + 5) * 0.75


def group_page_breaks(table: Table, widths: list[int]) -> list[int]:
    """Column breaks (the 1-based column after which a page ends) so that no L/P/L+P group is
    split over two pages when a wide table prints at `print_scale`."""
    if not table.groups or not table.print_scale:
        return []
    # 10 % to spare: LibreOffice and Excel round column widths differently, and a group that
    # does not quite fit would get an automatic break of its own inside it.
    room = 0.9 * PRINT_WIDTH_PT * 100 / table.print_scale
    repeated = sum(_column_pt(w) for w in widths[:table.title_columns])
    breaks, used = [], sum(_column_pt(w) for w in widths[:table.groups[0][0]])
    for start, span, _ in table.groups:
        need = sum(_column_pt(w) for w in widths[start:start + span])
        if used + need > room:
            breaks.append(start)  # the page ends after column `start` (1-based), before the group
            used = repeated
        used += need
    return breaks
BODY_PT = 11  # the workbook's default font size
# A4 landscape (29.7 cm) less the left and right margins (0.4 in each), in screen pixels (96 dpi).
PRINTABLE_PX = (29.7 / 2.54 - 0.8) * 96


def column_px(width: float) -> float:
    """Pixels of a column of `width` characters (Calibri 11: 7 px per digit plus padding)."""
    return width * 7 + 5


def print_pt(widths: Sequence[float]) -> float:
    """Printed size of the body font when the columns are scaled to fit the page width."""
    scale = min(1.0, PRINTABLE_PX / max(sum(column_px(w) for w in widths), 1))
    return BODY_PT * scale


def fit_for_print(widths: list[int], kinds: Sequence[str], min_pt: float, floor: int = 10) -> list[int]:
    """Narrow the widest text columns one character at a time until the printed text is
    at least `min_pt` (text wraps instead of shrinking)."""
    widths = list(widths)
    while print_pt(widths) < min_pt:
        candidates = [i for i, k in enumerate(kinds) if k == "teks" and widths[i] > floor]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def write_table(wb: Workbook, heading: Heading, table: Table) -> None:
    """Write one table sheet (write-only worksheet) with title block, frozen and filtered header,
    fitted widths, A4 landscape print fitted to the page width and page numbers."""
    ws = wb.create_sheet(table.name)
    styles = WorkbookStyles.of(wb)
    ncols = max(len(table.columns), 1)
    last_col = get_column_letter(ncols)
    header_row = table.header_row
    first_data = header_row + 1
    last_data = header_row + len(table.rows)

    widest = widest_values(table)
    widths = column_widths(table, widest)
    if table.min_print_pt:
        widths = fit_for_print(widths, [c.kind for c in table.columns], table.min_print_pt)
    wraps = []
    for i, (col, width) in enumerate(zip(table.columns, widths)):
        # A text column wraps when its widest value does not fit.
        wraps.append(col.kind == "teks" and (table.wrap_all or widest[i] > width - 1))
    header_lines = max((_wrap_lines(c.title, int((w - 1) / HEADER_CHAR)) for c, w in zip(table.columns, widths)), default=1)
    ws.row_dimensions[header_row].height = LINE_HEIGHT * header_lines + 3
    # LibreOffice does not grow a row for wrapped text on opening; give such rows their height.
    wrapped = [i for i, w in enumerate(wraps) if w]
    if wrapped:
        for n, row in enumerate(table.rows):
            # Mixed-case sentences fit more letters per column width than digits do.
            lines = max(_wrap_lines(str(row[i]), int(widths[i] * 1.15) if table.wrap_all else widths[i] - 1)
                        if row[i] is not None else 1 for i in wrapped)
            if lines > 1:
                ws.row_dimensions[first_data + n].height = LINE_HEIGHT * lines

    first_header = header_row - 1 if table.groups else header_row
    if table.groups:
        ws.row_dimensions[first_header].height = LINE_HEIGHT + 3
    ws.print_title_rows = f"{first_header}:{header_row}"
    ws.auto_filter.ref = f"A{header_row}:{last_col}{max(last_data, header_row)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPER_A4
    if table.print_scale is None:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    else:
        ws.page_setup.scale = table.print_scale
        if table.title_columns:
            ws.print_title_cols = f"A:{get_column_letter(table.title_columns)}"
        for col in group_page_breaks(table, widths):
            ws.col_breaks.append(Break(id=col))
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = 0.6
    # The footer ("Halaman 1 dari 3") sits 0.3 in from the edge inside a 0.9 in bottom margin:
    # LibreOffice takes the footer's room out of the margin and cut it off at 0.6 in.
    ws.page_margins.bottom = 0.9
    ws.page_margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    # Frozen panes, fit to the page width (else the scale above) and the page number footer.
    look = SheetLook(freeze=f"{get_column_letter(table.title_columns + 1)}{first_data}",
                     fit_to_page=table.print_scale is None, footer="Halaman &P dari &N")
    # Column widths, row heights and frozen panes are written before the first row.
    ws._writer = MemorySheetWriter(ws, styles, widths, look)
    ws._writer.write_top()
    ws._values_to_row = rows_as_given

    def row(values: Sequence[Any], roles: Sequence[str], kinds: Sequence[str], wraps: Sequence[bool]) -> Row:
        return Row(values, tuple(zip(roles, kinds, wraps)))

    one = ["teks"], [False]
    lines = heading.lines(table.report_name)
    for text, role in zip(lines, ["judul1", "judul2", "judul", "judul", "judul"]):
        ws.append(row([text], [role], *one))
    ws.append(Row())
    if table.all_notes:
        for text, role in table.all_notes:
            ws.append(row([text], [role], *one))
        ws.append(Row())

    n = len(table.columns)
    if table.groups:
        captions_row: list[Any] = [None] * n
        for start, span, caption in table.groups:
            captions_row[start] = caption
        ws.append(row(captions_row, ["grup"] * n, ["teks"] * n, [False] * n))
    ws.append(row([c.title for c in table.columns], ["header"] * n, ["teks"] * n, [True] * n))
    kinds = [c.kind for c in table.columns]
    inputs = set(table.input_columns)
    # One style tuple for all data rows (and one for the bold ones): the writer resolves it once.
    data_columns = tuple(zip(["isian" if i in inputs else "data" for i in range(n)], kinds, wraps))
    bold_columns = tuple(zip(["total"] * n, kinds, wraps))
    for i, values in enumerate(table.rows):
        ws.append(Row(values, bold_columns if i in table.bold_rows else data_columns))
    for values in table.totals:
        ws.append(row(values, ["total"] * n, kinds, [False] * n))

    for col_index, options in table.validations:
        letter = get_column_letter(col_index + 1)
        dv = DataValidation(
            type="list",
            formula1=f'"{options}"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Isian tidak sah",
            error=f"Pilih salah satu: {options.replace(',', ' atau ')}.",
            promptTitle="Keputusan",
            prompt=f"Pilih {options.replace(',', ' atau ')}.",
            showInputMessage=True,
        )
        # Cover the listed rows, and at least one row when the list is empty.
        dv.sqref = f"{letter}{first_data}:{letter}{max(last_data, first_data)}"
        ws.data_validations.append(dv)
