"""The per-account lock every writer takes (``<state-dir>/locks/<account>.lock``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import LockHeld


@contextmanager
def account_lock(state_dir: Path, account: str, wait: float = 0.0) -> Iterator[None]:
    """The per-account lock every writer takes: ``cron-run``, and ``import-translations
    --apply`` and ``restore --apply`` run by hand, so that two writers never interleave
    (``<state-dir>/locks/<account>.lock``). Held by another run: wait up to ``wait``
    seconds, then :class:`~automsg_sync.errors.LockHeld` (exit 4)."""
    folder = Path(state_dir) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{account}.lock"
    lock = FileLock(str(path), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise LockHeld(
            f"another run holds account {account}'s lock ({path}): try again later, or pass --wait SECONDS"
        ) from None
    try:
        yield
    finally:
        lock.release()
