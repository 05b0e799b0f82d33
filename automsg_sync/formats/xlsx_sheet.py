"""xlsxwriter's worksheet with two of its internals replaced: text escaping, and
writing a row of string cells (:class:`TextWorksheet`).

Loaded by :mod:`.xlsx_write` only when a workbook is written: xlsxwriter costs ~30 ms
to import, which a run that writes no workbook does not pay.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from .common import NOT_XML_CHARS
from .xlsx import escape

_COLUMNS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # the columns write_string_row names itself
_PRESERVE = ' xml:space="preserve"'  # on a text that starts or ends with a space
_LONG_TEXT = 32767 // 2  # longer may pass Excel's 32,767 UTF-16 units a cell: xlsxwriter truncates it
_XML_WORK = re.compile(f"[{NOT_XML_CHARS}\r&<>]|_x[0-9A-Fa-f]{{4}}_")  # a text the writer must escape

# the internals TextWorksheet replaces or calls: an xlsxwriter without them is not one it knows
_HOOKS = (
    "_escape_control_characters",
    "_check_dimensions",
    "_write_single_row",
    "_write_string",
    "_xml_inline_string",
    "_xml_rich_inline_string",
)
for _hook in _HOOKS:
    if not callable(getattr(Worksheet, _hook, None)):
        raise RuntimeError(f"this xlsxwriter has no {_hook}: a version this writer does not know")


class TextWorksheet(Worksheet):  # type: ignore[misc]
    """xlsxwriter's worksheet with two of its internals replaced: text escaping, and
    writing a row of string cells.

    xlsxwriter escapes a cell's text the way :func:`escape` does but for one
    case: it escapes a literal ``_xHHHH_`` match by match, so in
    ``_x005F_x0041_`` it misses the ``_x0041_`` that shares an underscore with
    the first (the text would come back ``_x005FA``). Its escaping hook is
    :func:`escape` here, so every text is escaped once, and right.

    Nor is any text taken for rich-text XML (:meth:`TextWorksheet._xml_rich_inline_string`).

    ``write_string_row`` writes a row of typed strings (never formulas) at once,
    the XML ``write_string`` writes in constant_memory mode (``<c r= s=
    t="inlineStr">``, ``xml:space="preserve"`` on a text that starts or ends
    with a space), without xlsxwriter's per-cell bookkeeping, which is what
    costs: it writes a 5,000-row sheet in a third of the time.
    """

    _escape_control_characters = staticmethod(escape)
    previous_row: int  # the first row constant_memory may still write (xlsxwriter's)
    _templates: dict[tuple[Any, ...], str]

    def write_string_row(self, row: int, texts: Sequence[str], formats: tuple[Any, ...]) -> None:
        """Row ``row`` (0-based), its cells from column A: ``texts[i]`` in ``formats[i]``."""
        if (
            not self.constant_memory
            or len(texts) > len(_COLUMNS)
            or max(map(len, texts), default=0) > _LONG_TEXT
            or self._check_dimensions(row, 0)
            or self._check_dimensions(row, len(texts) - 1)
        ):
            # xlsxwriter's own way: a text it may truncate to Excel's 32,767, a row out of bounds
            # (it escapes a row's texts only when it writes the row out: checked here)
            for text in texts:
                escape(text)
            for col, (text, cell_format) in enumerate(zip(texts, formats, strict=True)):
                self._write_string(row, col, text, cell_format)
            return
        if row > self.previous_row:
            self._write_single_row(row)  # the row xlsxwriter still holds, if any
        self.previous_row = row + 1  # this row is written: none of xlsxwriter's to flush
        values: list[object] = [row + 1]
        for text in texts:
            if _XML_WORK.search(text):
                text = escape(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            values.append(_PRESERVE if text[:1].isspace() or text[-1:].isspace() else "")
            values.append(text)
        self.fh.write(self._template(formats).format(*values))

    def _xml_rich_inline_string(self, string: str, attributes: Any = ()) -> None:
        """xlsxwriter writes a text that starts ``<r>`` and ends ``</r>`` as raw
        rich-text XML, unescaped: a live text shaped so, passed down its own path
        (:meth:`write_string_row`'s long texts), came back as other text, which an
        unchanged import then wrote live (issue #24). This writer never writes rich
        text: every text is a plain string, escaped the same way."""
        preserve = string[:1].isspace() or string[-1:].isspace()
        self._xml_inline_string(string, preserve, list(attributes))

    def _template(self, formats: tuple[Any, ...]) -> str:
        """The row's XML with the row number, and each cell's xml:space and text, to fill in."""
        try:
            templates = self._templates
        except AttributeError:
            templates = self._templates = {}
        template = templates.get(formats)
        if template is None:
            cells = "".join(
                f'<c r="{_COLUMNS[col]}{{0}}" s="{cell_format._get_xf_index()}" t="inlineStr">'
                f"<is><t{{{2 * col + 1}}}>{{{2 * col + 2}}}</t></is></c>"
                for col, cell_format in enumerate(formats)
            )
            template = templates[formats] = f'<row r="{{0}}">{cells}</row>'
        return template
