"""Evidence per candidate pair: name, birth date or age, sex, place, household and NIK, as weights."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from schemas.fields import M_FUZZY, M_NIK, M_NIK_KONFLIK, M_NIK_NAMA
from schemas.policy import MatchPolicy, default_policy
from transforms.match.prepare import age_at


def pair_similarity(a: pl.Series | list[str], b: pl.Series | list[str], scorer,
                    score_cutoff: float | None = None) -> np.ndarray:
    """`scorer` of each a[i] with b[i] (a missing text scores as an empty one)."""
    def texts(x):
        return x.fill_null("").to_list() if isinstance(x, pl.Series) else x

    return process.cpdist(texts(a), texts(b), scorer=scorer, score_cutoff=score_cutoff, workers=-1, dtype=np.float32)


def name_ratios(urut_a, urut_b, rapat_a, rapat_b) -> np.ndarray:
    """Name similarity 0..1 of each pair (float32, not rounded): the best of the word-sorted
    keys (`nama_urut`) and the space-free ones (`nama_rapat`)."""
    return np.maximum(pair_similarity(urut_a, urut_b, fuzz.ratio), pair_similarity(rapat_a, rapat_b, fuzz.ratio)) / 100.0


def name_subsets(kunci_a, kunci_b) -> np.ndarray:
    """Whether all words of one name key are words of the other (SUPARMAN / MUHAMMAD SUPARMAN)."""
    return pair_similarity(kunci_a, kunci_b, fuzz.token_set_ratio, score_cutoff=99.99) >= 99.99


def name_similarity(
    frame: pl.DataFrame, left: str = "", right: str = "v_", policy: MatchPolicy | None = None
) -> pl.DataFrame:
    """Name similarity 0..1 (best of word-sorted and space-free keys) and the subset flag.

    `nama_bagian`: all words of one key are words of the other (SUPARMAN / MUHAMMAD SUPARMAN)
    while the whole names are not close; computed only where the plain similarity is low.
    The sorted and space-free forms are functions of the key, so each distinct pair of keys is
    scored once: on a large list common names make millions of pairs but few distinct ones.
    """
    ka, kb = f"{left}nama_kunci", f"{right}nama_kunci"
    distinct = frame.select(
        pl.col(ka).alias("_ka"), pl.col(kb).alias("_kb"),
        pl.col(f"{left}nama_urut").alias("_ua"), pl.col(f"{right}nama_urut").alias("_ub"),
        pl.col(f"{left}nama_rapat").alias("_ra"), pl.col(f"{right}nama_rapat").alias("_rb"),
    ).unique(subset=["_ka", "_kb"], maintain_order=True)
    sim = name_ratios(distinct["_ua"], distinct["_ub"], distinct["_ra"], distinct["_rb"])
    subset = np.zeros(sim.shape[0], dtype=bool)
    low = np.flatnonzero(sim < (policy or default_policy()).nama_cukup)
    if low.size:
        idx = pl.Series(low)
        subset[low] = name_subsets(distinct["_ka"].gather(idx), distinct["_kb"].gather(idx))
    scores = distinct.select("_ka", "_kb").with_columns(
        sim_nama=pl.Series(sim, dtype=pl.Float64).round(4),
        nama_bagian=pl.Series(subset, dtype=pl.Boolean),
    )
    return (
        frame.with_columns(pl.col(ka).alias("_ka"), pl.col(kb).alias("_kb"))
        .join(scores, on=["_ka", "_kb"], how="left", nulls_equal=True, maintain_order="left")
        .drop("_ka", "_kb")
    )


_DOUBLE = re.compile(r"([A-Z])\1+")


def _one_slip(a: str, b: str) -> bool:
    """Whether two different words are one typing slip apart: one letter added, dropped or
    replaced, or two neighbours swapped (SUPRIYADI / SUPRIYDAI). Keys fold double letters, so
    a dropped letter that leaves a double (SANTOSO -> SANTOO, key SANTO) is a slip too."""
    if OSA.distance(a, b) <= 1:
        return True
    short, long_ = sorted((a, b), key=len)
    if len(long_) - len(short) != 2:
        return False
    return any(_DOUBLE.sub(r"\1", long_[:i] + long_[i + 1:]) == short for i in range(len(long_)))


SAME_WORDS, LONG_SLIP, SHORT_SLIP, OTHER_WORDS = 0, 1, 2, 3


def _unpaired(wa: list[str], wb: list[str]) -> tuple[list[str], list[str]]:
    """The words of each name left once equal words are paired off (each word used once)."""
    rest_b = list(wb)
    rest_a = []
    for w in wa:
        if w in rest_b:
            rest_b.remove(w)
        else:
            rest_a.append(w)
    return rest_a, rest_b


def _word_difference(a: str, b: str) -> int:
    """How two close name keys differ, word by word.

    Words are paired (equal words first, then by similarity). LONG_SLIP: every differing pair
    is one typing slip apart (`_one_slip`) in words of at least 5 letters -- a typo.
    SHORT_SLIP: exactly one pair differs, in a shorter word, and `a`'s word is `b`'s with a
    letter dropped or two neighbours swapped (AGUS/GUS, DWI/WI, SITI/STII): a typo, or just
    possibly a twin's name, which only the household can tell. OTHER_WORDS: anything else
    (a different word count, two short words differing, a letter replaced or added in a
    short word -- SRI/TRI, EKO/EKA, AGUS/BAGUS are other names, twins are often named so).
    """
    if a.replace(" ", "") == b.replace(" ", ""):
        return SAME_WORDS
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb):
        return OTHER_WORDS
    rest_a, rest_b = _unpaired(wa, wb)
    short = []
    for w in rest_a:
        best = max(rest_b, key=lambda x: fuzz.ratio(w, x))
        rest_b.remove(best)
        if not _one_slip(w, best):
            return OTHER_WORDS
        if min(len(w), len(best)) < 5:
            short.append((w, best))
    if not short:
        return LONG_SLIP
    if len(rest_a) == 1 and _dropped_or_swapped(*short[0]):
        return SHORT_SLIP
    return OTHER_WORDS


def slip_words(a: str, b: str) -> tuple[str, str] | None:
    """The two words in which two name keys differ, when they differ in one word only and
    there by one typing slip (`_one_slip`; RATNA SARI / RATNA SAIR, in any word order);
    otherwise None."""
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb) or not wa:
        return None
    odd, rest = _unpaired(wa, wb)
    if len(odd) != 1 or len(rest) != 1 or not _one_slip(odd[0], rest[0]):
        return None
    return odd[0], rest[0]


def one_name_written_twice(a: str, b: str) -> bool:
    """Whether two name keys are one name written twice rather than two names: every word of
    the shorter name is a word of the longer one, or a slip of one (a letter dropped or two
    neighbours swapped, either way, in a short word; any one slip in a word of 5 letters or
    more), each word of the longer used once. Words swapped or one left out (DAVID FIRMANSYAH
    / FIRMANSYAH, ILHAM AKBAR / KBAR ILHAM) are one name; SRI / TRI, EKO / EKA and names
    sharing one word of two (DWI AYU / DWI ARUM) are not. Neither key is taken as the typed
    one, so a letter more in a short word reads as a slip too (SIT / SITI, but also AGUS /
    BAGUS)."""
    wa, wb = sorted((a.split(), b.split()), key=len)
    if not wa:
        return False
    rest = list(wb)
    for w in wa:
        if w in rest:
            rest.remove(w)
            continue
        slips = [x for x in rest if _one_slip(w, x) and (
            min(len(w), len(x)) >= 5 or _dropped_or_swapped(w, x) or _dropped_or_swapped(x, w))]
        if not slips:
            return False
        rest.remove(max(slips, key=lambda x: fuzz.ratio(w, x)))
    return True


def add_one_name_check(f: pl.DataFrame) -> pl.DataFrame:
    """`satu_nama`: two records of one household whose names are one name written twice
    (`one_name_written_twice`: a slip, words swapped, a word left out), never a twin's or a
    sibling's other name. Once per distinct pair of names, only within a household. Where the
    frame has the names as typed (`nama`), those are read too, without titles: a slip can
    break the spelling the key folds (SOEPRIJO / SOPERIJO, keys SUPRIYO / SOPERIJO)."""
    cols = ["nama_kunci", "v_nama_kunci"] + (["nama", "v_nama"] if "nama" in f.columns else [])
    todo = f.filter(pl.col("kk_sama") & (pl.col("nama_kunci") != pl.col("v_nama_kunci"))).select(cols).unique()
    typed = [_typed_words(todo.get_column(c)) for c in cols[2:]]
    todo = todo.with_columns(satu_nama=pl.Series(
        [one_name_written_twice(a, b) or bool(typed) and one_name_written_twice(typed[0][i], typed[1][i])
         for i, (a, b) in enumerate(todo.select(cols[:2]).iter_rows())], dtype=pl.Boolean))
    return f.join(todo, on=cols, how="left", nulls_equal=True).with_columns(pl.col("satu_nama").fill_null(False))


def _typed_words(names: pl.Series) -> list[str]:
    """Names as typed, in capitals, letters only, without titles (H., HJ., S.PD. behind a comma)."""
    return (
        names.fill_null("").str.to_uppercase().str.replace(r",.*$", "")
        .str.replace_all(r"\b[A-Z]+\.", " ").str.replace_all(r"[^A-Z]+", " ").str.strip_chars().to_list()
    )


def nik_birth_code(nik: pl.Expr) -> pl.Expr:
    """The birth date a 16-digit NIK encodes, as DDMMYY with the women's +40 taken off the day
    (null for any other NIK): the registry's date, which a birth date typed on the list may
    miss by a digit."""
    digits = nik.str.slice(6, 6)
    ok = (nik.str.len_chars() == 16) & nik.str.contains(r"^\d{16}$")
    code = digits.cast(pl.Int32, strict=False)
    day = code // 10000
    return pl.when(ok).then(pl.when(day > 40).then(code - 400000).otherwise(code))


def _dropped_or_swapped(typed: str, word: str) -> bool:
    """`typed` is `word` with one letter dropped (DWI -> WI) or two neighbours swapped
    (SITI -> STII). A letter replaced (SRI -> TRI) or added (AGUS -> BAGUS) makes another
    name too often to be read as a slip."""
    if len(typed) == len(word) - 1:
        return any(word[:i] + word[i + 1:] == typed for i in range(len(word)))
    if len(typed) == len(word):
        diff = [i for i in range(len(word)) if typed[i] != word[i]]
        if len(diff) != 2 or diff[1] != diff[0] + 1:
            return False
        i, j = diff
        return typed[i] == word[j] and typed[j] == word[i]
    return False


def add_word_check(
    frame: pl.DataFrame, left: str = "", right: str = "v_", policy: MatchPolicy | None = None
) -> pl.DataFrame:
    """`kata_beda` for pairs whose names are close but not equal (once per distinct pair):
    the names differ by more than a slip in a long word; `ketik_pendek` when that difference
    is exactly one slip in one short word."""
    a, b = f"{left}nama_kunci", f"{right}nama_kunci"
    word_check_min = (policy or default_policy()).cek_kata_min  # below it: different names
    todo = (
        frame.filter((pl.col("sim_nama") >= word_check_min) & (pl.col(a) != pl.col(b)))
        .select(a, b)
        .unique()
    )
    kinds = [_word_difference(x or "", y or "") for x, y in todo.iter_rows()]
    todo = todo.with_columns(_beda=pl.Series(kinds, dtype=pl.Int8))
    return _attach(frame, todo, [a, b]).with_columns(
        kata_beda=pl.col("_beda").is_in([SHORT_SLIP, OTHER_WORDS]).fill_null(pl.col("sim_nama") < word_check_min),
        ketik_pendek=(pl.col("_beda") == SHORT_SLIP).fill_null(False),
    ).drop("_beda")


def date_category(rd: pl.Expr, vd: pl.Expr, common: pl.Expr | None = None) -> pl.Expr:
    """sama / sama_umum / tukar / mirip / tahun / tahun_beda / beda; null when a date is missing.

    `common` marks pairs where either date falls on a day-of-year that stands in for an
    unknown date (01-07, 31-12 ...): equal such dates say less ("sama_umum"), and the same
    year with another date is only "tahun" there, while between two real dates it means a
    different birth date ("tahun_beda"). Without `common` no such distinction is made.
    """
    def digits(d: pl.Expr) -> list[pl.Expr]:
        day, month, year = (d.dt.day().cast(pl.Int32), d.dt.month().cast(pl.Int32), d.dt.year().cast(pl.Int32))
        return [
            day // 10, day % 10, month // 10, month % 10, year // 1000, year // 100 % 10, year // 10 % 10, year % 10
        ]

    differing = pl.sum_horizontal([(a != b).cast(pl.Int32) for a, b in zip(digits(rd), digits(vd))])
    swapped = (rd.dt.day() == vd.dt.month()) & (rd.dt.month() == vd.dt.day()) & (rd.dt.year() == vd.dt.year())
    common = pl.lit(None, dtype=pl.Boolean) if common is None else common.fill_null(False)
    return (
        pl.when(rd.is_null() | vd.is_null())
        .then(pl.lit(None, dtype=pl.Utf8))
        .when((rd == vd) & common)
        .then(pl.lit("sama_umum"))
        .when(rd == vd)
        .then(pl.lit("sama"))
        .when(swapped)
        .then(pl.lit("tukar"))
        .when(differing == 1)
        .then(pl.lit("mirip"))
        .when((rd.dt.year() == vd.dt.year()) & (common == False))  # noqa: E712 - null means "not known"
        .then(pl.lit("tahun_beda"))
        .when(rd.dt.year() == vd.dt.year())
        .then(pl.lit("tahun"))
        .otherwise(pl.lit("beda"))
    )


def _strip0(c: str) -> pl.Expr:
    return pl.col(c).str.strip_chars_start("0")


def _gone(removed: pl.DataFrame) -> pl.DataFrame:
    """Voters removed from the list as people of their own: not the duplicates (TMS 2), who
    are the same person as a voter still on it."""
    return removed.filter(pl.col("kode_tms").fill_null(0) != 2) if "kode_tms" in removed.columns else removed


def _age_namesakes(r: pl.DataFrame, v: pl.DataFrame, policy: MatchPolicy, removed: pl.DataFrame | None,
                   side: "VoterSide") -> pl.DataFrame:
    """For records that give an age but no birth date, how well name + age + sex single out a
    voter of the reported desa (or RT/RW):

    - `_desa_umur_dekat`: voters of the reported desa carrying the record's exact name key
      whose age is less than `umur_pesaing_selisih` years from the reported one (the
      candidate itself included);
    - `_tms_umur_dekat`: the same among voters already removed from the list (not as
      duplicates): a late report of a death already applied must not land on a living
      namesake;
    - `_risiko_umur`: the expected number of voters with that name key, sex and exact age in
      a unit the size of the reported RT/RW (when the record gives one) or desa -- voters of
      the kabupaten with that name, sex and age, times the unit's share of the list. It is
      the chance that a report about someone who is not on the list finds a namesake of the
      same age there by coincidence.
    """
    schema = {"_rid": pl.UInt32, "_desa_umur_dekat": pl.UInt32, "_tms_umur_dekat": pl.UInt32,
              "_risiko_umur": pl.Float64}
    ra = r.filter(_age_only)
    if ra.height == 0 or v.height == 0:
        return pl.DataFrame(schema=schema)
    keys = ra.select("_rid", "nama_kunci", "umur", "_peristiwa", "_desa", r_jk="jenis_kelamin")
    gap = (age_at(pl.col("tanggal_lahir"), pl.col("_peristiwa")) - pl.col("umur")).abs()
    near_in_desa = (pl.col("_gap") < policy.umur_pesaing_selisih) & pl.col("_desa").list.contains(pl.col("kode_desa"))

    j = keys.join(v.select(_AGE_NAME_COLUMNS) if side.age_names is None else side.age_names, on="nama_kunci")
    same_sex = pl.col("r_jk").is_null() | (pl.col("r_jk") == pl.col("jenis_kelamin"))
    out = (
        j.with_columns(_gap=gap)
        .group_by("_rid")
        .agg(_desa_umur_dekat=near_in_desa.sum(), _kab_umur_sama=((pl.col("_gap") == 0) & same_sex).sum())
    )
    if removed is not None and removed.height:
        tms = (
            keys.join(_gone(removed).select("nama_kunci", "tanggal_lahir", "kode_desa"), on="nama_kunci")
            .with_columns(_gap=gap)
            .group_by("_rid")
            .agg(_tms_umur_dekat=near_in_desa.sum())
        )
        out = out.join(tms, on="_rid", how="left")

    # The unit: the record's RT/RW inside its desa when it gives one, else the desa.
    unit = ra.select(
        "_rid", kode_desa=pl.col("kode_desa"),
        _rt=pl.when(pl.col("rt").is_not_null() & pl.col("rw").is_not_null()).then(_strip0("rt")),
        _rw=pl.when(pl.col("rt").is_not_null() & pl.col("rw").is_not_null()).then(_strip0("rw")),
    ).filter(pl.col("kode_desa").is_not_null())
    unit = (
        unit.join(side.desa_size, on="kode_desa", how="left")
        .join(side.rtrw_size, on=["kode_desa", "_rt", "_rw"], how="left")
        .select("_rid", _n_unit=pl.when(pl.col("_rt").is_not_null()).then("_n_rtrw").otherwise("_n_desa"))
    )
    out = out.join(unit, on="_rid", how="left").with_columns(
        _risiko_umur=pl.col("_kab_umur_sama").clip(1, None) * pl.col("_n_unit").fill_null(0) / v.height,
    )
    if "_tms_umur_dekat" not in out.columns:
        out = out.with_columns(_tms_umur_dekat=pl.lit(0))
    return out.with_columns(pl.col("_tms_umur_dekat").fill_null(0)).select(list(schema)).cast(schema)


_KK_DAY = ["nkk", "tanggal_lahir"]
_AGE_NAME_COLUMNS = ["nama_kunci", "tanggal_lahir", "kode_desa", "jenis_kelamin"]
# A record that ties a person by age: no birth date, an age and a name.
_age_only = pl.col("tanggal_lahir").is_null() & pl.col("umur").is_not_null() & pl.col("nama_kunci").is_not_null()
_V_COLUMNS = ["nik", "nik14", "nkk", "nama_kunci", "nama_urut", "nama_rapat", "nama_kata", "nama_frek",
              "tanggal_lahir", "tgl_umum", "jenis_kelamin", "kode_desa", "kode_kecamatan", "rt", "rw"]


@dataclass(frozen=True)
class VoterSide:
    """The voter side of the evidence, built once per voter list: the candidates' fields are
    gathered by position (no join against the whole list per chunk of records), and the
    households with more than one voter born the same day (twins) are found once."""

    frame: pl.DataFrame       # id_pemilih and the v_* columns the evidence reads
    position: np.ndarray      # position in `frame` of each id_pemilih (ids are small integers), -1 if absent
    twins: pl.DataFrame       # id_pemilih, nkk, tanggal_lahir, nama_urut, nama_rapat: KK-day groups of 2+
    kk_day_size: pl.DataFrame  # v_nkk, v_tanggal_lahir, _n: the size of those groups
    desa_size: pl.DataFrame   # kode_desa, _n_desa: voters per desa
    rtrw_size: pl.DataFrame   # kode_desa, _rt, _rw (no leading zeros), _n_rtrw: voters per RT/RW
    age_names: pl.DataFrame | None = None  # _AGE_NAME_COLUMNS of the voters an age report can name

    @classmethod
    def of(cls, v: pl.DataFrame) -> "VoterSide":
        frame = v.select("id_pemilih", *[pl.col(c).alias(f"v_{c}") for c in _V_COLUMNS])
        ids = frame.get_column("id_pemilih").to_numpy()
        # id_pemilih are numbered from 1 as voters join the list: a direct lookup table
        # (4 bytes per id) is far faster than a join or a binary search on millions of pairs.
        position = np.full(int(ids.max()) + 1 if ids.size else 0, -1, dtype=np.int32 if ids.size < 2**31 else np.int64)
        position[ids] = np.arange(ids.size)
        twins = (
            v.select("id_pemilih", *_KK_DAY, "nama_urut", "nama_rapat")
            .drop_nulls(_KK_DAY)
            .filter(pl.len().over(_KK_DAY) > 1)
        )
        size = twins.group_by(_KK_DAY).len("_n").rename({"nkk": "v_nkk", "tanggal_lahir": "v_tanggal_lahir"})
        units = v.select("kode_desa", _rt=_strip0("rt"), _rw=_strip0("rw"))
        return cls(frame, position, twins, size, units.group_by("kode_desa").len("_n_desa"),
                   units.group_by("kode_desa", "_rt", "_rw").len("_n_rtrw"))

    def for_age_names(self, v: pl.DataFrame, r: pl.DataFrame) -> "VoterSide":
        """This side with the voters carrying the name keys of the records of `r` that give an
        age and no birth date (the only ones `_age_namesakes` looks up), as `age_names`."""
        keys = r.filter(_age_only).select("nama_kunci").unique()
        return replace(self, age_names=v.select(_AGE_NAME_COLUMNS).join(keys, on="nama_kunci", how="semi"))

    def rows(self, id_pemilih: pl.Series, columns: list[str]) -> pl.DataFrame:
        """`columns` of the voters `id_pemilih` (every one on the list), in that order."""
        wanted = id_pemilih.to_numpy()
        if wanted.size and (wanted.min() < 0 or wanted.max() >= self.position.size):
            raise ValueError("candidate voter not on the voter list")
        at = self.position[wanted]
        if wanted.size and at.min() < 0:
            raise ValueError("candidate voter not on the voter list")
        return self.frame.select(columns)[at]


def _attach(frame: pl.DataFrame, table: pl.DataFrame, on: list[str] | str) -> pl.DataFrame:
    """`frame` with the other columns of `table` (one row per key) looked up by `on`, null
    where no key matches: a left join that copies only the key columns, not the wide frame."""
    keys = [on] if isinstance(on, str) else list(on)
    looked = frame.select(keys).join(table, on=keys, how="left", maintain_order="left")
    if looked.height != frame.height:
        raise ValueError("lookup table is not unique on its key")
    return frame.hstack(looked.drop(keys))


def _household_twins(f: pl.DataFrame, side: VoterSide, removed: pl.DataFrame | None) -> pl.DataFrame:
    """`_kembar_kk`, for pairs whose names differ by a slip in a short word (`ketik_pendek`,
    the only rule that reads it; null elsewhere): how many other people of the candidate's
    household (KK) were born the same day -- on the list, or removed from it (not as
    duplicates of the candidate)."""
    keys = _KK_DAY
    cand = (
        f.filter(pl.col("ketik_pendek"))
        .select(nkk=pl.col("v_nkk"), tanggal_lahir=pl.col("v_tanggal_lahir"))
        .drop_nulls()
        .unique()
    )
    if cand.height == 0:
        return f.with_columns(_kembar_kk=pl.lit(None, dtype=pl.UInt32))
    # The candidate is on the list: its KK-day group there has 1 voter unless it has twins.
    v_keys = ["v_nkk", "v_tanggal_lahir"]
    counts = cand.rename({"nkk": "v_nkk", "tanggal_lahir": "v_tanggal_lahir"}).join(
        side.kk_day_size, on=v_keys, how="left"
    ).with_columns(pl.col("_n").fill_null(1))
    if removed is not None and removed.height:
        gone = _gone(removed).select(keys).join(cand, on=keys, how="semi").group_by(keys).len("_g")
        counts = counts.join(gone.rename({"nkk": "v_nkk", "tanggal_lahir": "v_tanggal_lahir"}), on=v_keys,
                             how="left").with_columns(_n=pl.col("_n") + pl.col("_g").fill_null(0)).drop("_g")
    return _attach(f, counts, v_keys).with_columns(
        _kembar_kk=pl.when(pl.col("ketik_pendek")).then((pl.col("_n").fill_null(1) - 1).clip(0, None))
    ).drop("_n")


def _twin_similarity(f: pl.DataFrame, side: VoterSide) -> pl.DataFrame:
    """`kembar_sim`: for a candidate with a twin on the list (another voter of the same KK born
    the same day), the similarity of the record's name to the twin's name (the best twin)."""
    keys = _KK_DAY
    cand = f.select("_rid", "id_pemilih", "nama_urut", "nama_rapat", nkk=pl.col("v_nkk"),
                    tanggal_lahir=pl.col("v_tanggal_lahir")).drop_nulls(keys)
    twins = side.twins.join(cand.select(keys).unique(), on=keys, how="semi")
    cand = cand.join(twins.select(keys).unique(), on=keys, how="semi")
    if cand.height == 0:
        return f.with_columns(kembar_sim=pl.lit(None, dtype=pl.Float64))
    pairs = cand.join(
        twins.rename({"id_pemilih": "_id_kembar", "nama_urut": "v_nama_urut", "nama_rapat": "v_nama_rapat"}),
        on=["nkk", "tanggal_lahir"],
    ).filter(pl.col("_id_kembar") != pl.col("id_pemilih"))
    sim = np.maximum(
        pair_similarity(pairs["nama_urut"], pairs["v_nama_urut"], fuzz.ratio),
        pair_similarity(pairs["nama_rapat"], pairs["v_nama_rapat"], fuzz.ratio),
    ) / 100.0
    best = (
        pairs.select("_rid", "id_pemilih").with_columns(kembar_sim=pl.Series(sim, dtype=pl.Float64))
        .group_by("_rid", "id_pemilih").agg(pl.col("kembar_sim").max())
    )
    return _attach(f, best, ["_rid", "id_pemilih"])


def evidence(pairs: pl.DataFrame, r: pl.DataFrame, v: pl.DataFrame, policy: MatchPolicy,
              removed: pl.DataFrame | None = None, side: VoterSide | None = None) -> pl.DataFrame:
    """`side`: `VoterSide.of(v)`, when the caller scores several chunks against the same list."""
    side = side or VoterSide.of(v)
    rcols = r.select(
        "_rid", "nik", "nik_andal", "_nik14", "nkk", "nama_kunci", "nama_urut", "nama_rapat", "nama_kata",
        "tanggal_lahir", "_tgl_umum", "umur", "_peristiwa", "jenis_kelamin", "_desa", "_kecamatan", "rt", "rw",
    )
    # Names first, on the bare pairs: blocks that looked only at dates or households bring in
    # unrelated names, dropped here before the other fields are joined. A pair stays if its
    # name is close enough, or a NIK (or its first 14 digits) ties it: a NIK conflict must
    # stay visible.
    names = ["nama_kunci", "nama_urut", "nama_rapat"]
    f = pairs.join(r.select("_rid", "nik", "_nik14", *names), on="_rid")
    f = f.hstack(side.rows(f.get_column("id_pemilih"), [f"v_{c}" for c in ["nik", "nik14", *names]]))
    f = name_similarity(f, policy=policy)
    f = f.filter(
        (pl.col("sim_nama") >= policy.kandidat_nama_min)
        | pl.col("nama_bagian")
        | (pl.col("nik") == pl.col("v_nik")).fill_null(False)
        | ((pl.col("_nik14") == pl.col("v_nik14")).fill_null(False) & (pl.col("sim_nama") >= policy.nik14_nama_min))
    ).select("_rid", "id_pemilih", "sim_nama", "nama_bagian")
    f = f.join(rcols, on="_rid")
    f = f.hstack(side.rows(f.get_column("id_pemilih"), [f"v_{c}" for c in _V_COLUMNS]))
    f = add_word_check(f, policy=policy)
    f = _attach(f, _age_namesakes(r, v, policy, removed, side), "_rid")
    f = _twin_similarity(f, side)
    f = _household_twins(f, side, removed)
    b = policy.bobot

    f = f.with_columns(
        tgl=date_category(
            pl.col("tanggal_lahir"), pl.col("v_tanggal_lahir"), pl.col("_tgl_umum") | pl.col("v_tgl_umum")
        ),
        umur_selisih=(
            pl.when(pl.col("tanggal_lahir").is_null())
            .then((age_at(pl.col("v_tanggal_lahir"), pl.col("_peristiwa")) - pl.col("umur")).abs())
        ),
        jk=pl.when(pl.col("jenis_kelamin").is_null() | pl.col("v_jenis_kelamin").is_null())
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("jenis_kelamin") == pl.col("v_jenis_kelamin"))
        .then(pl.lit("sama"))
        .otherwise(pl.lit("beda")),
        desa=pl.when(pl.col("_desa").list.len() == 0)
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("_desa").list.contains(pl.col("v_kode_desa")))
        .then(pl.lit("sama"))
        .when(pl.col("_kecamatan").list.contains(pl.col("v_kode_kecamatan")))
        .then(pl.lit("kecamatan"))
        .otherwise(pl.lit("beda")),
        nkk_sama=(pl.col("nkk") == pl.col("v_nkk")).fill_null(False),
        rtrw_sama=((_strip0("rt") == _strip0("v_rt")) & (_strip0("rw") == _strip0("v_rw"))).fill_null(False),
        nik_sama=(pl.col("nik") == pl.col("v_nik")).fill_null(False),
        nik_mirip=((pl.col("_nik14") == pl.col("v_nik14")) & (pl.col("nik") != pl.col("v_nik"))).fill_null(False),
    ).with_columns(
        nik_beda=(
            pl.col("nik_andal") & pl.col("v_nik").is_not_null() & ~pl.col("nik_sama") & ~pl.col("nik_mirip")
        ),
        umur=pl.when(pl.col("umur_selisih").is_null())
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("umur_selisih") == 0)
        .then(pl.lit("cocok"))
        .when(pl.col("umur_selisih") == 1)
        .then(pl.lit("dekat"))
        .otherwise(pl.lit("beda")),
        satu_kata=(pl.col("nama_kata") == 1) | (pl.col("v_nama_kata") == 1),
    )
    sim = pl.col("sim_nama")
    name_weight = (
        pl.when(sim >= policy.nama_sangat_mirip).then(b["nama_097"])
        .when(sim >= policy.nama_mirip).then(b["nama_092"])
        .when(sim >= policy.nama_cukup).then(b["nama_085"])
        .when(pl.col("nama_bagian")).then(b["nama_bagian"])
        .when(sim >= policy.nama_agak_mirip).then(b["nama_075"])
        .otherwise(b["nama_beda"])
    )
    name_is_evidence = (sim >= policy.nama_cukup) | pl.col("nama_bagian")
    commonness = pl.min_horizontal(pl.col("v_nama_frek").cast(pl.Float64).log(2), pl.lit(b["nama_umum_maks"]))
    weight = (
        name_weight
        + pl.when(name_is_evidence).then(-commonness).otherwise(0.0)
        + pl.when(name_is_evidence & pl.col("satu_kata")).then(b["nama_satu_kata"]).otherwise(0.0)
        + pl.col("tgl").replace_strict(
            {"sama": b["tgl_sama"], "sama_umum": b["tgl_sama_umum"], "tukar": b["tgl_tukar"],
             "mirip": b["tgl_mirip"], "tahun": b["tgl_tahun"], "tahun_beda": b["tgl_tahun_beda"],
             "beda": b["tgl_beda"]}, default=0.0, return_dtype=pl.Float64,
        ).fill_null(0.0)
        + pl.col("umur").replace_strict(
            {"cocok": b["umur_cocok"], "dekat": b["umur_dekat"], "beda": b["umur_beda"]},
            default=0.0, return_dtype=pl.Float64,
        ).fill_null(0.0)
        + pl.col("jk").replace_strict({"sama": b["jk_sama"], "beda": b["jk_beda"]}, default=0.0,
                                      return_dtype=pl.Float64).fill_null(0.0)
        + pl.col("desa").replace_strict(
            {"sama": b["desa_sama"], "kecamatan": b["kecamatan_sama"], "beda": b["desa_beda"]},
            default=0.0, return_dtype=pl.Float64,
        ).fill_null(0.0)
        + pl.when(pl.col("nkk_sama")).then(b["nkk_sama"]).otherwise(0.0)
        + pl.when(pl.col("rtrw_sama")).then(b["rtrw_sama"]).otherwise(0.0)
        + pl.when(pl.col("nik_sama") & pl.col("nik_andal")).then(b["nik_sama_andal"])
        .when(pl.col("nik_sama")).then(b["nik_sama"])
        .when(pl.col("nik_mirip")).then(b["nik_mirip"])
        .when(pl.col("nik_beda")).then(b["nik_beda"])
        .otherwise(0.0)
    )
    dates_disagree = (pl.col("tgl") == "beda").fill_null(False) | (pl.col("umur") == "beda").fill_null(False)
    # The NIK's voter agrees with the record: a close name, or a name one typing slip away
    # (no short word differing) with the same birth date and sex.
    name_typo_only = (
        (sim >= policy.nik_ketik_nama_min) & (pl.col("tgl") == "sama").fill_null(False)
        & (pl.col("jk") == "sama").fill_null(False)
    )
    nik_fields_agree = (
        ((sim >= policy.nik_nama_min) | name_typo_only)
        & ~pl.col("kata_beda") & ~dates_disagree & (pl.col("jk") != "beda").fill_null(True)
    )
    f = f.with_columns(
        bobot=weight.round(3),
        commonness=commonness,
        metode=pl.when(pl.col("nik_sama") & nik_fields_agree & pl.col("nik_andal")).then(pl.lit(M_NIK))
        .when(pl.col("nik_sama") & nik_fields_agree).then(pl.lit(M_NIK_NAMA))
        # All 16 digits equal to a voter whose name, birth date or sex disagree: a NIK typed
        # onto another person, even when the record's NIK is untrusted (it disagrees with the
        # record's own birth date, or went through a number). Review, never a fuzzy link.
        .when(pl.col("nik_sama")).then(pl.lit(M_NIK_KONFLIK))
        .otherwise(pl.lit(M_FUZZY)),
    )
    return f
