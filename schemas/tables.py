"""Loaders for the small rule tables kept as data in this folder."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import polars as pl

HERE = Path(__file__).resolve().parent
# The column captions of every report: kolom, judul, jenis, lebar_maks, nilai_publik (reports/style.py).
CAPTIONS_CSV = HERE / "captions.csv"


def load_tms(path: Path | None = None) -> pl.DataFrame:
    """The TMS code table in force: kode (Int64), label, keterangan (and the rule columns of
    `TmsRules` in the shipped table). A kabupaten may point
    `tms_table` in pdpb.toml at an older table (e.g. 5 tidak dikenal, 10 bukan penduduk)."""
    return pl.read_csv(path or HERE / "tms.csv", schema_overrides={"kode": pl.Int64}).sort("kode")


RULE_COLUMNS = ("peristiwa", "urutan", "kembali_oleh")


@dataclass(frozen=True)
class TmsRules:
    """What each TMS code means to the quarter's rules (columns of `schemas/tms.csv`):
    - `peristiwa`: the event that gives the code — an inbox kind (`kematian`, `pindah_keluar`),
      `tni_polri:MASUK:<instansi>`, `perbaikan` (a correction row may set it), or
      `periksa:<check>` (the whole-list checks: `ganda`, `umur`);
    - `urutan`: precedence among proposals for one voter, lower wins (a death before any other
      TMS); a data change (UBAH) comes after every TMS;
    - `kembali_oleh`: the inbox kinds that may bring a voter with this code back automatically."""

    by_event: Mapping[str, int]
    correctable: frozenset[int]
    precedence: Mapping[int, int]
    reactivation: Mapping[int, tuple[str, ...]]

    def code_for(self, rec: Mapping) -> int | None:
        """The TMS code an input row asks for, or None (not a removal)."""
        jenis = rec.get("jenis")
        if jenis == "tni_polri":
            if rec.get("perubahan") != "MASUK":
                return None
            return self.by_event.get(f"tni_polri:MASUK:{'TNI' if rec.get('instansi') == 'TNI' else 'POLRI'}")
        if jenis == "perbaikan":
            kode = rec.get("kode_tms")
            return int(kode) if kode in self.correctable else None
        return self.by_event.get(str(jenis))

    def check_code(self, check: str) -> int:
        """The code a whole-list check gives (`ganda`, `umur`)."""
        return self.by_event[f"periksa:{check}"]

    def rank(self, kode: int | None) -> int:
        return self.precedence.get(int(kode), 1) if kode is not None else 1

    def may_reactivate(self, kode: int | None, jenis: str) -> bool:
        return kode is not None and jenis in self.reactivation.get(int(kode), ())


def load_tms_rules(path: Path | None = None) -> TmsRules:
    """The rules of the TMS table in force; a table without the rule columns (an older one a
    kabupaten points `tms_table` at) keeps the shipped table's rules."""
    table = load_tms(path)
    if not all(c in table.columns for c in RULE_COLUMNS):
        table = load_tms()
    by_event: dict[str, int] = {}
    correctable: set[int] = set()
    precedence: dict[int, int] = {}
    reactivation: dict[int, tuple[str, ...]] = {}
    for row in table.iter_rows(named=True):
        kode, event = int(row["kode"]), (row["peristiwa"] or "").strip()
        if event == "perbaikan":
            correctable.add(kode)
        elif event:
            by_event[event] = kode
        precedence[kode] = int(row["urutan"]) if row["urutan"] is not None else 1
        reactivation[kode] = tuple((row["kembali_oleh"] or "").split())
    return TmsRules(MappingProxyType(by_event), frozenset(correctable), MappingProxyType(precedence),
                    MappingProxyType(reactivation))


@lru_cache(maxsize=1)
def shipped_tms_rules() -> TmsRules:
    return load_tms_rules()
