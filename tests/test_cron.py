"""cron-run against the emulator: two accounts, inbox, archive, failed, outbox, locks, kills."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polib
import pytest
import requests
from click.testing import CliRunner
from conftest import ACCOUNT, KEYS, Emu, Sleeps, sample_data
from filelock import FileLock, Timeout

from automsg_sync.cli import main
from automsg_sync.config import Settings, load_settings
from automsg_sync.cron import CronReport, cron_run
from automsg_sync.emulator import EmulatorServer, Store
from automsg_sync.errors import ConfigError

OTHER = "70071529"
ENV = {
    **KEYS,
    "EU_KEY": "9a8b7c6d5e4f30211a2b3c4d5e6f7a8b",
    "EU_SECRET": "c0ffee5ecret0001",
    "EU_TOKEN": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "EU_TOKEN_SECRET": "t0kense4cret0002",
}
TODAY = datetime.now(UTC).strftime("%Y-%m-%d")


def refused_config(folder: Path, line: str, message: str) -> Path:
    """A config holding ``line`` is refused with exactly ``message``; returns its path."""
    path = folder / "automsg.toml"
    path.write_text(f"{line}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, ENV)
    assert str(caught.value) == f"{path}: {message}"
    return path


def write_config(folder: Path, emu: Emu, *, auto_apply: bool = True, settle: float | None = 0) -> Path:
    """Two accounts; inbox files are taken at once unless ``settle`` (None: the default, 30 s)."""
    path = folder / "automsg.toml"
    settle_line = "" if settle is None else f"settle_seconds = {settle}"
    path.write_text(
        f"""
csds_url = "{emu.url}"
{settle_line}
[http]
retry_waits = [0.01, 0.01, 0.01]
timeout = 10
[policies]
auto_apply = {str(auto_apply).lower()}
[[accounts]]
id = "{ACCOUNT}"
auth = "oauth"
languages = ["fr-FR", "de-DE"]
formats = ["po"]
[[accounts]]
id = "{OTHER}"
auth = "oauth"
app_key_env = "EU_KEY"
app_secret_env = "EU_SECRET"
access_token_env = "EU_TOKEN"
access_token_secret_env = "EU_TOKEN_SECRET"
formats = ["po", "xlsx"]
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def cfg(emu: Emu, tmp_path: Path) -> Settings:
    return load_settings(write_config(tmp_path, emu), ENV)


def run(settings: Settings, **kwargs: Any) -> CronReport:
    return cron_run(settings, sleep=Sleeps(), **kwargs)


def translate_into_inbox(settings: Settings, account: str, lang: str, name: str | None = None) -> Path:
    src = settings.paths.outbox / account / f"{lang}.po"
    po = polib.pofile(str(src))
    for entry in po:
        if not entry.msgstr:
            entry.msgstr = f"(fr) {entry.msgid}"
    inbox = settings.paths.inbox / account
    inbox.mkdir(parents=True, exist_ok=True)
    target = inbox / (name or src.name)
    po.save(str(target))
    return target


def account_requests(emu: Emu, account: str) -> list[tuple[str, str, int | None]]:
    return [
        (r["method"], r["path"].split("/")[-1], r["status"])
        for r in emu.requests()
        if f"/account/{account}/" in r["path"]
    ]


def test_first_run_exports_both_accounts(emu: Emu, cfg: Settings) -> None:
    report = run(cfg)
    assert report.exit_code == 0
    assert sorted(p.name for p in (cfg.paths.outbox / ACCOUNT).iterdir()) == ["de-DE.po", "fr-FR.po"]
    assert sorted(p.name for p in (cfg.paths.outbox / OTHER).iterdir()) == ["fr-FR.po", "fr-FR.xlsx"]
    # only the configured states: nothing already translated is sent
    entries = polib.pofile(str(cfg.paths.outbox / OTHER / "fr-FR.po"))
    assert sorted(e.msgctxt for e in entries) == [
        "account|CONV_AWAITING_IN_QUEUE",
        "account|YOU_ARE_CONNECTED_TO",
        "skill/21|CONSUMER_OPEN_NEW_CONVERSATION",
    ]
    assert report.path is not None and json.loads(report.path.read_text())["exit_code"] == 0


def test_returned_file_is_applied_archived_and_the_rest_exported(emu: Emu, cfg: Settings) -> None:
    run(cfg)
    returned = translate_into_inbox(cfg, ACCOUNT, "fr-FR")
    emu.clear_requests()
    report = run(cfg)
    assert report.exit_code == 0, report.to_json()
    mine, other = report.accounts
    assert [(f.name, f.status, f.applied) for f in mine.files] == [("fr-FR.po", "applied", 13)]
    assert not returned.exists()
    assert (cfg.paths.archive / TODAY / ACCOUNT / "fr-FR.po").exists()
    # our writes changed the revision, so the export ran: French is done (its file goes), and
    # German did not change, so its file stays as the vendor received it (no new copy)
    german = cfg.paths.outbox / ACCOUNT / "de-DE.po"
    assert mine.export == "nothing new" and mine.exported == [] and german.exists()
    assert not (cfg.paths.outbox / ACCOUNT / "fr-FR.po").exists()
    assert other.export == "unchanged" and other.files == [] and other.requests == 1
    saved = json.loads(report.path.read_text())  # type: ignore[union-attr]
    first = saved["accounts"][0]
    assert first["applied"] == 13 and first["export"] == "nothing new" and first["requests"] == mine.requests
    assert set(first["seconds"]) == {"import", "export"}


def test_second_run_costs_one_request_per_account(emu: Emu, cfg: Settings) -> None:
    run(cfg)
    translate_into_inbox(cfg, ACCOUNT, "fr-FR")
    run(cfg)
    emu.clear_requests()
    report = run(cfg)
    assert report.exit_code == 0
    assert [(a.files, a.exported, a.export) for a in report.accounts] == [([], [], "unchanged")] * 2
    # the legacy-only account: the API its last export found is tried first, so no 404 first
    for account, api in ((ACCOUNT, "unified-auto-messages"), (OTHER, "auto-messages")):
        assert account_requests(emu, account) == [("GET", api, 304)]
    assert len(emu.requests()) == 2


def test_dry_run_policy_leaves_the_plan_and_needs_a_human(emu: Emu, tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, emu, auto_apply=False), ENV)
    run(settings)
    translate_into_inbox(settings, ACCOUNT, "fr-FR")
    before = emu.dump()
    report = run(settings)
    assert report.exit_code == 3
    [item] = report.accounts[0].files
    assert (item.status, item.planned, item.applied) == ("planned", 13, 0)
    assert emu.dump() == before
    assert (settings.paths.archive / TODAY / ACCOUNT / "fr-FR.po").exists()


def test_a_locked_account_exits_4_and_the_others_run(emu: Emu, cfg: Settings) -> None:
    lock = FileLock(str(cfg.state_dir / "locks" / f"{ACCOUNT}.lock"))
    (cfg.state_dir / "locks").mkdir(parents=True)
    with lock:
        report = run(cfg)
    assert [a.status for a in report.accounts] == ["locked", "ok"] and report.exit_code == 4
    assert (
        report.accounts[0].summary() == f"{ACCOUNT}: locked — another run holds this account's lock; skipped"
    )
    assert account_requests(emu, ACCOUNT) == []


def _cli(cwd: Path, emu: Emu, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, **ENV)
    cmd = [sys.executable, "-m", "automsg_sync", "cron-run", "--config", str(cwd / "automsg.toml"), *args]
    return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_held(emu: Emu, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while not [r for r in emu.requests() if r["status"] is None]:
        assert proc.poll() is None and time.monotonic() < deadline, "the held request never arrived"
        time.sleep(0.02)  # polling the emulator's log for the condition


def test_two_concurrent_runs_on_one_account(emu: Emu, cfg: Settings, tmp_path: Path) -> None:
    emu.faults(script=[{"match": f"/account/{ACCOUNT}/configuration/engagement-window", "hold": "first"}])
    with _cli(tmp_path, emu, "--accounts", ACCOUNT) as first:
        _wait_for_held(emu, first)
        second = _cli(tmp_path, emu, "--accounts", ACCOUNT)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 4, err
        assert out.splitlines()[0] == f"{ACCOUNT}: locked — another run holds this account's lock; skipped"
        requests.post(f"{emu.url}/_emulator/release/first", timeout=5)
        out, err = first.communicate(timeout=60)
        assert first.returncode == 0, err


def test_killed_mid_run_then_rerun_ends_like_an_uninterrupted_run(
    emu: Emu, cfg: Settings, tmp_path: Path
) -> None:
    run(cfg)
    translate_into_inbox(cfg, ACCOUNT, "fr-FR")
    de = translate_into_inbox(cfg, ACCOUNT, "de-DE")
    os.utime(de, (time.time() + 60, time.time() + 60))  # newer: imported second
    # the second file's first PUT is held, and the process is killed while waiting
    emu.faults(script=[{"match": "auto-messages", "method": "PUT", "skip": 3, "hold": "kill", "drop": True}])
    with _cli(tmp_path, emu, "--accounts", ACCOUNT) as proc:
        _wait_for_held(emu, proc)
        proc.kill()
        proc.wait(timeout=10)
    requests.post(f"{emu.url}/_emulator/release/kill", timeout=5)
    inbox = sorted(p.name for p in (cfg.paths.inbox / ACCOUNT).iterdir())
    assert inbox == ["de-DE.po"]  # the first file was archived, the second is still there
    report = run(cfg)
    assert report.exit_code == 0, report.to_json()
    assert [(f.name, f.status) for f in report.accounts[0].files] == [("de-DE.po", "applied")]
    assert sorted(p.name for p in (cfg.paths.archive / TODAY / ACCOUNT).iterdir()) == ["de-DE.po", "fr-FR.po"]
    ok_puts = [
        (r["query"].get("context_id", "account"))
        for r in emu.requests()
        if r["method"] == "PUT" and r["status"] == 200
    ]
    assert sorted(ok_puts) == sorted(
        ["account", "7", "9"] * 2
    )  # each context once per language: no double write
    # the same end state as a run that was never interrupted
    texts = {
        (c, o["id"], e["lang"]): e["msg"]
        for c, objs in emu.dump()["accounts"][ACCOUNT]["autoMessages"].items()
        for o in objs
        for e in o["data"]
    }
    assert (
        sum(1 for k, v in texts.items() if k[2].lower() in ("fr-fr", "de-de") and v.startswith("(fr) "))
        == 13 + 14
    )


def test_cli_config_errors(emu: Emu, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, emu)
    cfg.write_text(cfg.read_text() + "\n[policies]\nauto_aply = true\n")
    result = CliRunner().invoke(main, ["cron-run", "--config", str(cfg)], env=ENV)
    assert result.exit_code == 2 and "error:" in result.stderr
    cfg.write_text(
        write_config(tmp_path, emu)
        .read_text()
        .replace("[policies]\nauto_apply = true", "[policies]\nauto_aply = true")
    )
    result = CliRunner().invoke(main, ["cron-run", "--config", str(cfg)], env=ENV)
    assert (  # with the closest known key (issue #29 point 6)
        result.exit_code == 2
        and result.stderr.strip()
        == f"error: {cfg}: policies.auto_aply: unknown key; did you mean auto_apply?"
    )
    secret = (
        write_config(tmp_path, emu)
        .read_text()
        .replace('auth = "oauth"\nlanguages', 'auth = "oauth"\napp_secret = "inline-s3cret"\nlanguages', 1)
    )
    cfg.write_text(secret)
    os.chmod(cfg, 0o644)
    result = CliRunner().invoke(main, ["cron-run", "--config", str(cfg)], env=ENV)
    assert (
        result.exit_code == 2
        and "readable by group or others" in result.stderr
        and "inline-s3cret" not in result.stderr
    )


def test_cli_prints_one_line_per_account(emu: Emu, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, emu)
    result = CliRunner().invoke(main, ["cron-run", "--config", str(cfg)], env=ENV)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{ACCOUNT}: ok; nothing to import; exported 2 file(s); ")
    assert lines[1].startswith(f"{OTHER}: ok; nothing to import; exported 2 file(s); ")
    assert lines[2].startswith("report: ")


def test_liveperson_unreachable_is_an_error_and_the_files_stay(emu: Emu, cfg: Settings) -> None:
    run(cfg)
    good = translate_into_inbox(cfg, ACCOUNT, "fr-FR")
    bad = good.with_name("notes.txt")
    bad.write_text("hello")
    emu.server.stop()  # nothing listens on the emulator's port any more: connections are refused
    report = run(cfg)
    assert report.exit_code == 1, report.to_json()
    mine, other = report.accounts
    assert mine.status == other.status == "error"
    # the refused file is still a human's job; the good one waits in the inbox for LivePerson
    assert {f.name: f.status for f in mine.files} == {"fr-FR.po": "kept", "notes.txt": "failed"}
    assert [p.name for p in (cfg.paths.inbox / ACCOUNT).iterdir()] == ["fr-FR.po"]
    assert (cfg.paths.failed / ACCOUNT / "notes.txt.errors.json").exists()
    summary = mine.summary()
    assert summary.startswith(f"{ACCOUNT}: error; 1 refused (see ")
    assert ", 1 left in the inbox for the next run; " in summary
    assert "; error: " in summary and "; error: " in other.summary()
    saved = json.loads(report.path.read_text())  # type: ignore[union-attr]
    assert [(a["status"], a["exit_code"]) for a in saved["accounts"]] == [("error", 1)] * 2


def test_the_run_page_is_written_beside_the_json(emu: Emu, tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, emu), ENV)
    report = run(settings)
    assert report.path is not None
    page = report.path.with_suffix(".html")
    html = page.read_text(encoding="utf-8")
    assert ACCOUNT in html and OTHER in html and oct(page.stat().st_mode & 0o777) == "0o600"
    quiet = dataclasses.replace(settings, html_reports=False)
    second = run(quiet)
    assert second.path is not None and not second.path.with_suffix(".html").exists()


# ---------------------------------------------------------------- many accounts, served concurrently

COPIES = ("70071601", "70071602", "70071603")  # the sample account, copied under new ids
MISSING = "70071699"  # configured, but LivePerson does not know it: its run fails


@pytest.fixture
def many() -> Iterator[Emu]:
    data = sample_data()
    for new in COPIES:
        data["accounts"][new] = copy.deepcopy(data["accounts"][ACCOUNT])
    with EmulatorServer(Store(data)) as server:
        yield Emu(server)


def write_many_config(folder: Path, emu: Emu, ids: list[str], parallel: int | None) -> Path:
    """``ids`` with the sample account's API key; ``parallel`` None: the default."""
    accounts = "".join(
        f'[[accounts]]\nid = "{a}"\nauth = "oauth"\nlanguages = ["fr-FR"]\nformats = ["po"]\n' for a in ids
    )
    line = "" if parallel is None else f"max_parallel_accounts = {parallel}"
    path = folder / "automsg.toml"
    path.write_text(
        f'csds_url = "{emu.url}"\nsettle_seconds = 0\n{line}\n[http]\nretry_waits = [0.01, 0.01, 0.01]\n'
        f"timeout = 60\n[policies]\nauto_apply = true\n{accounts}",
        encoding="utf-8",
    )
    return path


def wait_until(
    emu: Emu, running: Future[CronReport], condition: Callable[[list[dict[str, Any]]], bool], what: str
) -> list[dict[str, Any]]:
    """Poll the emulator's request log until ``condition`` holds (the run must still be going)."""
    deadline = time.monotonic() + 30
    while True:
        log = emu.requests()
        if condition(log):
            return log
        assert not running.done(), f"the run ended before {what}: {running.result().to_json()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)  # polling the emulator's log for the condition


def of(account: str, log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in log if f"/account/{account}/" in r["path"]]


def test_accounts_are_served_concurrently_and_reported_in_configured_order(many: Emu, tmp_path: Path) -> None:
    ids = [ACCOUNT, *COPIES]
    settings = load_settings(write_many_config(tmp_path, many, ids, parallel=3), ENV)
    assert settings.max_parallel_accounts == 3
    # the first account's first request is parked until the test releases it
    many.faults(script=[{"match": f"/account/{ACCOUNT}/", "hold": "first", "holdSeconds": 120}])
    with ThreadPoolExecutor(1) as runner:
        running = runner.submit(run, settings)
        try:
            wait_until(many, running, lambda log: bool(of(ACCOUNT, log)), "the first account's request")
            # its own lock is held by the run meanwhile (a writer by hand would get exit 4)
            with pytest.raises(Timeout):
                FileLock(str(settings.state_dir / "locks" / f"{ACCOUNT}.lock"), timeout=0).acquire()
            # the other accounts are served meanwhile, the fourth one too: a slot freed up
            exported = [settings.paths.outbox / c / "fr-FR.po" for c in COPIES]
            log = wait_until(
                many,
                running,
                lambda log: all(of(c, log) for c in COPIES) and all(p.exists() for p in exported),
                "the other accounts' exports",
            )
            [held] = of(ACCOUNT, log)
            assert held["status"] is None  # still parked: the others overlapped it
            assert all(r["status"] == 200 for c in COPIES for r in of(c, log))
        finally:
            requests.post(f"{many.url}/_emulator/release/first", timeout=5)
        report = running.result(timeout=60)
    # the first account finished last, and is still reported first: the configured order
    assert max(i for i, r in enumerate(many.requests()) if ACCOUNT in r["path"]) == len(many.requests()) - 1
    assert [(a.account, a.status, a.export) for a in report.accounts] == [(a, "ok", "exported") for a in ids]
    saved = json.loads(report.path.read_text())  # type: ignore[union-attr]
    assert [a["account"] for a in saved["accounts"]] == ids and saved["exit_code"] == 0
    # each account counts its own requests, none of the others' (and its stock-text read, whose
    # URL names LivePerson's literal account "default", not the account)
    stock = [r for r in many.requests() if "/account/default/" in r["path"]]
    assert len(stock) == len(ids)
    assert [a.requests for a in report.accounts] == [len(of(a, many.requests())) + 1 for a in ids]


def test_one_at_a_time_with_max_parallel_accounts_1(many: Emu, tmp_path: Path) -> None:
    ids = [COPIES[2], ACCOUNT, COPIES[0]]  # not sorted: the configured order is what counts
    settings = load_settings(write_many_config(tmp_path, many, ids, parallel=1), ENV)
    report = run(settings)
    assert [(a.account, a.status) for a in report.accounts] == [(a, "ok") for a in ids]
    # each account's requests all come before the next account's first one, in the configured order
    order = [a for r in many.requests() for a in ids if f"/account/{a}/" in r["path"]]
    assert order == sorted(order, key=ids.index) and set(order) == set(ids)


def test_parallel_runs_interleave_accounts(many: Emu, tmp_path: Path) -> None:
    """The contrast to the one-at-a-time run: with 3 at once, every account's first
    request is sent before any of them finished (the first one is parked until all arrived)."""
    ids = [ACCOUNT, *COPIES[:2]]
    settings = load_settings(write_many_config(tmp_path, many, ids, parallel=3), ENV)
    many.faults(script=[{"match": f"/account/{ACCOUNT}/", "hold": "first", "holdSeconds": 120}])
    with ThreadPoolExecutor(1) as runner:
        running = runner.submit(run, settings)
        try:
            wait_until(many, running, lambda log: all(of(a, log) for a in ids), "every account's request")
        finally:
            requests.post(f"{many.url}/_emulator/release/first", timeout=5)
        report = running.result(timeout=60)
    order = [a for r in many.requests() for a in ids if f"/account/{a}/" in r["path"]]
    assert order != sorted(order, key=ids.index)  # interleaved
    assert report.exit_code == 0


def test_one_accounts_failure_stays_its_own_when_concurrent(many: Emu, tmp_path: Path) -> None:
    ids = [ACCOUNT, MISSING, COPIES[0], COPIES[1]]
    settings = load_settings(write_many_config(tmp_path, many, ids, parallel=3), ENV)
    inbox = settings.paths.inbox / COPIES[1]
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "notes.txt").write_text("not a translator file")
    report = run(settings)
    assert [a.status for a in report.accounts] == ["ok", "error", "ok", "needs-human"]
    assert report.exit_code == 1  # the worst over the accounts
    failed, refused = report.accounts[1], report.accounts[3]
    assert failed.errors and all(not a.errors for a in report.accounts if a is not failed)
    assert refused.summary().startswith(f"{COPIES[1]}: needs a human; 1 refused (see ")
    assert [a.export for a in report.accounts] == ["exported", "not run", "exported", "exported"]
    saved = json.loads(report.path.read_text())  # type: ignore[union-attr]
    assert [(a["account"], a["exit_code"]) for a in saved["accounts"]] == list(
        zip(ids, [0, 1, 0, 3], strict=True)
    )


def test_a_held_lock_makes_only_that_account_locked(many: Emu, tmp_path: Path) -> None:
    ids = [ACCOUNT, *COPIES]
    settings = load_settings(write_many_config(tmp_path, many, ids, parallel=3), ENV)
    (settings.state_dir / "locks").mkdir(parents=True)
    with FileLock(str(settings.state_dir / "locks" / f"{COPIES[1]}.lock")):
        report = run(settings)
    assert [a.status for a in report.accounts] == ["ok", "ok", "locked", "ok"] and report.exit_code == 4
    assert of(COPIES[1], many.requests()) == []
    assert (
        report.accounts[2].summary()
        == f"{COPIES[1]}: locked — another run holds this account's lock; skipped"
    )


def test_concurrent_accounts_share_the_domain_cache_and_cost_one_request_each(
    many: Emu, tmp_path: Path
) -> None:
    ids = [ACCOUNT, *COPIES]
    settings = load_settings(write_many_config(tmp_path, many, ids, parallel=4), ENV)
    assert run(settings).exit_code == 0
    # each task wrote the Domain API's answer through its own connection to the one state file
    with sqlite3.connect(settings.state_dir / "state.db") as db:
        cached = sorted(r[0] for r in db.execute("SELECT account FROM domains"))
        checked = sorted(r[0] for r in db.execute("SELECT account FROM checked"))
    db.close()
    assert cached == checked == sorted(ids)
    many.clear_requests()
    report = run(settings)
    assert [(a.account, a.export, a.requests) for a in report.accounts] == [(a, "unchanged", 1) for a in ids]
    assert sorted(r["path"].split("/")[4] for r in many.requests()) == sorted(ids)
    assert all((r["method"], r["status"]) == ("GET", 304) for r in many.requests())


def test_an_account_named_twice_runs_once(many: Emu, tmp_path: Path) -> None:
    settings = load_settings(write_many_config(tmp_path, many, [ACCOUNT, COPIES[0]], parallel=2), ENV)
    report = run(settings, account_ids=[COPIES[0], ACCOUNT, COPIES[0]])
    assert [(a.account, a.status) for a in report.accounts] == [(COPIES[0], "ok"), (ACCOUNT, "ok")]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("max_parallel_accounts = 0", "max_parallel_accounts: expected 1 to 64 accounts at once, got 0"),
        ("max_parallel_accounts = 65", "max_parallel_accounts: expected 1 to 64 accounts at once, got 65"),
        ('max_parallel_accounts = "8"', "max_parallel_accounts: expected an integer, got '8'"),
        ("max_parallel_accounts = 2.5", "max_parallel_accounts: expected an integer, got 2.5"),
        ("max_parallel_accounts = true", "max_parallel_accounts: expected an integer, got True"),
        ("[http]\nmax_parallel_accounts = 4", "http.max_parallel_accounts: unknown key"),
    ],
)
def test_max_parallel_accounts_config(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "automsg.toml").write_text("")
    assert load_settings(tmp_path / "automsg.toml", ENV).max_parallel_accounts == 8
    path = refused_config(tmp_path, line, message)
    path.write_text("max_parallel_accounts = 1\n")
    assert load_settings(path, ENV).max_parallel_accounts == 1
