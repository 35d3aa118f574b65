"""Quarter order on a hand-built database: the first quarter after the baseline, skips only when
asked and recorded, reruns of the latest only, withdrawal back to the state before."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from transforms import quarters, store
from transforms.errors import InputError

Q = store.quarter_index
BASE = Q("2025-Q4")


def _voters(ids: list[int], nama: str = "WARGA") -> pl.DataFrame:
    return pl.DataFrame({
        "id_pemilih": ids, "nik": [f"33230112058{i:05d}" for i in ids], "nama": [f"{nama} {i}" for i in ids],
        "status": ["AKTIF"] * len(ids), "sumber_file": ["pemilih.csv"] * len(ids), "sumber_baris": ids,
    }).with_columns(pl.lit(None, pl.Utf8).alias(c) for c in store.VOTER_COLUMNS
                    if c not in ("id_pemilih", "nik", "nama", "status", "sumber_file", "sumber_baris")
                    ).select(store.VOTER_COLUMNS).cast(store.VOTER_SCHEMA)


def _write(con, kuartal: int, label: str, versions: pl.DataFrame, closed: list[int], skipped=()) -> None:
    write = store.QuarterWrite(
        kuartal=kuartal, label=label, tanggal_acuan=store.quarter_end(kuartal), id_run=f"run{kuartal}",
        versions=versions, closed_ids=pl.Series("id_pemilih", closed, dtype=pl.Int64), perubahan=pl.DataFrame(),
        verifikasi=pl.DataFrame(), karantina=pl.DataFrame(), berkas=pl.DataFrame(),
    )
    plan = quarters.RunPlan(kuartal=kuartal, replace=False, skipped=tuple(skipped))
    store.write_quarter(con, write, replace=False, before_commit=lambda: quarters.record_skips(con, plan, "r"))


@pytest.fixture
def con(tmp_path):
    con = store.connect(tmp_path / "q.duckdb", must_exist=False)
    store.create_schema(con)
    _write(con, BASE, "awal", _voters([1, 2, 3]), [])
    store.record_run(con, id_run="init1", perintah="init", kuartal=BASE, mulai=datetime.now(),
                     hasil="BERHASIL", parameter={"voters": "data/pemilih.xlsx"})
    yield con
    con.close()


def test_first_quarter_is_the_one_after_the_baseline(con):
    plan = quarters.plan_run(con, Q("2026-Q1"))
    assert plan == quarters.RunPlan(kuartal=Q("2026-Q1"), replace=False, skipped=())


def test_quarter_at_or_before_baseline_shows_how_to_redo_init(con):
    for label in ("2025-Q4", "2025-Q3"):
        with pytest.raises(InputError) as refused:
            quarters.plan_run(con, Q(label), db="data/pdpb.duckdb")
        msg = str(refused.value)
        assert "2025-12-31" in msg and "2026-Q1" in msg
        assert f"pdpb init --voters data/pemilih.xlsx --as-of {store.quarter_end(Q(label) - 1)}" in msg


def test_skip_needs_the_flag_and_is_recorded(con):
    with pytest.raises(InputError, match="--lewati-triwulan"):
        quarters.plan_run(con, Q("2026-Q3"))
    plan = quarters.plan_run(con, Q("2026-Q3"), lewati=True)
    assert plan.skipped == (Q("2026-Q1"), Q("2026-Q2"))
    _write(con, plan.kuartal, "2026-Q3", _voters([4]), [], skipped=plan.skipped)
    assert quarters.skips_recorded_by(con, Q("2026-Q3")) == {Q("2026-Q1"), Q("2026-Q2")}
    # A rerun of that quarter does not ask again: its skip is on record.
    assert quarters.plan_run(con, Q("2026-Q3")).replace
    # The skipped quarter can no longer run after it.
    with pytest.raises(InputError, match="pdpb batal --quarter 2026-Q3"):
        quarters.plan_run(con, Q("2026-Q2"))
    assert [h["peristiwa"] for h in quarters.history(con)] == ["DILEWATI", "DILEWATI"]


def test_withdraw_returns_the_list_to_its_state_before(con):
    before = store.list_as_of(con, BASE)
    _write(con, Q("2026-Q1"), "2026-Q1", pl.concat([_voters([2], "PINDAH"), _voters([4])]), [2])
    assert store.current_list(con)["nama"].to_list() != before["nama"].to_list()
    with pytest.raises(InputError, match="daftar pemilih awal"):
        quarters.withdraw(con, BASE, "b0")
    with pytest.raises(InputError, match="belum diterapkan"):
        quarters.withdraw(con, Q("2026-Q2"), "b0")
    quarters.withdraw(con, Q("2026-Q1"), "b1", "salah kirim")
    assert store.current_list(con).equals(before)
    assert store.applied_quarters(con) == [BASE]
    (entry,) = quarters.history(con)
    assert entry["triwulan"] == "2026-Q1" and entry["peristiwa"] == "DIBATALKAN" and "salah kirim" in entry["keterangan"]
    # ...and the quarter can run again as the first one.
    assert quarters.plan_run(con, Q("2026-Q1")).replace is False


def test_only_the_latest_quarter_can_be_withdrawn(con):
    _write(con, Q("2026-Q1"), "2026-Q1", _voters([4]), [])
    _write(con, Q("2026-Q2"), "2026-Q2", _voters([5]), [])
    with pytest.raises(InputError, match="hanya triwulan terakhir"):
        quarters.withdraw(con, Q("2026-Q1"), "b")


def test_export_of_a_quarter_not_applied_is_refused(con):
    quarters.check_export(con, BASE)
    for label in ("2026-Q1", "2030-Q4", "2025-Q3"):
        with pytest.raises(InputError, match="belum diterapkan"):
            quarters.check_export(con, Q(label))


def test_default_baseline_date_is_the_end_of_the_last_ended_quarter():
    from flows.init import default_as_of

    assert default_as_of(date(2026, 12, 1)) == date(2026, 9, 30)
    assert default_as_of(date(2026, 1, 1)) == date(2025, 12, 31)
