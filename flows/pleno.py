"""The plenary meeting's details from `[pleno]` in pdpb.toml and the --pleno-* flags (flags win)."""

from __future__ import annotations

from datetime import date

from transforms.errors import InputError

KEYS = ("nomor", "tempat", "tanggal", "ketua", "anggota", "undangan")
CONFIG_FILE = "pdpb.toml"


def add_pleno_arguments(parser) -> None:
    group = parser.add_argument_group("rapat pleno (berita acara; tanpa tanggal, teks publik berstatus DRAF)")
    group.add_argument("--pleno-nomor", dest="pleno_nomor", help="nomor berita acara")
    group.add_argument("--pleno-tempat", dest="pleno_tempat", help="tempat rapat pleno")
    group.add_argument("--pleno-tanggal", dest="pleno_tanggal", help="tanggal rapat pleno, mis. 2026-03-31")
    group.add_argument("--pleno-ketua", dest="pleno_ketua", help="nama ketua")
    group.add_argument("--pleno-anggota", dest="pleno_anggota", action="append",
                       help="nama anggota (boleh diulang)")


def pleno_values(settings_pleno: dict, args) -> dict:
    """The plenary's settings as plain values (a flow parameter): pdpb.toml, then the flags."""
    unknown = sorted(set(settings_pleno) - set(KEYS))
    if unknown:
        raise InputError(f"kunci [pleno] tidak dikenal: {', '.join(unknown)}", file=CONFIG_FILE)
    out = {k: settings_pleno[k] for k in KEYS if k in settings_pleno}
    if isinstance(out.get("tanggal"), date):  # TOML has a date type of its own
        out["tanggal"] = out["tanggal"].isoformat()
    for key in KEYS:
        flag = getattr(args, f"pleno_{key}", None)
        if flag:
            out[key] = flag
    for key in ("anggota", "undangan"):
        if isinstance(out.get(key), str):
            out[key] = [out[key]]
    parse_pleno(out)  # a wrong date stops here, before anything is read
    return out


def parse_pleno(values: dict | None):
    from reports.model import Pleno

    values = values or {}
    tanggal = values.get("tanggal")
    if tanggal is not None and not isinstance(tanggal, date):
        try:
            tanggal = date.fromisoformat(str(tanggal))
        except ValueError:
            raise InputError(f"tanggal pleno '{tanggal}' tidak dikenali; tulis seperti 2026-03-31",
                             file=CONFIG_FILE, column="pleno.tanggal") from None
    return Pleno(
        nomor=_text(values.get("nomor")),
        tempat=_text(values.get("tempat")),
        tanggal=tanggal,
        ketua=_text(values.get("ketua")),
        anggota=tuple(str(a).strip() for a in values.get("anggota") or () if str(a).strip()),
        undangan=tuple(str(a).strip() for a in values.get("undangan") or () if str(a).strip()),
    )


def _text(value) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
