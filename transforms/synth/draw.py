"""Random draws the generator is built from: dates as day numbers, the titles, hamlet and
street names of data/synth/ (names themselves are drawn in `naming.py`), NIK and NKK numbers
that are unique and agree with birth date and sex, and the places of the region.

Everything is drawn with numpy in whole-array steps so that millions of voters take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from transforms.wilayah import desa_of_kabupaten, load_wilayah

SYNTH_DATA = Path(__file__).resolve().parents[2] / "data" / "synth"
EPOCH = date(1970, 1, 1)
DAYS_PER_YEAR = 365.2425


# --------------------------------------------------------------------------- dates


def to_days(d: date) -> int:
    return (d - EPOCH).days


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day arrays of day numbers counted from 1970-01-01."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    year = months.astype("int64") // 12 + 1970
    month = months.astype("int64") % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype("int64") + 1
    return year, month, day


def age_on(birth_days: np.ndarray, ref: date) -> np.ndarray:
    """Whole years of age on `ref` (a birthday on `ref` counts)."""
    y, m, d = ymd(birth_days)
    age = ref.year - y
    before = (m > ref.month) | ((m == ref.month) & (d > ref.day))
    return age - before.astype("int64")


def years_before(ref: date, years: int) -> date:
    """The same calendar day `years` earlier (29 Feb → 28 Feb)."""
    try:
        return ref.replace(year=ref.year - years)
    except ValueError:
        return ref.replace(year=ref.year - years, day=28)


# --------------------------------------------------------------------------- pools


@dataclass(frozen=True)
class Pools:
    gelar: pl.DataFrame  # gelar, posisi, jenis_kelamin, lahir_min, lahir_max, bobot
    dusun: np.ndarray
    jalan: np.ndarray
    disabilitas: pl.DataFrame  # disabilitas, bobot


@lru_cache(maxsize=1)
def load_pools() -> Pools:
    def read(name: str) -> pl.DataFrame:
        return pl.read_csv(SYNTH_DATA / name, infer_schema=False)

    alamat = read("alamat.csv")
    return Pools(
        gelar=read("gelar.csv").with_columns(
            pl.col("lahir_min").cast(pl.Int64), pl.col("lahir_max").cast(pl.Int64), pl.col("bobot").cast(pl.Float64)
        ),
        dusun=alamat.filter(pl.col("jenis") == "dusun")["nama"].to_numpy(),
        jalan=alamat.filter(pl.col("jenis") == "jalan")["nama"].to_numpy(),
        disabilitas=read("disabilitas.csv").with_columns(pl.col("bobot").cast(pl.Float64)),
    )


def weighted_index(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """`size` indices into `weights`, each drawn in proportion to its weight."""
    p = np.asarray(weights, dtype="float64")
    return rng.choice(len(p), size=size, p=p / p.sum())


def typo(rng: np.random.Generator, names: np.ndarray) -> np.ndarray:
    """A plausible typing slip: two neighbouring letters swapped or one letter dropped."""
    out = names.astype(object).copy()
    for i, name in enumerate(out):
        letters = [j for j in range(len(name) - 1) if name[j].isalpha() and name[j + 1].isalpha()]
        if not letters:
            continue
        j = letters[int(rng.integers(len(letters)))]
        if rng.random() < 0.5 and name[j] != name[j + 1]:
            out[i] = name[:j] + name[j + 1] + name[j] + name[j + 2 :]
        else:
            out[i] = name[:j] + name[j + 1 :]
    return out


# --------------------------------------------------------------------------- NIK / NKK


class NumberRegistry:
    """Allocates 16-digit NIK/NKK numbers, unique over the whole synthetic population.

    The numbers live in one big sorted array plus a few small recent batches, so that many
    small allocations (a quarter's newcomers) do not re-sort millions of numbers each time.
    """

    def __init__(self) -> None:
        self.used = np.empty(0, dtype="int64")
        self.recent: list[np.ndarray] = []

    def _taken(self, numbers: np.ndarray) -> np.ndarray:
        hit = np.zeros(len(numbers), dtype=bool)
        if len(self.used):
            pos = np.searchsorted(self.used, numbers).clip(0, len(self.used) - 1)
            hit |= self.used[pos] == numbers
        if self.recent:
            hit |= np.isin(numbers, np.concatenate(self.recent))
        return hit

    def allocate(self, rng: np.random.Generator, region6: np.ndarray, days: np.ndarray, female: np.ndarray) -> np.ndarray:
        """region(6) + DDMMYY (day + 40 for women) + serial 0001-9999."""
        y, m, d = ymd(days)
        dd = d + np.where(female, 40, 0)
        base = (np.asarray(region6, dtype="int64") * 1_000_000 + dd * 10_000 + m * 100 + y % 100) * 10_000
        # Serial numbers count up per day of registration, so low numbers are the common ones.
        serial = 1 + (rng.random(len(base)) ** 3 * 9998).astype("int64")
        nik = base + serial
        order = np.argsort(nik, kind="stable")
        s = nik[order]
        bad = np.zeros(len(nik), dtype=bool)
        bad[order[1:][s[1:] == s[:-1]]] = True
        bad |= self._taken(nik)
        good = np.sort(nik[~bad])
        fixed: list[np.ndarray] = []
        for _ in range(200):
            todo = np.flatnonzero(bad)
            if not len(todo):
                break
            cand = base[todo] + rng.integers(1, 10_000, len(todo))
            pos = np.searchsorted(good, cand).clip(0, max(len(good) - 1, 0))
            clash = (good[pos] == cand) if len(good) else np.zeros(len(cand), bool)
            clash |= self._taken(cand)
            if fixed:
                clash |= np.isin(cand, np.concatenate(fixed))
            _, first = np.unique(cand, return_index=True)
            repeat = np.ones(len(cand), bool)
            repeat[first] = False
            ok = ~(clash | repeat)
            nik[todo[ok]] = cand[ok]
            bad[todo[ok]] = False
            fixed.append(cand[ok])
        else:  # pragma: no cover - 200 rounds of collisions means the region is full
            raise RuntimeError("no free NIK serial numbers left")
        self.register(nik)
        return nik

    def register(self, numbers: np.ndarray) -> None:
        numbers = np.asarray(numbers, dtype="int64")
        if not len(self.used):
            self.used = np.sort(numbers)
            return
        self.recent.append(numbers)
        if sum(len(r) for r in self.recent) > max(10_000, len(self.used) // 20):
            self.used = np.sort(np.concatenate([self.used, *self.recent]))
            self.recent = []


def region6(kode: np.ndarray | pl.Series) -> np.ndarray:
    """'33.23.01' (or a desa code) → 332301."""
    s = pl.Series(kode).str.slice(0, 8).str.replace_all(".", "", literal=True)
    return s.cast(pl.Int64).to_numpy()


def digits16(numbers: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(numbers, dtype="int64")).cast(pl.Utf8).str.zfill(16)


# --------------------------------------------------------------------------- places


@dataclass(frozen=True)
class Region:
    kode_kabupaten: str
    nama_kabupaten: str  # "TEMANGGUNG"
    nama_lengkap: str  # "KABUPATEN TEMANGGUNG", "KOTA JAKARTA SELATAN"
    desa: pl.DataFrame  # kode_desa, nama_desa, jenis, kode_kecamatan, nama_kecamatan
    other_kec: np.ndarray  # region6 of kecamatan outside the kabupaten (same province first)
    other_kab: pl.DataFrame  # kode, nama (upper, no "KABUPATEN"/"KOTA")


@lru_cache(maxsize=8)
def load_region(kode_kabupaten: str) -> Region:
    w = load_wilayah()
    desa = desa_of_kabupaten(kode_kabupaten, w)
    kab = w.filter(pl.col("level") == "kabupaten").with_columns(
        pl.col("nama").str.replace(r"^(Kabupaten|Kota)\s+", "").str.to_uppercase().alias("nama")
    )
    prov = kode_kabupaten[:2]
    others = kab.filter(pl.col("kode") != kode_kabupaten)
    near = others.filter(pl.col("kode").str.starts_with(prov + "."))
    if near.height == 0:
        near = others
    kec = w.filter((pl.col("level") == "kecamatan") & pl.col("kode").str.starts_with(prov + "."))
    kec = kec.filter(~pl.col("kode").str.starts_with(kode_kabupaten + "."))
    if kec.height == 0:
        kec = w.filter((pl.col("level") == "kecamatan") & ~pl.col("kode").str.starts_with(kode_kabupaten + "."))
    return Region(
        kode_kabupaten=kode_kabupaten,
        nama_kabupaten=kab.filter(pl.col("kode") == kode_kabupaten).item(0, "nama"),
        nama_lengkap=w.filter(pl.col("kode") == kode_kabupaten).item(0, "nama").upper(),
        desa=desa,
        other_kec=region6(kec["kode"]),
        other_kab=near.select("kode", "nama"),
    )


def birth_places(rng, region: Region, n: int) -> pl.Series:
    """Mostly born in the kabupaten itself, the rest in a neighbouring one."""
    own = rng.random(n) < 0.82
    places = pl.concat([pl.Series([region.nama_kabupaten]), region.other_kab["nama"]])
    pick = np.where(own, 0, 1 + rng.integers(0, region.other_kab.height, n))
    return places.gather(pick).alias("tempat_lahir")
