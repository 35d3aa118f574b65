"""Reading an .xlsx extract: the sheet with a header, values as the clerk typed them (SPEC §4.2)."""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from schemas.fields import REQUIRED_FIELDS
from transforms.errors import InputError

from transforms.read_common import HEADER_SCAN_ROWS, RawExtract, Header, find_header, finish_extract, short_reason, kind_or_none

# ---------------------------------------------------------------------------------------
# XLSX


def read_xlsx(path: Path) -> RawExtract:
    import fastexcel

    name = path.name
    try:
        if path.stat().st_size == 0:
            raise InputError("berkas kosong", file=name)
        if not zipfile.is_zipfile(path):
            raise InputError("berkas bukan .xlsx yang sah (rusak atau format lain)", file=name)
        reader = fastexcel.read_excel(path)
        sheets = list(reader.sheet_names)
    except InputError:
        raise
    except Exception as exc:  # calamine/zip errors: anything that is not a readable workbook
        raise InputError(f"berkas .xlsx tidak dapat dibaca ({short_reason(exc)})", file=name) from None
    if not sheets:
        raise InputError("workbook tidak berisi sheet", file=name)

    # A sheet that carries every required column of the file's kind wins (a returned desa or
    # recap workbook holds several lists; its review sheet is the `keputusan` one); otherwise
    # the first sheet with a recognizable header.
    required = set(REQUIRED_FIELDS.get(kind_or_none(path) or "", ()))
    fallback = None
    # Visible sheets first: a hidden sheet is often a template or a lookup table.
    hidden = _hidden_sheets(path)
    for sheet in [s for s in sheets if s not in hidden] + [s for s in sheets if s in hidden]:
        # Calamine parses the whole sheet whatever `n_rows` says: load it once, all text.
        try:
            loaded = reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string")
            data = loaded.to_polars()
            available = loaded.available_columns()
        except Exception as exc:
            raise InputError(f"sheet tidak dapat dibaca ({short_reason(exc)})", file=name, sheet=sheet) from None
        if data.width == 0:
            continue
        rows = [list(r) for r in data.head(HEADER_SCAN_ROWS).iter_rows()]
        header = find_header(rows, name, sheet)
        if header is None:
            continue
        # Calamine's range starts at the first used column; the sheet XML counts from A.
        offset = available[0].absolute_index - available[0].index if available else 0
        if required <= set(header.columns):
            return _xlsx_extract(path, reader, sheet, header, data, offset)
        if fallback is None:
            fallback = (sheet, header, data, offset)
    if fallback is not None:
        return _xlsx_extract(path, reader, *fallback)
    raise InputError(
        f"baris judul kolom tidak ditemukan di sheet mana pun ({HEADER_SCAN_ROWS} baris pertama; "
        "harus ada minimal dua kolom yang dikenal, mis. NIK dan NAMA)",
        file=name,
    )


def _xlsx_extract(path: Path, reader, sheet: str, header: Header, data: pl.DataFrame, offset: int) -> RawExtract:
    start = header.index + 1  # frame row of the first data row; its Excel row is start + 1
    fields = list(header.columns)
    frame = data.select(data.columns[header.columns[f]] for f in fields).slice(start)
    frame.columns = fields

    letters = {_column_letters(j + offset): f for f, j in header.columns.items()}
    scan = _scan_sheet_xml(path, sheet, letters)
    if scan is not None and scan.formulas:
        frame = _apply_formulas(frame, scan.formulas, start)

    # A NIK/NKK that Excel stored as a number has lost its 16th digit; the parser must know.
    extra: list[pl.Series] = []
    for field in ("nik", "nkk"):
        if field not in header.columns:
            continue
        if scan is not None and scan.complete:
            numeric_rows = pl.Series(sorted(scan.numeric.get(field, ())), dtype=pl.Int64)
            rows = pl.int_range(start + 1, start + 1 + frame.height, dtype=pl.Int64, eager=True)
            flag = rows.is_in(numeric_rows.implode())
        else:
            flag = _numeric_flags(reader, sheet, header.columns[field] + offset, start, frame.height)
        extra.append(flag.alias(f"{field}_numerik"))
    if extra:
        frame = frame.with_columns(extra)
    return finish_extract(path, sheet, header, frame, first_row=start + 1)


def _numeric_flags(reader, sheet: str, column: int, start: int, height: int) -> pl.Series:
    """Fallback when the sheet XML cannot be scanned: read the column again as boolean —
    calamine turns numeric cells into a value and text cells into null."""
    try:
        flags = reader.load_sheet(
            sheet, header_row=None, skip_rows=0, use_columns=[column], dtypes={column: "boolean"}
        ).to_polars()
        flag = flags.to_series(0).slice(start).is_not_null().to_list()
    except Exception:
        flag = []
    return pl.Series((flag + [False] * height)[:height], dtype=pl.Boolean)


def _column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class _SheetScan:
    numeric: dict[str, set[int]]  # field -> Excel rows whose cell is a number
    formulas: dict[tuple[int, str], str]  # (Excel row, field) -> formula text
    complete: bool  # every cell carried its reference, so `numeric` can be trusted


_CHUNK = 1 << 23


def _scan_sheet_xml(path: Path, sheet: str, letters: dict[str, str]) -> _SheetScan | None:
    """One streaming pass over the sheet XML for what calamine does not tell: which cells of
    the recognized columns are numbers, and the text of formulas.

    Calamine gives a formula's cached result (nothing when the file was not saved by
    Excel); an operator who typed `=...` into a cell meant nothing to be computed, so the
    formula text is what the parser sees.
    """
    member = _sheet_member(path, sheet)
    if member is None or not letters:
        return None
    def alternatives(keys) -> bytes:
        return "|".join(sorted(keys, key=len, reverse=True)).encode()

    key_letters = [k for k, f in letters.items() if f in ("nik", "nkk")]
    # A numeric cell: no `t` attribute or `t="n"`, and not self-closing (empty).
    cell = re.compile(
        rb' r="(' + alternatives(key_letters or ["@"]) + rb')([0-9]+)"(?![^>]*\bt="(?!n")[^"]*")[^>]*(?<!/)>'
    )
    formula = re.compile(
        rb'<(?:\w+:)?c r="(' + alternatives(letters) + rb')([0-9]+)"[^>]*>'
        rb"\s*<(?:\w+:)?f(?: [^>]*)?>([^<]*)</(?:\w+:)?f>"
    )
    numeric: dict[str, set[int]] = {}
    formulas: dict[tuple[int, str], str] = {}
    # A `<c>` without a leading `r` attribute (allowed, rare) cannot be placed by the
    # cell pattern: then the flags come from calamine instead.
    has_bare = False
    try:
        with zipfile.ZipFile(path) as zf, zf.open(member) as handle:
            rest = b""
            while True:
                chunk = handle.read(_CHUNK)
                data = rest + chunk
                if chunk:
                    cut = data.rfind(b"<")  # keep an element split by the chunk for the next round
                    cut = len(data) if cut < 0 else cut
                    data, rest = data[:cut], data[cut:]
                else:
                    rest = b""
                if not data:
                    break
                if not has_bare and (data.count(b"<c>") or data.count(b"<c ") != data.count(b'<c r="')):
                    has_bare = True
                if key_letters:
                    for letter, row in cell.findall(data):
                        numeric.setdefault(letters[letter.decode()], set()).add(int(row))
                if b"<f" in data or b":f" in data:
                    for m in formula.finditer(data):
                        text = html.unescape(m.group(3).decode("utf-8", "replace"))
                        if text:
                            formulas[(int(m.group(2)), letters[m.group(1).decode()])] = "=" + text
                if not chunk:
                    break
    except (OSError, zipfile.BadZipFile, KeyError, RuntimeError):
        return None
    # A formula cell has no `t` either, but what the parser sees is its text, not a number
    # Excel rounded: `=1+1` in the NIK column is a wrong NIK, not one that lost a digit.
    for row, field in formulas:
        numeric.get(field, set()).discard(row)
    return _SheetScan(numeric, formulas, complete=not has_bare)


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _hidden_sheets(path: Path) -> set[str]:
    import xml.etree.ElementTree as ET

    try:
        with zipfile.ZipFile(path) as zf:
            book = ET.fromstring(zf.read("xl/workbook.xml"))
    except (OSError, zipfile.BadZipFile, KeyError, ET.ParseError):
        return set()
    return {
        node.get("name", "")
        for node in book.iter(f"{_MAIN_NS}sheet")
        if node.get("state") in ("hidden", "veryHidden")
    }


def _sheet_member(path: Path, sheet: str) -> str | None:
    """The zip member holding `sheet`, from workbook.xml and its relationships."""
    import xml.etree.ElementTree as ET

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            workbook = "xl/workbook.xml"
            if workbook not in names:
                return None
            rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
            book = ET.fromstring(zf.read(workbook))
    except (OSError, zipfile.BadZipFile, KeyError, ET.ParseError):
        return None
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for node in book.iter(f"{ns_main}sheet"):
        if node.get("name") != sheet:
            continue
        target = targets.get(node.get(f"{ns_rel}id"), "")
        member = target.lstrip("/") if target.startswith("/") else "xl/" + target
        return member if member in names else None
    return None


def _apply_formulas(frame: pl.DataFrame, formulas: dict[tuple[int, str], str], start: int) -> pl.DataFrame:
    # Calamine's range ends at the last cell with a value: a trailing row of formulas
    # without cached results lies beyond it.
    needed = max(row for row, _ in formulas) - start
    if needed > frame.height:
        pad = pl.DataFrame({c: [None] * (needed - frame.height) for c in frame.columns}, schema=frame.schema)
        frame = pl.concat([frame, pad], how="vertical")
    cols = []
    for field in {f for _, f in formulas}:
        values = frame.get_column(field).to_list()
        for (row, f), text in formulas.items():
            k = row - 1 - start
            if f == field and 0 <= k < len(values):
                values[k] = text
        cols.append(pl.Series(field, values, dtype=pl.Utf8))
    return frame.with_columns(cols)
