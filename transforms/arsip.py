"""Password-protected zip archives (AES-256) for the working outputs that carry full NIK/NKK.

One archive per file (`desa/3323012001_Kemloko.xlsx.zip`), so each desa or agency can be handed
its own. Which files are covered is data (schemas/privasi.toml). The archives are WinZip AES
(pyzipper), which 7-Zip, WinRAR and `7z` on Linux open; the old ZipCrypto scheme, the only one
Windows Explorer opens, is broken and never written.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pyzipper

from transforms import keys
from transforms.errors import InputError

PASSWORD_ENV = "PDPB_SANDI_ARSIP"
RULES = Path(__file__).resolve().parent.parent / "schemas" / "privasi.toml"
SUFFIX = ".zip"


def covered_patterns() -> list[str]:
    return list(tomllib.loads(RULES.read_text(encoding="utf-8"))["arsip"]["berkas"])


def archive_password(setting: bool | None) -> str | None:
    """The archives' password, or None to write plain files.

    `setting` is `arsip_zip` of pdpb.toml: None (not set) means on exactly when the database is
    encrypted. The password is PDPB_SANDI_ARSIP, else the database key.
    """
    key = keys.database_key()
    if not (setting if setting is not None else key is not None):
        return None
    own = os.environ.get(PASSWORD_ENV)
    if own:
        keys.check_new_key(own, PASSWORD_ENV)
        return own
    if key is None:
        raise InputError(f"arsip_zip = true tetapi belum ada sandi; setel {PASSWORD_ENV} (atau {keys.KEY_ENV})")
    return key


def zip_file(path: Path, password: str) -> Path:
    """`path` -> `path.zip` holding that one file, AES-256; the plain file is removed.

    Written under a temporary name and renamed, so no half archive is ever left in its place.
    """
    target = path.with_name(path.name + SUFFIX)
    partial = path.with_name(f".{path.name}{SUFFIX}.sebagian")
    with pyzipper.AESZipFile(partial, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as zf:
        zf.setpassword(password.encode("utf-8"))
        zf.setencryption(pyzipper.WZ_AES, nbits=256)
        zf.write(path, arcname=path.name)
    os.replace(partial, target)
    path.unlink()
    return target


def protect_folder(folder: Path, password: str) -> list[Path]:
    """Every covered working file under `folder` becomes its archive; returns the archives."""
    done = []
    for pattern in covered_patterns():
        for path in sorted(folder.glob(pattern)):
            if path.is_file() and path.suffix != SUFFIX:
                done.append(zip_file(path, password))
    return done


def read_member(archive: Path, password: str) -> bytes:
    """The file inside one archive (for the checks and for an operator's script)."""
    with pyzipper.AESZipFile(archive) as zf:
        zf.setpassword(password.encode("utf-8"))
        (name,) = zf.namelist()
        return zf.read(name)
