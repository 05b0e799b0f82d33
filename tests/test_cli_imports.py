"""``automsg-sync import-translations`` (cli/imports.py): where it looks for the exports."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from conftest import ACCOUNT, USER, Emu, fill_po
from test_cli import run


def test_an_import_from_another_folder_names_the_state_store_and_creates_none(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #29 point 7: the translation manager ran the export in one folder and the
    import in another; the import says where it looked and what to pass, and leaves
    no empty state store behind (a dry run and an apply alike)."""
    exported, elsewhere = tmp_path / "project", tmp_path / "downloads"
    exported.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(exported)
    base = ["--account", ACCOUNT, "--csds-url", emu.url]
    code, _, err = run(["export-for-translation", *base, "--languages", "fr-FR", "--format", "po"], USER)
    assert code == 0, err
    po = fill_po(exported / "outbox" / ACCOUNT / "fr-FR.po")
    monkeypatch.chdir(elsewhere)
    for apply in ([], ["--apply"]):
        code, _, err = run(["import-translations", str(po), "--csds-url", emu.url, *apply], USER)
        assert code == 2, err
        expected = elsewhere / ".automsg" / "state.db"
        assert f"no state store at {expected}" in err and "--config FILE" in err and "--state-dir DIR" in err
        assert "Traceback" not in err and not (elsewhere / ".automsg").exists()
    code, _, err = run(
        ["import-translations", str(po), "--csds-url", emu.url, "--state-dir", str(exported / ".automsg")],
        USER,
    )
    assert code == 0, err


def test_an_unknown_export_id_names_the_absolute_state_store(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = ["--account", ACCOUNT, "--csds-url", emu.url]
    code, _, err = run(["export-for-translation", *base, "--languages", "fr-FR", "--format", "po"], USER)
    assert code == 0, err
    po = fill_po(tmp_path / "outbox" / ACCOUNT / "fr-FR.po")
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace("X-Automsg-Export-Id: ", "X-Automsg-Export-Id: gone-"), encoding="utf-8")
    code, out, err = run(["import-translations", str(po), "--csds-url", emu.url], USER)
    said = " ".join((out + err).split())
    assert code == 1, said
    assert f"(not in {tmp_path / '.automsg' / 'state.db'})" in said
    assert "another --config or --state-dir" in said


def test_the_plan_page_commands_carry_the_config_or_state_folder(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #29 point 7: each command the plan page suggests names the config (absolute)
    when one was used, else the state folder (absolute), so it works from any folder."""
    monkeypatch.chdir(tmp_path)
    base = ["--account", ACCOUNT, "--csds-url", emu.url]
    code, _, err = run(["export-for-translation", *base, "--languages", "fr-FR", "--format", "po"], USER)
    assert code == 0, err
    po = fill_po(tmp_path / "outbox" / ACCOUNT / "fr-FR.po")
    emu.ui_edit("account", "AGENT_NON_RESPONSIVE", "fr-FR", "Édité à la main")  # a conflict: more commands
    config = tmp_path / "conf" / "automsg.toml"  # not ./automsg.toml: the first run reads no config
    config.parent.mkdir()
    config.write_text('state_dir = "../.automsg"\n', encoding="utf-8")
    for options, carried in (
        ([], f"--state-dir {tmp_path / '.automsg'}"),
        (["--config", "conf/automsg.toml"], f"--config {config}"),
    ):
        page = tmp_path / "plan.html"
        code, _, err = run(
            ["import-translations", str(po), "--csds-url", emu.url, *options, "--html", str(page)], USER
        )
        assert code == 3, err
        shown = [c.text_content() for c in lxml.html.parse(str(page)).getroot().find_class("cmd")]
        commands = [c for c in shown if c.startswith("automsg-sync ")]
        assert len(commands) >= 2 and all(carried in c for c in commands), commands
