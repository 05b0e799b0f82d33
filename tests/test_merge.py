"""The three-way merge a translation manager can trust (issue 15, points 1–3).

- a row the translator left as exported is *untouched*: nothing is sent, and a
  live edit made meanwhile stands (it is no conflict, and ``--prefer-file``
  does not undo it);
- our own writes are not somebody else's edits: a second delivery of one
  export (a translator's correction) updates what we wrote; a human edit after
  our write is still a conflict;
- the file's source must be the export's: a sorted sheet or an edited msgid is
  an error naming the file and row, and nothing of that file is written.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polib
from conftest import ACCOUNT, Emu
from test_imports import FR, edit_po, export, pseudo, run_import, set_text, texts

from automsg_sync.config import Settings
from automsg_sync.lp import Connection

WELCOME = "account|CONSUMER_OPEN_NEW_CONVERSATION"


def fr_text(emu: Emu, context: str, event_id: str) -> str | None:
    for obj in emu.dump()["accounts"][ACCOUNT]["autoMessages"][context]:
        if obj["messageEventId"] == event_id:
            return next((e["msg"] for e in obj["data"] if e["lang"].lower() == "fr-fr"), None)
    return None


def test_a_row_left_as_exported_is_untouched_and_the_live_edit_stands(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    export(conn, settings, tmp_path / "out", [FR], ["po"])
    po = tmp_path / "out" / ACCOUNT / f"{FR}.po"
    exported = {e.msgctxt: e.msgstr for e in polib.pofile(str(po))}
    assert exported[WELCOME]  # translated at export: the file shows the live text
    emu.ui_edit("account", "CONSUMER_OPEN_NEW_CONVERSATION", FR, "Bonjour (édité dans l'interface)")
    edit_po(po, pseudo)  # the translator fills what is missing, leaves the rest
    for prefer_file in (False, True):
        report = run_import(settings, [po], apply=True, prefer_file=prefer_file)
        outcome = {str(d.key): d.outcome for d in report.decisions if d.language == FR}
        assert outcome[WELCOME] == "untouched" and report.exit_code == 0, report.to_json()["skipped"]
        # the other translated rows equal their live text: plain no-ops, decided first
        assert report.counts()["untouched"] == 1
        assert report.counts()["noop"] == len([v for v in exported.values() if v]) - 1 + 13 * prefer_file
        assert fr_text(emu, "account", "CONSUMER_OPEN_NEW_CONVERSATION") == "Bonjour (édité dans l'interface)"
    assert {d["key"] for d in report.to_json()["untouched"]} >= {WELCOME}


def test_a_second_delivery_corrects_our_own_write(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    export(conn, settings, tmp_path / "out", [FR], ["po"])
    po = tmp_path / "out" / ACCOUNT / f"{FR}.po"
    edit_po(po, pseudo)
    first = run_import(settings, [po], apply=True)
    assert first.exit_code == 0 and first.applied is not None and len(first.applied.written) == 13
    key = "account|CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS"
    # the translator corrects a text we already wrote, in the same export's file
    edit_po(po, set_text(key, "Notre équipe est absente ; réponse sous {expectedResponseTime}."))
    second = run_import(settings, [po], apply=True)
    outcome = {str(d.key): d.outcome for d in second.decisions if d.language == FR}
    assert outcome[key] == "update" and second.exit_code == 0, second.to_json()["skipped"]
    assert fr_text(emu, "account", "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS").startswith(
        "Notre équipe est absente"
    )  # type: ignore[union-attr]
    # a human edit after our write is still somebody else's: a conflict, and it stands
    emu.ui_edit("account", "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS", FR, "Modifié par un humain")
    edit_po(po, set_text(key, "Encore une correction {expectedResponseTime}."))
    third = run_import(settings, [po], apply=True)
    outcome = {str(d.key): d.outcome for d in third.decisions if d.language == FR}
    assert outcome[key] == "conflict" and third.exit_code == 3
    assert fr_text(emu, "account", "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS") == "Modifié par un humain"


def test_an_older_delivery_does_not_undo_a_newer_one(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """Round 1's file applied, round 2's applied over it; round 1's file imported again
    (an old file left in an inbox, a mistake) is a conflict, not an update back to the
    old text: its translator never saw round 2's. A second delivery of round 2 still
    corrects round 2's text."""
    key = "account|CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS"
    export(conn, settings, tmp_path / "r1", [FR], ["po"])
    round1 = tmp_path / "r1" / ACCOUNT / f"{FR}.po"
    edit_po(round1, pseudo)
    assert run_import(settings, [round1], apply=True).exit_code == 0
    old_text = fr_text(emu, "account", "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS")
    export(conn, settings, tmp_path / "r2", [FR], ["po"])
    round2 = tmp_path / "r2" / ACCOUNT / f"{FR}.po"
    edit_po(round2, set_text(key, "Deuxième tour : absents, réponse sous {expectedResponseTime}."))
    assert run_import(settings, [round2], apply=True).exit_code == 0
    edit_po(round1, set_text(key, "Premier tour, corrigé {expectedResponseTime}."))
    again = run_import(settings, [round1], apply=True)
    outcome = {str(d.key): d.outcome for d in again.decisions if d.language == FR}
    assert outcome[key] == "conflict" and again.exit_code == 3, again.to_json()["planned"]
    assert fr_text(emu, "account", "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS").startswith("Deuxième tour")  # type: ignore[union-attr]
    assert old_text is not None and not old_text.startswith("Deuxième")
    edit_po(round2, set_text(key, "Deuxième tour, corrigé {expectedResponseTime}."))
    second = run_import(settings, [round2], apply=True)
    outcome = {str(d.key): d.outcome for d in second.decisions if d.language == FR}
    assert outcome[key] == "update" and second.exit_code == 0, second.to_json()["skipped"]
    assert fr_text(emu, "account", "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS").startswith(
        "Deuxième tour, corrigé"
    )  # type: ignore[union-attr]


def test_a_sorted_sheet_is_refused_naming_the_row(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    export(conn, settings, tmp_path / "out", [FR], ["xlsx"])
    path = tmp_path / "out" / ACCOUNT / f"{FR}.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Translations"]
    # sorted by the visible columns while the hidden Key column stayed in place: rows 2 and 3 swap
    for column in range(2, ws.max_column + 1):
        a, b = ws.cell(2, column).value, ws.cell(3, column).value
        ws.cell(2, column).value, ws.cell(3, column).value = b, a
    for row in range(2, ws.max_row + 1):
        ws.cell(row, 5).value = ws.cell(row, 5).value or f"(fr) {ws.cell(row, 4).value}"
    wb.save(path)
    before = texts(emu.dump())
    report = run_import(settings, [path], apply=True)
    [problem] = report.errors
    assert problem.file == str(path) and problem.where == 2
    assert "is not the exported one" in problem.message and "sorted" in problem.message
    assert report.exit_code == 1 and report.counts()["planned"] == 0
    assert texts(emu.dump()) == before  # nothing of that file was written


def test_a_hand_edited_msgid_is_refused_naming_the_line(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    export(conn, settings, tmp_path / "out", [FR], ["po"])
    po_path = tmp_path / "out" / ACCOUNT / f"{FR}.po"
    po = polib.pofile(str(po_path))
    for entry in po:
        entry.msgstr = entry.msgstr or f"(fr) {entry.msgid}"
    target = po[3]
    target.msgid = target.msgid + " (edited)"
    po.save(str(po_path))
    before = texts(emu.dump())
    report = run_import(settings, [po_path], apply=True)
    [problem] = report.errors
    assert problem.file == str(po_path) and problem.where is not None and problem.where > 1
    assert target.msgctxt in problem.message and report.counts()["applied"] == 0
    assert texts(emu.dump()) == before


def test_rows_left_as_exported_are_not_qa_checked(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """LivePerson's own text, which the translator did not touch, is nothing to judge."""
    emu.ui_edit(
        "account", "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS", FR, "Texte saisi dans l'interface"
    )  # no placeholder
    export(conn, settings, tmp_path / "out", [FR], ["po"])
    po = tmp_path / "out" / ACCOUNT / f"{FR}.po"
    report = run_import(settings, [po], apply=True)
    assert report.qa == [] and report.exit_code == 0 and report.counts()["skipped"] == 0
    # the same text typed by the translator is judged: it drops the placeholder
    edit_po(po, set_text("account|CONSUMER_OPEN_NEW_CONVERSATION", "Bonjour sans délai"))
    report = run_import(settings, [po], apply=True)
    assert [f.check for f in report.qa] == ["placeholders"] and report.exit_code == 3
