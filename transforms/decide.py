"""A quarter's rules: events + matches -> the changes to apply, the review queue, each row's outcome.

The order of precedence follows PKPU 1/2025 practice: a death wins over every other event for
the same person, any TMS wins over a data change, and a person is never added twice. Nothing
that removes a voter is applied unless the matcher says AUTO (or an official said SETUJU).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from schemas.fields import AKTIF, AUTO, DITERAPKAN, NONE, REVIEW, TANPA_PERUBAHAN
from schemas.frames import CHANGE_SCHEMA
from schemas.policy import MatchPolicy
from schemas.tables import TmsRules
from transforms.checks import check_whole_list
from transforms.coklit import apply_coklit
from transforms.match import DAFTAR_AKTIF, DAFTAR_TMS, purpose_expr
from transforms.queue import Decisions, add_carried, assign_review_ids, drop_rejected
from transforms.quarter_state import (
    QuarterState,
    add_review,
    change_row,
    is_eligible,
    new_voter_fields,
    proposal,
    set_fields,
    source_of,
    ubah_fields,
)
from transforms.review import REVIEW_COLUMNS, REVIEW_SCHEMA, SELESAI_SCHEMA, T_AKTIFKAN, ReviewBook, to_json

@dataclass(frozen=True)
class QuarterDecision:
    versions: pl.DataFrame     # new voter versions (changed + new)
    closed_ids: pl.Series      # voters whose current version is replaced
    perubahan: pl.DataFrame    # CHANGE_SCHEMA, in application order
    verifikasi: pl.DataFrame   # REVIEW_COLUMNS
    hasil: pl.DataFrame        # sumber_file, sumber_baris, hasil (one row per record and decision row)
    karantina: pl.DataFrame    # decision rows that could not be used (unknown id_verifikasi ...)
    selesai: pl.DataFrame | None = None  # SELESAI_COLUMNS: items decided this quarter and what came of it
    catatan: tuple[str, ...] = ()        # log lines about the decisions (Bahasa Indonesia)
    waktu: dict[str, float] = field(default_factory=dict)  # seconds: deciding the rows, whole-list checks


def decide_quarter(
    records: pl.DataFrame,
    links: pl.DataFrame,
    current: pl.DataFrame,
    *,
    tanggal_acuan: date,
    policy: MatchPolicy,
    keputusan: pl.DataFrame | None = None,
    tms: TmsRules | None = None,
) -> QuarterDecision:
    """Turn a quarter's parsed records and their links into changes, review rows and outcomes.

    `records`: the parse stage's frames of every event file (not `keputusan`) concatenated, with
    `sumber_sha256`. `links`: `match_quarter`'s frame for those records (`MATCH_SCHEMA`).
    `current`: the current version of every voter (AKTIF and TMS). `keputusan`: parsed decision
    rows (id_verifikasi, keputusan SETUJU/TOLAK) or None. `tms`: the rules of the TMS table in
    force (default the shipped `schemas/tms.csv`). After the rows, the whole list is
    checked (ganda, under age), and officials' decisions on ganda pairs are applied.
    """
    started = time.perf_counter()
    q = QuarterState(current, tanggal_acuan, policy, tms)
    recs = records.with_columns(purpose_expr().alias("_tujuan"))
    rec_by_key = {(r["sumber_file"], r["sumber_baris"]): r for r in recs.iter_rows(named=True)}
    for key in rec_by_key:
        q.outcome[key] = TANPA_PERUBAHAN
    link_rows = _rows_by_record(links.filter(pl.col("daftar") == DAFTAR_AKTIF))
    removed_links = {
        key: rows[0]
        for key, rows in _rows_by_record(links.filter((pl.col("daftar") == DAFTAR_TMS) & (pl.col("putusan") != NONE))).items()
    }

    baru_candidates: list[dict] = []
    for key, rec in rec_by_key.items():
        rows = link_rows.get(key, [])
        verdict = rows[0]["putusan"] if rows else NONE
        purpose = rec["_tujuan"]
        kode = q.tms.code_for(rec)
        if purpose in ("hapus", "ubah"):
            kategori = "TMS" if kode is not None else "UBAH"
            if verdict == AUTO:
                link = rows[0]
                q.proposals.append(proposal(rec, kategori, kode, link["id_pemilih"], link, fields=ubah_fields(rec)))
            elif verdict == REVIEW:
                add_review(q, rec, kategori, kode, rows)
            continue
        # purpose "baru": penduduk, pindah_datang, tni_polri PENSIUN
        if verdict == AUTO:
            link = rows[0]
            if rec["jenis"] == "pindah_datang":
                q.proposals.append(proposal(rec, "UBAH", None, link["id_pemilih"], link, fields=ubah_fields(rec)))
            continue  # already on the list: no change
        if verdict == REVIEW:
            kategori = "UBAH" if rec["jenis"] == "pindah_datang" else "BARU"
            add_review(q, rec, kategori, None, rows)
            continue
        baru_candidates.append(rec)

    _decide_baru(q, baru_candidates, removed_links)
    del link_rows, removed_links
    book = ReviewBook.of(keputusan)
    add_carried(q, book.carried)
    assign_review_ids(q)
    drop_rejected(q, book.rejected)
    book = apply_coklit(q, book)
    decisions = Decisions(q, book)
    decisions.apply_to_rows()
    _resolve_and_apply(q)
    waktu = {"putuskan": time.perf_counter() - started}
    started = time.perf_counter()
    check_whole_list(q, book.rejected | decisions.distinct_pairs())
    decisions.apply_to_ganda()
    decisions.settle()
    waktu["ganda_umur"] = time.perf_counter() - started
    return _finish(q, book, waktu)


def _rows_by_record(links: pl.DataFrame) -> dict[tuple[str, int], list[dict]]:
    """Link rows per input row (`sumber_file`, `sumber_baris`), best first."""
    by_record: dict[tuple[str, int], list[dict]] = {}
    for row in links.sort("sumber_file", "sumber_baris", "peringkat").iter_rows(named=True):
        by_record.setdefault((row["sumber_file"], row["sumber_baris"]), []).append(row)
    return by_record


def _decide_baru(q: QuarterState, candidates: list[dict], removed_links: dict[tuple[str, int], dict]) -> None:
    """People not found on the active list: reactivate, add, or hold for review."""
    if not candidates:
        return
    eligible: list[dict] = []
    for rec in candidates:
        if rec["jenis"] == "tni_polri" and rec.get("perubahan") != "PENSIUN":
            continue
        ok = is_eligible(rec.get("tanggal_lahir"), rec.get("umur"), rec.get("status_kawin"), q.tanggal_acuan)
        if ok is False:
            continue  # not yet a voter: no change
        eligible.append(rec)
    seen_nik: set[str] = set()
    for rec in eligible:
        key = (rec["sumber_file"], rec["sumber_baris"])
        link = removed_links.get(key)
        if link is not None:
            voter = q.voter(link["id_pemilih"])
            allowed = q.tms.may_reactivate(voter.get("kode_tms"), rec["jenis"])
            if link["putusan"] == "AUTO" and allowed:
                q.proposals.append(proposal(rec, "BARU", None, link["id_pemilih"], {**link, "metode": "REAKTIVASI"},
                                             fields=ubah_fields(rec)))
            else:
                add_review(q, rec, "BARU", None, [link], fields=ubah_fields(rec), tindakan=T_AKTIFKAN)
            continue
        problems = []
        if not rec.get("nik_andal"):
            problems.append("NIK tidak dapat dipastikan")
        if rec.get("kode_desa") is None:
            problems.append("desa/kelurahan belum pasti")
        if rec.get("tanggal_lahir") is None:
            problems.append("tanggal lahir tidak ada")
        if problems:
            add_review(q, rec, "BARU", None, [{"id_pemilih": None, "skor": None, "metode": "BARU",
                                                "alasan": "; ".join(problems)}])
            continue
        if rec["nik"] in seen_nik:
            continue  # the same new person in two files this quarter: added once
        seen_nik.add(rec["nik"])
        q.proposals.append(proposal(rec, "BARU", None, None, {"metode": "BARU", "skor": None},
                                     fields=new_voter_fields(rec)))


def _precedence(q: QuarterState, p: dict) -> int:
    """Lower wins among the proposals for one voter: the TMS codes in the order of the TMS
    table (a death first, SPEC §5.2), then a data change, then a return to the list."""
    if p["kategori"] == "TMS":
        return q.tms.rank(p["kode_tms"])
    return 2 if p["kategori"] == "UBAH" else 3


def _resolve_and_apply(q: QuarterState) -> None:
    """Death wins; any TMS wins over UBAH; then apply the survivors in source order."""
    best: dict[int, int] = {}
    for p in q.proposals:
        if p["id_pemilih"] is not None:
            r = _precedence(q, p)
            best[p["id_pemilih"]] = min(best.get(p["id_pemilih"], 9), r)
    applied: list[dict] = []
    new_niks: set[str] = set()
    ordered = sorted(q.proposals, key=lambda p: (p["rec"]["sumber_file"], p["rec"]["sumber_baris"]))
    for p in ordered:
        rec = p["rec"]
        vid = p["id_pemilih"]
        if p["kategori"] == "BARU" and vid is None:
            nik = p["fields"].get("nik")
            if nik is not None and nik in new_niks:
                continue
            if nik is not None:
                new_niks.add(nik)
            vid = q.next_id
            q.next_id += 1
            state = {"id_pemilih": vid, **p["fields"], "status": AKTIF, "kode_tms": None,
                     "sumber_file": rec["sumber_file"], "sumber_baris": rec["sumber_baris"]}
            q.by_id[vid] = state
            applied.append(change_row(p, state, "BARU", None, None, [], {}, {}))
            q.set_outcome(rec, DITERAPKAN)
            continue
        voter = q.voter(vid)
        mine = _precedence(q, p)
        if mine > best.get(vid, 9) or (p["kategori"] in ("TMS", "UBAH") and voter["status"] != AKTIF):
            continue  # superseded (death wins; the person is already removed)
        if p["kategori"] == "BARU" and voter["status"] == AKTIF:
            continue  # already back on the list
        if p["kategori"] == "TMS":
            voter["status"], voter["kode_tms"] = "TMS", p["kode_tms"]
            applied.append(change_row(p, voter, "TMS", p["kode_tms"], None, [], {}, {}))
        elif p["kategori"] == "BARU":  # reactivation
            voter["status"], voter["kode_tms"] = AKTIF, None
            changed, old, new = set_fields(voter, p["fields"])
            applied.append(change_row(p, voter, "BARU", None, old.get("kode_desa"), changed, old, new))
        else:
            changed, old, new = set_fields(voter, p["fields"])
            if not changed:
                continue
            applied.append(change_row(p, voter, "UBAH", None, old.get("kode_desa"), changed, old, new))
        q.set_outcome(rec, DITERAPKAN)
    q.applied = applied


def _finish(q: QuarterState, book: ReviewBook | None = None, waktu: dict[str, float] | None = None) -> QuarterDecision:
    assign_review_ids(q)
    notes = book.latest_notes() if book is not None else {}
    applied = q.applied
    perubahan = pl.DataFrame(
        [{c: a.get(c) for c in CHANGE_SCHEMA if c != "urutan"} for a in applied],
        schema={c: t for c, t in CHANGE_SCHEMA.items() if c != "urutan"},
    ).with_row_index("urutan", offset=1).with_columns(pl.col("urutan").cast(pl.Int32))
    review_rows = []
    for item in q.review:
        rec = item["rec"]
        review_rows.append({
            "id_verifikasi": item["id_verifikasi"],
            "kategori_usulan": item["kategori_usulan"],
            "kode_tms_usulan": item["kode_tms_usulan"],
            "id_pemilih_kandidat": item["id_pemilih_kandidat"],
            "nik_kandidat": item["nik_kandidat"],
            "nama_kandidat": item["nama_kandidat"],
            "kode_desa_kandidat": item["kode_desa_kandidat"],
            **source_of(rec),
            "nama_sumber": rec.get("nama"),
            "nik_sumber": rec.get("nik"),
            "tanggal_lahir_sumber": rec.get("tanggal_lahir"),
            "kode_desa_sumber": rec.get("kode_desa"),
            "skor": item["skor"],
            "alasan": item["alasan"],
            "umur_sumber": rec.get("umur"),
            "rt_sumber": rec.get("rt"),
            "rw_sumber": rec.get("rw"),
            "jenis_kelamin_sumber": rec.get("jenis_kelamin"),
            "alamat_sumber": rec.get("alamat"),
            "id_pemilih_sumber": item.get("id_pemilih_sumber"),
            "jenis_sumber": rec.get("jenis"),
            "tindakan": item["tindakan"],
            "metode": item.get("metode"),
            "nilai_lama": to_json(item.get("nilai_lama")),
            "nilai_usulan": to_json(item.get("fields")),
            "kunci_pasangan": item.get("kunci_pasangan"),
            "dibawa_dari": item.get("dibawa_dari"),
            "catatan": notes.get(item["id_verifikasi"], item.get("catatan")),
        })
    verifikasi = pl.DataFrame(
        [{c: r.get(c) for c in REVIEW_COLUMNS} for r in review_rows], schema=REVIEW_SCHEMA,
    ).sort("sumber_file", "sumber_baris", "id_verifikasi")
    changed_ids = [i for i, v in q.by_id.items() if q.original.get(i) != v]
    versions = pl.DataFrame([q.by_id[i] for i in sorted(changed_ids)], schema=q.current.schema)
    closed = pl.Series("id_pemilih", [i for i in sorted(changed_ids) if i in q.original], dtype=pl.Int64)
    hasil = pl.DataFrame(
        [{"sumber_file": k[0], "sumber_baris": k[1], "hasil": v} for k, v in sorted(q.outcome.items())],
        schema={"sumber_file": pl.Utf8, "sumber_baris": pl.Int64, "hasil": pl.Utf8},
    )
    karantina = pl.DataFrame(
        q.karantina,
        schema={"sumber_file": pl.Utf8, "sumber_sha256": pl.Utf8, "sumber_baris": pl.Int64, "kolom": pl.Utf8,
                "alasan": pl.Utf8, "nilai": pl.Utf8},
    )
    selesai = pl.DataFrame(q.selesai, schema=SELESAI_SCHEMA)
    return QuarterDecision(versions, closed, perubahan, verifikasi, hasil, karantina, selesai, tuple(q.notes),
                           dict(waktu or {}))
