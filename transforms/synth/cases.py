"""Rows that are hard to read or to match, with the outcome an ideal pipeline gives them.

Messy mode: NIKs that lost digits, desa death reports without NIK, invalid rows that must be
quarantined. Hard cases: name variants, a NIK typed as another voter's, look-alike people.
Whether a row without a trustworthy NIK can be applied is judged here by an oracle of its
own: the candidates are the voters of the same desa with the same birth date (or, for a row
with only an age, the same name key and an age within one year); one clear candidate is
applied, more than one (or a doubtful one) goes to review (verifikasi).
"""

from __future__ import annotations

import re
import zlib
from datetime import date, timedelta

import numpy as np
import polars as pl
from rapidfuzz import fuzz

from transforms.synth.draw import typo, years_before
from transforms.synth.events import QuarterBuilder
from transforms.synth.model import (
    DESA_TANPA_ALAMAT,
    DITERAPKAN,
    KARANTINA,
    TANPA,
    VERIFIKASI,
    file_row,
    label_row,
    random_day,
    whole_years,
)
from transforms.synth.naming import old_spelling
from transforms.synth.planted import GANDA_DUA_NIK

STRONG = 85.0  # name-key similarity for a clear match
WEAK = 70.0  # below this a same-birth-date voter is not a rival candidate


def name_keys(names: pl.Series) -> pl.Series:
    """A comparison key: no titles or degrees, modern spelling, MUHAMMAD spelled out."""
    s = names.str.to_uppercase().str.replace(r",.*$", "")
    s = s.str.replace(r"^((H|HJ|DRS|DRA|IR|DR|PROF)\.?\s+)+", "")
    s = s.str.replace(r"^(MOCHAMMAD|MOCHAMAD|MOHAMMAD|MOHAMAD|MUHAMAD|MOCH|MOH|MUH|M)\.?(\s+|$)", "MUHAMMAD ")
    s = s.str.replace_all("OE", "U").str.replace_all("DJ", "J").str.replace_all("TJ", "C").str.replace_all("J", "Y")
    return s.str.replace_all(r"[^A-Z ]", "").str.replace_all(r"\s+", " ").str.strip_chars()


def name_key(name: str) -> str:
    return name_keys(pl.Series([name])).item()


def modern_spelling(name: str) -> str:
    """SOEGIJEM → SUGIYEM, DJOKO → JOKO, TJIPTO → CIPTO (the 1972 spelling reform)."""
    s = name.replace("TJ", "C").replace("OE", "U")
    return re.sub(r"(?<!D)J", "Y", s).replace("DJ", "J")


class CaseMaker:
    def __init__(self, b: QuarterBuilder) -> None:
        self.b = b
        self.rng = b.rng
        # The list as the pipeline sees it while matching: this quarter's events not yet
        # applied, the list's own duplicates and under-age records already set aside.
        checked = [rec for rec, kode in b.tms.items() if kode in (2, 3)]
        v = b.s.voters.filter((pl.col("status") == "AKTIF") & ~pl.col("rec").is_in(checked))
        self.cand = v.select("rec", "nik", "nama", "kode_desa", "tanggal_lahir", "jenis_kelamin").with_columns(
            name_keys(v["nama"]).alias("kunci")
        )
        self.n = v.height
        self.used: set[str] = {r["_nik_target"] for rows in b.rows.values() for r in rows if r["_nik_target"]}
        self.used |= {r["_nik_benar"] for rows in b.rows.values() for r in rows}

    # ------------------------------------------------------------------ oracle

    def candidates_by_birth(self, name: str, kode_desa: str, born: date) -> list[tuple[int, float]]:
        """Voters of the desa born that day, with the similarity of their name key."""
        key = name_key(name)
        hits = self.cand.filter((pl.col("kode_desa") == kode_desa) & (pl.col("tanggal_lahir") == born))
        scored = [(rec, fuzz.ratio(key, k)) for rec, k in hits.select("rec", "kunci").iter_rows()]
        return [(rec, score) for rec, score in scored if score >= WEAK]

    def candidates_by_age(self, name: str, kode_desa: str, umur: int, when: date) -> list[int]:
        """Voters of the desa with the same name key whose age on `when` is within a year of `umur`."""
        hits = self.cand.filter((pl.col("kode_desa") == kode_desa) & (pl.col("kunci") == name_key(name)))
        out = []
        for rec, born in hits.select("rec", "tanggal_lahir").iter_rows():
            age = when.year - born.year - ((when.month, when.day) < (born.month, born.day))
            if abs(age - umur) <= 1:
                out.append(rec)
        return out

    def judge(self, row: dict, target: int, kasus_ok: str, kasus_ambigu: str) -> None:
        """Keep the row applied when its person is the one clear candidate; otherwise review."""
        if row["_berkas"] == "desa":
            cands = self.candidates_by_age(row["nama"], row["kode_desa"], row["umur"], row["tanggal_meninggal"])
            clear = cands == [target]
        else:
            scored = self.candidates_by_birth(row["nama"], row["kode_desa"], row["tanggal_lahir"])
            strong = [rec for rec, score in scored if score >= STRONG]
            clear = strong == [target] and len(scored) == 1
        if clear:
            row["_kasus"] = kasus_ok
        else:
            self.demote(row, kasus_ambigu)

    def demote(self, row: dict, kasus: str) -> None:
        """The row goes to review: its change is not applied."""
        b = self.b
        if row["_kategori"] == "TMS":
            b.tms.pop(row["_rec"], None)
        elif row["_kategori"] == "UBAH":
            b.ubah.pop(row["_rec"], None)
        elif row["_kategori"] == "BARU":
            b.baru = [p for p in b.baru if p["nik"] != row["_nik_target"]]
        row["_hasil"] = VERIFIKASI
        row["_kasus"] = kasus
        if row["_kategori"] == "TMS":
            # The person did die or leave: no later quarter may give them another event.
            b.s.retired.add(row["_nik_target"])

    def quarantine(self, row: dict, kasus: str) -> None:
        """The row's NIK is invalid as typed (SPEC §4.3): the row is quarantined and its change
        waits for a retyped row; the person did die or leave, so no later event is drawn."""
        b = self.b
        if row["_kategori"] == "TMS":
            b.tms.pop(row["_rec"], None)
            b.s.retired.add(row["_nik_target"])
        elif row["_kategori"] == "UBAH":
            b.ubah.pop(row["_rec"], None)
        elif row["_kategori"] == "BARU":
            b.baru = [p for p in b.baru if p["nik"] != row["_nik_target"]]
        row.update(_hasil=KARANTINA, _kasus=kasus, _kategori=None, _kode_tms=None, _nik_target=None)

    def typed_wrong(self, row: dict, turn: int) -> None:
        """A NIK typed as text with a letter for a digit (O for 0, l for 1) or in full-width
        digits (pasted from a phone or a PDF): quarantined, not matched by the other fields."""
        nik = row["nik"]
        if turn % 3 == 0 and "0" in nik[6:]:
            i = nik.rindex("0")
            typed = nik[:i] + "O" + nik[i + 1:]
        elif turn % 3 == 1 and "1" in nik[6:]:
            i = nik.rindex("1")
            typed = nik[:i] + "l" + nik[i + 1:]
        else:
            typed = "".join(chr(0xFF10 + int(d)) for d in nik)
        row["_raw"] = {"nik": typed}
        row["_nik_mode"] = "teks"
        self.quarantine(row, "karantina_nik_huruf")

    def _as_desa_report(self, row: dict) -> None:
        """The row goes into the desa's own death report: no NIK and no birth date; the dusun
        and RT/RW left blank on some rows."""
        row["_berkas"] = "desa"
        row["_nik_mode"] = "hilang"
        # Decided by the person's NIK, not by the sample's random stream: the rest of the
        # sample stays as it was.
        if zlib.crc32(row["_nik_target"].encode()) % 1000 < DESA_TANPA_ALAMAT * 1000:
            row["alamat"] = row["rt"] = row["rw"] = None

    def _k(self, share: float) -> int:
        return max(1, int(round(self.n * share))) if self.n >= 200 else 0

    def _free_voters(self, extra: pl.Expr | None = None) -> list[dict]:
        v = self.b.s.voters.filter(
            (pl.col("status") == "AKTIF")
            & ~pl.col("rec").is_in(list(self.b.tms))
            & ~pl.col("nik").is_in(list(self.used | self.b.s.retired))
            & ~pl.col("nik").is_duplicated()
            & (pl.col("cacat") == "")
            & (pl.col("khusus") == "")
            & ~pl.col("bawah_umur")
        )
        if extra is not None:
            v = v.filter(extra)
        return v[self.rng.permutation(v.height)[:5000]].to_dicts() if v.height else []

    def _take(self, r: dict) -> None:
        self.used.add(r["nik"])

    # ------------------------------------------------------------------ messy

    def messy_rows(self) -> None:
        b, rng = self.b, self.rng
        plain = [
            r
            for kind in ("kematian", "pindah_keluar", "tni_polri")
            for r in b.rows[kind]
            if r["_hasil"] == DITERAPKAN and r["_kasus"] == "bersih" and r["_kategori"] == "TMS"
            and r["_rec"] not in b.konflik
        ]
        for i, r in enumerate(plain):
            u = rng.random()
            if i % 30 == 7:  # one row in 30: a NIK typed with a letter or in full-width digits
                self.typed_wrong(r, i // 30)
            elif u < 0.15:
                # Typed into Excel as a number (15 significant digits) or into CSV as 3.32301E+15.
                r["_nik_mode"] = "numerik"
                self.judge(r, r["_rec"], "nik_float", "nik_float_ambigu")
            elif u < 0.35 and r.get("tanggal_meninggal") is not None:
                # A desa report: name, age, sex, desa and (mostly) the address.
                self._as_desa_report(r)
                self.judge(r, r["_rec"], "tanpa_nik", "nama_umum_umur")
        self.quarantined_rows()

    def quarantined_rows(self) -> None:
        """Rows that fail validation, one kind of failure each (about strangers, not voters)."""
        b, rng = self.b, self.rng
        k = self._k(0.0002)
        if not k:
            return
        acuan, start = b.acuan, b.start
        people = b.new_people(6 * k, years_before(acuan, 70), years_before(acuan, 20))
        for i, p in enumerate(people):
            reason = ("nik", "meninggal_sebelum_lahir", "tanggal_setelah_kuartal", "desa", "jenis_kelamin",
                      "tanggal_lahir")[i % 6]
            truth = b.new_truth(p)
            if reason == "nik":
                when = random_day(rng, start, acuan)
                row = file_row("kematian", p, tanggal_meninggal=when, umur=whole_years(p["tanggal_lahir"], when))
                row["_raw"] = {"nik": "00" + p["nik"][2:]}  # no province 00
                kind = "kematian"
            elif reason == "meninggal_sebelum_lahir":
                when = p["tanggal_lahir"] - timedelta(days=int(rng.integers(30, 3000)))
                row = file_row("kematian", p, tanggal_meninggal=when, umur=0)
                kind = "kematian"
            elif reason == "tanggal_setelah_kuartal":
                row = file_row("pindah_datang", p, tanggal_datang=acuan + timedelta(days=int(rng.integers(5, 60))),
                               asal=b.other_kab())
                kind = "pindah_datang"
            elif reason == "desa":
                row = file_row("penduduk", p)
                row["_raw"] = {"kode_desa": b.s.region.kode_kabupaten + ".99.2999"}
                kind = "penduduk"
            elif reason == "jenis_kelamin":
                row = file_row("penduduk", p)
                row["_raw"] = {"jenis_kelamin": "X"}
                kind = "penduduk"
            else:
                row = file_row("pindah_datang", p, tanggal_datang=random_day(rng, start, acuan), asal=b.other_kab())
                row["_raw"] = {"tanggal_lahir": ("31-02-1985", "TIDAK TAHU", "1979-13-45")[i % 3]}
                kind = "pindah_datang"
            b.rows[kind].append(label_row(row, KARANTINA, "karantina_" + reason, truth=truth))

    # ------------------------------------------------------------------ hard cases

    def hard_cases(self) -> None:
        k = self._k(0.0003)
        if not k:
            return
        self.name_variants(k)
        self.short_niks(k)
        self.nik_of_someone_else(k)
        self.namesake_elsewhere(k)
        self.lookalikes()

    def _death(self, r: dict, kasus_ok: str, kasus_ambigu: str, *, nik_mode: str, nama: str | None = None,
               berkas: str = "") -> dict:
        b = self.b
        b.death(r, kasus_ok)
        row = b.rows["kematian"][-1]
        if nama is not None:
            row["nama"] = nama
        row["_nik_mode"] = nik_mode
        if berkas == "desa":
            self._as_desa_report(row)
        self._take(r)
        self.judge(row, r["rec"], kasus_ok, kasus_ambigu)
        return row

    def name_variants(self, k: int) -> None:
        rng = self.rng
        voters = self._free_voters()
        made = {"ejaan_lama": 0, "gelar": 0, "singkatan": 0, "salah_ketik": 0}
        for r in voters:
            if all(v >= k for v in made.values()):
                break
            name = r["nama"]
            bare = re.sub(r",.*$", "", re.sub(r"^((H|HJ|DRS|DRA|IR|DR)\.\s+)+", "", name))
            variant = kasus = None
            # Old spelling belongs to people registered before the 1972 reform.
            old_enough = r["tanggal_lahir"].year < 1972
            respelled = old_spelling(bare) if old_enough else bare
            if made["ejaan_lama"] < k and (re.search(r"OE|DJ|TJ", name) or respelled != bare):
                variant = modern_spelling(name) if re.search(r"OE|DJ|TJ", name) else name.replace(bare, respelled)
                kasus = "ejaan_lama"
            elif made["singkatan"] < k and name.startswith("MUHAMMAD "):
                variant = ("MOCH. ", "MOH. ", "M. ")[int(rng.integers(0, 3))] + name[len("MUHAMMAD "):]
                kasus = "singkatan"
            elif made["gelar"] < k and bare != name:
                variant, kasus = bare, "gelar"
            elif made["gelar"] < k and whole_years(r["tanggal_lahir"], self.b.acuan) >= 40 and rng.random() < 0.3:
                variant, kasus = ("HJ. " if r["jenis_kelamin"] == "P" else "H. ") + name, "gelar"
            elif made["salah_ketik"] < k and len(bare) >= 9:
                variant, kasus = str(typo(rng, np.array([name], dtype=object))[0]), "salah_ketik"
            if variant is None or variant == name:
                continue
            made[kasus] += 1
            mode = "hilang" if rng.random() < 0.5 else "numerik"
            self._death(r, kasus, kasus + "_ambigu", nik_mode=mode, nama=variant)

    def short_niks(self, k: int) -> None:
        """A NIK typed as text with its last digit left off."""
        for r in self._free_voters()[:k]:
            row = self._death(r, "nik_kurang_digit", "nik_kurang_digit_ambigu", nik_mode="teks")
            row["_raw"] = {"nik": r["nik"][:15]}
            # Typed as text, 15 digits: a wrong value to retype, not a lost one (SPEC §4.3).
            self.quarantine(row, "karantina_nik_kurang_digit")

    def nik_of_someone_else(self, k: int) -> None:
        """A's death typed with B's NIK: B is alive and must never be removed on this row.

        Best when A and B were born the same day in the same kecamatan and share a sex: their
        NIKs then differ only in the serial, and B's NIK agrees with A's birth date and sex.
        """
        voters = self._free_voters()
        by_prefix: dict[str, list[dict]] = {}
        for r in voters:
            by_prefix.setdefault(r["nik"][:12], []).append(r)
        pairs = [(g[0], g[1]) for g in by_prefix.values() if len(g) >= 2][:k]
        rest = [r for r in voters if all(r is not a and r is not o for a, o in pairs)]
        pairs += [(rest[i], rest[i + 1]) for i in range(0, min(2 * (k - len(pairs)), len(rest) - 1), 2)]
        for a, other in pairs:
            row = self._death(a, "nik_typo_orang_lain", "nik_typo_orang_lain", nik_mode="teks")
            row["nik"] = other["nik"]
            self._take(other)
            if row["_hasil"] == DITERAPKAN:
                self.demote(row, "nik_typo_orang_lain")
            # A perfect reader gets B's NIK from this cell: that is the parse truth. The person
            # the row is about stays in nik_target.
            row["_nik_benar"] = other["nik"]

    def namesake_elsewhere(self, k: int) -> None:
        """A stranger who died with a voter's name, born another day, in another desa: no change."""
        b, rng = self.b, self.rng
        voters = self._free_voters()[: 4 * k]
        made = 0
        for x in voters:
            if made >= k:
                break
            people = b.new_people(1, years_before(b.acuan, 80), years_before(b.acuan, 25))
            p = people[0]
            p["nama"], p["jenis_kelamin"] = x["nama"], x["jenis_kelamin"]
            if p["kode_desa"] == x["kode_desa"] or p["tanggal_lahir"] == x["tanggal_lahir"]:
                continue
            if self.candidates_by_birth(p["nama"], p["kode_desa"], p["tanggal_lahir"]):
                continue
            if self.cand.filter((pl.col("kode_desa") == p["kode_desa"]) & (pl.col("kunci") == name_key(p["nama"]))).height:
                continue
            when = random_day(rng, b.start, b.acuan)
            row = file_row("kematian", p, tanggal_meninggal=when, umur=whole_years(p["tanggal_lahir"], when))
            row["_nik_mode"] = "hilang"
            b.rows["kematian"].append(label_row(row, TANPA, "desa_lain_tgl_beda", truth=b.new_truth(p)))
            made += 1

    def lookalikes(self) -> None:
        """The planted twins, fathers and sons, and same-name neighbours of the baseline."""
        v = self.b.s.voters.filter(
            (pl.col("khusus") != "") & (pl.col("status") == "AKTIF") & ~pl.col("rec").is_in(list(self.b.tms))
        )
        pairs: dict[int, list[dict]] = {}
        for r in v.to_dicts():
            pairs.setdefault(r["pasangan"], []).append(r)
        for group in pairs.values():
            if len(group) != 2 or any(r["nik"] in self.used or r["nik"] in self.b.s.retired for r in group):
                continue
            kind = group[0]["khusus"]
            if kind == GANDA_DUA_NIK:
                continue
            if kind == "kembar":
                self._death(group[0], "kembar", "kembar_ambigu", nik_mode="numerik")
            elif kind == "senama":
                self._death(group[0], "senama_beda_umur", "nama_umum_umur", nik_mode="hilang", berkas="desa")
            else:
                father = next(r for r in group if r["khusus"] == "ayah")
                self._death(father, "ayah_anak", "ayah_anak_ambigu", nik_mode="hilang", berkas="desa")
            for r in group:
                self._take(r)

