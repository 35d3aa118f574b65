"""The review queue across quarters: carried items, stable ids, rejected pairs, and officials'
SETUJU/TOLAK applied to it (SPEC §5.3)."""

from __future__ import annotations

import polars as pl

from schemas.fields import AKTIF, DITERAPKAN, KARANTINA, LEWAT_VERIFIKASI, TANPA_PERUBAHAN, VERIFIKASI
from transforms.review import (
    T_AKTIFKAN,
    T_GANDA,
    T_TAMBAH,
    T_TMS,
    T_UBAH,
    ReviewBook,
    from_json,
    pair_key,
    person_state,
    review_id,
)
from transforms.quarter_state import QuarterState, change_row, new_voter_fields, proposal

def add_carried(q: QuarterState, carried: pl.DataFrame) -> None:
    """Items left undecided at the end of the previous quarter stay in the queue with their id.
    Ganda items are not carried: the whole-list check finds the same pair again (same id) as
    long as both records are unchanged. An item whose candidate has meanwhile left the list
    (or, for a reactivation, come back) proposes nothing any more and is dropped."""
    if carried is None or carried.height == 0:
        return
    active_niks: set[str] | None = None
    for row in carried.iter_rows(named=True):
        tindakan = row.get("tindakan") or _action_of(row["kategori_usulan"], row["id_pemilih_kandidat"])
        if tindakan == T_GANDA or row.get("jenis_sumber") == "ganda":
            continue
        cand_id = row["id_pemilih_kandidat"]
        cand = q.voter(cand_id) if cand_id is not None else {}  # voters are never deleted
        if tindakan in (T_TMS, T_UBAH) and cand.get("status") != AKTIF:
            continue
        if tindakan == T_AKTIFKAN and cand.get("status") in (AKTIF, None):
            continue
        fields = from_json(row.get("nilai_usulan"))
        if tindakan == T_TAMBAH and fields.get("nik"):
            if active_niks is None:
                active_niks = set(q.current.filter(pl.col("status") == AKTIF).get_column("nik").drop_nulls().to_list())
            if fields["nik"] in active_niks:
                continue  # the person has been added meanwhile
        rec = {
            "sumber_file": row["sumber_file"], "sumber_baris": row["sumber_baris"],
            "sumber_sha256": row.get("sumber_sha256"), "jenis": row.get("jenis_sumber"),
            "nama": row.get("nama_sumber"), "nik": row.get("nik_sumber"),
            "tanggal_lahir": row.get("tanggal_lahir_sumber"), "kode_desa": row.get("kode_desa_sumber"),
            "umur": row.get("umur_sumber"), "rt": row.get("rt_sumber"), "rw": row.get("rw_sumber"),
            "jenis_kelamin": row.get("jenis_kelamin_sumber"), "alamat": row.get("alamat_sumber"),
            "_tanpa_hasil": True,
        }
        q.review.append({
            "rec": rec, "kategori_usulan": row["kategori_usulan"], "kode_tms_usulan": row["kode_tms_usulan"],
            "tindakan": tindakan, "id_pemilih_kandidat": cand_id, "nik_kandidat": cand.get("nik"),
            "nama_kandidat": cand.get("nama"), "kode_desa_kandidat": cand.get("kode_desa"), "skor": row["skor"],
            "alasan": row["alasan"], "metode": row.get("metode"), "fields": fields,
            "nilai_lama": from_json(row.get("nilai_lama")) or None, "kunci_pasangan": row.get("kunci_pasangan"),
            "id_verifikasi": row["id_verifikasi"], "dibawa_dari": row.get("dibawa_dari"),
            "catatan": row.get("catatan"),
        })


def _action_of(kategori: str, cand_id: int | None) -> str:
    """Items stored before `tindakan` existed."""
    return T_TMS if kategori == "TMS" else T_UBAH if kategori == "UBAH" else T_TAMBAH


def assign_review_ids(q: QuarterState) -> None:
    seen: dict[str, int] = {}
    for item in q.review:
        if item.get("id_verifikasi"):
            continue
        rec = item["rec"]
        base = review_id(
            rec["sumber_file"], rec["jenis"], rec.get("nama"), rec.get("nik"), rec.get("tanggal_lahir"),
            rec.get("umur"), rec.get("kode_desa"), item["kategori_usulan"], item["kode_tms_usulan"],
            item["nik_kandidat"], item["id_pemilih_kandidat"],
        )
        n = seen.get(base, 0)
        seen[base] = n + 1
        item["id_verifikasi"] = base if n == 0 else review_id(base, n)
    # The same report sent again this quarter: the new item replaces the carried one.
    fresh = {item["id_verifikasi"] for item in q.review if item.get("dibawa_dari") is None}
    q.review = [i for i in q.review if i.get("dibawa_dari") is None or i["id_verifikasi"] not in fresh]


def drop_rejected(q: QuarterState, rejected: frozenset[str]) -> None:
    """A pair officials rejected in an earlier quarter is not proposed again while both of its
    records are unchanged (SPEC §5.3)."""
    if not rejected:
        return
    kept = []
    for item in q.review:
        if item.get("kunci_pasangan") in rejected and item.get("dibawa_dari") is None:
            continue
        kept.append(item)
    q.review = kept
    still = {(i["rec"]["sumber_file"], i["rec"]["sumber_baris"]) for i in kept if not i["rec"].get("_tanpa_hasil")}
    for key, value in list(q.outcome.items()):
        if value == VERIFIKASI and key not in still:
            q.outcome[key] = TANPA_PERUBAHAN


def _row_key(item: dict) -> tuple:
    rec = item["rec"]
    return (item.get("dibawa_dari"), rec["sumber_file"], rec["sumber_baris"])


def _describe(item: dict) -> str:
    name = item.get("nama_kandidat") or item["rec"].get("nama") or "?"
    nik = item.get("nik_kandidat") or item["rec"].get("nik")
    return f"{item['id_verifikasi']} ({name}{', NIK ' + nik if nik else ''})"


class Decisions:
    """Officials' SETUJU/TOLAK applied to the queue (SPEC §5.3): first to the items of input
    rows (before the changes are resolved), then to the ganda items the whole-list check
    finds, then every decision gets its outcome."""

    def __init__(self, q: QuarterState, book: ReviewBook) -> None:
        self.q = q
        self.book = book
        self.rows = list(book.decisions.sort("urutan").iter_rows(named=True))
        self.latest: dict[str, dict] = {}
        for row in self.rows:
            if row["keputusan"] not in ("SETUJU", "TOLAK"):
                continue
            before = self.latest.get(row["id_verifikasi"])
            if before is not None and before["keputusan"] != row["keputusan"]:
                q.notes.append(
                    f"keputusan {row['id_verifikasi']} berubah: {before['keputusan']} ({before['sumber_file']} "
                    f"baris {before['sumber_baris']}) menjadi {row['keputusan']} ({row['sumber_file']} baris "
                    f"{row['sumber_baris']}); yang berlaku keputusan terakhir"
                )
            self.latest[row["id_verifikasi"]] = row
        self.ordered = sorted(self.latest.values(), key=lambda r: r["urutan"])
        self.result: dict[str, tuple[str, str]] = {}  # id -> (hasil, keterangan)
        self.items: dict[str, dict] = {}

    def _quarantine(self, rid: str, reason: str) -> None:
        self.result[rid] = (KARANTINA, reason)

    def _approvals(self, by_id: dict[str, dict]):
        """The latest decision on each item of `by_id` not decided yet, in the order officials
        took them: a TOLAK is settled here, each SETUJU yielded as (id, item, decision row)."""
        for d in self.ordered:
            rid = d["id_verifikasi"]
            item = by_id.get(rid)
            if item is None or rid in self.items:
                continue
            self.items[rid] = item
            item["_keputusan"] = d["keputusan"]
            if d["keputusan"] == "TOLAK":
                self.result[rid] = (TANPA_PERUBAHAN, "ditolak")
                continue
            yield rid, item, d

    def apply_to_rows(self) -> None:
        q = self.q
        by_id = {item["id_verifikasi"]: item for item in q.review}
        approved_rows: dict[tuple, dict] = {}
        decided_rows: set[tuple] = set()
        for rid, item, d in self._approvals(by_id):
            key = _row_key(item)
            decided_rows.add(key)
            first = approved_rows.get(key)
            if first is not None:
                self._quarantine(rid, (
                    f"laporan {item['rec']['sumber_file']} baris {item['rec']['sumber_baris']} sudah disetujui untuk "
                    f"kandidat lain: {_describe(first)}; satu laporan hanya untuk satu orang"
                ))
                continue
            approved = self._proposal_of(item)
            if approved is None:
                continue
            approved_rows[key] = item
            q.proposals.append(approved)
        for r in q.review:  # a visited item settled by the approval of another candidate of its report
            if r.get("_coklit") is not None and r.get("_keputusan") is None and _row_key(r) in decided_rows:
                q.set_outcome(r["_coklit"], TANPA_PERUBAHAN)
        q.review = [r for r in q.review if r.get("_keputusan") is None and _row_key(r) not in decided_rows]
        still = {_row_key(r) for r in q.review}
        for item in self.items.values():
            if _row_key(item) not in still:
                q.set_outcome(item["rec"], TANPA_PERUBAHAN)  # DITERAPKAN once the change is applied

    def _proposal_of(self, item: dict) -> dict | None:
        rid = item["id_verifikasi"]
        rec, tindakan, cand = item["rec"], item["tindakan"], item["id_pemilih_kandidat"]
        link = {"metode": item.get("metode") or "VERIFIKASI", "skor": item.get("skor")}
        if tindakan == T_TAMBAH:
            fields = item["fields"] or new_voter_fields(rec)
            if not fields.get("kode_desa"):
                self._quarantine(rid, "desa/kelurahan orang ini belum pasti, jadi tidak dapat ditambahkan; "
                                      "perbaiki desanya di berkas sumber")
                return None
            return proposal(rec, "BARU", None, None, link, penetapan=LEWAT_VERIFIKASI, id_verifikasi=rid, fields=fields)
        kategori = "BARU" if tindakan == T_AKTIFKAN else item["kategori_usulan"]
        if kategori == "TMS" and item["kode_tms_usulan"] is None:
            self._quarantine(rid, "usulan ini belum menyebut kode TMS (tidak dikenal saat coklit); kembalikan daftar "
                                  "coklit dengan TMS dan kodenya bila orangnya memang tidak memenuhi syarat")
            return None
        return proposal(rec, kategori, item["kode_tms_usulan"], cand, link, penetapan=LEWAT_VERIFIKASI,
                         id_verifikasi=rid, fields=item["fields"])

    def distinct_pairs(self) -> frozenset[str]:
        """A look-alike approved as a new person is, by that decision, not the registered voter it
        resembles: the pair is not proposed as ganda now, nor later while both are unchanged."""
        q = self.q
        added = {c["id_verifikasi"]: c["id_pemilih"] for c in q.applied if c.get("id_verifikasi")}
        keys, ganda = set(), q.tms.check_code("ganda")
        for rid, item in self.items.items():
            if item["tindakan"] != T_TAMBAH or item["id_pemilih_kandidat"] is None or rid not in added:
                continue
            key = pair_key("ganda", person_state(q.voter(item["id_pemilih_kandidat"])),
                           person_state(q.voter(added[rid])), "TMS", ganda)
            keys.add(key)
            q.selesai.append({
                "id_verifikasi": review_id("ganda", key), "kunci_pasangan": key, "kategori_usulan": "TMS",
                "kode_tms_usulan": ganda, "tindakan": T_GANDA, "id_pemilih_kandidat": added[rid], "keputusan": "TOLAK",
                "hasil": TANPA_PERUBAHAN, "keterangan": f"orang yang berbeda menurut keputusan {rid}",
            })
        return frozenset(keys)

    def apply_to_ganda(self) -> None:
        q = self.q
        by_id = {item["id_verifikasi"]: item for item in q.review if item["tindakan"] == T_GANDA}
        removed_by: dict[int, str] = {}
        ganda = q.tms.check_code("ganda")
        for rid, item, _ in self._approvals(by_id):
            cand, other = q.voter(item["id_pemilih_kandidat"]), q.voter(item["id_pemilih_sumber"])
            if cand["status"] != AKTIF:
                self.result[rid] = (TANPA_PERUBAHAN, "pemilih ini sudah TMS")
                continue
            if other["status"] != AKTIF:
                by = removed_by.get(other["id_pemilih"])
                self._quarantine(rid, (
                    f"pemilih pembanding {other['nama']} (NIK {other.get('nik')}) sudah dicoret"
                    f"{' oleh keputusan ' + by if by else ''}; keduanya tidak boleh dicoret sebagai ganda"
                ))
                continue
            cand["status"], cand["kode_tms"] = "TMS", ganda
            removed_by[cand["id_pemilih"]] = rid
            p = proposal(item["rec"], "TMS", ganda, cand["id_pemilih"],
                          {"metode": item.get("metode") or "GANDA", "skor": item.get("skor")},
                          penetapan=LEWAT_VERIFIKASI, id_verifikasi=rid)
            q.applied.append(change_row(p, cand, "TMS", ganda, None, [], {}, {}))
        q.review = [r for r in q.review if r.get("_keputusan") is None]

    def settle(self) -> None:
        """Every decision's outcome; a decision whose item is not in the queue is quarantined."""
        q = self.q
        applied = {c["id_verifikasi"] for c in q.applied if c.get("id_verifikasi")}
        for rid, d in self.latest.items():
            if rid in self.result:
                continue
            if rid not in self.items:
                if rid in self.book.held:
                    reason = self.book.held[rid]
                elif rid in self.book.decided_before:
                    reason = (f"usulan ini sudah diputuskan pada triwulan {self.book.decided_before[rid]}; "
                              "keputusan baru tidak mengubahnya lagi")
                elif rid in self.book.known:
                    reason = (f"usulan ini (antrean {self.book.known[rid]}) tidak berlaku lagi: data pemilihnya "
                              "sudah berubah sejak usulan dibuat")
                else:
                    reason = "id_verifikasi tidak ada dalam antrean verifikasi triwulan ini"
                self._quarantine(rid, reason)
            elif rid in applied:
                self.result[rid] = (DITERAPKAN, "disetujui dan diterapkan")
            else:
                self.result[rid] = (TANPA_PERUBAHAN, "disetujui; tidak ada data yang berubah (sudah sesuai "
                                                     "atau didahului perubahan lain, mis. meninggal)")
        for key in self.book.no_change:
            q.outcome[key] = TANPA_PERUBAHAN
        gone = 0
        for row in self.rows:
            rid = row["id_verifikasi"]
            winner = self.latest.get(rid)
            final = winner is not None and winner["urutan"] == row["urutan"]
            hasil, reason = self.result.get(rid, (TANPA_PERUBAHAN, "")) if final else (TANPA_PERUBAHAN, "")
            if not row["hadir"]:
                gone += 1
                if hasil == KARANTINA:
                    q.notes.append(f"keputusan {rid} ({row['sumber_file']} baris {row['sumber_baris']}, tercatat) "
                                   f"tidak dapat diterapkan: {reason}")
                continue
            key = (row["sumber_file"], row["sumber_baris"])
            q.outcome[key] = hasil
            if hasil == KARANTINA:
                q.karantina.append({"sumber_file": row["sumber_file"], "sumber_sha256": row["sumber_sha256"],
                                    "sumber_baris": row["sumber_baris"], "kolom": "id_verifikasi",
                                    "alasan": reason, "nilai": rid})
        if gone:
            files = sorted({r["sumber_file"] for r in self.rows if not r["hadir"]})
            q.notes.append(
                f"{gone} keputusan yang tercatat di basis data diterapkan lagi walaupun berkasnya tidak ada lagi "
                f"di kotak masuk: {', '.join(files)}"
            )
        for rid, item in self.items.items():
            hasil, reason = self.result.get(rid, (TANPA_PERUBAHAN, ""))
            q.selesai.append({
                "id_verifikasi": rid, "kunci_pasangan": item.get("kunci_pasangan"),
                "kategori_usulan": item["kategori_usulan"], "kode_tms_usulan": item["kode_tms_usulan"],
                "tindakan": item["tindakan"], "id_pemilih_kandidat": item["id_pemilih_kandidat"],
                "keputusan": self.latest[rid]["keputusan"], "hasil": hasil, "keterangan": reason,
            })
