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

On import the ``state`` means what the CAT tools mean by it (XLIFF 1.2 §
"state"; Weblate saves "needs editing" as ``needs-translation``, Poedit "needs
work" as ``needs-l10n``, an Okapi kit leaves ``needs-translation`` on the copy of
the source it fills an empty target with):

=====================================================  ==========================
``new``, ``needs-translation``, ``needs-l10n``,         unfinished: left out unless
``needs-adaptation``, ``needs-review-*``                ``--include-fuzzy``, said
``translated``, ``signed-off``, ``final``               imported; a target equal
                                                        to its source is meant so
no ``state``                                            imported (a copy of the
                                                        source is not taken)
=====================================================  ==========================

``approved="no"`` alone changes nothing. An empty target is ignored.

Segmentation markup is read through: ``<mrk mtype="seg">`` inside a ``<target>``
or ``<source>`` (Trados Studio, memoQ with segmentation, Okapi; Angular's XLIFF
reader does the same) is joined as the tool wrote it, the text between the mrks
kept. Any other inline element (``<g>``, ``<x/>``, ``<bpt>``, ``<ph>``, a ``<mrk>``
of another type …) is an error naming its line: automatic messages are plain
text, and flattening the elements could lose a placeholder. Elements and
attributes in another namespace (SDLXLIFF's ``sdl:``, memoQ's ``mq:``), comments
and processing instructions are no text and are passed over. A file with a DTD is
refused, and entities are never resolved or fetched. Text XML 1.0 cannot hold
(most C0 controls) cannot be exported to XLIFF: an error, as NUL is for PO; XLSX
holds it.
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
from .common import FILE_MODE, NOT_XML_CHARS, atomic_path, entry_notes
from .po import HEADER_PREFIX, fuzzy_in_po, meta_fields, meta_from_fields

NS = "urn:oasis:names:tc:xliff:document:1.2"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
TOOL = "automsg-sync"
REVIEW_STATES = frozenset({"needs-review-translation", "needs-review-l10n", "needs-review-adaptation"})
UNFINISHED_STATES = REVIEW_STATES | {"new", "needs-translation", "needs-l10n", "needs-adaptation"}
FINAL_STATES = frozenset({"translated", "signed-off", "final"})
_NOT_XML = re.compile(f"[{NOT_XML_CHARS}\ud800-\udfff]")


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def write_xliff(path: Path, meta: FileMeta, units: Sequence[Unit], mode: int = FILE_MODE) -> None:
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
    with atomic_path(path, mode) as tmp:
        etree.ElementTree(root).write(str(tmp), encoding="UTF-8", xml_declaration=True, pretty_print=True)


def read_xliff(path: Path) -> TranslationFile:
    """Read an XLIFF 1.2 file back; an error names the file and line."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=True,
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
    fields = _header_fields(file)
    if not any(name.startswith(HEADER_PREFIX) for name in fields):
        raise FormatError(
            path,
            file.sourceline,
            "the XLIFF header note with the export id is gone (a <note> in <header> with "
            f"{HEADER_PREFIX}Export-Id and the other {HEADER_PREFIX}* lines) — was a translation kit "
            "returned instead of the merged file? Merge the kit back into the exported .xlf (Okapi: "
            "Rainbow's merge step), or send the exported file itself",
        )
    meta = meta_from_fields(path, fields)
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
        state = (target.get("state") or "").strip() if target is not None else ""
        previous = tu.find(f"{_q('alt-trans')}[@alttranstype='previous-version']/{_q('source')}")
        entries.append(
            FileEntry(
                key=key,
                source=_plain(path, source),
                target=_plain(path, target) if target is not None else "",
                fuzzy=state in UNFINISHED_STATES or state.startswith("needs-review"),
                where=line,
                notes=tuple(n.text or "" for n in tu.findall(_q("note")) if n.get("from") == TOOL),
                previous_source=_plain(path, previous) if previous is not None else None,
                confirmed=state in FINAL_STATES,
                state=state or None,
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
    """An element's text: plain, or segmented (``<mrk mtype="seg">`` joined as written);
    elements of another namespace (``sdl:``, ``mq:``) pass over; anything else is an error."""
    if not len(element):
        return element.text or ""
    parts = [element.text or ""]
    for child in element:
        qname = etree.QName(child)
        if qname.namespace != NS:
            parts.append(child.tail or "")  # a tool's own element: no text of the message
            continue
        if qname.localname == "mrk" and child.get("mtype") == "seg" and len(child):
            child = child[0]  # the inline tag inside the segment is what is refused, on its own line
            qname = etree.QName(child)
        if qname.localname != "mrk" or child.get("mtype") != "seg" or len(child):
            what = (
                f'<mrk mtype="{child.get("mtype")}">' if qname.localname == "mrk" else f"<{qname.localname}>"
            )
            raise FormatError(
                path,
                child.sourceline,
                f"{what} inside <{etree.QName(element).localname}>: automatic messages are plain text "
                '(segmentation markup, <mrk mtype="seg">, is read through; other inline tags are not)',
            )
        parts.append(child.text or "")
        parts.append(child.tail or "")
    return "".join(parts)
