"""Reading input text safely.  Inputs are decoded as strict UTF-8 without newline
translation, so a BOM and CRLF line ends stay in the text and survive `mtqa fix` byte for
byte.  Every problem becomes an InputError with one clear line (exit code 2)."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from mtqa.errors import InputError

STDIN = "-"


def _cp1251_hint(data: bytes) -> str:
    """A hint when undecodable bytes look like 8-bit Cyrillic (cp1251/koi8-r)."""
    high = sum(1 for b in data if b >= 0xC0)
    return " (looks like cp1251 Cyrillic: convert it to UTF-8, e.g. iconv -f cp1251 -t utf-8)" if high > len(data) * 0.05 else ""


def decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: binary file (NUL bytes), not UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: invalid UTF-8 at byte offset {exc.start} (byte 0x{data[exc.start]:02x})"
            + _cp1251_hint(data)
        ) from None


def read_bytes(path: str) -> bytes:
    if path == STDIN:
        return sys.stdin.buffer.read()
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(f"{path}: is a directory (pass files, or a directory to the batch mode)")
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_text(path: str) -> str:
    return decode(read_bytes(path), "<stdin>" if path == STDIN else path)


def write_text_atomic(path: str, text: str) -> None:
    """Write via a temporary file in the same directory and an atomic rename, keeping the
    original file's permission bits; the input is never left half-written."""
    target = Path(path)
    mode = target.stat().st_mode & 0o7777 if target.exists() else None
    fd, tmp = tempfile.mkstemp(dir=str(target.parent or "."), prefix=f".{target.name}.", suffix=".mtqa")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_output(path: str | None, text: str) -> None:
    """-o PATH (atomic) or stdout when PATH is None or '-'."""
    if path is None or path == STDIN:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
