"""The hard cases planted in a baseline list: look-alike people (twins, a father and son sharing
a name, namesakes in one desa), records with a wrong field, a NIK listed twice, and people
registered a second time under a NIK of their own."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from transforms.synth.draw import NumberRegistry, digits16, region6, typo

# Planted look-alikes (hard cases): twins, a father and son sharing a name, namesakes in one desa.
KHUSUS = ("", "kembar", "ayah", "anak", "senama")
# A person registered a second time under another NIK (both records carry this mark).
GANDA_DUA_NIK = "ganda_dua_nik"


def _single_word(names: pl.Series, idx: np.ndarray) -> np.ndarray:
    return ~names.gather(idx).str.contains(" ").to_numpy()


def plant_twins(rng, k, hh, role, size, child, birth, khusus, pasangan) -> None:
    """Two children of a household born the same day (same NKK and birth date, own names)."""
    second = np.flatnonzero((role == 3) & child & np.roll(child, 1) & (np.roll(role, 1) == 2))
    pick = rng.permutation(second)[:k]
    birth[pick] = birth[pick - 1]
    khusus[pick] = khusus[pick - 1] = 1
    pasangan[pick] = pasangan[pick - 1] = pick


def plant_namesakes(rng, k, hh, desa_i, female, age, birth, khusus, pasangan) -> np.ndarray:
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


def plant_father_son(rng, k, names: pl.Series, hh, role, start, female, child, khusus, pasangan) -> pl.Series:
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


def plant_list_errors(rng, voters: pl.DataFrame) -> pl.DataFrame:
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


def plant_duplicates(rng, voters: pl.DataFrame) -> pl.DataFrame:
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
        year = year if year != d.year else d.year - 1
        # 29 February typed in a year without one reads as the 28th.
        new = d.replace(year=year, day=28) if (d.month, d.day) == (2, 29) else d.replace(year=year)
    return (new - date(1970, 1, 1)).days


# Letters next to each other on a keyboard: a finger that lands one key off.
_KEY_ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")
_NEAR_KEYS = {c: "".join(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)) for row in _KEY_ROWS
              for i, c in enumerate(row)}


def _name_slip(rng, name: str) -> str:
    """One typing slip in a name, of the kinds record-linkage benchmarks plant: two neighbouring
    letters swapped or one dropped (as `typo`), a letter typed twice, or a letter replaced by a
    neighbouring key's. A replaced letter may make another real name (SUTARNO -> SUTARBO is no
    name, SUTARNO -> SUTARMO nearly one): such a copy is meant to be hard to find."""
    letters = [j for j, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 2:
        return name
    kind = rng.choice(4, p=[0.3, 0.3, 0.2, 0.2])
    if kind < 2:
        return str(typo(rng, np.array([name]))[0])
    j = letters[int(rng.integers(len(letters)))]
    if kind == 2:
        return name[:j] + name[j] + name[j:]
    near = _NEAR_KEYS.get(name[j], "")
    return name[:j] + near[int(rng.integers(len(near)))] + name[j + 1:] if near else name


def _corrupt_place(rng, place: str) -> str | None:
    """A birth place as a second registration may write it: left out, one typing slip, or with
    the KAB./KOTA prefix of the kabupaten (TEMANGGUNG -> KAB. TEMANGGUNG)."""
    choice = rng.integers(0, 3)
    if choice == 0:
        return None
    if choice == 1 and len(place) >= 5:
        return str(typo(rng, np.array([place]))[0])
    return ("KAB. " if rng.random() < 0.7 else "KABUPATEN ") + place


def _split_title(name: str) -> tuple[list[str], list[str], str]:
    """A spelled name as (titles in front, the name's words, ', TITLE' behind): H. PAIJO ->
    (['H.'], ['PAIJO'], ''); JUMINAH, S.PD. -> ([], ['JUMINAH'], ', S.PD.')."""
    core, comma, title = name.partition(", ")
    words = core.split(" ")
    front = []
    while len(words) > 1 and words[0].endswith("."):
        front.append(words.pop(0))
    return front, words, comma + title


def plant_two_nik_duplicates(rng, voters: pl.DataFrame, reg_nik: NumberRegistry, desa: pl.DataFrame) -> pl.DataFrame:
    """Some people registered a second time under a NIK of their own, corrupted as the
    public record-linkage benchmarks corrupt their duplicates: a typing slip in the name,
    words swapped or one dropped, a birth date with a wrong digit or day and month swapped,
    the address left out or typed differently, the birth place left out, mistyped or written
    with its KAB./KOTA prefix, registered in another household of the desa, in another desa
    of the kecamatan or, after a move, in another kecamatan. 1 to 3 of these per copy; the
    copy follows the last record of its desa. Both records are marked GANDA_DUA_NIK and point at each other
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
    kinds = ("nama_ketik", "nama_tukar", "nama_kurang", "tgl", "alamat", "tempat", "kk", "desa", "kecamatan")
    # Typing slips and left-out fields are common; a second registration in another household
    # of the desa less so, and after a move to another desa or kecamatan rarer still.
    odds = np.array([0.20, 0.11, 0.11, 0.20, 0.14, 0.10, 0.08, 0.04, 0.02])
    for c in copies:
        changes = list(rng.choice(len(kinds), int(rng.integers(1, 4)), replace=False, p=odds))
        # Name changes act on the name's own words; a title stays where it was.
        front, words, back = _split_title(c["nama"])
        for j in changes:
            kind = kinds[j]
            if kind == "nama_ketik":
                words = _name_slip(rng, " ".join(words)).split(" ")
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
            elif kind == "tempat" and c["tempat_lahir"]:
                c["tempat_lahir"] = _corrupt_place(rng, c["tempat_lahir"])
            elif kind in ("kk", "desa", "kecamatan"):
                target = c["_desa_i"]
                if kind != "kk":
                    same_kec = kind == "desa"
                    others = [i for i, code in enumerate(desa_codes)
                              if (kec_of[code] == kec_of[c["kode_desa"]]) == same_kec and i != c["_desa_i"]
                              and i in by_desa]
                    if not others:
                        continue
                    target = others[int(rng.integers(0, len(others)))]
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
