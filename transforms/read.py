"""Workbook/CSV → raw text frame with source row numbers: header finding, encodings, sheets.

Every cell is kept as the text it was typed as (never evaluated, never typed here); the
row number of each data row is the one Excel (or a text editor, for CSV) shows. Structural
problems raise `InputError`; cell-level problems are the parser's business.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import polars as pl

from transforms.errors import InputError
from transforms.read_common import (  # noqa: F401  (the readers' shared surface, re-exported)
    ALIASES_CSV,
    CSV_SEPARATORS,
    HEADER_SCAN_ROWS,
    IGNORED_PREFIXES,
    MIN_HEADER_FIELDS,
    SUPPORTED_SUFFIXES,
    RawExtract,
    find_header,
    Header,
    finish_extract,
    no_header_error,
    file_kind,
    kind_or_none,
    load_aliases,
    normalize_header,
)
from transforms.read_xlsx import read_xlsx

# ---------------------------------------------------------------------------------------
# Inbox listing


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
            if kind_or_none(path) is not None:
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

    best: tuple[int, str, Header] | None = None
    for sep in CSV_SEPARATORS:
        rows = _split_lines(head_lines, sep)
        header = find_header(rows, name, None)
        if header is not None and (best is None or len(header.columns) > best[0]):
            best = (len(header.columns), sep, header)
    if best is None:
        raise no_header_error(name, None)
    _, sep, header = best

    first_line = header.index + 2  # the line number (1-based) of the first line after the header
    body = data[starts[header.index + 1]:] if header.index + 1 < len(starts) else b""
    ncols = max(header.columns.values()) + 1
    names = [f"_c{j}" for j in range(ncols)]
    frame = _read_csv_body(body, sep, names, name, first_line)
    frame = frame.rename({f"_c{j}": f for f, j in header.columns.items()}).select([*header.columns])
    return finish_extract(path, None, header, frame, first_row=first_line)


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
    return read_xlsx(path)
