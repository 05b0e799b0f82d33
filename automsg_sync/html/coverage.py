"""The coverage page of ``status --html``: contexts × languages, coloured by how much
is custom-translated."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..catalog import StatusRow
from ..model import Context, is_rtl
from ..status import Status, done_percent
from .page import render_page, write_page


def coverage_page(status: Status) -> str:
    """``status --html``: contexts × languages, coloured by how much is custom-translated."""
    languages = sorted({r.language for r in status.rows})
    contexts: dict[str, tuple[Context, str]] = {}
    cells: dict[tuple[str, str], StatusRow] = {}
    for row in status.rows:
        contexts.setdefault(row.context.key, (row.context, row.context_name))
        cells[(row.context.key, row.language)] = row
    rows = []
    lang_totals = {lang: [0, 0, 0] for lang in languages}
    for key, (_, name) in sorted(contexts.items(), key=lambda kv: kv[1][0].sort_key()):
        line: list[dict[str, Any] | None] = []
        total = [0, 0, 0]
        for lang in languages:
            r = cells.get((key, lang))
            if r is None:
                line.append(None)
                continue
            line.append(_cell(key, lang, r))
            for i, n in enumerate((r.custom, r.default, r.missing)):
                total[i] += n
                lang_totals[lang][i] += n
        rows.append({"key": key, "name": name, "cells": line, "total": total, "done": _pct(*total)})
    columns = [
        {"language": lang, "rtl": is_rtl(lang), "total": lang_totals[lang], "done": _pct(*lang_totals[lang])}
        for lang in languages
    ]
    grand = [sum(c["total"][i] for c in columns) for i in range(3)]  # type: ignore[index]
    return render_page(
        "coverage.html",
        title=f"Coverage of account {status.account}",
        status=status,
        rows=rows,
        columns=columns,
        grand=grand,
        grand_done=_pct(*grand),
    )


def _cell(key: str, lang: str, r: StatusRow) -> dict[str, Any]:
    """One context × language cell: its counts, its colour bucket (tenths done) and its tooltip."""
    done = done_percent(r)
    return {
        "custom": r.custom,
        "default": r.default,
        "missing": r.missing,
        "done": done,
        "bucket": "n" if done is None else str(int(done // 10)),
        "title": f"{key} · {lang}: {r.custom} custom, {r.default} default, {r.missing} missing",
        "language": lang,
    }


def _pct(custom: int, default: int, missing: int) -> str:
    total = custom + default + missing
    return f"{100 * custom / total:.1f} %" if total else "—"


def write_coverage_page(status: Status, path: Path) -> float:
    """``status --html FILE``; returns the seconds it took."""
    started = time.monotonic()
    write_page(path, coverage_page(status))
    return time.monotonic() - started
