"""The verdict per record: AUTO for one clear winner on strong evidence, else REVIEW or NONE."""

from __future__ import annotations

import math

import polars as pl

from schemas.fields import AUTO, M_FUZZY, M_NIK, M_NIK_KONFLIK, M_NIK_NAMA, REVIEW
from schemas.policy import MatchPolicy, PurposeRule



def fmt_ratio(expr: pl.Expr) -> pl.Expr:
    """0.956 -> '0,96' (Indonesian decimal comma)."""
    pct = (expr * 100).round(0).cast(pl.Int32)
    return pl.when(pct >= 100).then(pl.lit("1,00")).otherwise(
        pl.lit("0,") + pct.cast(pl.Utf8).str.zfill(2)
    )


DATE_TEXT = {
    "sama": "tgl lahir sama",
    "sama_umum": "tgl lahir sama (tanggal pengganti yang umum)",
    "tukar": "tgl lahir tertukar hari/bulan",
    "mirip": "tgl lahir beda 1 angka",
    "tahun": "hanya tahun lahir sama",
    "tahun_beda": "tahun lahir sama, tanggal berbeda",
    "beda": "tgl lahir berbeda",
}


def _fmt_percent(expr: pl.Expr) -> pl.Expr:
    """0.00123 -> '0,12' (percent with two decimals and a decimal comma)."""
    hundredths = (expr * 10000).round(0).cast(pl.Int64)
    return (hundredths // 100).cast(pl.Utf8) + pl.lit(",") + (hundredths % 100).cast(pl.Utf8).str.zfill(2)


def _evidence_text(policy: MatchPolicy) -> pl.Expr:
    """Short Indonesian summary of which fields agreed, e.g. 'NIK sama; nama 0,96; tgl lahir sama'."""
    parts = [
        pl.when(pl.col("metode") == M_NIK).then(pl.lit("NIK sama"))
        .when(pl.col("metode") == M_NIK_NAMA).then(pl.lit("NIK sama (NIK tidak andal)"))
        .when(pl.col("metode") == M_NIK_KONFLIK).then(pl.lit("NIK sama tetapi nama/tgl lahir/jk berbeda"))
        .when(pl.col("nik_mirip")).then(pl.lit("14 digit awal NIK sama"))
        .when(pl.col("nik_beda")).then(pl.lit("NIK berbeda")),
        pl.lit("nama ") + fmt_ratio(pl.col("sim_nama"))
        + pl.when(pl.col("nama_bagian")).then(pl.lit(" (sebagian)")).otherwise(pl.lit("")),
        pl.when((pl.col("sim_nama") < policy.nama_sangat_mirip) & ~pl.col("kata_beda")).then(pl.lit("beda nama sebatas salah ketik")),
        pl.when(pl.col("v_nama_frek") > 1).then(pl.format("nama umum ({} pemilih)", pl.col("v_nama_frek"))),
        pl.when(pl.col("satu_kata")).then(pl.lit("nama satu kata")),
        pl.col("tgl").replace_strict(
            DATE_TEXT, default=None, return_dtype=pl.Utf8,
        ),
        pl.col("umur").replace_strict(
            {"cocok": "umur cocok", "dekat": "umur selisih 1 th", "beda": "umur tidak cocok"},
            default=None, return_dtype=pl.Utf8,
        ),
        pl.col("jk").replace_strict({"sama": "jk sama", "beda": "jk berbeda"}, default=None, return_dtype=pl.Utf8),
        pl.col("desa").replace_strict(
            {"sama": "desa sama", "kecamatan": "kecamatan sama, desa lain", "beda": "desa berbeda"},
            default=None, return_dtype=pl.Utf8,
        ),
        pl.when(pl.col("nkk_sama")).then(pl.lit("NKK sama")),
        pl.when(pl.col("rtrw_sama")).then(pl.lit("RT/RW sama")),
        pl.when(pl.col("umur_khas")).then(
            pl.format("nama, jk dan umur khas (peluang senama seumur lain {}%)", _fmt_percent(pl.col("_risiko_umur")))
        ),
        pl.when(pl.col("ketik_pendek")).then(pl.lit("beda satu huruf pada kata pendek")),
    ]
    return pl.concat_list(parts).list.drop_nulls().list.join("; ")


def _age_only_why(policy: MatchPolicy) -> pl.Expr:
    """Why a record that gives only an age stays in review, for the official who checks it."""
    others_near = pl.col("_desa_umur_dekat").fill_null(0) - 1
    return (
        pl.when(pl.col("_tms_umur_dekat").fill_null(0) > 0)
        .then(pl.lit("hanya umur; ada pemilih senama yang sudah TMS di desa ini (laporan ulang?)"))
        .when(others_near > 0)
        .then(pl.format("hanya umur; {} pemilih senama lain di desa ini berumur hampir sama", others_near))
        .when(pl.col("_risiko_umur") > policy.umur_risiko_maks)
        .then(pl.format("hanya umur; nama umum: peluang ada senama seumur lain {}% (batas {}%)",
                        _fmt_percent(pl.col("_risiko_umur")), _fmt_percent(pl.lit(policy.umur_risiko_maks))))
        .otherwise(pl.lit("hanya umur, bukan tgl lahir"))
    )


# ---------------------------------------------------------------------------------------
# The verdict rules, each a named expression over one (record, candidate) pair of `evidence`.
# ---------------------------------------------------------------------------------------

SIM = pl.col("sim_nama")
TGL = pl.col("tgl")


def sex_not_contradicting() -> pl.Expr:
    return (pl.col("jk") != "beda").fill_null(True)


def same_sex() -> pl.Expr:
    return (pl.col("jk") == "sama").fill_null(False)


def same_desa() -> pl.Expr:
    return (pl.col("desa") == "sama").fill_null(False)


def in_reported_place() -> pl.Expr:
    """The desa, the household, or (a NIK Excel rounded) the first 14 NIK digits, which carry
    the kecamatan and the birth date."""
    return same_desa() | pl.col("nkk_sama") | pl.col("nik_mirip")


def exact_age() -> pl.Expr:
    """The record gives an age, no birth date, and the voter had exactly that age."""
    return TGL.is_null() & (pl.col("umur") == "cocok").fill_null(False)


def no_removed_rival() -> pl.Expr:
    """No voter already removed from the list carries the name near that age (a late report
    of a death already applied)."""
    return (pl.col("_tms_umur_dekat") == 0).fill_null(True)


def no_rival_in_desa() -> pl.Expr:
    """No other voter of the reported desa with this name key is within `umur_pesaing_selisih`
    years of the reported age (a son named like his father is decades younger)."""
    return (pl.col("_desa_umur_dekat") == 1).fill_null(False) & no_removed_rival()


def age_in_own_household() -> pl.Expr:
    """The voter's own household (KK) named by the record, the exact name key and age, the
    same sex, and no namesake of the desa near that age (father and son sharing a name)."""
    same_key = (pl.col("nama_kunci") == pl.col("v_nama_kunci")).fill_null(False)
    return exact_age() & pl.col("nkk_sama") & same_key & same_sex() & no_rival_in_desa()


def age_too_rare_for_chance(policy: MatchPolicy) -> pl.Expr:
    """The exact name key and age, the same sex, the RT/RW agreeing when the record gives one,
    no namesake of the desa near that age, and a name, sex and age so rare that a unit the
    size of the reported RT/RW (or desa) holds such a voter by coincidence with a chance of at
    most `umur_risiko_maks`: a death of someone not on the list would then land on a living
    voter at most that often."""
    same_key = (pl.col("nama_kunci") == pl.col("v_nama_kunci")).fill_null(False)
    record_rtrw = pl.col("rt").is_not_null() & pl.col("rw").is_not_null()
    return (
        exact_age() & same_key & same_sex() & no_rival_in_desa()
        & (pl.col("rtrw_sama") | ~record_rtrw)
        & (pl.col("_risiko_umur") <= policy.umur_risiko_maks).fill_null(False)
    )


def age_only_link(policy: MatchPolicy) -> pl.Expr:
    """Age only (no birth date), or a birth date on a placeholder day (01-07, 31-12), in the
    reported desa, and one of (see policy.toml for the reasoning): a name of two or more words
    carried by at most `umur_rtrw_frek_maks` voters of the kabupaten with the RT/RW or the KK
    agreeing too (or by at most `umur_frek_maks` voters without them; 0 = never); the voter's
    own household; an age too rare for chance."""
    rare_enough = (pl.col("v_nama_frek") <= policy.umur_frek_maks) | (
        (pl.col("rtrw_sama") | pl.col("nkk_sama")) & (pl.col("v_nama_frek") <= policy.umur_rtrw_frek_maks)
    )
    return (
        (exact_age() | (TGL == "sama_umum").fill_null(False))
        & same_desa()
        & no_removed_rival()
        & ((~pl.col("satu_kata") & rare_enough) | age_in_own_household() | age_too_rare_for_chance(policy))
    )


def typing_slip_link(policy: MatchPolicy) -> pl.Expr:
    """A name one typing slip away with the exact birth date, the same sex, in the reported
    desa and household (KK), when no other candidate of that household or desa was born that
    day: the look-alike inside a household is a twin, and twins' names differ by more than a
    slip in a long word (SRI/TRI, DWI/TRI, different second words). A slip in a short word
    (DWI/WI, AGUS/GUS, SITI/STII) could be a twin's name: it passes only when nobody else of
    the household, on the list or removed from it, was born that day."""
    born_that_day = (
        ((TGL == "sama").fill_null(False) & sex_not_contradicting() & (pl.col("nkk_sama") | same_desa()))
        .sum().over("_rid")
    )
    slip_ok = ~pl.col("kata_beda") | (pl.col("ketik_pendek") & (pl.col("_kembar_kk") == 0).fill_null(False))
    return (
        (pl.col("metode") == M_FUZZY)
        & (SIM >= policy.ketik_nama_min)
        & slip_ok
        & ~pl.col("nik_beda")
        & (TGL == "sama").fill_null(False)
        & same_sex()
        & pl.col("nkk_sama")
        & same_desa()
        & (born_that_day == 1)
    )


def fuzzy_link(policy: MatchPolicy, rule: PurposeRule) -> pl.Expr:
    """A close name (no word differing), sex not contradicting, no other NIK, and the exact
    birth date, or a swapped/one-digit-off date with a very close name in the reported place,
    or an age-only link; in the reported place when the purpose requires it, otherwise
    outside the reported desa and household only for a rare name."""
    place_ok = in_reported_place() | (pl.col("v_nama_frek") <= policy.luar_desa_frek_maks)
    return (
        (pl.col("metode") == M_FUZZY)
        & (SIM >= policy.auto_nama_min)
        & ~pl.col("kata_beda")
        & sex_not_contradicting()
        & ~pl.col("nik_beda")
        & (
            (TGL == "sama").fill_null(False)
            | (TGL.is_in(["tukar", "mirip"]).fill_null(False) & (SIM >= policy.tgl_mirip_nama_min)
               & in_reported_place())
            | age_only_link(policy)
        )
        & (in_reported_place() if rule.desa_wajib else place_ok)
    )


def nik_link() -> pl.Expr:
    return pl.col("metode").is_in([M_NIK, M_NIK_NAMA])


def strong_by_fields(policy: MatchPolicy) -> pl.Expr:
    """A NIK link, or a close name (no word differing) with the exact or swapped birth date."""
    return nik_link() | (
        (SIM >= policy.kuat_nama_min) & ~pl.col("kata_beda") & TGL.is_in(["sama", "tukar"]).fill_null(False)
        & sex_not_contradicting()
    )


def place_rank() -> pl.Expr:
    """In the reported household (2) before in the reported desa (1) before elsewhere (0)."""
    return pl.when(pl.col("nkk_sama")).then(2).when(same_desa()).then(1).otherwise(0)


def firmness(policy: MatchPolicy) -> pl.Expr:
    """How firmly a candidate is identified: a NIK link, the first 14 NIK digits with strong
    fields, strong fields alone; within each level, by place. Another candidate at least as
    firm as the best one, or a strong one with a better name (a NIK typo landing on a
    namesake), blocks AUTO. A namesake born the same day in another desa does not block a
    voter of the reported household (the margin on the evidence weight still has to hold); the
    other way round, a strong candidate placed more firmly than the best one always blocks it
    (a NIK typo landing on a namesake born the same day in the next desa, while the reported
    household is another voter's)."""
    strong = strong_by_fields(policy)
    return (
        pl.when(nik_link()).then(3)
        .when(strong & pl.col("nik_mirip")).then(2)
        .when(strong).then(1)
        .otherwise(0)
    ) * 3 + pl.when(strong).then(place_rank()).otherwise(0)


def close_twin(policy: MatchPolicy) -> pl.Expr:
    """A twin of the candidate on the list (same KK and birth date) whose name is close to the
    reported one: birth date, household and address cannot tell them apart, only the name, and
    close names of twins are easily swapped by a clerk. Only a NIK link is then enough."""
    return (pl.col("kembar_sim") >= policy.kembar_nama_min).fill_null(False)


def decide(f: pl.DataFrame, policy: MatchPolicy, purpose: str) -> pl.DataFrame:
    rule = policy.rule(purpose)
    sim = SIM
    typo_ok, fuzzy_ok, twin_near = typing_slip_link(policy), fuzzy_link(policy, rule), close_twin(policy)
    umur_kk, umur_khas = age_in_own_household(), age_too_rare_for_chance(policy)
    strong = strong_by_fields(policy)
    f = f.with_columns(
        layak_auto=nik_link() | ((fuzzy_ok | typo_ok) & ~twin_near),
        _kembar=twin_near,
        _jalur_khusus=typo_ok | (fuzzy_ok & (umur_kk | umur_khas)),
        umur_khas=umur_khas,
        kuat=strong,
        _kekuatan=firmness(policy),
        _tempat=place_rank(),
        konflik=pl.col("metode") == M_NIK_KONFLIK,
        umur_saja=TGL.is_null() & pl.col("umur").is_not_null(),
    )
    # Candidates worth showing: enough weight, or any NIK link/conflict (always shown).
    name_enough = (sim >= rule.review_nama_min) | pl.col("nama_bagian")
    plausible = f.filter(((pl.col("bobot") >= rule.review_min) & name_enough) | nik_link() | pl.col("konflik"))
    plausible = plausible.sort(["_rid", "bobot", "id_pemilih"], descending=[False, True, False]).with_columns(
        _urut=pl.int_range(pl.len()).over("_rid"),
    )
    best, others = pl.col("_urut") == 0, pl.col("_urut") > 0
    per_record = plausible.group_by("_rid").agg(
        _n=pl.len(),
        _bobot2=pl.col("bobot").filter(pl.col("_urut") == 1).first(),
        _konflik=pl.col("konflik").any(),
        _kekuatan1=pl.col("_kekuatan").filter(best).first(),
        _sim1=pl.col("sim_nama").filter(best).first(),
        _kekuatan_lain=pl.col("_kekuatan").filter(others).max(),
        _sim_kuat_lain=pl.col("sim_nama").filter(others & pl.col("kuat")).max(),
        _tempat1=pl.col("_tempat").filter(best).first(),
        _tempat_kuat_lain=pl.col("_tempat").filter(others & pl.col("kuat")).max(),
    ).with_columns(
        _kuat_lain=(
            (pl.col("_kekuatan_lain").fill_null(0) >= pl.max_horizontal(pl.col("_kekuatan1"), pl.lit(3)))
            | (pl.col("_sim_kuat_lain") > pl.col("_sim1") + policy.kuat_lain_nama_lebih).fill_null(False)
            | (pl.col("_tempat_kuat_lain") > pl.col("_tempat1")).fill_null(False)
        ).cast(pl.Int32),
    )
    plausible = plausible.join(per_record, on="_rid")
    margin = pl.col("bobot") - pl.col("_bobot2").fill_null(-math.inf)
    auto_row = (
        (pl.col("_urut") == 0)
        & pl.col("layak_auto")
        # The typo and age rules above are proofs of their own: they need not reach the
        # weight threshold (a common one-word name weighs little), only lead by the margin.
        & ((pl.col("bobot") >= rule.auto_min) | pl.col("_jalur_khusus"))
        & (margin >= rule.selisih)
        & ~pl.col("_konflik")
        & (pl.col("_kuat_lain") == 0)
    )
    plausible = plausible.with_columns(_auto_rec=auto_row.any().over("_rid"))
    why = (
        pl.when(pl.col("_konflik")).then(pl.lit("NIK menunjuk pemilih yang nama/tgl lahirnya berbeda"))
        .when(pl.col("_kuat_lain") > 0).then(pl.lit("lebih dari satu calon kuat"))
        .when((pl.col("_kembar") & (pl.col("_urut") == 0)).any().over("_rid"))
        .then(pl.lit("ada kembar serumah dengan nama mirip"))
        .when((pl.col("_n") > 1) & (margin.max().over("_rid") < rule.selisih))
        .then(pl.format("{} calon mirip", pl.col("_n")))
        .when(pl.col("umur_saja").any().over("_rid")).then(_age_only_why(policy))
        .otherwise(pl.lit("bukti belum cukup kuat"))
    )
    auto = plausible.filter(pl.col("_auto_rec") & (pl.col("_urut") == 0)).with_columns(
        putusan=pl.lit(AUTO), peringkat=pl.lit(1, dtype=pl.Int32), alasan=_evidence_text(policy),
    )
    review = (
        plausible.filter(~pl.col("_auto_rec"))
        .filter((pl.col("_urut") < policy.maks_review) | pl.col("konflik"))
        .with_columns(
            putusan=pl.lit(REVIEW),
            peringkat=pl.col("_urut").rank("ordinal").over("_rid").cast(pl.Int32),
            alasan=_evidence_text(policy) + pl.lit("; perlu verifikasi: ") + why,
        )
    )
    return pl.concat([auto, review], how="diagonal_relaxed")
