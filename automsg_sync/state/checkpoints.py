"""The state file's WAL copied into the database beside the work, in threads.

A commit never checkpoints (``wal_autocheckpoint=0``, see :mod:`.connection`):
after one that left the WAL over :data:`CHECKPOINT_BYTES`, a thread with a
connection of its own does (:func:`checkpoint_beside`), and every such thread of
the process is waited for at exit (:func:`wait_for_checkpoints`, registered with
``atexit``).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sqlite3
import sys
import threading
import weakref
from collections.abc import Callable
from pathlib import Path

CHECKPOINT_BYTES = 4 << 20  # SQLite's own threshold: 1,000 pages of 4 KB

_checkpoints: weakref.WeakSet[threading.Thread] = weakref.WeakSet()  # running ones are referenced

log = logging.getLogger("automsg_sync.state")


def wait_for_checkpoints() -> None:
    """Wait for every checkpoint thread of this process: at any exit (``atexit``; a hard
    exit runs it too, see ``cli.run``). The last connection to a file to close folds
    the WAL into it and removes it; when a store was freed before its checkpoint
    ended, that is the checkpoint's own.

    A Ctrl-C meanwhile stops the wait and nothing else: a PASSIVE checkpoint cut short
    loses nothing (the WAL stays, and the next opening folds it in). The threads are
    daemons so that the interpreter's own join of other threads, which a Ctrl-C turned
    into ``Exception ignored … KeyboardInterrupt``, never waits for them."""
    try:
        for thread in list(_checkpoints):
            thread.join()
    except KeyboardInterrupt:
        sys.stderr.write(
            "interrupted while the state store was being checkpointed: it is finished next time\n"
        )


atexit.register(wait_for_checkpoints)


def _start_checkpoint(target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target, name="state-checkpoint", daemon=True)
    thread.start()
    _checkpoints.add(thread)
    return thread


def checkpoint_beside(path: Path) -> threading.Thread | None:
    """When the WAL of the state file at ``path`` is over :data:`CHECKPOINT_BYTES`: copy
    it into the database in a thread, with a connection of its own, and return the
    thread (None when there is nothing to copy yet).

    SQLite would otherwise do it inside the commit that crossed its threshold: a
    large account's apply and export commit ~90 and ~140 MB, and the copy and its
    fsync held the command up ~0.4 s each time, with nothing else to do. The
    process ends once it is done (wait_for_checkpoints) (a command's report
    is printed and its objects freed meanwhile). A PASSIVE checkpoint never
    blocks a writer, and what it does not copy the next one does."""
    try:
        if os.stat(f"{path}-wal").st_size < CHECKPOINT_BYTES:
            return None
    except OSError:
        return None

    def run() -> None:
        try:
            with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
                db.execute("PRAGMA busy_timeout=10000")
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:  # the next commit's checkpoint tries again
            log.warning("%s: checkpoint failed: %s", path, exc)

    return _start_checkpoint(run)
