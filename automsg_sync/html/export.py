"""The export page of ``export-for-translation --html``: per language, units by state,
files, source words."""

from __future__ import annotations

import time
from pathlib import Path

from ..export import ExportResult
from ..model import UNIT_STATES
from .page import render_page, write_page


def export_page(result: ExportResult, out_dir: Path | None = None) -> str:
    """``export-for-translation --html``: per language, units by state, files, source words."""
    totals = result.totals()
    return render_page(
        "export.html",
        title=f"Export {result.export_id}",
        result=result,
        out_dir=str(out_dir / result.account) if out_dir is not None else "",
        states=UNIT_STATES,
        quote=("new", "prefilled", "repeated", "total"),
        totals=totals,
        units=sum(lang.exported for lang in result.languages),
        entries=sum(lang.entries for lang in result.languages),
    )


def write_export_page(result: ExportResult, path: Path, out_dir: Path | None = None) -> float:
    """``export-for-translation --html FILE``; returns the seconds it took."""
    started = time.monotonic()
    write_page(path, export_page(result, out_dir))
    return time.monotonic() - started
