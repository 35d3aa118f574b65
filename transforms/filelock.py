"""A non-blocking exclusive lock on an open file, released by the operating system when the
process dies: flock on Linux/macOS, msvcrt.locking on Windows (where KPU offices often run)."""

from __future__ import annotations

import os

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

# Windows locks a byte range and refuses other processes reading it: the holder's pid is kept
# in the first bytes and the lock is taken on a byte after them.
_PID_BYTES = 64


def lock_exclusive(fd: int) -> bool:
    """True when this process now holds the lock; False when another one does."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    os.lseek(fd, _PID_BYTES, os.SEEK_SET)
    try:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def read_holder(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, _PID_BYTES).decode(errors="replace").strip(" \x00\n") or "?"


def write_holder(fd: int) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, str(os.getpid()).encode().ljust(_PID_BYTES))
