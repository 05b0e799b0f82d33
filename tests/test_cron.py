"""cron-run against the emulator: two accounts, inbox, archive, failed, outbox, locks, kills."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polib
import pytest
import requests
from click.testing import CliRunner
from conftest import ACCOUNT, KEYS, Emu, Sleeps
from filelock import FileLock

from automsg_sync.cli import main
from automsg_sync.config import Settings, load_settings
from automsg_sync.cron import CronReport, cron_run
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
        "account|Agent accepts message",
        "account|Waiting in queue message",
        "skill/21|Welcome message",
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


def test_refused_files_go_to_failed_need_a_human_and_good_files_still_apply(emu: Emu, cfg: Settings) -> None:
    run(cfg)
    good = translate_into_inbox(cfg, ACCOUNT, "fr-FR")
    bad = good.with_name("broken.po")
    bad.write_text(
        'msgid ""\nmsgstr ""\n"X-Automsg-Account: 70071528\\n"\n\nthis is not po\n', encoding="utf-8"
    )
    os.utime(bad, (time.time() - 60, time.time() - 60))  # older: imported first
    notes = good.with_name("notes.txt")
    notes.write_text("hello")
    report = run(cfg)
    # refused files are a human's job, not a failure of the run: exit 3, not 1
    assert report.exit_code == 3, report.to_json()
    mine = report.accounts[0]
    assert mine.status == "needs-human" and mine.errors == []
    failed = cfg.paths.failed / ACCOUNT
    see = f"broken.po.errors.json and notes.txt.errors.json in {failed}{os.sep}"
    assert mine.summary().startswith(
        f"{ACCOUNT}: needs a human; 1 imported, 2 refused (see {see}); 13 applied, 0 skipped; "
    )
    saved = json.loads(report.path.read_text())  # type: ignore[union-attr]
    first = saved["accounts"][0]
    assert (saved["exit_code"], first["status"], first["exit_code"]) == (3, "needs-human", 3)
    assert first["summary"] == mine.summary()
    assert first["inbox"] == {"imported": 1, "refused": 2, "kept": 0, "waiting": 0, "left_alone": 0}
    assert {f["name"]: f["errors_file"] for f in first["imported"]} == {
        "broken.po": str(failed / "broken.po.errors.json"),
        "fr-FR.po": None,
        "notes.txt": str(failed / "notes.txt.errors.json"),
    }
    assert (cfg.paths.archive / TODAY / ACCOUNT / "fr-FR.po").exists()
    files = {f.name: f.status for f in report.accounts[0].files}
    assert files == {"broken.po": "failed", "fr-FR.po": "applied", "notes.txt": "failed"}
    assert sorted(p.name for p in failed.iterdir()) == [
        "broken.po",
        "broken.po.errors.json",
        "notes.txt",
        "notes.txt.errors.json",
    ]
    errors = json.loads((failed / "broken.po.errors.json").read_text())
    assert errors["errors"][0]["where"] == 5 and "not PO syntax" in errors["errors"][0]["message"]
    assert list((cfg.paths.inbox / ACCOUNT).iterdir()) == []
    assert report.accounts[1].status == "ok"  # the other account is not affected


def test_upload_in_progress_is_left_alone(emu: Emu, cfg: Settings) -> None:
    run(cfg)
    partial = translate_into_inbox(cfg, ACCOUNT, "fr-FR", name="fr-FR.po.part")
    report = run(cfg)
    assert report.accounts[0].files == [] and partial.exists()


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
    assert result.exit_code == 2 and result.stderr.strip() == f"error: {cfg}: policies.auto_aply: unknown key"
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


def test_one_refused_file_names_its_errors_file(emu: Emu, cfg: Settings) -> None:
    run(cfg)
    # the other account's export, dropped into this account's inbox
    stray = translate_into_inbox(cfg, OTHER, "fr-FR")
    (cfg.paths.inbox / ACCOUNT).mkdir()
    stray.rename(cfg.paths.inbox / ACCOUNT / stray.name)
    emu.clear_requests()
    report = run(cfg)
    assert report.exit_code == 3 and [a.status for a in report.accounts] == ["needs-human", "ok"]
    errors_file = cfg.paths.failed / ACCOUNT / "fr-FR.po.errors.json"
    assert (
        report.accounts[0].summary().startswith(f"{ACCOUNT}: needs a human; 1 refused (see {errors_file}); ")
    )
    reasons = json.loads(errors_file.read_text())["errors"]
    assert [e["message"] for e in reasons] == [f"the file is for account {OTHER}, not {ACCOUNT}"]
    assert not [r for r in emu.requests() if r["method"] != "GET"]  # nothing was written


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


def test_a_file_still_being_written_waits_for_the_next_run(emu: Emu, tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, emu, settle=None), ENV)
    assert settings.settle_seconds == 30
    run(settings)
    arriving = translate_into_inbox(settings, ACCOUNT, "fr-FR")
    content = arriving.read_bytes()
    now = time.time()
    os.utime(arriving, (now, now))  # written just now: maybe not finished
    emu.clear_requests()
    report = run(settings)
    assert report.exit_code == 0, report.to_json()
    mine = report.accounts[0]
    assert (mine.status, mine.files, mine.waiting) == ("ok", [], ["fr-FR.po"])
    assert arriving.read_bytes() == content and list(arriving.parent.iterdir()) == [arriving]
    assert mine.summary().startswith(
        f"{ACCOUNT}: ok; 1 waiting (still being written); unchanged since last export; "
    )
    saved = json.loads(report.path.read_text())["accounts"][0]  # type: ignore[union-attr]
    assert saved["waiting"] == ["fr-FR.po"] and saved["inbox"]["waiting"] == 1
    assert not [r for r in emu.requests() if r["method"] != "GET"]
    # judged by the clock cron_run is given: settle_seconds after the last change, it is taken
    report = run(settings, clock=lambda: now + 29.9)
    assert report.accounts[0].waiting == ["fr-FR.po"] and arriving.exists()
    report = run(settings, clock=lambda: now + 30)
    assert [(f.name, f.status, f.applied) for f in report.accounts[0].files] == [("fr-FR.po", "applied", 13)]
    assert report.accounts[0].waiting == [] and not arriving.exists()


def test_a_file_unchanged_for_a_minute_is_imported(emu: Emu, tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, emu, settle=None), ENV)
    run(settings)
    returned = translate_into_inbox(settings, ACCOUNT, "fr-FR")
    os.utime(returned, (time.time() - 60, time.time() - 60))
    writing = translate_into_inbox(settings, ACCOUNT, "de-DE")  # this one was written just now
    report = run(settings)
    assert report.exit_code == 0, report.to_json()
    mine = report.accounts[0]
    assert [(f.name, f.status) for f in mine.files] == [("fr-FR.po", "applied")]
    assert mine.waiting == ["de-DE.po"] and writing.exists()
    assert (settings.paths.archive / TODAY / ACCOUNT / "fr-FR.po").exists()
    assert mine.summary().startswith(
        f"{ACCOUNT}: ok; 1 imported, 1 waiting (still being written); 13 applied"
    )


def test_settle_seconds_zero_imports_at_once(emu: Emu, cfg: Settings) -> None:
    assert cfg.settle_seconds == 0
    run(cfg)
    returned = translate_into_inbox(cfg, ACCOUNT, "fr-FR")
    os.utime(returned, (time.time(), time.time()))
    partial = translate_into_inbox(cfg, ACCOUNT, "de-DE", name="de-DE.po.part")
    # a clock 5 s behind the file's time (a share's skewed clock): 0 still takes the file at once
    report = run(cfg, clock=lambda: os.stat(returned).st_mtime - 5)
    assert report.exit_code == 0, report.to_json()
    assert [(f.name, f.status) for f in report.accounts[0].files] == [("fr-FR.po", "applied")]
    assert report.accounts[0].waiting == [] and partial.exists()  # the upload rule still holds


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("settle_seconds = -1", "settle_seconds: expected 0 or more seconds, got -1"),
        ('settle_seconds = "30s"', "settle_seconds: expected a number, got '30s'"),
        ("[paths]\nsettle_seconds = 30", "paths.settle_seconds: unknown key"),
    ],
)
def test_settle_seconds_config(emu: Emu, tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "automsg.toml"
    path.write_text(f"{line}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, ENV)
    assert str(caught.value) == f"{path}: {message}"
    path.write_text("settle_seconds = 2.5\n")
    assert load_settings(path, ENV).settle_seconds == 2.5


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
