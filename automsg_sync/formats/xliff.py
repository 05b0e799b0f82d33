"""XLIFF 1.2 files for CAT tools (Trados, memoQ, Phrase), built and read with lxml.

One file per language: ``<file original="<account>/<language>"
source-language=… target-language=… datatype="plaintext">``; its ``<header>``
names the tool and holds the file's metadata as ``X-Automsg-*: value`` lines in
a ``<note from="automsg-sync">`` (the fields of the PO header). Each unit is a
``<trans-unit>`` whose ``id`` (and ``resname``) is the unit key, with
``xml:space="preserve"``; its notes are ``<note from="automsg-sync">``
elements, as PO's ``#.`` comments; a configured maximum length is
``maxwidth`` with ``size-unit="char"``. The ``<target>``'s ``state``:

=============================  ==============================================
``needs-translation``          no text yet (an empty target)
``needs-review-translation``   fuzzy, as in PO: the source changed since the
                               translation (the old source is an ``alt-trans``
                               of type ``previous-version``), or line breaks
                               that differ from the source's
``translated``                 anything else with text
=============================  ==============================================

On import, a target whose state is one of the ``needs-review-*`` states is
fuzzy (left out unless ``--include-fuzzy``); an empty target is ignored. A
target holding inline XLIFF elements (``<g>``, ``<x/>``, ``<mrk>`` …) is an
error naming its line: automatic messages are plain text, and flattening the
elements could lose a placeholder. A file with a DTD is refused, and entities
are never resolved or fetched. Text XML 1.0 cannot hold (most C0 controls)
cannot be exported to XLIFF: an error, as NUL is for PO; XLSX holds it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped]  # (lxml-stubs lag behind lxml)

from .. import __version__
from ..errors import FormatError
from ..model import FileEntry, FileMeta, TranslationFile, Unit
from . import NOT_XML_CHARS, atomic_path, entry_notes
from .po import HEADER_PREFIX, fuzzy_in_po, meta_fields, meta_from_fields

NS = "urn:oasis:names:tc:xliff:document:1.2"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
TOOL = "automsg-sync"
REVIEW_STATES = frozenset({"needs-review-translation", "needs-review-l10n", "needs-review-adaptation"})
_NOT_XML = re.compile(f"[{NOT_XML_CHARS}\ud800-\udfff]")


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def write_xliff(path: Path, meta: FileMeta, units: Sequence[Unit]) -> None:
    root = etree.Element(_q("xliff"), version="1.2", nsmap={None: NS})
    file = etree.SubElement(
        root,
        _q("file"),
        {
            "original": f"{meta.account}/{meta.language}",
            "source-language": meta.source_language,
            "target-language": meta.language,
            "datatype": "plaintext",
            "tool-id": TOOL,
        },
    )
    header = etree.SubElement(file, _q("header"))
    etree.SubElement(header, _q("tool"), {"tool-id": TOOL, "tool-name": TOOL, "tool-version": __version__})
    etree.SubElement(header, _q("note"), {"from": TOOL}).text = "\n".join(
        f"{name}: {value}" for name, value in meta_fields(meta).items()
    )
    body = etree.SubElement(file, _q("body"))
    for unit in units:
        key = str(unit.key)
        notes = entry_notes(unit)  # pre-filled candidates come from other units' targets
        for text in (key, unit.source, unit.target, unit.previous_source or "", *notes):
            bad = _NOT_XML.search(text)
            if bad:
                raise FormatError(
                    path,
                    None,
                    f"U+{ord(bad.group()):04X} in {key} [{unit.language}]: XML 1.0 cannot hold it "
                    "(export this language as XLSX)",
                )
        tu = etree.SubElement(body, _q("trans-unit"), {"id": key, "resname": key, XML_SPACE: "preserve"})
        if unit.max_length:
            tu.set("maxwidth", str(unit.max_length))
            tu.set("size-unit", "char")
        etree.SubElement(tu, _q("source")).text = unit.source
        target = etree.SubElement(tu, _q("target"))
        target.text = unit.target
        if not unit.target:
            target.set("state", "needs-translation")
        elif fuzzy_in_po(unit):
            target.set("state", "needs-review-translation")
        else:
            target.set("state", "translated")
        for note in notes:
            etree.SubElement(tu, _q("note"), {"from": TOOL}).text = note
        if unit.previous_source is not None:
            alt = etree.SubElement(tu, _q("alt-trans"), {"alttranstype": "previous-version"})
            etree.SubElement(alt, _q("source")).text = unit.previous_source
            etree.SubElement(alt, _q("target")).text = unit.target
    with atomic_path(path) as tmp:
        etree.ElementTree(root).write(str(tmp), encoding="UTF-8", xml_declaration=True, pretty_print=True)


def read_xliff(path: Path) -> TranslationFile:
    """Read an XLIFF 1.2 file back; an error names the file and line."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
    )
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as exc:
        raise FormatError(path, exc.lineno or None, f"not well-formed XML: {exc.msg}") from None
    except OSError as exc:
        raise FormatError(path, None, f"cannot read: {exc}") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise FormatError(path, 1, "the file declares a DTD: refused (entities are never expanded)")
    root = tree.getroot()
    if root.tag != _q("xliff") or root.get("version") != "1.2":
        raise FormatError(path, root.sourceline, "not an XLIFF 1.2 document")
    files = root.findall(_q("file"))
    if len(files) != 1:
        raise FormatError(path, root.sourceline, f"{len(files)} <file> elements; an export has exactly one")
    file = files[0]
    meta = meta_from_fields(path, _header_fields(file))
    entries: list[FileEntry] = []
    seen: dict[str, int] = {}
    for tu in file.iter(_q("trans-unit")):
        line = tu.sourceline
        key = tu.get("id") or ""
        if not key:
            raise FormatError(path, line, "trans-unit without an id (the unit key)")
        if key in seen:
            raise FormatError(path, line, f"duplicate id {key!r} (first at line {seen[key]})")
        seen[key] = line or 0
        source = tu.find(_q("source"))
        if source is None:
            raise FormatError(path, line, f"trans-unit {key!r} has no <source>")
        target = tu.find(_q("target"))
        state = target.get("state", "") if target is not None else ""
        previous = tu.find(f"{_q('alt-trans')}[@alttranstype='previous-version']/{_q('source')}")
        entries.append(
            FileEntry(
                key=key,
                source=_plain(path, source),
                target=_plain(path, target) if target is not None else "",
                fuzzy=state in REVIEW_STATES,
                where=line,
                notes=tuple(n.text or "" for n in tu.findall(_q("note")) if n.get("from") == TOOL),
                previous_source=_plain(path, previous) if previous is not None else None,
            )
        )
    return TranslationFile(meta, tuple(entries), str(path))


def _header_fields(file: Any) -> dict[str, str]:
    fields: dict[str, str] = {}
    for note in file.findall(f"{_q('header')}/{_q('note')}"):
        for line in (note.text or "").splitlines():
            name, sep, value = line.partition(":")
            if sep and name.strip().startswith(HEADER_PREFIX):
                fields[name.strip()] = value.strip()
    fields.setdefault("Language", file.get("target-language", ""))
    return fields


def _plain(path: Path, element: Any) -> str:
    if len(element):
        child = element[0]
        name = etree.QName(child).localname if isinstance(child.tag, str) else "a comment"
        raise FormatError(
            path, child.sourceline, f"<{name}> inside <{etree.QName(element).localname}>: only plain text"
        )
    return element.text or ""
