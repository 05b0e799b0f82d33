"""cron-run against a hostile inbox and a failing disk: symlinks, FIFOs, names that are not UTF-8,
a read-only or full folder, a corrupt state store. One account's trouble stays that account's."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import stat
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import ACCOUNT, Emu
from test_cron import ENV, OTHER, TODAY, run, translate_into_inbox, write_config

from automsg_sync.cli import main
from automsg_sync.config import load_settings

SECRET = "TOP SECRET LINE"
STRANGER = "hello from a stranger"


def cron_cli(config: Path) -> Result:
    return CliRunner().invoke(main, ["cron-run", "--config", str(config)], env=ENV)


def saved_report(result: Result) -> dict[str, Any]:
    line = result.stdout.splitlines()[-1]
    assert line.startswith("report: "), result.stdout
    report: dict[str, Any] = json.loads(Path(line.removeprefix("report: ")).read_text(encoding="utf-8"))
    return report


def regular_files(root: Path) -> Iterator[Path]:
    """Every regular file below ``root``, judged by lstat: no link followed, no FIFO opened."""
    for folder, _, names in os.walk(os.fsencode(root)):
        for name in names:
            path = Path(os.fsdecode(os.path.join(folder, name)))
            if stat.S_ISREG(os.lstat(path).st_mode):
                yield path


def all_names(root: Path) -> list[str]:
    return [os.fsdecode(name) for _, dirs, files in os.walk(os.fsencode(root)) for name in dirs + files]


def aged(path: Path, seconds: float = 60) -> Path:
    os.utime(path, (time.time() - seconds, time.time() - seconds))
    return path


@contextmanager
def fifo_guard(fifo: Path) -> Iterator[list[str]]:
    """A writer waiting on ``fifo`` for the whole block: if anything opens it for reading,
    the writer's open returns at once (so a blocked reader is released, never hangs) and it
    is recorded; after the block the guard opens the reading end itself to let the writer go."""
    opened: list[str] = []
    over = threading.Event()

    def writer() -> None:
        fd = os.open(fifo, os.O_WRONLY)  # blocks until a reader opens the FIFO
        if not over.is_set():
            opened.append("the FIFO was opened for reading during the run")
        with suppress(BrokenPipeError):
            os.write(fd, b"x")
        os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        yield opened
    finally:
        over.set()
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        thread.join(timeout=30)
        os.close(reader)
        assert not thread.is_alive(), "the FIFO guard never finished"


def be_root(why: str) -> None:
    if os.geteuid() != 0:
        reason = f"not root: {why} needs a mount (root), and chmod does not stop root"
        print(f"SKIP: {reason}")
        pytest.skip(reason)


@contextmanager
def tmpfs(folder: Path, size: str = "200k", *, read_only: bool = False) -> Iterator[Path]:
    """A small tmpfs mounted on ``folder`` (root only), unmounted afterwards."""
    be_root("a small or read-only file system")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs here: {done.stderr.strip()}"
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    try:
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder: Path) -> None:
    """Write zeros into ``folder`` until its file system is full."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- the hostile inbox


def test_a_hostile_inbox_is_reported_by_name_and_the_other_account_is_served(
    emu: Emu, tmp_path: Path
) -> None:
    config = write_config(tmp_path, emu, settle=None)  # the default settle_seconds: 30
    settings = load_settings(config, ENV)
    assert settings.settle_seconds == 30
    run(settings)
    inbox = settings.paths.inbox / ACCOUNT
    outside = tmp_path / "outside" / "secret.txt"
    outside.parent.mkdir()
    outside.write_text(f"{SECRET}\nsecond line\n", encoding="utf-8")
    good = aged(translate_into_inbox(settings, ACCOUNT, "fr-FR"))
    link = inbox / "secret.po"
    link.symlink_to(outside)
    fifo = inbox / "pipe.po"
    os.mkfifo(fifo)
    stranger = Path(os.fsdecode(os.fsencode(inbox) + b"/fr-\xff.po"))  # a name that is not UTF-8
    stranger.write_text(f"{STRANGER}\n", encoding="utf-8")
    aged(stranger)
    german = translate_into_inbox(settings, ACCOUNT, "de-DE")
    odd_but_good = Path(os.fsdecode(os.fsencode(inbox) + b"/de-\xfe.po"))
    german.rename(odd_but_good)
    aged(odd_but_good)
    late = translate_into_inbox(settings, ACCOUNT, "fr-FR", name="late.po")  # written just now
    theirs = aged(translate_into_inbox(settings, OTHER, "fr-FR"))

    with fifo_guard(fifo) as opened:
        result = cron_cli(config)
    assert opened == []
    assert result.exit_code == 3, (result.stdout, result.stderr)
    report = saved_report(result)
    mine, other = report["accounts"]
    assert (mine["status"], other["status"]) == ("needs-human", "ok")
    files = {f["name"]: f for f in mine["imported"]}
    assert {name: f["status"] for name, f in files.items()} == {
        "secret.po": "left",
        "pipe.po": "left",
        "fr-\\xff.po": "failed",
        "de-\\xfe.po": "applied",
        "fr-FR.po": "applied",
    }
    assert files["secret.po"]["errors"] == ["secret.po: not a regular file (symlink): left alone"]
    assert files["pipe.po"]["errors"] == ["pipe.po: not a regular file (fifo): left alone"]
    failed = settings.paths.failed / ACCOUNT
    assert files["fr-\\xff.po"]["errors_file"] == f"{failed}/fr-\\xff.po.errors.json"
    assert files["fr-\\xff.po"]["errors"] == [
        "fr-\\xff.po:1: not PO syntax: (content not shown: not a file of ours)"
    ]
    assert files["de-\\xfe.po"]["applied"] > 0 and files["fr-FR.po"]["applied"] == 13
    assert mine["waiting"] == ["late.po"]
    assert mine["inbox"] == {"imported": 2, "refused": 1, "kept": 0, "waiting": 1, "left_alone": 2}
    assert mine["summary"].startswith(
        f"{ACCOUNT}: needs a human; 2 imported, 1 refused (see {failed}/fr-\\xff.po.errors.json), "
        "2 not regular files left alone (secret.po, pipe.po), 1 waiting (still being written); "
    ) or mine["summary"].startswith(
        f"{ACCOUNT}: needs a human; 2 imported, 1 refused (see {failed}/fr-\\xff.po.errors.json), "
        "2 not regular files left alone (pipe.po, secret.po), 1 waiting (still being written); "
    )
    assert result.stdout.splitlines()[0] == mine["summary"]
    # the other account is served: its file applied and archived
    assert [(f["name"], f["status"], f["applied"]) for f in other["imported"]] == [("fr-FR.po", "applied", 2)]
    assert not theirs.exists() and (settings.paths.archive / TODAY / OTHER / "fr-FR.po").is_file()

    # the link and the FIFO are where they were, untouched; the secret file too
    assert link.is_symlink() and os.readlink(link) == str(outside)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert outside.read_text(encoding="utf-8") == f"{SECRET}\nsecond line\n"
    assert sorted(os.listdir(inbox)) == ["late.po", "pipe.po", "secret.po"] and late.exists()
    # names that are not UTF-8 are moved like any other: the refused one beside its reasons
    assert sorted(os.listdir(os.fsencode(failed))) == [b"fr-\xff.po", b"fr-\xff.po.errors.json"]
    archived = sorted(os.listdir(os.fsencode(settings.paths.archive / TODAY / ACCOUNT)))
    assert archived == [b"de-\xfe.po", b"fr-FR.po"] and not good.exists()
    reasons = json.loads((failed / (stranger.name + ".errors.json")).read_text(encoding="utf-8"))
    assert reasons["file"] == "fr-\\xff.po"
    assert reasons["errors"][0]["message"] == "not PO syntax: (content not shown: not a file of ours)"

    # nothing of the link's target, nor of a stranger's file, is shown anywhere
    for shown in (result.stdout, result.stderr):
        assert SECRET not in shown and STRANGER not in shown
    for path in regular_files(tmp_path):
        if path in (outside, failed / stranger.name):
            continue
        data = path.read_bytes()
        assert SECRET.encode() not in data and STRANGER.encode() not in data, path
    assert not [n for n in all_names(tmp_path) if n.endswith(".tmp")]
    for written in (settings.paths.reports, failed):
        for path in regular_files(written):
            if path.name.endswith(".json"):
                assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path

    # the next run reports the link and the FIFO again (a human must remove them), and nothing else
    with fifo_guard(fifo) as opened:
        again = cron_cli(config)
    assert opened == [] and again.exit_code == 3
    names = [f["name"] for f in saved_report(again)["accounts"][0]["imported"]]
    assert sorted(names) == ["pipe.po", "secret.po"]


# --------------------------------------------------------------------------- one account's trouble


def test_a_read_only_state_folder_for_one_account_errs_that_account_only(emu: Emu, tmp_path: Path) -> None:
    """The state folder is shared: what only account A needs of it here is a backup (an apply
    writes the pre-images first), and its backups folder is read-only."""
    config = write_config(tmp_path, emu)
    settings = load_settings(config, ENV)
    run(settings)
    mine = translate_into_inbox(settings, ACCOUNT, "fr-FR")
    backups = settings.state_dir / "backups"
    context: AbstractContextManager[Path]
    if os.geteuid() == 0:  # chmod does not stop root: a read-only mount does
        context = tmpfs(backups, read_only=True)
    else:
        backups.mkdir()
        backups.chmod(0o500)
        context = nullcontext(backups)
    with context:
        report = run(settings)
    backups.chmod(0o700)
    assert report.exit_code == 1, report.to_json()
    a, b = report.accounts
    assert (a.status, b.status) == ("error", "ok")
    assert a.errors[0].startswith(
        ("OSError: [Errno 30] Read-only file system: ", "PermissionError: [Errno 13]")
    )
    assert str(backups) in a.errors[0]
    assert mine.exists()  # the file waits in the inbox for the next run
    assert b.export == "unchanged" and b.requests == 1  # served as usual
    assert report.path is not None and json.loads(report.path.read_text())["accounts"][0]["status"] == "error"
    assert not [n for n in all_names(tmp_path) if n.endswith(".tmp")]


def test_a_corrupt_state_store_is_named_with_what_to_do(emu: Emu, tmp_path: Path) -> None:
    config = write_config(tmp_path, emu)
    settings = load_settings(config, ENV)
    settings.state_dir.mkdir()
    db = settings.state_dir / "state.db"
    garbage = b"\x00\x13garbage, not SQLite " * 300
    db.write_bytes(garbage)
    result = cron_cli(config)
    # the store is shared by the accounts: each says so, and the report is written
    assert result.exit_code == 1, result.stderr
    message = (
        f"{db} is not a usable state store (file is not a database): restore it from a backup "
        "or move it aside; a new one is then created"
    )
    report = saved_report(result)
    for account in report["accounts"]:
        assert (account["status"], account["exit_code"], account["errors"]) == ("error", 1, [message])
    assert result.stdout.splitlines()[0].endswith(f"; error: {message}")
    assert "internal error" not in result.stderr
    assert db.read_bytes() == garbage  # left as it was, for a human to look at
    db.rename(db.with_name("state.db.corrupt"))
    assert cron_cli(config).exit_code == 0  # moved aside: a new one is created


def test_a_foreign_state_store_is_refused_and_left_as_it_was(emu: Emu, tmp_path: Path) -> None:
    config = write_config(tmp_path, emu)
    settings = load_settings(config, ENV)
    settings.state_dir.mkdir()
    db = settings.state_dir / "state.db"
    with sqlite3.connect(db) as foreign:
        foreign.execute("CREATE TABLE exports (id INTEGER PRIMARY KEY, note TEXT)")
    foreign.close()
    report = run(settings)
    assert report.exit_code == 1
    [error] = report.accounts[0].errors
    assert error.startswith(f"{db} is not a usable state store (table exports has columns id, note, not ")
    assert error.endswith("restore it from a backup or move it aside; a new one is then created")
    with sqlite3.connect(db) as check:
        assert [r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == [
            "exports"
        ]
    check.close()


def test_a_new_state_store_is_owner_only(emu: Emu, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        settings = load_settings(write_config(tmp_path, emu), ENV)
        assert run(settings).exit_code == 0
        from automsg_sync.state import StateStore

        store = StateStore(settings.state_dir)  # open: its -wal and -shm exist
        modes = {p.name: stat.S_IMODE(os.stat(p).st_mode) for p in settings.state_dir.glob("state.db*")}
        store.close()
    finally:
        os.umask(old)
    assert modes == {"state.db": 0o600, "state.db-wal": 0o600, "state.db-shm": 0o600}


def test_a_full_disk_errs_that_account_only(emu: Emu, tmp_path: Path) -> None:
    config = write_config(tmp_path, emu)
    settings = load_settings(config, ENV)
    with tmpfs(settings.paths.outbox / ACCOUNT) as full:
        fill(full)
        report = run(settings)
        assert sorted(os.listdir(full)) == ["filler"]  # nothing half-written left on it
    assert report.exit_code == 1, report.to_json()
    a, b = report.accounts
    assert (a.status, b.status) == ("error", "ok")
    assert "No space left on device" in a.errors[0]
    assert sorted(p.name for p in (settings.paths.outbox / OTHER).iterdir()) == ["fr-FR.po", "fr-FR.xlsx"]
    assert report.path is not None
    saved = json.loads(report.path.read_text())
    assert "No space left on device" in saved["accounts"][0]["errors"][0]
    assert not [n for n in all_names(tmp_path) if n.endswith(".tmp")]
    # room again: the next run exports it
    assert run(settings).accounts[0].exported


def test_a_full_failed_folder_leaves_the_file_in_the_inbox_and_no_temporary_file(
    emu: Emu, tmp_path: Path
) -> None:
    settings = load_settings(write_config(tmp_path, emu), ENV)
    run(settings)
    notes = settings.paths.inbox / ACCOUNT / "notes.txt"
    notes.parent.mkdir(parents=True, exist_ok=True)
    notes.write_text("hello\n")
    with tmpfs(settings.paths.failed) as full:
        fill(full)
        report = run(settings)
        assert sorted(all_names(full)) == [ACCOUNT, "filler"]  # an empty folder: no temporary file
    assert [a.status for a in report.accounts] == ["error", "ok"]
    assert "No space left on device" in report.accounts[0].errors[0]
    assert notes.read_text() == "hello\n"  # the reasons could not be written: the file stays


def test_an_unwritable_reports_folder_is_said_on_stderr_and_the_exit_code_stands(
    emu: Emu, tmp_path: Path
) -> None:
    config = write_config(tmp_path, emu)
    settings = load_settings(config, ENV)
    with tmpfs(settings.paths.reports, read_only=True):
        result = cron_cli(config)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{ACCOUNT}: ok; ") and lines[1].startswith(f"{OTHER}: ok; ")
    assert f"error: the run report {settings.paths.reports}/cron-" in result.stderr
    assert "could not be written: OSError: [Errno 30] Read-only file system" in result.stderr
    assert (settings.paths.outbox / OTHER / "fr-FR.po").is_file()
