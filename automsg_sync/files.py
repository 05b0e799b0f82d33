"""Files: the ones this tool writes whole (reports, pages, backups), one way for all of
them; and the listing of a folder of returned files (cron's inbox, an import of a folder).

A file is written to a temporary name beside it and renamed into place, so a
reader sees the old file or the new one, never half of one. The temporary name
is made by ``tempfile.mkstemp`` (``O_EXCL``: a symlink planted there is never
written through) and removed when the write fails (a full disk leaves nothing
behind). What the user names is refused, with a message, when it is not a
regular file already: renaming over a symbolic link replaces the link (as root
with ``--report /dev/stdout`` in a private ``/dev``, it replaced ``/dev/stdout``),
and over a device or FIFO it replaces the device (issue #24).
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import jsonio
from .errors import AutomsgError


class OutputError(AutomsgError):
    """A file the user named cannot be written: not a regular file (a usage error, exit 2)."""

    exit_code = 2


def check_target(path: Path) -> None:
    """Refuse, with a message, a path that is a symbolic link or exists as other than a
    regular file (:class:`OutputError`)."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror})") from None
    if stat.S_ISLNK(found.st_mode):
        raise OutputError(
            f"{path}: is a symbolic link; name the file itself (writing would replace the link, "
            "not write through it)"
        )
    if not stat.S_ISREG(found.st_mode):
        raise OutputError(f"{path}: is not a regular file (a device, folder or pipe); name a file")


def write_atomic(path: Path, data: bytes, *, private: bool = True, sync: bool = False) -> Path:
    """``data`` into ``path`` whole or not at all. ``private``: readable by its owner only
    (0600); otherwise as the umask says. ``sync``: fsync'd before the rename (backups)."""
    check_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        if not private:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_private_json(path: Path, document: dict[str, Any]) -> None:
    """A JSON file readable by its owner only, written atomically and fsync'd (backups,
    reports, error files); compact (orjson: the 30 MB backup of a large account in a
    tenth of a second; ``jq .`` pretty-prints it)."""
    write_atomic(path, jsonio.dumps(document), private=True, sync=True)


# ------------------------------------------------------------ folders of returned files

IN_PROGRESS = (".part", ".tmp", ".crdownload", ".partial")


def inbox_files(inbox: Path) -> list[Path]:
    """Regular files to import, oldest first; uploads in progress and hidden files are not touched.

    Judged by ``lstat``: a symlink (even to a regular file), FIFO, socket, device or
    folder is not listed (see :func:`inbox_entries`)."""
    return [e.path for e in inbox_entries(inbox) if e.kind == "file"]


@dataclass(frozen=True)
class InboxEntry:
    path: Path
    kind: str  # file, symlink, fifo, socket, device, folder, other
    modified: float


def inbox_entries(inbox: Path) -> list[InboxEntry]:
    """Everything in ``inbox`` except hidden names and uploads in progress, oldest first,
    each with what ``lstat`` says it is; nothing is opened or followed."""
    try:
        listing = list(os.scandir(inbox))
    except (FileNotFoundError, NotADirectoryError):
        return []
    entries: list[InboxEntry] = []
    for entry in listing:
        if entry.name.startswith(".") or entry.name.lower().endswith(IN_PROGRESS):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue  # gone since the listing
        entries.append(InboxEntry(Path(entry.path), file_kind(info.st_mode), info.st_mtime))
    return sorted(entries, key=lambda e: (e.modified, e.path.name))


def file_kind(mode: int) -> str:
    """What an ``lstat`` mode is, in a word (``file`` for a regular file)."""
    for test, kind in (
        (stat.S_ISREG, "file"),
        (stat.S_ISLNK, "symlink"),
        (stat.S_ISFIFO, "fifo"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "device"),
        (stat.S_ISBLK, "device"),
        (stat.S_ISDIR, "folder"),
    ):
        if test(mode):
            return kind
    return "other"
