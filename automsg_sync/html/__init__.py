"""Self-contained HTML pages: an import's plan, a cron run, coverage (``status``), an export.

Each page is one file: inline CSS, no external request of any kind (a
Content-Security-Policy meta tag forbids every fetch, and the only script
allowed is the page's own search box, by its hash), readable without
JavaScript — it can be opened from disk or attached to an e-mail. Every text
from LivePerson or a translator is escaped and shown with its placeholders,
tags and control characters as visible tokens (:mod:`.texts`).

A view module per page builds what its template (``templates/``) shows and
writes it through :mod:`.page`:

- :mod:`.plan` — ``import-translations --html`` (:func:`write_plan_page`);
- :mod:`.run` — cron's ``reports/<run-id>.html`` (:func:`write_run_page`);
- :mod:`.coverage` — ``status --html`` (:func:`write_coverage_page`);
- :mod:`.export` — ``export-for-translation --html`` (:func:`write_export_page`).
"""

from __future__ import annotations

from .coverage import coverage_page, write_coverage_page
from .export import export_page, write_export_page
from .plan import plan_page, write_plan_page
from .run import run_page, write_run_page
from .texts import diff, show, tokens

__all__ = [
    "coverage_page",
    "diff",
    "export_page",
    "plan_page",
    "run_page",
    "show",
    "tokens",
    "write_coverage_page",
    "write_export_page",
    "write_plan_page",
    "write_run_page",
]
