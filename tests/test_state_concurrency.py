"""The state store under concurrency (issue #24, point 1): cron's accounts each with a
connection of their own in threads of one process, while a person's command opens the
same file from another process.

Opening the file by hand (``os.open``/``os.close``) while SQLite had it open dropped
every POSIX lock the process held on it (SQLite's "How To Corrupt An SQLite Database
File", section 2.2); another process then took the last connection's exclusive lock,
checkpointed and deleted the WAL under live connections, and commits were lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from automsg_sync.errors import StateError
from automsg_sync.state import StateStore

# Another process opens the store, reads, closes, as a dry run by hand does, until told to stop.
OPENER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from automsg_sync.state import StateStore
    state_dir, stop = Path(sys.argv[1]), Path(sys.argv[2])
    deadline = time.monotonic() + 60
    opened = 0
    while not stop.exists() and time.monotonic() < deadline:
        state = StateStore(state_dir)
        state.baseline("no-such-export")
        state.close()
        opened += 1
    print(opened)
    """
)


def record(state: StateStore, account: str, export_id: str) -> None:
    state.record_export(
        export_id=export_id,
        account=account,
        revision="1",
        source_language="en-US",
        api="unified",
        exported=(),
        new_targets=(),
    )
    state.record_written(
        account, f"run-{export_id}", {"fr-FR": [(f"{account}|m", "Hello", "Bonjour", export_id)]}
    )


def test_opening_the_store_again_keeps_this_processs_locks(tmp_path: Path) -> None:
    """Deterministic: a second store opened in this process while a first one is open; then
    another process opens and closes the file. Had this process's locks been dropped, the
    other process would have found itself the last connection and deleted the WAL under ours."""
    state_dir = tmp_path / "state"
    first = StateStore(state_dir)
    record(first, "A1", "e1")
    second = StateStore(state_dir)  # the bug: this opening released the first connection's locks
    wal = state_dir / "state.db-wal"
    assert wal.exists()
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('SELECT count(*) FROM exports').fetchall(); c.close()",
            str(state_dir / "state.db"),
        ],
        check=True,
    )
    assert wal.exists(), "another process checkpointed and deleted the WAL under this process's connections"
    record(second, "A2", "e2")
    second.close()
    first.close()
    again = StateStore(state_dir)
    assert {r[0] for r in again.db.execute("SELECT export_id FROM exports")} == {"e1", "e2"}
    again.close()


def test_cron_threads_and_a_concurrent_opener_lose_no_commit(tmp_path: Path) -> None:
    """The red team's scenario, bounded: eight threads serving accounts (each opening the
    store, recording exports and writes, closing it, as ``cron-run`` does) while another
    process opens the store in a loop. Every export a thread saw committed is there after,
    and the file passes ``PRAGMA integrity_check``."""
    state_dir = tmp_path / "state"
    StateStore(state_dir).close()
    stop = tmp_path / "stop"
    opener = subprocess.Popen(
        [sys.executable, "-c", OPENER, str(state_dir), str(stop)], stdout=subprocess.PIPE, text=True
    )
    committed: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def serve(account: str) -> None:
        for round_ in range(25):
            export_id = f"{account}-{round_}"
            try:
                state = StateStore(state_dir)
                try:
                    record(state, account, export_id)
                finally:
                    state.close()
            except BaseException as exc:
                failures.append(exc)
                return
            with lock:
                committed.append(export_id)

    try:
        threads = [threading.Thread(target=serve, args=(f"A{i}",)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        stop.touch()
        out, _ = opener.communicate(timeout=90)
    assert opener.returncode == 0 and int(out) > 0  # the other process really opened it meanwhile
    assert failures == []
    state = StateStore(state_dir)
    found = {r[0] for r in state.db.execute("SELECT export_id FROM exports")}
    assert state.db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    state.close()
    assert len(committed) == 200
    assert set(committed) <= found


def test_a_failed_statement_is_the_error_reported_not_the_rollback(tmp_path: Path) -> None:
    """``transaction()``: when SQLite has already rolled back (here an interrupt), the
    second ROLLBACK's "no transaction is active" no longer hides the real error."""
    state = StateStore(tmp_path / "state")
    with pytest.raises(StateError) as caught, state.transaction() as db:
        db.execute("INSERT INTO checked VALUES ('A', '1', 'now')")
        db.execute("ROLLBACK")  # as SQLite does itself on SQLITE_FULL or SQLITE_IOERR
        db.execute("INSERT INTO checked VALUES ('A', '1', 'now')")
        db.execute("INSERT INTO checked VALUES ('A', '1', 'now')")  # the real error: a duplicate
    assert "UNIQUE constraint failed" in str(caught.value)
    assert "no transaction is active" not in str(caught.value)
    state.close()


def test_a_symlinked_state_file_is_still_refused(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    (tmp_path / "elsewhere.db").touch()
    (state_dir / "state.db").symlink_to(tmp_path / "elsewhere.db")
    with pytest.raises(StateError) as caught:
        StateStore(state_dir)
    assert "cannot open the state store" in str(caught.value)


def test_an_export_holds_the_write_lock_only_for_its_commit(tmp_path: Path) -> None:
    """Point 4: while one account's export waits for its files (``before_commit``: a large
    export's took ~15 s, the busy timeout is 10), another account's writes go through."""
    state_dir = tmp_path / "state"
    other = StateStore(state_dir)
    other.db.execute("PRAGMA busy_timeout=200")  # "database is locked" within 0.2 s, not 10
    files_waiting = threading.Event()
    others_done = threading.Event()

    def files_written() -> None:  # the export's files, still being written
        files_waiting.set()
        assert others_done.wait(30)

    failures: list[BaseException] = []

    def export() -> None:
        try:
            exporting = StateStore(state_dir)  # a connection is used in the thread that made it
            exporting.record_export(
                export_id="big",
                account="A1",
                revision="7",
                source_language="en-US",
                api="unified",
                exported=(),
                new_targets=(),
                objects=[("ctx", "m1", "{}")],
                groups=[("fr-FR", "ctx|m2", "ctx|m1")],
                before_commit=files_written,
            )
            exporting.close()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=export)
    thread.start()
    try:
        assert files_waiting.wait(30)
        record(other, "A2", "small")  # another account's export and write, meanwhile
        other.set_checked_revision("A2", "3")
    finally:
        others_done.set()
        thread.join()
    assert failures == []
    assert other.baseline_objects("big") == {("ctx", "m1"): "{}"}
    baseline = other.baseline("big")
    assert baseline is not None and baseline.groups == {("ctx|m1", "fr-fr"): ("ctx|m2",)}
    assert {r[0] for r in other.db.execute("SELECT export_id FROM exports")} == {"big", "small"}
    other.close()


def test_an_export_whose_files_fail_records_nothing(tmp_path: Path) -> None:
    state = StateStore(tmp_path / "state")

    def disk_full() -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        state.record_export(
            export_id="e1",
            account="A1",
            revision="1",
            source_language="en-US",
            api="unified",
            exported=(),
            new_targets=(),
            objects=[("ctx", "m1", "{}")],
            before_commit=disk_full,
        )
    assert state.baseline("e1") is None and state.baseline_objects("e1") == {}
    record(state, "A1", "e2")  # and the next export records as usual
    assert state.baseline_objects("e2") == {}
    state.close()
