"""A generated kabupaten with every kind of review item in its first quarter's queue.

On top of the generator's sample: a voter registered twice under two NIKs (ganda), reports
whose NIK names a voter with another name and birth date (NIK conflicts) for a death, a move
out, a TNI entry and a correction, a new resident whose NIK lost its digits in Excel (BARU
with no candidate) and a new resident who looks like a registered voter (BARU look-alike).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from transforms.read import read_extract
from transforms.synth import SampleInfo, generate_sample

Q1, Q2 = "2026-Q1", "2026-Q2"


def _other_nik(nik: str, serial: int) -> str:
    """The same region and birth date, another serial: a valid NIK of someone else."""
    return nik[:12] + f"{serial:04d}"


def _unused_voters(info: SampleInfo, n: int) -> list[dict]:
    """Voters no inbox file of the sample mentions (so the added rows are the only news about them)."""
    voters = pl.read_csv(info.baseline, infer_schema=False)
    seen: set[str] = set()
    for quarter in info.quarters:
        for path in sorted(info.inbox[quarter].iterdir()):
            frame = read_extract(path).frame  # the pipeline's own reader: title rows, encodings, aliases
            for col in ("nik", "nkk"):
                if col in frame.columns:
                    seen |= set(frame[col].str.replace_all(r"\D", "").drop_nulls().to_list())
            if "nama" in frame.columns:
                seen |= {f"nama:{x}" for x in frame["nama"].drop_nulls().to_list()}
    adults = voters.filter(
        (pl.len().over("nama") == 1)  # no namesake anywhere on the list (a planted duplicate included)
        & ~pl.col("nik").is_in(list(seen)) & ~pl.col("nkk").is_in(list(seen))
        & ~("nama:" + pl.col("nama")).is_in(list(seen))
        & (pl.col("tanggal_lahir") < "1990-01-01") & (pl.col("nama").str.split(" ").list.len() >= 2)
        & (pl.col("nik").str.slice(12, 4) < "9000")
    ).unique(subset=["nama"], keep="none").sort("nik")
    step = max(1, adults.height // (n + 1))
    return [adults.row(i * step, named=True) for i in range(n)]


def _write(path: Path, rows: list[dict]) -> None:
    pl.DataFrame(rows).write_csv(path)


def make_review_kabupaten(base: Path, n_voters: int = 1200, seed: int = 8) -> tuple[SampleInfo, dict[str, dict]]:
    """The sample and, per kind of case, the voter it is about (its baseline row)."""
    info = generate_sample(base, n_voters=n_voters, seed=seed, first_quarter=Q1, n_quarters=2, hard_cases=True,
                           kode_kabupaten="33.71")
    return info, add_review_cases(info)


def add_review_cases(info: SampleInfo) -> dict[str, dict]:
    """Add the cases to a generated sample's baseline and first inbox; per case, its voter."""
    ganda, mati, pindah, tni, salah, mirip = _unused_voters(info, 6)
    cases = {"ganda": ganda, "mati": mati, "pindah": pindah, "tni": tni, "perbaikan": salah, "mirip": mirip}
    # The same person registered again under another NIK (and the household's NKK).
    baseline = pl.read_csv(info.baseline, infer_schema=False)
    twin = {**ganda, "nik": _other_nik(ganda["nik"], 9901)}
    pl.concat([baseline, pl.DataFrame([twin], schema=baseline.schema)]).write_csv(info.baseline)
    inbox = info.inbox[Q1]

    def stranger(v: dict, nama: str) -> dict:
        # The NIK is the voter's; the name and birth date are another person's.
        return {"nik": v["nik"], "nama": nama, "tanggal_lahir": "1961-01-17", "jenis_kelamin": v["jenis_kelamin"],
                "kode_desa": v["kode_desa"]}

    _write(inbox / "kematian_konflik.csv", [{**stranger(mati, "RADEN MAS GATOTKACA"), "tanggal_meninggal": "2026-02-10"}])
    _write(inbox / "pindah_keluar_konflik.csv",
           [{**stranger(pindah, "BAMBANG SETIAWAN PRAWIRO"), "tanggal_pindah": "2026-02-11", "tujuan": "KAB. DEMAK"}])
    _write(inbox / "tni_polri_konflik.csv",
           [{**stranger(tni, "YUDHA PRATAMA WIJAYA"), "instansi": "TNI", "perubahan": "MASUK"}])
    _write(inbox / "perbaikan_konflik.csv", [{"nik": salah["nik"], "nama": "KRISTINA MARGARETHA",
                                             "alamat": "JL. TIDAR NO. 9"}])
    _write(inbox / "penduduk_tambahan.csv", [
        # Typed as an Excel number: the 16th digit is lost, the NIK cannot be trusted.
        {"nik": "3.37101E+15", "nama": "DEWI ANGGRAINI LESTARI", "tanggal_lahir": "1996-07-01", "status_kawin": "S",
         "jenis_kelamin": "P", "alamat": "JL. PAHLAWAN", "rt": "002", "rw": "003", "kode_desa": mirip["kode_desa"]},
        # Same name, birth date, sex and desa as a registered voter, another NIK.
        {"nik": _other_nik(mirip["nik"], 9902), "nama": mirip["nama"], "tanggal_lahir": mirip["tanggal_lahir"],
         "status_kawin": mirip["status_kawin"], "jenis_kelamin": mirip["jenis_kelamin"], "alamat": mirip["alamat"],
         "rt": mirip["rt"], "rw": mirip["rw"], "kode_desa": mirip["kode_desa"]},
    ])
    cases["baru_tanpa_nik"] = {"nama": "DEWI ANGGRAINI LESTARI", "nik": None, "born": date(1996, 7, 1)}
    cases["kembar"] = twin
    return cases


def official_decisions(queue: pl.DataFrame, setuju: bool) -> pl.DataFrame:
    """What an official returns: SETUJU for the first candidate of each report (TOLAK for the
    others of the same report) when `setuju`, else TOLAK for every item."""
    first = queue.with_columns(
        (pl.int_range(pl.len()).over("sumber_file", "sumber_baris", "dibawa_dari") == 0).alias("_pertama")
    )
    decision = pl.when(pl.lit(setuju) & pl.col("_pertama")).then(pl.lit("SETUJU")).otherwise(pl.lit("TOLAK"))
    return first.select(pl.col("id_verifikasi").alias("ID VERIFIKASI"), decision.alias("KEPUTUSAN"))
