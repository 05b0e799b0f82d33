"""HTML pages (plan, coverage, export, cron run), opened in a real headless Chromium.

The pages are built from real objects: an export, a scripted translator and
an import against the emulator. Set ``AUTOMSG_UPDATE_SCREENSHOTS=1`` to copy
the screenshots into ``docs/`` (plan.png, coverage.png, run.png).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import lxml.html
import polib
import pytest
from conftest import ACCOUNT, Emu, Sleeps
from test_cron import ENV, translate_into_inbox, write_config
from test_import import edit_po, export, run_import

from automsg_sync import html
from automsg_sync.config import Settings, load_settings
from automsg_sync.cron import cron_run
from automsg_sync.imports import ImportReport, ImportRun
from automsg_sync.lp import Connection
from automsg_sync.status import account_status

ROOT = Path(__file__).resolve().parent.parent
BROWSER_SECONDS = 90
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


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Chromium is required: `make tools` installs Debian's chromium"
    return path


def browse(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One bounded headless Chromium call (root needs --no-sandbox), with its own profile."""
    profile = tmp / "chromium-profile"
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_SECONDS,
        check=True,
    )


def dump_dom(tmp: Path, page: Path) -> lxml.html.HtmlElement:
    result = browse(tmp, "--virtual-time-budget=2000", "--dump-dom", page.as_uri())
    assert "<html" in result.stdout, result.stderr[-2000:]
    return lxml.html.document_fromstring(result.stdout)


def screenshot(tmp: Path, page: Path, name: str) -> Path:
    png = tmp / name
    browse(tmp, f"--screenshot={png}", "--window-size=1280,800", page.as_uri())
    assert png.is_file()
    if os.environ.get("AUTOMSG_UPDATE_SCREENSHOTS"):
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(png, ROOT / "docs" / name)
    return png


def not_blank(png: Path) -> tuple[float, int]:
    """The screenshot's pixel standard deviation (grey) and its number of colours."""
    from PIL import Image, ImageStat

    with Image.open(png) as image:
        assert image.size == (1280, 800)
        grey = image.convert("L")
        colours = image.convert("RGB").getcolors(1 << 20) or []
        return ImageStat.Stat(grey).stddev[0], len(colours)


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
    limits = (html.HUMAN_LIMIT, html.UPDATE_LIMIT)
    try:
        html.HUMAN_LIMIT, html.UPDATE_LIMIT = 1, 3
        page = html.plan_page(ImportRun([plan_report]))
    finally:
        html.HUMAN_LIMIT, html.UPDATE_LIMIT = limits
    dom = lxml.html.document_fromstring(page)
    assert len(dom.find_class("u")) == 4
    assert "1 of " in dom.text_content() and "3 of " in dom.text_content()


def test_coverage_export_and_run_pages(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    status = account_status(conn, settings.account(ACCOUNT))
    page = html.coverage_page(status)
    dom = lxml.html.document_fromstring(page)
    heat = dom.find_class("heat")[0]
    languages = {r.language for r in status.rows}
    assert len(heat.find_class("lang")) == len(languages)
    assert len(heat.findall("./tbody/tr")) == len({r.context for r in status.rows})
    en = next(r for r in status.rows if r.context.is_account and r.language == "en-US")
    assert any(f"account · en-US: {en.custom} custom" in (td.get("title") or "") for td in heat.iter("td"))
    result = export(conn, settings, tmp_path / "out", ["fr-FR"], ["po"])
    page = html.export_page(result, tmp_path / "out")
    assert "fr-FR.po" in page and str(sum(lang.exported for lang in result.languages)) in page


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


def test_screenshots_are_not_blank(
    plan_report: ImportReport, cron_json: dict[str, Any], conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    pages = {
        "plan.png": tmp_path / "plan.html",
        "coverage.png": tmp_path / "coverage.html",
        "run.png": tmp_path / "run.html",
    }
    html.write_plan_page(ImportRun([plan_report]), pages["plan.png"])
    html.write_coverage_page(account_status(conn, settings.account(ACCOUNT)), pages["coverage.png"])
    html.write_run_page(cron_json, pages["run.png"])
    for name, page in pages.items():
        spread, colours = not_blank(screenshot(tmp_path, page, name))
        assert spread > 20 and colours > 50, (name, spread, colours)


def test_cli_html_options(emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``status``, ``export-for-translation`` and ``import-translations`` (dry run, then
    ``--apply``) each write their page with ``--html FILE``."""
    from click.testing import CliRunner
    from conftest import USER

    from automsg_sync.cli import main

    monkeypatch.chdir(tmp_path)
    common = ["--account", ACCOUNT, "--csds-url", emu.url]

    def run(*args: str) -> int:
        result = CliRunner().invoke(main, list(args), env=USER, catch_exceptions=False)
        assert result.exit_code in (0, 3), result.output
        return result.exit_code

    assert run("status", *common, "--html", "coverage.html") == 0
    assert "Coverage of account 70071528" in (tmp_path / "coverage.html").read_text(encoding="utf-8")
    args = ["--out", "out", "--format", "po", "--languages", "he-IL", "--html", "export.html"]
    assert run("export-for-translation", *common, *args) == 0
    assert "he-IL.po" in (tmp_path / "export.html").read_text(encoding="utf-8")
    po = tmp_path / "out" / ACCOUNT / "he-IL.po"
    edit_po(po, lambda e: setattr(e, "msgstr", e.msgstr or f"שלום {e.msgid}"))
    assert run("import-translations", str(po), "--csds-url", emu.url, "--html", "plan.html") == 0
    plan = lxml.html.document_fromstring((tmp_path / "plan.html").read_text(encoding="utf-8"))
    units = plan.find_class("u")
    assert units and all("o-update" in u.get("class", "") for u in units)
    assert all(t.get("dir") == "rtl" for u in units for t in u.find_class("t"))
    assert (
        run("import-translations", str(po), "--csds-url", emu.url, "--apply", "--html", "applied.html") == 0
    )
    applied = lxml.html.document_fromstring((tmp_path / "applied.html").read_text(encoding="utf-8"))
    assert applied.findtext(".//title") == "Import applied"
    assert len(applied.find_class("o-applied")) == len(units)
