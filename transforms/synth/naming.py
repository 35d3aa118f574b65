"""Names of the synthetic population: Javanese and Indonesian names of Jawa Tengah by sex and
birth cohort, drawn from the tables under data/synth/.

- `nama_pola.csv`: per birth cohort and sex, the forms a name takes (which groups of words,
  in which order) and how many of the cohort write it in the old spelling;
- `nama_kata.csv`: the words of each group (Javanese single names, first and second words of
  the older two-word names, Arabic names, the modern words of the younger cohorts), weighted
  by how common they are (Zipf-like: a few common words, a long tail of rare ones);
- `nama_jawa.csv`: stems and endings (SU-, SUMAR-, PAI- ... -NO, -YANTO, -IYEM, -ATUN) that
  compose the many Javanese single names beyond the listed ones (SUMARNO, SUGIYEM).

The old spelling of a word (SOEGIJEM for SUGIYEM, DJOKO, TJIPTO) is kept only where the
comparison keys of `transforms/names.py` read it back as the modern word.

Names are drawn as integer word codes and spelled once per distinct name, which keeps
millions of people cheap. Deterministic for a given random generator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from transforms.names import name_key
from transforms.synth.draw import SYNTH_DATA, load_pools, weighted_index

# Share of a Javanese single name that is composed from stem and ending (the rest are the
# listed names of the group `jawa`).
COMPOSED_SHARE = 0.7
MAX_WORDS = 3
_VOWELS = set("AEIOU")


@dataclass(frozen=True)
class Vocabulary:
    words: list[str]  # word code -> modern spelling; code + len(words) -> its old spelling
    old: list[str]
    groups: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]  # (group, L/P) -> codes, weights
    patterns: pl.DataFrame  # lahir_min, lahir_max, jenis_kelamin, pola (list), bobot, ejaan_lama


def to_old_spelling(word: str) -> str:
    """The pre-1972 spelling of a modern word: J = DJ, C = TJ, Y = J, KH = CH, U = OE."""
    w = re.sub("C(?!H)", "TJ", word.replace("J", "DJ")).replace("Y", "J").replace("KH", "CH")
    return w.replace("U", "OE")


def _composed(table: pl.DataFrame, sex: str) -> dict[str, float]:
    """Javanese single names from stems and endings: weight = stem weight x ending weight."""
    rows = table.filter(pl.col("jenis_kelamin") == sex)
    stems = rows.filter(pl.col("bagian") == "awal").select("teks", "bobot").rows()
    ends = rows.filter(pl.col("bagian") == "akhir").select("teks", "setelah", "bobot").rows()
    out: dict[str, float] = {}
    for stem, ws in stems:
        end_kind = "v" if stem[-1] in _VOWELS else "k"
        for end, after, we in ends:
            if after not in ("*", end_kind):
                continue
            word = stem + end
            # A letter tripled or a vowel doubled at the seam reads as no name (SUU-, -AA-).
            if stem[-1] == end[0] or re.search(r"[AEIOU]{2}", stem[-1] + end[0]):
                continue
            out[word] = out.get(word, 0.0) + ws * we
    return out


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    def read(name: str) -> pl.DataFrame:
        return pl.read_csv(SYNTH_DATA / name, infer_schema=False).with_columns(pl.col("bobot").cast(pl.Float64))

    kata, jawa = read("nama_kata.csv"), read("nama_jawa.csv")
    patterns = read("nama_pola.csv").with_columns(
        pl.col("lahir_min", "lahir_max").cast(pl.Int64), pl.col("ejaan_lama").cast(pl.Float64),
        pl.col("pola").str.split(" "),
    )
    entries: dict[tuple[str, str], dict[str, float]] = {}
    for word, group, sex, w in kata.select("kata", "kelompok", "jenis_kelamin", "bobot").rows():
        entries.setdefault((group, sex), {})
        entries[(group, sex)][word] = entries[(group, sex)].get(word, 0.0) + w
    for sex in ("L", "P"):
        listed = entries.setdefault(("jawa", sex), {})
        made = {w: v for w, v in _composed(jawa, sex).items() if w not in listed}
        scale = sum(listed.values()) * COMPOSED_SHARE / (1 - COMPOSED_SHARE) / max(sum(made.values()), 1e-9)
        listed.update({w: v * scale for w, v in made.items()})
    words = sorted({w for e in entries.values() for w in e})
    code = {w: i for i, w in enumerate(words)}
    # Old spelling only where the comparison key reads it back as the modern word.
    old_raw = [to_old_spelling(w) for w in words]
    keys = name_key(pl.Series(words + old_raw)).to_list()
    old = [o if keys[len(words) + i] == keys[i] else w for i, (w, o) in enumerate(zip(words, old_raw))]
    groups = {
        g: (np.array([code[w] for w in e], dtype=np.int64), np.array(list(e.values()), dtype=np.float64))
        for g, e in entries.items()
    }
    return Vocabulary(words=words, old=old, groups=groups, patterns=patterns)


def old_spelling(name: str) -> str:
    """`name` with each word in its old spelling where the vocabulary has one (else as is)."""
    v = load_vocabulary()
    table = dict(zip(v.words, v.old))
    return " ".join(table.get(w, w) for w in name.split(" "))


def make_names(rng: np.random.Generator, birth_year: np.ndarray, female: np.ndarray) -> pl.Series:
    """A name per person, by birth cohort and sex (see the module docstring), with titles."""
    voc = load_vocabulary()
    n = len(birth_year)
    by = np.asarray(birth_year, dtype=np.int64)
    fem = np.asarray(female, dtype=bool)
    codes = np.full((n, MAX_WORDS), -1, dtype=np.int64)
    old = np.zeros(n, dtype=bool)
    u = rng.random(n)
    cohorts = voc.patterns.group_by("lahir_min", "lahir_max", "jenis_kelamin", maintain_order=True).agg(
        "pola", "bobot", "ejaan_lama")
    for lo, hi, sex, forms, weights, lama in cohorts.rows():
        who = np.flatnonzero((by >= lo) & (by <= hi) & (fem == (sex == "P")))
        if not len(who):
            continue
        form = weighted_index(rng, np.asarray(weights), len(who))
        old[who] = u[who] < lama[0]
        for f, groups in enumerate(forms):
            idx = who[form == f]
            for j, group in enumerate(groups):
                pool, w = voc.groups[(group, sex)]
                codes[idx, j] = pool[weighted_index(rng, w, len(idx))]
    # A word drawn twice in one name (NUR ... NUR) is written once.
    codes[:, 1] = np.where(codes[:, 1] == codes[:, 0], -1, codes[:, 1])
    codes[:, 2] = np.where((codes[:, 2] == codes[:, 0]) | (codes[:, 2] == codes[:, 1]), -1, codes[:, 2])
    nw = len(voc.words)
    spelled_code = np.where(codes >= 0, codes + np.where(old, nw, 0)[:, None], -1)
    base = 2 * nw + 1
    key = ((spelled_code[:, 0] + 1) * base + spelled_code[:, 1] + 1) * base + spelled_code[:, 2] + 1
    distinct, inverse = _distinct(key)
    lexicon = pl.Series("w", voc.words + voc.old, dtype=pl.Utf8)
    parts = [(distinct // base ** (MAX_WORDS - 1 - j)) % base - 1 for j in range(MAX_WORDS)]
    frame = pl.DataFrame({f"c{j}": p for j, p in enumerate(parts)})
    spelled = frame.select(pl.concat_str([
        pl.when(pl.col(f"c{j}") >= 0).then(lexicon.gather(np.maximum(parts[j], 0))) for j in range(MAX_WORDS)
    ], separator=" ", ignore_nulls=True).alias("nama")).to_series()
    return _add_titles(rng, inverse, spelled, by, fem)


def _add_titles(rng, name_id: np.ndarray, vocab: pl.Series, birth_year: np.ndarray, female: np.ndarray) -> pl.Series:
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
    k = len(rows) + 1
    codes, inverse = _distinct(name_id * k + which)
    title = pl.Series([""] + [r["gelar"] for r in rows], dtype=pl.Utf8).gather(codes % k)
    front = pl.Series([False] + [r["posisi"] == "depan" for r in rows]).gather(codes % k)
    spelled = pl.DataFrame({"nama": vocab.gather(codes // k), "g": title, "depan": front}).select(
        pl.when(pl.col("g") == "").then(pl.col("nama"))
        .when(pl.col("depan")).then(pl.col("g") + " " + pl.col("nama"))
        .otherwise(pl.col("nama") + ", " + pl.col("g"))
    ).to_series()
    return spelled.rename("nama").gather(inverse)


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values and each value's position among them (np.unique with
    return_inverse, on polars' parallel sort)."""
    s = pl.Series(values)
    return s.unique().sort().to_numpy(), (s.rank("dense").cast(pl.Int64) - 1).to_numpy()
