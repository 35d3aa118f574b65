"""Accuracy of a quarter's outputs against the synthetic generator's labels, and the stranger
test of automatic removal from desa death reports.

The first figure is always the one that matters most: automatic TMS of the wrong person (or
of someone who should not have been removed at all).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from schemas.fields import AKTIF, KARANTINA, VERIFIKASI

OUTCOME_KEY = ["sumber_file", "sumber_baris"]


def _read(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False)
    return frame.with_columns(pl.col("sumber_baris").cast(pl.Int64)) if "sumber_baris" in frame.columns else frame


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 5) if den else None


def evaluate_quarter(out_dir: Path, label_dir: Path) -> dict:
    """Compare `perubahan.csv`, `verifikasi.csv`, `karantina.csv` with the labels of one quarter."""
    got = _read(out_dir / "perubahan.csv").with_columns(pl.col("kode_tms").cast(pl.Int64, strict=False))
    queue = _read(out_dir / "verifikasi.csv")
    quarantine = _read(out_dir / "karantina.csv")
    rows = _read(label_dir / "baris.csv").with_columns(pl.col("kode_tms").cast(pl.Int64, strict=False))
    want = _read(label_dir / "perubahan.csv").with_columns(pl.col("kode_tms").cast(pl.Int64, strict=False))

    # Every TMS that is right: the labelled automatic changes plus rows whose ideal outcome is review.
    true_tms = pl.concat([
        want.filter(pl.col("kategori") == "TMS").select(*OUTCOME_KEY, pl.col("nik").alias("nik_target"), "kode_tms"),
        rows.filter(pl.col("kategori") == "TMS").select(*OUTCOME_KEY, "nik_target", "kode_tms"),
    ]).unique(subset=OUTCOME_KEY)
    auto_tms = got.filter((pl.col("kategori") == "TMS") & (pl.col("keputusan") == "OTOMATIS"))
    checked = auto_tms.join(true_tms, on=OUTCOME_KEY, how="left")
    wrongful = checked.filter(pl.col("nik_target").is_null() | (pl.col("nik_target") != pl.col("nik")))
    right_auto = checked.filter(pl.col("nik_target") == pl.col("nik"))
    review_tms = rows.filter((pl.col("kategori") == "TMS") & (pl.col("hasil") == VERIFIKASI)).select(OUTCOME_KEY)
    in_queue = true_tms.join(
        queue.select(*OUTCOME_KEY, pl.col("nik_kandidat").alias("nik_target")), on=[*OUTCOME_KEY, "nik_target"],
        how="semi",
    ).join(right_auto.select(OUTCOME_KEY), on=OUTCOME_KEY, how="anti")

    true_baru = pl.concat([
        want.filter(pl.col("kategori") == "BARU").select(*OUTCOME_KEY, pl.col("nik").alias("nik_target")),
        rows.filter(pl.col("kategori") == "BARU").select(*OUTCOME_KEY, "nik_target"),
    ]).unique(subset=OUTCOME_KEY)
    baru = got.filter(pl.col("kategori") == "BARU")
    baru_right = baru.join(true_baru, left_on=[*OUTCOME_KEY, "nik"], right_on=[*OUTCOME_KEY, "nik_target"], how="semi")
    added_twice = baru.filter(pl.col("nik").is_duplicated()).height

    true_ubah = want.filter(pl.col("kategori") == "UBAH")
    ubah_key = [*OUTCOME_KEY, "nik", "kolom_diubah", "kode_desa"]
    ubah = got.filter(pl.col("kategori") == "UBAH")
    ubah_right = ubah.select(ubah_key).join(true_ubah.select(ubah_key), on=ubah_key, how="semi")

    ambiguous = rows.filter(pl.col("hasil") == VERIFIKASI)
    ambiguous_found = ambiguous.join(
        queue.select(*OUTCOME_KEY, pl.col("nik_kandidat").alias("nik_target")), on=[*OUTCOME_KEY, "nik_target"],
        how="semi",
    )
    ambiguous_row_in_queue = ambiguous.join(queue.select(OUTCOME_KEY).unique(), on=OUTCOME_KEY, how="semi")

    labelled_q = rows.filter(pl.col("hasil") == KARANTINA).select(OUTCOME_KEY)
    got_q = quarantine.select(OUTCOME_KEY).unique()
    q_hit = got_q.join(labelled_q, on=OUTCOME_KEY, how="semi").height

    true_changes = true_tms.height + true_baru.height + true_ubah.height
    review_rows = queue.select(OUTCOME_KEY).unique().height
    key = ["kategori", "kode_tms", "nik", "kode_desa", "kode_desa_lama", "kolom_diubah", *OUTCOME_KEY]
    exact_got = got.filter(pl.col("keputusan") == "OTOMATIS").select([pl.col(c).cast(pl.Utf8).fill_null("") for c in key])
    exact_want = want.select([pl.col(c).cast(pl.Utf8).fill_null("") for c in key])
    exact_hits = exact_got.join(exact_want, on=key, how="semi").height
    return {
        "tms_otomatis_salah": wrongful.height,
        "tms_benar": true_tms.height,
        "tms_otomatis_benar": right_auto.height,
        "tms_recall_otomatis": _ratio(right_auto.height, true_tms.height),
        # The same, leaving out the TMS whose labelled ideal outcome is review (NIK conflicts,
        # two fitting namesakes, twins): of those an ideal pipeline applies none by itself.
        "tms_recall_otomatis_tanpa_ambigu": _ratio(
            right_auto.join(review_tms, on=OUTCOME_KEY, how="anti").height, true_tms.height - review_tms.height
        ),
        "tms_recall_termasuk_verifikasi": _ratio(right_auto.height + in_queue.height, true_tms.height),
        "baru_diterapkan": baru.height,
        "baru_benar": true_baru.height,
        "baru_presisi": _ratio(baru_right.height, baru.height),
        "baru_recall": _ratio(baru_right.height, true_baru.height),
        "baru_ganda": added_twice,
        "ubah_benar": true_ubah.height,
        "ubah_akurasi_kolom": _ratio(ubah_right.height, true_ubah.height),
        "ubah_presisi": _ratio(ubah_right.height, ubah.height),
        "verifikasi_baris": review_rows,
        "beban_verifikasi": _ratio(review_rows, true_changes),
        "ambigu_berlabel": ambiguous.height,
        "ambigu_di_antrean_kandidat_benar": ambiguous_found.height,
        "ambigu_di_antrean": ambiguous_row_in_queue.height,
        "karantina_presisi": _ratio(q_hit, got_q.height),
        "karantina_recall": _ratio(q_hit, labelled_q.height),
        "perubahan_otomatis_presisi": _ratio(exact_hits, exact_got.height),
        "perubahan_otomatis_recall": _ratio(exact_hits, exact_want.height),
        "contoh_tms_salah": wrongful.select(*OUTCOME_KEY, "nik", "kode_tms", "metode").head(10).to_dicts(),
    }


def evaluate_parsing(records: pl.DataFrame, label_dir: Path) -> dict:
    """Parsed NIK, birth date and desa of valid rows against the generator's truth.

    A NIK that came through an Excel number and lost its 16th digit cannot be recovered; such a
    row counts as right when the parser marked it untrusted (it is then matched by other fields).
    """
    rows = _read(label_dir / "baris.csv").filter(pl.col("hasil") != KARANTINA)
    joined = rows.join(
        records.select(*OUTCOME_KEY, "nik", "nik_andal", pl.col("tanggal_lahir").cast(pl.Utf8), "kode_desa"),
        on=OUTCOME_KEY, how="inner",
    )
    nik_known = joined.filter(pl.col("nik_benar").is_not_null() & pl.col("nik").is_not_null())
    nik_ok = nik_known.filter((pl.col("nik") == pl.col("nik_benar")) | ~pl.col("nik_andal"))
    nik_trusted_wrong = nik_known.filter(pl.col("nik_andal") & (pl.col("nik") != pl.col("nik_benar"))).height
    dates = joined.filter(pl.col("tanggal_lahir_benar").is_not_null() & pl.col("tanggal_lahir").is_not_null())
    desa = joined.filter(pl.col("kode_desa_benar").is_not_null() & pl.col("kode_desa").is_not_null())
    return {
        "baris_valid": rows.height,
        "baris_valid_terbaca": joined.height,
        "nik_sesuai": _ratio(nik_ok.height, nik_known.height),
        "nik_andal_tetapi_salah": nik_trusted_wrong,
        "tanggal_lahir_sesuai": _ratio(dates.filter(pl.col("tanggal_lahir") == pl.col("tanggal_lahir_benar")).height,
                                       dates.height),
        "kode_desa_sesuai": _ratio(desa.filter(pl.col("kode_desa") == pl.col("kode_desa_benar")).height, desa.height),
    }


def stranger_test(current: pl.DataFrame, policy, *, start: date, tanggal_acuan: date, share: float = 0.05,
                  seed: int = 0) -> dict:
    """What automatic removal from a desa's own death report (name, age, sex, desa and maybe the
    RT/RW -- no NIK, no birth date) risks, measured with the pipeline's own matcher.

    A share of the voters are taken off the list and reported dead as if they had never been
    on it (`asing`): every automatic TMS on such a report removes a living namesake. Another
    share, still on the list, is reported dead (`terdaftar`): how many of those reports the
    pipeline applies on its own. Both forms: with the RT/RW and without it.
    """
    from transforms.match import AUTO, age_at, link_records

    active = current.filter(pl.col("status") == AKTIF)
    removed = current.filter(pl.col("status") != AKTIF)
    rng = np.random.default_rng(seed)
    order = rng.permutation(active.height)
    k = max(1, int(active.height * share))
    strangers, listed = active[order[:k]], active[order[k:]]
    deceased = active[order[k:2 * k]]
    days = (tanggal_acuan - start).days + 1

    def reports(people: pl.DataFrame, group: str, with_rtrw: bool) -> pl.DataFrame:
        when = pl.Series([start + timedelta(days=int(d)) for d in rng.integers(0, days, people.height)], dtype=pl.Date)
        umur = people.select(age_at(pl.col("tanggal_lahir"), pl.lit(when))).to_series()
        return pl.DataFrame({
            "sumber_file": f"{group}_{'rtrw' if with_rtrw else 'desa'}",
            "sumber_baris": pl.Series(range(people.height), dtype=pl.Int64),
            "_target": people["id_pemilih"],
            "nama": people["nama"],
            "umur": umur,
            "jenis_kelamin": people["jenis_kelamin"],
            "kode_desa": people["kode_desa"],
            "rt": people["rt"] if with_rtrw else pl.Series([None] * people.height, dtype=pl.Utf8),
            "rw": people["rw"] if with_rtrw else pl.Series([None] * people.height, dtype=pl.Utf8),
            "tanggal_meninggal": when,
            "nik_andal": False,
        })

    records = pl.concat([reports(p, g, f) for p, g in ((strangers, "asing"), (deceased, "terdaftar"))
                         for f in (True, False)])
    links = pl.concat([
        link_records(records.slice(i, 10_000).drop("_target"), listed, policy, purpose="hapus",
                     tanggal_acuan=tanggal_acuan, removed=removed)
        for i in range(0, records.height, 10_000)
    ])
    auto = links.filter(pl.col("putusan") == AUTO).join(
        records.select("sumber_file", "sumber_baris", "_target"), on=["sumber_file", "sumber_baris"]
    )
    out: dict = {"laporan_per_kelompok": k}
    for form in ("rtrw", "desa"):
        wrong = auto.filter(pl.col("sumber_file") == f"asing_{form}").height
        mine = auto.filter(pl.col("sumber_file") == f"terdaftar_{form}")
        out[f"asing_{form}_tms_otomatis"] = wrong
        out[f"asing_{form}_rasio"] = _ratio(wrong, k)
        out[f"terdaftar_{form}_otomatis_benar"] = mine.filter(pl.col("id_pemilih") == pl.col("_target")).height
        out[f"terdaftar_{form}_otomatis_salah"] = mine.filter(pl.col("id_pemilih") != pl.col("_target")).height
        out[f"terdaftar_{form}_rasio"] = _ratio(out[f"terdaftar_{form}_otomatis_benar"], k)
    return out
