"""The state store's per-language documents, and the conversion of a state file
of the earlier row-per-unit layout (automsg_sync/state/schema.py; the layout is in
automsg_sync/state/__init__.py's docstring)."""

from __future__ import annotations

import errno
import sqlite3
import threading
from pathlib import Path

import polib
import pytest
from conftest import ACCOUNT, Emu
from test_imports import FR, edit_po, export, pseudo, run_import

from automsg_sync.catalog import Origin
from automsg_sync.config import Settings
from automsg_sync.errors import StateError
from automsg_sync.lp import Connection
from automsg_sync.state import UNIT_ROWS, StateStore

# The earlier layout's unit tables, as its SCHEMA created them.
ROW_PER_UNIT = """
DROP TABLE IF EXISTS baselines;
DROP TABLE IF EXISTS pushed;
DROP TABLE IF EXISTS origins;
CREATE TABLE baseline_units (
    export_id TEXT NOT NULL REFERENCES exports(export_id),
    unit_key TEXT NOT NULL,
    language TEXT NOT NULL,
    message_id TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (export_id, language, unit_key)
);
CREATE TABLE pushed (
    account TEXT NOT NULL,
    unit_key TEXT NOT NULL,
    language TEXT NOT NULL,
    text TEXT NOT NULL,
    run_id TEXT NOT NULL,
    pushed_at TEXT NOT NULL,
    PRIMARY KEY (account, language, unit_key)
);
CREATE TABLE origins (
    account TEXT NOT NULL,
    unit_key TEXT NOT NULL,
    language TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account, language, unit_key)
);
"""

TRICKY = 'quote " backslash \\ line\nbreak, é, 日本, emoji 😀, U+2028 \u2028 end'


def corrected(entry: polib.POEntry) -> None:
    """The translator's second delivery: a correction of every translated entry."""
    if entry.msgstr:
        entry.msgstr += " (2)"


def to_row_per_unit(db_path: Path) -> None:
    """Rewrite a state file of the current layout as the earlier one would have held it."""
    with sqlite3.connect(db_path) as db:
        docs = {
            table: db.execute(f"SELECT * FROM {table}").fetchall()
            for table in ("baselines", "pushed", "origins")
        }
        db.executescript(ROW_PER_UNIT)
        for export_id, language, units in docs["baselines"]:
            db.execute(
                "INSERT INTO baseline_units SELECT ?, key, ?, value ->> 0, value ->> 1, value ->> 2, "
                "value ->> 3 FROM json_each(?)",
                (export_id, language, units),
            )
        for table in ("pushed", "origins"):
            for account, language, units in docs[table]:
                db.execute(
                    f"INSERT INTO {table} SELECT ?, key, ?, value ->> 0, value ->> 1, value ->> 2 "
                    "FROM json_each(?)",
                    (account, language, units),
                )
    db.close()


def tables(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as db:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    db.close()
    return names


def old_state_file(state_dir: Path) -> Path:
    """A state file of the earlier layout with one export (two languages) and two accounts' rows."""
    state_dir.mkdir(parents=True)
    path = state_dir / "state.db"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE exports (export_id TEXT PRIMARY KEY, account TEXT NOT NULL, "
            "revision TEXT NOT NULL, source_language TEXT NOT NULL, api TEXT NOT NULL, "
            "created_at TEXT NOT NULL);" + ROW_PER_UNIT
        )
        db.execute(
            "INSERT INTO exports VALUES ('e1', 'A1', '7', 'en-US', 'auto-messages', '2026-01-01T00:00:00Z')"
        )
        db.executemany(
            "INSERT INTO baseline_units VALUES ('e1', ?, ?, ?, ?, ?, ?)",
            [
                ("account|Welcome", "fr-fr", "Welcome", "Hello", "Bonjour", "translated"),
                ("skill/7|Welcome", "fr-fr", "Welcome", TRICKY, "", "missing"),
                ("account|Welcome", "de-de", "Welcome", "Hello", TRICKY, "translated"),
            ],
        )
        db.executemany(
            "INSERT INTO pushed VALUES (?, ?, ?, ?, 'run-1', '2026-01-02T00:00:00Z')",
            [("A1", "account|Welcome", "de-de", TRICKY), ("A2", "account|Welcome", "de-de", "Hallo")],
        )
        db.executemany(
            "INSERT INTO origins VALUES (?, ?, ?, ?, ?, '2026-01-02T00:00:00Z')",
            [
                ("A1", "account|Welcome", "de-de", "Hello", TRICKY),
                ("A1", "account|Welcome", "fr-fr", "Hi", "Salut"),
            ],
        )
    db.close()
    return path


def test_a_state_file_of_the_row_per_unit_layout_is_converted_when_opened(tmp_path: Path) -> None:
    path = old_state_file(tmp_path / "state")
    state = StateStore(tmp_path / "state")
    assert not tables(path) & {"baseline_units", "unit_rows_pushed", "unit_rows_origins"}
    baseline = state.baseline("e1")
    assert baseline is not None and baseline.revision == "7"
    assert {k: (u.message_id, u.source, u.target, u.state) for k, u in baseline.units.items()} == {
        ("account|Welcome", "fr-fr"): ("Welcome", "Hello", "Bonjour", "translated"),
        ("skill/7|Welcome", "fr-fr"): ("Welcome", TRICKY, "", "missing"),
        ("account|Welcome", "de-de"): ("Welcome", "Hello", TRICKY, "translated"),
    }
    french = state.baseline("e1", "fr-FR")
    assert french is not None and len(french.units) == 2
    assert state.pushed("A1", "account|Welcome", "de-DE") == (TRICKY, "run-1", "2026-01-02T00:00:00Z")
    assert state.pushed_texts("A2", "de-DE") == {"account|Welcome": "Hallo"}
    assert state.pushed("A1", "account|Welcome", "fr-FR") is None
    assert state.origins("A1") == {
        ("account|Welcome", "de-de"): Origin("Hello", TRICKY),
        ("account|Welcome", "fr-fr"): Origin("Hi", "Salut"),
    }
    assert state.last_exported_units("A1")["de-de"] == {"account|Welcome": ("Hello", TRICKY, "translated")}
    state.close()
    again = StateStore(tmp_path / "state")  # a converted file opens as one of the current layout
    assert again.pushed_texts("A1", "de-DE") == {"account|Welcome": TRICKY}
    # the file as it was, kept beside it for an earlier version (owner-only, old layout)
    [copy] = (tmp_path / "state").glob("state.db.before-upgrade-*")
    assert copy.stat().st_mode & 0o777 == 0o600
    assert {"baseline_units", "pushed", "origins"} <= tables(copy)
    with sqlite3.connect(copy) as old:
        assert old.execute("SELECT count(*) FROM baseline_units").fetchone() == (3,)
    old.close()
    again.close()


def test_processes_opening_an_old_state_file_at_once_convert_it_once(tmp_path: Path) -> None:
    old_state_file(tmp_path / "state")
    seen: list[tuple[dict[str, str], int]] = []
    failures: list[BaseException] = []
    start = threading.Barrier(4)

    def open_it() -> None:  # each its own connection, as cron's accounts have
        start.wait()
        try:
            state = StateStore(tmp_path / "state")
            baseline = state.baseline("e1")
            seen.append((state.pushed_texts("A2", "de-de"), len(baseline.units) if baseline else 0))
            state.close()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert seen == [({"account|Welcome": "Hallo"}, 3)] * 4
    assert len(list((tmp_path / "state").glob("state.db.before-upgrade-*"))) == 1  # one conversion, one copy


def test_files_exported_before_the_conversion_import_after_it(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """An upgrade between a translation round's export and its import: the returned
    file imports as it would have, and what was pushed before is still ours."""
    export(conn, settings, tmp_path / "out", [FR], ["po"])
    po = tmp_path / "out" / ACCOUNT / f"{FR}.po"
    edit_po(po, pseudo)
    first = run_import(settings, [po], apply=True)
    assert first.exit_code == 0 and first.applied is not None and first.applied.written
    export(conn, settings, tmp_path / "out2", [FR], ["po"])
    po2 = tmp_path / "out2" / ACCOUNT / f"{FR}.po"
    edit_po(po2, corrected)
    expected = run_import(settings, [po2]).to_json()  # the plan, in the current layout

    path = settings.state_dir / "state.db"
    to_row_per_unit(path)
    assert set(UNIT_ROWS) <= tables(path)
    converted = run_import(settings, [po2]).to_json()
    assert "baseline_units" not in tables(path)
    assert [(d["key"], d["new"]) for d in converted["planned"]] == [
        (d["key"], d["new"]) for d in expected["planned"]
    ]
    assert converted["planned"] and converted["skipped"] == expected["skipped"] == []
    applied = run_import(settings, [po2], apply=True)
    assert applied.exit_code == 0 and applied.applied is not None
    assert len(applied.applied.written) == len(expected["planned"])


def test_no_copy_no_conversion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy cannot be made (a full disk): a clear error, and the file is left as it was."""
    path = old_state_file(tmp_path / "state")

    def full_disk(db: sqlite3.Connection, copy: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("automsg_sync.state.schema._keep_a_copy", full_disk)
    with pytest.raises(StateError) as caught:
        StateStore(tmp_path / "state")
    assert "cannot keep a copy of it before converting it" in str(caught.value)
    assert "No space left on device" in str(caught.value) and "nothing was changed" in str(caught.value)
    assert set(UNIT_ROWS) <= tables(path) and "baselines" not in tables(path)
