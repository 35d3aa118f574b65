"""Vectorized parsers for one cell kind each: NIK/NKK, dates, coded words, RT/RW, ages.

Each function takes a polars expression over raw text and returns an expression (or a
struct of expressions); nothing here loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path

import polars as pl

from schemas.models import nik_birth_ok, nik_is_16_digits, nik_province_ok, nik_serial_ok

CODES_CSV = Path(__file__).resolve().parent.parent / "schemas" / "codes.csv"

# Excel's day 0 is 1899-12-30 for every serial from 61 on; serials 1–60 are one day later
# because Excel treats 1900 as a leap year.
EXCEL_EPOCH = date(1899, 12, 30)
EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31
# A bare number in this range is a year typed without day and month, not an Excel serial
# (serial 1975 would be a birth date in 1905).
YEAR_LIKE = (1800, 2199)

_STRIP = " \t\r\n\u00a0'`\u2018\u2019"


def patch(fast: pl.Series, need: pl.Series, slow: Callable[[pl.Series], pl.Series], source: pl.Series) -> pl.Series:
    """`fast` with the rows flagged in `need` replaced by `slow(source[those rows])`.

    The common spelling of a column is parsed with one cheap expression; the regex-heavy
    general parser only sees the rows the cheap one could not read.
    """
    if not need.any():
        return fast
    idx = need.arg_true()
    values = slow(source.gather(idx))
    return fast.scatter(idx, values.cast(fast.dtype))


def text_format(template: str, *exprs: pl.Expr) -> pl.Expr:
    """`pl.format(template, *exprs)` built on `pl.concat_str`.

    polars 2.1's `pl.format` panics (`assertion failed: i < self.len()`, binview) on a frame
    whose columns have different chunk layouts after a filter left an empty chunk; the same
    text through `concat_str` does not. Null in any part gives null, as with `pl.format`.
    """
    texts = template.split("{}")
    if len(texts) != len(exprs) + 1:
        raise ValueError(f"template {template!r} has {len(texts) - 1} placeholders for {len(exprs)} values")
    parts: list[pl.Expr] = []
    for text, expr in zip(texts, [*exprs, None]):
        if text:
            parts.append(pl.lit(text))
        if expr is not None:
            parts.append(expr.cast(pl.Utf8))
    return pl.concat_str(parts)


def on_series(series: pl.Series, expr: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    """An expression parser (`parse_date`, `normalize_code_expr` ...) applied to a Series."""
    return pl.DataFrame({"s": series}).select(expr(pl.col("s"))).to_series()


def normalize_word(expr: pl.Expr) -> pl.Expr:
    """`laki-laki`, `Laki  Laki.` → `LAKI LAKI`: upper case, punctuation as spaces."""
    return (
        expr.str.to_uppercase()
        .str.replace_all(r"[^0-9A-Z]+", " ")
        .str.strip_chars()
        .str.replace_all(r" +", " ")
    )


def normalize_word_py(text: str) -> str:
    import re

    return " ".join(re.sub(r"[^0-9A-Z]+", " ", text.upper()).split())


@lru_cache(maxsize=4)
def load_codes(path: Path = CODES_CSV) -> dict[str, dict[str, str]]:
    """field → {normalized word: code}, from schemas/codes.csv."""
    table = pl.read_csv(path, infer_schema=False)
    codes: dict[str, dict[str, str]] = {}
    for field, value, code in table.select("field", "value", "code").iter_rows():
        codes.setdefault(field, {})[normalize_word_py(value)] = code
    return codes


def code_expr(expr: pl.Expr, field: str) -> pl.Expr:
    """The code for a word of `field`'s table; an unknown word is kept (normalized) so that
    validation names it."""
    table = load_codes()[field]
    word = normalize_word(expr)
    return word.replace(table)


# ---------------------------------------------------------------------------------------
# NIK / NKK


def nik_parts(expr: pl.Expr, numerik: pl.Expr | None = None) -> pl.Expr:
    """Struct {digits, dari_angka, hilang}: the digits of a NIK/NKK as far as they are known.

    - text with spaces, dots, dashes or a leading apostrophe: the digits;
    - scientific notation (`3.32301E+15`): Excel dropped digits; the number is kept only when
      all 16 digits survive in the mantissa, else `digits` is null and `hilang` is true;
    - anything else (letters, formulas): the cleaned text itself, which fails validation.
    `dari_angka` marks values that went through a number (Excel cell or scientific notation):
    their 16th digit is not to be trusted.
    """
    s = expr.str.strip_chars(_STRIP).str.to_uppercase()
    compact = s.str.replace_all(r"\s+", "")
    sci = compact.str.extract_groups(r"^([0-9]+)(?:[.,]([0-9]*))?E\+?([0-9]{1,2})$")
    int_part = sci.struct.field("1").str.strip_chars_start("0")
    frac = sci.struct.field("2").fill_null("")
    exp = sci.struct.field("3").cast(pl.Int32, strict=False)
    mantissa = int_part + frac
    is_sci = sci.struct.field("1").is_not_null()
    total_len = int_part.str.len_chars().cast(pl.Int32) + exp
    extra = mantissa.str.slice(16)
    sci_ok = (
        is_sci
        & (total_len == 16)
        & (mantissa.str.len_chars() >= 16)
        & (extra.str.replace_all("0", "").str.len_chars() == 0)
    )
    sci_digits = pl.when(sci_ok).then(mantissa.str.slice(0, 16))
    # A numeric cell may come back as "3323011708750000.0".
    plain = s.str.replace(r"^([0-9]+)\.0+$", "${1}").str.replace_all(r"[\s.\-]", "")
    digits = pl.when(is_sci).then(sci_digits).otherwise(
        pl.when(plain.str.contains(r"^[0-9]+$")).then(plain).otherwise(s)
    )
    from_number = is_sci | (numerik.fill_null(False) if numerik is not None else pl.lit(False))
    lost = is_sci & ~sci_ok
    return pl.struct(
        digits.alias("digits"), from_number.alias("dari_angka"), lost.fill_null(False).alias("hilang")
    )


def nik_valid(col: pl.Expr, from_number: pl.Expr, provinces: frozenset[str]) -> pl.Expr:
    return (
        nik_is_16_digits(col)
        & nik_province_ok(col, provinces)
        & nik_birth_ok(col)
        & nik_serial_ok(col, from_number)
    ).fill_null(False)


def nkk_valid(col: pl.Expr, provinces: frozenset[str]) -> pl.Expr:
    return (nik_is_16_digits(col) & nik_province_ok(col, provinces)).fill_null(False)


def nik_agrees(col: pl.Expr, tanggal_lahir: pl.Expr, jenis_kelamin: pl.Expr) -> pl.Expr:
    """The NIK's DDMMYY and sex (+40 on the day for women) agree with the row, where given."""
    day = col.str.slice(6, 2).cast(pl.Int32, strict=False)
    month = col.str.slice(8, 2).cast(pl.Int32, strict=False)
    year = col.str.slice(10, 2).cast(pl.Int32, strict=False)
    female = day > 40
    real_day = pl.when(female).then(day - 40).otherwise(day)
    date_ok = tanggal_lahir.is_null() | (
        (tanggal_lahir.dt.day() == real_day)
        & (tanggal_lahir.dt.month() == month)
        & ((tanggal_lahir.dt.year() % 100) == year)
    )
    sex_ok = jenis_kelamin.is_null() | ~jenis_kelamin.is_in(["L", "P"]) | ((jenis_kelamin == "P") == female)
    return (date_ok & sex_ok).fill_null(False)


# ---------------------------------------------------------------------------------------
# Dates


@lru_cache(maxsize=1)
def month_table() -> dict[str, int]:
    return {word: int(code) for word, code in load_codes()["bulan"].items()}


_TIME = r"(?:[ T]+[0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2}(?:\.[0-9]+)?)?)?"


def _ymd(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    text = text_format("{}-{}-{}", year, month.str.zfill(2), day.str.zfill(2))
    return text.str.to_date("%Y-%m-%d", strict=False)


def parse_date(expr: pl.Expr) -> pl.Expr:
    """Text → Date for every form of SPEC §4.3; null when the text is not a real date.

    Forms: `1975-08-17` (also with a time, as calamine gives Excel dates), `17-08-1975`,
    `17/08/1975`, `17.08.1975`, `17 Agustus 1975`, `17 AGT 1975`, `17-Agu-1975`, and Excel
    serial numbers (`27245`, also `27245.5`).
    """
    s = expr.str.strip_chars(_STRIP).str.to_uppercase()
    iso = s.str.extract_groups(r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})" + _TIME + "$")
    iso_date = _ymd(iso.struct.field("1"), iso.struct.field("2"), iso.struct.field("3"))
    dmy = s.str.extract_groups(r"^([0-9]{1,2})\s*[-/.]\s*([0-9]{1,2})\s*[-/.]\s*([0-9]{4})" + _TIME + "$")
    dmy_date = _ymd(dmy.struct.field("3"), dmy.struct.field("2"), dmy.struct.field("1"))
    named = s.str.extract_groups(r"^([0-9]{1,2})[\s\-/.,]*([A-Z]+)\.?[\s\-/.,]*([0-9]{4})" + _TIME + "$")
    month = named.struct.field("2").replace_strict(
        {k: str(v) for k, v in month_table().items()}, default=None, return_dtype=pl.Utf8
    )
    named_date = _ymd(named.struct.field("3"), month, named.struct.field("1"))
    serial_text = s.str.extract(r"^([0-9]{1,7})(?:[.,][0-9]+)?$", 1)
    serial = serial_text.cast(pl.Int64, strict=False)
    serial_ok = serial.is_between(1, EXCEL_MAX_SERIAL) & ~serial.is_between(*YEAR_LIKE)
    serial_date = pl.when(serial_ok).then(
        pl.lit(EXCEL_EPOCH)
        + pl.duration(days=pl.when(serial < 61).then(serial + 1).otherwise(serial))
    )
    return pl.coalesce(iso_date, dmy_date, named_date, serial_date.cast(pl.Date))


# ---------------------------------------------------------------------------------------
# Small fields


def parse_rt_rw(expr: pl.Expr) -> pl.Expr:
    """`3`, `03`, `RT 3`, `3.0` → `003`; other text is kept as typed (upper case)."""
    s = expr.str.strip_chars(_STRIP).str.to_uppercase()
    number = s.str.extract(r"^(?:R[TW]\s*\.?\s*)?0*([0-9]{1,3})(?:\.0+)?$", 1)
    padded = pl.when(number == "").then(pl.lit("000")).otherwise(number.str.zfill(3))
    zero = s.str.contains(r"^(?:R[TW]\s*\.?\s*)?0+$")
    return (
        pl.when(zero)
        .then(pl.lit("000"))
        .when(number.is_not_null())
        .then(padded)
        .when(s.is_in(["-", "--", "."]))
        .then(None)
        .otherwise(s)
    )


def parse_umur(expr: pl.Expr) -> pl.Expr:
    """`45`, `45.0`, `45 TAHUN`, `45 THN` → 45 (Int32); null when not a whole number."""
    s = expr.str.strip_chars(_STRIP).str.to_uppercase()
    number = s.str.extract(r"^([0-9]{1,3})(?:[.,]0+)?\s*(?:TAHUN|THN|TH)?\.?$", 1)
    return number.cast(pl.Int32, strict=False)


# ---------------------------------------------------------------------------------------
# Series-level parsers: a cheap path for the usual spelling, the general parser for the rest.

_FAST_DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y")


def _all_null(s: pl.Series) -> bool:
    return s.null_count() == s.len()


def _nulls(s: pl.Series, dtype: pl.DataType) -> pl.Series:
    return pl.repeat(None, s.len(), dtype=dtype, eager=True).alias(s.name)


def _where(s: pl.Series, condition: Callable[[pl.Expr], pl.Expr], value: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    """value(s) where condition(s) holds, else null — one vectorized pass."""
    col = pl.col("s")
    return pl.DataFrame({"s": s}).select(pl.when(condition(col)).then(value(col)).alias(s.name)).to_series()


def parse_date_series(s: pl.Series) -> pl.Series:
    """Like `parse_date`, fast on columns typed in one usual format."""
    if _all_null(s):
        return _nulls(s, pl.Date)
    s = s.cast(pl.Utf8)
    out = s.str.to_date(_FAST_DATE_FORMATS[0], strict=False)
    for fmt in _FAST_DATE_FORMATS[1:]:
        need = out.is_null() & s.is_not_null()
        if not need.any():
            return out
        out = patch(out, need, lambda sub, fmt=fmt: sub.str.to_date(fmt, strict=False), s)
    need = out.is_null() & s.is_not_null()
    if not need.any():
        return out
    # calamine gives Excel dates as `1975-08-17 00:00:00`
    out = patch(out, need, lambda sub: sub.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False).dt.date(), s)
    need = out.is_null() & s.is_not_null()
    return patch(out, need, lambda sub: on_series(sub, parse_date), s).alias(s.name)


def nik_parts_frame(s: pl.Series, numerik: pl.Series | None = None) -> pl.DataFrame:
    """`nik_parts` as a frame (digits, dari_angka, hilang), fast on plain 16-digit text."""
    s = s.cast(pl.Utf8)
    n = s.len()
    numerik = pl.repeat(False, n, dtype=pl.Boolean, eager=True) if numerik is None else numerik.fill_null(False)
    plain = (s.str.len_bytes() == 16) & s.str.contains(r"^[0-9]{16}$")
    frame = pl.DataFrame({"s": s, "n": numerik, "plain": plain.fill_null(False)})
    out = frame.select(
        pl.when(pl.col("plain")).then(pl.col("s")).alias("digits"),
        pl.col("n").alias("dari_angka"),
        pl.repeat(False, n, dtype=pl.Boolean).alias("hilang"),
    )
    need = ~frame.get_column("plain") & s.is_not_null()
    if need.any():
        # Next most common: apostrophe, spaces, dots or dashes around the 16 digits.
        idx = need.arg_true()
        stripped = s.gather(idx).str.replace_all(r"[\s.\-'`\u2018\u2019]", "")
        ok = ((stripped.str.len_bytes() == 16) & stripped.str.contains(r"^[0-9]{16}$")).fill_null(False)
        if ok.any():
            out = out.with_columns(out.get_column("digits").scatter(idx.filter(ok), stripped.filter(ok)))
            need = need.scatter(idx.filter(ok), False)
    if need.any():
        idx = need.arg_true()
        sub = (
            frame.select(pl.col("s", "n").gather(idx))
            .select(nik_parts(pl.col("s"), pl.col("n")).alias("p"))
            .unnest("p")
        )
        out = out.with_columns(
            out.get_column(c).scatter(idx, sub.get_column(c)) for c in ("digits", "dari_angka", "hilang")
        )
    return out


# What is removed from a NIK typed as text before it is judged (SPEC §4.3): spaces of any
# kind (also non-breaking and zero-width ones, invisible in a cell), dots, dashes, apostrophes.
NIK_NOISE = r"[\s.\-\u2010-\u2015'`\u2018\u2019\u200b-\u200d\u2060\ufeff]"
# A column in which nearly every 16-digit NIK ends in 0 went through a number (Excel keeps 15
# significant digits): its NIKs that end in 0 lost their last digit. Real serials end in 0
# about one time in ten; the count keeps a short file from tripping it by chance.
NUMBER_COLUMN_MIN = 20
NUMBER_COLUMN_SHARE = 0.95


def nik_shape_frame(raw: pl.Series, parts: pl.DataFrame) -> pl.DataFrame:
    """`nik_parts_frame`'s columns, corrected and extended with the shape of the typed text.

    - `kosong`: blank after cleaning, or a word for "none" (schemas/codes.csv `tanpa_nomor`:
      `BELUM ADA`, `TIDAK ADA`, an export's `NULL`/`NaN` ...): no NIK at all;
    - `salah`: typed as text (not a number cell, not scientific notation) and, after removing
      spaces, dots and dashes, not 16 ASCII digits; `bukan_angka`: it holds a character that is
      not one (letters, `O` for 0, full-width digits — those are not normalized: the operator
      retypes the NIK); `panjang`: its length then;
    - `dari_angka` also marks a NIK that is a number with decimals (`3323...0.0`), a 16-digit
      one whose serial is 0000 (what Excel leaves of 0001-0009), and the 16-digit ones ending
      in 0 of a column that went through a number (see NUMBER_COLUMN_SHARE).
    """
    raw = raw.cast(pl.Utf8)
    words = sorted(load_codes().get("tanpa_nomor", {}))
    frame = pl.DataFrame({"raw": raw}).with_columns(parts)
    r = pl.col("raw")
    cleaned = r.str.replace_all(NIK_NOISE, "")
    kosong = r.is_not_null() & ((cleaned.str.len_chars() == 0) | normalize_word(r).is_in(words))
    decimal = r.str.strip_chars(_STRIP + "\u200b\ufeff").str.contains(r"^[0-9]{12,17}[.,]0+$")
    typed = r.is_not_null() & ~pl.col("dari_angka") & ~decimal & ~kosong
    sixteen = cleaned.str.contains(r"^[0-9]{16}$")
    frame = frame.with_columns(
        (typed & ~sixteen).fill_null(False).alias("salah"),
        (typed & cleaned.str.contains(r"[^0-9]")).fill_null(False).alias("bukan_angka"),
        cleaned.str.len_chars().cast(pl.Int64).alias("panjang"),
        kosong.fill_null(False).alias("kosong"),
        (typed & sixteen).fill_null(False).alias("_teks16"),
        decimal.fill_null(False).alias("_desimal"),
    )
    d = pl.col("digits")
    ends0 = pl.col("_teks16") & d.str.ends_with("0").fill_null(False)
    n16, n0 = frame.select(pl.col("_teks16").sum().alias("n16"), ends0.sum().alias("n0")).row(0)
    through_number = n16 >= NUMBER_COLUMN_MIN and n0 >= NUMBER_COLUMN_SHARE * n16
    serial_0000 = pl.col("_teks16") & (d.str.slice(12, 4) == "0000").fill_null(False)
    return frame.select(
        pl.when(pl.col("_teks16")).then(cleaned).otherwise(d).alias("digits"),  # also zero-width spaces out
        (pl.col("dari_angka") | pl.col("_desimal") | serial_0000 | (ends0 if through_number else pl.lit(False)))
        .alias("dari_angka"),
        "hilang",
        "kosong",
        "salah",
        "bukan_angka",
        "panjang",
    )


# ---------------------------------------------------------------------------------------
# SIAK (Disdukcapil) exports

SIAK_REGION: tuple[str, ...] = ("no_prop", "no_kab", "no_kec", "no_kel")
_SIAK_WIDTH = (2, 2, 2, 4)


def siak_region_code(*parts: pl.Expr) -> pl.Expr:
    """`33`, `23`, `1`, `2001` (NO_PROP, NO_KAB, NO_KEC, NO_KEL) → `33.23.01.2001`; null unless
    all four are given. A number cell may come back as `1.0`; other text is kept so that
    validation names the code it makes."""
    cleaned = [
        e.cast(pl.Utf8).str.strip_chars(_STRIP).str.replace(r"^([0-9]+)[.,]0+$", "${1}").str.zfill(w)
        for e, w in zip(parts, _SIAK_WIDTH)
    ]
    return text_format("{}.{}.{}.{}", *cleaned)


def evidence_from_flag(expr: pl.Expr) -> pl.Expr:
    """AKTA_KMTN is a yes/no flag in SIAK (1 = tidak ada, 2 = ada); some exports put the akta
    number there instead: only that is evidence."""
    flags = sorted(load_codes().get("ada_akta", {}))
    return pl.when(~normalize_word(expr).is_in(flags)).then(expr)


def code_series(s: pl.Series, field: str) -> pl.Series:
    """`code_expr` with a cheap path for words typed exactly as in the table."""
    if _all_null(s):
        return _nulls(s, pl.Utf8)
    s = s.cast(pl.Utf8)
    table = load_codes()[field]
    out = s.str.to_uppercase().replace_strict(table, default=None, return_dtype=pl.Utf8)
    need = out.is_null() & s.is_not_null()
    return patch(out, need, lambda sub: on_series(sub, lambda e: code_expr(e, field)), s).alias(s.name)


def clean_text_series(s: pl.Series, upper: bool = False) -> pl.Series:
    if _all_null(s):
        return _nulls(s, pl.Utf8)
    s = s.cast(pl.Utf8).str.strip_chars(" \t\r\n\u00a0")
    if upper:
        s = s.str.to_uppercase()
    need = s.str.contains(r"\s\s|[\t\r\n\u00a0]").fill_null(False)
    s = patch(s, need, lambda sub: sub.str.replace_all(r"\s+", " "), s)
    return s.replace("", None)


def rt_rw_series(s: pl.Series) -> pl.Series:
    if _all_null(s):
        return _nulls(s, pl.Utf8)
    s = s.cast(pl.Utf8)
    short = lambda c: (c.str.len_bytes() <= 3) & c.str.contains(r"^[0-9]+$")  # noqa: E731
    out = _where(s, short, lambda c: c.str.zfill(3))
    need = out.is_null() & s.is_not_null()
    return patch(out, need, lambda sub: on_series(sub, parse_rt_rw), s).alias(s.name)


_RT_RW_PAIR = r"^(?:RT\.?\s*)?([0-9]{1,3})\s*(?:/|-|\\|\s)\s*(?:RW\.?\s*)?([0-9]{1,3})$"


def split_rt_rw(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    """One `RT/RW` column into RT and RW: `003/001`, `3/1`, `RT 3 RW 1`, `03-01` → ("3", "1")
    (padded later by `rt_rw_series`). Text that is not such a pair stays whole as the RT, with
    no RW, so nothing typed is lost."""
    text = s.cast(pl.Utf8).str.strip_chars(_STRIP).str.to_uppercase().replace("", None)
    pair = text.str.extract_groups(_RT_RW_PAIR)
    rt = pair.struct.field("1")
    return rt.zip_with(rt.is_not_null(), text).alias("rt"), pair.struct.field("2").alias("rw")


def umur_series(s: pl.Series) -> pl.Series:
    if _all_null(s):
        return _nulls(s, pl.Int32)
    s = s.cast(pl.Utf8)
    out = s.str.to_integer(strict=False).cast(pl.Int32, strict=False)
    need = out.is_null() & s.is_not_null()
    return patch(out, need, lambda sub: on_series(sub, parse_umur), s).alias(s.name)
