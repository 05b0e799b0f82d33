"""import-translations and restore on the command line: the file carries its account,
files of several accounts in one call, folders, --json and --wide."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, KEYS, USER, Emu
from test_cron import write_config
from test_imports import edit_po, pseudo, set_text

from automsg_sync.cli import main

OTHER = "70071529"  # the emulator's second account: API keys only, legacy API
EU_KEYS = {
    "EU_KEY": "9a8b7c6d5e4f30211a2b3c4d5e6f7a8b",
    "EU_SECRET": "c0ffee5ecret0001",
    "EU_TOKEN": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "EU_TOKEN_SECRET": "t0kense4cret0002",
}
LONG = "(fr) " + "Bonjour, " * 12 + "fin du texte."  # 113 characters: cut at 60 in the plan table


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The CLI as a shell runs it, but with AUTOMSG_ACCOUNT unset whatever the caller's environment."""
    environ: dict[str, str | None] = {"AUTOMSG_ACCOUNT": None, **(env or USER)}
    result = CliRunner().invoke(main, args, env=environ, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOMSG_ACCOUNT", raising=False)
    return tmp_path


def export_po(emu: Emu, account: str = ACCOUNT, env: dict[str, str] | None = None, *extra: str) -> Path:
    """Export fr-FR to ./out/<account>/fr-FR.po through the CLI; its path."""
    code, _, err = run(
        [
            "export-for-translation",
            "--account",
            account,
            "--csds-url",
            emu.url,
            "--out",
            "out",
            "--format",
            "po",
            "--languages",
            "fr-FR",
            *extra,
        ],
        env,
    )
    assert code == 0, err
    return Path("out") / account / "fr-FR.po"


def test_import_without_account_takes_it_from_the_file(emu: Emu, workdir: Path) -> None:
    po = export_po(emu)
    edit_po(po, pseudo)
    assert "AUTOMSG_ACCOUNT" not in os.environ
    code, out, err = run(["import-translations", str(po), "--csds-url", emu.url, "--apply"])
    assert code == 0, out + err
    assert re.search(r"^13 written, ", out, re.M), out  # the glossary's words (issue #29 point 8)
    live = emu.dump()["accounts"][ACCOUNT]["autoMessages"]["account"]
    assert any(e["msg"].startswith("(fr) ") for obj in live for e in obj["data"] if e["lang"] == "fr-FR")


def test_account_option_must_match_the_file(emu: Emu, workdir: Path) -> None:
    po = export_po(emu)
    edit_po(po, pseudo)
    code, out, err = run(["import-translations", str(po), "--csds-url", emu.url, "--account", OTHER])
    assert code == 2, out + err
    assert str(po) in err and f"for account {ACCOUNT}, not {OTHER}" in err
    assert [r for r in emu.requests() if f"/account/{OTHER}/" in r["path"]] == []  # refused before any call
    code, out, _ = run(["import-translations", str(po), "--csds-url", emu.url, "--account", ACCOUNT])
    assert code == 0 and "13 to write" in out  # the matching override is fine


def test_unreadable_file_without_account_is_the_usual_file_error(emu: Emu, workdir: Path) -> None:
    broken = workdir / "broken.po"
    broken.write_text('msgid "unterminated\n', encoding="utf-8")
    code, out, err = run(
        ["import-translations", str(broken), "missing.xlsx", "returned/", "--csds-url", emu.url]
    )
    assert code == 1, err
    assert "broken.po:1: unterminated or malformed string" in out
    assert "missing.xlsx: no such file or folder" in out
    assert "returned: no such file or folder" in out  # a folder that is not there, said so
    assert emu.requests() == []  # no account to ask: nothing sent


def test_restore_takes_the_account_from_the_backup(emu: Emu, workdir: Path) -> None:
    po = export_po(emu)
    edit_po(po, pseudo)
    code, out, err = run(["import-translations", str(po), "--csds-url", emu.url, "--apply", "--json"])
    assert code == 0, err
    backup = json.loads(out)["backup"]
    assert backup and Path(backup).is_file()
    code, out, err = run(["restore", backup, "--csds-url", emu.url, "--account", OTHER])
    assert code == 2 and backup in err and f"for account {ACCOUNT}, not {OTHER}" in err
    code, out, err = run(["restore", backup, "--csds-url", emu.url, "--apply"])
    assert code == 0, out + err
    assert "Restored — from" in out and re.search(r"^13 restored; ", out, re.M), out
    code, out, err = run(["restore", backup, "--csds-url", emu.url, "--apply"])
    assert code == 0, out + err  # a second time: every text is already as before
    assert "Nothing restored — from" in out and re.search(
        r"^0 restored, 13 already as before; ", out, re.M
    ), out


def two_account_config(emu: Emu, folder: Path) -> Path:
    """The two sample accounts with API keys (test_cron's config)."""
    return write_config(folder, emu)


def test_folder_of_two_accounts_imports_each_into_its_own(emu: Emu, workdir: Path) -> None:
    env = {**KEYS, **EU_KEYS}
    two_account_config(emu, workdir)
    ours, theirs = export_po(emu, ACCOUNT, env), export_po(emu, OTHER, env)
    edit_po(ours, pseudo)
    edit_po(theirs, pseudo)
    edit_po(theirs, set_text("account|YOU_ARE_CONNECTED_TO", "Bonjour !"))  # drops {agentNickname}: QA
    code, out, err = run(["import-translations", "out", "--apply", "--json", "--report", "r.json"], env)
    assert code == 3, err  # one account fine (0), one with a unit skipped (3): 3
    body = json.loads(out)
    assert body == json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert body["exit_code"] == 3
    by_account = {r["account"]: r for r in body["reports"]}
    assert set(by_account) == {ACCOUNT, OTHER}
    assert by_account[ACCOUNT]["exit_code"] == 0 and len(by_account[ACCOUNT]["applied"]) == 13
    assert by_account[OTHER]["exit_code"] == 3
    assert [s["key"] for s in by_account[OTHER]["skipped"]] == ["account|YOU_ARE_CONNECTED_TO"]
    assert by_account[OTHER]["files"] == [str(theirs)] and by_account[ACCOUNT]["files"] == [str(ours)]
    dump = emu.dump()["accounts"]
    written = {
        account: sorted(
            obj["messageEventId"] if "messageEventId" in obj else str(obj["id"])
            for objs in dump[account]["autoMessages"].values()
            for obj in objs
            for e in obj.get("data", [])
            if e["lang"].lower() == "fr-fr" and e["msg"].startswith("(fr) ")
        )
        for account in (ACCOUNT, OTHER)
    }
    assert len(written[ACCOUNT]) == 13
    assert len(written[OTHER]) == 1  # skill/21's welcome message; the QA-refused unit is not written
    # an unreadable file among them: its own error, and 1 wins over 3
    (workdir / "out" / "broken.po").write_text("not po\n", encoding="utf-8")
    code, out, err = run(["import-translations", "out"], env)
    assert code == 1, err
    assert "broken.po:1: not PO syntax" in out
    assert f"Account {ACCOUNT}" in out and f"Account {OTHER}" in out


def test_folder_is_taken_as_cron_takes_its_inbox(emu: Emu, workdir: Path) -> None:
    po = export_po(emu)
    edit_po(po, pseudo)
    inbox = workdir / "returned"
    inbox.mkdir()
    (inbox / "fr-FR.po").write_bytes(po.read_bytes())
    broken = "not po\n"
    for name in (".fr-FR.po", "de-DE.po.part", "de-DE.po.tmp", "notes.txt", "fr-FR.po.errors.json"):
        (inbox / name).write_text(broken, encoding="utf-8")
    (inbox / "deep" / "deeper").mkdir(parents=True)
    (inbox / "deep" / "deeper" / "it-IT.po").write_text(broken, encoding="utf-8")  # not recursive
    code, out, err = run(["import-translations", str(inbox), "--csds-url", emu.url, "--json"])
    assert code == 0, out + err
    report = json.loads(out)
    assert report["files"] == [str(inbox / "fr-FR.po")] and len(report["planned"]) == 13
    assert "left alone 2 file(s) that are not translator files" in err  # notes on stderr with --json
    # the export's own layout: OUT/<account>/<language>.po
    code, out, err = run(["import-translations", "out", "--csds-url", emu.url])
    assert code == 0, err
    assert "13 to write" in out


def test_empty_folder_says_so(emu: Emu, workdir: Path) -> None:
    empty = workdir / "empty"
    (empty / "70071528").mkdir(parents=True)
    (empty / "70071528" / "upload.po.part").write_text("x", encoding="utf-8")
    code, out, err = run(["import-translations", str(empty), "--csds-url", emu.url])
    assert code == 0, err
    assert f"no translation files in {empty}" in out
    assert emu.requests() == []


def plan_rows(out: str) -> list[list[str]]:
    """The plan table's rows, cells stripped (a cell wrapped over lines is joined back)."""
    rows: list[list[str]] = []
    for line in out.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            if rows and not cells[0] and not cells[1]:  # a continuation line of a wrapped row
                rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
            else:
                rows.append(cells)
        elif line.startswith("├"):
            rows.append(["—"])
    return rows


def test_plan_is_grouped_by_context_and_wide_shows_whole_texts(emu: Emu, workdir: Path) -> None:
    po = export_po(emu)
    edit_po(po, pseudo)
    edit_po(po, set_text("account|CONSUMER_ASKED_URGENT_RESPONSE_TIME", LONG))
    args = ["import-translations", str(po), "--csds-url", emu.url]
    code, out, _ = run(args)
    assert code == 0
    rows = plan_rows(out)
    headings = [r[0] for r in rows if r[0].startswith(("account (", "skill/"))]
    assert headings == ["account (10 updates)", "skill/7 (2 updates)", "skill/9 (1 update)"]
    assert all(len(r) == 4 for r in rows if r != ["—"])  # message, language, old, new: no context column
    [urgent] = [r for r in rows if r[0] == "CONSUMER_ASKED_URGENT_RESPONSE_TIME"]
    assert urgent[3].replace(" ", "") == (LONG[:59] + "…").replace(" ", "")
    code, out, _ = run([*args, "--wide"])
    assert code == 0
    [urgent] = [r for r in plan_rows(out) if r[0] == "CONSUMER_ASKED_URGENT_RESPONSE_TIME"]
    assert urgent[3].replace(" ", "") == LONG.replace(" ", "") and "…" not in urgent[3]


def test_wide_shows_a_conflicts_whole_texts_too(emu: Emu, workdir: Path) -> None:
    """The "Skipped — needs a human" table's texts are cut at 40 characters, except with --wide."""
    po = export_po(emu)
    edit_po(po, set_text("account|CONSUMER_ASKED_URGENT_RESPONSE_TIME", LONG))
    live = "(fr, UI) " + "Salut, " * 12 + "fin."
    emu.ui_edit("account", "CONSUMER_ASKED_URGENT_RESPONSE_TIME", "fr-FR", live)
    args = ["import-translations", str(po), "--csds-url", emu.url]
    code, out, _ = run(args)
    assert code == 3 and "conflict" in out
    flat = out.replace("│", "").replace(" ", "").replace("\n", "")
    assert live.replace(" ", "") not in flat and LONG.replace(" ", "") not in flat
    code, out, _ = run([*args, "--wide"])
    assert code == 3
    flat = out.replace("│", "").replace(" ", "").replace("\n", "")
    assert live.replace(" ", "") in flat and LONG.replace(" ", "") in flat


def test_import_json_is_the_report(emu: Emu, workdir: Path) -> None:
    po = export_po(emu)
    edit_po(po, pseudo)
    code, out, err = run(["import-translations", str(po), "--csds-url", emu.url, "--json"])
    assert code == 0, err
    body: dict[str, Any] = json.loads(out)  # stdout is the JSON document alone
    assert body["account"] == ACCOUNT and body["dry_run"] is True and body["exit_code"] == 0
    assert len(body["planned"]) == 13 and body["files"] == [str(po)]
    assert not re.search(r"\d+ to write", out)  # no table around it


def test_po_header_read_alone_gives_the_account(emu: Emu, workdir: Path) -> None:
    from automsg_sync.imports import file_account, files_by_account

    po = export_po(emu)
    assert file_account(po) == ACCOUNT
    # a damaged entry far below the header: the account is still the header's (the import names the line)
    po.write_text(po.read_text(encoding="utf-8") + '\nmsgctxt "x"\nmsgid "unterminated\n', encoding="utf-8")
    assert file_account(po) == ACCOUNT
    # a PO file without the header: read whole, the import's own error
    bare = workdir / "bare.po"
    bare.write_text(
        'msgctxt "account|CONSUMER_OPEN_NEW_CONVERSATION"\nmsgid "Hi"\nmsgstr "Salut"\n', encoding="utf-8"
    )
    grouped = files_by_account([po, Path("nope.po"), bare])
    assert grouped.accounts == {ACCOUNT: [po]}
    [missing, headerless] = grouped.unreadable
    assert (missing.file, missing.message) == ("nope.po", "no such file or folder")
    assert (headerless.file, headerless.where) == (str(bare), 1) and headerless.message.startswith("header ")
    # with --account, an unreadable file goes to that account's import, which reports it
    assert files_by_account([Path("nope.po")], ACCOUNT).accounts == {ACCOUNT: [Path("nope.po")]}
