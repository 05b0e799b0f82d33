"""Failures told truthfully, and writers that never interleave (issue 16, points 8 and 9).

- When a later context's write fails after earlier ones went through, the
  report lists exactly what was written, the backup, and what was not; the
  state store records the writes that happened; a re-run finishes the rest.
- ``import-translations --apply`` and ``restore --apply`` take the account's
  lock, as ``cron-run`` does; a dry run does not need it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, USER, Emu
from test_imports import FR, edit_po, export, pseudo, run_import

from automsg_sync.cli import main
from automsg_sync.config import Settings
from automsg_sync.lp import Connection
from automsg_sync.restore import restore_backup
from automsg_sync.state import StateStore, account_lock


def translated_french(conn: Connection, settings: Settings, tmp_path: Path) -> Path:
    """A fresh French export with every missing entry translated."""
    export(conn, settings, tmp_path / "out", [FR], ["po"])
    po = tmp_path / "out" / ACCOUNT / f"{FR}.po"
    edit_po(po, pseudo)
    return po


def contexts_of(items: list[dict[str, object]]) -> set[str]:
    return {str(i["context"]) for i in items}


def test_a_partial_apply_says_what_was_written_and_a_rerun_finishes(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    po = translated_french(conn, settings, tmp_path)
    # skill 9's write keeps failing (every retry too); account and skill 7 come first
    emu.faults(script=[{"match": "context_id=9", "method": "PUT", "times": 10, "status": 500}])
    report = run_import(settings, [po], apply=True)
    data = report.to_json()
    assert report.exit_code == 1 and report.applied is not None and report.applied.partial
    assert contexts_of(data["applied"]) == {"account", "skill/7"} and len(data["applied"]) == 12
    assert contexts_of(data["not_applied"]) == {"skill/9"} and len(data["not_applied"]) == 1
    assert data["backup"] is not None and Path(data["backup"]).exists()
    [problem] = report.errors
    assert "12 unit(s) were written before it" in problem.message and "1 not" in problem.message
    assert "run the same import again" in problem.message
    state = StateStore(settings.state_dir)
    written = data["applied"][0]
    assert state.pushed(ACCOUNT, written["key"], FR) is not None  # recorded as ours
    assert state.pushed(ACCOUNT, data["not_applied"][0]["key"], FR) is None
    emu.hook("DELETE", "faults")
    again = run_import(settings, [po], apply=True)
    assert again.exit_code == 0 and again.applied is not None
    assert contexts_of(again.to_json()["applied"]) == {"skill/9"} and again.counts()["noop"] >= 12


def test_writers_take_the_accounts_lock(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    po = translated_french(conn, settings, tmp_path)
    env = dict(USER, AUTOMSG_CSDS_URL=emu.url)
    state = ["--state-dir", str(settings.state_dir)]
    runner = CliRunner()
    before = emu.dump()
    with account_lock(settings.state_dir, ACCOUNT):  # another run (cron, a colleague) is writing
        applied = runner.invoke(
            main, ["import-translations", str(po), "--apply", *state, "--wait", "0.2"], env=env
        )
        assert applied.exit_code == 4 and "holds account 70071528's lock" in applied.output
        dry = runner.invoke(main, ["import-translations", str(po), "--json", *state], env=env)
        assert dry.exit_code == 0 and json.loads(dry.output)["dry_run"] is True  # reading needs no lock
        backups = list((settings.state_dir / "backups").glob("*.json"))
        assert backups == [] and emu.dump() == before  # nothing written while locked
    applied = runner.invoke(main, ["import-translations", str(po), "--apply", *state], env=env)
    assert applied.exit_code == 0, applied.output
    [backup] = (settings.state_dir / "backups").glob("*.json")
    with account_lock(settings.state_dir, ACCOUNT):
        restored = runner.invoke(main, ["restore", str(backup), "--apply", *state], env=env)
        assert restored.exit_code == 4 and "--wait SECONDS" in restored.output
    restored = runner.invoke(main, ["restore", str(backup), "--apply", *state], env=env)
    assert restored.exit_code == 0, restored.output


@pytest.mark.parametrize("fault", [{"status": 500}, {"drop": True}])
def test_a_partial_restore_says_what_was_put_back(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path, fault: dict[str, object]
) -> None:
    """A write answered 500 put nothing back; one sent and never answered (the connection
    dropped, every retry too) may have: the message says so."""
    po = translated_french(conn, settings, tmp_path)
    applied = run_import(settings, [po], apply=True)
    assert applied.applied is not None and applied.applied.backup is not None
    emu.faults(script=[{"match": "context_id=9", "method": "PUT", "times": 10, **fault}])
    report = restore_backup(
        conn, ACCOUNT, applied.applied.backup, StateStore(settings.state_dir), tmp_path / "b", apply=True
    )
    assert report.exit_code == 1 and report.error is not None
    assert {i.context.key for i in report.written} == {"account", "skill/7"}
    assert f"{len(report.written)} text(s) were put back before it" in report.error
    unknown = ", and 1 more were in the write that failed (sent, never answered: they may have been)"
    assert (unknown in report.error) == ("drop" in fault), report.error
    emu.hook("DELETE", "faults")
    again = restore_backup(
        conn, ACCOUNT, applied.applied.backup, StateStore(settings.state_dir), tmp_path / "b", apply=True
    )
    assert again.exit_code == 0 and {i.context.key for i in again.written} == {"skill/9"}


def test_a_write_sent_and_never_answered_is_said_to_be_unknown(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """The connection drops on skill 9's write, every retry too: LivePerson may have applied
    it, so the report counts its unit as not known to be written, and says why."""
    po = translated_french(conn, settings, tmp_path)
    emu.faults(script=[{"match": "context_id=9", "method": "PUT", "times": 10, "drop": True}])
    report = run_import(settings, [po], apply=True)
    assert report.exit_code == 1 and report.applied is not None and report.applied.in_flight == 1
    [problem] = report.errors
    assert (
        "1 not (of which 1 were in the write that failed: it was sent and never answered" in problem.message
    )
    emu.hook("DELETE", "faults")
    again = run_import(settings, [po], apply=True)
    assert again.exit_code == 0 and contexts_of(again.to_json()["applied"]) == {"skill/9"}
