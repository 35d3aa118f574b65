"""One quarter of synthetic events on a synthetic list, with the outcome each row must have.

The rules of SPEC §5 are written out here on their own (not borrowed from the pipeline), so
that the generated labels can judge the pipeline. Events are drawn from the list as it
stands after the previous quarter; applying them gives the list the next quarter starts from.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from schemas.fields import PERSON_FIELDS
from transforms.synth.draw import (
    age_on,
    birth_places,
    digits16,
    load_pools,
    region6,
    to_days,
    years_before,
    ymd,
)
from transforms.synth.naming import make_names
from transforms.synth.model import (
    CHANGE_FIELDS,
    DITERAPKAN,
    KINDS,
    TANPA,
    State,
    file_row,
    label_row,
    quarter_dates,
    random_day,
    whole_years,
)
from transforms.synth.population import alamat_of


def _count(rate: float, n: int, minimum: int = 0) -> int:
    return max(minimum, int(round(rate * n)))


class QuarterBuilder:
    """Draws one quarter's events and applies them to the state."""

    def __init__(self, state: State, quarter: str, rng: np.random.Generator, rates: dict[str, float]) -> None:
        self.s = state
        self.quarter = quarter
        self.rng = rng
        self.rates = rates
        self.start, self.acuan = quarter_dates(quarter)
        self.rows: dict[str, list[dict]] = {k: [] for k in KINDS}
        self.tms: dict[int, int] = {}  # rec -> kode_tms applied this quarter
        self.ubah: dict[int, dict] = {}  # rec -> new field values
        self.baru: list[dict] = []  # new records
        self.konflik: set[int] = set()  # records with more than one event this quarter
        self._name_dob: pl.DataFrame | None = None
        desa = state.region.desa
        self.desa_codes = desa["kode_desa"].to_numpy()
        self.desa_index = {c: i for i, c in enumerate(self.desa_codes)}
        self.desa_name = dict(zip(desa["kode_desa"], desa["nama_desa"].str.to_uppercase()))
        self.kelurahan = desa["jenis"].to_numpy() == "kelurahan"
        self.disab_words = load_pools().disabilitas["disabilitas"].to_list()
        self.kab_names = state.region.other_kab["nama"].to_list()

    # ------------------------------------------------------------------ list checks

    def check_list(self) -> list[dict]:
        """TMS 2 for a NIK listed again (the first row in file order stays), TMS 3 under age."""
        v = self.s.voters.filter(pl.col("status") == "AKTIF")
        changes = []
        dup = v.filter(pl.col("nik").is_duplicated()).sort("rec")
        seen: set[str] = set()
        for r in dup.iter_rows(named=True):
            if r["nik"] in seen:
                changes.append(self._list_change(r, 2))
                self.tms[r["rec"]] = 2
            seen.add(r["nik"])
        born = v["tanggal_lahir"].to_physical().to_numpy().astype("int64")
        under = (age_on(born, self.acuan) < 17) & (v["status_kawin"].to_numpy() == "B")
        for r in v.filter(pl.Series(under)).iter_rows(named=True):
            if r["rec"] not in self.tms:
                changes.append(self._list_change(r, 3))
                self.tms[r["rec"]] = 3
        return changes

    @staticmethod
    def _list_change(r: dict, kode: int) -> dict:
        return {"kategori": "TMS", "kode_tms": kode, "nik": r["nik"], "kode_desa": r["kode_desa"],
                "kode_desa_lama": None, "kolom_diubah": None, "sumber_file": "pemilih.csv",
                "sumber_baris": r["baris"]}

    # ------------------------------------------------------------------ people

    def _eligible_pool(self) -> pl.DataFrame:
        """Active voters that events may touch: not part of a planted list error."""
        v = self.s.voters
        dup_nik = v.filter(pl.col("nik").is_duplicated())["nik"]
        return v.filter(
            (pl.col("status") == "AKTIF")
            & ~pl.col("nik").is_in(dup_nik.implode())
            & ~pl.col("bawah_umur")
            & (pl.col("cacat") == "")
            & (pl.col("khusus") == "")
            & ~pl.col("rec").is_in(list(self.tms))
            & ~pl.col("nik").is_in(list(self.s.retired))
        )

    @staticmethod
    def _person(r: dict) -> dict:
        p = {f: r[f] for f in PERSON_FIELDS}
        p["tanggal_lahir"] = r["tanggal_lahir"]
        return p

    @staticmethod
    def _truth(r: dict) -> dict:
        return {"nik": r["nik"], "tanggal_lahir": r["tanggal_lahir_benar"], "kode_desa": r["kode_desa"]}

    def new_people(self, n: int, birth_lo: date, birth_hi: date, *, female_p: float = 0.5, local: bool = True,
                   status: str | None = None, households: pl.DataFrame | None = None) -> list[dict]:
        """People not on the list, born in [birth_lo, birth_hi]. With `households`, each joins
        the household of the matching row (same NKK, address and desa); else a new household."""
        if n <= 0:
            return []
        rng = self.rng
        lo, hi = to_days(birth_lo), to_days(birth_hi)
        born = rng.integers(lo, hi + 1, n)
        female = rng.random(n) < female_p
        names = self._distinct_names(born, female)
        if households is not None:
            desa = households["kode_desa"].to_numpy()
            nkk = households["nkk"].to_list()
            alamat, rt, rw = households["alamat"].to_list(), households["rt"].to_list(), households["rw"].to_list()
            rumah = households["rumah"].to_list()
        else:
            idx = rng.integers(0, len(self.desa_codes), n)
            desa = self.desa_codes[idx]
            rw_i = rng.integers(1, 5, n)
            rt_i = rng.integers(1, 6, n)
            alamat = list(alamat_of(idx, rw_i, rt_i, self.kelurahan[idx]))
            rt = [f"{x:03d}" for x in rt_i]
            rw = [f"{x:03d}" for x in rw_i]
            issue = rng.integers(to_days(self.start) - 400, to_days(self.start), n)
            nkk = digits16(self.s.reg_nkk.allocate(rng, region6(desa), issue, np.zeros(n, bool))).to_list()
            rumah = list(range(self.s.next_rumah, self.s.next_rumah + n))
            self.s.next_rumah += n
        if local:
            nik_region = region6(desa)
        else:
            nik_region = self.s.region.other_kec[rng.integers(0, len(self.s.region.other_kec), n)]
        nik = digits16(self.s.reg_nik.allocate(rng, nik_region, born, female)).to_list()
        places = birth_places(rng, self.s.region, n).to_list()
        out = []
        for i in range(n):
            b = date(1970, 1, 1) + timedelta(days=int(born[i]))
            age = whole_years(b, self.acuan)
            st = status or ("B" if age < 22 else ("S" if rng.random() < 0.85 else "B"))
            out.append({
                "nik": nik[i], "nkk": nkk[i], "nama": str(names[i]), "tempat_lahir": str(places[i]),
                "tanggal_lahir": b, "status_kawin": st, "jenis_kelamin": "P" if female[i] else "L",
                "alamat": str(alamat[i]), "rt": rt[i], "rw": rw[i],
                "disabilitas": "" if rng.random() > 0.006 else "Fisik", "kode_desa": str(desa[i]), "tps": "",
                "rumah": int(rumah[i]),
            })
        return out

    def _distinct_names(self, born: np.ndarray, female: np.ndarray) -> list[str]:
        """Names for newcomers, never the exact name and birth date of someone on the list: such a
        coincidence would make the newcomer a genuine look-alike (a possible duplicate), which is
        a hard case of its own and labelled only where it is planted on purpose."""
        year = ymd(born)[0]
        names = make_names(self.rng, year, female).to_list()
        if self._name_dob is None:
            self._name_dob = self.s.voters.filter(pl.col("status") == "AKTIF").select("nama", "tanggal_lahir")
        for _ in range(8):
            frame = pl.DataFrame({
                "nama": names,
                "tanggal_lahir": pl.Series(np.asarray(born, dtype="int64").astype("datetime64[D]")).cast(pl.Date),
                "i": np.arange(len(names)),
            })
            same_day = self._name_dob.filter(pl.col("tanggal_lahir").is_in(frame["tanggal_lahir"].unique().implode()))
            clash = frame.join(same_day, on=["nama", "tanggal_lahir"], how="semi")["i"].to_numpy()
            if not len(clash):
                break
            again = make_names(self.rng, year[clash], female[clash]).to_list()
            for i, name in zip(clash, again):
                names[i] = name
        return names

    @staticmethod
    def new_truth(p: dict) -> dict:
        return {"nik": p["nik"], "tanggal_lahir": p["tanggal_lahir"], "kode_desa": p["kode_desa"]}

    def _eligible(self, p: dict) -> bool:
        """SPEC §5.2: 17 or older on tanggal acuan, or married (now or before)."""
        return whole_years(p["tanggal_lahir"], self.acuan) >= 17 or p["status_kawin"] in ("S", "P")

    # ------------------------------------------------------------------ events

    def draw(self) -> None:
        rng, rates = self.rng, self.rates
        pool = self._eligible_pool()
        n = int(self.s.voters.filter(pl.col("status") == "AKTIF").height)
        order = rng.permutation(pool.height)
        pool = pool[order]
        counts = {k: _count(rates[k], n) for k in rates}
        # The rare kinds appear at least once in any list big enough to be a kabupaten sample.
        if n >= 1000:
            for k in ("tni_masuk", "tms_perbaikan", "tni_pensiun", "kawin_muda", "konflik", "kematian_luar",
                      "penduduk_terdaftar", "penduduk_belum_umur", "datang_belum_umur", "tni_lain"):
                counts[k] = max(counts[k], 1 if rates[k] > 0 else 0)
        born = pool["tanggal_lahir"].to_physical().to_numpy().astype("int64")
        age = age_on(born, self.acuan)
        young = (age >= 18) & (age <= 30)
        male = pool["jenis_kelamin"].to_numpy() == "L"
        taken = np.zeros(pool.height, dtype=bool)

        def take(k: int, mask: np.ndarray | None = None) -> list[dict]:
            free = ~taken if mask is None else (~taken & mask)
            idx = np.flatnonzero(free)[:k]
            taken[idx] = True
            return pool[idx].to_dicts()

        tni = take(counts["tni_masuk"], young & (male | (self.rng.random(pool.height) < 0.15)))
        deaths = take(counts["kematian"], age >= 30)
        outs = take(counts["pindah_keluar"])
        tms59 = take(counts["tms_perbaikan"], age >= 25)
        moves = take(counts["pindah_antar_desa"])
        # A third of the corrections fix a wrong name, birth date or sex planted in the list.
        n_planted = counts["perbaikan"] // 3
        fixes = take(counts["perbaikan"] - n_planted)
        registered = take(counts["penduduk_terdaftar"], age <= 25)
        pension_listed = take(counts["tni_lain"], (age >= 45) & male)

        for r in deaths:
            self.death(r)
        for r in outs:
            self.move_out(r)
        for r in tni:
            self.tni_masuk(r)
        for r in tms59:
            self.tms_perbaikan(r)
        for r in moves:
            self.move_inside(r)
        for r in fixes:
            self.correction(r)
        self.planted_corrections(n_planted)
        for r in registered:
            row = file_row("penduduk", self._person(r))
            self.rows["penduduk"].append(label_row(row, TANPA, "sudah_terdaftar", target=r["nik"],
                                                   truth=self._truth(r)))
        for r in pension_listed:
            row = file_row("tni_polri", self._person(r), instansi="TNI", perubahan="PENSIUN")
            self.rows["tni_polri"].append(label_row(row, TANPA, "sudah_terdaftar", target=r["nik"],
                                                    truth=self._truth(r)))
        self.conflicts(counts["konflik"], deaths, outs, tni)
        self.newcomers(counts)

    def death(self, r: dict, kasus: str = "bersih") -> None:
        when = random_day(self.rng, self.start, self.acuan)
        row = file_row("kematian", self._person(r), tanggal_meninggal=when,
                       umur=whole_years(r["tanggal_lahir_benar"], when))
        self.rows["kematian"].append(label_row(row, DITERAPKAN, kasus, kategori="TMS", kode_tms=1, target=r["nik"],
                                               truth=self._truth(r), rec=r["rec"]))
        self.tms[r["rec"]] = 1

    def other_kab(self) -> str:
        return "KAB. " + self.kab_names[int(self.rng.integers(0, len(self.kab_names)))]

    def move_out(self, r: dict) -> None:
        row = file_row("pindah_keluar", self._person(r), tanggal_pindah=random_day(self.rng, self.start, self.acuan),
                       tujuan=self.other_kab())
        self.rows["pindah_keluar"].append(label_row(row, DITERAPKAN, "bersih", kategori="TMS", kode_tms=4,
                                                    target=r["nik"], truth=self._truth(r), rec=r["rec"]))
        self.tms[r["rec"]] = 4

    def tni_masuk(self, r: dict) -> None:
        instansi = "TNI" if self.rng.random() < 0.55 else "POLRI"
        row = file_row("tni_polri", self._person(r), instansi=instansi, perubahan="MASUK")
        kode = 6 if instansi == "TNI" else 7
        self.rows["tni_polri"].append(label_row(row, DITERAPKAN, "bersih", kategori="TMS", kode_tms=kode,
                                                target=r["nik"], truth=self._truth(r), rec=r["rec"]))
        self.tms[r["rec"]] = kode

    def tms_perbaikan(self, r: dict) -> None:
        kode = 5 if self.rng.random() < 0.5 else 9
        row = file_row("perbaikan", {"nik": r["nik"], "nama": r["nama"]}, kode_tms=kode)
        self.rows["perbaikan"].append(label_row(row, DITERAPKAN, "bersih", kategori="TMS", kode_tms=kode,
                                                target=r["nik"], truth=self._truth(r), rec=r["rec"]))
        self.tms[r["rec"]] = kode

    def move_inside(self, r: dict) -> None:
        rng = self.rng
        old = self.desa_index[r["kode_desa"]]
        new = int(rng.integers(0, len(self.desa_codes) - 1))
        new += new >= old
        rw_i, rt_i = int(rng.integers(1, 5)), int(rng.integers(1, 6))
        new_vals = {
            "alamat": str(alamat_of(np.array([new]), np.array([rw_i]), np.array([rt_i]), self.kelurahan[[new]])[0]),
            "rt": f"{rt_i:03d}",
            "rw": f"{rw_i:03d}",
            "kode_desa": str(self.desa_codes[new]),
        }
        person = self._person(r) | new_vals
        changed = [f for f in CHANGE_FIELDS if f in new_vals and new_vals[f] != r[f]]
        row = file_row("pindah_datang", person, tanggal_datang=random_day(rng, self.start, self.acuan),
                       asal=self.desa_name[r["kode_desa"]])
        truth = self._truth(r) | {"kode_desa": new_vals["kode_desa"]}
        self.rows["pindah_datang"].append(label_row(row, DITERAPKAN, "antar_desa", kategori="UBAH", target=r["nik"],
                                                    truth=truth, desa_lama=r["kode_desa"], kolom=",".join(changed),
                                                    rec=r["rec"]))
        self.ubah[r["rec"]] = {f: new_vals[f] for f in changed}

    def correction(self, r: dict) -> None:
        """A public response correcting one or two fields (blank cells = no change)."""
        rng = self.rng
        age = whole_years(r["tanggal_lahir"], self.acuan)
        options = ["alamat_rt", "rt", "tempat_lahir", "disabilitas", "status_kawin", "gelar"]
        choice = options[int(rng.integers(0, len(options)))]
        new: dict = {}
        if choice == "alamat_rt":
            idx = self.desa_index[r["kode_desa"]]
            rw_i = int(r["rw"]) % 4 + 1
            rt_i = int(rng.integers(1, 6))
            new["alamat"] = str(alamat_of(np.array([idx]), np.array([rw_i]), np.array([rt_i]), self.kelurahan[[idx]])[0])
            new["rt"], new["rw"] = f"{rt_i:03d}", f"{rw_i:03d}"
        elif choice == "rt":
            new["rt"] = f"{int(r['rt']) % 6 + 1:03d}"
        elif choice == "tempat_lahir":
            new["tempat_lahir"] = self.other_kab()[5:]
            if new["tempat_lahir"] == r["tempat_lahir"]:
                new["tempat_lahir"] = self.s.region.nama_kabupaten
        elif choice == "disabilitas":
            words = self.disab_words
            new["disabilitas"] = next(w for w in words[int(rng.integers(0, len(words))):] + words if w != r["disabilitas"])
        elif choice == "status_kawin":
            new["status_kawin"] = "S" if r["status_kawin"] == "B" else "P"
        else:  # back from the hajj, or a degree earned
            title = ("HJ. " if r["jenis_kelamin"] == "P" else "H. ") if age >= 35 else None
            new["nama"] = title + r["nama"] if title and not r["nama"].startswith(("H.", "HJ.")) else r["nama"] + ", S.PD."
        self._correction_row(r, new, "bersih")

    def _correction_row(self, r: dict, new: dict, kasus: str) -> None:
        cells = {"nik": r["nik"], "nama": new.get("nama", r["nama"])}
        cells.update(new)
        # Some forms repeat a current value next to the corrected one: that cell is no change.
        if self.rng.random() < 0.3:
            same = ("tempat_lahir", "status_kawin", "jenis_kelamin")[int(self.rng.integers(0, 3))]
            cells.setdefault(same, r[same])
        changed = [f for f in CHANGE_FIELDS if f in cells and cells[f] != r[f]]
        row = file_row("perbaikan", cells)
        truth = self._truth(r)
        if changed:
            self.rows["perbaikan"].append(label_row(row, DITERAPKAN, kasus, kategori="UBAH", target=r["nik"],
                                                    truth=truth, kolom=",".join(changed), rec=r["rec"]))
            self.ubah[r["rec"]] = {f: cells[f] for f in changed}
        else:
            self.rows["perbaikan"].append(label_row(row, TANPA, "sama_dengan_daftar", target=r["nik"], truth=truth))

    def planted_corrections(self, n_fixes: int) -> None:
        """Fix records that carry a wrong name, birth date or sex on the list."""
        v = self.s.voters.filter(
            (pl.col("status") == "AKTIF") & (pl.col("cacat") != "") & ~pl.col("rec").is_in(list(self.tms))
        )
        k = min(v.height, n_fixes)
        if k == 0:
            return
        for r in v[self.rng.permutation(v.height)[:k]].to_dicts():
            field_ = r["cacat"]
            new = {field_: r[field_ + "_benar"]}
            self._correction_row(r, new, "perbaikan_" + field_)

    def conflicts(self, k: int, deaths: list[dict], outs: list[dict], tni: list[dict]) -> None:
        """Several events for one person: death wins, and any TMS wins over an UBAH."""
        rng = self.rng
        for i in range(k):
            pick = int(rng.integers(0, 4))
            if pick == 0 and deaths:
                r = deaths[i % len(deaths)]
                self.konflik.add(r["rec"])
                row = file_row("pindah_keluar", self._person(r), tanggal_pindah=random_day(rng, self.start, self.acuan),
                               tujuan=self.other_kab())
                self.rows["pindah_keluar"].append(label_row(row, TANPA, "kalah_kematian", target=r["nik"],
                                                            truth=self._truth(r)))
            elif pick == 1 and deaths:
                r = deaths[-1 - i % len(deaths)]
                self.konflik.add(r["rec"])
                row = file_row("perbaikan", {"nik": r["nik"], "nama": r["nama"], "rt": f"{int(r['rt']) % 6 + 1:03d}"})
                self.rows["perbaikan"].append(label_row(row, TANPA, "kalah_kematian", target=r["nik"],
                                                        truth=self._truth(r)))
            elif pick == 2 and outs:
                r = outs[i % len(outs)]
                self.konflik.add(r["rec"])
                row = file_row("perbaikan", {"nik": r["nik"], "nama": r["nama"],
                                         "status_kawin": "S" if r["status_kawin"] == "B" else "P"})
                self.rows["perbaikan"].append(label_row(row, TANPA, "kalah_tms", target=r["nik"], truth=self._truth(r)))
            elif deaths:
                r = deaths[i % len(deaths)]
                self.konflik.add(r["rec"])
                new = int(rng.integers(0, len(self.desa_codes)))
                person = self._person(r) | {"kode_desa": str(self.desa_codes[new])}
                if person["kode_desa"] == r["kode_desa"]:
                    continue
                row = file_row("pindah_datang", person, tanggal_datang=random_day(rng, self.start, self.acuan),
                               asal=self.desa_name[r["kode_desa"]])
                self.rows["pindah_datang"].append(label_row(row, TANPA, "kalah_kematian", target=r["nik"],
                                                            truth=self._truth(r) | {"kode_desa": person["kode_desa"]}))

    def newcomers(self, counts: dict[str, int]) -> None:
        """BARU candidates and the rows about people who are not (yet) voters."""
        rng, acuan = self.rng, self.acuan
        turn17 = years_before(acuan, 17)
        v = self.s.voters.filter(pl.col("status") == "AKTIF")
        # Parents for DP4 youth: households with a voter aged 35+.
        born = v["tanggal_lahir"].to_physical().to_numpy().astype("int64")
        parents = v.filter(pl.Series(age_on(born, acuan) >= 35))
        if parents.height == 0:
            parents = v

        def homes(k: int) -> pl.DataFrame:
            return parents[rng.integers(0, parents.height, k)]

        # DP4: youth who turn 17 this quarter (most) or a few years ago and were missed.
        k = counts["penduduk_baru"]
        k_recent = int(round(k * 0.8))
        people = self.new_people(k_recent, turn17 - timedelta(days=(acuan - self.start).days), turn17,
                                 status="B", households=homes(k_recent))
        people += self.new_people(k - k_recent, years_before(acuan, 22), turn17 - timedelta(days=92),
                                  households=homes(k - k_recent))
        # Youth from an earlier DP4 who have turned 17 since.
        back = [p for p in self.s.pending_youth if whole_years(p["tanggal_lahir"], acuan) >= 17]
        self.s.pending_youth = [p for p in self.s.pending_youth if whole_years(p["tanggal_lahir"], acuan) < 17]
        for p in people:
            self._baru_row("penduduk", p, "bersih")
        for p in back:
            self._baru_row("penduduk", p, "genap_17")
        # Under 17 and unmarried: no change now.
        young = self.new_people(counts["penduduk_belum_umur"], turn17 + timedelta(days=1),
                                years_before(acuan, 16), status="B", households=homes(counts["penduduk_belum_umur"]))
        for p in young:
            row = file_row("penduduk", p)
            self.rows["penduduk"].append(label_row(row, TANPA, "belum_17", truth=self.new_truth(p)))
        self.s.pending_youth += young
        # Married before 17: a voter anyway.
        for p in self.new_people(counts["kawin_muda"], turn17 + timedelta(days=1), years_before(acuan, 16),
                                 status="S", female_p=0.9, households=homes(counts["kawin_muda"])):
            self._baru_row("penduduk", p, "kawin_belum_17")

        # Moved in from outside the kabupaten (NIK issued where they came from).
        for p in self.new_people(counts["datang_luar"], years_before(acuan, 70), turn17 - timedelta(days=30),
                                 local=False):
            self._baru_row("pindah_datang", p, "bersih")
        for p in self.new_people(counts["datang_belum_umur"], years_before(acuan, 16), acuan - timedelta(days=400),
                                 local=False, status="B"):
            row = file_row("pindah_datang", p, tanggal_datang=random_day(rng, self.start, acuan), asal=self.other_kab())
            self.rows["pindah_datang"].append(label_row(row, TANPA, "belum_17", truth=self.new_truth(p)))

        # Retired from TNI/Polri: back on the list.
        for p in self.new_people(counts["tni_pensiun"], years_before(acuan, 58), years_before(acuan, 52),
                                 female_p=0.05, status="S"):
            self._baru_row("tni_polri", p, "bersih")
        # Joined TNI/Polri before ever being a voter: nothing to remove.
        for p in self.new_people(counts["tni_lain"], years_before(acuan, 20), years_before(acuan, 18),
                                 female_p=0.1, status="B", households=homes(counts["tni_lain"])):
            row = file_row("tni_polri", p, instansi="POLRI", perubahan="MASUK")
            self.rows["tni_polri"].append(label_row(row, TANPA, "tidak_terdaftar", truth=self.new_truth(p)))
        # Deaths of residents who were never voters (children, mostly).
        for p in self.new_people(counts["kematian_luar"], years_before(acuan, 16), acuan - timedelta(days=200),
                                 status="B", households=homes(counts["kematian_luar"])):
            when = random_day(rng, self.start, acuan)
            row = file_row("kematian", p, tanggal_meninggal=when, umur=whole_years(p["tanggal_lahir"], when))
            self.rows["kematian"].append(label_row(row, TANPA, "tidak_terdaftar", truth=self.new_truth(p)))

    def _baru_row(self, kind: str, p: dict, kasus: str) -> None:
        extra = {}
        if kind == "pindah_datang":
            extra = {"tanggal_datang": random_day(self.rng, self.start, self.acuan), "asal": self.other_kab()}
        elif kind == "tni_polri":
            extra = {"instansi": "TNI" if self.rng.random() < 0.55 else "POLRI", "perubahan": "PENSIUN"}
        row = file_row(kind, p, **extra)
        assert self._eligible(p)
        self.rows[kind].append(label_row(row, DITERAPKAN, kasus, kategori="BARU", target=p["nik"],
                                         truth=self.new_truth(p)))
        self.baru.append(p)

    # ------------------------------------------------------------------ apply

    def shuffle(self) -> None:
        """Files list their rows in no particular order of event."""
        for kind, rows in self.rows.items():
            order = self.rng.permutation(len(rows))
            self.rows[kind] = [rows[i] for i in order]

    def apply(self) -> None:
        v = self.s.voters
        if self.tms:
            recs = pl.DataFrame({"rec": list(self.tms), "_kode": list(self.tms.values())},
                                schema={"rec": pl.Int64, "_kode": pl.Int64})
            v = v.join(recs, on="rec", how="left", maintain_order="left").with_columns(
                pl.when(pl.col("_kode").is_not_null()).then(pl.lit("TMS")).otherwise(pl.col("status")).alias("status"),
                pl.coalesce("_kode", "kode_tms").alias("kode_tms"),
            ).drop("_kode")
        for field_ in CHANGE_FIELDS:
            upd = {rec: vals[field_] for rec, vals in self.ubah.items() if field_ in vals and rec not in self.tms}
            if not upd:
                continue
            dtype = v.schema[field_]
            frame = pl.DataFrame({"rec": list(upd), "_new": list(upd.values())},
                                 schema={"rec": pl.Int64, "_new": dtype})
            v = v.join(frame, on="rec", how="left", maintain_order="left").with_columns(
                pl.coalesce("_new", field_).alias(field_)
            ).drop("_new")
            if field_ in ("nama", "tanggal_lahir", "jenis_kelamin"):
                # The corrected value is the truth from now on.
                hit = pl.col("rec").is_in(list(upd))
                v = v.with_columns(
                    pl.when(hit & (pl.col("cacat") == field_)).then(pl.lit("")).otherwise(pl.col("cacat")).alias("cacat"),
                    pl.when(hit).then(pl.col(field_)).otherwise(pl.col(field_ + "_benar")).alias(field_ + "_benar"),
                )
        if self.baru:
            start = int(v["rec"].max()) + 1
            new = pl.DataFrame(
                {
                    **{f: [p[f] for p in self.baru] for f in PERSON_FIELDS},
                    "rumah": [p["rumah"] for p in self.baru],
                },
                schema={**{f: v.schema[f] for f in PERSON_FIELDS}, "rumah": pl.Int64},
            ).with_columns(
                pl.lit("").alias("khusus"),
                pl.lit(None, dtype=pl.Int64).alias("pasangan"),
                pl.lit(False).alias("bawah_umur"),
                pl.lit("").alias("cacat"),
                pl.col("nama").alias("nama_benar"),
                pl.col("tanggal_lahir").alias("tanggal_lahir_benar"),
                pl.col("jenis_kelamin").alias("jenis_kelamin_benar"),
                pl.lit(False).alias("ganda"),
                (pl.int_range(0, pl.len(), dtype=pl.Int64) + start).alias("rec"),
                pl.lit(None, dtype=pl.Int64).alias("baris"),
                pl.lit("AKTIF").alias("status"),
                pl.lit(None, dtype=pl.Int64).alias("kode_tms"),
            )
            v = pl.concat([v, new.select(v.columns)])
        self.s.voters = v
