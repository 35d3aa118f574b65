"""Duplicates on the voter list itself (ganda, TMS 2): one NIK twice, and one person under two NIKs.

The same NIK twice with agreeing name and birth date is resolved automatically (the record
registered first stays, SPEC §5.2); everything else goes to review.

The same person under two NIKs is found Fellegi-Sunter style, with weights learned from the
list itself:
1. blocking passes propose pairs (`policy.toml` [[ganda.model.blok]]): the birth date (day
   and month in either order) with a word of the name, or in one desa; the household (NKK)
   with the name's first letter; the name key alone, with the birth year or the kecamatan;
   a phonetic key of the name alone, with the birth year or with the desa;
2. u (how often two different people agree so) comes from random pairs of the list, m (how
   often one person's two records do) from the priors of `schemas/policy.toml` and the
   records one NIK proves to be one person (`ganda_weights.py`);
3. a proposed pair that could not reach the review threshold even at its best, or that a
   household guard rules out, is dropped on integer codes before names are compared
   (`ganda_reach.py`);
4. each pair left gets a level per field: name similarity bands on the Indonesian name keys
   (`transforms/names.py`), with two levels of their own for one name written twice -- one
   word typed with a slip into a word the list hardly knows (ketik), and, in one household,
   a word left out or a slip (bagian); birth date (equal / day and month swapped / one
   digit off / year only / other), sex, place (household, RT/RW, desa, kecamatan), address
   and birth place (equal without its KAB./KOTA prefix, one slip apart, other); an exact
   name, birth date, address or birth place weighs by how rare that value is on the list
   (term frequency); EM counts the duplicates, which sets the prior odds;
5. the pair's weight plus the prior odds of a duplicate give a probability; from
   `peluang_min` the pair goes to review. Domain guards come first and no weight overrides
   them: twins (one household, one birth date, names that differ by more than a typing
   slip), a parent and child sharing a name in one household (birth dates far apart),
   same-name neighbours of one desa in different households (birth dates not the same or
   swapped), and clearly different names are never one person.
"""

from __future__ import annotations

import math

import polars as pl
from rapidfuzz import fuzz

from schemas.policy import MatchPolicy
from transforms.match.evidence import (
    add_one_name_check, add_word_check, date_category, name_similarity, nik_birth_code, pair_similarity, slip_words,
)
from transforms.match.ganda_blocks import candidate_pairs
from transforms.match.ganda_reach import NameTexts, within_reach
from transforms.match.ganda_weights import (
    FIELDS, LEVELS, TF, GandaModel, estimate, field_weights, level_matrix, load_model, prior_log2_odds, random_pairs,
    tf_u, weight_expr,
)
from transforms.match.places import birthplace_key, same_birthplace, slip_groups
from transforms.match.prepare import prepare_voters
from transforms.match.verdict import DATE_TEXT, fmt_ratio

GANDA_AUTO_SCHEMA: dict[str, pl.DataType] = {
    "id_pemilih": pl.Int64,
    "id_pemilih_tetap": pl.Int64,
    "metode": pl.Utf8,
    "skor": pl.Float64,
    "alasan": pl.Utf8,
}
GANDA_REVIEW_SCHEMA: dict[str, pl.DataType] = {
    "id_pemilih_a": pl.Int64,
    "id_pemilih_b": pl.Int64,
    "skor": pl.Float64,
    "alasan": pl.Utf8,
}

# ---------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------


def find_ganda(voters: pl.DataFrame, policy: MatchPolicy) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Duplicates on the list: (auto, review).

    auto: the same NIK more than once, with agreeing names and birth dates. The record with
    the lowest `id_pemilih` (the one registered first) stays; each other one gets TMS 2.
    review: the same NIK with disagreeing names or birth dates (one NIK typed on two people:
    removing either could take a living person's vote), and pairs of records with two NIKs
    whose fields say they are one person (module docstring). `skor` of a review pair is that
    probability.
    """
    v = prepare_voters(voters, policy)
    if "alamat" not in v.columns:
        v = v.with_columns(alamat=pl.lit(None, dtype=pl.Utf8))
    auto, review_nik = _ganda_same_nik(v, policy)
    review_person = two_nik_pairs(v, load_model()).select(list(GANDA_REVIEW_SCHEMA))
    review = (
        pl.concat([review_nik.cast(GANDA_REVIEW_SCHEMA), review_person.cast(GANDA_REVIEW_SCHEMA)])
        .unique(["id_pemilih_a", "id_pemilih_b"], keep="first", maintain_order=True)
        .sort(["id_pemilih_a", "id_pemilih_b"])
    )
    return (
        auto.sort("id_pemilih").select([pl.col(c).cast(t) for c, t in GANDA_AUTO_SCHEMA.items()]),
        review.select([pl.col(c).cast(t) for c, t in GANDA_REVIEW_SCHEMA.items()]),
    )


def _ganda_same_nik(base: pl.DataFrame, policy: MatchPolicy) -> tuple[pl.DataFrame, pl.DataFrame]:
    cols = ["id_pemilih", "nik", "nama_kunci", "nama_urut", "nama_rapat", "tanggal_lahir"]
    # NIKs told apart by a 64-bit hash (a collision only adds a record that pairs with nobody).
    dup = base.select(cols).filter(pl.col("nik").hash(20260101).is_duplicated() & pl.col("nik").is_not_null())
    keeper = dup.sort("id_pemilih").group_by("nik").first().rename(lambda c: c if c == "nik" else f"v_{c}")
    pairs = dup.join(keeper, on="nik").filter(pl.col("id_pemilih") != pl.col("v_id_pemilih"))
    pairs = name_similarity(pairs).with_columns(tgl=date_category(pl.col("tanggal_lahir"), pl.col("v_tanggal_lahir")))
    agree = (pl.col("sim_nama") >= policy.ganda_nik_nama_min) & pl.col("tgl").is_in(
        ["sama", "tukar", "mirip"]
    ).fill_null(False)
    tgl_text = pl.col("tgl").replace_strict(DATE_TEXT, default="tgl lahir kosong", return_dtype=pl.Utf8).fill_null(
        "tgl lahir kosong"
    )
    text = pl.lit("NIK sama; nama ") + fmt_ratio(pl.col("sim_nama")) + pl.lit("; ") + tgl_text
    auto = pairs.filter(agree).select(
        "id_pemilih",
        id_pemilih_tetap=pl.col("v_id_pemilih"),
        metode=pl.lit("NIK"),
        skor=pl.col("sim_nama"),
        alasan=text + pl.format("; yang tetap: id {} (terdaftar lebih dulu)", pl.col("v_id_pemilih")),
    )
    review = pairs.filter(~agree).select(
        id_pemilih_a=pl.col("v_id_pemilih"),
        id_pemilih_b=pl.col("id_pemilih"),
        skor=pl.col("sim_nama"),
        alasan=text + pl.lit("; perlu verifikasi: satu NIK dipakai dua orang berbeda?"),
    )
    return auto, review


# ---------------------------------------------------------------------------------------
# Keys and blocking
# ---------------------------------------------------------------------------------------

# Letters folded before the phonetic key: sounds Indonesian (and Dutch- or English-era)
# spellings write in several ways. The name key already folded the old spelling (OE, DJ, TJ).
_PHONETIC_FOLDS = (("KH", "K"), ("SY", "S"), ("PH", "F"), ("TH", "T"), ("DH", "D"), ("CK", "K"), ("[FV]", "P"),
                   ("Z", "S"), ("[QC]", "K"), ("X", "KS"))


def _phonetic_word(w: pl.Expr) -> pl.Expr:
    """One word's first letter and its consonants (vowels, H, W, Y dropped, repeats folded)."""
    for pattern, repl in _PHONETIC_FOLDS:
        w = w.str.replace_all(pattern, repl)
    out = w.str.slice(0, 1) + w.str.slice(1).str.replace_all("[AEIOUHWY]", "")
    for letter in "BCDGJKLMNPRSTX":
        out = out.str.replace_all(f"{letter}{{2,}}", letter)
    return out


def phonetic_key(keys: pl.Series) -> pl.Series:
    """Each word's phonetic form (`_phonetic_word`), words sorted: SUPRIYADI / SUPRIADI /
    SOEPRIJADI -> SPRD; ratna dewi / dewi ratna alike. A list of 600,000 voters has some
    4,000 distinct words in 130,000 distinct names: each word is folded once, then looked up."""
    words = pl.DataFrame({"k": keys}).with_row_index("_r").select("_r", w=pl.col("k").str.split(" ")).explode("w")
    table = words.select("w").drop_nulls().unique().with_columns(f=_phonetic_word(pl.col("w")))
    folded = (
        words.join(table, on="w", how="left", maintain_order="left")
        .group_by("_r", maintain_order=True)
        .agg(pl.col("f"), _kosong=pl.col("w").is_null().all())
    )
    # A missing key (split into one null word) stays missing.
    return folded.select(pl.when(~pl.col("_kosong")).then(pl.col("f").list.sort().list.join(" "))).to_series()


def _scan_frame(v: pl.DataFrame, model: GandaModel) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The list's columns the scan reads (the pairs' fields, the blocking keys), its keys and
    codes; and its distinct name keys (`_kid` is the row of a record's key there)."""
    born = pl.col("tanggal_lahir")
    day, month = born.dt.day().cast(pl.Int32), born.dt.month().cast(pl.Int32)
    names = (v.select("nama_kunci", "nama_urut", "nama_rapat", "nama_frek").unique("nama_kunci", keep="any")
             .with_row_index("_kid"))
    distinct = names.select("nama_kunci", "_kid", fon=phonetic_key(names.get_column("nama_kunci"))).join(
        _rare_words(names, model), on="nama_kunci", how="left", maintain_order="left")
    names = names.drop("nama_frek")
    if "tempat_lahir" not in v.columns:
        v = v.with_columns(tempat_lahir=pl.lit(None, dtype=pl.Utf8))
    # Addresses recur (a hamlet, a street): each distinct one is cleaned once.
    addresses = v.select("alamat").unique().with_columns(
        _alamat=pl.col("alamat").str.to_uppercase().str.replace_all(r"[^A-Z0-9]+", " ").str.strip_chars())
    # Birth places recur too (a kabupaten's name): each distinct one is keyed once.
    places = v.select("tempat_lahir").unique().with_columns(lahir=birthplace_key(pl.col("tempat_lahir")))
    places = places.join(slip_groups(places.get_column("lahir")), on="lahir", how="left")
    keys = {k for blok, _ in model.blok for k in blok}
    scan = (
        v.select([c for c in v.columns if c in _PAIR_COLUMNS or c in keys or c == "tempat_lahir"]).with_row_index("i")
        .join(distinct, on="nama_kunci", how="left", nulls_equal=True, maintain_order="left")
        .join(addresses, on="alamat", how="left", nulls_equal=True, maintain_order="left")
        .join(places, on="tempat_lahir", how="left", nulls_equal=True, maintain_order="left")
        .with_columns(
            # The birth date with day and month in either order: a swap lands in the same block.
            tgl_blok=born.dt.year().cast(pl.Int32) * 10000
            + pl.min_horizontal(day, month) * 100 + pl.max_horizontal(day, month),
            awal=pl.col("nama_urut").str.slice(0, 2),
            awal1=pl.col("nama_urut").str.slice(0, 1),
            tahun=born.dt.year().cast(pl.Int32),
            nama_kunci=pl.when(pl.col("nama_kunci") == "").then(None).otherwise(pl.col("nama_kunci")),
            alamat=pl.col("_alamat"),
        )
        .drop("_alamat", "tempat_lahir")
        .with_columns(
            alamat_frek=pl.len().over("alamat").cast(pl.Int32),
            lahir_frek=pl.when(pl.col("lahir").is_not_null()).then(pl.len().over("lahir")).cast(pl.Int32),
            _langka=pl.col("kata_langka").is_not_null(),
            _k_lahir=_codes(pl.col("lahir")),
            # Integer codes of the fields the reach check compares (equal code = equal value).
            **{f"_k_{c}": _codes(pl.col(c)) for c in ("nama_urut", "nkk", "kode_desa", "kode_kecamatan", "jenis_kelamin")},
            _k_rtrw=_codes(pl.concat_str([pl.col("rt").str.strip_chars_start("0"), pl.col("rw").str.strip_chars_start("0")],
                                         separator="/")),
            _k_alamat=_codes(pl.when(pl.col("alamat") == "").then(None).otherwise(pl.col("alamat"))),
            _k_kunci=_codes(pl.col("nama_kunci")),
            # The birth date's eight digits (DDMMYYYY), four bits each, and day-month either way.
            _tgl_digit=pl.when(born.is_not_null()).then(pl.sum_horizontal([d * (16 ** k) for k, d in enumerate(
                [day // 10, day % 10, month // 10, month % 10, born.dt.year().cast(pl.Int64) // 1000,
                 born.dt.year().cast(pl.Int64) // 100 % 10, born.dt.year().cast(pl.Int64) // 10 % 10,
                 born.dt.year().cast(pl.Int64) % 10])])).cast(pl.Int64),
            _tgl_dm=day * 100 + month, _tgl_md=month * 100 + day, tgl_nik_kode=nik_birth_code(pl.col("nik")),
        )
    )
    return scan, names.drop("_kid")


def _rare_words(names: pl.DataFrame, model: GandaModel) -> pl.DataFrame:
    """Per distinct name key, its words that at most `kata_langka_maks` voters carry (space
    separated; null when none): a typing slip makes such a word (ROMLAH -> RMOLAH)."""
    words = names.select("nama_kunci", "nama_frek", w=pl.col("nama_kunci").str.split(" ")).explode("w")
    rare = words.group_by("w").agg(pl.col("nama_frek").sum()).filter(pl.col("nama_frek") <= model.kata_langka_maks)
    return (
        words.join(rare.select("w"), on="w", how="semi").group_by("nama_kunci")
        .agg(kata_langka=pl.col("w").str.join(" "))
    )


def _codes(values: pl.Expr) -> pl.Expr:
    """A 64-bit hash per value (equal values, equal codes; two different values share one
    with odds of 2^-64); null stays null."""
    return pl.when(values.is_not_null()).then(values.hash(20260101))

# ---------------------------------------------------------------------------------------
# Comparison levels
# ---------------------------------------------------------------------------------------

_PAIR_COLUMNS = ("id_pemilih", "nik", "nkk", "nama", "nama_kunci", "nama_urut", "nama_rapat", "nama_kata", "nama_frek",
                 "kata_langka", "tanggal_lahir", "tgl_frek", "jenis_kelamin", "kode_desa", "kode_kecamatan", "rt", "rw",
                 "alamat", "alamat_frek", "lahir", "lahir_frek")


def _pair_frame(s: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """The fields of both records of each pair (b's prefixed `v_`), and any column `pairs` carries."""
    a, b = pairs.get_column("a"), pairs.get_column("b")
    extra = [c for c in pairs.columns if c not in ("a", "b")]
    left = s.select(_PAIR_COLUMNS).gather(a)
    right = s.select(_PAIR_COLUMNS).gather(b).rename(lambda c: f"v_{c}")
    both = pl.concat([pairs.select(_a="a", _b="b", *extra), left, right], how="horizontal")
    return both.select("_a", "_b", *extra, *[c for col in _PAIR_COLUMNS for c in (col, f"v_{col}")])


def _code(field: str, expr: pl.Expr) -> pl.Expr:
    """A level name -> its position in LEVELS[field] (null stays null)."""
    return expr.replace_strict(list(LEVELS[field]), list(range(len(LEVELS[field]))), default=None,
                               return_dtype=pl.Int8).alias(f"l_{field}")


def _strip0(c: str) -> pl.Expr:
    return pl.col(c).str.strip_chars_start("0")


def compare(f: pl.DataFrame, model: GandaModel) -> pl.DataFrame:
    """Add the level of each field (`l_nama` ... `l_alamat`) and the flags the guards read."""
    if "sim_nama" not in f.columns:
        f = name_similarity(f)
    same_kk = (pl.col("nkk") == pl.col("v_nkk")).fill_null(False)
    f = _add_slip(_add_shared_word(add_word_check(f), model), model)
    f = add_one_name_check(f.with_columns(kk_sama=same_kk))
    sim = pl.col("sim_nama")
    no_name = pl.col("nama_kunci").is_null() | pl.col("v_nama_kunci").is_null()
    nama = (
        pl.when(no_name).then(pl.lit(None, dtype=pl.Utf8))
        # The same words in another order (a given name and a family name swapped) is the same name.
        .when(pl.col("nama_urut") == pl.col("v_nama_urut")).then(pl.lit("sama"))
        # One word typed with a slip into a word the list hardly knows (ROMLAH / RMOLAH).
        .when(pl.col("_ketik")).then(pl.lit("ketik"))
        .when(sim >= model.nama_pita[0]).then(pl.lit("sangat_mirip"))
        .when(sim >= model.nama_pita[1]).then(pl.lit("mirip"))
        # One household's one name written twice (a word left out, a slip): part of the other.
        .when(pl.col("nama_bagian") | pl.col("satu_nama")).then(pl.lit("bagian"))
        .when(sim >= model.nama_pita[2]).then(pl.lit("agak_mirip"))
        .when(pl.col("_kata_sama")).then(pl.lit("kata_sama"))
        .otherwise(pl.lit("beda"))
    )
    # Two typed birth dates that differ while both NIKs encode one date: one date typed wrong.
    tgl_nik = (nik_birth_code(pl.col("nik")) == nik_birth_code(pl.col("v_nik"))).fill_null(False) & (
        pl.col("tanggal_lahir") != pl.col("v_tanggal_lahir")).fill_null(False)
    tgl = pl.when(tgl_nik).then(pl.lit("sama")).otherwise(date_category(pl.col("tanggal_lahir"), pl.col("v_tanggal_lahir")))
    jk = (
        pl.when(pl.col("jenis_kelamin").is_null() | pl.col("v_jenis_kelamin").is_null()).then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("jenis_kelamin") == pl.col("v_jenis_kelamin")).then(pl.lit("sama"))
        .otherwise(pl.lit("beda"))
    )
    same_desa = (pl.col("kode_desa") == pl.col("v_kode_desa")).fill_null(False)
    same_rtrw = ((_strip0("rt") == _strip0("v_rt")) & (_strip0("rw") == _strip0("v_rw"))).fill_null(False)
    tempat = (
        pl.when(same_kk).then(pl.lit("kk"))
        .when(pl.col("kode_desa").is_null() | pl.col("v_kode_desa").is_null()).then(pl.lit(None, dtype=pl.Utf8))
        .when(same_desa & same_rtrw).then(pl.lit("rtrw"))
        .when(same_desa).then(pl.lit("desa"))
        .when(pl.col("kode_kecamatan") == pl.col("v_kode_kecamatan")).then(pl.lit("kecamatan"))
        .otherwise(pl.lit("beda"))
    )
    lahir = (
        pl.when(pl.col("lahir").is_null() | pl.col("v_lahir").is_null()).then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("lahir") == pl.col("v_lahir")).then(pl.lit("sama"))
        .when(pl.col("_lahir_mirip")).then(pl.lit("mirip"))
        .otherwise(pl.lit("beda"))
    )
    f = _add_birthplace_slip(f).with_columns(
        _code("nama", nama), _code("tgl", tgl.replace("tahun_beda", "tahun")), _code("jk", jk),
        _code("tempat", tempat), _code("lahir", lahir),
        _tf_nama=pl.max_horizontal("nama_frek", "v_nama_frek"),
        tgl_nik=tgl_nik,
        kk_beda=(pl.col("nkk") != pl.col("v_nkk")).fill_null(False),
        desa_sama=same_desa,
        satu_kata=(pl.col("nama_kata") == 1) | (pl.col("v_nama_kata") == 1),
    )
    return _address_level(f.drop("_lahir_mirip"), model)


def _add_slip(f: pl.DataFrame, model: GandaModel) -> pl.DataFrame:
    """`_ketik`: the two names differ in one word only, by one typing slip (`slip_words`), and
    one of the two words is rare on the list (`kata_langka`): a slip of one name, not two
    names (SUTARNO / SUPARNO are both common). Once per distinct pair of keys."""
    cols = ["nama_kunci", "v_nama_kunci", "kata_langka", "v_kata_langka"]
    todo = (
        f.filter((pl.col("sim_nama") >= model.ketik_sim_min) & (pl.col("nama_urut") != pl.col("v_nama_urut"))
                 & (pl.col("kata_langka").is_not_null() | pl.col("v_kata_langka").is_not_null()))
        .select(cols).unique()
    )
    flags = []
    for a, b, rare_a, rare_b in todo.iter_rows():
        words = slip_words(a, b)
        flags.append(words is not None and (words[0] in (rare_a or "").split() or words[1] in (rare_b or "").split()))
    todo = todo.with_columns(_ketik=pl.Series(flags, dtype=pl.Boolean))
    return f.join(todo, on=cols, how="left", nulls_equal=True).with_columns(pl.col("_ketik").fill_null(False))


def _add_birthplace_slip(f: pl.DataFrame) -> pl.DataFrame:
    """`_lahir_mirip`: two different birth places one typing slip apart, once per distinct pair."""
    todo = f.filter(pl.col("lahir") != pl.col("v_lahir")).select("lahir", "v_lahir").unique()
    todo = todo.with_columns(_lahir_mirip=same_birthplace(todo.get_column("lahir"), todo.get_column("v_lahir")))
    return f.join(todo, on=["lahir", "v_lahir"], how="left").with_columns(pl.col("_lahir_mirip").fill_null(False))


def _add_shared_word(f: pl.DataFrame, model: GandaModel) -> pl.DataFrame:
    """`_kata_sama`: the two name keys share a word (APRIL HARRINGTON / APRIL HERBERT), once per
    distinct pair of keys and only where the names are otherwise far apart."""
    todo = (
        f.filter((pl.col("sim_nama") < model.nama_pita[2]) & ~pl.col("nama_bagian"))
        .select("nama_kunci", "v_nama_kunci").drop_nulls().unique()
    )
    todo = todo.with_columns(
        _kata_sama=pl.col("nama_kunci").str.split(" ").list.set_intersection(pl.col("v_nama_kunci").str.split(" "))
        .list.len() > 0
    )
    return f.join(todo, on=["nama_kunci", "v_nama_kunci"], how="left").with_columns(
        pl.col("_kata_sama").fill_null(False)
    )


def _address_level(f: pl.DataFrame, model: GandaModel) -> pl.DataFrame:
    both = pl.col("alamat").is_not_null() & pl.col("v_alamat").is_not_null() & (pl.col("alamat") != "") & (
        pl.col("v_alamat") != ""
    )
    todo = f.filter(both & (pl.col("alamat") != pl.col("v_alamat"))).select("alamat", "v_alamat").unique()
    sim = pair_similarity(todo.get_column("alamat"), todo.get_column("v_alamat"), fuzz.token_sort_ratio) / 100.0
    todo = todo.with_columns(_sim_alamat=pl.Series(sim, dtype=pl.Float64))
    f = f.join(todo, on=["alamat", "v_alamat"], how="left", nulls_equal=False)
    # The address says nothing more where the household or the RT/RW already agree (it is
    # theirs), nor unless it is one few voters share: a hamlet's name (DUSUN KRAJAN) recurs in
    # many desa and is the whole RW's inside one (there it only repeats the place), a street
    # address with its number does not.
    place = pl.col("l_tempat")
    redundant = place.is_in([LEVELS["tempat"].index("kk"), LEVELS["tempat"].index("rtrw")]).fill_null(False)
    common_elsewhere = ((pl.col("alamat_frek") > 3) | (pl.col("v_alamat_frek") > 3)).fill_null(True)
    level = (
        pl.when(~both | redundant | common_elsewhere).then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("alamat") == pl.col("v_alamat")).then(pl.lit("sama"))
        .when(pl.col("_sim_alamat") >= model.alamat_pita[0]).then(pl.lit("mirip"))
        .when(pl.col("_sim_alamat") >= model.alamat_pita[1]).then(pl.lit("agak_mirip"))
        .otherwise(pl.lit("beda"))
    )
    return f.with_columns(_code("alamat", level)).drop("_sim_alamat")


# ---------------------------------------------------------------------------------------
# The two-NIK scan
# ---------------------------------------------------------------------------------------


def _guards() -> pl.Expr:
    """Pairs that are never one person, whatever the weight says."""
    tgl = pl.col("l_tgl")
    far_dates = tgl.is_in([LEVELS["tgl"].index("tahun"), LEVELS["tgl"].index("beda")]).fill_null(False)
    other_year = (tgl == LEVELS["tgl"].index("beda")).fill_null(False)
    exact_date = (tgl == 0).fill_null(False)
    name = pl.col("l_nama")
    close_name = name.is_in([LEVELS["nama"].index(lv) for lv in ("sama", "sangat_mirip", "mirip", "ketik")])
    close_name = close_name.fill_null(False)
    # Twins: one household, one birth date, names that are other names (SRI / TRI) and not
    # a slip of one name (SRI / SI, SUPRIYADI / SUPRIYDAI).
    # One name written twice (a word left out, words swapped, a slip either way) is no twin.
    twins = (pl.col("kk_sama") & exact_date & pl.col("kata_beda") & ~pl.col("ketik_pendek") & ~pl.col("satu_nama")
             & (name != 0).fill_null(False))
    # A parent and child (or two siblings) sharing a name in one household: dates far apart.
    # A parent is never born in the child's year: there, one name is one person's date mistyped.
    parent_child = pl.col("kk_sama") & (other_year | (far_dates & ~close_name & ~pl.col("satu_nama")))
    # Same-name neighbours: one desa, two households, the same name and birth dates that are
    # not the same (a digit off is a typo of one person only where nothing else says who).
    same_or_swapped = tgl.is_in([0, LEVELS["tgl"].index("tukar")]).fill_null(False)
    neighbours = pl.col("desa_sama") & pl.col("kk_beda") & (far_dates | ((name == 0).fill_null(False) & ~same_or_swapped))
    # A clearly different name is one person only with the very same birth date.
    other_name = (name == LEVELS["nama"].index("beda")).fill_null(False) & ~exact_date
    other_date_weak_name = other_year & ~close_name
    return twins | parent_child | neighbours | other_name | other_date_weak_name


def two_nik_pairs(v: pl.DataFrame, model: GandaModel, *, keep_all: bool = False) -> pl.DataFrame:
    """Review pairs (id_pemilih_a < id_pemilih_b, skor = probability, alasan) of one person
    under two NIKs. `keep_all` returns every proposed pair with its levels and weight."""
    s, names = _scan_frame(v, model)
    n = s.height
    empty = pl.DataFrame(schema=GANDA_REVIEW_SCHEMA)
    if n < 2:
        return empty
    rnd_levels = level_matrix(compare(_pair_frame(s, random_pairs(n, model.pasangan_acak)), model))
    m, u = field_weights(rnd_levels, level_matrix(compare(_pair_frame(s, _proven_pairs(s)), model)), model)
    proposed = candidate_pairs(s, model)
    texts = NameTexts.of(names)
    reach = not keep_all
    while True:
        cand = within_reach(s, texts, proposed, m, u, n, model, cut=reach)
        f = compare(_pair_frame(s, cand), model)
        # One NIK twice is the same-NIK rule's; pairs the guards rule out take no part in learning.
        f = f.filter((pl.col("nik") != pl.col("v_nik")).fill_null(True)).with_columns(_jaga=_guards())
        if not keep_all:
            f = f.filter(~pl.col("_jaga"))
        learn = f.filter(~pl.col("_jaga"))
        u0 = {fd: float(u[fd][0]) for fd in TF}
        tf = {fd: tf_u(learn.get_column(col).cast(pl.Float64).fill_null(1).to_numpy(), u0[fd], n, model)
              for fd, col in TF.items()}
        w = estimate(level_matrix(learn), m, u, tf, n, model)
        # Far more duplicates than the cut assumed: compare every proposed pair after all.
        if not reach or w.log2_prior <= prior_log2_odds(model.ganda_per_pemilih * n, n) + model.jangkauan_bit:
            break
        reach = False
    f = f.with_columns(bobot=weight_expr(w, n, model)).with_columns(
        peluang=1.0 / (1.0 + (-(pl.col("bobot") + w.log2_prior) * math.log(2)).exp()),
    )
    if keep_all:
        return f
    hits = f.filter(~pl.col("_jaga") & (pl.col("peluang") >= model.peluang_min))
    out = [hits.with_columns(_lewat=pl.lit(None, dtype=pl.Int64))]
    implied = _implied_pairs(s, hits, model)
    if implied.height:
        out.append(implied)
    found = pl.concat(out, how="diagonal_relaxed")
    return found.select(
        id_pemilih_a=pl.min_horizontal("id_pemilih", "v_id_pemilih"),
        id_pemilih_b=pl.max_horizontal("id_pemilih", "v_id_pemilih"),
        skor=pl.col("peluang").round(4),
        alasan=_reason(),
    ).sort("id_pemilih_a", "id_pemilih_b")


def _proven_pairs(s: pl.DataFrame) -> pl.DataFrame:
    """Row positions of records sharing a NIK with the same name key and birth date."""
    g = s.select("i", "nik", "nama_kunci", "tanggal_lahir").filter(pl.col("nik").hash(20260101).is_duplicated()).drop_nulls()
    g = g.filter(pl.len().over("nik", "nama_kunci", "tanggal_lahir") > 1)
    return (
        g.join(g.rename({"i": "b"}), on=["nik", "nama_kunci", "tanggal_lahir"])
        .filter(pl.col("i") < pl.col("b")).select(a="i", b="b")
    )


def _implied_pairs(s: pl.DataFrame, hits: pl.DataFrame, model: GandaModel) -> pl.DataFrame:
    """A and B found, A and C found: B and C are proposed too (one step, never a chain), at
    the lower of the two probabilities, when their own fields pass the guards. A person
    registered three times is then shown as every pair of their records."""
    links = hits.select("_a", "_b", "peluang")
    both = pl.concat([links, links.select(_a="_b", _b="_a", peluang="peluang")])
    hop = (
        both.join(both, on="_a")
        .filter(pl.col("_b") < pl.col("_b_right"))
        .group_by(a="_b", b="_b_right")
        .agg(_p=pl.min_horizontal("peluang", "peluang_right").max(), _via=pl.col("_a").first())
        .join(links.select(a="_a", b="_b"), on=["a", "b"], how="anti")
        .join(links.select(a="_b", b="_a"), on=["a", "b"], how="anti")
        .sort("a", "b")
    )
    if hop.height == 0:
        return pl.DataFrame()
    f = compare(_pair_frame(s, hop.select("a", "b")), model)
    via = hop.select(_a="a", _b="b", peluang="_p", _lewat=s.get_column("id_pemilih").gather(hop.get_column("_via")))
    f = f.with_columns(pl.col("_a", "_b").cast(pl.UInt32)).join(via.with_columns(pl.col("_a", "_b").cast(pl.UInt32)),
                                                                  on=["_a", "_b"])
    return f.filter(~_guards() & (pl.col("nik") != pl.col("v_nik")).fill_null(True))


_LEVEL_TEXT = {
    "nama": {"sama": "nama sama", "sangat_mirip": None, "mirip": None, "agak_mirip": None,
             "bagian": "nama sebagian sama", "kata_sama": "satu kata nama sama", "beda": "nama berbeda",
             "ketik": None},
    "tgl": {"sama": "tgl lahir sama", "tukar": DATE_TEXT["tukar"], "mirip": DATE_TEXT["mirip"],
            "tahun": "hanya tahun lahir sama", "beda": "tgl lahir berbeda"},
    "jk": {"sama": "jk sama", "beda": "jk berbeda"},
    "tempat": {"kk": "NKK sama", "rtrw": "desa dan RT/RW sama", "desa": "desa sama",
               "kecamatan": "kecamatan sama, desa berbeda", "beda": "desa berbeda"},
    "alamat": {"sama": "alamat sama", "mirip": "alamat mirip", "agak_mirip": None, "beda": None},
    "lahir": {"sama": "tempat lahir sama", "mirip": "tempat lahir mirip", "beda": "tempat lahir berbeda"},
}


def _reason() -> pl.Expr:
    parts = []
    for field in FIELDS:
        texts = [_LEVEL_TEXT[field][lv] for lv in LEVELS[field]]
        expr = pl.col(f"l_{field}").replace_strict(list(range(len(texts))), texts, default=None, return_dtype=pl.Utf8)
        if field == "nama":
            expr = (
                pl.when(pl.col("l_nama").is_in([1, 2, 3])).then(pl.lit("nama ") + fmt_ratio(pl.col("sim_nama")))
                .when(pl.col("l_nama") == LEVELS["nama"].index("ketik"))
                .then(pl.lit("nama ") + fmt_ratio(pl.col("sim_nama")) + pl.lit(", salah ketik satu kata"))
                .otherwise(expr)
            )
        if field == "tgl":
            expr = pl.when(pl.col("tgl_nik")).then(pl.lit("tgl lahir tertulis berbeda, sama menurut NIK")).otherwise(expr)
        parts.append(expr)
    parts.append(pl.when(pl.col("l_nama") == 0).then(pl.format("nama dipakai {} pemilih", pl.col("v_nama_frek"))))
    parts.append(pl.lit("NIK berbeda"))
    parts.append(pl.lit("peluang orang yang sama ") + fmt_ratio(pl.col("peluang")))
    parts.append(pl.when(pl.col("_lewat").is_not_null()).then(
        pl.format("keduanya mirip dengan pemilih id {}", pl.col("_lewat"))))
    return pl.concat_list(parts).list.drop_nulls().list.join("; ") + pl.lit(
        "; perlu verifikasi: orang yang sama dengan dua NIK?"
    )
