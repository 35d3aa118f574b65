"""berita_acara.docx: the Berita Acara Rekapitulasi Daftar Pemilih Berkelanjutan of the quarter,
signed at the plenary meeting, with the recap per kecamatan attached (L/P/L+P column groups).

Its figures are read from ringkasan.json's counts, so the document, the recap workbook and the
summary say the same thing."""

from __future__ import annotations

from copy import deepcopy
from io import BytesIO
from pathlib import Path
from zipfile import ZipFile

import polars as pl
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from reports.instansi import instansi_per_file
from reports.model import ReportData
from reports.publik_format import angka, nama_tempat, nama_triwulan, tanggal
from reports.texts import stamp_of
from reports.xlsx_io import StampedZip
from reports.terbilang import tanggal_terbilang

FILE = "berita_acara.docx"
BLANK = "\u2026" * 8
JENIS_DATA = {
    "kematian": "data kematian",
    "pindah_keluar": "data pindah keluar",
    "pindah_datang": "data pindah datang",
    "penduduk": "data penduduk potensial pemilih",
    "tni_polri": "data anggota dan pensiunan TNI/Polri",
    "perbaikan": "tanggapan dan perbaikan data",
    "keputusan": "hasil verifikasi faktual",
}
SEXES = (("L", "L"), ("P", "P"), ("total", "L+P"))
SUMMARY_LABELS = {
    "awal": "DPB triwulan sebelumnya", "baru": "Pemilih baru", "tms": "Pemilih Tidak Memenuhi Syarat (TMS)",
    "ubah": "Perbaikan data pemilih", "pindah_bersih": "Pindah antardesa dan koreksi jenis kelamin (masuk \u2212 keluar)",
    "akhir": "DPB akhir triwulan",
}
BODY_PT = 11
TABLE_PT = 8
TMS_PER_TABLE = 5
LANDSCAPE_WIDTH_CM = 27.7  # A4 landscape less 1 cm margins
DIGIT_CM = 0.16  # one digit of bold Arial 8 pt, with the thousands dot counted as a digit
CELL_PAD_CM = 0.2


def recap_groups(ringkasan: dict) -> list[tuple[str, str]]:
    """(measure key, caption) of the recap table, in the order these documents use."""
    groups = [("awal", "DPB SEBELUMNYA"), ("baru", "PEMILIH BARU"), ("tms", "PEMILIH TMS"),
              ("ubah", "PERBAIKAN DATA")]
    if _moves_matter(ringkasan):
        groups.append(("pindah_bersih", "PINDAH ANTARDESA DAN KOREKSI L/P (MASUK \u2212 KELUAR)"))
    groups.append(("akhir", "DPB"))
    return groups


def _moves_matter(ringkasan: dict) -> bool:
    return any(k["pindah_masuk"]["total"] or k["pindah_keluar"]["total"] for k in ringkasan["kecamatan"].values())


def _value(area: dict, key: str, sex: str) -> int:
    if key == "pindah_bersih":
        return area["pindah_masuk"][sex] - area["pindah_keluar"][sex]
    if key.startswith("tms_"):
        return area["tms_per_kode"][key[4:]][sex]
    return area[key][sex]


def desa_count(desa: pl.DataFrame) -> dict[str, int]:
    return dict(desa.group_by("kode_kecamatan").len().iter_rows())


# ---------------------------------------------------------------------------------------------
# docx helpers.

def _font(run, size: float = BODY_PT, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = "Arial"


def _para(doc, text: str = "", *, bold: bool = False, center: bool = False, size: float = BODY_PT,
          after: float = 4, justify: bool = False):
    p = doc.add_paragraph()
    if text:
        _font(p.add_run(text), size, bold)
    p.paragraph_format.space_after = Pt(after)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif justify:
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    return p


# A cell's paragraph as `_cell` writes it, per (size, bold, align): the attachment's tables have
# thousands of cells, and building each paragraph through python-docx costs most of the document.
_CELL_PARAGRAPHS: dict[tuple[float, bool, str], object] = {}
_TC_PR = qn("w:tcPr")


def _cell(cell, text: str, *, size: float = TABLE_PT, bold: bool = False, align: str = "left") -> None:
    # Text python-docx writes as one plain <w:t> (no tab, line break or edge space) takes a
    # copy of the paragraph it wrote for the first such cell, with this text.
    plain = bool(text) and text.strip() == text and not any(c in text for c in "\t\r\n")
    template = _CELL_PARAGRAPHS.get((size, bold, align)) if plain else None
    if template is None:
        _build_cell(cell, text, size=size, bold=bold, align=align)
        written = cell._tc.p_lst[0]
        if plain and written[-1][-1].tag == qn("w:t"):
            _CELL_PARAGRAPHS[(size, bold, align)] = deepcopy(written)
        return
    tc = cell._tc
    for child in list(tc):  # what setting the cell's text clears
        if child.tag != _TC_PR:
            tc.remove(child)
    paragraph = deepcopy(template)
    paragraph[-1][-1].text = text  # the text run's <w:t>
    tc.append(paragraph)


def _build_cell(cell, text: str, *, size: float, bold: bool, align: str) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    _font(p.add_run(text), size, bold)
    p.paragraph_format.space_after = Pt(0)
    p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]


def _repeat_header(row) -> None:
    """Header rows repeat on every page the table runs onto."""
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _no_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _widths(table, widths_cm: list[float]) -> None:
    """Widths on the grid (what LibreOffice reads) and on every cell (what Word reads)."""
    table.autofit = False
    for column, w in zip(table.columns, widths_cm):
        column.width = Cm(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm):
            cell.width = Cm(w)


def number_widths(columns: list[list[str]], room_cm: float) -> list[float]:
    """Widths for number columns: each as wide as its longest figure, the room left shared out
    in proportion, so a 7-digit kabupaten total does not wrap while small columns stay narrow."""
    need = [max((len(t) for t in col), default=1) * DIGIT_CM + CELL_PAD_CM for col in columns]
    spare = room_cm - sum(need)
    if spare >= 0:
        return [n + spare / len(need) for n in need]
    return [n * room_cm / sum(need) for n in need]


def _compact(table) -> None:
    """Narrow cell margins (0.08 cm) for the wide attachment tables."""
    tbl_pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "45")
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    tbl_pr.append(mar)


def _table(doc, n_rows: int, n_cols: int):
    table = doc.add_table(rows=n_rows, cols=n_cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    return table


# ---------------------------------------------------------------------------------------------
# Parts of the document.

def _title(doc, data: ReportData) -> None:
    nomor = data.pleno.nomor or BLANK
    if not data.pleno.ditetapkan:
        _para(doc, "DRAF \u2014 belum ditetapkan dalam rapat pleno", bold=True, center=True, size=10)
    for text in (f"KOMISI PEMILIHAN UMUM {data.nama_kabupaten.upper()}", "BERITA ACARA", f"NOMOR: {nomor}",
                 "TENTANG", "REKAPITULASI DAFTAR PEMILIH BERKELANJUTAN",
                 nama_triwulan(data.quarter, tahun=True).upper()):
        _para(doc, text, bold=True, center=True, size=12, after=2)
    _para(doc)


def _opening(doc, data: ReportData) -> None:
    pleno = data.pleno
    when = (f"Pada {tanggal_terbilang(pleno.tanggal)}" if pleno.tanggal
            else f"Pada hari ini {BLANK} tanggal {BLANK} bulan {BLANK} tahun {BLANK}")
    tempat = pleno.tempat or BLANK
    _para(doc, (
        f"{when}, bertempat di {tempat}, Komisi Pemilihan Umum {data.nama_kabupaten} melaksanakan Rapat Pleno "
        f"Terbuka Rekapitulasi Daftar Pemilih Berkelanjutan {nama_triwulan(data.quarter, tahun=True)} dengan "
        f"tanggal acuan {tanggal(data.tanggal_acuan)}."
    ), justify=True)


def _participants(doc, data: ReportData) -> None:
    pleno = data.pleno
    _para(doc, "Rapat pleno dihadiri oleh:")
    people = [(pleno.ketua or BLANK, "Ketua")]
    people += [(a, "Anggota") for a in pleno.anggota] or [(BLANK, "Anggota")]
    people += [(u, "Undangan") for u in pleno.undangan]
    table = _table(doc, len(people) + 1, 3)
    for cell, text in zip(table.rows[0].cells, ("NO", "NAMA", "KEDUDUKAN")):
        _cell(cell, text, size=10, bold=True, align="center")
    for i, (nama, jabatan) in enumerate(people, 1):
        row = table.rows[i].cells
        _cell(row[0], str(i), size=10, align="center")
        _cell(row[1], nama, size=10)
        _cell(row[2], jabatan, size=10)
    _widths(table, [1.2, 9.5, 5.5])
    _para(doc)


def _sources(doc, data: ReportData, ringkasan: dict) -> None:
    _para(doc, ("Dalam pemutakhiran triwulan ini Komisi Pemilihan Umum "
                f"{data.nama_kabupaten} menerima masukan dari:"), justify=True)
    berkas = data.rows.berkas if data.rows is not None else None
    if berkas is None or berkas.height == 0:
        _para(doc, "Tidak ada berkas masukan pada triwulan ini.")
        return
    agencies = instansi_per_file(berkas, data.rows.records)
    heads = ("NO", "INSTANSI / SUMBER", "BERKAS", "JENIS DATA", "BARIS", "DITERAPKAN", "VERIFIKASI", "KARANTINA",
             "TANPA PERUBAHAN")
    rows = berkas.sort("sumber_file").iter_rows(named=True)
    table = _table(doc, berkas.height + 1, len(heads))
    for cell, text in zip(table.rows[0].cells, heads):
        _cell(cell, text, size=6.5, bold=True, align="center")
    _repeat_header(table.rows[0])
    for i, r in enumerate(rows, 1):
        counts = ringkasan["berkas"].get(r["sumber_file"], {})
        cells = table.rows[i].cells
        _cell(cells[0], str(i), align="center")
        _cell(cells[1], agencies[r["sumber_file"]].nama_lengkap + f" ({agencies[r['sumber_file']].singkat})")
        _cell(cells[2], r["sumber_file"])
        _cell(cells[3], JENIS_DATA.get(r["jenis"], r["jenis"]))
        for j, key in enumerate(("dibaca", "diterapkan", "verifikasi", "karantina", "tanpa_perubahan"), 4):
            _cell(cells[j], angka(counts.get(key, 0)), align="right")
    _compact(table)
    _widths(table, [0.8, 3.1, 3.0, 2.3, 1.0, 1.7, 1.7, 1.7, 1.7])
    _para(doc)


def _summary(doc, data: ReportData, ringkasan: dict) -> None:
    kab = ringkasan["kabupaten"]
    _para(doc, ("Hasil rekapitulasi Daftar Pemilih Berkelanjutan "
                f"{data.nama_kabupaten} {nama_triwulan(data.quarter, tahun=True)} adalah sebagai berikut:"),
          justify=True)
    groups = recap_groups(ringkasan)
    table = _table(doc, len(groups) + 1, 4)
    for cell, text in zip(table.rows[0].cells, ("URAIAN", "L", "P", "L+P")):
        _cell(cell, text, size=10, bold=True, align="center")
    for i, (key, caption) in enumerate(groups, 1):
        cells = table.rows[i].cells
        _cell(cells[0], SUMMARY_LABELS[key], size=10, bold=key == "akhir")
        for j, (sex, _) in enumerate(SEXES, 1):
            _cell(cells[j], angka(_value(kab, key, sex)), size=10, align="right", bold=key == "akhir")
    _widths(table, [8.0, 2.6, 2.6, 2.8])
    _para(doc)
    _para(doc, ("dengan rincian per kecamatan dan per kode Tidak Memenuhi Syarat (TMS) sebagaimana tercantum "
                "dalam Lampiran yang merupakan bagian tidak terpisahkan dari Berita Acara ini."), justify=True)
    if not ringkasan["rekonsiliasi"]["seimbang"]:
        _para(doc, (f"Catatan: terdapat {angka(len(ringkasan['rekonsiliasi']['selisih']))} selisih rekonsiliasi "
                    "per desa/kelurahan dan jenis kelamin (lihat rekap_kabupaten.xlsx, sheet Rekonsiliasi)."),
              bold=True)
    open_items = ringkasan["verifikasi"]["kandidat"]
    if open_items:
        _para(doc, (f"Sebanyak {angka(ringkasan['verifikasi']['baris_sumber'])} baris masukan "
                    f"({angka(open_items)} kandidat) masih menunggu verifikasi faktual dan belum mengubah "
                    "daftar pemilih."), justify=True)
    _para(doc, "Demikian Berita Acara ini dibuat untuk dipergunakan sebagaimana mestinya.", justify=True)


def _signatures(doc, data: ReportData) -> None:
    pleno = data.pleno
    when = tanggal(pleno.tanggal) if pleno.tanggal else BLANK
    _para(doc)
    _para(doc, f"{nama_tempat(data.nama_kabupaten)}, {when}", after=2)
    _para(doc, f"KOMISI PEMILIHAN UMUM {data.nama_kabupaten.upper()}", bold=True)
    people = [(pleno.ketua or BLANK, "Ketua")]
    people += [(a, "Anggota") for a in pleno.anggota] or [(BLANK, "Anggota")]
    table = _table(doc, len(people) + 1, 4)
    for cell, text in zip(table.rows[0].cells, ("NO", "NAMA", "JABATAN", "TANDA TANGAN")):
        _cell(cell, text, size=10, bold=True, align="center")
    for i, (nama, jabatan) in enumerate(people, 1):
        row = table.rows[i]
        row.height = Cm(1.4)
        _no_split(row)
        cells = row.cells
        _cell(cells[0], str(i), size=10, align="center")
        _cell(cells[1], nama, size=10)
        _cell(cells[2], jabatan, size=10)
        # Signatures alternate left and right, as on paper, so neighbours do not overlap.
        _cell(cells[3], f"{i}. {'.' * 20}" if i % 2 else f"{' ' * 12}{i}. {'.' * 20}", size=10)
    _widths(table, [1.2, 6.5, 3.3, 5.5])


def _landscape(doc):
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.0)
    section.top_margin = section.bottom_margin = Cm(1.5)
    return section


def _group_table(doc, ringkasan: dict, desa_n: dict[str, int], groups: list[tuple[str, str]], *,
                 with_desa: bool) -> None:
    """Kecamatan rows, each group as L / P / L+P columns, a JUMLAH row at the end."""
    lead = 3 if with_desa else 2
    n_cols = lead + 3 * len(groups)
    kec = ringkasan["kecamatan"]
    table = _table(doc, len(kec) + 3, n_cols)
    top, sub = table.rows[0], table.rows[1]
    lead_heads = ["NO", "KECAMATAN"] + (["JUMLAH DESA/ KEL."] if with_desa else [])
    for j, text in enumerate(lead_heads):
        merged = top.cells[j].merge(sub.cells[j])
        _cell(merged, text, bold=True, align="center")
    for g, (_, caption) in enumerate(groups):
        start = lead + 3 * g
        merged = top.cells[start].merge(top.cells[start + 2])
        _cell(merged, caption, bold=True, align="center")
        for s, (_, label) in enumerate(SEXES):
            _cell(sub.cells[start + s], label, bold=True, align="center")
    _repeat_header(top)
    _repeat_header(sub)
    totals = [0] * (3 * len(groups))
    desa_total = 0
    # The figures of each number column as written, for its width (reading them back from
    # the cells walks every row's cells once per column).
    texts: list[list[str]] = [[] for _ in range(n_cols - lead)]
    for i, (kode, area) in enumerate(kec.items(), 1):
        cells = table.rows[i + 1].cells
        _cell(cells[0], str(i), align="center")
        _cell(cells[1], area["nama"])
        if with_desa:
            desa_total += desa_n.get(kode, 0)
            _cell(cells[2], angka(desa_n.get(kode, 0)), align="right")
        for g, (key, _) in enumerate(groups):
            for s, (sex, _) in enumerate(SEXES):
                v = _value(area, key, sex)
                totals[3 * g + s] += v
                texts[3 * g + s].append(angka(v))
                _cell(cells[lead + 3 * g + s], texts[3 * g + s][-1], align="right")
    last = table.rows[len(kec) + 2].cells
    _cell(last[0].merge(last[1]), "JUMLAH", bold=True, align="center")
    if with_desa:
        _cell(last[2], angka(desa_total), bold=True, align="right")
    for j, v in enumerate(totals):
        texts[j].append(angka(v))
        _cell(last[lead + j], texts[j][-1], bold=True, align="right")
    _compact(table)
    lead_cm = [0.9, 3.0] + ([1.3] if with_desa else [])
    _widths(table, lead_cm + number_widths(texts, LANDSCAPE_WIDTH_CM - sum(lead_cm)))


def _attachment(doc, data: ReportData, ringkasan: dict) -> None:
    _landscape(doc)
    nomor = data.pleno.nomor or BLANK
    _para(doc, f"LAMPIRAN BERITA ACARA NOMOR: {nomor}", bold=True, size=10, after=2)
    _para(doc, (f"REKAPITULASI DAFTAR PEMILIH BERKELANJUTAN {data.nama_kabupaten.upper()} "
                f"{nama_triwulan(data.quarter, tahun=True).upper()} PER KECAMATAN"), bold=True, size=10)
    desa_n = desa_count(data.desa)
    _group_table(doc, ringkasan, desa_n, recap_groups(ringkasan), with_desa=True)
    labels = {int(k): label for k, label in data.tms.select("kode", "label").iter_rows()}
    codes = list(ringkasan["kabupaten"]["tms_per_kode"])
    for start in range(0, len(codes), TMS_PER_TABLE):
        chunk = codes[start:start + TMS_PER_TABLE]
        doc.add_page_break()
        _para(doc, "PEMILIH TIDAK MEMENUHI SYARAT (TMS) PER KODE", bold=True, size=10)
        groups = [(f"tms_{k}", f"TMS {k} {labels.get(int(k), '').upper()}".strip()) for k in chunk]
        _group_table(doc, ringkasan, desa_n, groups, with_desa=False)


def write_berita_acara(data: ReportData, ringkasan: dict, path: Path) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin = section.bottom_margin = Cm(2.0)
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(BODY_PT)
    _title(doc, data)
    _opening(doc, data)
    _participants(doc, data)
    _sources(doc, data, ringkasan)
    _summary(doc, data, ringkasan)
    _signatures(doc, data)
    _attachment(doc, data, ringkasan)
    stamp = stamp_of(data.dibuat)
    props = doc.core_properties
    props.title = f"Berita Acara Rekapitulasi DPB {nama_triwulan(data.quarter, tahun=True)}"
    props.author = props.last_modified_by = "pdpb"
    props.created = props.modified = stamp
    props.revision = 1
    props.language = "id-ID"
    props.comments = ""
    buffer = BytesIO()
    doc.save(buffer)
    return _save_stamped(buffer.getvalue(), path, stamp)


def _save_stamped(docx: bytes, path: Path, stamp) -> Path:
    """The same bytes for the same quarter: python-docx stamps zip entries with the current time."""
    out = BytesIO()
    with ZipFile(BytesIO(docx)) as src:
        target = StampedZip(out, stamp)
        for info in src.infolist():
            target.writestr(info.filename, src.read(info.filename))
        target.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return path
