"""Writing xlsx fast and reproducibly: rows streamed as raw XML, and a zip whose bytes depend only
on the data (fixed timestamps), so the same quarter gives the same files."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any, Sequence
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import LXML, Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.packaging.extended import ExtendedProperties
from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.styles.differential import DifferentialStyleList
from openpyxl.styles.named_styles import NamedStyleList
from openpyxl.styles.table import TableStyleList
from openpyxl.styles.stylesheet import write_stylesheet
from openpyxl.workbook._writer import WorkbookWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.writer.theme import theme_xml
from openpyxl.xml.constants import ARC_APP, ARC_CORE, ARC_ROOT_RELS, ARC_STYLE, ARC_THEME, ARC_WORKBOOK, ARC_WORKBOOK_RELS
from openpyxl.xml.functions import tostring

from reports.texts import FORMULA_STARTS, MAX_TEXT, clean_text, stamp_of


class Row(list):
    """A row's values, and per column its style (role, kind, wrap), serialized straight to sheet
    XML. The data rows of a table share one `columns` tuple."""

    def __init__(self, values: Sequence[Any] = (), columns: tuple[tuple[str, str, bool], ...] = ()) -> None:
        super().__init__(values)
        self.columns = columns


def prepare_value(value: Any, kind: str) -> tuple[Any, bool]:
    """The value as the cell will hold it, and whether it needs the quote prefix: text that
    starts like a formula stays text, whatever it says."""
    if value is None:
        return None, False
    if kind == "nik" and not isinstance(value, str):
        value = str(value)
    if isinstance(value, str):
        value = clean_text(value)
        if not value:
            return None, False
        return value, value.startswith(FORMULA_STARTS)
    if isinstance(value, bool) or isinstance(value, int):
        return value, False
    if isinstance(value, float):
        return (value if math.isfinite(value) else None), False
    if isinstance(value, datetime):
        return (value.replace(tzinfo=None) if value.tzinfo is not None else value), False
    if isinstance(value, date):
        return value, False
    if isinstance(value, Decimal):
        return float(value), False
    text = clean_text(str(value))
    return text, text.startswith(FORMULA_STARTS)


_NEEDS_ESCAPE = re.compile(r"[&<>\r]|[^\x00-\x7f]")
# What clean_text removes, what needs escaping, and anything beyond ASCII.
_UNUSUAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f&<>\r]|[^\x00-\x7f]")


def _text_xml(value: str) -> str:
    """Text as lxml writes it: &, < and > escaped, a carriage return as a reference (a parser
    would fold it into a line feed), every character beyond ASCII as a numeric reference."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return escape(value).replace("\r", "&#13;").encode("ascii", "xmlcharrefreplace").decode("ascii")


def _cell_xml(ref: str, style: str, value: Any) -> str:
    """One cell, byte for byte as openpyxl's lxml path (cell/_writer.py) writes it."""
    if value is None:
        return f'<c r="{ref}"{style} t="n"></c>'
    if isinstance(value, str):
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_text_xml(value)}</t></is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{style} t="n"><v>{value:.16g}</v></c>'
    # date or datetime: Excel's serial day number under the date format of the style
    return f'<c r="{ref}"{style} t="n"><v>{to_excel(value):.16g}</v></c>'


def _raw_sink(xf, out: BytesIO):
    """Where ready row XML goes: into the sheet's buffer, once lxml has flushed its own. None
    without lxml: openpyxl then writes through et_xmlfile, and rows take openpyxl's cell path."""
    if not LXML:
        return None

    def write(text: str) -> None:
        xf.flush()
        out.write(text.encode("ascii"))

    return write


_UNSET = object()


@dataclass(frozen=True)
class SheetLook:
    """What a table sheet sets of its properties, views and footer: the frozen panes (top-left
    cell of the scrolling part), fit to the page width or not, the footer's centre text. The
    sheet writer writes them as openpyxl would, from XML serialized once per distinct look:
    building those objects for every sheet costs more than the rows of most sheets."""

    freeze: str
    fit_to_page: bool
    footer: str

    def apply(self, ws) -> None:
        ws.freeze_panes = self.freeze
        ws.sheet_properties.pageSetUpPr.fitToPage = self.fit_to_page
        ws.oddFooter.center.text = self.footer


@lru_cache(maxsize=64)
def _look_xml(look: SheetLook) -> tuple[str, str, str]:
    """(sheet properties, sheet views, header and footer) of a sheet with `look`, as openpyxl writes them."""
    ws = Workbook(write_only=True).create_sheet()
    look.apply(ws)
    header = tostring(ws.HeaderFooter.to_tree()).decode("ascii") if ws.HeaderFooter else ""  # none without text
    return tostring(ws.sheet_properties.to_tree()).decode("ascii"), tostring(ws.views.to_tree()).decode("ascii"), header


class MemorySheetWriter(WorksheetWriter):
    """Keeps a write-only sheet's XML in memory (no temporary file per sheet) and writes the
    rows of a table as ready XML, the same bytes openpyxl's cells would give: openpyxl's
    per-cell work costs most of the time of hundreds of small workbooks."""

    def __init__(self, ws, styles, widths: Sequence[float] = (), look: SheetLook | None = None) -> None:
        # styles: reports.style.WorkbookStyles
        super().__init__(ws, out=BytesIO())
        self._widths = tuple(widths)  # of columns A, B, ...: written by write_cols
        self._look = look
        self._style = styles.get
        self._letters: list[str] = []
        # (role, kind, wrap) -> [kind, style attribute without quote prefix, with it]
        self._slots: dict[tuple, list] = {}
        self._columns: tuple = ()
        self._column_slots: list[list] = []
        self._date_types: set[type] = set()

    def cleanup(self) -> None:
        pass

    def _raw(self):
        """Where ready XML goes at this point of the sheet (None without lxml)."""
        xf = self.xf.send(True)
        self.xf.send(None)  # the stream drops what is sent right after it hands out its writer
        return _raw_sink(xf, self.out)

    def _look_part(self, index: int, fallback) -> None:
        """Part `index` of the sheet's look (properties, views, header and footer) as ready XML."""
        raw = self._raw() if self._look is not None else None
        if raw is None:
            if self._look is not None:  # once: frozen panes set twice add selections
                self._look.apply(self.ws)
                self._look = None
            return fallback()
        raw(_look_xml(self._look)[index])

    def write_properties(self) -> None:
        self._look_part(0, super().write_properties)

    def write_views(self) -> None:
        self._look_part(1, super().write_views)

    def write_header(self) -> None:
        self._look_part(2, super().write_header)

    def write_cols(self) -> None:
        """The column widths, byte for byte as openpyxl's column dimensions write them (a
        custom width each, in column order), without building a dimension object per column."""
        if not self._widths:
            return super().write_cols()
        raw = self._raw()
        if raw is None:  # another XML backend: through openpyxl's dimensions
            for i, width in enumerate(self._widths, 1):
                self.ws.column_dimensions[get_column_letter(i)].width = width
            return super().write_cols()
        # A zero width is no custom width: openpyxl leaves such a column out.
        cols = "".join(f'<col width="{float(w):.16g}" customWidth="1" min="{i}" max="{i}"/>'
                       for i, w in enumerate(self._widths, 1) if w)
        if cols:
            raw(f"<cols>{cols}</cols>")

    def _letters_for(self, n: int) -> list[str]:
        while len(self._letters) < n:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters

    def _slots_of(self, columns: tuple) -> list[list]:
        if columns is not self._columns:
            self._columns = columns
            self._column_slots = [self._slots.setdefault(c, [c[1], _UNSET, _UNSET]) for c in columns]
        return self._column_slots

    def _style_attr(self, slot: list, quote: bool, column: tuple) -> str | None:
        """' s="3"', or '' for the default style, which openpyxl leaves out (None: and skips an
        empty cell of it altogether). Styles are looked up as cells first need them: the order
        gives their ids in styles.xml."""
        array, sid = self._style(*column, quote)
        found = f' s="{sid}"' if array is not None and any(array) else None
        slot[2 if quote else 1] = found
        return found

    def write_row(self, xf, row, row_idx):
        raw = _raw_sink(xf, self.out)
        if not isinstance(row, Row):
            return super().write_row(xf, row, row_idx)
        if raw is None:  # another XML backend: go through openpyxl cells
            cells = []
            for col, (value, column) in enumerate(zip(row, row.columns), 1):
                value, quote = prepare_value(value, column[1])
                cell = WriteOnlyCell(self.ws, value)
                if isinstance(value, str):
                    cell.data_type = "s"
                cell._style = self._style(*column, quote)[0]
                cell.column, cell.row = col, row_idx
                cells.append(cell)
            return super().write_row(xf, cells, row_idx)
        attrs = f' r="{row_idx}"'
        dims = self.ws.row_dimensions
        if row_idx in dims:
            attrs += "".join(f' {k}="{v}"' for k, v in dims[row_idx])
        parts = [f"<row{attrs}>"]
        columns = row.columns
        slots = self._slots_of(columns)
        for letter, value, slot, column in zip(self._letters_for(len(row)), row, slots, columns):
            if type(value) is str and value and len(value) <= MAX_TEXT and _UNUSUAL.search(value) is None:
                # Most cells: plain ASCII text, with nothing to clean or escape.
                quote = value.startswith(FORMULA_STARTS)
                style = slot[2] if quote else slot[1]
                if style is _UNSET:
                    style = self._style_attr(slot, quote, column)
                space = ' xml:space="preserve"' if value != value.strip() else ""
                parts.append(f'<c r="{letter}{row_idx}"{style or ""} t="inlineStr"><is><t{space}>{value}</t></is></c>')
                continue
            value, quote = prepare_value(value, slot[0])
            if isinstance(value, date) and type(value) not in self._date_types:
                # openpyxl's cell gives a date the format of its type before the style replaces
                # it, and the workbook keeps that format in styles.xml: bind one such cell.
                WriteOnlyCell(self.ws, value)
                self._date_types.add(type(value))
            style = slot[2] if quote else slot[1]
            if style is _UNSET:
                style = self._style_attr(slot, quote, column)
            if style is None:
                if value is None:
                    continue
                style = ""
            parts.append(_cell_xml(f"{letter}{row_idx}", style, value))
        parts.append("</row>")
        raw("".join(parts))


def rows_as_given(row, row_idx):
    return row


# ---------------------------------------------------------------------------------------------
# Workbook life cycle.


class _Writer(ExcelWriter):
    """openpyxl's ExcelWriter (3.1.5, pinned), with styles.xml and app.xml serialized once per
    distinct content: a quarter's hundreds of workbooks share a few style tables, and building
    the stylesheet tree was a good part of every save."""

    def write_data(self):
        wb = self.workbook
        key = _style_key(wb)
        if key is None or wb.loaded_theme or len(wb.custom_doc_props) or wb.vba_archive:
            return super().write_data()
        archive = self._archive
        archive.writestr(ARC_APP, _app_xml())
        archive.writestr(ARC_CORE, tostring(wb.properties.to_tree()))
        archive.writestr(ARC_THEME, theme_xml)
        self._write_worksheets()
        self._write_chartsheets()
        self._write_images()
        self._write_charts()
        self._write_external_links()
        styles = _STYLESHEETS.get(key)
        if styles is None:
            if len(_STYLESHEETS) >= _MAX_STYLESHEETS:
                _STYLESHEETS.clear()
            styles = _STYLESHEETS[key] = tostring(write_stylesheet(wb))
        archive.writestr(ARC_STYLE, styles)
        writer = WorkbookWriter(wb)
        archive.writestr(ARC_ROOT_RELS, writer.write_root_rels())
        archive.writestr(ARC_WORKBOOK, writer.write())
        archive.writestr(ARC_WORKBOOK_RELS, writer.write_rels())
        self.manifest._write(archive, wb)


_STYLESHEETS: dict[tuple, bytes] = {}
_MAX_STYLESHEETS = 256  # a long-running process (pdpb serve) keeps only so many


@lru_cache(maxsize=1)
def _app_xml() -> bytes:
    return tostring(ExtendedProperties().to_tree())


def _style_key(wb: Workbook) -> tuple | None:
    """Everything openpyxl's write_stylesheet reads, as a key; None for a workbook with named
    or differential styles or its own colours (none of the reports has them)."""
    if len(wb._named_styles) != 1 or wb._differential_styles.styles or wb._colors is not COLOR_INDEX:
        return None
    return (
        tuple(wb._fonts), tuple(wb._fills), tuple(wb._borders), tuple(wb._number_formats),
        tuple(wb._alignments), tuple(wb._protections), tuple(tuple(s) for s in wb._cell_styles),
        wb._named_styles[0], wb._table_styles,
    )


class _ReportWorkbook(Workbook):
    """A write-only Workbook whose starting style tables are copies of a fresh workbook's, made
    once: openpyxl builds them by hashing its default style objects again for every workbook."""

    def _setup_styles(self) -> None:
        fresh = _fresh_styles()
        for name in _STYLE_TABLES:
            setattr(self, name, _copy_indexed(getattr(fresh, name)))
        self._date_formats = {}
        self._timedelta_formats = {}
        self._colors = COLOR_INDEX
        # The default named style (Normal), bound to the fresh workbook whose tables these copy;
        # no report changes it.
        self._named_styles = NamedStyleList(fresh._named_styles)
        self._table_styles = TableStyleList()
        self._differential_styles = DifferentialStyleList()


_STYLE_TABLES = ("_fonts", "_alignments", "_borders", "_fills", "_number_formats", "_protections", "_cell_styles")


@lru_cache(maxsize=1)
def _fresh_styles() -> Workbook:
    return Workbook(write_only=True)


def _copy_indexed(table: IndexedList) -> IndexedList:
    """The same list and index, without hashing its values again."""
    copy = IndexedList()
    list.extend(copy, table)
    copy._dict = dict(table._dict)
    copy.clean = table.clean
    return copy


def new_workbook() -> Workbook:
    return _ReportWorkbook(write_only=True)


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
    _Writer(wb, archive).save()
    path.parent.mkdir(parents=True, exist_ok=True)
    # One write of the finished bytes: no half-written workbook is left if saving fails.
    path.write_bytes(buffer.getvalue())
    return path
