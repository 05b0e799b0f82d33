"""The state file's tables (:data:`SCHEMA`), and bringing a file up to them.

A new file gets every table; a file missing some (made by an earlier version)
gets the missing ones; a file of the earlier row-per-unit layout
(:data:`UNIT_ROWS`) is converted to one document per language, in one
transaction, after a copy of it is kept; a file with a table of ours in other
columns is someone else's and is left as it was (:func:`upgrade_schema`).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .clock import new_id
from .txn import atomic

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

# The row-per-unit tables of the earlier layout, as :func:`_convert_unit_rows` finds them.
UNIT_ROWS = {
    "baseline_units": ["export_id", "unit_key", "language", "message_id", "source", "target", "state"],
    "pushed": ["account", "unit_key", "language", "text", "run_id", "pushed_at"],
    "origins": ["account", "unit_key", "language", "source", "target", "updated_at"],
}


def upgrade_schema(db: sqlite3.Connection, path: Path) -> str | None:
    """Bring the state file at ``path`` (open as ``db``) up to :data:`SCHEMA`: convert a
    file of the row-per-unit layout, then create the tables not there yet. A file with
    a table of ours in other columns is not ours: it is left as it was, and what
    differs is returned (None when the file is ours).

    Raises ``sqlite3.Error``, and ``OSError`` when the copy kept before a conversion
    cannot be made."""
    _convert_unit_rows(db, path)
    foreign = _schema_mismatch(db)  # before our CREATEs: a foreign file is left as it was
    if foreign is None:
        db.executescript(SCHEMA)
    return foreign


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
    copy = path.with_name(new_id(f"{path.name}.before-upgrade"))
    _keep_a_copy(db, copy)
    with atomic(db):  # a failed ROLLBACK must not hide what failed (state/txn.py)
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
