"""The quarter's press release (siaran pers) in Markdown, formal Indonesian, figures filled in."""

from __future__ import annotations

from reports.publik_data import CHANGE, PREVIOUS, PublicTables
from reports.publik_format import CEK_DPT, angka, nama_kpu, nama_tempat, nama_triwulan, tanggal

DRAF = ("> **DRAF — belum ditetapkan.** Angka dalam siaran pers ini belum ditetapkan dalam rapat pleno "
        "dan dapat berubah. Jangan disiarkan sebelum Berita Acara rapat pleno ditandatangani.")


def siaran_pers(t: PublicTables) -> str:
    inp, kab = t.inp, t.kabupaten
    lembaga = f"Komisi Pemilihan Umum {inp.nama_kabupaten}"
    kpu = nama_kpu(inp.nama_kabupaten)
    triwulan = nama_triwulan(inp.quarter, tahun=True)
    jumlah_kecamatan = t.kecamatan.height
    jumlah_desa = t.desa.height

    if inp.draf:
        opening = (f"{lembaga} menyiapkan Rekapitulasi Daftar Pemilih Berkelanjutan {triwulan} untuk "
                   f"ditetapkan dalam rapat pleno terbuka.")
    else:
        opening = (f"{lembaga} telah menetapkan Rekapitulasi Daftar Pemilih Berkelanjutan {triwulan} dalam "
                   f"rapat pleno terbuka pada {tanggal(inp.tanggal_pleno)}.")
    out = [
        "# DRAF SIARAN PERS" if inp.draf else "# SIARAN PERS",
        "",
        *([DRAF, ""] if inp.draf else []),
        f"**{lembaga}**",
        "",
        f"## Rekapitulasi Daftar Pemilih Berkelanjutan {triwulan}: {angka(kab['pemilih_akhir'])} Pemilih",
        "",
        f"**{nama_tempat(inp.nama_kabupaten)}** — {opening} Jumlah pemilih di "
        f"{inp.nama_kabupaten} dengan tanggal acuan {tanggal(inp.tanggal_acuan)} sebanyak "
        f"**{angka(kab['pemilih_akhir'])}** pemilih, terdiri atas {angka(kab['pemilih_akhir_l'])} "
        f"pemilih laki-laki dan {angka(kab['pemilih_akhir_p'])} pemilih perempuan, yang tersebar di "
        f"{angka(jumlah_kecamatan)} kecamatan dan {angka(jumlah_desa)} desa/kelurahan.",
        "",
    ]
    if t.ada_sebelumnya:
        change = kab[CHANGE]
        arah = (
            f"bertambah {angka(change)} pemilih" if change > 0
            else f"berkurang {angka(-change)} pemilih" if change < 0
            else "tidak berubah"
        )
        out += [
            f"Dibandingkan dengan rekapitulasi triwulan sebelumnya sebanyak "
            f"{angka(kab[PREVIOUS])} pemilih, jumlah pemilih {arah}.",
            "",
        ]

    out += [
        f"Selama {triwulan}, pemutakhiran data pemilih berkelanjutan mencatat:",
        "",
        f"- **{angka(kab['baru'])}** pemilih baru ({angka(kab['baru_l'])} laki-laki dan "
        f"{angka(kab['baru_p'])} perempuan);",
        f"- **{angka(kab['tms'])}** pemilih yang Tidak Memenuhi Syarat (TMS) dan dicoret dari daftar "
        f"pemilih ({angka(kab['tms_l'])} laki-laki dan {angka(kab['tms_p'])} perempuan);",
        f"- **{angka(kab['ubah'])}** pemilih yang datanya diperbaiki.",
        "",
    ]

    reasons = [k for k in t.kode_tms if kab[k.kolom]]
    if reasons:
        out += [
            "Pemilih yang Tidak Memenuhi Syarat menurut alasannya:",
            "",
            "| Kode | Alasan | Jumlah |",
            "| ---: | --- | ---: |",
            *(f"| {k.kode} | {k.keterangan or k.label} | {angka(kab[k.kolom])} |" for k in reasons),
            f"| | **Jumlah** | **{angka(kab['tms'])}** |",
            "",
        ]

    out += [
        "Rincian jumlah pemilih per kecamatan:",
        "",
        "| No. | Kecamatan | Laki-laki | Perempuan | Jumlah Pemilih | Pemilih Baru | TMS |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for i, row in enumerate(t.kecamatan.iter_rows(named=True), start=1):
        out.append(
            f"| {i} | {row['nama_kecamatan']} | {angka(row['pemilih_akhir_l'])} | {angka(row['pemilih_akhir_p'])} "
            f"| {angka(row['pemilih_akhir'])} | {angka(row['baru'])} | {angka(row['tms'])} |"
        )
    out += [
        f"| | **Jumlah** | **{angka(kab['pemilih_akhir_l'])}** | **{angka(kab['pemilih_akhir_p'])}** "
        f"| **{angka(kab['pemilih_akhir'])}** | **{angka(kab['baru'])}** | **{angka(kab['tms'])}** |",
        "",
        "Pemutakhiran Data Pemilih Berkelanjutan dilaksanakan setiap triwulan berdasarkan data "
        "kependudukan dari Dinas Kependudukan dan Pencatatan Sipil, data dari instansi terkait, "
        f"serta tanggapan masyarakat.",
        "",
        f"Masyarakat dapat memeriksa apakah dirinya sudah terdaftar sebagai pemilih melalui "
        f"**{CEK_DPT}**. Masyarakat yang belum terdaftar, atau menemukan data pemilih yang tidak "
        f"sesuai, dapat menyampaikan tanggapan di kantor desa/kelurahan setempat (Panitia Pemungutan "
        f"Suara) atau kepada {kpu}.",
        "",
        "Data terbuka rekapitulasi per kecamatan dan per desa/kelurahan disajikan bersama siaran "
        "pers ini dalam bentuk CSV dan JSON, beserta kamus datanya.",
        "",
        f"*{kpu}*",
        "",
    ]
    return "\n".join(out)
