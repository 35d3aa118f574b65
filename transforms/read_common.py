"""What every reader shares: the raw extract, header names and aliases, finding the header row."""

from __future__ import annotations

import re
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
# Header finding


@dataclass(frozen=True)
class Header:
    index: int  # 0-based row index within the scanned rows
    columns: dict[str, int]  # canonical field -> 0-based column index
    typed: dict[str, str]  # canonical field -> header as typed


def find_header(rows: list[list[str | None]], file_name: str, sheet: str | None) -> Header | None:
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
    return Header(i, columns, typed)


def no_header_error(file_name: str, sheet: str | None) -> InputError:
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


def finish_extract(
    path: Path, sheet: str | None, header: Header, frame: pl.DataFrame, first_row: int
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


def short_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


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


def kind_or_none(path: Path) -> str | None:
    try:
        return file_kind(path)
    except InputError:
        return None
