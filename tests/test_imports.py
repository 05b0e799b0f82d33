"""import-translations and restore against the emulator, over real HTTP."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import polib
import pytest
import requests
from click.testing import CliRunner
from conftest import ACCOUNT, USER, Emu, Sleeps

from automsg_sync.cli import main
from automsg_sync.config import Settings
from automsg_sync.export import ExportRequest, ExportResult, export_for_translation
from automsg_sync.imports import ImportOptions, ImportReport, import_translations
from automsg_sync.lp import Connection, connect
from automsg_sync.restore import restore_backup
from automsg_sync.state import StateStore

FR = "fr-FR"


def export(
    conn: Connection, settings: Settings, out: Path, languages: list[str], formats: list[str]
) -> ExportResult:
    request = ExportRequest(out_dir=out, languages=languages, formats=formats)
    return export_for_translation(conn, settings.account(ACCOUNT), request, StateStore(settings.state_dir))


def run_import(settings: Settings, files: list[Path], **options: Any) -> ImportReport:
    conn = connect(settings, settings.account(ACCOUNT), sleep=Sleeps())
    return import_translations(
        conn,
        settings.account(ACCOUNT),
        files,
        ImportOptions(**options),
        StateStore(settings.state_dir),
        settings.state_dir / "backups",
    )


def edit_po(path: Path, change: Callable[[polib.POEntry], None]) -> None:
    po = polib.pofile(str(path))
    for entry in po:
        change(entry)
    po.save(str(path))


def edit_xlsx(path: Path, texts: dict[str, str]) -> dict[str, int]:
    """Type translations into an exported workbook (key → text), as in a spreadsheet
    program: a full load and save. Returns each key's row."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Translations"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for key, text in texts.items():
        ws.cell(rows[key], 5).value = text
    wb.save(path)
    return rows


def pseudo(entry: polib.POEntry) -> None:
    """The scripted translator: fills what is missing, keeping placeholders."""
    if not entry.msgstr:
        entry.msgstr = f"(fr) {entry.msgid}"


def set_text(key: str, text: str) -> Callable[[polib.POEntry], None]:
    def change(entry: polib.POEntry) -> None:
        if entry.msgctxt == key:
            entry.msgstr = text

    return change


def texts(dump: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(context, message id, lang key) → data entry."""
    out = {}
    for ctx, objects in dump["accounts"][ACCOUNT]["autoMessages"].items():
        for obj in objects:
            for entry in obj.get("data", []):
                out[(ctx, str(obj["id"]), entry["lang"].lower())] = entry
    return out


def without_data(dump: dict[str, Any]) -> dict[str, Any]:
    dump = copy.deepcopy(dump)
    account = dump["accounts"][ACCOUNT]
    account.pop("revision")
    for objects in account["autoMessages"].values():
        for obj in objects:
            obj["data"] = [e for e in obj.get("data", []) if e["lang"].lower() != "fr-fr"]
    return dump


def puts(emu: Emu) -> list[tuple[str, int | None]]:
    return [
        (r["query"].get("context_id", "account"), r["status"]) for r in emu.requests() if r["method"] == "PUT"
    ]


@pytest.fixture
def fr_po(conn: Connection, settings: Settings, tmp_path: Path) -> Path:
    export(conn, settings, tmp_path / "out", [FR], ["po"])
    return tmp_path / "out" / ACCOUNT / "fr-FR.po"


def test_apply_changes_only_the_imported_language(emu: Emu, settings: Settings, fr_po: Path) -> None:
    before = emu.dump()
    edit_po(fr_po, pseudo)
    report = run_import(settings, [fr_po], apply=True)
    assert report.exit_code == 0 and report.applied is not None
    assert len(report.applied.written) == 13
    after = emu.dump()
    assert without_data(after) == without_data(before)  # nothing but fr-FR entries changed
    old, new = texts(before), texts(after)
    changed = {k for k in new if k[2] == "fr-fr" and new[k] != old.get(k)}
    assert len(changed) == 13
    for k in changed:
        assert new[k]["msg"].startswith("(fr) ") and new[k]["isDefault"] is False
        assert set(new[k]) == ({"msg", "lang", "isDefault"} | set(old.get(k, {})))
    assert new[("skill/7", "7", "fr-fr")]["msg"] == "(fr) {agentNickname} from Billing has joined."
    assert puts(emu) == [("account", 200), ("7", 200), ("9", 200)]  # one PUT per context


def test_dry_run_uses_the_revision_check_and_writes_nothing(
    emu: Emu, settings: Settings, fr_po: Path
) -> None:
    edit_po(fr_po, pseudo)
    emu.clear_requests()
    report = run_import(settings, [fr_po])
    assert report.used_304 and report.dry_run and len(report.to_json()["planned"]) == 13
    calls = [(r["method"], r["path"].split("/")[-1], r["status"]) for r in emu.requests()]
    assert calls == [
        ("GET", "baseURI.json", 200),
        ("POST", "login", 200),
        ("GET", "unified-auto-messages", 304),
    ]


def test_second_run_of_an_applied_file_writes_nothing(emu: Emu, settings: Settings, fr_po: Path) -> None:
    edit_po(fr_po, pseudo)
    run_import(settings, [fr_po], apply=True)
    emu.clear_requests()
    report = run_import(settings, [fr_po], apply=True)
    assert report.exit_code == 0 and not report.to_json()["applied"] and len(report.to_json()["noop"]) == 20
    assert puts(emu) == []


def test_ui_edit_is_a_conflict_and_source_change_is_stale(
    emu: Emu, settings: Settings, fr_po: Path, tmp_path: Path
) -> None:
    edit_po(fr_po, pseudo)
    edit_po(fr_po, set_text("account|YOU_ARE_CONNECTED_TO", "{agentNickname} est arrivé."))
    emu.ui_edit("account", "YOU_ARE_CONNECTED_TO", FR, "{agentNickname} a rejoint (édité à la main).")
    emu.ui_edit("account", "CONSUMER_ASKED_URGENT_RESPONSE_TIME", "en-US", "This conversation is now urgent.")
    report = run_import(settings, [fr_po], apply=True)
    assert report.exit_code == 3
    skipped = {(s["key"], s["reason"]) for s in report.to_json()["skipped"]}
    assert skipped == {
        ("account|YOU_ARE_CONNECTED_TO", "conflict"),
        ("account|CONSUMER_ASKED_URGENT_RESPONSE_TIME", "stale"),
    }
    conflict = next(s for s in report.to_json()["skipped"] if s["reason"] == "conflict")
    assert (
        conflict["live"] == "{agentNickname} a rejoint (édité à la main)."
        and conflict["new"] == "{agentNickname} est arrivé."
    )
    now = texts(emu.dump())
    assert now[("account", "7", "fr-fr")]["msg"] == "{agentNickname} a rejoint (édité à la main)."
    assert ("account", "10", "fr-fr") not in now  # the stale unit was not written
    assert len(report.applied.written) == 12  # type: ignore[union-attr]
    # the overrides push them anyway
    forced = run_import(settings, [fr_po], apply=True, accept_stale=True, prefer_file=True)
    assert forced.exit_code == 0
    now = texts(emu.dump())
    assert now[("account", "7", "fr-fr")]["msg"] == "{agentNickname} est arrivé."
    assert now[("account", "10", "fr-fr")]["msg"] == "(fr) Your conversation has been marked as urgent."


def test_revision_bumped_during_apply_is_retried(emu: Emu, settings: Settings, fr_po: Path) -> None:
    edit_po(fr_po, pseudo)
    other = {
        "context": "account",
        "messageEventId": "CONSUMER_SEND_MESSAGE_ON_OFFHOURS",
        "lang": "es-ES",
        "msg": "Cerramos por hoy.",
    }
    same = {
        "context": "skill/9",
        "messageEventId": "CONSUMER_OPEN_NEW_CONVERSATION",
        "lang": FR,
        "msg": "Bonjour, ici les Ventes !",
    }
    emu.faults(
        script=[
            {"match": "auto-messages", "method": "PUT", "uiEdit": other},
            {"match": "auto-messages", "method": "PUT", "skip": 1, "uiEdit": same},
        ]
    )
    report = run_import(settings, [fr_po], apply=True)
    assert report.applied is not None and report.applied.conflict_retries == 2
    assert puts(emu) == [("account", 409), ("account", 200), ("7", 409), ("7", 200), ("9", 200)] or puts(
        emu
    ) == [("account", 409), ("account", 200), ("7", 409), ("7", 200)]
    now = texts(emu.dump())
    assert now[("account", "4", "es-es")]["msg"] == "Cerramos por hoy."  # the other writer's edit survives
    assert now[("skill/9", "1", "fr-fr")]["msg"] == "Bonjour, ici les Ventes !"  # the human edit won
    assert [(s["key"], s["reason"]) for s in report.to_json()["skipped"]] == [
        ("skill/9|CONSUMER_OPEN_NEW_CONVERSATION", "conflict")
    ]
    assert now[("account", "4", "fr-fr")]["msg"].startswith("(fr) ")
    assert report.exit_code == 3


def test_read_back_that_disagrees_fails_the_run_and_records_nothing(
    emu: Emu, settings: Settings, fr_po: Path
) -> None:
    """A human edit lands between our last PUT and the read-back: the run fails, and
    the state store neither claims the unit as pushed nor takes its text as an origin.
    (Since issue #24, what the read-back confirmed stays recorded: it was written.)"""
    edit_po(fr_po, pseudo)
    key, edited = "skill/9|CONSUMER_OPEN_NEW_CONVERSATION", "Bonjour, ici les Ventes !"
    edit = {
        "context": "skill/9",
        "messageEventId": "CONSUMER_OPEN_NEW_CONVERSATION",
        "lang": FR,
        "msg": edited,
    }
    # the live view is the first GET of the auto messages; the read-back is the next one (a "?":
    # not a get-by-id that learns a numeric id)
    emu.faults(script=[{"match": "auto-messages?", "method": "GET", "skip": 1, "uiEdit": edit}])
    report = run_import(settings, [fr_po], apply=True)
    assert emu.hook("GET", "faults")["counts"].get("ui-edit") == 1
    assert report.exit_code == 1
    assert "read-back after the writes does not show 1 unit(s) as written" in report.errors[0].message
    assert f"{key} [{FR}]" in report.errors[0].message
    state = StateStore(settings.state_dir)
    assert state.pushed(ACCOUNT, key, FR) is None
    assert report.plan is not None and len(report.plan.updates) > 1
    confirmed = [d for d in report.plan.updates if str(d.key) != key]
    assert all(
        state.pushed(ACCOUNT, str(d.key), FR) is not None for d in confirmed
    )  # the read-back showed them
    assert (key, "fr-fr") not in state.origins(ACCOUNT)
    assert texts(emu.dump())[("skill/9", "1", "fr-fr")]["msg"] == edited


def test_gives_up_after_three_conflicts(emu: Emu, settings: Settings, fr_po: Path) -> None:
    edit_po(fr_po, pseudo)
    edit = {"context": "account", "messageEventId": "Disconnected", "lang": "es-ES", "msg": "x"}
    emu.faults(script=[{"match": "auto-messages", "method": "PUT", "uiEdit": edit, "times": 10}])
    report = run_import(settings, [fr_po], apply=True)
    assert report.exit_code == 1
    assert "gave up after 3 retries" in report.errors[0].message
    assert [s for _, s in puts(emu)] == [409, 409, 409, 409]


def test_failed_run_between_contexts_is_finished_by_a_rerun(
    emu: Emu, settings: Settings, fr_po: Path
) -> None:
    edit_po(fr_po, pseudo)
    emu.faults(script=[{"match": "auto-messages", "method": "PUT", "skip": 1, "status": 503, "times": 4}])
    first = run_import(settings, [fr_po], apply=True)
    assert first.exit_code == 1 and "503" in first.errors[0].message
    journal = StateStore(settings.state_dir).journal(first.run_id)
    assert {(c, s) for c, _, s in journal} == {
        ("account", "written"),
        ("skill/7", "pending"),
        ("skill/9", "pending"),
    }
    second = run_import(settings, [fr_po], apply=True)
    assert second.exit_code == 0 and len(second.applied.written) == 3  # type: ignore[union-attr]
    assert [p for p in puts(emu) if p[1] == 200] == [("account", 200), ("7", 200), ("9", 200)]


def test_killed_between_contexts_then_rerun(
    emu: Emu, settings: Settings, fr_po: Path, tmp_path: Path
) -> None:
    """A real SIGKILL while the second context's PUT is in flight (held by the emulator)."""
    edit_po(fr_po, pseudo)
    emu.faults(script=[{"match": "auto-messages", "method": "PUT", "skip": 1, "hold": "kill", "drop": True}])
    env = dict(os.environ, **USER, AUTOMSG_CSDS_URL=emu.url)
    (tmp_path / "automsg.toml").write_text("[http]\nretry_waits = [0.01]\n")
    cmd = [
        sys.executable,
        "-m",
        "automsg_sync",
        "import-translations",
        str(fr_po),
        "--apply",
        "--account",
        ACCOUNT,
        "--state-dir",
        str(settings.state_dir),
    ]
    with subprocess.Popen(
        cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ) as proc:
        deadline = time.monotonic() + 30
        while not [r for r in emu.requests() if r["method"] == "PUT" and r["status"] is None]:
            assert proc.poll() is None and time.monotonic() < deadline, "the second PUT never arrived"
            time.sleep(0.02)  # polling the emulator's log for the condition, not a fixed wait
        proc.kill()
        proc.wait(timeout=10)
    requests.post(f"{emu.url}/_emulator/release/kill", timeout=5)
    assert texts(emu.dump()).get(("skill/7", "7", "fr-fr")) is None  # really half done
    rerun = run_import(settings, [fr_po], apply=True)
    assert rerun.exit_code == 0 and len(rerun.applied.written) == 3  # type: ignore[union-attr]
    done = [p for p in puts(emu) if p[1] == 200]
    assert sorted(done) == [("7", 200), ("9", 200), ("account", 200)]  # each context written once
    assert (
        sum(1 for k, v in texts(emu.dump()).items() if k[2] == "fr-fr" and v["msg"].startswith("(fr) ")) == 13
    )


def test_restore_returns_the_account_to_its_pre_apply_state(
    emu: Emu, settings: Settings, fr_po: Path
) -> None:
    before = emu.dump()
    edit_po(fr_po, pseudo)
    report = run_import(settings, [fr_po], apply=True)
    backup = report.applied.backup  # type: ignore[union-attr]
    assert backup is not None and oct(backup.stat().st_mode & 0o777) == "0o600"
    conn = connect(settings, settings.account(ACCOUNT))
    dry = restore_backup(
        conn, ACCOUNT, backup, StateStore(settings.state_dir), settings.state_dir / "backups"
    )
    assert len(dry.by_outcome("restore")) == 13 and not dry.written
    done = restore_backup(
        conn, ACCOUNT, backup, StateStore(settings.state_dir), settings.state_dir / "backups", apply=True
    )
    assert len(done.written) == 13 and done.exit_code == 0
    after = emu.dump()
    for dump in (before, after):
        dump["accounts"][ACCOUNT].pop("revision")
    assert after == before


def test_restore_leaves_a_later_human_edit_alone(emu: Emu, settings: Settings, fr_po: Path) -> None:
    edit_po(fr_po, pseudo)
    report = run_import(settings, [fr_po], apply=True)
    emu.ui_edit("skill/9", "CONSUMER_OPEN_NEW_CONVERSATION", FR, "Bonjour des Ventes (humain)")
    conn = connect(settings, settings.account(ACCOUNT))
    done = restore_backup(
        conn,
        ACCOUNT,
        report.applied.backup,
        StateStore(settings.state_dir),  # type: ignore[union-attr, arg-type]
        settings.state_dir / "backups",
        apply=True,
    )
    assert done.exit_code == 3 and [(i.context.key, i.outcome) for i in done.by_outcome("conflict")] == [
        ("skill/9", "conflict")
    ]
    now = texts(emu.dump())
    assert now[("skill/9", "1", "fr-fr")]["msg"] == "Bonjour des Ventes (humain)"
    assert ("skill/7", "7", "fr-fr") not in now  # the rest was restored (entry removed again)


def _insert(lines: list[str], index: int, line: str) -> list[str]:
    return [*lines[:index], line, *lines[index:]]


def _header(path: Path, name: str, value: str) -> None:
    po = polib.pofile(str(path))
    po.metadata[name] = value
    po.save(str(path))


@pytest.mark.parametrize(
    ("damage", "message", "line"),
    [
        (lambda p: _header(p, "X-Automsg-Export-Id", "nope"), "unknown export id 'nope'", False),
        (
            lambda p: _header(p, "X-Automsg-Account", "999"),
            "the file is for account 999, not 70071528",
            False,
        ),
        (lambda p: _header(p, "X-Automsg-Language", "it-IT"), "has no it-IT units", False),
        (
            lambda p: (
                edit_po(p, set_text("account|CONSUMER_OPEN_NEW_CONVERSATION", "x"))
                or p.write_text(
                    p.read_text(encoding="utf-8")
                    + '\nmsgctxt "account|No such message"\nmsgid "a"\nmsgstr "b"\n',
                    encoding="utf-8",
                )
            ),
            "key 'account|No such message' is not in export",
            True,
        ),
        (
            lambda p: p.write_text(
                "\n".join(_insert(p.read_text(encoding="utf-8").splitlines(), 30, "not po syntax")),
                encoding="utf-8",
            ),
            "not PO syntax: 'not po syntax'",
            True,
        ),
    ],
)
def test_bad_file_is_a_clear_error_and_nothing_of_it_is_written(
    emu: Emu,
    conn: Connection,
    settings: Settings,
    tmp_path: Path,
    damage: Callable[[Path], None],
    message: str,
    line: bool,
) -> None:
    export(conn, settings, tmp_path / "out", [FR, "de-DE"], ["po"])
    bad, good = tmp_path / "out" / ACCOUNT / "fr-FR.po", tmp_path / "out" / ACCOUNT / "de-DE.po"
    edit_po(bad, pseudo)
    edit_po(
        good,
        set_text(
            "account|CONSUMER_OPEN_NEW_CONVERSATION",
            "Hallo! Ein Mitarbeiter meldet sich in {expectedResponseTime}.",
        ),
    )
    damage(bad)
    report = run_import(settings, [bad, good], apply=True)
    assert report.exit_code == 1
    [error] = report.errors
    assert error.file == str(bad) and message in error.message
    if line:
        assert error.where is not None and error.where > 1
        line_text = bad.read_text(encoding="utf-8").splitlines()[error.where - 1]
        assert line_text in ('msgctxt "account|No such message"', "not po syntax")
    assert [c for c, _ in puts(emu)] == ["account"]  # only the good file's one change
    assert all(k[2] != "fr-fr" or not v["msg"].startswith("(fr)") for k, v in texts(emu.dump()).items())


def test_fuzzy_and_empty_entries_are_not_imported(emu: Emu, settings: Settings, fr_po: Path) -> None:
    def fuzzy(entry: polib.POEntry) -> None:
        if entry.msgctxt == "account|CONSUMER_ASKED_URGENT_RESPONSE_TIME":
            entry.msgstr = "Urgent !"
            entry.flags.append("fuzzy")

    edit_po(fr_po, fuzzy)
    report = run_import(settings, [fr_po], apply=True)
    reasons = {(i.key, i.reason) for i in report.ignored}
    assert ("account|CONSUMER_ASKED_URGENT_RESPONSE_TIME", "fuzzy") in reasons
    assert sum(1 for i in report.ignored if i.reason == "empty") == 12
    assert report.exit_code == 0 and report.applied is None
    assert run_import(settings, [fr_po], apply=True, include_fuzzy=True).exit_code == 0
    assert texts(emu.dump())[("account", "10", "fr-fr")]["msg"] == "Urgent !"


def test_poedit_style_resave_still_imports(emu: Emu, settings: Settings, fr_po: Path) -> None:
    po = polib.pofile(str(fr_po), wrapwidth=0)
    po.metadata.update(
        {"Last-Translator": "Jeanne <j@example.com>", "X-Generator": "Poedit 3.4.2", "Language": "fr"}
    )
    for entry in po:
        if entry.msgctxt == "account|CONSUMER_ASKED_URGENT_RESPONSE_TIME":
            entry.msgstr = "Votre conversation est marquée comme urgente."
    po.save(str(fr_po))
    report = run_import(settings, [fr_po], apply=True)
    assert report.exit_code == 0 and [d["key"] for d in report.to_json()["applied"]] == [
        "account|CONSUMER_ASKED_URGENT_RESPONSE_TIME"
    ]


def test_xlsx_edited_and_resaved_imports_and_formulas_are_refused(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    export(conn, settings, tmp_path / "out", ["he-IL"], ["xlsx"])
    path = tmp_path / "out" / ACCOUNT / "he-IL.xlsx"
    wb = openpyxl.load_workbook(path)  # a full load and save, as a spreadsheet program does
    ws = wb["Translations"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    ws.cell(rows["account|CONSUMER_ASKED_URGENT_RESPONSE_TIME"], 5).value = "השיחה שלך סומנה כדחופה."
    ws.cell(
        rows["account|Disconnected"]
        if "account|Disconnected" in rows
        else rows["account|Routing to an agent"],
        5,
    ).value = '=CONCAT("a","b")'
    wb.save(path)
    report = run_import(settings, [path], apply=True)
    assert [d["key"] for d in report.to_json()["applied"]] == ["account|CONSUMER_ASKED_URGENT_RESPONSE_TIME"]
    assert [(s["key"], s["reason"]) for s in report.to_json()["skipped"]] == [
        ("account|Routing to an agent", "qa")
    ]
    assert [f.check for f in report.qa if f.severity == "error"] == ["formula"]
    assert report.qa[0].where == rows["account|Routing to an agent"] and report.exit_code == 3


def test_cli_exit_codes_and_report(
    emu: Emu, settings: Settings, fr_po: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    edit_po(fr_po, pseudo)
    edit_po(fr_po, set_text("account|YOU_ARE_CONNECTED_TO", "Salut !"))  # drops {agentNickname}
    base = ["--account", ACCOUNT, "--csds-url", emu.url, "--state-dir", str(settings.state_dir)]
    result = CliRunner().invoke(
        main, ["import-translations", str(fr_po), *base, "--report", "r.json"], env=USER
    )
    assert result.exit_code == 3, result.stderr
    assert "Plan (dry run: nothing written)" in result.stdout and "Skipped — needs a human" in result.stdout
    assert "13 to write, " in result.stdout and "1 refused by QA" in result.stdout
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert set(report) >= {"applied", "noop", "skipped", "qa", "errors"}
    assert report["skipped"][0]["reason"] == "qa" and report["qa"][0]["check"] == "placeholders"
    assert puts(emu) == []
    result = CliRunner().invoke(main, ["import-translations", str(fr_po), *base, "--apply"], env=USER)
    assert result.exit_code == 3 and "13 written, " in result.stdout
    result = CliRunner().invoke(main, ["import-translations", str(tmp_path / "missing.po"), *base], env=USER)
    assert result.exit_code == 1 and "missing.po" in result.stdout


def test_worker_pool_reads_files_as_one_process_does(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """Large imports read their files in worker processes; the report is the same."""
    export(conn, settings, tmp_path / "out", [FR, "de-DE", "es-ES"], ["po"])
    files = sorted((tmp_path / "out" / ACCOUNT).glob("*.po"))
    assert len(files) == 3
    edit_po(files[0], pseudo)
    edit_po(files[1], set_text("account|CONSUMER_OPEN_NEW_CONVERSATION", "<script>x</script>"))  # a QA error
    files[2].write_text(files[2].read_text(encoding="utf-8") + '\nmsgid "broken\n', encoding="utf-8")

    def summary(report: ImportReport) -> dict[str, Any]:
        out = report.to_json()
        out.pop("run_id"), out.pop("seconds")
        return out

    serial = summary(run_import(settings, files, workers=1))
    pooled = summary(run_import(settings, files, workers=2))
    assert pooled == serial
    assert serial["planned"] and serial["qa"] and serial["errors"]
    assert serial["errors"][0]["file"] == str(files[2])


def test_one_language_in_two_files_agreeing_once_disagreeing_skipped(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    export(conn, settings, tmp_path / "out", [FR], ["po", "xlsx"])
    po, xlsx = tmp_path / "out" / ACCOUNT / "fr-FR.po", tmp_path / "out" / ACCOUNT / "fr-FR.xlsx"
    edit_po(po, set_text("account|CONSUMER_ASKED_URGENT_RESPONSE_TIME", "Conversation urgente."))
    edit_po(po, set_text("account|CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME", "Bienvenue (PO)"))
    edit_xlsx(
        xlsx,
        {
            "account|CONSUMER_ASKED_URGENT_RESPONSE_TIME": "Conversation urgente.",
            "account|CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME": "Bienvenue (XLSX)",
        },
    )
    report = run_import(settings, [po, xlsx])
    planned = [d["key"] for d in report.to_json()["planned"]]
    assert planned.count("account|CONSUMER_ASKED_URGENT_RESPONSE_TIME") == 1  # the files agree: once
    assert "account|CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME" not in planned
    skipped = [(s["key"], s["reason"], s["file"]) for s in report.to_json()["skipped"]]
    assert skipped == [
        ("account|CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME", "conflict", str(po)),
        ("account|CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME", "conflict", str(xlsx)),
    ]
