"""The matching policy (`schemas/policy.toml`) as a typed object: weights and thresholds are data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

POLICY_TOML = Path(__file__).resolve().parent / "policy.toml"
PURPOSES: tuple[str, ...] = ("hapus", "ubah", "baru")



@dataclass(frozen=True)
class PurposeRule:
    """Thresholds of one purpose (hapus / ubah / baru) on the evidence weight."""

    auto_min: float
    review_min: float
    review_nama_min: float
    selisih: float
    desa_wajib: bool


@dataclass(frozen=True)
class MatchPolicy:
    """Matching thresholds and evidence weights, loaded from `schemas/policy.toml`."""

    kandidat_nama_min: float
    kandidat_per_blok: int
    kandidat_nama_sama_maks: int
    maks_review: int
    skor_tengah: float
    skor_skala: float
    bobot: Mapping[str, float]
    nik_nama_min: float
    nik_ketik_nama_min: float
    auto_nama_min: float
    ketik_nama_min: float
    umur_frek_maks: int
    umur_rtrw_frek_maks: int
    luar_desa_frek_maks: int
    umur_risiko_maks: float
    umur_pesaing_selisih: int
    kuat_nama_min: float
    kembar_nama_min: float
    putusan: Mapping[str, PurposeRule]
    ganda_nik_nama_min: float
    ganda_nama_min: float
    ganda_luar_desa_frek_maks: int
    nama_sangat_mirip: float
    nama_mirip: float
    nama_cukup: float
    nama_agak_mirip: float
    cek_kata_min: float
    nik14_nama_min: float
    tgl_mirip_nama_min: float
    kuat_lain_nama_lebih: float
    tgl_umum_faktor: float
    tgl_umum_min: int

    def rule(self, purpose: str) -> PurposeRule:
        if purpose not in self.putusan:
            raise ValueError(f"unknown matching purpose {purpose!r}; expected one of {PURPOSES}")
        return self.putusan[purpose]


def load_policy(path: Path | None = None) -> MatchPolicy:
    """Read the matching policy (default `schemas/policy.toml`)."""
    with (path or POLICY_TOML).open("rb") as fh:
        doc = tomllib.load(fh)
    kandidat, syarat, ganda, ambang = doc["kandidat"], doc["syarat"], doc["ganda"], doc["ambang"]
    putusan = {
        name: PurposeRule(
            auto_min=float(r["auto_min"]),
            review_min=float(r["review_min"]),
            review_nama_min=float(r["review_nama_min"]),
            selisih=float(r["selisih"]),
            desa_wajib=bool(r.get("desa_wajib", False)),
        )
        for name, r in doc["putusan"].items()
    }
    missing = [p for p in PURPOSES if p not in putusan]
    if missing:
        raise ValueError(f"policy {path or POLICY_TOML} has no [putusan.{missing[0]}]")
    return MatchPolicy(
        kandidat_nama_min=float(kandidat["nama_min"]),
        kandidat_per_blok=int(kandidat["per_blok"]),
        kandidat_nama_sama_maks=int(kandidat["nama_sama_maks"]),
        maks_review=int(kandidat["maks_review"]),
        skor_tengah=float(doc["skor"]["skor_tengah"]),
        skor_skala=float(doc["skor"]["skor_skala"]),
        bobot=MappingProxyType({k: float(v) for k, v in doc["bobot"].items()}),
        nik_nama_min=float(syarat["nik_nama_min"]),
        nik_ketik_nama_min=float(syarat["nik_ketik_nama_min"]),
        auto_nama_min=float(syarat["auto_nama_min"]),
        ketik_nama_min=float(syarat["ketik_nama_min"]),
        umur_frek_maks=int(syarat["umur_frek_maks"]),
        umur_rtrw_frek_maks=int(syarat["umur_rtrw_frek_maks"]),
        luar_desa_frek_maks=int(syarat["luar_desa_frek_maks"]),
        umur_risiko_maks=float(syarat["umur_risiko_maks"]),
        umur_pesaing_selisih=int(syarat["umur_pesaing_selisih"]),
        kuat_nama_min=float(syarat["kuat_nama_min"]),
        kembar_nama_min=float(syarat["kembar_nama_min"]),
        putusan=MappingProxyType(putusan),
        ganda_nik_nama_min=float(ganda["nik_nama_min"]),
        ganda_nama_min=float(ganda["nama_min"]),
        ganda_luar_desa_frek_maks=int(ganda["luar_desa_frek_maks"]),
        nama_sangat_mirip=float(ambang["nama_sangat_mirip"]),
        nama_mirip=float(ambang["nama_mirip"]),
        nama_cukup=float(ambang["nama_cukup"]),
        nama_agak_mirip=float(ambang["nama_agak_mirip"]),
        cek_kata_min=float(ambang["cek_kata_min"]),
        nik14_nama_min=float(ambang["nik14_nama_min"]),
        tgl_mirip_nama_min=float(ambang["tgl_mirip_nama_min"]),
        kuat_lain_nama_lebih=float(ambang["kuat_lain_nama_lebih"]),
        tgl_umum_faktor=float(ambang["tgl_umum_faktor"]),
        tgl_umum_min=int(ambang["tgl_umum_min"]),
    )


@lru_cache(maxsize=1)
def default_policy() -> MatchPolicy:
    """The shipped policy, read once (for helpers called without a policy of their own)."""
    return load_policy()
