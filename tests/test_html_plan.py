"""The plan page (``automsg_sync/html/plan.py``), opened in a real headless Chromium.

Built from real objects: an export, a scripted (hostile) translator and an import
against the emulator.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import lxml.html
import polib
import pytest
from browser import dump_dom
from conftest import ACCOUNT, Emu
from test_imports import edit_po, export, run_import

from automsg_sync import html
from automsg_sync.config import Settings
from automsg_sync.html import plan
from automsg_sync.imports import ImportReport, ImportRun
from automsg_sync.lp import Connection

PWNED = "PWNED"
HOSTILE = {
    # key → what the "translator" typed; QA keeps most out, the page must still show them as text
    "account|AGENT_NON_RESPONSIVE": f"<script>document.title='{PWNED}'</script>",
    "account|CONSUMER_OPEN_NEW_CONVERSATION": f"<img src=x onerror=\"document.title='{PWNED}'\">",
    "account|CONSUMER_SEND_MESSAGE_ON_OFFHOURS": f"javascript:document.title='{PWNED}'",
    "account|Disconnected": "Bonjour \u202eesrever\u202c {agentNickname}",
}
CONFLICT_KEY = "skill/7|CONSUMER_OPEN_NEW_CONVERSATION"
LIVE_HOSTILE = (
    f"<b onmouseover=\"document.title='{PWNED}'\">live</b><script>document.title='{PWNED}'</script>"
)
STALE_KEY = "account|ENGAGEMENT_TRANSFERED"


def shown(text: str) -> str:
    """What a page shows of a text: line breaks as ⏎, control characters by code point."""
    out = []
    for ch in text.replace("\r\n", "\n"):
        if ch in "\r\n":
            out.append("⏎")
        elif unicodedata.category(ch) in ("Cc", "Cf"):
            out.append(f"U+{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def hostile_translator(entry: polib.POEntry) -> None:
    if entry.msgctxt in HOSTILE:
        entry.msgstr = HOSTILE[entry.msgctxt]
    elif entry.msgctxt == CONFLICT_KEY:
        entry.msgstr = f"(fr) corrigé : {entry.msgid}"
    elif not entry.msgstr or entry.msgctxt == STALE_KEY:
        entry.msgstr = f"(fr) {entry.msgid}"


def arabic_translator(entry: polib.POEntry) -> None:
    entry.msgstr = f"مرحبا بكم — {entry.msgid}"


@pytest.fixture
def plan_report(emu: Emu, conn: Connection, settings: Settings, tmp_path: Path) -> ImportReport:
    """A dry run with updates (French, Arabic), QA errors, a conflict and a stale unit."""
    export(conn, settings, tmp_path / "out", ["fr-FR", "ar"], ["po"])
    fr, ar = tmp_path / "out" / ACCOUNT / "fr-FR.po", tmp_path / "out" / ACCOUNT / "ar.po"
    edit_po(fr, hostile_translator)
    edit_po(ar, arabic_translator)
    context, message = CONFLICT_KEY.split("|")
    emu.ui_edit(context, message, "fr-FR", LIVE_HOSTILE)
    context, message = STALE_KEY.split("|")
    emu.ui_edit(context, message, "en-US", "The source changed: please hold while we transfer you.")
    report = run_import(settings, [fr, ar])
    outcomes = {d.outcome for d in report.decisions}
    assert {"update", "conflict", "stale"} <= outcomes, outcomes
    assert len(report.qa_skipped) >= 2
    return report


def listed(report: ImportReport) -> list[tuple[str, str, str]]:
    """(key, language, the file's text) of every unit a plan page lists."""
    units = [
        (str(d.key), d.language, d.proposal.new)
        for d in report.decisions
        if d.outcome not in ("noop", "untouched")
    ]
    return units + [(str(p.key), p.language, p.new) for p in report.qa_skipped]


def test_plan_page_in_a_browser_runs_no_injected_script_and_shows_every_unit(
    plan_report: ImportReport, tmp_path: Path
) -> None:
    page = tmp_path / "plan.html"
    html.write_plan_page(ImportRun([plan_report]), page)
    dom = dump_dom(tmp_path, page)
    assert dom.findtext(".//title") == "Import plan (dry run: nothing written)"
    assert PWNED not in (dom.findtext(".//title") or "")
    assert dom.get_element_by_id("search") is not None  # the page's own script ran: scripts were on
    assert len(dom.findall(".//script")) == 1
    assert dom.findall(".//img") == [] and dom.findall(".//iframe") == []
    for element in dom.iter():
        assert not any(name.startswith("on") for name in element.attrib), lxml.html.tostring(element)
    assert all(a.get("href", "").startswith("#") for a in dom.iter("a") if a.get("href") is not None)
    assert "\u202e" not in dom.text_content()  # shown as a token, never as itself
    units = {(u.get("data-key"), u.get("data-lang")): u for u in dom.find_class("u")}
    expected = listed(plan_report)
    assert len(units) == len(expected) >= 20
    for key, language, new in expected:
        unit = units[(key, language)]
        boxes = [t.text_content() for t in unit.find_class("t")]
        assert any(box.endswith(shown(new)) for box in boxes), (key, language, boxes, shown(new))
        rtl = [t.get("dir") for t in unit.find_class("t") if t.get("dir") != "auto"]
        assert rtl and all(d == ("rtl" if language == "ar" else None) for d in rtl), (key, language, rtl)
    conflict = units[(CONFLICT_KEY, "fr-FR")]
    texts = [t.text_content() for t in conflict.find_class("t")]
    assert any(t.endswith(LIVE_HOSTILE) for t in texts)  # the live hostile text, as text
    assert "--prefer-file" in conflict.text_content()
    stale = units[(STALE_KEY, "fr-FR")]
    assert "source now" in stale.text_content() and "The source changed" in stale.text_content()
    script = units[("account|AGENT_NON_RESPONSIVE", "fr-FR")]
    assert "adds HTML tag" in script.text_content() or "HTML" in script.text_content()


def test_plan_page_marks_the_change_and_tokens(plan_report: ImportReport) -> None:
    page = html.plan_page(ImportRun([plan_report]))
    csp = lxml.html.document_fromstring(page).xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp and csp[0].startswith("default-src 'none'") and "script-src 'sha256-" in csp[0]
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|javascript:)""", page)
    assert '<span class="ph">{agentNickname}</span>' in page
    assert "&lt;script&gt;" in page and "<script>document" not in page
    old, new = html.diff("Hello dear {name}, welcome", "Hello {name}, welcome back")
    assert re.search(r"<del> ?dear ?</del>", old) and re.search(r"<ins> ?back</ins>", new)
    assert "welcome" not in re.sub(r"<del>.*?</del>", "", old).split("{name}")[0]  # unchanged words unmarked
    old, new = html.diff("colour", "color")
    assert "<del" in old and "<b>u</b>" in old and new == '<ins class="w">color</ins>'


def test_big_plan_lists_what_needs_a_human_and_counts_the_rest(plan_report: ImportReport) -> None:
    limits = (plan.HUMAN_LIMIT, plan.UPDATE_LIMIT)
    try:
        plan.HUMAN_LIMIT, plan.UPDATE_LIMIT = 1, 3
        page = html.plan_page(ImportRun([plan_report]))
    finally:
        plan.HUMAN_LIMIT, plan.UPDATE_LIMIT = limits
    dom = lxml.html.document_fromstring(page)
    assert len(dom.find_class("u")) == 4
    assert "1 of " in dom.text_content() and "3 of " in dom.text_content()
