"""Field names and file kinds shared by every stage: one word for one thing."""

from __future__ import annotations

# The person fields of SPEC §4.1/§4.2, in the order reports and exports show them.
PERSON_FIELDS: tuple[str, ...] = (
    "nik",
    "nkk",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "status_kawin",
    "jenis_kelamin",
    "alamat",
    "rt",
    "rw",
    "disabilitas",
    "kode_desa",
    "tps",
)

# Fields a `perbaikan` row may correct (NIK is the key, never corrected here).
CORRECTABLE_FIELDS: tuple[str, ...] = tuple(f for f in PERSON_FIELDS if f != "nik")

# Kind of an inbox file, from the start of its file name (SPEC §4.2). `pemilih` is the
# baseline voter list read by `pdpb init`; it never comes through an inbox.
INBOX_KINDS: tuple[str, ...] = (
    "kematian",
    "pindah_keluar",
    "pindah_datang",
    "penduduk",
    "tni_polri",
    "perbaikan",
    "keputusan",
    "coklit",  # a returned coklit terbatas list: the outcome of each house visit (transforms/coklit.py)
)
BASELINE_KIND = "pemilih"

# Fields each kind must carry besides `nama` (a missing one is a structural error).
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "pemilih": ("nik", "nama", "tanggal_lahir", "jenis_kelamin"),
    "kematian": ("nama", "tanggal_meninggal"),
    "pindah_keluar": ("nama", "tanggal_pindah"),
    "pindah_datang": ("nama", "tanggal_datang"),
    "penduduk": ("nama",),
    "tni_polri": ("nama", "instansi", "perubahan"),
    "perbaikan": ("nama",),
    "keputusan": ("id_verifikasi", "keputusan"),
    "coklit": ("hasil_coklit",),
}

# Event fields per kind (besides the person fields).
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "pemilih": (),
    "kematian": ("tanggal_meninggal", "umur"),
    "pindah_keluar": ("tanggal_pindah", "tujuan", "umur"),
    "pindah_datang": ("tanggal_datang", "asal", "umur"),
    "penduduk": ("umur",),
    "tni_polri": ("instansi", "perubahan", "umur"),
    "perbaikan": ("umur",),
    "keputusan": ("id_verifikasi", "keputusan"),
    "coklit": ("id_verifikasi", "id_pemilih", "hasil_coklit"),
}

DATE_FIELDS: tuple[str, ...] = ("tanggal_lahir", "tanggal_meninggal", "tanggal_pindah", "tanggal_datang")

# Status of a voter's current version: on the list, or removed (TMS, with its kode_tms).
AKTIF = "AKTIF"

# Outcome of one input row; the last four add up to the rows read (ringkasan.json "berkas").
DITERAPKAN = "diterapkan"
VERIFIKASI = "verifikasi"
KARANTINA = "karantina"
TANPA_PERUBAHAN = "tanpa_perubahan"
ROW_OUTCOMES: tuple[str, ...] = (DITERAPKAN, VERIFIKASI, KARANTINA, TANPA_PERUBAHAN)

# Two words that were both `keputusan` once. `penetapan`: how a change on the list was decided,
# by the pipeline alone or through a review item. `keputusan`: an official's decision on a
# review item (SPEC §5.3). perubahan.csv keeps SPEC §6's column name `keputusan` for penetapan.
OTOMATIS, LEWAT_VERIFIKASI = "OTOMATIS", "VERIFIKASI"
SETUJU, TOLAK = "SETUJU", "TOLAK"

# Verdicts of the matcher on a record (SPEC §5.2): applied alone, for review, no candidate.
AUTO, REVIEW, NONE = "AUTO", "REVIEW", "NONE"
# How a candidate was found: a trusted NIK, a NIK that needed the name to agree, a NIK that
# points at someone else, fuzzy fields, nothing.
M_NIK, M_NIK_NAMA, M_NIK_KONFLIK, M_FUZZY, M_NONE = "NIK", "NIK+NAMA", "NIK_KONFLIK", "FUZZY", "NONE"
