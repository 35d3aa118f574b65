"""The checks every run makes on the whole list: the same person twice (ganda) and voters under age."""

from __future__ import annotations

import polars as pl

from schemas.fields import AKTIF
from transforms.match import find_ganda, prepare_voters
from transforms.quarter_state import ADULT_AGE, QuarterState, add_review, change_row, proposal
from transforms.review import T_GANDA, pair_key, person_state, review_id

def check_whole_list(q: QuarterState, rejected: frozenset[str] = frozenset()) -> None:
    """Every run checks the whole list: the same NIK twice (ganda) and voters under age."""
    ganda, under_age = q.tms.check_code("ganda"), q.tms.check_code("umur")
    # The active list after this quarter's rows: untouched voters in list order, then the
    # touched ones; filtered in one pass (no intermediate copy of the whole list).
    active = q.current.filter(~pl.col("id_pemilih").is_in(list(q.by_id)) & (pl.col("status") == AKTIF))
    touched = [v for v in q.by_id.values()]
    if touched:
        touched_frame = pl.DataFrame(touched, schema=q.current.schema).filter(pl.col("status") == AKTIF)
        active = pl.concat([active, touched_frame], how="vertical")
    auto, review = find_ganda(prepare_voters(active, q.policy), q.policy)
    needed = pl.concat([auto.get_column("id_pemilih"), review.get_column("id_pemilih_b")]).cast(pl.Int64)
    sources = active.filter(pl.col("id_pemilih").is_in(needed.implode())).select(
        "id_pemilih", "sumber_file", "sumber_baris"
    )
    src = {r[0]: (r[1], r[2]) for r in sources.iter_rows()}
    for row in auto.sort("id_pemilih").iter_rows(named=True):
        voter = q.voter(row["id_pemilih"])
        if voter["status"] != AKTIF:
            continue
        voter["status"], voter["kode_tms"] = "TMS", ganda
        f, b = src[row["id_pemilih"]]
        p = proposal({"sumber_file": f, "sumber_baris": b}, "TMS", ganda, row["id_pemilih"],
                      {"metode": row.get("metode") or "NIK_GANDA", "skor": row.get("skor")})
        q.applied.append(change_row(p, voter, "TMS", ganda, None, [], {}, {}))
    under = active.filter(
        (pl.col("status_kawin").fill_null("B") == "B")
        & pl.col("tanggal_lahir").is_not_null()
        & (pl.col("tanggal_lahir").dt.offset_by(f"{ADULT_AGE}y") > pl.lit(q.tanggal_acuan))
    )
    for row in under.sort("id_pemilih").iter_rows(named=True):
        voter = q.voter(row["id_pemilih"])
        if voter["status"] != AKTIF:
            continue
        voter["status"], voter["kode_tms"] = "TMS", under_age
        p = proposal({"sumber_file": row["sumber_file"], "sumber_baris": row["sumber_baris"]}, "TMS", under_age,
                      row["id_pemilih"], {"metode": "UMUR", "skor": None})
        q.applied.append(change_row(p, voter, "TMS", under_age, None, [], {}, {}))
    _add_ganda_items(q, review, src, rejected)


def _add_ganda_items(q: QuarterState, review: pl.DataFrame, src: dict, rejected: frozenset[str]) -> None:
    """A pair to review: TMS 2 for voter b (the candidate) while voter a (the other record)
    stays. The id and the pair key come from both records, so the same unchanged pair has the
    same id next quarter, and a rejected one is not proposed again."""
    for row in review.iter_rows(named=True):
        a, b = row["id_pemilih_a"], row["id_pemilih_b"]
        other, cand = q.voter(a), q.voter(b)
        if other["status"] != AKTIF or cand["status"] != AKTIF:
            continue
        ganda = q.tms.check_code("ganda")
        key = pair_key("ganda", person_state(other), person_state(cand), "TMS", ganda)
        if key in rejected:
            continue
        f, baris = src[b]
        rec = {"sumber_file": f, "sumber_baris": baris, "jenis": "ganda", "umur": None, "_tanpa_hasil": True,
               **{k: other.get(k) for k in ("nama", "nik", "tanggal_lahir", "jenis_kelamin", "kode_desa", "alamat",
                                            "rt", "rw")}}
        add_review(q, rec, "TMS", ganda, [{"id_pemilih": b, "skor": row.get("skor"), "alasan": row.get("alasan"),
                                        "metode": "GANDA"}], fields={}, tindakan=T_GANDA)
        q.review[-1].update(kunci_pasangan=key, id_verifikasi=review_id("ganda", key), id_pemilih_sumber=a)
