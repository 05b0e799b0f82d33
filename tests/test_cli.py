"""The command line as a whole (cli/__init__.py): help, README coverage, global options, exit codes, the process's end."""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, ROOT, USER, Emu

from automsg_sync.cli import main

COMMANDS = sorted(main.commands)


def run(args: list[str], env: Mapping[str, str | None] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    code, out, _ = run([command, "--help"])
    assert code == 0 and "Usage:" in out
    assert main.commands[command].help
    assert f"automsg-sync {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_config_error_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("nonsense = 1\n")
    code, _, err = run(["status", "--config", str(bad), "--account", "1"])
    assert code == 2 and err.strip() == f"error: {bad}: nonsense: unknown key"


def test_unreachable_server_exits_1_without_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "automsg.toml").write_text("[http]\nretry_waits = [0]\ntimeout = 2\n")
    code, _, err = run(["status", "--account", "1", "--csds-url", "http://127.0.0.1:9"], USER)
    assert code == 1
    assert err.splitlines()[-1].startswith(
        "error: GET http://127.0.0.1:9/api/account/1/service/baseURI.json: connection failed"
    )
    assert "Traceback" not in err


def test_secret_on_the_command_line_is_not_an_option() -> None:
    code, _, err = run(["status", "--password", "x"])
    assert code == 2 and "No such option" in err


ACCOUNT_COMMANDS = ["export-for-translation", "import-translations", "restore", "status", "verify"]


@pytest.mark.parametrize("command", ACCOUNT_COMMANDS)
def test_account_command_help_names_the_credentials_and_shows_an_example(command: str) -> None:
    code, out, _ = run([command, "--help"])
    assert code == 0
    text = " ".join(out.split())  # click wraps the epilog
    for name in (
        "AUTOMSG_USERNAME",
        "AUTOMSG_PASSWORD",
        "AUTOMSG_APP_KEY",
        "AUTOMSG_APP_SECRET",
        "AUTOMSG_ACCESS_TOKEN",
        "AUTOMSG_ACCESS_TOKEN_SECRET",
        "AUTOMSG_ACCOUNT",
        "AUTOMSG_CSDS_URL",
    ):
        assert name in text, name
    assert re.search(rf"Example:\n\s+\$ automsg-sync {command} \S", out), out


def test_verbose_after_the_command(emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["--account", ACCOUNT, "--csds-url", emu.url, "--json"]
    code, _, err = run(["status", *args], USER)
    assert code == 0 and "logged in to account" not in err  # warnings only by default
    for verbose in (["status", "-v"], ["-v", "status"], ["status", "--verbose"]):
        code, out, err = run([*verbose, *args], USER)
        assert code == 0 and json.loads(out)["account"] == ACCOUNT
        assert f"logged in to account {ACCOUNT}" in err, verbose


def test_a_one_shot_command_runs_without_the_cycle_collector_and_gives_it_back(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cli._tune_gc: no collection while an export runs, at a threshold that collects
    every 100 allocations (the same export with the collector on: dozens); the
    collector is on again once the command has ended."""
    from automsg_sync import export

    monkeypatch.chdir(tmp_path)
    collections: list[int] = []
    exporting = [False]
    real_export = export.export_for_translation

    def counted(*args: Any, **kwargs: Any) -> Any:
        exporting[0] = True
        try:
            return real_export(*args, **kwargs)
        finally:
            exporting[0] = False

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and exporting[0]:
            collections.append(info["generation"])

    monkeypatch.setattr(export, "export_for_translation", counted)
    before = gc.get_threshold()
    gc.set_threshold(100, 10, 10)
    gc.callbacks.append(count)
    args = ["export-for-translation", "--account", ACCOUNT, "--csds-url", emu.url]
    try:
        code, _, err = run([*args, "--out", "a"], USER)
        assert code == 0, err
        assert collections == [] and gc.isenabled()
        monkeypatch.setattr("automsg_sync.cli._tune_gc", lambda ctx: None)
        code, _, err = run([*args, "--out", "b"], USER)
        assert code == 0, err
        assert len(collections) > 10  # what the test would see had the collector stayed on
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*before)


def test_the_console_script_ends_by_a_hard_exit_that_leaves_all_a_normal_exit_does(
    emu: Emu, tmp_path: Path
) -> None:
    """cli.run: a one-shot command's process ends by os._exit, after its output is
    flushed (a pipe gets all of it), its state store is closed (no -wal or -shm file
    left behind: SQLite removes them when the last connection closes) and with the
    command's own exit code."""
    import os

    import polib

    env = dict(os.environ, **USER, AUTOMSG_CSDS_URL=emu.url, AUTOMSG_ACCOUNT=ACCOUNT)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "automsg_sync", *args]
        return subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    def state_files() -> list[str]:
        return sorted(p.name for p in (tmp_path / ".automsg").iterdir() if p.name.startswith("state.db"))

    done = cli("export-for-translation", "--languages", "fr-FR", "--format", "po", "--out", "out")
    assert done.returncode == 0, done.stderr
    assert "fr-FR" in done.stdout and "Traceback" not in done.stderr
    assert state_files() == ["state.db"]
    [po_path] = (tmp_path / "out").glob("*/fr-FR.po")
    po = polib.pofile(str(po_path))
    for entry in po:
        entry.msgstr = entry.msgstr or f"(fr) {entry.msgid}"
    po.save(str(po_path))
    applied = cli("import-translations", str(po_path), "--apply", "--json")
    assert applied.returncode == 0, applied.stderr
    report = json.loads(applied.stdout)  # the whole document reached the pipe
    assert report["applied"] and report["exit_code"] == 0
    assert state_files() == ["state.db"]
    again = cli("import-translations", str(po_path), "--apply", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["planned"] == []
    assert state_files() == ["state.db"]
    assert cli("import-translations", "nowhere.po").returncode == 1  # a command's own exit code
    assert cli("status", "--no-such-option").returncode == 2  # click's


def test_a_hard_exit_waits_for_a_checkpoint_and_passes_sys_exit_codes_on(tmp_path: Path) -> None:
    """cli._hard_exit after a store was freed while its checkpoint ran: the checkpoint
    ends and removes the WAL; ``sys.exit("text")`` prints the text and exits 1."""
    script = (
        "import gc, sys\n"
        "from pathlib import Path\n"
        "from automsg_sync import cli, state\n"
        "state.checkpoints.CHECKPOINT_BYTES = 0\n"
        "gc.disable()\n"
        "store = state.StateStore(Path(sys.argv[1]))\n"
        "with store.transaction() as db:\n"
        "    db.execute('CREATE TABLE filler(x)')\n"
        "    db.executemany('INSERT INTO filler VALUES (?)', [('x' * 1000,)] * 20000)\n"
        "del store\n"
        "cli._hard_exit(sys.argv[2])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), "it went wrong"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stderr == "it went wrong\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.db"]


def test_a_warning_during_a_progress_bar_prints_above_it(capfd: pytest.CaptureFixture[str]) -> None:
    """rich's progress bar swaps sys.stderr for a stream that prints above the bar; the log
    handler writes to that stream, not across the bar (a retry warning did, in a terminal)."""
    import io
    import logging

    from rich.console import Console
    from rich.progress import Progress

    from automsg_sync.log import setup_logging

    setup_logging("text")
    screen = io.StringIO()
    with Progress(console=Console(file=screen, force_terminal=True, width=100)) as bar:
        bar.add_task("exporting", total=None)
        logging.getLogger("automsg_sync.lp.http").warning("retrying in 1 s")
    assert "retrying in 1 s" in screen.getvalue()  # through the bar's console, above it
    assert "retrying in 1 s" not in capfd.readouterr().err


@pytest.mark.parametrize(
    ("typed", "suggested"), [("export", "export-for-translation"), ("statsu", "status"), ("zzz", None)]
)
def test_an_unknown_command_suggests_the_one_meant(typed: str, suggested: str | None) -> None:
    code, _, err = run([typed])
    assert code == 2 and f"No such command {typed!r}." in err
    if suggested:
        assert f"Did you mean {suggested}?" in err
    else:
        assert "Did you mean" not in err
