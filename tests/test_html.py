"""HTML pages across the package (``automsg_sync/html/``): the coverage and export pages,
screenshots of the plan, coverage and run pages in a real headless Chromium, and each
command's ``--html FILE``. Each page's own tests: tests/test_html_plan.py,
tests/test_html_run.py; the browser: tests/browser.py.

Set ``AUTOMSG_UPDATE_SCREENSHOTS=1`` to copy the screenshots into ``docs/``
(plan.png, coverage.png, run.png).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.html
import pytest
from browser import not_blank, screenshot
from conftest import ACCOUNT, Emu
from test_html_plan import plan_report  # noqa: F401  (a fixture)
from test_html_run import cron_json  # noqa: F401  (a fixture)
from test_imports import edit_po, export

from automsg_sync import html
from automsg_sync.config import Settings
from automsg_sync.imports import ImportReport, ImportRun
from automsg_sync.lp import Connection
from automsg_sync.status import account_status


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


def test_screenshots_are_not_blank(
    plan_report: ImportReport,  # noqa: F811  (the fixture imported from test_html_plan)
    cron_json: dict[str, Any],  # noqa: F811  (the fixture imported from test_html_run)
    conn: Connection,
    settings: Settings,
    tmp_path: Path,
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
