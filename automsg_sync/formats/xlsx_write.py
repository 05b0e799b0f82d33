"""Writing an XLSX workbook with xlsxwriter (the sheets as :mod:`.xlsx` describes them).

``constant_memory`` mode: a row at a time, strings inline, each row through
:meth:`.xlsx_sheet.TextWorksheet.write_string_row` (never a formula).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import FormatError
from ..model import FileMeta, Unit, is_rtl
from .common import FILE_MODE, atomic_path
from .po import fuzzy_in_po
from .xlsx import META_SHEET, NEEDS_REVIEW, SHEET, TO_TRANSLATE, TRANSLATED, NoncharacterError

MAX_ROWS = 1 << 20  # an Excel sheet's rows (xlsxwriter drops a cell past them)
WIDTHS = {
    "Key": 30,
    "Skill": 16,
    "Message": 28,
    "Source": 50,
    "Translation": 50,
    "Status": 14,
    "Notes": 48,
    "Also": 30,
}


def write_xlsx(
    path: Path, meta: FileMeta, units: Sequence[Unit], skill_names: dict[str, str], mode: int = FILE_MODE
) -> None:
    """One language's units as a workbook: the Translations sheet and the hidden metadata sheet."""
    # loaded here, not at the top: xlsxwriter costs ~30 ms to import, a run writing no workbook skips it
    import xlsxwriter  # type: ignore[import-untyped]

    if len(units) >= MAX_ROWS:
        raise FormatError(
            path, None, f"{len(units)} units: a sheet holds {MAX_ROWS - 1} rows besides its header"
        )
    with_also = any(u.also for u in units)
    headers = [
        "Key",
        "Skill",
        "Message",
        f"Source ({meta.source_language})",
        f"Translation ({meta.language})",
        "Status",
        "Notes",
        *(["Also used in"] if with_also else []),
    ]
    with atomic_path(path, mode) as tmp, tempfile.TemporaryDirectory(prefix="automsg-xlsx-") as scratch:
        # constant_memory: each row goes to a temporary file (in ``scratch``, removed
        # whatever happens) as soon as the next one starts, its strings written
        # inline (as openpyxl's write_only did); close() assembles the package.
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "tmpdir": scratch})
        try:
            _fill(wb, path, headers, meta, units, skill_names)
        except BaseException:
            with contextlib.suppress(Exception):
                wb.close()  # closes its temporary files; atomic_path drops what it wrote
            raise
        wb.close()


def _fill(
    wb: Any,
    path: Path,
    headers: list[str],
    meta: FileMeta,
    units: Sequence[Unit],
    skill_names: dict[str, str],
) -> None:
    """Both sheets of the workbook, row by row (constant_memory writes rows in order only)."""
    # xlsxwriter's worksheet, loaded only when a workbook is written (see write_xlsx)
    from .xlsx_sheet import TextWorksheet

    worksheet = TextWorksheet
    with_also = headers[-1] == "Also used in"
    target_rtl = is_rtl(meta.language)
    ws = wb.add_worksheet(SHEET, worksheet_class=worksheet)
    text = {"text_wrap": True, "valign": "top"}
    header_format = wb.add_format({**text, "bold": True})
    plain = wb.add_format(text)
    editable = wb.add_format({**text, "locked": False})
    translation = wb.add_format({**text, "locked": False, "reading_order": 2}) if target_rtl else editable
    for index, name in enumerate(headers):
        hidden = {"hidden": True} if name == "Key" else None
        ws.set_column(index, index, WIDTHS[name.split(" ")[0]], None, hidden)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(units), len(headers) - 1)
    if target_rtl:
        ws.right_to_left()
    # Protected against edits outside the Translation and Status columns, but
    # sorting, filtering, resizing and adding columns stay allowed.
    ws.protect(
        "",
        {
            "objects": True,
            "scenarios": True,
            "sort": True,
            "autofilter": True,
            "format_columns": True,
            "format_rows": True,
            "insert_columns": True,
        },
    )
    # typed strings (write_string_row, never write): never a formula, whatever a text starts with
    ws.write_string_row(0, headers, (header_format,) * len(headers))
    formats = (plain, plain, plain, plain, translation, editable, plain, *((plain,) if with_also else ()))
    for row, unit in enumerate(units, start=1):
        context = unit.key.context
        skill = "" if context.is_account else context.skill_id or ""
        skill_label = f"{skill_names.get(skill, '')} ({skill})".strip() if skill else "(account)"
        notes = unit.notes
        if unit.previous_source is not None:
            notes = (*notes, f"Previous source: {unit.previous_source}")
        texts = [
            str(unit.key),
            skill_label,
            unit.key.message,
            unit.source,
            unit.target,
            _status(unit),
            "\n".join(notes),
        ]
        if with_also:
            texts.append("\n".join(str(k) for k in unit.also))
        try:
            ws.write_string_row(row, texts, formats)
        except NoncharacterError as exc:
            raise FormatError(
                path,
                None,
                f"U+{ord(str(exc)):04X} in {unit.key} [{unit.language}]: an XLSX cell cannot hold it "
                "(a noncharacter; export PO or XLIFF, or remove it from the text in LivePerson)",
            ) from None
    meta_ws = wb.add_worksheet(META_SHEET, worksheet_class=worksheet)
    meta_ws.hide()
    for row, (name, value) in enumerate(_meta_rows(meta)):
        meta_ws.write_string_row(row, (name, value), (plain, plain))


def _status(unit: Unit) -> str:
    if not unit.target:
        return TO_TRANSLATE
    return NEEDS_REVIEW if fuzzy_in_po(unit) else TRANSLATED


def _meta_rows(meta: FileMeta) -> list[tuple[str, str]]:
    return [
        ("account", meta.account),
        ("language", meta.language),
        ("export_id", meta.export_id),
        ("revision", meta.revision),
        ("source_language", meta.source_language),
        ("format_version", meta.format_version),
    ]
