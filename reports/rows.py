"""Table rows from a frame, as every list of the reports builds them: the columns a sheet shows
(a column the frame lacks reads as empty), numbered from 1."""

from __future__ import annotations

from typing import Any, Iterable

import polars as pl


def numbered(rows: Iterable[list[Any]]) -> list[list[Any]]:
    """Each row with its NO. in front, from 1."""
    return [[i, *r] for i, r in enumerate(rows, 1)]


def pick(frame: pl.DataFrame, keys: Iterable[str]) -> list[tuple]:
    """Rows of the given columns (a missing column reads as empty)."""
    exprs = [pl.col(k) if k in frame.columns else pl.lit(None).alias(k) for k in keys]
    return frame.select(exprs).rows()
