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


def _umask() -> int:
    """The process umask, read without changing it where Linux allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def write_text_atomic(path: str, text: str) -> None:
    """``write_bytes_atomic`` of the UTF-8 text."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file holds either its old or its new content,
    never a part of either.

    - A symlink is followed: its final target is replaced and the link stays a link.
    - A new file gets the mode the umask allows (as ``open`` would); an existing one keeps
      its mode, and its owner and group where the process may set them.
    - A file with other hard links is rewritten in place, so every link sees the new text:
      the original is first copied beside it (``.NAME.mtqa-orig``, fsynced), then the new
      text is written and fsynced, then the copy is removed.  Killed in between, the copy
      holds the original.  Every other file is replaced by an atomic rename of a fsynced
      temporary file in the same directory."""
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    try:
        st = target.stat()
    except FileNotFoundError:
        st = None
    if st is not None and st.st_nlink > 1:
        _rewrite_in_place(target, data)
        return
    fd, tmp = tempfile.mkstemp(dir=str(target.parent or "."), prefix=f".{target.name}.", suffix=".mtqa")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if st is not None:
            os.chmod(tmp, st.st_mode & 0o7777)
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
            except OSError:  # not ours to give away: the new file stays the writer's
                pass
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _rewrite_in_place(target: Path, data: bytes) -> None:
    backup = target.with_name(f".{target.name}.mtqa-orig")
    with open(target, "rb") as src, open(backup, "wb") as fh:
        fh.write(src.read())
        fh.flush()
        os.fsync(fh.fileno())
    with open(target, "r+b") as fh:
        fh.write(data)
        fh.truncate()
        fh.flush()
        os.fsync(fh.fileno())
    backup.unlink()


def write_output(path: str | None, content: str | bytes) -> None:
    """-o PATH (atomic) or stdout when PATH is None or '-'.  Bytes (a .docx) go to a pipe or
    a file, never to a terminal."""
    if path is None or path == STDIN:
        if isinstance(content, bytes):
            if sys.stdout.isatty():
                raise InputError("a binary report (docx): give -o FILE (or redirect the output)")
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(content)
            sys.stdout.flush()
        return
    try:
        write_bytes_atomic(path, content if isinstance(content, bytes) else content.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
