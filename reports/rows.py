"""Table rows from a frame, as every list of the reports builds them: the columns a sheet shows
(a column the frame lacks reads as empty), numbered from 1."""

from __future__ import annotations

from typing import Any, Iterable

import polars as pl


def numbered(rows: Iterable[list[Any]]) -> list[list[Any]]:
    """Each row with its NO. in front, from 1."""
    return [[i, *r] for i, r in enumerate(rows, 1)]


def pick(frame: pl.DataFrame, keys: Iterable[str]) -> list[tuple]:
    """Rows of the given columns (a missing column reads as empty). Read column by column: a
    `select` would run one polars query per desa and list, and their start-up cost adds up."""
    columns = [frame.get_column(k).to_list() if k in frame.columns else [None] * frame.height for k in keys]
    return list(zip(*columns))
