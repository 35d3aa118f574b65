"""Desa/kelurahan and kecamatan names → region codes inside one kabupaten.

Names are typed by hand: prefixes (`DESA `, `DS. `, `KEL. `, `KEC. `), case, spacing and
small typos vary. Each distinct (desa, kecamatan) pair is resolved once, then joined back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl
from rapidfuzz import fuzz, process

from transforms.parse_values import text_format

# Prefixes an operator puts before a place name; stripped as whole words, repeatedly.
PLACE_PREFIXES = ("DESA", "DS", "KEL", "KELURAHAN", "KEC", "KECAMATAN", "KAB", "KABUPATEN")
# A typo is accepted only when the best candidate scores at least this (rapidfuzz ratio,
# 0–100) and clearly beats the next different name: short Javanese place names differ in
# one or two letters (PUTAT / PUTIH), so a loose threshold would move voters between desa.
FUZZY_MIN_SCORE = 85.0
FUZZY_MIN_MARGIN = 5.0
# Codes typed without dots: 3323012001 → 33.23.01.2001.
_CODE_DIGITS = re.compile(r"^([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{4})$")
_CODE_DOTTED = re.compile(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$")


def place_key(text: str | None) -> str:
    """`Ds. Kertosari` → `KERTOSARI`: the form two spellings of one place share."""
    if text is None:
        return ""
    words = re.sub(r"[^0-9A-Z]+", " ", str(text).upper()).split()
    while len(words) > 1 and words[0] in PLACE_PREFIXES:
        words = words[1:]
    return "".join(words)


def normalize_code(text: str | None) -> str | None:
    """A typed desa code in the dotted form of the region table; other text unchanged."""
    if text is None:
        return None
    compact = re.sub(r"[\s]+", "", str(text))
    if _CODE_DOTTED.match(compact):
        return compact
    digits = re.sub(r"[.\-/]", "", compact)
    m = _CODE_DIGITS.match(digits)
    if m:
        return ".".join(m.groups())
    return compact


def normalize_code_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorized `normalize_code`."""
    compact = expr.str.replace_all(r"\s+", "")
    digits = compact.str.replace_all(r"[.\-/]", "")
    dotted = text_format(
        "{}.{}.{}.{}", digits.str.slice(0, 2), digits.str.slice(2, 2), digits.str.slice(4, 2), digits.str.slice(6, 4)
    )
    return (
        pl.when(compact.str.contains(r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$"))
        .then(compact)
        .when(digits.str.contains(r"^[0-9]{10}$"))
        .then(dotted)
        .otherwise(compact)
    )


@dataclass(frozen=True)
class Resolution:
    kode_desa: str | None
    kandidat: list[str] | None
    alasan: str | None  # why the name could not be resolved (Bahasa Indonesia), else None


class DesaResolver:
    """Resolves typed names against `desa_of_kabupaten(...)` of one kabupaten."""

    def __init__(self, desa: pl.DataFrame, kabupaten_name: str) -> None:
        self.kabupaten_name = kabupaten_name
        rows = desa.select("kode_desa", "nama_desa", "kode_kecamatan", "nama_kecamatan").rows()
        self.desa_by_key: dict[str, list[tuple[str, str]]] = {}  # key -> [(kode_desa, kode_kec)]
        self.kec_by_key: dict[str, str] = {}
        self.kec_name: dict[str, str] = {}
        self.desa_keys_in_kec: dict[str, dict[str, list[str]]] = {}
        for kode, nama, kode_kec, nama_kec in rows:
            key = place_key(nama)
            self.desa_by_key.setdefault(key, []).append((kode, kode_kec))
            self.desa_keys_in_kec.setdefault(kode_kec, {}).setdefault(key, []).append(kode)
            if nama_kec is not None:
                self.kec_by_key[place_key(nama_kec)] = kode_kec
                self.kec_name[kode_kec] = nama_kec
        self.codes = {kode for kode, *_ in rows}
        self.desa_keys = list(self.desa_by_key)
        self.kec_keys = list(self.kec_by_key)

    @staticmethod
    def _fuzzy(key: str, choices: list[str]) -> str | None:
        if not key or not choices:
            return None
        found = process.extract(key, choices, scorer=fuzz.ratio, limit=2)
        if not found or found[0][1] < FUZZY_MIN_SCORE:
            return None
        if len(found) > 1 and found[0][1] - found[1][1] < FUZZY_MIN_MARGIN:
            return None
        return found[0][0]

    def kecamatan(self, name: str) -> str | None:
        if name.strip() in self.kec_name:  # typed as a code
            return name.strip()
        key = place_key(name)
        if key in self.kec_by_key:
            return self.kec_by_key[key]
        match = self._fuzzy(key, self.kec_keys)
        return self.kec_by_key[match] if match else None

    def resolve(self, desa: str | None, kecamatan: str | None) -> Resolution:
        if desa is None:
            return Resolution(None, None, None)
        code = normalize_code(desa)
        if code in self.codes:  # a code typed in the name column
            return Resolution(code, None, None)
        key = place_key(desa)
        if kecamatan is not None:
            kode_kec = self.kecamatan(kecamatan)
            if kode_kec is None:
                return Resolution(
                    None, None, f"kecamatan '{kecamatan}' tidak ditemukan di {self.kabupaten_name}"
                )
            inside = self.desa_keys_in_kec.get(kode_kec, {})
            match = key if key in inside else self._fuzzy(key, list(inside))
            if match is None:
                return Resolution(
                    None,
                    None,
                    f"desa/kelurahan '{desa}' tidak ditemukan di Kecamatan "
                    f"{self.kec_name.get(kode_kec, kecamatan)}, {self.kabupaten_name}",
                )
            codes = inside[match]
            return Resolution(codes[0], None, None) if len(codes) == 1 else Resolution(None, sorted(codes), None)
        match = key if key in self.desa_by_key else self._fuzzy(key, self.desa_keys)
        if match is None:
            return Resolution(
                None, None, f"desa/kelurahan '{desa}' tidak ditemukan di {self.kabupaten_name}"
            )
        codes = sorted(kode for kode, _ in self.desa_by_key[match])
        if len(codes) == 1:
            return Resolution(codes[0], None, None)
        # The same name in several kecamatan and no kecamatan column to decide: review.
        return Resolution(None, codes, None)

    def resolve_frame(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """`pairs` has distinct `desa`, `kecamatan` (Utf8, may be null); adds `_kode`,
        `_kandidat` (List(Utf8)) and `_alasan`."""
        kode: list[str | None] = []
        kandidat: list[list[str] | None] = []
        alasan: list[str | None] = []
        for desa, kec in pairs.select("desa", "kecamatan").iter_rows():
            res = self.resolve(desa, kec)
            kode.append(res.kode_desa)
            kandidat.append(res.kandidat)
            alasan.append(res.alasan)
        return pairs.with_columns(
            pl.Series("_kode", kode, dtype=pl.Utf8),
            pl.Series("_kandidat", kandidat, dtype=pl.List(pl.Utf8)),
            pl.Series("_alasan", alasan, dtype=pl.Utf8),
        )
