"""``automsg-sync status`` (cli/status.py): coverage per context and language, as JSON and as a table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ACCOUNT, USER, Emu
from test_cli import run


def test_status_json(emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["status", "--account", ACCOUNT, "--csds-url", emu.url, "--json"], USER)
    assert code == 0, err
    body = json.loads(out)
    assert body["account"] == ACCOUNT and body["revision"] == "1"
    assert body["api"] == "unified-auto-messages" and body["notices"] == []
    rows = {(r["context"], r["language"]): (r["custom"], r["default"], r["missing"]) for r in body["rows"]}
    assert rows[("account", "en-US")] == (16, 0, 0)
    assert rows[("account", "ja-JP")] == (3, 0, 13)  # Unified: stock text cannot be told from custom
    assert rows[("skill/7", "fr-FR")] == (1, 0, 2)
    assert rows[("skill/9", "es-ES")] == (1, 0, 0)
    code, out, err = run(
        ["status", "--account", ACCOUNT, "--csds-url", emu.url, "--json", "--api", "auto-messages"], USER
    )
    legacy = json.loads(out)
    assert code == 0 and legacy["api"] == "auto-messages"
    rows = {(r["context"], r["language"]): (r["custom"], r["default"], r["missing"]) for r in legacy["rows"]}
    assert rows[("account", "ja-JP")] == (1, 2, 13)


def test_status_table(emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["status", "--account", ACCOUNT, "--csds-url", emu.url], USER)
    assert code == 0
    assert "Automatic messages of account 70071528 (revision 1, unified-auto-messages API)" in out
    assert re.search(r"skill/7\s*│\s*Billing\s*│\s*ar\s*│\s*0\s*│\s*0\s*│\s*3", out)


def test_status_percent_done(emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    base = ["status", "--account", ACCOUNT, "--csds-url", emu.url]
    code, out, err = run([*base, "--json"], USER)
    assert code == 0, err
    rows = {(r["context"], r["language"]): r for r in json.loads(out)["rows"]}
    assert rows[("skill/7", "fr-FR")]["done_percent"] == 33.3  # 1 custom of 1 + 0 + 2
    assert rows[("account", "fr-FR")]["done_percent"] == 37.5  # 6 of 16
    assert rows[("account", "en-US")]["done_percent"] == 100.0
    code, out, _ = run(base, USER)
    assert code == 0
    assert re.search(r"┃\s*missing\s*┃\s*done\s*┃", out), out
    assert re.search(r"skill/7\s*│\s*Billing\s*│\s*ar\s*│\s*0\s*│\s*0\s*│\s*3\s*│\s*0\.0 %", out), out
    assert re.search(r"│\s*fr-FR\s*│\s*6\s*│\s*0\s*│\s*10\s*│\s*37\.5 %", out), out


def test_status_filters_languages_and_skills(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = ["status", "--account", ACCOUNT, "--csds-url", emu.url]
    code, out, err = run([*base, "--json", "--languages", "fr-fr,de-DE", "--skills", "7"], USER)
    assert code == 0, err
    rows = [(r["context"], r["language"]) for r in json.loads(out)["rows"]]
    assert rows == [("account", "fr-FR"), ("account", "de-DE"), ("skill/7", "fr-FR"), ("skill/7", "de-DE")]
    code, out, _ = run([*base, "--languages", "fr-FR"], USER)
    assert code == 0
    assert "de-DE" not in out and "skill/9" in out  # no --skills: every skill
    code, _, err = run([*base, "--skills", "404"], USER)
    assert code == 2 and "--skills: no skill 404" in err
