"""The checkpoints beside the work (automsg_sync/state/checkpoints.py): a large commit's
WAL is copied into the database by a thread, not by the commit, and the process waits
for that thread at exit, quietly when a Ctrl-C cuts the wait short."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from automsg_sync.state import StateStore


def test_a_large_commit_is_checkpointed_beside_the_work(tmp_path: Path) -> None:
    """No commit copies the WAL into the database file itself; after a large one a thread
    does (StateStore._checkpoint), and close() waits for it."""
    state = StateStore(tmp_path / "state")
    db_file = tmp_path / "state" / "state.db"
    before = db_file.stat().st_size
    texts = {f"account|m{i}": ("s" * 100, f"t{i}" * 30, "") for i in range(20_000)}  # ~6 MB of documents
    items = [(key, source, target, "e1") for key, (source, target, _) in texts.items()]
    assert state.db.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)  # never inside a commit
    state.record_written("A1", "run-1", {"fr-FR": items, "de-DE": items})
    assert state._checkpointer is not None  # the thread started by the commit
    state.close()
    assert db_file.stat().st_size > before + 5_000_000
    again = StateStore(tmp_path / "state")
    assert again.pushed_texts("A1", "fr-FR", "e1")["account|m7"] == "t7" * 30
    again.close()


CHECKPOINT_STUCK = textwrap.dedent(
    """
    import signal, sys, threading
    from automsg_sync.state import checkpoints
    main = threading.main_thread()

    def waiting_for_me():  # the main thread is in wait_for_checkpoints, joining this thread
        frame = sys._current_frames().get(main.ident)
        names = []
        while frame is not None:
            names.append(frame.f_code.co_name)
            frame = frame.f_back
        return "wait_for_checkpoints" in names and names[0] != "wait_for_checkpoints"

    def checkpoint():  # a checkpoint that takes long (a large WAL on a slow disk)
        while not waiting_for_me():
            threading.Event().wait(0.005)  # polled: the condition, not a fixed wait
        signal.pthread_kill(main.ident, signal.SIGINT)  # the person's Ctrl-C, at exit
        threading.Event().wait(60)

    checkpoints._start_checkpoint(checkpoint)
    """
)


def test_ctrl_c_while_the_last_checkpoint_runs_ends_quietly(tmp_path: Path) -> None:
    """Issue #24, point 9: a Ctrl-C while the process waits for its checkpoint at exit
    printed ``Exception ignored … KeyboardInterrupt``; now one line, and the process ends."""
    proc = subprocess.run(
        [sys.executable, "-c", CHECKPOINT_STUCK], capture_output=True, text=True, timeout=30, check=False
    )
    err = proc.stderr
    assert "Exception ignored" not in err and "Traceback" not in err, err
    assert err == "interrupted while the state store was being checkpointed: it is finished next time\n"
