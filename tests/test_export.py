"""export-for-translation against the emulator."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, USER, Emu
from test_formats import msgfmt

from automsg_sync.cli import main
from automsg_sync.config import Settings
from automsg_sync.errors import ConfigError
from automsg_sync.export import ExportRequest, ExportResult, export_for_translation
from automsg_sync.formats.po import read_po
from automsg_sync.lp import Connection
from automsg_sync.state import StateStore

LANGS = ["ar", "de-DE", "es-ES", "fr-FR", "he-IL", "ja-JP", "pt-BR", "zh-CN"]


def export(conn: Connection, settings: Settings, out: Path, **kwargs: object) -> ExportResult:
    request = ExportRequest(out_dir=out, **kwargs)  # type: ignore[arg-type]
    return export_for_translation(conn, settings.account(ACCOUNT), request, StateStore(settings.state_dir))


def test_sample_exports_every_language(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    result = export(conn, settings, tmp_path)
    assert [lang.language for lang in result.languages] == LANGS
    assert all(lang.exported == 20 for lang in result.languages)
    for lang in LANGS:
        po = tmp_path / ACCOUNT / f"{lang}.po"
        check = subprocess.run([msgfmt(), "-c", "-o", "/dev/null", str(po)], capture_output=True, text=True)
        assert check.returncode == 0 and check.stderr == "", check.stderr
        xlsx = tmp_path / ACCOUNT / f"{lang}.xlsx"
        assert openpyxl.load_workbook(xlsx)["Translations"].max_row == 21
        frame = pd.read_excel(xlsx, engine="calamine", sheet_name="Translations", dtype=str)
        assert len(frame) == 20 and list(frame.columns)[4] == f"Translation ({lang})"
    entries = {e.key: e for e in read_po(tmp_path / ACCOUNT / "fr-FR.po").entries}
    assert entries["skill/7|CONSUMER_OPEN_NEW_CONVERSATION"].target.startswith(
        "Bonjour, vous êtes au service Facturation"
    )
    assert entries["skill/9|CONSUMER_OPEN_NEW_CONVERSATION"].target == ""  # the skill has no French override
    assert "Skill: Billing (7)" in entries["skill/7|CONSUMER_OPEN_NEW_CONVERSATION"].notes
    assert "Timer: 60 s" in entries["account|On-hold message #1"].notes
    assert (
        "Channel: chat (HTML allowed; keep the source's tags)" in entries["account|Agents unavailable"].notes
    )
    # through the Unified API (the default) no text is marked as LivePerson's stock text
    ja = {e.key: e for e in read_po(tmp_path / ACCOUNT / "ja-JP.po").entries}
    assert result.api == "unified-auto-messages"
    assert "LivePerson default text" not in ja["account|CONSUMER_OPEN_NEW_CONVERSATION"].notes


def test_legacy_api_marks_livepersons_default_text(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """Only the legacy API says which texts are LivePerson's stock ones (isDefault)."""
    legacy = dataclasses.replace(settings.account(ACCOUNT), api="auto-messages")
    request = ExportRequest(out_dir=tmp_path, languages=["ja-JP"], formats=["po"])
    result = export_for_translation(conn, legacy, request, StateStore(settings.state_dir))
    assert result.api == "auto-messages" and result.languages[0].states["default"] == 2
    ja = {e.key: e for e in read_po(tmp_path / ACCOUNT / "ja-JP.po").entries}
    assert "LivePerson default text" in ja["account|CONSUMER_OPEN_NEW_CONVERSATION"].notes
    assert StateStore(settings.state_dir).baseline(result.export_id).api == "auto-messages"  # type: ignore[union-attr]


def test_request_budget(emu: Emu, conn: Connection, settings: Settings, tmp_path: Path) -> None:
    result = export(conn, settings, tmp_path)
    calls = [(r["method"], r["path"].split("/")[-1], r["query"].get("view")) for r in emu.requests()]
    assert calls == [
        ("GET", "baseURI.json", None),
        ("POST", "login", None),
        ("GET", "unified-auto-messages", "BY_CONTEXT"),
        ("GET", "unified-auto-messages-defaults", None),  # LivePerson's stock texts (issue #25)
        ("GET", "skills", None),
    ]
    assert result.requests == 5


def test_baseline_recorded(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    result = export(conn, settings, tmp_path, languages=["fr-FR"], formats=["po"])
    baseline = StateStore(settings.state_dir).baseline(result.export_id)
    assert baseline is not None
    assert (baseline.account, baseline.revision, baseline.source_language) == (ACCOUNT, "1", "en-US")
    assert len(baseline.units) == 20
    unit = baseline.units[("account|On-hold message #1", "fr-fr")]
    assert (unit.message_id, unit.source, unit.target, unit.state) == (
        "On-hold message #1",  # the Unified API shows no id: an object is addressed by its event id
        "I'll be right with you.",
        "Je suis à vous dans un instant.",
        "translated",
    )
    assert read_po(tmp_path / ACCOUNT / "fr-FR.po").meta.export_id == result.export_id


def test_source_change_marks_exactly_those_units_stale(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    first = export(conn, settings, tmp_path / "1")
    assert all(lang.states["stale"] == 0 for lang in first.languages)
    old = "Hi, thanks for reaching out! An agent will be with you in {expectedResponseTime}."
    new = "Hello and thanks for writing! An agent will reply within {expectedResponseTime}."
    emu.ui_edit("account", "CONSUMER_OPEN_NEW_CONVERSATION", "en-US", new)
    second = export(conn, settings, tmp_path / "2")
    stale = {(lang.language, lang.states["stale"]) for lang in second.languages if lang.states["stale"]}
    # ja-JP too: its text is LivePerson's stock one, but the Unified API cannot tell
    assert stale == {("ar", 1), ("de-DE", 1), ("fr-FR", 1), ("he-IL", 1), ("ja-JP", 1)}
    for lang in ("ar", "de-DE", "fr-FR", "he-IL", "ja-JP"):
        po = tmp_path / "2" / ACCOUNT / f"{lang}.po"
        entry = next(e for e in read_po(po).entries if e.key == "account|CONSUMER_OPEN_NEW_CONVERSATION")
        assert entry.fuzzy and entry.previous_source == old and entry.source == new
        assert sum(e.fuzzy for e in read_po(po).entries) == 1
    # still stale on the next export: the translation has not been redone
    third = export(conn, settings, tmp_path / "3", languages=["fr-FR"])
    assert third.languages[0].states["stale"] == 1
    # a human fixes the French in the UI: no longer stale
    emu.ui_edit(
        "account",
        "CONSUMER_OPEN_NEW_CONVERSATION",
        "fr-FR",
        "Bonjour ! Un agent vous répondra dans {expectedResponseTime}.",
    )
    fourth = export(conn, settings, tmp_path / "4", languages=["fr-FR"])
    assert fourth.languages[0].states["stale"] == 0


def test_filters(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    result = export(
        conn,
        settings,
        tmp_path,
        languages=["fr-fr"],
        skills=["7"],
        only=frozenset({"missing"}),
        formats=["po"],
    )
    [lang] = result.languages
    assert lang.language == "fr-FR" and lang.exported == lang.states["missing"] == 12
    keys = [e.key for e in read_po(tmp_path / ACCOUNT / "fr-FR.po").entries]
    assert not any(k.startswith("skill/9|") for k in keys) and "skill/7|On-hold message #1" in keys
    assert not (tmp_path / ACCOUNT / "fr-FR.xlsx").exists()
    with pytest.raises(ConfigError, match="--skills: no skill 404"):
        export(conn, settings, tmp_path, skills=["404"])
    with pytest.raises(ConfigError, match="--only: unknown state 'done'"):
        export(conn, settings, tmp_path, only=frozenset({"done"}))


def test_cli_export(emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = [
        "export-for-translation",
        "--account",
        ACCOUNT,
        "--csds-url",
        emu.url,
        "--out",
        "out",
        "--languages",
        "he-IL,de-DE",
        "--format",
        "xlsx",
    ]
    result = CliRunner().invoke(main, args, env=USER)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out" / ACCOUNT).iterdir()) == ["de-DE.xlsx", "he-IL.xlsx"]
    assert "40 units in 2 files in out/70071528; 5 requests." in result.stdout
    assert (tmp_path / ".automsg" / "state.db").exists()


def test_worker_pool_writes_the_same_files(
    conn: Connection, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large exports write their files in worker processes: the same files, byte for byte."""
    import automsg_sync.outbox as outbox_module

    serial = export(conn, settings, tmp_path / "serial", export_id=f"{ACCOUNT}-serial", formats=["po"])
    monkeypatch.setattr(outbox_module, "POOL_MIN_UNITS", 0)
    pooled = export(conn, settings, tmp_path / "pooled", export_id=f"{ACCOUNT}-pooled", formats=["po"])
    assert [s.exported for s in pooled.languages] == [s.exported for s in serial.languages]
    for lang in LANGS:
        one = (tmp_path / "serial" / ACCOUNT / f"{lang}.po").read_text(encoding="utf-8")
        two = (tmp_path / "pooled" / ACCOUNT / f"{lang}.po").read_text(encoding="utf-8")
        same = [line for line in one.splitlines() if "Export-Id" not in line and "-Date:" not in line]
        assert same == [line for line in two.splitlines() if "Export-Id" not in line and "-Date:" not in line]


def test_a_lone_surrogate_in_livepersons_data_leaves_that_text_out(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """Issue #24, point 6: ``"Hi \\ud83d from Sales"`` (a lone surrogate, as JSON may carry
    it) in a live French text: the export no longer crashes with UnicodeEncodeError; that
    language of that message is left out and said, as other unusable server data; an
    import of the file writes nothing over it."""
    emu.ui_edit("skill/9", "CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR", "Hi \ud83d from Sales")
    result = export(conn, settings, tmp_path, languages=["fr-FR", "de-DE"], formats=["po", "xlsx"])
    said = [n for n in result.notices if "lone surrogate (U+D83D)" in n]
    assert said and "CONSUMER_OPEN_NEW_CONVERSATION" in said[0] and "fr-FR" in said[0], result.notices
    keys = {e.key for e in read_po(tmp_path / ACCOUNT / "fr-FR.po").entries}
    assert (
        "skill/9|CONSUMER_OPEN_NEW_CONVERSATION" not in keys
        and "account|CONSUMER_OPEN_NEW_CONVERSATION" in keys
    )
    assert "skill/9|CONSUMER_OPEN_NEW_CONVERSATION" in {
        e.key for e in read_po(tmp_path / ACCOUNT / "de-DE.po").entries
    }
    runner = CliRunner()
    po = tmp_path / ACCOUNT / "fr-FR.po"
    dry = runner.invoke(
        main,
        ["import-translations", str(po), "--state-dir", str(settings.state_dir), "--csds-url", emu.url],
        env=USER,
    )
    assert dry.exit_code == 0, dry.output


def test_an_import_over_a_text_that_became_a_lone_surrogate_does_not_crash(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    export(conn, settings, tmp_path, languages=["fr-FR"], formats=["po"])
    po = tmp_path / ACCOUNT / "fr-FR.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr ""', 'msgstr "Traduit"'), encoding="utf-8")
    emu.ui_edit("skill/7", "CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR", "Bonjour \udc00 Facturation")
    before = emu.dump()
    result = CliRunner().invoke(
        main,
        [
            "import-translations",
            str(po),
            "--apply",
            "--state-dir",
            str(settings.state_dir),
            "--csds-url",
            emu.url,
        ],
        env=USER,
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    after = emu.dump()
    fr = [
        e
        for o in after["accounts"][ACCOUNT]["autoMessages"]["skill/7"]
        for e in o["data"]
        if o["messageEventId"] == "CONSUMER_OPEN_NEW_CONVERSATION" and e["lang"] == "fr-FR"
    ]
    assert [e["msg"] for e in fr] == ["Bonjour \udc00 Facturation"]  # nothing written over it
    welcome = [  # the message's object: not written at all (its French is left out, not read)
        [
            o
            for o in dump["accounts"][ACCOUNT]["autoMessages"]["skill/7"]
            if o["messageEventId"] == "CONSUMER_OPEN_NEW_CONVERSATION"
        ]
        for dump in (before, after)
    ]
    assert welcome[0] == welcome[1]
    assert "1 problem(s) in the account's automatic messages: left out" in result.output, result.output
