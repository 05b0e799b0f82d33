"""The run page of ``cron-run``: per account, per inbox file, what needs a human and the
command that settles it. Built from the run's JSON report (``CronReport.to_json()``), so
the page shows what the report says and nothing the report does not."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..diff import CONFLICT, STALE
from ..model import is_rtl
from .outcomes import EXPLAINED, HUMAN_LIMIT, WORDS
from .page import render_page, write_page
from .texts import Text, command_line, diff, import_commands, show


def run_page(report: Mapping[str, Any], *, config: Path | None = None) -> str:
    """A ``cron-run`` report (``CronReport.to_json()``): one block per account."""
    extra = ["--config", str(config)] if config is not None else []
    accounts = [
        {"a": a, "files": [_file_view(f, extra) for f in a.get("imported", [])]}
        for a in report.get("accounts", [])
    ]
    return render_page(
        "run.html",
        title=f"cron run {report.get('run_id', '')}",
        report=report,
        accounts=accounts,
    )


def _file_view(file: Mapping[str, Any], extra: Sequence[str]) -> dict[str, Any]:
    """One imported file: the commands that settle it and its skipped units (up to ``HUMAN_LIMIT``)."""
    skipped = file.get("skipped") or []
    return {
        "file": file,
        "commands": _file_commands(file, skipped, extra),
        "units": [_skipped_unit(s) for s in skipped[:HUMAN_LIMIT]],
        "more": max(0, len(skipped) - HUMAN_LIMIT),
    }


def _file_commands(
    file: Mapping[str, Any], skipped: Sequence[Mapping[str, Any]], extra: Sequence[str]
) -> list[tuple[str, str]]:
    """(what it does, command line) for a file imported into a plan or applied; none otherwise."""
    moved = file.get("moved_to")
    if not moved or file.get("status") not in ("planned", "applied"):
        return []
    reasons = Counter(s.get("reason", "") for s in skipped)
    page = (
        "see the plan in a page",
        command_line("automsg-sync", "import-translations", moved, *extra, "--html", "plan.html"),
    )
    return [
        page,
        *import_commands(
            [moved],
            extra,
            apply=file.get("status") == "planned" and bool(file.get("planned")),
            conflicts=bool(reasons[CONFLICT]),
            stale=bool(reasons[STALE]),
        ),
    ]


def _skipped_unit(skipped: Mapping[str, Any]) -> dict[str, Any]:
    """A unit the run skipped, as the page lists it: why, and its texts."""
    reason = skipped.get("reason", "")
    language = str(skipped.get("language", ""))
    return {
        "reason": WORDS.get(reason, reason),
        "explained": EXPLAINED.get(reason, skipped.get("detail") or ""),
        "key": skipped.get("key", ""),
        "language": language,
        "rtl": is_rtl(language) if language else False,
        "texts": _skipped_texts(reason, skipped),
        "detail": skipped.get("detail") or "",
    }


def _skipped_texts(reason: str, skipped: Mapping[str, Any]) -> list[Text]:
    """A conflict: base, live and the file's text; a stale unit: the source then and now; else
    the text at export beside the file's."""
    live, new, base = skipped.get("live"), skipped.get("new"), skipped.get("base")
    if reason == CONFLICT and live is not None:
        return [
            ("at export", show(base), True),
            ("live now", diff(base, live)[1], True),
            ("in the file", diff(base, new)[1], True),
        ]
    if reason == STALE:
        src0, src1 = diff(skipped.get("source_at_export"), skipped.get("source_now"))
        return [
            ("source at export", src0, False),
            ("source now", src1, False),
            ("in the file", show(new), True),
        ]
    old, shown = diff(base, new)
    return [("at export", old, True), ("in the file", shown, True)]


def write_run_page(cron_report_json: Mapping[str, Any], path: Path, *, config: Path | None = None) -> Path:
    """``reports/<run-id>.html`` beside cron's JSON report, owner-only like it.

    ``config``: the cron run's config file, put in the commands the page shows."""
    return write_page(path, run_page(cron_report_json, config=config), private=True)
