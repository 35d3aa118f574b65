"""The quarter's infographics: 1920×1080 for the videotron, 1080×1080 for social media.

Read from a distance: big numbers, high contrast (light on dark navy, which also keeps an LED
screen from glaring), few words. Drawn with the Agg canvas directly (no pyplot state) and the
DejaVu fonts shipped inside matplotlib, so the pixels do not depend on the machine's fonts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle

from reports.publik_data import CHANGE, PublicTables
from reports.publik_format import CEK_DPT, MINUS, angka, angka_bertanda, nama_kpu, nama_triwulan, tanggal

# 1920 = 16 in × 120 dpi and 1080 = 9 in × 120 dpi: whole numbers, so the size is exact.
DPI = 120

BG = "#0B2545"
HEADER = "#06162C"
PANEL = "#15335C"
STRIPE = "#D7263D"
WHITE = "#FFFFFF"
MUTED = "#C9D6EA"
YELLOW = "#FFD23F"
GREEN = "#6EE7A0"
CORAL = "#FF9B8A"
BAR = "#63B3FF"

_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_REGULAR = _FONT_DIR / "DejaVuSans.ttf"
_BOLD = _FONT_DIR / "DejaVuSans-Bold.ttf"


def _font(px: float, bold: bool = False) -> FontProperties:
    return FontProperties(fname=_BOLD if bold else _REGULAR, size=px * 72 / DPI)


@dataclass(frozen=True)
class _Layout:
    width: int
    height: int
    margin: int
    header: int  # height of the title band
    title: int  # px size of the KPU name and the quarter
    subtitle: int
    left: int  # width of the figures column; the kecamatan chart takes the rest
    gap: int  # between the two columns
    label: int
    big: int  # the kabupaten total
    sex: int  # the L/P numbers
    tile_label: int
    tile_number: int
    tiles_in_a_row: bool  # videotron: three boxes side by side; square: one line each
    row: int  # TMS reasons and chart labels, at most
    footer: int


VIDEOTRON = _Layout(
    width=1920, height=1080, margin=60, header=150, title=50, subtitle=30, left=840, gap=90,
    label=30, big=148, sex=56, tile_label=27, tile_number=64, tiles_in_a_row=True, row=34, footer=24,
)
MEDSOS = _Layout(
    width=1080, height=1080, margin=40, header=140, title=38, subtitle=24, left=490, gap=50,
    label=26, big=112, sex=44, tile_label=24, tile_number=44, tiles_in_a_row=False, row=28, footer=20,
)


class _Canvas:
    """A figure addressed in pixels from the top-left corner, as a designer would."""

    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = width, height
        self.fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=BG)
        FigureCanvasAgg(self.fig)
        self.renderer = self.fig.canvas.get_renderer()

    def rect(self, x: float, y: float, w: float, h: float, color: str) -> None:
        self.fig.add_artist(
            Rectangle(
                (x / self.w, 1 - (y + h) / self.h), w / self.w, h / self.h,
                transform=self.fig.transFigure, facecolor=color, edgecolor="none",
            )
        )

    def text(
        self, x: float, y: float, s: str, px: float, *, bold: bool = False, color: str = WHITE,
        ha: str = "left", va: str = "baseline", max_width: float | None = None, linespacing: float = 1.2,
    ):
        """Text at (x, y); shrunk to max_width so a long name is never cut off."""
        t = self.fig.text(
            x / self.w, 1 - y / self.h, s,
            fontproperties=_font(px, bold), color=color, ha=ha, va=va, linespacing=linespacing,
        )
        if max_width is not None:
            width = self.width_of(t)
            if width > max_width:
                t.set_fontproperties(_font(px * max_width / width * 0.98, bold))
        return t

    def measure(self, s: str, px: float, bold: bool = False) -> float:
        probe = self.fig.text(0, 0, s, fontproperties=_font(px, bold))
        width = self.width_of(probe)
        probe.remove()
        return width

    def common_size(self, texts: list[str], px: float, max_width: float, bold: bool = False) -> float:
        """The largest size up to px at which every text fits max_width."""
        widest = max(self.measure(s, px, bold) for s in texts)
        return px if widest <= max_width else px * max_width / widest * 0.98

    def width_of(self, t) -> float:
        return t.get_window_extent(self.renderer).width

    def save(self, path: Path) -> Path:
        # No "Software" entry: the file carries no version string and stays byte-identical.
        self.fig.savefig(path, dpi=DPI, facecolor=BG, metadata={"Software": None})
        return path


def write_infografis(t: PublicTables, videotron: Path, medsos: Path) -> list[Path]:
    return [_draw(t, VIDEOTRON).save(videotron), _draw(t, MEDSOS).save(medsos)]


def _draw(t: PublicTables, lay: _Layout) -> _Canvas:
    c = _Canvas(lay.width, lay.height)
    kab = t.kabupaten
    m = lay.margin

    # Title band: who publishes, what, which quarter.
    c.rect(0, 0, lay.width, lay.header, HEADER)
    c.rect(0, lay.header, lay.width, 6, STRIPE)
    quarter = c.text(
        lay.width - m, lay.header * 0.45, nama_triwulan(t.inp.quarter), lay.title, bold=True, color=YELLOW, ha="right"
    )
    name_room = lay.width - 2 * m - c.width_of(quarter) - 30
    c.text(m, lay.header * 0.45, nama_kpu(t.inp.nama_kabupaten), lay.title, bold=True, max_width=name_room)
    subtitle = "Rekapitulasi Daftar Pemilih Berkelanjutan"
    c.text(m, lay.header * 0.82, subtitle, lay.subtitle, color=MUTED, max_width=lay.width - 2 * m)

    # Left column, top to bottom.
    y = lay.header + 6 + lay.label * 1.9
    c.text(m, y, "JUMLAH PEMILIH", lay.label, bold=True, color=MUTED)
    y += lay.big * 0.95
    c.text(m, y, angka(kab["pemilih_akhir"]), lay.big, bold=True, color=YELLOW, max_width=lay.left)
    y += lay.label * 2.0
    half = lay.left / 2
    for i, (word, key) in enumerate((("Laki-laki", "pemilih_akhir_l"), ("Perempuan", "pemilih_akhir_p"))):
        c.text(m + i * half, y, word, lay.label, color=MUTED)
        c.text(m + i * half, y + lay.sex * 1.05, angka(kab[key]), lay.sex, bold=True, max_width=half - 20)
    y += lay.sex * 1.05 + lay.label * 1.3

    change = kab[CHANGE]
    tiles = [
        ("Dibanding\ntriwulan lalu", angka_bertanda(change), YELLOW)
        if change is not None
        else ("Dibanding\ntriwulan lalu", "belum ada data", MUTED),
        ("Pemilih\nbaru", angka(kab["baru"]), GREEN),
        ("Tidak memenuhi\nsyarat", angka(kab["tms"]), CORAL),
    ]
    y = _tiles(c, lay, y, tiles)

    # TMS by reason: only the reasons that occurred, in code order, so the list stays short.
    # The call to action takes a band at the bottom; the figures end above it.
    band = lay.footer * 5.2
    footer_y = lay.height - band - m * 0.2
    reasons = [(k.label, kab[k.kolom]) for k in t.kode_tms if kab[k.kolom]]
    y += lay.label * 1.7
    c.text(m, y, "Tidak memenuhi syarat menurut alasan", lay.label, bold=True, color=MUTED, max_width=lay.left)
    y += lay.label * 0.4
    rows = reasons or [("Tidak ada", 0)]
    # On the wide screen more than five reasons go in two columns rather than small type.
    columns = 2 if len(rows) > 5 and lay.tiles_in_a_row else 1
    per_column = -(-len(rows) // columns)
    gap = 50
    width = (lay.left - gap * (columns - 1)) / columns
    pitch = min(lay.row * 1.55, (footer_y - lay.footer * 1.6 - y) / per_column)
    size = min(lay.row, pitch / 1.3)
    for i, (label, n) in enumerate(rows):
        x = m + (i // per_column) * (width + gap)
        row_y = y + (i % per_column + 1) * pitch
        c.text(x, row_y, label, size, max_width=width * 0.72)
        c.text(x + width, row_y, angka(n), size, bold=True, color=CORAL, ha="right")

    # Right column: voters per kecamatan.
    x0 = m + lay.left + lay.gap
    top = lay.header + 6 + lay.label * 1.9
    c.text(x0, top, "Jumlah pemilih per kecamatan", lay.label, bold=True, color=MUTED, max_width=lay.width - m - x0)
    _kecamatan_bars(c, lay, t, x0, top + lay.label * 0.9, lay.width - m, footer_y - lay.footer * 1.6)

    c.text(
        m, footer_y,
        f"Tanggal acuan {tanggal(t.inp.tanggal_acuan)}  ·  Sumber: {nama_kpu(t.inp.nama_kabupaten)}",
        lay.footer, color=MUTED, max_width=lay.width - 2 * m,
    )
    _call_to_action(c, lay, t, lay.height - band)
    if t.inp.draf:
        _draft_mark(c, lay)
    return c


def _call_to_action(c: _Canvas, lay: _Layout, t: PublicTables, top: float) -> None:
    """How to check one's own registration and where to respond, and the plenary's date."""
    m = lay.margin
    c.rect(0, top, lay.width, lay.height - top, PANEL)
    c.rect(0, top, lay.width, 4, STRIPE)
    size = lay.footer * 1.25
    c.text(m, top + size * 1.35, f"Cek nama Anda: {CEK_DPT}", size, bold=True, color=YELLOW,
           max_width=lay.width - 2 * m)
    c.text(m, top + size * 2.4, "Belum terdaftar atau data tidak sesuai? Sampaikan tanggapan di kantor "
           "desa/kelurahan (PPS).", lay.footer, max_width=lay.width - 2 * m)
    pleno = ("DRAF — belum ditetapkan dalam rapat pleno" if t.inp.draf
             else f"Ditetapkan dalam rapat pleno {tanggal(t.inp.tanggal_pleno)}")
    c.text(m, top + size * 3.45, pleno, lay.footer, bold=True, color=CORAL if t.inp.draf else MUTED,
           max_width=lay.width - 2 * m)


def _draft_mark(c: _Canvas, lay: _Layout) -> None:
    """A large diagonal DRAF across the picture: a draft must not pass for the adopted figures."""
    c.fig.text(0.5, 0.5, "DRAF", fontproperties=_font(lay.big * 2.2, True), color=STRIPE, alpha=0.35,
               rotation=25, ha="center", va="center", transform=c.fig.transFigure)


def _tiles(c: _Canvas, lay: _Layout, y: float, tiles: list[tuple[str, str, str]]) -> float:
    """The three headline changes, drawn with one label size and one number size."""
    m, pad = lay.margin, 16
    if lay.tiles_in_a_row:
        # Narrow boxes: the label takes two short lines rather than a small font.
        gap = 20
        w = (lay.left - gap * (len(tiles) - 1)) / len(tiles)
        h = pad * 2.5 + lay.tile_label * 2.5 + lay.tile_number * 1.15
        label_px = c.common_size([line for s, _, _ in tiles for line in s.split("\n")], lay.tile_label, w - 2 * pad)
        number_px = c.common_size(_numbers(tiles), lay.tile_number, w - 2 * pad, bold=True)
        for i, (label, value, color) in enumerate(tiles):
            x = m + i * (w + gap)
            c.rect(x, y, w, h, PANEL)
            c.text(x + pad, y + pad, label, label_px, color=MUTED, va="top", linespacing=1.15)
            px = _value_px(value, number_px)
            c.text(x + pad, y + h - pad * 1.4, value, px, bold=True, color=color, max_width=w - 2 * pad)
        return y + h
    tiles = [(label.replace("\n", " "), value, color) for label, value, color in tiles]
    h = pad * 2 + lay.tile_number * 1.0
    number_px = c.common_size(_numbers(tiles), lay.tile_number, lay.left * 0.5, bold=True)
    widest = max(c.measure(v, _value_px(v, number_px), bold=True) for _, v, _ in tiles)
    label_px = c.common_size([s for s, _, _ in tiles], lay.tile_label, lay.left - 3 * pad - widest)
    for label, value, color in tiles:
        c.rect(m, y, lay.left, h, PANEL)
        base = y + h / 2 + lay.tile_number * 0.36
        px = _value_px(value, number_px)
        c.text(m + lay.left - pad, base, value, px, bold=True, color=color, ha="right", max_width=lay.left * 0.5)
        c.text(m + pad, base, label, label_px, color=MUTED)
        y += h + 12
    return y - 12


def _is_number(value: str) -> bool:
    return value.lstrip("+" + MINUS)[:1].isdigit()


def _numbers(tiles: list[tuple[str, str, str]]) -> list[str]:
    # One size for the figures; a "no data" note does not shrink them.
    return [v for _, v, _ in tiles if _is_number(v)] or ["0"]


def _value_px(value: str, number_px: float) -> float:
    return number_px if _is_number(value) else number_px * 0.45


def _kecamatan_bars(c: _Canvas, lay: _Layout, t: PublicTables, x0: float, y0: float, x1: float, y1: float) -> None:
    """Voters per kecamatan, in code order; a long list on a wide screen goes in two columns."""
    names = t.kecamatan["nama_kecamatan"].to_list()
    values = t.kecamatan["pemilih_akhir"].to_list()
    columns = 2 if len(names) > 25 and x1 - x0 >= 700 else 1
    per_column = -(-len(names) // columns) if names else 1
    gap = 40
    width = (x1 - x0 - gap * (columns - 1)) / columns
    # A kabupaten with few kecamatan gets ordinary bars at the top, not slabs.
    pitch = min((y1 - y0) / per_column, lay.row * 1.7)
    size = min(lay.row * 0.75, pitch * 0.55)
    name_w = max((c.measure(s, size) for s in names), default=0)
    # Long kecamatan names (some have 30 letters) must not squeeze the bars away.
    if name_w > 0.42 * width:
        size *= 0.42 * width / name_w
        name_w = 0.42 * width
    number_w = max((c.measure(angka(v), size, bold=True) for v in values), default=0)
    top = max(values, default=0) or 1
    for i in range(columns):
        chunk = slice(i * per_column, (i + 1) * per_column)
        left = x0 + i * (width + gap)
        _bars(c, names[chunk], values[chunk], per_column, top, size, name_w, number_w, left, y0, left + width, pitch)


def _bars(
    c: _Canvas, names: list[str], values: list[int], slots: int, top: int, size: float,
    name_w: float, number_w: float, x0: float, y0: float, x1: float, pitch: float,
) -> None:
    font, bold = _font(size), _font(size, bold=True)
    left = x0 + name_w + 16
    y1 = y0 + pitch * slots
    ax = c.fig.add_axes((left / c.w, 1 - y1 / c.h, (x1 - left) / c.w, (y1 - y0) / c.h))
    ax.set_facecolor("none")
    ax.barh(range(len(values)), values, height=0.68, color=BAR)
    ax.set_ylim(slots - 0.5, -0.5)
    # Room to the right of the longest bar for its number; every column shares one scale.
    room = (number_w + 12) / (x1 - left)
    ax.set_xlim(0, top / max(1 - room, 0.2))
    ax.set_yticks(range(len(names)), labels=names)
    for label in ax.get_yticklabels():
        label.set_fontproperties(font)
        label.set_color(WHITE)
    ax.tick_params(axis="y", length=0, pad=10 * 72 / DPI)  # 10 px, in points
    ax.xaxis.set_visible(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    for i, v in enumerate(values):
        ax.annotate(
            angka(v), (v, i), xytext=(6, 0), textcoords="offset pixels",
            va="center", ha="left", fontproperties=bold, color=WHITE,
        )
