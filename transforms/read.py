"""Workbook/CSV → raw text frame with source row numbers: header finding, encodings, sheets.

Every cell is kept as the text it was typed as (never evaluated, never typed here); the
row number of each data row is the one Excel (or a text editor, for CSV) shows. Structural
problems raise `InputError`; cell-level problems are the parser's business.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from schemas.fields import INBOX_KINDS, REQUIRED_FIELDS
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


_PARENTHESES = re.compile(r"\([^)]*\)")


def normalize_header(text: object) -> str:
    """`TGL. LAHIR`, `Tanggal_Lahir`, `L/P` → `TGL LAHIR`, `TANGGAL LAHIR`, `L P`.

    A note in parentheses is dropped: `TANGGAL LAHIR (DD-MM-YYYY)` → `TANGGAL LAHIR`.
    """
    if text is None:
        return ""
    text = _PARENTHESES.sub(" ", str(text).upper())
    return " ".join(_NON_ALNUM.sub(" ", text).split())


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
            # A folder of notes or archives is left alone; one named like an extract is
            # most likely an extract unpacked or saved in the wrong place.
            if _kind_or_none(path) is not None:
                raise InputError(
                    f"'{path.name}' adalah folder, bukan berkas .csv/.xlsx; pindahkan berkas di dalamnya "
                    "ke kotak masuk, atau ganti nama folder diawali '_' agar diabaikan",
                    file=path.name,
                )
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
        keys = [normalize_header(cell) for cell in row]
        matched = {j: aliases[key] for j, key in enumerate(keys) if key in aliases}
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
                f"kolom '{typed[field]}' dan '{header}' sama-sama berarti '{field}'; "
                "hapus atau ganti nama salah satunya",
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
    # One chunk per column: a CSV read in parallel or a padded sheet arrives in several, and
    # polars kernels have panicked on frames whose columns are chunked differently.
    frame = frame.rechunk()
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
    """UTF-8, else Windows-1252 — what Indonesian offices produce (UTF-16 is converted
    earlier, from its byte-order mark)."""
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
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise InputError("berkas UTF-16 rusak; simpan ulang sebagai CSV UTF-8", file=name) from None
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

    # A sheet that carries every required column of the file's kind wins (a returned desa or
    # recap workbook holds several lists; its review sheet is the `keputusan` one); otherwise
    # the first sheet with a recognizable header.
    required = set(REQUIRED_FIELDS.get(_kind_or_none(path) or "", ()))
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
            raise InputError(f"sheet tidak dapat dibaca ({_short(exc)})", file=name, sheet=sheet) from None
        if data.width == 0:
            continue
        rows = [list(r) for r in data.head(HEADER_SCAN_ROWS).iter_rows()]
        header = _find_header(rows, name, sheet)
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


def _xlsx_extract(path: Path, reader, sheet: str, header: _Header, data: pl.DataFrame, offset: int) -> RawExtract:
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
    return _finish(path, sheet, header, frame, first_row=start + 1)


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


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# ---------------------------------------------------------------------------------------


def _kind_or_none(path: Path) -> str | None:
    try:
        return file_kind(path)
    except InputError:
        return None


def unexpected_failure(path: Path) -> InputError:
    """A failure while reading or parsing one file that no check foresaw (a library's edge
    case on a shape of data never seen before): the file is treated as unreadable, named in
    one line, and nothing is applied."""
    return InputError(
        "berkas tidak dapat dibaca atau diurai (kesalahan tak terduga); periksa isinya, simpan ulang "
        "sebagai .xlsx atau CSV UTF-8, lalu jalankan lagi (PDPB_DEBUG=1 untuk rincian teknis)",
        file=Path(path).name,
    )


def read_extract(path: Path) -> RawExtract:
    """Read one `.csv`/`.xlsx` extract: find the header, keep recognized columns as text."""
    path = Path(path)
    _check_suffix(path)
    if not path.is_file():
        raise InputError("berkas tidak ditemukan", file=path.name)
    if path.suffix.lower() == ".csv":
        return _read_csv(path)
    return _read_xlsx(path)
