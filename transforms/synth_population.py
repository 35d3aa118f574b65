"""Synthetic population of one kabupaten: desa sizes, households, people, NIK/NKK and names.

Everything is drawn with numpy in whole-array steps so that millions of voters take seconds.
The name pools, titles, hamlet/street names and disability words are data under data/synth/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from transforms.wilayah import desa_of_kabupaten, load_wilayah

SYNTH_DATA = Path(__file__).resolve().parent.parent / "data" / "synth"
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


def _weighted(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
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
        index[idx] = _weighted(rng, sub["bobot"].to_numpy(), len(idx)) + offset
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
    pools = load_pools()
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
        _plant_twins(rng, k, hh, role, size, is_child & ~bawah_umur, birth, khusus, pasangan)
        namesakes = _plant_namesakes(rng, k, hh, hh_desa[hh], female, age, birth, khusus, pasangan)
    year = ymd(birth)[0]
    names = make_names(rng, year, female)
    if hard_cases and n_voters >= 200:
        names = _plant_father_son(rng, k, names, hh, role, start, female, is_child & ~bawah_umur, khusus, pasangan)
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
    disab_i = np.where(disab_mask, 1 + _weighted(rng, dz["bobot"].to_numpy(), n_voters), 0)
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
    voters = _plant_list_errors(rng, voters)
    voters = _plant_duplicates(rng, voters)
    if hard_cases and n_voters >= 200:
        voters = _plant_two_nik_duplicates(rng, voters, reg_nik, desa)
    voters = _assign_tps(rng, voters).drop("_desa_i")
    voters = voters.with_columns(
        pl.int_range(0, pl.len(), dtype=pl.Int64).alias("rec"),
        (pl.int_range(0, pl.len(), dtype=pl.Int64) + 2).alias("baris"),
    )
    return Population(voters=voters, registry_nik=reg_nik, registry_nkk=reg_nkk)


# Planted look-alikes (hard cases): twins, a father and son sharing a name, namesakes in one desa.
KHUSUS = ("", "kembar", "ayah", "anak", "senama")
# A person registered a second time under another NIK (both records carry this mark).
GANDA_DUA_NIK = "ganda_dua_nik"


def _single_word(names: pl.Series, idx: np.ndarray) -> np.ndarray:
    return ~names.gather(idx).str.contains(" ").to_numpy()


def _plant_twins(rng, k, hh, role, size, child, birth, khusus, pasangan) -> None:
    """Two children of a household born the same day (same NKK and birth date, own names)."""
    second = np.flatnonzero((role == 3) & child & np.roll(child, 1) & (np.roll(role, 1) == 2))
    pick = rng.permutation(second)[:k]
    birth[pick] = birth[pick - 1]
    khusus[pick] = khusus[pick - 1] = 1
    pasangan[pick] = pasangan[pick - 1] = pick


def _plant_namesakes(rng, k, hh, desa_i, female, age, birth, khusus, pasangan) -> np.ndarray:
    """Pairs of voters of one desa, other households, same sex and nearly the same age: their
    names are made equal once names exist. Returns the (first, second) index pairs."""
    pairs = []
    free = (khusus == 0) & (age > 30) & (age < 75)
    for i in rng.permutation(np.flatnonzero(free))[: 20 * k]:
        if len(pairs) >= k:
            break
        lo, hi = max(0, i - 300), min(len(hh), i + 300)
        near = np.flatnonzero(
            (desa_i[lo:hi] == desa_i[i]) & (hh[lo:hi] != hh[i]) & (female[lo:hi] == female[i]) & free[lo:hi]
        ) + lo
        if not len(near):
            continue
        j = int(near[int(rng.integers(0, len(near)))])
        birth[j] = birth[i] + int(rng.integers(20, 200))
        khusus[i] = khusus[j] = 4
        pasangan[i] = pasangan[j] = i
        free[[i, j]] = False
        pairs.append((i, j))
    return np.array(pairs, dtype="int64").reshape(-1, 2)


def _plant_father_son(rng, k, names: pl.Series, hh, role, start, female, child, khusus, pasangan) -> pl.Series:
    """A son named exactly like his father (a single Javanese name), in the same household."""
    sons = np.flatnonzero(child & ~female & (role >= 2) & (khusus == 0))
    fathers = start[sons]
    ok = ~female[fathers] & (khusus[fathers] == 0) & _single_word(names, fathers)
    sons = rng.permutation(sons[ok])[:k]
    sons = sons[np.unique(hh[sons], return_index=True)[1]]
    fathers = start[sons]
    khusus[fathers], khusus[sons] = 2, 3
    pasangan[fathers] = pasangan[sons] = fathers
    return names.scatter(sons, names.gather(fathers))


def _plant_list_errors(rng, voters: pl.DataFrame) -> pl.DataFrame:
    """Some records carry a wrong name, birth date or sex: what `perbaikan` files later fix.

    The NIK always holds the true birth date and sex, so a correction agrees with the NIK.
    """
    n = voters.height
    free = ~voters["bawah_umur"].to_numpy() & (voters["khusus"] == "").to_numpy()
    pick = rng.permutation(np.flatnonzero(free))
    k = max(3, round(n * 0.004)) if n >= 200 else 0
    # Typing slips in long names only: in a short name one letter makes another name.
    long_name = (voters["nama"].str.len_chars() >= 9).to_numpy()[pick]
    nama_idx = np.sort(pick[long_name][:k])
    rest = pick[~np.isin(pick, nama_idx)]
    tgl_idx = np.sort(rest[:k])
    jk_idx = np.sort(rest[k : k + (max(1, k // 3) if k else 0)])
    cacat = np.zeros(n, dtype="int8")
    cacat[nama_idx], cacat[tgl_idx], cacat[jk_idx] = 1, 2, 3
    nama = voters["nama"].clone()
    if len(nama_idx):
        nama = nama.scatter(nama_idx, pl.Series(typo(rng, nama.gather(nama_idx).to_numpy()), dtype=pl.Utf8))
    # A typed date slipped by days or months; always earlier, so the voter never looks under age.
    shift = rng.choice(np.array([1, 10, 31, 30, 61, 365]), len(tgl_idx))
    tgl = voters["tanggal_lahir"].to_physical().to_numpy().astype("int64")
    tgl[tgl_idx] -= shift
    jk = voters["jenis_kelamin"].clone()
    if len(jk_idx):
        jk = jk.scatter(jk_idx, jk.gather(jk_idx).replace({"L": "P", "P": "L"}))
    return voters.with_columns(
        pl.Series("cacat", ["", "nama", "tanggal_lahir", "jenis_kelamin"]).gather(cacat.astype("int64")),
        pl.col("nama").alias("nama_benar"),
        pl.col("tanggal_lahir").alias("tanggal_lahir_benar"),
        pl.col("jenis_kelamin").alias("jenis_kelamin_benar"),
    ).with_columns(
        nama.alias("nama"),
        pl.Series("tanggal_lahir", tgl.astype("datetime64[D]")).cast(pl.Date),
        jk.alias("jenis_kelamin"),
    )


def _plant_duplicates(rng, voters: pl.DataFrame) -> pl.DataFrame:
    """A few people listed twice under the same NIK; the copy sits later in the file."""
    n = voters.height
    k = max(2, round(n * 0.0005)) if n >= 200 else 0
    clean = np.flatnonzero(
        ~voters["bawah_umur"].to_numpy() & (voters["cacat"] == "").to_numpy() & (voters["khusus"] == "").to_numpy()
    )
    src = np.sort(rng.choice(clean, min(k, len(clean)), replace=False)) if k else np.empty(0, "int64")
    # The copy goes to the end of the same desa block (a second registration at the same place).
    desa_i = voters["_desa_i"].to_numpy()
    last = np.searchsorted(desa_i, desa_i[src], side="right") - 1
    copy_pos = last + 0.5 + np.arange(len(src)) * 1e-6
    base = voters.with_columns(pl.lit(False).alias("ganda"), pl.Series("_pos", np.arange(n, dtype="float64")))
    copies = voters[src].with_columns(pl.lit(True).alias("ganda"), pl.Series("_pos", copy_pos, dtype=pl.Float64))
    return pl.concat([base, copies]).sort("_pos").drop("_pos")


def _corrupt_date(rng, days: int) -> int:
    """One birth date typed wrong the way record-linkage benchmarks do it: day and month
    swapped, or one digit of the day or of the year's last two digits changed."""
    d = date(1970, 1, 1) + timedelta(days=int(days))
    choice = rng.integers(0, 3)
    if choice == 0 and d.day <= 12 and d.day != d.month:
        new = date(d.year, d.day, d.month)
    elif choice == 1:
        unit = int(rng.integers(0, 10))
        day = d.day - d.day % 10 + unit
        new = d.replace(day=day) if 1 <= day <= 28 and day != d.day else d.replace(day=(d.day % 28) + 1)
    else:
        year = d.year - d.year % 10 + int(rng.integers(0, 10))
        new = d.replace(year=year if year != d.year else d.year - 1)
    return (new - date(1970, 1, 1)).days


def _split_title(name: str) -> tuple[list[str], list[str], str]:
    """A spelled name as (titles in front, the name's words, ', TITLE' behind): H. PAIJO ->
    (['H.'], ['PAIJO'], ''); JUMINAH, S.PD. -> ([], ['JUMINAH'], ', S.PD.')."""
    core, comma, title = name.partition(", ")
    words = core.split(" ")
    front = []
    while len(words) > 1 and words[0].endswith("."):
        front.append(words.pop(0))
    return front, words, comma + title


def _plant_two_nik_duplicates(rng, voters: pl.DataFrame, reg_nik: NumberRegistry, desa: pl.DataFrame) -> pl.DataFrame:
    """Some people registered a second time under a NIK of their own, corrupted as the
    public record-linkage benchmarks corrupt their duplicates: a typing slip in the name,
    words swapped or one dropped, a birth date with a wrong digit or day and month swapped,
    the address left out or typed differently, registered in another household of the desa
    or in another desa of the kecamatan. 1 to 3 of these per copy; the copy follows the
    last record of its desa. Both records are marked GANDA_DUA_NIK and point at each other
    (`pasangan`)."""
    n = voters.height
    k = max(2, round(n * 0.002))
    clean = np.flatnonzero(
        ~voters["bawah_umur"].to_numpy() & (voters["cacat"] == "").to_numpy() & (voters["khusus"] == "").to_numpy()
        & ~voters["ganda"].to_numpy()
    )
    src = np.sort(rng.choice(clean, min(k, len(clean)), replace=False))
    copies = voters[src].to_dicts()
    desa_codes = desa["kode_desa"].to_list()
    kec_of = dict(zip(desa["kode_desa"], desa["kode_kecamatan"]))
    households = voters.group_by("_desa_i").agg(pl.col("nkk", "alamat", "rt", "rw", "rumah", "kode_desa"))
    by_desa = {r["_desa_i"]: r for r in households.to_dicts()}
    kinds = ("nama_ketik", "nama_tukar", "nama_kurang", "tgl", "alamat", "kk", "desa")
    # Typing slips and left-out fields are common; a second registration in another household
    # of the desa less so, and after a move to another desa rarer still.
    odds = np.array([0.22, 0.12, 0.12, 0.22, 0.16, 0.10, 0.06])
    for c in copies:
        changes = list(rng.choice(len(kinds), int(rng.integers(1, 4)), replace=False, p=odds))
        # Name changes act on the name's own words; a title stays where it was.
        front, words, back = _split_title(c["nama"])
        for j in changes:
            kind = kinds[j]
            if kind == "nama_ketik":
                words = str(typo(rng, np.array([" ".join(words)]))[0]).split(" ")
            elif kind == "nama_tukar" and len(words) >= 2:
                words = words[1:] + words[:1]
            elif kind == "nama_kurang" and len(words) >= 2:
                drop = int(rng.integers(0, len(words)))
                words = [w for i, w in enumerate(words) if i != drop]
            elif kind == "tgl":
                born = (c["tanggal_lahir"] - date(1970, 1, 1)).days
                c["tanggal_lahir"] = date(1970, 1, 1) + timedelta(days=_corrupt_date(rng, born))
            elif kind == "alamat":
                c["alamat"] = None if rng.random() < 0.5 else str(typo(rng, np.array([c["alamat"]]))[0])
            elif kind in ("kk", "desa"):
                target = c["_desa_i"]
                if kind == "desa":
                    same_kec = [i for i, code in enumerate(desa_codes)
                                if kec_of[code] == kec_of[c["kode_desa"]] and i != c["_desa_i"] and i in by_desa]
                    if not same_kec:
                        continue
                    target = same_kec[int(rng.integers(0, len(same_kec)))]
                h = by_desa[target]
                pick = int(rng.integers(0, len(h["nkk"])))
                if h["nkk"][pick] == c["nkk"]:
                    continue
                c.update(nkk=h["nkk"][pick], alamat=h["alamat"][pick], rt=h["rt"][pick], rw=h["rw"][pick],
                         rumah=h["rumah"][pick], kode_desa=h["kode_desa"][pick], _desa_i=target)
        c["nama"] = " ".join([*front, *words]) + back
    female = np.array([c["jenis_kelamin_benar"] == "P" for c in copies])
    born = np.array([(c["tanggal_lahir_benar"] - date(1970, 1, 1)).days for c in copies], dtype="int64")
    kec6 = region6(pl.Series([c["kode_desa"] for c in copies]))
    new_nik = digits16(reg_nik.allocate(rng, kec6, born, female)).to_list()
    for c, nik, i in zip(copies, new_nik, src):
        c.update(nik=nik, khusus=GANDA_DUA_NIK, pasangan=int(i))
    copy_frame = pl.DataFrame(copies, schema=voters.schema)
    desa_i = np.asarray(copy_frame["_desa_i"].to_numpy())
    order_desa = voters["_desa_i"].to_numpy()
    last = np.searchsorted(order_desa, desa_i, side="right") - 1
    base = voters.with_columns(
        pl.Series("_pos", np.arange(n, dtype="float64")),
        khusus=pl.when(pl.int_range(0, n).is_in(src)).then(pl.lit(GANDA_DUA_NIK)).otherwise(pl.col("khusus")),
        pasangan=pl.when(pl.int_range(0, n).is_in(src)).then(pl.int_range(0, n, dtype=pl.Int64))
        .otherwise(pl.col("pasangan")),
    )
    copy_frame = copy_frame.with_columns(pl.Series("_pos", last + 0.75 + np.arange(len(src)) * 1e-6))
    return pl.concat([base, copy_frame]).sort("_pos").drop("_pos")


def _assign_tps(rng, voters: pl.DataFrame) -> pl.DataFrame:
    per_tps = int(rng.integers(260, 300))
    return voters.with_columns(
        (pl.int_range(0, pl.len()).over("kode_desa") // per_tps + 1).cast(pl.Utf8).str.zfill(3).alias("tps")
    )
