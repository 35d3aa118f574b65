"""What every report writer receives: query results, already decided. Writers hold no rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl


@dataclass(frozen=True)
class Pleno:
    """The plenary meeting that adopts the quarter's recap (`[pleno]` in pdpb.toml or
    --pleno-* flags). Until `tanggal` is set, public texts are drafts."""

    nomor: str | None = None
    tempat: str | None = None
    tanggal: date | None = None
    ketua: str | None = None
    anggota: tuple[str, ...] = ()
    undangan: tuple[str, ...] = ()  # invited participants: "Bawaslu Kabupaten ...", "Disdukcapil ..."

    @property
    def ditetapkan(self) -> bool:
        return self.tanggal is not None


@dataclass(frozen=True)
class QuarterRows:
    """Per-row inputs of the quarter for the documents that go back to the agencies and to the
    field: the files read, every row's outcome, and the list at the end of the quarter.

    berkas:    one row per input file: sumber_file, jenis, dibaca, diterapkan, verifikasi, karantina,
               tanpa_perubahan.
    records:   every validated input row: sumber_file, sumber_baris and the person/event fields
               of its kind (nik, nama, kode_desa, umur, instansi, keputusan, ...).
    hasil:     sumber_file, sumber_baris, hasil (diterapkan/verifikasi/karantina/tanpa_perubahan).
    karantina: sumber_file, sumber_baris, kolom, alasan, nilai.
    aktif:     the active voters at the end of the quarter (id_pemilih, nik, nama, tanggal_lahir,
               jenis_kelamin, alamat, rt, rw, kode_desa, tps, disabilitas).
    """

    berkas: pl.DataFrame
    records: pl.DataFrame
    hasil: pl.DataFrame
    karantina: pl.DataFrame
    aktif: pl.DataFrame


@dataclass(frozen=True)
class ReportData:
    """One quarter's results for one kabupaten.

    Frames (all NIK/NKK columns are 16-character text):

    desa:        kode_desa, nama_desa, jenis ("desa"/"kelurahan"/"desa_adat"),
                 kode_kecamatan, nama_kecamatan — every desa of the kabupaten, sorted by code.
    rekap:       one row per kode_desa x jenis_kelamin ("L"/"P"), every desa and both sexes:
                 awal, baru, tms (total), tms_<kode> for every code of `tms`, ubah,
                 pindah_masuk, pindah_keluar, akhir, selisih — all Int64.
                 pindah_masuk/pindah_keluar count voters who entered/left this
                 (desa, sex) cell through an UBAH (a move between desa of the kabupaten,
                 or a corrected sex). selisih = awal + baru - tms + pindah_masuk
                 - pindah_keluar - akhir, where akhir is counted from the database
                 independently: any non-zero value is a gap to show, never to hide.
    perubahan:   one row per applied change: kategori (BARU/TMS/UBAH), kode_tms (Int64),
                 label_tms, id_pemilih, nik, nkk, nama, tempat_lahir, tanggal_lahir (Date),
                 jenis_kelamin, status_kawin, alamat, rt, rw, disabilitas, kode_desa,
                 kode_desa_lama, kolom_diubah, nilai_lama, nilai_baru (JSON objects
                 field -> value, as text), sumber_file, sumber_baris, metode, skor
                 (Float64), penetapan (OTOMATIS/VERIFIKASI).
    verifikasi:  the review queue, one row per candidate: id_verifikasi, kategori_usulan,
                 kode_tms_usulan, nik_kandidat, nama_kandidat, kode_desa_kandidat,
                 tanggal_lahir_kandidat, jenis_kelamin_kandidat, alamat_kandidat,
                 sumber_file, sumber_baris, nama_sumber, nik_sumber, tanggal_lahir_sumber,
                 kode_desa_sumber, skor, alasan, umur_sumber, rt_sumber, rw_sumber, and for the
                 workbooks rt_rw_kandidat, rt_rw_sumber ('003/001'). The desa workbook that shows a row is
                 kode_desa_kandidat, or kode_desa_sumber when there is no candidate desa.
    tms:         kode (Int64), label, keterangan — the TMS code table in force.
    rekap_sebelumnya: the `rekap` frame of the previous applied quarter, or None.
    """

    quarter: str
    tanggal_acuan: date
    dibuat: datetime
    kode_kabupaten: str
    nama_kabupaten: str
    desa: pl.DataFrame
    rekap: pl.DataFrame
    perubahan: pl.DataFrame
    verifikasi: pl.DataFrame
    tms: pl.DataFrame
    rekap_sebelumnya: pl.DataFrame | None = None
    pleno: Pleno = Pleno()
    rows: QuarterRows | None = None  # per-row inputs, for berita acara, tindak lanjut and coklit

