"""XLSX workbooks for translators with Excel or LibreOffice.

Written with xlsxwriter in ``constant_memory`` mode (a row at a time, strings
inline; see :func:`_worksheet_class` for the two internals replaced); read
with python-calamine (fast, and it decodes the escapes below as Excel does).

Sheet ``Translations``: a frozen header row with named columns (Key, Skill,
Message, Source (<lang>), Translation (<lang>), Notes), sized and wrapped;
only Translation and Status cells are unlocked and the sheet is protected
without a password; right-to-left for RTL languages. The Key column is hidden. A hidden
sheet ``automsg`` holds the file's metadata. The reader finds columns by
header name, so a translator may reorder or add columns.

``Status`` (after Translation, editable) says what each row needs:
``to translate`` (no text yet), ``needs review`` (the rows PO writes fuzzy:
LivePerson's stock text, a source changed since the translation, a
``--prefill`` suggestion — the spreadsheet's equivalent of PO's fuzzy flag;
an import leaves such a row out unless ``--include-fuzzy``; the translator
confirms a row by changing or clearing its Status: anything but ``needs
review`` counts as confirmed), or ``translated``. The header row carries an
AutoFilter, so a translator can show only the rows to do. ``Also used in``
(last) appears when ``--dedupe`` folded units: the keys of the other units
the row's translation goes to, one per line (shown only; the import takes the
grouping from the state store).

Every cell is written as a typed string, never a formula, so ``=``, ``+``,
``-``, ``@`` at the start stay text with nothing added. Text is escaped the way
the OOXML standard escapes strings (ECMA-376 ST_Xstring, what Excel itself
does): a character XML 1.0 cannot hold, and ``\\r`` (which XML parsers fold
into ``\\n``), is written ``_xHHHH_``; a literal ``_xHHHH_`` in the text gets
its underscore escaped as ``_x005F_``. Excel, LibreOffice and calamine decode
this, so the translator sees, and we read back, exactly the original text.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import FormatError
from ..model import FileEntry, FileMeta, TranslationFile, Unit, is_rtl, normalise_language
from . import NOT_XML_CHARS, atomic_path
from .po import fuzzy_in_po

log = logging.getLogger("automsg_sync.formats")
_SAID_COLUMNS: set[tuple[str, str]] = set()  # (file, header) of a translator's own column, said once

SHEET = "Translations"
META_SHEET = "automsg"
_ILLEGAL = re.compile(f"[{NOT_XML_CHARS}\r]")  # and \r, which XML parsers fold into \n
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
_COLUMNS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # the columns write_string_row names itself
_PRESERVE = ' xml:space="preserve"'  # on a text that starts or ends with a space
_LONG_TEXT = 32767 // 2  # longer may pass Excel's 32,767 UTF-16 units a cell: xlsxwriter truncates it
_XML_WORK = re.compile(f"[{NOT_XML_CHARS}\r&<>]|_x[0-9A-Fa-f]{{4}}_")  # a text the writer must escape
_HIDDEN_ROW = re.compile(rb"<row\b[^>]*\bhidden=\"(?:1|true)\"")
MAX_MEMBERS = 500
MAX_UNCOMPRESSED = 50 << 20  # bytes, all parts unpacked (the default of max_xlsx_mb)
_CHUNK = 1 << 20
MAX_ROWS = 1 << 20  # an Excel sheet's rows (xlsxwriter drops a cell past them)
MAX_RATIO = 200  # a part unpacking more than this many times its packed size is a bomb
META_REQUIRED = ("account", "language", "export_id", "revision", "source_language")
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
NEEDS_REVIEW = "needs review"  # a Status cell that marks a row fuzzy
TO_TRANSLATE, TRANSLATED = "to translate", "translated"


def escape(text: str) -> str:
    """OOXML string escaping; see the module docstring.

    >>> escape("a\\rb_x0041_")
    'a_x000D_b_x005F_x0041_'
    """
    if "\ufffe" in text or "\uffff" in text:
        raise NoncharacterError("\ufffe" if "\ufffe" in text else "\uffff")
    text = _LITERAL_ESCAPE.sub("_x005F_", text)
    return _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


class NoncharacterError(ValueError):
    """U+FFFE or U+FFFF in a text: no XLSX cell can hold them. XML has no such
    characters, and the ``_xFFFE_`` escape is left undecoded by calamine, so the
    text would come back changed (and be written to LivePerson so)."""


def _worksheet_class() -> type[Any]:
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
    from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

    hooks = (
        "_escape_control_characters",
        "_check_dimensions",
        "_write_single_row",
        "_write_string",
        "_xml_inline_string",
        "_xml_rich_inline_string",
    )
    for hook in hooks:
        if not callable(getattr(Worksheet, hook, None)):
            raise RuntimeError(f"this xlsxwriter has no {hook}: a version this writer does not know")

    class TextWorksheet(Worksheet):  # type: ignore[misc]
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

    return TextWorksheet


def write_xlsx(path: Path, meta: FileMeta, units: Sequence[Unit], skill_names: dict[str, str]) -> None:
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
    with atomic_path(path) as tmp, tempfile.TemporaryDirectory(prefix="automsg-xlsx-") as scratch:
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
    worksheet = _worksheet_class()
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


def read_xlsx(path: Path, max_unpacked: int = MAX_UNCOMPRESSED) -> TranslationFile:
    """Read a workbook back; problems name the file and the row. A workbook whose
    parts unpack to more than ``max_unpacked`` bytes (``max_xlsx_mb``) is refused
    before it is parsed."""
    from python_calamine import CalamineError, CalamineWorkbook

    if not zipfile.is_zipfile(path):
        raise FormatError(path, None, "not an XLSX workbook (not a zip file)")
    _check_package(path, max_unpacked)
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
        if META_SHEET not in names:
            raise FormatError(
                path,
                None,
                f"the hidden sheet {META_SHEET!r} is missing (it holds the export id, account and "
                "language): was the workbook copied into a new one? Type into the exported workbook itself",
            )
        meta_rows = book.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False)
        meta = _read_meta(path, meta_rows)
        sheet, rows = _translations_sheet(path, book, names, meta.language)
    except FormatError:
        raise
    except CalamineError as exc:
        raise FormatError(path, None, f"cannot read the workbook: {exc}") from None
    except BaseException as exc:
        # calamine is Rust: a damaged file can make it panic, which pyo3 raises
        # as PanicException, a BaseException. That is a bad file, not a crash.
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        raise FormatError(path, None, f"cannot read the workbook ({type(exc).__name__})") from None
    if not rows:
        raise FormatError(path, 1, f"sheet {sheet!r} is empty (no header row)")
    columns = _columns(path, [_text(v) for v in rows[0]], meta)
    facts = _sheet_facts(path, sheet, max_unpacked)
    for ref, first_row in facts.merged:
        if first_row > 1:
            raise FormatError(path, first_row, f"merged cells {ref}: each unit needs a row of its own")
    entries = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows[1:], start=2):
        values = [_text(v) for v in row]
        key = _at(values, columns["key"])
        if not key.strip():
            if any(v.strip() for v in values):
                raise FormatError(path, index, "row has text but no Key")
            continue
        if key in seen:
            raise FormatError(path, index, f"duplicate key {key!r} (first at row {seen[key]})")
        seen[key] = index
        status = _at(values, columns["status"]).strip().lower() if "status" in columns else ""
        entries.append(
            FileEntry(
                key=sys.intern(key),
                source=sys.intern(_at(values, columns["source"])),
                target=_at(values, columns["translation"]),
                fuzzy=status == NEEDS_REVIEW,
                where=index,
                formula=(index, columns["translation"]) in facts.formulas,
                hidden=index in facts.hidden_rows,
                confirmed=status != TO_TRANSLATE,  # the translator changed the Status
            )
        )
    return TranslationFile(meta, tuple(entries), str(path))


def _header(name: str) -> str:
    """A header as compared: case and spacing forgiven (``"  translation  (FR-fr) "``)."""
    return " ".join(name.lower().replace("( ", "(").replace(" )", ")").split())


def _columns(path: Path, header: list[str], meta: FileMeta) -> dict[str, int]:
    """The columns by their exact headers, case and spacing forgiven: ``Key``, ``Source
    (<source language>)``, ``Translation (<language>)``, ``Status``. A role whose exact
    header is not there takes the one column whose header starts with its word (a
    header shortened by hand). Any other column whose header starts with "Translation"
    (a translator's "Translation notes", before or after) is the translator's own:
    ignored, and said once — it used to be taken for the translation when it came first."""
    wanted = {
        "key": "key",
        _header(f"source ({meta.source_language})"): "source",
        _header(f"translation ({meta.language})"): "translation",
        "status": "status",
    }
    found: dict[str, int] = {}
    by_word: dict[str, list[tuple[int, str]]] = {}
    for index, name in enumerate(header):
        role = wanted.get(_header(name))
        if role is not None and role not in found:
            found[role] = index
            continue
        word = _header(name).split(" ")[0] if name.strip() else ""
        if word in ("key", "source", "translation", "status"):
            by_word.setdefault(word, []).append((index, name))
    for role, others in by_word.items():
        if role not in found and len(others) == 1:
            found[role] = others.pop()[0]
    for index, name in by_word.get("translation", []):
        if (str(path), name) not in _SAID_COLUMNS:  # once, though an import reads a file twice
            _SAID_COLUMNS.add((str(path), name))
            log.warning(
                "%s: column %r (column %d) is not the translation column: ignored", path, name, index + 1
            )
    shown = {
        "key": "Key",
        "source": f"Source ({meta.source_language})",
        "translation": f"Translation ({meta.language})",
    }
    for needed in ("key", "source", "translation"):
        if needed not in found:
            raise FormatError(
                path, 1, f"no {needed.title()!r} column in the header row (looked for {shown[needed]!r})"
            )
    return found


def _translations_sheet(
    path: Path, book: Any, names: list[str], language: str
) -> tuple[str, list[list[Any]]]:
    """The sheet of units: ``Translations``, else the only other sheet whose header row has
    Key, Source and a Translation column (a sheet renamed in the spreadsheet program)."""
    if SHEET in names:
        return SHEET, book.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    found = []
    for name in names:
        if name == META_SHEET:
            continue
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        headers = {_header(_text(v)) for v in rows[0]} if rows else set()
        if "key" in headers and all(any(h.startswith(w) for h in headers) for w in ("source", "translation")):
            found.append((name, rows))
    if len(found) == 1:
        log.info("%s: the units are on sheet %r (renamed from %r)", path, found[0][0], SHEET)
        return found[0]
    raise FormatError(
        path,
        None,
        f"no sheet named {SHEET!r}, and {'no' if not found else 'more than one'} other sheet has the "
        f"header row Key, Source, Translation ({language}): was the sheet renamed and its header changed?",
    )


def _read_meta(path: Path, rows: list[list[Any]]) -> FileMeta:
    values = {_text(r[0]).strip(): _text(r[1]).strip() for r in rows if len(r) >= 2}
    missing = [k for k in META_REQUIRED if not values.get(k)]
    if missing:
        raise FormatError(path, None, f"sheet {META_SHEET!r} lacks {', '.join(missing)}")
    try:
        language = normalise_language(values["language"])
    except ValueError:
        raise FormatError(path, None, f"sheet {META_SHEET!r}: bad language") from None
    return FileMeta(
        account=values["account"],
        language=language,
        export_id=values["export_id"],
        revision=values["revision"],
        source_language=values["source_language"],
        format_version=values.get("format_version") or "1",
    )


def _at(values: list[str], index: int) -> str:
    return values[index] if index < len(values) else ""


def _text(value: Any) -> str:
    """A cell's value as text: numbers a translator typed come back as typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass
class SheetFacts:
    """What calamine does not tell: formula cells, hidden rows, merged ranges."""

    formulas: set[tuple[int, int]] = field(default_factory=set)  # (row, 0-based column)
    hidden_rows: set[int] = field(default_factory=set)
    merged: list[tuple[str, int]] = field(default_factory=list)  # (range, its first row)


def _check_package(path: Path, max_unpacked: int = MAX_UNCOMPRESSED) -> None:
    """Refuse zip bombs and XML parts that declare a DTD (entity expansion, external entities).

    The parts' declared sizes must add up to at most ``max_unpacked`` bytes; then
    every part is unpacked once, a chunk at a time (little memory), counting the
    bytes it really gives: a zip that lies about its sizes is refused as well
    (Python's zip reader stops at the declared size and checks the CRC there).
    """
    limit = f"over the {max_unpacked / (1 << 20):g} MB limit (max_xlsx_mb)"
    try:
        with zipfile.ZipFile(path) as z:
            members = z.infolist()
            if len(members) > MAX_MEMBERS:
                raise FormatError(path, None, f"{len(members)} parts in the package: not a workbook")
            for m in members:
                if m.file_size > 1 << 20 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
                    raise FormatError(
                        path, None, f"part {m.filename} unpacks {m.file_size // m.compress_size}x: zip bomb?"
                    )
            total = sum(m.file_size for m in members)
            if total > max_unpacked:
                raise FormatError(path, None, f"the parts unpack to {total} bytes, {limit}")
            unpacked = 0
            for m in members:
                with z.open(m) as fh:
                    head = fh.read(4096)
                    if m.filename.endswith((".xml", ".rels", ".vml")) and (
                        b"<!DOCTYPE" in head or b"<!ENTITY" in head
                    ):
                        raise FormatError(path, None, f"part {m.filename} declares a DTD: refused (entities)")
                    unpacked += len(head)
                    while chunk := fh.read(_CHUNK):
                        unpacked += len(chunk)
                        if unpacked > max_unpacked:
                            raise FormatError(path, None, f"the parts unpack past their sizes, {limit}")
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        raise FormatError(path, None, f"damaged workbook: {exc}") from None


def _sheet_facts(path: Path, sheet: str, max_unpacked: int = MAX_UNCOMPRESSED) -> SheetFacts:
    """Formula cells, hidden rows and merged ranges of a sheet, from its XML.

    calamine returns values only, so these are read from the sheet's XML,
    parsed with defusedxml (no entities, no external references) and streamed.
    """
    from defusedxml.ElementTree import fromstring, iterparse
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries

    facts = SheetFacts()
    try:
        with zipfile.ZipFile(path) as z:
            book = fromstring(z.read("xl/workbook.xml"))
            rels = fromstring(z.read("xl/_rels/workbook.xml.rels"))
            rid = next(
                (e.get(f"{_REL}id") for e in book.iter(f"{_MAIN}sheet") if e.get("name") == sheet), None
            )
            target = next(
                (r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship") if r.get("Id") == rid), None
            )
            if target is None:
                return facts
            member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            with z.open(member) as fh:
                raw = fh.read(max_unpacked + 1)
            if len(raw) > max_unpacked:
                raise FormatError(path, None, f"sheet {sheet!r} unpacks past the limit (max_xlsx_mb)")
            # Most workbooks have none of the three: a byte search (C speed) says
            # so, and only a sheet that has one is walked cell by cell.
            if (
                b"<f>" not in raw
                and b"<f " not in raw
                and b"<mergeCell" not in raw
                and not _HIDDEN_ROW.search(raw)
            ):
                return facts
            with io.BytesIO(raw) as fh:
                for _, element in iterparse(fh, events=("end",)):
                    if element.tag == f"{_MAIN}c":
                        if element.find(f"{_MAIN}f") is not None and element.get("r"):
                            letters, row = coordinate_from_string(element.get("r"))
                            facts.formulas.add((row, column_index_from_string(letters) - 1))
                        element.clear()
                    elif element.tag == f"{_MAIN}row":
                        if element.get("hidden") in ("1", "true") and element.get("r"):
                            facts.hidden_rows.add(int(element.get("r")))
                        element.clear()
                    elif element.tag == f"{_MAIN}mergeCell" and element.get("ref"):
                        ref = element.get("ref")
                        facts.merged.append((ref, int(range_boundaries(ref)[1] or 0)))
            return facts
    except (KeyError, zipfile.BadZipFile, zlib.error, OSError, ValueError, SyntaxError, EOFError) as exc:
        # defusedxml's refusals are ValueErrors; XML syntax errors are SyntaxErrors
        raise FormatError(path, None, f"cannot read the workbook's structure: {exc}") from None
