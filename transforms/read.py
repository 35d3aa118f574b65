"""Workbook/CSV → raw text frame with source row numbers: header finding, encodings, sheets.

Every cell is kept as the text it was typed as (never evaluated, never typed here); the
row number of each data row is the one Excel (or a text editor, for CSV) shows. Structural
problems raise `InputError`; cell-level problems are the parser's business.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from schemas.fields import INBOX_KINDS
from transforms.errors import InputError

ALIASES_CSV = Path(__file__).resolve().parent.parent / "schemas" / "aliases.csv"

# Title rows above the header are common; a header further down than this is not looked for.
HEADER_SCAN_ROWS = 30
# A header row must name at least this many distinct fields: one matching cell could be a
# title ("KECAMATAN") or a data value ("KAWIN") that happens to equal an alias.
MIN_HEADER_FIELDS = 2
SUPPORTED_SUFFIXES = (".csv", ".xlsx")
CSV_SEPARATORS = (",", ";", "\t", "|")
# System files that appear in shared folders: Excel's lock files, OS metadata.
IGNORED_PREFIXES = ("_", ".", "~$")

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


@dataclass(frozen=True)
class RawExtract:
    path: Path
    file_name: str
    sheet: str | None
    header_row: int
    frame: pl.DataFrame
    headers: dict[str, str]  # canonical field -> header as typed


def normalize_header(text: object) -> str:
    """`TGL. LAHIR`, `Tanggal_Lahir`, `L/P` → `TGL LAHIR`, `TANGGAL LAHIR`, `L P`."""
    if text is None:
        return ""
    return " ".join(_NON_ALNUM.sub(" ", str(text).upper()).split())


@lru_cache(maxsize=4)
def load_aliases(path: Path = ALIASES_CSV) -> dict[str, str]:
    """Normalized alias → canonical field, from schemas/aliases.csv."""
    table = pl.read_csv(path, infer_schema=False)
    aliases: dict[str, str] = {}
    for alias, field in table.select("alias", "field").iter_rows():
        key = normalize_header(alias)
        if key in aliases and aliases[key] != field:
            raise ValueError(f"alias {alias!r} maps to both {aliases[key]!r} and {field!r}")
        aliases[key] = field.strip()
    return aliases


# ---------------------------------------------------------------------------------------
# Inbox listing


def file_kind(path: Path) -> str | None:
    """Kind from the start of the file name; None for names starting with `_`."""
    name = Path(path).name
    if name.startswith(IGNORED_PREFIXES):
        return None
    key = re.sub(r"[\s\-]+", "_", name.lower())
    for kind in sorted(INBOX_KINDS, key=len, reverse=True):
        if key.startswith(kind):
            return kind
    raise InputError(
        "jenis berkas tidak dikenal: nama berkas harus diawali salah satu dari "
        + ", ".join(INBOX_KINDS)
        + " (atau '_' untuk berkas yang diabaikan)",
        file=name,
    )


def list_inbox(inbox: Path) -> list[tuple[Path, str]]:
    """The inbox files with their kind, sorted by name; subfolders and `_` files ignored."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise InputError(f"folder inbox '{inbox}' tidak ditemukan")
    found: list[tuple[Path, str]] = []
    for path in sorted(inbox.iterdir(), key=lambda p: p.name):
        if path.is_dir():
            continue
        kind = file_kind(path)
        if kind is None:
            continue
        _check_suffix(path)
        found.append((path, kind))
    return found


def _check_suffix(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise InputError("format .xls tidak didukung; simpan ulang sebagai .xlsx", file=path.name)
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(
            f"format berkas '{suffix or '(tanpa ekstensi)'}' tidak didukung; gunakan .csv atau .xlsx",
            file=path.name,
        )


# ---------------------------------------------------------------------------------------
# Header finding


@dataclass(frozen=True)
class _Header:
    index: int  # 0-based row index within the scanned rows
    columns: dict[str, int]  # canonical field -> 0-based column index
    typed: dict[str, str]  # canonical field -> header as typed


def _find_header(rows: list[list[str | None]], file_name: str, sheet: str | None) -> _Header | None:
    """The row among `rows` that names the most distinct fields (first one on a tie)."""
    aliases = load_aliases()
    best: tuple[int, int, dict[int, str]] | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        matched = {j: aliases[normalize_header(cell)] for j, cell in enumerate(row) if normalize_header(cell) in aliases}
        score = len(set(matched.values()))
        if score >= MIN_HEADER_FIELDS and (best is None or score > best[1]):
            best = (i, score, matched)
    if best is None:
        return None
    i, _, matched = best
    columns: dict[str, int] = {}
    typed: dict[str, str] = {}
    for j, field in matched.items():
        header = str(rows[i][j]).strip()
        if field in columns:
            raise InputError(
                f"kolom '{typed[field]}' dan '{header}' sama-sama berarti '{field}'; hapus atau ganti nama salah satunya",
                file=file_name,
                sheet=sheet,
                row=i + 1,
                column=header,
            )
        columns[field] = j
        typed[field] = header
    return _Header(i, columns, typed)


def _no_header(file_name: str, sheet: str | None) -> InputError:
    return InputError(
        f"baris judul kolom tidak ditemukan di {HEADER_SCAN_ROWS} baris pertama "
        "(harus ada minimal dua kolom yang dikenal, mis. NIK dan NAMA)",
        file=file_name,
        sheet=sheet,
    )


def _clean(frame: pl.DataFrame) -> pl.DataFrame:
    """Trim every cell (also non-breaking spaces); empty cells become null."""
    return frame.with_columns(
        pl.col(c).str.strip_chars().replace("", None)
        for c, dtype in frame.schema.items()
        if dtype == pl.Utf8
    )


def _finish(
    path: Path, sheet: str | None, header: _Header, frame: pl.DataFrame, first_row: int
) -> RawExtract:
    """Name the columns, number the rows (`first_row` = Excel row of frame row 0), drop blanks."""
    frame = _clean(frame)
    fields = list(header.columns)
    frame = frame.with_row_index("sumber_baris", offset=first_row).with_columns(pl.col("sumber_baris").cast(pl.Int64))
    if fields:
        frame = frame.filter(pl.any_horizontal(pl.col(f).is_not_null() for f in fields))
    frame = frame.select(["sumber_baris", *fields, *[c for c in frame.columns if c.endswith("_numerik")]])
    return RawExtract(
        path=path,
        file_name=path.name,
        sheet=sheet,
        header_row=first_row - 1,
        frame=frame,
        headers=dict(header.typed),
    )


# ---------------------------------------------------------------------------------------
# CSV


def _decode(data: bytes) -> str:
    """UTF-8, else Windows-1252 — what Indonesian offices produce."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps them so no byte is lost.
        return data.decode("cp1252") if _cp1252_ok(data) else data.decode("latin-1")


def _cp1252_ok(data: bytes) -> bool:
    return not any(b in data for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"))


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    return b"\x00" in head or head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0")


_NOT_BLANK = re.compile(rb"[^\s]")


def _line_starts(data: bytes, count: int) -> list[int]:
    """Byte offsets of the first `count` lines (and of the line after them)."""
    starts = [0]
    pos = 0
    while len(starts) <= count:
        nl = data.find(b"\n", pos)
        if nl < 0:
            break
        pos = nl + 1
        starts.append(pos)
    return starts


def _read_csv(path: Path) -> RawExtract:
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"berkas tidak dapat dibaca ({exc.strerror})", file=name) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not _NOT_BLANK.search(data):
        raise InputError("berkas kosong", file=name)
    if _looks_binary(data):
        raise InputError("berkas bukan teks CSV (isinya biner); simpan ulang sebagai CSV atau .xlsx", file=name)
    if b"\n" not in data and b"\r" in data:  # old Mac line ends
        data = data.replace(b"\r", b"\n")

    starts = _line_starts(data, HEADER_SCAN_ROWS)
    head_end = starts[-1] if len(starts) > HEADER_SCAN_ROWS else len(data)
    head_lines = _decode(data[:head_end]).replace("\r\n", "\n").split("\n")[:HEADER_SCAN_ROWS]

    best: tuple[int, str, _Header] | None = None
    for sep in CSV_SEPARATORS:
        rows = _split_lines(head_lines, sep)
        header = _find_header(rows, name, None)
        if header is not None and (best is None or len(header.columns) > best[0]):
            best = (len(header.columns), sep, header)
    if best is None:
        raise _no_header(name, None)
    _, sep, header = best

    first_line = header.index + 2  # the line number (1-based) of the first line after the header
    body = data[starts[header.index + 1]:] if header.index + 1 < len(starts) else b""
    ncols = max(header.columns.values()) + 1
    names = [f"_c{j}" for j in range(ncols)]
    frame = _read_csv_body(body, sep, names, name, first_line)
    frame = frame.rename({f"_c{j}": f for f, j in header.columns.items()}).select([*header.columns])
    return _finish(path, None, header, frame, first_row=first_line)


def _read_csv_body(body: bytes, sep: str, names: list[str], file_name: str, first_line: int) -> pl.DataFrame:
    """The lines after the header, one frame row per line (blank lines included)."""
    schema = {n: pl.Utf8 for n in names}
    if not body:
        return pl.DataFrame(schema=schema)
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    frame: pl.DataFrame | None = None
    try:
        utf8 = body
        body.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = _decode(body).encode("utf-8")
    try:
        frame = pl.read_csv(
            utf8,
            has_header=False,
            separator=sep,
            quote_char='"',
            schema=schema,
            truncate_ragged_lines=True,
            empty_string_is_null=False,
        )
    except pl.exceptions.PolarsError:
        frame = None
    if frame is not None and frame.height == lines:
        return frame
    # A quoted field spans lines (or the file is too irregular for the fast path):
    # the csv module tells where each record starts.
    return _read_csv_records(
        _decode(body).replace("\r\n", "\n").split("\n"), sep, len(names), names, file_name, first_line
    )


def _read_csv_records(
    body: list[str], sep: str, ncols: int, names: list[str], file_name: str, first_line: int
) -> pl.DataFrame:
    """Slow path: each record with the line it starts on, via the csv module."""
    if body and body[-1] == "":
        body = body[:-1]
    reader = csv.reader(io.StringIO("\n".join(body) + "\n"), delimiter=sep, quotechar='"')
    cols: list[list[str | None]] = [[] for _ in range(ncols)]
    starts: list[int] = []
    prev = 0
    try:
        for record in reader:
            starts.append(prev)
            prev = reader.line_num
            for j in range(ncols):
                cols[j].append(record[j] if j < len(record) else None)
    except csv.Error as exc:
        raise InputError(f"CSV tidak dapat diurai ({exc})", file=file_name, row=first_line + prev) from None
    # One row per line so that row index == line offset: the lines a record's extra lines
    # occupy become blank rows and are dropped later.
    total = max(len(body), prev)
    padded: list[list[str | None]] = [[None] * total for _ in range(ncols)]
    for k, line in enumerate(starts):
        for j in range(ncols):
            padded[j][line] = cols[j][k]
    return pl.DataFrame({n: padded[j] for j, n in enumerate(names)}, schema={n: pl.Utf8 for n in names})


def _split_lines(lines: list[str], sep: str) -> list[list[str | None]]:
    try:
        return [next(csv.reader([line], delimiter=sep, quotechar='"'), []) for line in lines]
    except csv.Error:
        return [line.split(sep) for line in lines]


# ---------------------------------------------------------------------------------------
# XLSX


def _read_xlsx(path: Path) -> RawExtract:
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
        raise InputError(f"berkas .xlsx tidak dapat dibaca ({_short(exc)})", file=name) from None
    if not sheets:
        raise InputError("workbook tidak berisi sheet", file=name)

    for sheet in sheets:
        try:
            top = reader.load_sheet(sheet, header_row=None, skip_rows=0, n_rows=HEADER_SCAN_ROWS, dtypes="string")
            head = top.to_polars()
        except Exception as exc:
            raise InputError(f"sheet tidak dapat dibaca ({_short(exc)})", file=name, sheet=sheet) from None
        if head.width == 0:
            continue
        rows = [list(r) for r in head.iter_rows()]
        header = _find_header(rows, name, sheet)
        if header is None:
            continue
        # Calamine's range starts at the first used column; `use_columns` and openpyxl count
        # from column A.
        available = top.available_columns()
        offset = available[0].absolute_index - available[0].index if available else 0
        return _load_xlsx_sheet(path, reader, sheet, header, offset)
    raise InputError(
        f"baris judul kolom tidak ditemukan di sheet mana pun ({HEADER_SCAN_ROWS} baris pertama; "
        "harus ada minimal dua kolom yang dikenal, mis. NIK dan NAMA)",
        file=name,
    )


def _load_xlsx_sheet(path: Path, reader, sheet: str, header: _Header, offset: int) -> RawExtract:
    name = path.name
    start = header.index + 1
    by_index = {j + offset: f for f, j in header.columns.items()}  # absolute column index
    cols = sorted(by_index)
    try:
        sheet_data = reader.load_sheet(
            sheet, header_row=None, skip_rows=0, use_columns=cols, dtypes="string"
        ).to_polars()
    except Exception as exc:
        raise InputError(f"sheet tidak dapat dibaca ({_short(exc)})", file=name, sheet=sheet) from None
    sheet_data = sheet_data.rename(dict(zip(sheet_data.columns, [by_index[j] for j in cols])))
    frame = sheet_data.slice(start)

    formulas = _formula_cells(path, sheet, by_index, start)
    if formulas:
        frame = _apply_formulas(frame, formulas, start)

    # A NIK/NKK that Excel stored as a number has lost its 16th digit: reading the column
    # as boolean gives a value exactly for the numeric cells (text cells become null).
    extra: list[pl.Series] = []
    for field in ("nik", "nkk"):
        if field not in header.columns:
            continue
        j = header.columns[field] + offset
        try:
            flags = reader.load_sheet(
                sheet, header_row=None, skip_rows=0, use_columns=[j], dtypes={j: "boolean"}
            ).to_polars()
            flag = flags.to_series(0).slice(start).is_not_null().to_list()
        except Exception:
            flag = []
        flag = (flag + [False] * frame.height)[: frame.height]
        extra.append(pl.Series(f"{field}_numerik", flag, dtype=pl.Boolean))
    if extra:
        frame = frame.with_columns(extra)
    return _finish(path, sheet, header, frame, first_row=start + 1)


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[ >/]")


def _formula_cells(path: Path, sheet: str, by_index: dict[int, str], start: int) -> dict[tuple[int, str], str]:
    """Formula text of the cells in recognized columns below the header: `=` is data here.

    Calamine gives a formula's cached result (or nothing when the file was not saved by
    Excel); an operator who typed `=...` into a NIK cell meant nothing to be computed, so
    the formula text itself is what the parser sees. Only workbooks that contain formulas
    pay for the openpyxl pass.
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:
        return {}
    try:
        ws = wb[sheet]
        sheet_path = getattr(ws, "_worksheet_path", None)
        if sheet_path is None or not _sheet_has_formula(path, sheet_path):
            return {}
        found: dict[tuple[int, str], str] = {}
        for row in ws.iter_rows(min_row=start + 1):
            for cell in row:
                col = getattr(cell, "column", None)
                if col is None or (col - 1) not in by_index:
                    continue
                if getattr(cell, "data_type", None) == "f" and isinstance(cell.value, str):
                    found[(cell.row, by_index[col - 1])] = cell.value
        return found
    finally:
        wb.close()


def _sheet_has_formula(path: Path, sheet_path: str) -> bool:
    with zipfile.ZipFile(path) as zf:
        try:
            handle = zf.open(sheet_path.lstrip("/"))
        except KeyError:
            return False
        with handle:
            tail = b""
            while chunk := handle.read(1 << 22):
                if _FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-16:]
    return False


def _apply_formulas(frame: pl.DataFrame, formulas: dict[tuple[int, str], str], start: int) -> pl.DataFrame:
    # Calamine's range ends at the last cell with a value: a trailing row of formulas
    # without cached results lies beyond it.
    needed = max(row for row, _ in formulas) - start
    if needed > frame.height:
        pad = pl.DataFrame({c: [None] * (needed - frame.height) for c in frame.columns}, schema=frame.schema)
        frame = pl.concat([frame, pad], how="vertical")
    updates: dict[str, dict[int, str]] = {}
    for (row, field), text in formulas.items():
        updates.setdefault(field, {})[row - 1 - start] = text
    cols = []
    for field, by_row in updates.items():
        values = frame.get_column(field).to_list()
        for k, text in by_row.items():
            if 0 <= k < len(values):
                values[k] = text
        cols.append(pl.Series(field, values, dtype=pl.Utf8))
    return frame.with_columns(cols)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# ---------------------------------------------------------------------------------------


def read_extract(path: Path) -> RawExtract:
    """Read one `.csv`/`.xlsx` extract: find the header, keep recognized columns as text."""
    path = Path(path)
    _check_suffix(path)
    if not path.is_file():
        raise InputError("berkas tidak ditemukan", file=path.name)
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    return _read_xlsx(path)
