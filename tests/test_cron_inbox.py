"""cron-run's inbox (``automsg_sync.cron.inbox`` and ``cron.folders``) against the emulator:
refused files to failed/ with their errors file, uploads in progress and files still being
written left for the next run, settle_seconds, the inbox folders made."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import ACCOUNT, Emu
from test_cron import ENV, OTHER, TODAY, refused_config, run, translate_into_inbox, write_config

from automsg_sync.config import Settings, load_settings


@pytest.fixture
def cfg(emu: Emu, tmp_path: Path) -> Settings:
    return load_settings(write_config(tmp_path, emu), ENV)


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


def test_one_refused_file_names_its_errors_file(emu: Emu, cfg: Settings) -> None:
    run(cfg)
    # the other account's export, dropped into this account's inbox
    stray = translate_into_inbox(cfg, OTHER, "fr-FR")
    (cfg.paths.inbox / ACCOUNT).mkdir(exist_ok=True)  # cron-run made it
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
    path = refused_config(tmp_path, line, message)
    path.write_text("settle_seconds = 2.5\n")
    assert load_settings(path, ENV).settle_seconds == 2.5


def test_the_inbox_folders_are_made_for_every_account(emu: Emu, tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, emu), ENV)
    run(settings)
    assert (settings.paths.inbox / ACCOUNT).is_dir() and (settings.paths.inbox / OTHER).is_dir()
