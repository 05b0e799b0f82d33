"""The state file's one connection: opened owner-only, in WAL mode, brought up to the
schema; transactions that report the real error; a checkpoint beside the work after
a large commit; closed when the store is freed.

:class:`StateConnection` is the base of every table family's class; ``StateStore``
(the package's facade) is all of them on one connection.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import tenacity

from ..errors import ConfigError, StateError
from .checkpoints import checkpoint_beside
from .schema import upgrade_schema
from .txn import atomic

FILE_NAME = "state.db"


def state_file(state_dir: Path) -> Path:
    """Where the state store of ``state_dir`` is (or would be), as an absolute path."""
    return (Path(state_dir) / FILE_NAME).absolute()


def require_state(state_dir: Path, what: str) -> None:
    """Refuse ``what`` (a command that only makes sense after an export) when no state
    store exists in ``state_dir`` — rather than create an empty one there, and then find
    no export in it: the usual cause is a command run from another folder than the
    export, without the ``--config`` that named the state folder."""
    path = state_file(state_dir)
    if not path.exists():
        raise ConfigError(
            f"{what}: no state store at {path} — nothing was exported with this state folder. "
            "Run it from the folder the export ran in, or pass the export's --config FILE "
            "(or --state-dir DIR)"
        )


class StateConnection:
    """The SQLite state file; one connection, used from one thread."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / FILE_NAME
        self._checkpointer: threading.Thread | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(self.path)
            self.db = sqlite3.connect(self.path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"{self.path}: cannot open the state store: {exc}") from None
        try:
            # first, so that every statement below waits for another opener's lock (switching
            # to WAL, converting an old file) instead of failing with "database is locked"
            self.db.execute("PRAGMA busy_timeout=10000")
            # 64 KB pages (a new file only; SQLite keeps an existing file's): the per-language
            # documents are ~1 MB each, 16 pages rather than 256, and a large account's 90 MB
            # commit (with its checkpoint) took 0.36 s against 0.62 s at the default 4 KB
            self.db.execute("PRAGMA page_size=65536")
            _wal(self.db)
            # WAL with synchronous=NORMAL: a commit is not fsynced, a checkpoint is. The store
            # stays whole after any crash; a power loss may take back the last commits, which
            # costs a re-run nothing (what was written is then a no-op). An apply commits once
            # per write call (its journal): FULL's fsync each time was ~0.5 s of a large import.
            self.db.execute("PRAGMA synchronous=NORMAL")
            # checkpoints run beside the work, not inside a commit (see _checkpoint)
            self.db.execute("PRAGMA wal_autocheckpoint=0")
            foreign = upgrade_schema(self.db, self.path)
        except sqlite3.Error as exc:
            self.db.close()
            code = getattr(exc, "sqlite_errorcode", None)
            if code is not None and code & 0xFF in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
                raise StateError(_unusable(self.path, str(exc))) from None
            raise StateError(f"{self.path}: cannot open the state store: {exc}") from None
        except OSError as exc:  # the copy kept before converting an old file (a full disk …)
            self.db.close()
            raise StateError(
                f"{self.path}: cannot keep a copy of it before converting it to this version's "
                f"layout ({exc.strerror}); nothing was changed"
            ) from None
        if foreign is not None:
            self.db.close()
            raise StateError(_unusable(self.path, foreign))
        self._close = weakref.finalize(self, _close_connection, self.db)

    def close(self) -> None:
        """Wait for this store's checkpoint, if one runs, and close the connection."""
        if self._checkpointer is not None:
            self._checkpointer.join()
        self._close()

    def _checkpoint(self) -> None:
        """After a commit: a checkpoint in a thread when the WAL has grown large
        (:func:`~automsg_sync.state.checkpoints.checkpoint_beside`), one at a time."""
        if self._checkpointer is not None and self._checkpointer.is_alive():
            return
        thread = checkpoint_beside(self.path)
        if thread is not None:
            self._checkpointer = thread

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any exception; a SQLite error
        becomes :class:`~automsg_sync.errors.StateError`."""
        try:
            with atomic(self.db) as db:
                yield db
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: {exc}") from None
        self._checkpoint()


def _close_connection(db: sqlite3.Connection) -> None:
    """A store's connection, closed when the store is freed (and at exit, for a store
    still open: ``weakref.finalize`` runs then). CPython's sqlite3 keeps each
    connection in a reference cycle with its statement cache, so without this only
    the cycle collector would close it: never, in a command that runs without it
    (``cli._tune_gc``) and ends by a hard exit, which left the WAL file behind."""
    with contextlib.suppress(sqlite3.ProgrammingError):  # freed in another thread: the collector's
        db.close()


def _create_private(path: Path) -> None:
    """Create ``path`` owner-only before SQLite sees it (its -wal and -shm take the file's
    mode); an existing file is not opened at all.

    Opening and closing a file by hand that SQLite has open in this process drops every
    POSIX lock the process holds on it (``close()`` releases all of a process's
    ``fcntl`` locks on the inode: SQLite's "How To Corrupt An SQLite Database File",
    section 2.2). Another process then took the last connection's exclusive lock,
    checkpointed and deleted the WAL under this process's live connections: cron's
    parallel accounts lost committed exports (issue #24). ``O_EXCL`` opens nothing
    when the file exists."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        if path.is_symlink():  # as O_NOFOLLOW refused it before: SQLite would follow it
            raise OSError(errno.ELOOP, "the state file is a symbolic link") from None
        return
    os.close(fd)


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
    )


def _wal(db: sqlite3.Connection) -> None:
    """Switch the file to WAL (a no-op once it is). The switch needs the file alone, and
    SQLite answers "database is locked" at once, not after the busy timeout, when
    another process opens it at the same moment (cron's accounts, a state file of
    the earlier layout being converted): so it is tried again for up to 10 s."""
    for attempt in tenacity.Retrying(
        retry=tenacity.retry_if_exception(_busy),
        stop=tenacity.stop_after_delay(10),
        wait=tenacity.wait_random(0.01, 0.05),
        reraise=True,
    ):
        with attempt:
            db.execute("PRAGMA journal_mode=WAL")


def _unusable(path: Path, why: str) -> str:
    return (
        f"{path} is not a usable state store ({why}): restore it from a backup or move it aside; "
        "a new one is then created"
    )
