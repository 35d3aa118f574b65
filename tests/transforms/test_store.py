"""The versioned list: quarters, apply in one transaction, rollback of a rerun, as-of queries, the lock."""

from __future__ import annotations

import multiprocessing
from datetime import date

import polars as pl
import pytest

from transforms import store
from transforms.quarter_state import age_on, is_eligible
from transforms.errors import InputError


def test_quarter_strings():
    assert store.quarter_index("2026-Q1") == 2026 * 4
    assert store.quarter_label(store.quarter_index("2026-Q3")) == "2026-Q3"
    assert store.quarter_end(store.quarter_index("2026-Q1")) == date(2026, 3, 31)
    assert store.quarter_end(store.quarter_index("2026-Q2")) == date(2026, 6, 30)
    assert store.quarter_end(store.quarter_index("2026-Q3")) == date(2026, 9, 30)
    assert store.quarter_end(store.quarter_index("2026-Q4")) == date(2026, 12, 31)
    assert store.quarter_of(date(2025, 12, 31)) == store.quarter_index("2025-Q4")
    for bad in ("2026Q1", "2026-Q5", "Q1-2026", "", "2026-q0"):
        with pytest.raises(InputError):
            store.quarter_index(bad)


@pytest.mark.parametrize(
    ("born", "umur", "kawin", "expected"),
    [
        (date(2009, 3, 31), None, "B", True),     # 17 exactly on the reference date
        (date(2009, 4, 1), None, "B", False),     # one day short
        (date(2010, 1, 1), None, "S", True),      # married: eligible at any age
        (date(2010, 1, 1), None, "P", True),      # divorced/widowed counts as married before
        (None, 17, "B", True),
        (None, 16, None, False),
        (None, None, None, None),                 # unknown: neither added nor dropped silently
    ],
)
def test_eligibility_on_reference_date(born, umur, kawin, expected):
    assert is_eligible(born, umur, kawin, date(2026, 3, 31)) is expected


def test_age_on_birthday_boundaries():
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2009, 12, 31), date(2026, 12, 30)) == 16


def _voters(ids: list[int], desa: str = "33.23.01.2001") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id_pemilih": ids,
            "nik": [f"33230101800{i:05d}" for i in ids],
            "nkk": [f"33230101010{i:05d}" for i in ids],
            "nama": [f"WARGA {i}" for i in ids],
            "tempat_lahir": ["TEMANGGUNG"] * len(ids),
            "tanggal_lahir": [date(1980, 1, 1)] * len(ids),
            "status_kawin": ["S"] * len(ids),
            "jenis_kelamin": ["L"] * len(ids),
            "alamat": ["DUSUN KRAJAN"] * len(ids),
            "rt": ["001"] * len(ids),
            "rw": ["002"] * len(ids),
            "disabilitas": [None] * len(ids),
            "kode_desa": [desa] * len(ids),
            "tps": ["001"] * len(ids),
            "status": ["AKTIF"] * len(ids),
            "kode_tms": [None] * len(ids),
            "sumber_file": ["pemilih.csv"] * len(ids),
            "sumber_baris": [i + 1 for i in ids],
        },
        schema=store.VOTER_SCHEMA,
    )


def _write(con, kuartal: int, versions: pl.DataFrame, closed: list[int], label: str) -> None:
    store.write_quarter(
        con,
        store.QuarterWrite(
            kuartal=kuartal, label=label, tanggal_acuan=store.quarter_end(kuartal), id_run="t",
            versions=versions, closed_ids=pl.Series("id_pemilih", closed, dtype=pl.Int64),
            perubahan=pl.DataFrame(), verifikasi=pl.DataFrame(), karantina=pl.DataFrame(), berkas=pl.DataFrame(),
        ),
        replace=kuartal in store.applied_quarters(con),
    )


@pytest.fixture()
def con(tmp_path):
    con = store.connect(tmp_path / "t.duckdb", must_exist=False)
    store.create_schema(con)
    yield con
    con.close()


def test_versions_as_of_each_quarter_and_rerun_replaces(con):
    q0, q1 = store.quarter_index("2025-Q4"), store.quarter_index("2026-Q1")
    _write(con, q0, _voters([1, 2, 3]), [], "awal")
    removed = _voters([2]).with_columns(pl.lit("TMS").alias("status"), pl.lit(1, dtype=pl.Int64).alias("kode_tms"))
    _write(con, q1, pl.concat([removed, _voters([4])]), [2], "2026-Q1")
    assert store.list_as_of(con, q0)["status"].to_list() == ["AKTIF"] * 3
    after = store.list_as_of(con, q1)
    assert after["id_pemilih"].to_list() == [1, 2, 3, 4]
    assert after.filter(pl.col("id_pemilih") == 2)["kode_tms"].item() == 1
    # A rerun with different content replaces the quarter entirely.
    _write(con, q1, _voters([4]), [], "2026-Q1")
    after = store.list_as_of(con, q1)
    assert after["status"].to_list() == ["AKTIF"] * 4
    assert store.list_as_of(con, q0).height == 3


def test_failed_apply_leaves_previous_state(con):
    q0, q1 = store.quarter_index("2025-Q4"), store.quarter_index("2026-Q1")
    _write(con, q0, _voters([1, 2]), [], "awal")
    before = store.list_as_of(con, q0)

    def boom():
        raise RuntimeError("listrik padam")

    with pytest.raises(RuntimeError):
        store.write_quarter(
            con,
            store.QuarterWrite(
                kuartal=q1, label="2026-Q1", tanggal_acuan=store.quarter_end(q1), id_run="x",
                versions=_voters([3]), closed_ids=pl.Series("id_pemilih", [1], dtype=pl.Int64),
                perubahan=pl.DataFrame(), verifikasi=pl.DataFrame(), karantina=pl.DataFrame(), berkas=pl.DataFrame(),
            ),
            replace=False,
            before_commit=boom,
        )
    assert store.applied_quarters(con) == [q0]
    assert store.current_list(con).equals(before)


def _hold_lock(path, ready, release):
    with store.writer_lock(path):
        ready.set()
        release.wait(30)


def test_second_writer_is_refused(tmp_path):
    db = tmp_path / "x.duckdb"
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(db, ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(InputError, match="sedang dipakai"):
            with store.writer_lock(db):
                pass
    finally:
        release.set()
        holder.join(30)
    with store.writer_lock(db):  # released when the holder ended
        pass


def test_a_database_from_an_earlier_release_gets_the_new_review_columns(con):
    # The review queue of the first release had no reported age or RT/RW.
    for column in ("umur_sumber", "rt_sumber", "rw_sumber"):
        con.execute(f"ALTER TABLE verifikasi DROP COLUMN {column}")
    con.execute("INSERT INTO verifikasi (kuartal, id_verifikasi, kategori_usulan, sumber_file, sumber_baris) "
                "VALUES (8104, 'V1', 'TMS', 'kematian.csv', 2)")
    store.create_schema(con)  # what every `pdpb run` does first
    old = store.review_of(con, 8104)
    assert old.select("id_verifikasi", "umur_sumber", "rt_sumber", "rw_sumber").row(0) == ("V1", None, None, None)
    store.create_schema(con)  # and again: nothing changes
    assert store.review_of(con, 8104).columns == old.columns


def test_a_database_from_an_earlier_release_keeps_how_its_changes_were_decided(con):
    # Earlier releases called a change's OTOMATIS/VERIFIKASI `keputusan`, like officials' SETUJU/TOLAK.
    con.execute("ALTER TABLE perubahan RENAME COLUMN penetapan TO keputusan")
    con.execute("INSERT INTO perubahan (kuartal, urutan, kategori, id_pemilih, sumber_file, sumber_baris, metode, "
                "keputusan) VALUES (8104, 1, 'TMS', 7, 'kematian.csv', 2, 'NIK', 'VERIFIKASI')")
    store.create_schema(con)  # what every `pdpb run` does first
    changes = store.changes_of(con, 8104)
    assert "keputusan" not in changes.columns
    assert changes.select("id_pemilih", "penetapan").row(0) == (7, "VERIFIKASI")
    store.create_schema(con)  # and again: nothing changes
    assert store.changes_of(con, 8104).columns == changes.columns
