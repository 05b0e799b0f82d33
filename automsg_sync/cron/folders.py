"""The folders of ``cron-run``: when an inbox file is settled, how a file is moved (to the
archive, to ``failed/`` with its errors file beside it) without ever being lost, and how a
file is opened without following a link or waiting on a FIFO.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any

from ..config import AccountSettings, Settings
from ..files import file_kind
from .report import printable, utc_stamp, write_json_private

LEFT_ALONE = "not a regular file"


def is_settled(path: Path, settle_seconds: float, now: float) -> bool | None:
    """Whether ``path`` has not changed for ``settle_seconds`` at ``now``; None: it is gone.

    Judged by the modification time (of the entry itself: a symlink is not
    followed), which every write moves (a growing file's size never changes
    without it); a time in the future (a skewed clock) is not settled either.
    ``settle_seconds = 0`` takes every file at once.
    """
    try:
        modified = os.lstat(path).st_mtime
    except FileNotFoundError:
        return None
    return settle_seconds <= 0 or modified <= now - settle_seconds


def kind_now(path: Path) -> str | None:
    """What ``path`` is now (:func:`files.file_kind` of its ``lstat``), or None when it is gone."""
    try:
        return file_kind(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None


def open_regular(path: Path) -> int:
    """A read descriptor on ``path`` if it is a regular file; never follows a link, never
    waits on a FIFO (``OSError`` otherwise)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, f"{LEFT_ALONE}: {printable(str(path))}")
    except BaseException:
        os.close(fd)
        raise
    return fd


def move(path: Path, folder: Path, run_id: str) -> Path:
    """Move a file into ``folder`` without ever losing it: a rename, or copy-then-rename-then-unlink.

    An existing file of the same name is kept; the newcomer gets the run id in its name.
    A rename moves a link itself, never its target; across file systems only a regular
    file is copied (opened without following a link), anything else is refused.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / _free_name(folder, path, run_id)
    try:
        os.rename(path, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _copy_regular(path, target)
        path.unlink()
    return target


def _copy_regular(path: Path, target: Path) -> None:
    """Copy a regular file (never through a link) to ``target`` by way of a temporary
    file beside it, which no failure leaves behind."""
    source = open_regular(path)
    with os.fdopen(source, "rb") as src:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as dst:
                shutil.copyfileobj(src, dst)
                dst.flush()
                os.fsync(dst.fileno())
            os.utime(tmp, ns=_times(os.fstat(src.fileno())))
            os.replace(tmp, target)
        except BaseException:
            _unlink_quietly(tmp)
            raise


def _times(info: os.stat_result) -> tuple[int, int]:
    return (info.st_atime_ns, info.st_mtime_ns)


def _unlink_quietly(path: str | Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def move_to_failed(
    settings: Settings, account: AccountSettings, path: Path, run_id: str, data: dict[str, Any]
) -> tuple[Path, Path]:
    """Move a refused file to ``failed/<account>/``; returns where it went and its errors file."""
    folder = settings.paths.failed / account.id
    details = {
        "file": printable(path.name),
        "account": account.id,
        "cron_run": run_id,
        "failed_at": utc_stamp(),
        **data,
    }
    # The reasons are written first: a run killed between the two steps leaves
    # the file in the inbox, to be tried (and explained) again.
    errors_file = folder / f"{_free_name(folder, path, run_id)}.errors.json"
    write_json_private(errors_file, details)
    return move(path, folder, run_id), errors_file


def _free_name(folder: Path, path: Path, run_id: str) -> str:
    """The name a file gets in ``folder``: its own, or with the run id if that is taken."""
    taken = os.path.lexists(folder / path.name)  # a link there counts, and is not followed
    return path.name if not taken else f"{path.stem}.{run_id}{path.suffix}"
