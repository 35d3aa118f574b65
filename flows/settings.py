"""Defaults for every command, overridable by `pdpb.toml` in the working directory and by flags."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from transforms.errors import InputError

CONFIG_FILE = "pdpb.toml"
DEFAULT_CRON = "0 2 1 1,4,7,10 *"
DEFAULT_TIMEZONE = "Asia/Jakarta"


@dataclass(frozen=True)
class Settings:
    db: Path = Path("data/pdpb.duckdb")
    inbox: Path | None = None          # default: data/inbox/<quarter>
    out: Path = Path("out")
    kabupaten: str = "33.23"
    cron: str = DEFAULT_CRON
    timezone: str = DEFAULT_TIMEZONE
    tms_table: Path | None = None      # a kabupaten may switch to an older TMS code table
    prefect: str = "otomatis"          # otomatis: a configured server if any, else direct; sementara: temporary server
    arsip_zip: bool | None = None      # working outputs as AES zip; None: when the database is encrypted
    pleno: dict = field(default_factory=dict)  # [pleno]: nomor, tempat, tanggal, ketua, anggota, undangan
    extra: dict = field(default_factory=dict)

    def inbox_for(self, quarter: str) -> Path:
        return self.inbox if self.inbox is not None else Path("data/inbox") / quarter


def load_settings(cwd: Path | None = None) -> Settings:
    """Read `pdpb.toml` (flat keys or a [pdpb] table); flags given on the command line win."""
    path = (cwd or Path.cwd()) / CONFIG_FILE
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"pengaturan tidak dapat dibaca: {exc}", file=str(path)) from None
    raw = raw.get("pdpb", raw)
    known = {"db", "inbox", "out", "kabupaten", "cron", "timezone", "tms_table", "arsip_zip", "prefect"}
    unknown = sorted(set(raw) - known - {"serve", "pleno"})
    if unknown:
        raise InputError(f"kunci pengaturan tidak dikenal: {', '.join(unknown)}", file=str(path))
    serve = raw.get("serve", {})
    if "tms_table" in raw and not Path(raw["tms_table"]).is_file():
        raise InputError(f"tabel TMS {raw['tms_table']} (tms_table) tidak ditemukan", file=str(path))
    return Settings(
        db=Path(raw.get("db", Settings.db)),
        inbox=Path(raw["inbox"]) if "inbox" in raw else None,
        out=Path(raw.get("out", Settings.out)),
        kabupaten=str(raw.get("kabupaten", Settings.kabupaten)),
        cron=str(serve.get("cron", raw.get("cron", DEFAULT_CRON))),
        timezone=str(serve.get("timezone", raw.get("timezone", DEFAULT_TIMEZONE))),
        tms_table=Path(raw["tms_table"]) if "tms_table" in raw else None,
        arsip_zip=_flag(raw, "arsip_zip", path),
        pleno=dict(raw.get("pleno", {})),
        prefect=_prefect_mode(raw.get("prefect", "otomatis"), path),
    )


def _flag(raw: dict, name: str, path: Path) -> bool | None:
    if name not in raw:
        return None
    if not isinstance(raw[name], bool):
        raise InputError(f"{name} harus true atau false", file=str(path))
    return raw[name]


PREFECT_MODES = ("otomatis", "sementara")


def _prefect_mode(value: object, path: Path) -> str:
    if value not in PREFECT_MODES:
        raise InputError(f"nilai prefect '{value}' tidak dikenal; pilih otomatis atau sementara", file=str(path))
    return str(value)


def prefect_api_url() -> str | None:
    """The Prefect server pdpb should report to: PREFECT_API_URL from the environment or from the
    active Prefect profile (`prefect config set PREFECT_API_URL=...`). Read without importing
    Prefect, so that a command that needs no server does not pay for Prefect's start-up."""
    url = os.environ.get("PREFECT_API_URL")
    if url is not None:
        return url or None
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        data = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or data.get("active") or "ephemeral"
    value = data.get("profiles", {}).get(active, {}).get("PREFECT_API_URL")
    return str(value) if value else None


def versions() -> dict[str, str]:
    out = {}
    for name in ("pdpb", "prefect", "polars", "duckdb", "pandera", "rapidfuzz", "openpyxl"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "?"
    return out
