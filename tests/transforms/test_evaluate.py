"""The stranger test: what automatic removal from a desa's own death report risks."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from transforms.evaluate import stranger_test
from schemas.policy import load_policy

SYLLABLES = ["BA", "DI", "KU", "MO", "NE", "PRA", "RU", "SA", "TI", "WO", "LAN", "GEN", "HAR", "JO", "YU",
             "CEP", "FA", "ZU", "SEN", "TOR"]


def _people(n: int, copies: int) -> pl.DataFrame:
    """`n` distinct two-word names (rare, no word shared), each carried by `copies` voters of
    one RT born the same year and day of the year; 40 desa, 3 names per RT/RW."""
    rng = np.random.default_rng(3)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < 2 * n:
        w = "".join(SYLLABLES[j] for j in rng.integers(0, len(SYLLABLES), 4))
        if w not in seen:
            seen.add(w)
            words.append(w)
    names = [f"{words[2 * i]} {words[2 * i + 1]}" for i in range(n)]
    rows = []
    for i, name in enumerate(names):
        for c in range(copies):
            rows.append({
                "id_pemilih": len(rows) + 1,
                "nik": f"3323{len(rows):012d}",
                "nkk": f"3323{i:012d}",
                "nama": name,
                "tanggal_lahir": date(1940 + i % 60, 1 + i % 12, 1 + i % 28),
                "jenis_kelamin": "L" if i % 2 else "P",
                "kode_desa": "33.23.01.20%02d" % (i % 40 + 1),
                "rt": f"{i // 120 + 1:03d}",
                "rw": "001",
                "status": "AKTIF",
                "kode_tms": None,
            })
    return pl.DataFrame(rows, schema_overrides={"kode_tms": pl.Int64})


def test_rare_names_are_removed_automatically_only_with_the_rt_rw_and_strangers_never() -> None:
    current = _people(3000, 1)
    out = stranger_test(current, load_policy(), start=date(2026, 4, 1), tanggal_acuan=date(2026, 6, 30))
    k = out["laporan_per_kelompok"]
    assert k == 150
    # Nobody off the list shares a name with a voter: no report of theirs removes anyone.
    assert out["asing_rtrw_tms_otomatis"] == out["asing_desa_tms_otomatis"] == 0
    # A listed voter's report with the RT/RW: one voter of a few in that RT/RW has the name.
    assert out["terdaftar_rtrw_otomatis_benar"] == k
    # Without it, the desa (75 voters of 3,000) is too large a share of the list.
    assert out["terdaftar_desa_otomatis_benar"] == 0
    assert out["terdaftar_rtrw_otomatis_salah"] == out["terdaftar_desa_otomatis_salah"] == 0


def test_a_namesake_left_on_the_list_is_what_the_test_catches() -> None:
    # Every name is carried by two voters of the same RT, same sex and age. A report about one
    # of them lists both for review; a report about one taken off the list lands on the other,
    # who is alive -- the wrongful removal the stranger test exists to count.
    current = _people(1500, 2)
    out = stranger_test(current, load_policy(), start=date(2026, 4, 1), tanggal_acuan=date(2026, 6, 30))
    k = out["laporan_per_kelompok"]
    # Only where the namesake was itself taken off the list as a stranger.
    assert out["terdaftar_rtrw_otomatis_salah"] == 0
    assert out["terdaftar_rtrw_otomatis_benar"] <= 0.1 * k
    assert out["asing_rtrw_tms_otomatis"] >= 0.9 * k
