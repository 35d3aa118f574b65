"""Ingest: one inbox file read, parsed and validated, with its sha256 (SPEC §4.2, §5.1)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from transforms.errors import InputError
from transforms.parse import RECORD_SCHEMA, ParseContext, parse_extract
from transforms.read import read_extract, unexpected_failure


@dataclass
class IngestedFile:
    """One input file after reading and validation."""

    path: Path
    kind: str
    sha256: str
    sheet: str | None
    header_row: int
    records: pl.DataFrame
    karantina: pl.DataFrame

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def rows(self) -> int:
        return self.records.height + self.karantina.height


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ingest(path: Path, kind: str, ctx: ParseContext) -> IngestedFile:
    """Read and validate one file. Bad content is an `InputError`; any other failure while
    reading (a Rust panic in polars included) becomes one naming the file."""
    try:
        raw = read_extract(path)
        parsed = parse_extract(raw, kind, ctx)
    except (InputError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a Rust panic in polars is a BaseException
        if os.environ.get("PDPB_DEBUG"):
            raise
        raise unexpected_failure(path) from exc
    sha = sha256_of(path)
    return IngestedFile(
        path=path,
        kind=kind,
        sha256=sha,
        sheet=raw.sheet,
        header_row=raw.header_row,
        records=parsed.records.with_columns(pl.lit(sha).alias("sumber_sha256")),
        karantina=parsed.karantina.with_columns(pl.lit(sha).alias("sumber_sha256")),
    )


def event_records(files: list[IngestedFile]) -> pl.DataFrame:
    """The event rows of every agency file (not decisions, not coklit), as one frame."""
    events = [f.records for f in files if f.kind not in ("keputusan", "coklit") and f.records.height]
    if events:
        return pl.concat(events, how="vertical_relaxed", rechunk=True)
    for f in files:  # no event rows: an empty frame of the records' columns
        return f.records.clear()
    return pl.DataFrame(schema={**RECORD_SCHEMA, "sumber_sha256": pl.Utf8})


def quarantined(files: list[IngestedFile], decided: pl.DataFrame) -> pl.DataFrame:
    """Every quarantined row of the run: the files' own and the decision rows that could not be used."""
    columns = ("sumber_file", "sumber_sha256", "sumber_baris", "kolom", "alasan", "nilai")
    return pl.concat(
        [f.karantina.select(columns) for f in files] + [decided.select(columns)], how="vertical_relaxed",
    ).sort("sumber_file", "sumber_baris")
