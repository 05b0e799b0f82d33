"""Reading an XLSX workbook back with python-calamine (the sheets as :mod:`.xlsx`
describes them), and what calamine does not tell — formula cells, hidden rows,
merged ranges — from the sheet's XML. A package is checked before it is parsed:
no zip bomb, no DTD.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from defusedxml.ElementTree import fromstring, iterparse
from python_calamine import CalamineError, CalamineWorkbook

from ..errors import FormatError
from ..model import FileEntry, FileMeta, TranslationFile, normalise_language
from .xlsx import META_SHEET, NEEDS_REVIEW, SHEET, TO_TRANSLATE

T = TypeVar("T")
log = logging.getLogger("automsg_sync.formats")

_HIDDEN_ROW = re.compile(rb"<row\b[^>]*\bhidden=\"(?:1|true)\"")
MAX_MEMBERS = 500
MAX_UNCOMPRESSED = 50 << 20  # bytes, all parts unpacked (the default of max_xlsx_mb)
_CHUNK = 1 << 20
MAX_RATIO = 200  # a part unpacking more than this many times its packed size is a bomb
META_REQUIRED = ("account", "language", "export_id", "revision", "source_language")


def read_xlsx_meta(path: Path, max_unpacked: int = MAX_UNCOMPRESSED) -> FileMeta:
    """A workbook's metadata from its hidden sheet alone, with :func:`read_xlsx`'s checks
    of the package and that sheet (an import learns the account without reading every row
    twice)."""
    book = _open(path, max_unpacked)
    return _guarded(path, lambda: _read_meta(path, _meta_rows(path, book)))


def read_xlsx(path: Path, max_unpacked: int = MAX_UNCOMPRESSED) -> TranslationFile:
    """Read a workbook back; problems name the file and the row. A workbook whose
    parts unpack to more than ``max_unpacked`` bytes (``max_xlsx_mb``) is refused
    before it is parsed."""
    book = _open(path, max_unpacked)

    def meta_and_rows() -> tuple[FileMeta, str, list[list[Any]]]:
        meta = _read_meta(path, _meta_rows(path, book))
        return (meta, *_translations_sheet(path, book, list(book.sheet_names), meta.language))

    meta, sheet, rows = _guarded(path, meta_and_rows)
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
        log.warning("%s: column %r (column %d) is not the translation column: ignored", path, name, index + 1)
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


def _open(path: Path, max_unpacked: int) -> CalamineWorkbook:
    """The workbook, once the file is a zip package within ``max_unpacked``."""
    if not zipfile.is_zipfile(path):
        raise FormatError(path, None, "not an XLSX workbook (not a zip file)")
    _check_package(path, max_unpacked)
    return _guarded(path, lambda: CalamineWorkbook.from_path(str(path)))


def _meta_rows(path: Path, book: CalamineWorkbook) -> list[list[Any]]:
    if META_SHEET not in book.sheet_names:
        raise FormatError(
            path,
            None,
            f"the hidden sheet {META_SHEET!r} is missing (it holds the export id, account and "
            "language): was the workbook copied into a new one? Type into the exported workbook itself",
        )
    rows: list[list[Any]] = book.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False)
    return rows


def _guarded(path: Path, read: Callable[[], T]) -> T:
    """``read()``, a calamine failure said as the file's error."""
    try:
        return read()
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
    # loaded here, not at the top: openpyxl costs ~110 ms to import, paid only by a run reading a workbook
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
