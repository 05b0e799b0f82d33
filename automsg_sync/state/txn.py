"""One transaction on a SQLite connection, the one way the state store makes one."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator


@contextlib.contextmanager
def atomic(db: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE") -> Iterator[sqlite3.Connection]:
    """``begin`` … ``COMMIT``, rolled back on any exception. SQLite may have rolled back
    already (a full disk, an I/O error, an interrupt): a second ROLLBACK's "no
    transaction is active" must not hide the real error, so it is tried only while a
    transaction is open, and its own failure is passed over."""
    db.execute(begin)
    try:
        yield db
    except BaseException:
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
