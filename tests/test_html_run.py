"""The run page of ``cron-run`` (``automsg_sync/html/run.py``), built from a real cron run
against the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.html
import pytest
from conftest import ACCOUNT, Emu, Sleeps
from test_cron import ENV, translate_into_inbox, write_config

from automsg_sync import html
from automsg_sync.config import load_settings
from automsg_sync.cron import cron_run


@pytest.fixture
def cron_json(emu: Emu, tmp_path: Path) -> dict[str, Any]:
    """A cron run that leaves a plan waiting (auto_apply off) with a conflict in it."""
    cfg = load_settings(write_config(tmp_path, emu, auto_apply=False), ENV)
    cron_run(cfg, [ACCOUNT], sleep=Sleeps())
    translate_into_inbox(cfg, ACCOUNT, "fr-FR")
    emu.ui_edit("account", "AGENT_NON_RESPONSIVE", "fr-FR", "Édité dans l'interface <b>à la main</b>")
    (cfg.paths.inbox / ACCOUNT / "notes.txt").write_text("not a translation\n")
    report = cron_run(cfg, [ACCOUNT], sleep=Sleeps()).to_json()
    assert report["exit_code"] == 3
    return report


def test_run_page_says_why_a_human_is_needed(cron_json: dict[str, Any], tmp_path: Path) -> None:
    path = html.write_run_page(cron_json, tmp_path / "reports" / "run.html", config=Path("automsg.toml"))
    assert path.stat().st_mode & 0o777 == 0o600
    dom = lxml.html.document_fromstring(path.read_text(encoding="utf-8"))
    text = dom.text_content()
    assert "needs a human" in text and "refused" in text and "notes.txt" in text
    account = cron_json["accounts"][0]
    moved = next(f["moved_to"] for f in account["imported"] if f["status"] == "planned")
    commands = [c.text_content() for c in dom.find_class("cmd")]
    assert f"automsg-sync import-translations {moved} --config automsg.toml --apply" in commands
    assert any(c.endswith("--apply --prefer-file") for c in commands)
    assert "Édité dans l'interface <b>à la main</b>" in text  # the live text of the conflict, as text


def test_the_page_cron_writes_carries_its_config_as_an_absolute_path(emu: Emu, tmp_path: Path) -> None:
    """Issue #29 point 7: a command copied from the page works from any folder."""
    cfg = load_settings(write_config(tmp_path, emu, auto_apply=False), ENV)
    assert cfg.config_path is not None and cfg.config_path.is_absolute()
    cron_run(cfg, [ACCOUNT], sleep=Sleeps())
    translate_into_inbox(cfg, ACCOUNT, "fr-FR")
    report = cron_run(cfg, [ACCOUNT], sleep=Sleeps())
    assert report.path is not None
    dom = lxml.html.document_fromstring(report.path.with_suffix(".html").read_text(encoding="utf-8"))
    commands = [c.text_content() for c in dom.find_class("cmd")]
    assert commands and all(f"--config {cfg.config_path}" in c for c in commands), commands


def test_a_plan_left_waiting_says_nothing_was_applied(cron_json: dict[str, Any], tmp_path: Path) -> None:
    """Issue #29 point 8: with auto_apply off the page says the file was imported and
    not applied, in the glossary's words, and how many units need a human."""
    path = html.write_run_page(cron_json, tmp_path / "run.html")
    text = " ".join(lxml.html.document_fromstring(path.read_text(encoding="utf-8")).text_content().split())
    planned = next(f for f in cron_json["accounts"][0]["imported"] if f["status"] == "planned")
    assert planned["applied"] == 0
    waiting = f"imported, plan waiting (auto_apply is off) · {planned['planned']} to write, not applied"
    assert waiting in text and f"{len(planned['skipped'])} need a human" in text
    assert "0 applied" not in text
