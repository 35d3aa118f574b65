"""Writing xlsx fast and reproducibly: rows streamed as raw XML, and a zip whose bytes depend only
on the data (fixed timestamps), so the same quarter gives the same files."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

from reports.texts import stamp_of


class Row(list):
    """A row of (value, style key) pairs, serialized straight to sheet XML."""


def _cell_xml(ref: str, sid: int, value: Any) -> str:
    if value is None:
        return f'<c r="{ref}" s="{sid}"/>'
    if isinstance(value, str):
        stripped = value.strip()
        space = ' xml:space="preserve"' if stripped and stripped != value else ""
        return f'<c r="{ref}" s="{sid}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" s="{sid}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}" s="{sid}" t="n"><v>{value}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}" s="{sid}" t="n"><v>{value:.16g}</v></c>'
    # date or datetime: Excel's serial day number under the date format of the style
    return f'<c r="{ref}" s="{sid}" t="n"><v>{_serial(value)}</v></c>'


_EXCEL_EPOCH = date(1899, 12, 30)


def _serial(value: date) -> str:
    if isinstance(value, datetime):
        return f"{to_excel(value):.16g}"
    days = (value - _EXCEL_EPOCH).days
    # Excel counts a 29 February 1900 that never was; openpyxl shifts the days before it.
    return str(days - 1 if 0 < days <= 60 else days)


def _raw_sink(xf):
    """The text sink of et_xmlfile's incremental writer (None with another XML backend)."""
    return getattr(xf, "_file", None)


class MemorySheetWriter(WorksheetWriter):
    """Keeps a write-only sheet's XML in memory (no temporary file per sheet) and writes the
    rows of a table as ready XML: openpyxl's per-cell element tree costs most of the time of
    hundreds of small workbooks. When lxml is installed (python-docx brings it) openpyxl writes
    through lxml instead and rows take the per-cell path below."""

    def __init__(self, ws, styles) -> None:  # styles: reports.style.WorkbookStyles
        super().__init__(ws, out=BytesIO())
        self._style = styles.get
        self._letters: list[str] = []

    def cleanup(self) -> None:
        pass

    def _letter(self, col: int) -> str:
        while len(self._letters) < col:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters[col - 1]

    def write_row(self, xf, row, row_idx):
        raw = _raw_sink(xf)
        if not isinstance(row, Row):
            return super().write_row(xf, row, row_idx)
        if raw is None:  # another XML backend: go through openpyxl cells
            cells = []
            for col, (value, key) in enumerate(row, 1):
                cell = WriteOnlyCell(self.ws, value)
                if isinstance(value, str):
                    cell.data_type = "s"
                cell._style = self._style(*key)[0]
                cell.column, cell.row = col, row_idx
                cells.append(cell)
            return super().write_row(xf, cells, row_idx)
        attrs = f' r="{row_idx}"'
        dims = self.ws.row_dimensions
        if row_idx in dims:
            attrs += "".join(f' {k}="{v}"' for k, v in dims[row_idx])
        parts = [f"<row{attrs}>"]
        for col, (value, key) in enumerate(row, 1):
            parts.append(_cell_xml(f"{self._letter(col)}{row_idx}", self._style(*key)[1], value))
        parts.append("</row>")
        raw("".join(parts))


def rows_as_given(row, row_idx):
    return row


# ---------------------------------------------------------------------------------------------
# Workbook life cycle.


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


class StampedZip(ZipFile):
    """A zip whose entries all carry one fixed time, so equal content gives equal bytes."""

    def __init__(self, file, stamp: datetime) -> None:
        # Light compression: the parts are small and hundreds of workbooks are written per run.
        super().__init__(file, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=1)
        self._date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, ZipInfo):
            zinfo = ZipInfo(zinfo_or_arcname, date_time=self._date_time)
            zinfo.compress_type = self.compression
            zinfo.external_attr = 0o600 << 16
            zinfo_or_arcname = zinfo
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl adds sheets from files (whose mtime would leak in) or, here, from memory.
        if isinstance(filename, BytesIO):
            self.writestr(arcname, filename.getvalue(), compress_type, compresslevel)
            return
        with open(filename, "rb") as fh:
            self.writestr(arcname or str(filename), fh.read(), compress_type, compresslevel)


def save_workbook(wb: Workbook, path: Path, dibuat: datetime, title: str) -> Path:
    """Save with document times set to `dibuat` and fixed zip entry times; write the file at once."""
    stamp = stamp_of(dibuat)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "pdpb"
    wb.properties.lastModifiedBy = None
    wb.properties.title = title
    wb.properties.language = "id-ID"
    if not wb.worksheets:
        wb.create_sheet()
    buffer = BytesIO()
    archive = StampedZip(buffer, stamp)
    # Workbook.save would stamp the current time into docProps/core.xml; the writer does not.
    ExcelWriter(wb, archive).save()
    path.parent.mkdir(parents=True, exist_ok=True)
    # One write of the finished bytes: no half-written workbook is left if saving fails.
    path.write_bytes(buffer.getvalue())
    return path
