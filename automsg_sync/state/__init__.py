"""The state store: a SQLite file (``<state-dir>/state.db``).

Tables:

- ``exports``: one row per export (id, account, revision, source language, API,
  time);
- ``baselines``: per export and language, the source and target text of each
  unit at export time — the ``base`` of the three-way diff;
- ``baseline_groups``: per export of ``--dedupe``, each unit that a file entry
  of another key stands for (``entry_key``); an import fans that entry out to
  its units from here, never from what the file says;
- ``baseline_objects``: the whole objects behind an export's units, so that an
  import whose revision check answers 304 can write without fetching them;
- ``runs`` and ``journal``: every apply or restore, and per object the
  languages it writes and whether the write happened (``pending``, ``written``);
- ``domains``: the Domain API's answer per account, reused for a day by
  unattended runs (so an unchanged account costs one request);
- ``checked``: per account, the revision the last export saw, for the
  conditional GET that tells a cron run nothing changed;
- ``pushed``: per account and language, for each unit the text our last write
  put there (what ``verify`` expects the consumer to see);
- ``origins``: per account and language, for each unit the source text the live
  target was translated from; an export records it when it first sees a target
  (or a target changed since), an import records it when it writes one. A
  target whose source has moved on since is ``stale``.

Every export is written in one transaction: a crash leaves either the whole
baseline or none of it.

**Per-unit data is one JSON document per language** (``baselines``, ``pushed``,
``origins``: a row per export or account and language, its ``units`` column a
JSON object from unit key to an array of the unit's fields), because it is only
ever read and written a language at a time: an import reads one language's
baseline per file and records what it wrote language by language, an export
records a whole baseline. A row per unit made a large account's export and
import spend ~7 s on 900,000 B-tree inserts and upserts; one document per
language is ~120 rows, each read or rewritten whole (a cron run that changed
one unit rewrites its language's document, ~1 MB). The documents are TEXT, so
SQLite's JSON functions read them in place, e.g. the texts we pushed in French::

    SELECT key, value ->> 0 FROM pushed, json_each(units)
    WHERE account = '12345678' AND language = 'fr-fr';

A state file of the earlier layout (a row per unit, tables ``baseline_units``,
``pushed`` and ``origins`` keyed by unit) is converted when it is first
opened, in one transaction (:func:`_convert_unit_rows`).
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import json
import logging
import os
import secrets
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Literal

import tenacity

from . import jsonio
from .catalog import Origin
from .errors import LockHeld, StateError
from .model import Unit, language_key

SCHEMA = """
CREATE TABLE IF NOT EXISTS exports (
    export_id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    revision TEXT NOT NULL,
    source_language TEXT NOT NULL,
    api TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS baselines (
    export_id TEXT NOT NULL REFERENCES exports(export_id),
    language TEXT NOT NULL,
    units TEXT NOT NULL,  -- {unit key: [message id, source, target, state]}
    PRIMARY KEY (export_id, language)
);
CREATE TABLE IF NOT EXISTS baseline_groups (
    export_id TEXT NOT NULL REFERENCES exports(export_id),
    language TEXT NOT NULL,
    unit_key TEXT NOT NULL,
    entry_key TEXT NOT NULL,
    PRIMARY KEY (export_id, language, unit_key)
);
CREATE TABLE IF NOT EXISTS baseline_objects (
    export_id TEXT NOT NULL REFERENCES exports(export_id),
    context TEXT NOT NULL,
    message_id TEXT NOT NULL,
    raw TEXT NOT NULL,
    PRIMARY KEY (export_id, context, message_id)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    backup TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS journal (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    context TEXT NOT NULL,
    message_id TEXT NOT NULL,
    languages TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (run_id, context, message_id)
);
CREATE TABLE IF NOT EXISTS domains (
    account TEXT NOT NULL,
    csds_url TEXT NOT NULL,
    services TEXT NOT NULL,
    fetched_at REAL NOT NULL,
    PRIMARY KEY (account, csds_url)
);
CREATE TABLE IF NOT EXISTS checked (
    account TEXT PRIMARY KEY,
    revision TEXT NOT NULL,
    checked_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pushed (
    account TEXT NOT NULL,
    language TEXT NOT NULL,
    units TEXT NOT NULL,  -- {unit key: [text, run id, pushed at, export id of its file]}
    PRIMARY KEY (account, language)
);
CREATE TABLE IF NOT EXISTS origins (
    account TEXT NOT NULL,
    language TEXT NOT NULL,
    units TEXT NOT NULL,  -- {unit key: [source, target, updated at]}
    PRIMARY KEY (account, language)
);
CREATE TABLE IF NOT EXISTS git_imported (
    account TEXT PRIMARY KEY,
    git_commit TEXT NOT NULL,  -- the last commit whose translator files were imported
    imported_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS git_files (
    path TEXT PRIMARY KEY,  -- a file in the repository, relative to its root
    account TEXT NOT NULL,
    export_id TEXT NOT NULL,  -- the export the tool last committed there: the file's baseline
    git_commit TEXT NOT NULL,
    committed_at TEXT NOT NULL
);
"""

# An export's baseline, written beside the work into the connection's TEMP schema
# (no lock on the state file), then copied in by one short transaction (record_export).
_STAGING = """
DROP TABLE IF EXISTS temp.staged_baselines;
DROP TABLE IF EXISTS temp.staged_objects;
DROP TABLE IF EXISTS temp.staged_groups;
CREATE TEMP TABLE staged_baselines (language TEXT PRIMARY KEY, units TEXT NOT NULL);
CREATE TEMP TABLE staged_objects (context TEXT NOT NULL, message_id TEXT NOT NULL, raw TEXT NOT NULL);
CREATE TEMP TABLE staged_groups (language TEXT NOT NULL, unit_key TEXT NOT NULL, entry_key TEXT NOT NULL);
"""
_UNSTAGE = """
DROP TABLE IF EXISTS temp.staged_baselines;
DROP TABLE IF EXISTS temp.staged_objects;
DROP TABLE IF EXISTS temp.staged_groups;
"""

CHECKPOINT_BYTES = 4 << 20  # SQLite's own threshold: 1,000 pages of 4 KB

_checkpoints: weakref.WeakSet[threading.Thread] = weakref.WeakSet()  # running ones are referenced


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


def _close_connection(db: sqlite3.Connection) -> None:
    """A store's connection, closed when the store is freed (and at exit, for a store
    still open: ``weakref.finalize`` runs then). CPython's sqlite3 keeps each
    connection in a reference cycle with its statement cache, so without this only
    the cycle collector would close it: never, in a command that runs without it
    (``cli._tune_gc``) and ends by a hard exit, which left the WAL file behind."""
    with contextlib.suppress(sqlite3.ProgrammingError):  # freed in another thread: the collector's
        db.close()


log = logging.getLogger("automsg_sync.state")

# The row-per-unit tables of the earlier layout, as :func:`_convert_unit_rows` finds them.
UNIT_ROWS = {
    "baseline_units": ["export_id", "unit_key", "language", "message_id", "source", "target", "state"],
    "pushed": ["account", "unit_key", "language", "text", "run_id", "pushed_at"],
    "origins": ["account", "unit_key", "language", "source", "target", "updated_at"],
}


@dataclass(slots=True)
class BaselineUnit:
    """One unit as its export recorded it. Not frozen, as ``model.Unit`` is not: an import
    makes one per unit of each file's language (26 → 22 ms a file of 5,050)."""

    message_id: str
    source: str
    target: str
    state: str


@dataclass(frozen=True)
class Baseline:
    """What an export recorded: the ``base`` side of the three-way diff."""

    export_id: str
    account: str
    revision: str
    source_language: str
    api: str
    created_at: str
    units: Mapping[tuple[str, str], BaselineUnit]  # (unit key, language key)
    # (entry key, language key) → the other unit keys a --dedupe entry stands for
    groups: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)


Doc = dict[str, list[str]]  # a language's document: unit key → the unit's fields
DocTable = Literal["pushed", "origins"]  # the per-account documents (the table name goes into SQL)


def _load(db: sqlite3.Connection, table: DocTable, account: str, language: str) -> Doc:
    """One account's document of ``pushed`` or ``origins`` for a language key ({} if none)."""
    row = db.execute(
        f"SELECT units FROM {table} WHERE account = ? AND language = ?",
        (account, language),
    ).fetchone()
    return jsonio.loads(row[0]) if row else {}


def _save(db: sqlite3.Connection, table: DocTable, account: str, language: str, units: Doc) -> None:
    db.execute(
        f"INSERT INTO {table} VALUES (?, ?, ?) "
        "ON CONFLICT (account, language) DO UPDATE SET units = excluded.units",
        (account, language, jsonio.dumps_text(units)),
    )


def _record_origins(
    db: sqlite3.Connection,
    account: str,
    by_language: dict[str, list[tuple[str, str, str]]],
    stamp: str,
    *,
    unless_same_target: bool = False,
) -> None:
    """(unit key, source, target) per language key as translated pairs; with
    ``unless_same_target``, a unit whose recorded target is that target keeps its source."""
    for language, rows in by_language.items():
        units = _load(db, "origins", account, language)
        before = len(units)
        changed = False
        for key, source, target in rows:
            if unless_same_target:
                old = units.get(key)
                if old is not None and old[1] == target:
                    continue
            units[key] = [source, target, stamp]
            changed = True
        if changed or len(units) != before:
            _save(db, "origins", account, language, units)


def _convert_unit_rows(db: sqlite3.Connection, path: Path) -> None:
    """A state file of the row-per-unit layout (:data:`UNIT_ROWS`) → one document per
    language, in one transaction, by SQLite's own ``json_group_object``; the old
    tables are dropped with it. Nothing to do in a file of the current layout.

    A copy of the file as it was is kept beside it first
    (``state.db.before-upgrade-<time>``, owner-only): an earlier version of the
    tool cannot read the new layout, and runs on that copy should anyone go back."""
    if not any(_columns(db).get(t) == cols for t, cols in UNIT_ROWS.items()):
        return
    # the copy is read outside the lock (SQLite's backup waits forever on a connection in
    # a write transaction): if another process converted the file first, it is dropped
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    copy = path.with_name(f"{path.name}.before-upgrade-{stamp}")
    _keep_a_copy(db, copy)
    db.execute("BEGIN IMMEDIATE")
    try:
        found = _columns(db)  # again, under the lock: another process may have converted it meanwhile
        old = [t for t, cols in UNIT_ROWS.items() if found.get(t) == cols]
        if not old:
            copy.unlink()
        for table in old:
            db.execute(f"ALTER TABLE {table} RENAME TO unit_rows_{table}")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        convert = {
            "baseline_units": "INSERT INTO baselines SELECT export_id, language, "
            "json_group_object(unit_key, json_array(message_id, source, target, state)) "
            "FROM unit_rows_baseline_units GROUP BY export_id, language",
            "pushed": "INSERT INTO pushed SELECT account, language, "
            "json_group_object(unit_key, json_array(text, run_id, pushed_at)) "
            "FROM unit_rows_pushed GROUP BY account, language",
            "origins": "INSERT INTO origins SELECT account, language, "
            "json_group_object(unit_key, json_array(source, target, updated_at)) "
            "FROM unit_rows_origins GROUP BY account, language",
        }
        for table in old:
            db.execute(convert[table])
            db.execute(f"DROP TABLE unit_rows_{table}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _columns(db: sqlite3.Connection) -> dict[str, list[str]]:
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: [r[0] for r in db.execute("SELECT name FROM pragma_table_info(?)", (t,))] for t in tables}


def _schema_mismatch(db: sqlite3.Connection) -> str | None:
    """What in ``db`` is not our schema (a table of ours with other columns), or None.

    Tables not there yet are created by the schema; other tables are left alone."""
    with sqlite3.connect(":memory:") as ours:
        ours.executescript(SCHEMA)
        expected = _columns(ours)
    ours.close()
    found = _columns(db)
    for table, columns in expected.items():
        if table in found and found[table] != columns:
            return f"table {table} has columns {', '.join(found[table])}, not {', '.join(columns)}"
    return None


def _keep_a_copy(db: sqlite3.Connection, copy: Path) -> None:
    """The whole database as ``db`` sees it, into a new owner-only file (SQLite's backup)."""
    os.close(os.open(copy, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    target = sqlite3.connect(copy)
    try:
        db.backup(target)
    finally:
        target.close()


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


class StateStore:
    """The SQLite state file; one connection, used from one thread."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / "state.db"
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
            _convert_unit_rows(self.db, self.path)
            foreign = _schema_mismatch(self.db)  # before our CREATEs: a foreign file is left as it was
            if foreign is None:
                self.db.executescript(SCHEMA)
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
        if self._checkpointer is not None:
            self._checkpointer.join()
        self._close()

    def _checkpoint(self) -> None:
        """After a commit that left the WAL over :data:`CHECKPOINT_BYTES`: copy it into the
        database in a thread, with a connection of its own, while this one goes on.

        SQLite would otherwise do it inside the commit that crossed its threshold: a
        large account's apply and export commit ~90 and ~140 MB, and the copy and its
        fsync held the command up ~0.4 s each time, with nothing else to do. The
        process ends once it is done (wait_for_checkpoints) (a command's report
        is printed and its objects freed meanwhile). A PASSIVE checkpoint never
        blocks a writer, and what it does not copy the next one does."""
        if self._checkpointer is not None and self._checkpointer.is_alive():
            return
        try:
            if os.stat(f"{self.path}-wal").st_size < CHECKPOINT_BYTES:
                return
        except OSError:
            return

        def run() -> None:
            try:
                with contextlib.closing(sqlite3.connect(self.path, isolation_level=None)) as db:
                    db.execute("PRAGMA busy_timeout=10000")
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as exc:  # the next commit's checkpoint tries again
                log.warning("%s: checkpoint failed: %s", self.path, exc)

        self._checkpointer = _start_checkpoint(run)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                # SQLite may have rolled back already (a full disk, an I/O error, an
                # interrupt): a second ROLLBACK's "no transaction is active" must not
                # hide the real error
                if self.db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: {exc}") from None
        self._checkpoint()

    # ------------------------------------------------------------ exports

    def record_export(
        self,
        *,
        export_id: str,
        account: str,
        revision: str,
        source_language: str,
        api: str,
        exported: Iterable[Unit],
        new_targets: Iterable[Unit],
        objects: Iterable[tuple[str, str, str]] = (),
        groups: Iterable[tuple[str, str, str]] = (),
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        """Save the baseline of ``exported`` units and the origins of ``new_targets`` (live
        targets not seen before, or changed since); ``before_commit`` runs before the
        commit (if it raises, nothing is saved).

        The state store's write lock is held only for the commit itself: the baseline is
        first written into this connection's TEMP tables, which take no lock on the
        state file, while ``before_commit`` waits for the export's files (a large
        account's took ~15 s: another account's apply, or cron's next account, failed
        with "database is locked" after the 10 s busy timeout; issue #24). Then one
        short transaction copies it in with SQLite's own ``INSERT … SELECT``."""
        stamp = now_utc()
        db = self.db
        try:
            db.executescript(_STAGING)
            db.execute("BEGIN")  # the TEMP schema only: no lock on the state file
            try:
                # an export's units come language by language: each language's document is
                # written as soon as it is made (a language met again is merged into its own)
                for language, units in groupby(exported, attrgetter("language")):
                    key = language_key(language)
                    doc = {u.key.name: [u.message_id, u.source, u.target, u.state] for u in units}
                    found = db.execute(
                        "SELECT units FROM temp.staged_baselines WHERE language = ?", (key,)
                    ).fetchone()
                    if found is not None:
                        doc = jsonio.loads(found[0]) | doc
                    db.execute(
                        "INSERT INTO temp.staged_baselines VALUES (?, ?) ON CONFLICT (language) "
                        "DO UPDATE SET units = excluded.units",
                        (key, jsonio.dumps_text(doc)),
                    )
                    del doc
                db.executemany("INSERT INTO temp.staged_objects VALUES (?, ?, ?)", objects)
                db.executemany(
                    "INSERT INTO temp.staged_groups VALUES (?, ?, ?)",
                    ((language_key(lang), member, entry) for lang, member, entry in groups),
                )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: {exc}") from None
        try:
            # A target seen for the first time, or changed since last seen, was
            # (presumably) made against the current source; a stale one keeps
            # the source it was made against.
            rows: dict[str, list[tuple[str, str, str]]] = {}
            for language, units in groupby(new_targets, attrgetter("language")):
                rows.setdefault(language_key(language), []).extend(
                    [(u.key.name, u.source, u.target) for u in units]
                )
            if before_commit is not None:
                before_commit()
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO exports VALUES (?, ?, ?, ?, ?, ?)",
                    (export_id, account, revision, source_language, api, stamp),
                )
                db.execute(
                    "INSERT INTO baselines SELECT ?, language, units FROM temp.staged_baselines", (export_id,)
                )
                db.execute("INSERT INTO baseline_objects SELECT ?, * FROM temp.staged_objects", (export_id,))
                db.execute("INSERT INTO baseline_groups SELECT ?, * FROM temp.staged_groups", (export_id,))
                _record_origins(db, account, rows, stamp, unless_same_target=True)
        finally:
            with contextlib.suppress(sqlite3.Error):
                db.executescript(_UNSTAGE)

    def record_written(
        self,
        account: str,
        run_id: str,
        by_language: Mapping[str, Iterable[tuple[str, str, str, str]]],
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        """After a write: per language, each (unit key, source, target, export id of the
        file it came from) is both the unit's origin (a translated pair) and what
        ``run_id`` pushed; one transaction for all.
        The units are taken a language at a time (one document of each table in hand).
        ``before_commit`` runs last in the transaction (if it raises, nothing is saved)."""
        stamp = now_utc()
        with self.transaction() as db:
            for language, items in by_language.items():
                lang = language_key(language)
                origins = _load(db, "origins", account, lang)
                pushed = _load(db, "pushed", account, lang)
                for key, source, target, export_id in items:
                    origins[key] = [source, target, stamp]
                    pushed[key] = [target, run_id, stamp, export_id]
                _save(db, "origins", account, lang, origins)
                _save(db, "pushed", account, lang, pushed)
                del origins, pushed
            if before_commit is not None:
                before_commit()

    def unrecord(self, account: str, run_id: str, units: Iterable[tuple[str, str]]) -> None:
        """Take back what ``run_id`` recorded of these (unit key, language) pairs: their
        pushed text (if still that run's) and the origin made from it (a read-back that
        did not show them)."""
        by_language: dict[str, list[str]] = {}
        for key, language in units:
            by_language.setdefault(language_key(language), []).append(key)
        with self.transaction() as db:
            for lang, keys in by_language.items():
                pushed = _load(db, "pushed", account, lang)
                origins = _load(db, "origins", account, lang)
                for key in keys:
                    mine = pushed.get(key)
                    if mine is not None and mine[1] == run_id:
                        del pushed[key]
                        if key in origins and origins[key][1] == mine[0]:
                            del origins[key]
                _save(db, "pushed", account, lang, pushed)
                _save(db, "origins", account, lang, origins)

    def origins(self, account: str) -> dict[tuple[str, str], Origin]:
        rows = self.db.execute("SELECT language, units FROM origins WHERE account = ?", (account,))
        intern = sys.intern  # keys and sources recur in every language (150,000 origins: 75 → 41 MB)
        return {
            (intern(key), language): Origin(intern(source), target)
            for language, doc in rows
            for key, (source, target, _) in jsonio.loads(doc).items()
        }

    def baseline(self, export_id: str, language: str | None = None) -> Baseline | None:
        """An export's baseline: every unit, or only ``language``'s."""
        row = self.db.execute(
            "SELECT export_id, account, revision, source_language, api, created_at "
            "FROM exports WHERE export_id = ?",
            (export_id,),
        ).fetchone()
        if row is None:
            return None
        query = "SELECT language, units FROM baselines WHERE export_id = ?"
        args: tuple[str, ...] = (export_id,)
        if language is not None:
            query, args = query + " AND language = ?", (export_id, language_key(language))
        intern = sys.intern  # keys and sources recur in every language
        units = {}
        for lang, doc in self.db.execute(query, args):
            lang = intern(lang)
            for k, (mid, s, t, st) in jsonio.loads(doc).items():
                units[(intern(k), lang)] = BaselineUnit(intern(mid), intern(s), t, intern(st))
        groups: dict[tuple[str, str], list[str]] = {}
        query = "SELECT entry_key, language, unit_key FROM baseline_groups WHERE export_id = ?"
        if language is not None:
            query += " AND language = ?"
        for entry, lang, member in self.db.execute(query, args):
            groups.setdefault((entry, lang), []).append(member)
        export_id, account, revision, source_language, api, created_at = row
        return Baseline(
            export_id,
            account,
            revision,
            source_language,
            api,
            created_at,
            units,
            {k: tuple(v) for k, v in groups.items()},
        )

    def last_exported_units(self, account: str) -> dict[str, dict[str, tuple[str, str, str]]]:
        """Per language key, the units of the latest export that held that language:
        unit key → (source, target, state). What each outbox file was last written from."""
        exports = self.db.execute(
            "SELECT e.export_id, b.language, e.created_at, e.rowid FROM exports e "
            "JOIN baselines b ON b.export_id = e.export_id WHERE e.account = ? "
            "ORDER BY e.created_at DESC, e.rowid DESC",
            (account,),
        ).fetchall()
        latest: dict[str, str] = {}
        for export_id, language, _, _ in exports:
            latest.setdefault(language, export_id)
        out: dict[str, dict[str, tuple[str, str, str]]] = {}
        for language, export_id in latest.items():
            [doc] = self.db.execute(
                "SELECT units FROM baselines WHERE export_id = ? AND language = ?", (export_id, language)
            ).fetchone()
            out[language] = {k: (s, t, st) for k, (_, s, t, st) in jsonio.loads(doc).items()}
        return out

    def baseline_objects(self, export_id: str) -> dict[tuple[str, str], str]:
        """(context key, message id) → the object's JSON at export time."""
        rows = self.db.execute(
            "SELECT context, message_id, raw FROM baseline_objects WHERE export_id = ?", (export_id,)
        )
        return {(c, m): raw for c, m, raw in rows}

    # ------------------------------------------------------------ runs and journal

    def start_run(
        self, run_id: str, account: str, kind: str, backup: str, objects: Iterable[tuple[str, str, str]]
    ) -> None:
        """A run about to write: ``objects`` are (context, message id, languages JSON), pending."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, 'applying', ?, ?, NULL)",
                (run_id, account, kind, backup, now_utc()),
            )
            db.executemany(
                "INSERT INTO journal VALUES (?, ?, ?, ?, 'pending')", ((run_id, *o) for o in objects)
            )

    def mark_written(self, run_id: str, context: str, message_ids: Iterable[str]) -> None:
        with self.transaction() as db:
            db.executemany(
                "UPDATE journal SET status = 'written' WHERE run_id = ? AND context = ? AND message_id = ?",
                ((run_id, context, m) for m in message_ids),
            )

    def finish_run(self, run_id: str, status: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?", (status, now_utc(), run_id)
            )

    def journal(self, run_id: str) -> list[tuple[str, str, str]]:
        """(context, message id, status) of a run's objects."""
        rows = self.db.execute(
            "SELECT context, message_id, status FROM journal WHERE run_id = ? ORDER BY context, message_id",
            (run_id,),
        )
        return [tuple(r) for r in rows]

    def journal_languages(self, run_id: str, account: str) -> dict[tuple[str, str], set[str]]:
        """(context, message id) → the language keys a run of ``account`` set out to write
        ({} for a run not recorded here): what a restore of its backup may put back."""
        rows = self.db.execute(
            "SELECT j.context, j.message_id, j.languages FROM journal j JOIN runs r ON r.run_id = j.run_id "
            "WHERE j.run_id = ? AND r.account = ?",
            (run_id, account),
        )
        return {(c, m): {language_key(str(lang)) for lang in json.loads(langs)} for c, m, langs in rows}

    def runs_with_status(self, account: str, status: str) -> list[str]:
        rows = self.db.execute(
            "SELECT run_id FROM runs WHERE account = ? AND status = ? ORDER BY started_at", (account, status)
        )
        return [r[0] for r in rows]

    def pushed_by_run(self, account: str, run_id: str) -> dict[tuple[str, str], str]:
        """(unit key, language key) → text, of the texts ``run_id`` pushed that are still
        the units' last push."""
        rows = self.db.execute(
            "SELECT p.language, j.key, j.value ->> 0 FROM pushed p, json_each(p.units) j "
            "WHERE p.account = ? AND j.value ->> 1 = ?",
            (account, run_id),
        )
        return {(key, language): text for language, key, text in rows}

    # ------------------------------------------------------------ git (issue #27)

    def last_imported_commit(self, account: str) -> str | None:
        row = self.db.execute("SELECT git_commit FROM git_imported WHERE account = ?", (account,)).fetchone()
        return str(row[0]) if row else None

    def set_last_imported_commit(self, account: str, commit: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO git_imported VALUES (?, ?, ?) ON CONFLICT (account) DO UPDATE "
                "SET git_commit = excluded.git_commit, imported_at = excluded.imported_at",
                (account, commit, now_utc()),
            )

    def last_pushed_commit(self, account: str) -> str | None:
        """The commit of the tool's last push that held a file of ``account``."""
        row = self.db.execute(
            "SELECT git_commit FROM git_files WHERE account = ? "
            "ORDER BY committed_at DESC, rowid DESC LIMIT 1",
            (account,),
        ).fetchone()
        return str(row[0]) if row else None

    def export_for_path(self, path: str) -> str | None:
        """The export the tool last committed at ``path`` in the repository (its baseline)."""
        row = self.db.execute("SELECT export_id FROM git_files WHERE path = ?", (path,)).fetchone()
        return str(row[0]) if row else None

    def set_exports_for_paths(self, account: str, paths: Mapping[str, str], commit: str) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO git_files VALUES (?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
                "account = excluded.account, export_id = excluded.export_id, "
                "git_commit = excluded.git_commit, committed_at = excluded.committed_at",
                [(path, account, export_id, commit, now_utc()) for path, export_id in paths.items()],
            )

    # ------------------------------------------------------------ cron helpers

    def last_api(self, account: str) -> str | None:
        """The Automatic Messages API the account's latest export read through."""
        row = self.db.execute(
            "SELECT api FROM exports WHERE account = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (account,),
        ).fetchone()
        return str(row[0]) if row else None

    def checked_revision(self, account: str) -> str | None:
        row = self.db.execute("SELECT revision FROM checked WHERE account = ?", (account,)).fetchone()
        return row[0] if row else None

    def set_checked_revision(self, account: str, revision: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO checked VALUES (?, ?, ?) ON CONFLICT (account) DO UPDATE "
                "SET revision = excluded.revision, checked_at = excluded.checked_at",
                (account, revision, now_utc()),
            )

    # ------------------------------------------------------------ pushed texts

    def pushed(self, account: str, unit_key: str, language: str) -> tuple[str, str, str] | None:
        """(text, run id, time) of our last write of a unit, if any."""
        found = _load(self.db, "pushed", account, language_key(language)).get(unit_key)
        return (found[0], found[1], found[2]) if found else None

    def pushed_texts(self, account: str, language: str, export_id: str | None = None) -> dict[str, str]:
        """Unit key → the text our last write put there, for one language; with
        ``export_id``, only the texts that came from a file of that export (or from a
        write recorded before writes kept their export: as it was then).

        What a file may take as its own past: a second delivery of one export builds
        on what its first delivery wrote, but a file of an older export did not see
        what a newer one wrote (re-importing it would otherwise undo the newer text)."""
        units = _load(self.db, "pushed", account, language_key(language))
        return {k: v[0] for k, v in units.items() if export_id is None or len(v) < 4 or v[3] == export_id}


class DomainCache:
    """The Domain API's answers kept in the state store for ``ttl`` seconds."""

    def __init__(self, state: StateStore, ttl: float = 24 * 3600) -> None:
        self.state = state
        self.ttl = ttl

    def load(self, account: str, csds_url: str) -> dict[str, str] | None:
        row = self.state.db.execute(
            "SELECT services, fetched_at FROM domains WHERE account = ? AND csds_url = ?",
            (account, csds_url),
        ).fetchone()
        if row is None or time.time() - float(row[1]) > self.ttl:
            return None
        services: dict[str, str] = json.loads(row[0])
        return services

    def save(self, account: str, csds_url: str, services: dict[str, str]) -> None:
        with self.state.transaction() as db:
            db.execute(
                "INSERT INTO domains VALUES (?, ?, ?, ?) ON CONFLICT (account, csds_url) DO UPDATE "
                "SET services = excluded.services, fetched_at = excluded.fetched_at",
                (account, csds_url, json.dumps(services), time.time()),
            )


@contextmanager
def account_lock(state_dir: Path, account: str, wait: float = 0.0) -> Iterator[None]:
    """The per-account lock every writer takes: ``cron-run``, and ``import-translations
    --apply`` and ``restore --apply`` run by hand, so that two writers never interleave
    (``<state-dir>/locks/<account>.lock``). Held by another run: wait up to ``wait``
    seconds, then :class:`~automsg_sync.errors.LockHeld` (exit 4)."""
    from filelock import FileLock, Timeout

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
