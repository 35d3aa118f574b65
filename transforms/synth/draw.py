"""Random draws the generator is built from: dates as day numbers, names from the pools under
data/synth/, NIK and NKK numbers that are unique and agree with birth date and sex, and the
places of the region.

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
    tunggal: pl.DataFrame  # nama, ejaan_lama, jenis_kelamin, generasi, bobot
    kata: pl.DataFrame  # kata, jenis_kelamin, posisi, bobot
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
        tunggal=read("nama_tunggal.csv").with_columns(pl.col("bobot").cast(pl.Float64)),
        kata=read("nama_kata.csv").with_columns(pl.col("bobot").cast(pl.Float64)),
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


def _draw_rows(rng, table: pl.DataFrame, female: np.ndarray, extra: pl.Expr) -> tuple[pl.DataFrame, np.ndarray]:
    """One pool row per person, drawn by sex (rows marked '*' serve both).

    Returns the pool rows usable for either sex (men's first) and each person's row index.
    """
    subs = [table.filter(extra & pl.col("jenis_kelamin").is_in([code, "*"])) for code in ("L", "P")]
    index = np.empty(len(female), dtype="int64")
    offset = 0
    for is_p, sub in zip((False, True), subs):
        idx = np.flatnonzero(female == is_p)
        index[idx] = weighted_index(rng, sub["bobot"].to_numpy(), len(idx)) + offset
        offset += sub.height
    return pl.concat(subs), index


def make_names(rng: np.random.Generator, birth_year: np.ndarray, female: np.ndarray) -> pl.Series:
    """Javanese names by generation: single names (old spelling) for the old, 2-3 words for the young.

    Names are drawn as integer codes and spelled out once per distinct name, which keeps
    millions of people cheap: the spelled vocabulary has only tens of thousands of entries.
    """
    pools = load_pools()
    n = len(birth_year)
    by = np.asarray(birth_year)
    t, k = pools.tunggal, pools.kata
    tua_t, tua = _draw_rows(rng, t, female, pl.col("generasi") == "tua")
    tengah_t, tengah = _draw_rows(rng, t, female, pl.col("generasi") == "tengah")
    depan_t, w1 = _draw_rows(rng, k, female, pl.col("posisi") == "depan")
    mid_t, w2 = _draw_rows(rng, k, female, pl.col("posisi") == "tengah")
    akhir_t, w3 = _draw_rows(rng, k, female, pl.col("posisi") == "belakang")
    u, v, three = rng.random(n), rng.random(n), rng.random(n) < 0.33

    # Form of each name: 0 single (modern spelling), 1 single (old spelling), 2 middle-generation
    # single/compound name, 3 composed young name.
    form = np.where(v < 0.55, 3, np.where(v < 0.8, 2, 0))
    mid = (by >= 1960) & (by < 1986)
    form[mid] = np.where(v[mid] < 0.25, 3, np.where(v[mid] < 0.65, 2, 0))
    old = by < 1960
    old_spelling = ((by < 1955) & (u < 0.7)) | ((by >= 1955) & (u < 0.3))
    form[old] = np.where(v[old] < 0.85, np.where(old_spelling[old], 1, 0), 2)

    words = [depan_t["kata"].to_list(), mid_t["kata"].to_list(), akhir_t["kata"].to_list()]
    tua_nama, tua_lama, tengah_nama = tua_t["nama"].to_list(), tua_t["ejaan_lama"].to_list(), tengah_t["nama"].to_list()
    # Code ranges: [0, big) single names, [big, 2 big) their old spelling, [2 big, 3 big) middle
    # generation, then composed names; `big` exceeds every pool so the ranges never overlap.
    big = max(len(w) for w in [*words, tua_nama, tengah_nama]) + 1
    # Middle word 0 = none; drop it when three words were not drawn or it repeats a neighbour.
    w2_code = np.where(three, w2 + 1, 0)
    key = np.select(
        [form == 0, form == 1, form == 2],
        [tua, tua + big, tengah + 2 * big],
        default=3 * big + (w1 * big + w2_code) * big + w3,
    )
    codes, inverse = np.unique(key, return_inverse=True)
    vocab = []
    for code in codes.tolist():
        if code < big:
            vocab.append(tua_nama[code])
        elif code < 2 * big:
            vocab.append(tua_lama[code - big])
        elif code < 3 * big:
            vocab.append(tengah_nama[code - 2 * big])
        else:
            rest = code - 3 * big
            a, b, c = rest // (big * big), (rest // big) % big, rest % big
            parts = [words[0][a]]
            if b and words[1][b - 1] not in (words[0][a], words[2][c]):
                parts.append(words[1][b - 1])
            if words[2][c] != words[0][a]:
                parts.append(words[2][c])
            vocab.append(" ".join(parts))
    return _add_titles(rng, np.asarray(inverse).reshape(-1), vocab, by, female)


def _add_titles(rng, name_id: np.ndarray, vocab: list[str], birth_year: np.ndarray, female: np.ndarray) -> pl.Series:
    """Haji titles for the older, academic titles by birth cohort; at most one title each."""
    gelar = load_pools().gelar
    n = len(name_id)
    which = np.zeros(n, dtype="int64")  # 0 = no title, i + 1 = row i of gelar.csv
    rows = list(gelar.iter_rows(named=True))
    for i, row in enumerate(rows):
        sex_ok = np.ones(n, bool) if row["jenis_kelamin"] == "*" else female == (row["jenis_kelamin"] == "P")
        hit = (which == 0) & sex_ok & (birth_year >= row["lahir_min"]) & (birth_year <= row["lahir_max"])
        hit &= rng.random(n) < row["bobot"] / 1000.0
        which[hit] = i + 1
    key = name_id * (len(rows) + 1) + which
    codes, inverse = np.unique(key, return_inverse=True)
    spelled = []
    for code in codes.tolist():
        name, g = vocab[code // (len(rows) + 1)], code % (len(rows) + 1)
        if g == 0:
            spelled.append(name)
        elif rows[g - 1]["posisi"] == "depan":
            spelled.append(rows[g - 1]["gelar"] + " " + name)
        else:
            spelled.append(name + ", " + rows[g - 1]["gelar"])
    return pl.Series("nama", spelled, dtype=pl.Utf8).gather(np.asarray(inverse).reshape(-1))


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
