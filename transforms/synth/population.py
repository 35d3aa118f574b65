"""Synthetic population of one kabupaten: desa sizes, households and the people in them, with
their NIK/NKK, names and TPS, as the baseline list.

Everything is drawn with numpy in whole-array steps so that millions of voters take seconds.
The name pools, titles, hamlet/street names and disability words are data under data/synth/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from transforms.synth.draw import (
    DAYS_PER_YEAR,
    NumberRegistry,
    Region,
    birth_places,
    digits16,
    load_pools,
    region6,
    to_days,
    weighted_index,
    ymd,
)
from transforms.synth.naming import make_names
from transforms.synth.planted import (
    KHUSUS,
    plant_duplicates,
    plant_father_son,
    plant_list_errors,
    plant_namesakes,
    plant_twins,
    plant_two_nik_duplicates,
)

# --------------------------------------------------------------------------- baseline


@dataclass
class Population:
    """The baseline list as frames.

    voters: one row per record in file order, with the person fields (text/Date), plus
      rec (record id), rumah (household id), baris (row in pemilih.csv), ganda (a later
      copy of a NIK already listed), bawah_umur (under 17 and unmarried on the first tanggal
      acuan), cacat (which field is wrong on the list: '', 'nama', 'tanggal_lahir',
      'jenis_kelamin'), nama_benar, tanggal_lahir_benar, jenis_kelamin_benar.
    """

    voters: pl.DataFrame
    registry_nik: NumberRegistry
    registry_nkk: NumberRegistry


HOUSEHOLD_SIZES = np.array([1, 2, 3, 4, 5, 6])
HOUSEHOLD_P = np.array([0.12, 0.30, 0.25, 0.18, 0.10, 0.05])


def alamat_of(desa_idx: np.ndarray, rw: np.ndarray, rt: np.ndarray, kelurahan: np.ndarray) -> np.ndarray:
    """A hamlet per RW in a desa, a street per RT in a kelurahan (fixed per place, so moves agree)."""
    pools = load_pools()
    dusun_i = (np.asarray(desa_idx) * 7 + np.asarray(rw)) % len(pools.dusun)
    jalan_i = (np.asarray(desa_idx) * 5 + np.asarray(rw) * 3 + np.asarray(rt)) % len(pools.jalan)
    return np.where(kelurahan, pools.jalan[jalan_i], np.char.add("DUSUN ", pools.dusun[dusun_i].astype(str)))


def desa_weights(rng: np.random.Generator, desa: pl.DataFrame) -> np.ndarray:
    """Uneven desa sizes: lognormal, and the town's kelurahan about twice as large."""
    w = rng.lognormal(0.0, 0.45, desa.height)
    w *= np.where(desa["jenis"].to_numpy() == "kelurahan", 2.2, 1.0)
    return w / w.sum()


def make_population(rng: np.random.Generator, region: Region, n_voters: int, as_of: date, first_acuan: date,
                    hard_cases: bool = False) -> Population:
    desa = region.desa
    n_desa = desa.height
    weights = desa_weights(rng, desa)

    # Households and their members.
    n_hh = int(n_voters / (HOUSEHOLD_SIZES @ HOUSEHOLD_P) * 1.1) + 10
    size = rng.choice(HOUSEHOLD_SIZES, n_hh, p=HOUSEHOLD_P)
    cum = np.cumsum(size)
    n_hh = int(np.searchsorted(cum, n_voters) + 1)
    size = size[:n_hh]
    size[-1] -= int(cum[n_hh - 1] - n_voters)
    hh_desa = np.sort(rng.choice(n_desa, n_hh, p=weights))
    kelurahan = desa["jenis"].to_numpy()[hh_desa] == "kelurahan"
    n_rw = 2 + (rng.random(n_desa) * 6).astype("int64")
    hh_rw = 1 + (rng.random(n_hh) * n_rw[hh_desa]).astype("int64")
    hh_rt = 1 + rng.integers(0, 6, n_hh)
    order = np.lexsort((hh_rt, hh_rw, hh_desa))
    hh_desa, hh_rw, hh_rt, size, kelurahan = hh_desa[order], hh_rw[order], hh_rt[order], size[order], kelurahan[order]
    hh_alamat = alamat_of(hh_desa, hh_rw, hh_rt, kelurahan)

    hh = np.repeat(np.arange(n_hh), size)
    start = np.repeat(np.cumsum(size) - size, size)
    role = np.arange(n_voters) - start  # 0 head, 1 spouse or child, ...
    hsize = size[hh]

    head_age = 24 + rng.beta(2.0, 2.6, n_hh) * 68
    has_spouse = (size >= 2) & (rng.random(n_hh) < 0.85)
    grandparent = (size >= 4) & (rng.random(n_hh) < 0.3)
    head_female = rng.random(n_hh) < np.where(has_spouse, 0.05, 0.45)

    age = np.empty(n_voters)
    female = np.empty(n_voters, dtype=bool)
    status = np.empty(n_voters, dtype="<U1")
    u = rng.random(n_voters)
    ha = head_age[hh]

    is_head = role == 0
    age[is_head] = ha[is_head]
    female[is_head] = head_female[hh[is_head]]
    alone = is_head & (hsize == 1)
    widowed_p = np.clip((ha - 40) / 70, 0.05, 0.8)
    status[is_head] = np.where(has_spouse[hh[is_head]], "S", np.where(u[is_head] < widowed_p[is_head], "P", "S"))
    status[alone & (ha < 30) & (u < 0.7)] = "B"

    is_spouse = (role == 1) & has_spouse[hh]
    age[is_spouse] = ha[is_spouse] + rng.normal(-3, 4, is_spouse.sum())
    female[is_spouse] = ~head_female[hh[is_spouse]]
    status[is_spouse] = "S"

    is_grand = (role == hsize - 1) & grandparent[hh] & ~is_head & ~is_spouse
    age[is_grand] = ha[is_grand] + rng.uniform(22, 32, is_grand.sum())
    female[is_grand] = rng.random(is_grand.sum()) < 0.65
    status[is_grand] = np.where(rng.random(is_grand.sum()) < 0.75, "P", "S")

    is_child = ~(is_head | is_spouse | is_grand)
    gap = rng.uniform(20, 38, is_child.sum())
    floor = 17.2 + rng.uniform(0, 6, is_child.sum())
    age[is_child] = np.maximum(ha[is_child] - gap, floor)
    female[is_child] = rng.random(is_child.sum()) < 0.5
    married_p = np.clip((age[is_child] - 20) / 14, 0.0, 0.9)
    status[is_child] = np.where(rng.random(is_child.sum()) < married_p, "S", "B")

    # Out-of-range ages are drawn again inside the range, not clipped: clipping would pile
    # hundreds of people onto one birth date.
    too_old, too_young = age > 95.5, age < 17.05
    age[too_old] = rng.uniform(80, 95.5, int(too_old.sum()))
    age[too_young] = rng.uniform(17.05, 24, int(too_young.sum()))
    as_of_days = to_days(as_of)
    birth = as_of_days - (age * DAYS_PER_YEAR).astype("int64")

    # A few under-age unmarried children slipped onto the list (TMS 3 on the first tanggal acuan).
    n_under = max(2, round(n_voters * 0.0003)) if n_voters >= 200 else 0
    children = np.flatnonzero(is_child & (status == "B"))
    under = np.sort(rng.choice(children, min(n_under, len(children)), replace=False)) if n_under else np.empty(0, "int64")
    acuan_days = to_days(first_acuan)
    birth[under] = acuan_days - (rng.uniform(15.2, 16.9, len(under)) * DAYS_PER_YEAR).astype("int64")
    bawah_umur = np.zeros(n_voters, dtype=bool)
    bawah_umur[under] = True

    khusus = np.zeros(n_voters, dtype="int8")  # see KHUSUS
    pasangan = np.full(n_voters, -1, dtype="int64")
    if hard_cases and n_voters >= 200:
        k = max(2, round(n_voters * 0.0004))
        plant_twins(rng, k, hh, role, size, is_child & ~bawah_umur, birth, khusus, pasangan)
        namesakes = plant_namesakes(rng, k, hh, hh_desa[hh], female, age, birth, khusus, pasangan)
    year = ymd(birth)[0]
    names = make_names(rng, year, female)
    if hard_cases and n_voters >= 200:
        names = plant_father_son(rng, k, names, hh, role, start, female, is_child & ~bawah_umur, khusus, pasangan)
        names = names.scatter(namesakes[:, 1], names.gather(namesakes[:, 0])) if len(namesakes) else names

    kec6 = region6(desa["kode_kecamatan"])[hh_desa]
    # NIK issued where the person lived then: mostly the present kecamatan.
    nik_region = kec6[hh].copy()
    moved = rng.random(n_voters) < 0.12
    other_kec_in_kab = kec6[rng.integers(0, n_hh, n_voters)]
    nik_region[moved] = other_kec_in_kab[moved]
    far = rng.random(n_voters) < 0.04
    nik_region[far] = region.other_kec[rng.integers(0, len(region.other_kec), int(far.sum()))]

    reg_nik = NumberRegistry()
    nik = reg_nik.allocate(rng, nik_region, birth, female)
    reg_nkk = NumberRegistry()
    issue = to_days(date(2004, 1, 1)) + rng.integers(0, to_days(as_of) - to_days(date(2004, 1, 1)), n_hh)
    nkk = reg_nkk.allocate(rng, kec6, issue, np.zeros(n_hh, dtype=bool))

    disab_mask = rng.random(n_voters) < np.where(age > 65, 0.025, 0.006)
    dz = load_pools().disabilitas
    disab_i = np.where(disab_mask, 1 + weighted_index(rng, dz["bobot"].to_numpy(), n_voters), 0)
    disab = pl.concat([pl.Series([""]), dz["disabilitas"]]).gather(disab_i)
    desa_i = hh_desa[hh]

    voters = pl.DataFrame(
        {
            "nik": digits16(nik),
            "nkk": digits16(nkk[hh]),
            "nama": names,
            "tempat_lahir": birth_places(rng, region, n_voters),
            "tanggal_lahir": pl.Series(birth.astype("datetime64[D]")).cast(pl.Date),
            "status_kawin": pl.Series(status, dtype=pl.Utf8),
            "jenis_kelamin": pl.Series(np.where(female, "P", "L"), dtype=pl.Utf8),
            "alamat": pl.Series(hh_alamat, dtype=pl.Utf8).gather(hh),
            "rt": pl.Series(hh_rt[hh]).cast(pl.Utf8).str.zfill(3),
            "rw": pl.Series(hh_rw[hh]).cast(pl.Utf8).str.zfill(3),
            "disabilitas": disab,
            "kode_desa": desa["kode_desa"].gather(desa_i),
            "_desa_i": desa_i,
            "rumah": pl.Series(hh, dtype=pl.Int64),
            "bawah_umur": bawah_umur,
            "khusus": pl.Series(KHUSUS, dtype=pl.Utf8).gather(khusus.astype("int64")),
            "pasangan": pl.Series(pasangan, dtype=pl.Int64),
        }
    )
    voters = plant_list_errors(rng, voters)
    voters = plant_duplicates(rng, voters)
    if hard_cases and n_voters >= 200:
        voters = plant_two_nik_duplicates(rng, voters, reg_nik, desa)
    voters = _assign_tps(rng, voters).drop("_desa_i")
    voters = voters.with_columns(
        pl.int_range(0, pl.len(), dtype=pl.Int64).alias("rec"),
        (pl.int_range(0, pl.len(), dtype=pl.Int64) + 2).alias("baris"),
    )
    return Population(voters=voters, registry_nik=reg_nik, registry_nkk=reg_nkk)


def _assign_tps(rng, voters: pl.DataFrame) -> pl.DataFrame:
    per_tps = int(rng.integers(260, 300))
    return voters.with_columns(
        (pl.int_range(0, pl.len()).over("kode_desa") // per_tps + 1).cast(pl.Utf8).str.zfill(3).alias("tps")
    )
