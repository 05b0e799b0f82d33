"""TMX 1.4b for the translator's memory (``--format tmx``, ``<language>.tmx``).

A vendor's CAT tool (Trados, memoQ, Phrase, OmegaT) loads a TMX as a translation
memory, so that what the account already says in a language is offered again for
the units to do. It holds the units that are **translated live** (state
``translated``: not LivePerson's stock texts, not stale ones, not missing ones),
source → target, one ``<tu>`` per distinct pair of texts, as ``--dedupe`` folds
them; each ``<tu>`` names the units it stands for as ``<prop type="x-automsg-key">``
and their messages as ``<prop type="x-automsg-message">`` (TMX 1.4b § 3.4, ``prop``:
"user-defined" types start with ``x-``). It is written with lxml, as the XLIFF is;
the tests read it back with translate-toolkit's ``tmxfile``.

A TMX is never imported: it carries no export id, and what it holds is already live.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lxml import etree  # type: ignore[import-untyped]

from .. import __version__
from ..model import FileMeta, Unit
from .common import FILE_MODE, atomic_path

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TOOL = "automsg-sync"


def memory_units(units: Sequence[Unit]) -> list[Unit]:
    """The units a memory holds: translated live, with a target."""
    return [u for u in units if u.state == "translated" and u.target]


def write_tmx(path: Path, meta: FileMeta, units: Sequence[Unit], mode: int = FILE_MODE) -> None:
    """The memory of ``units`` (see :func:`memory_units`) in ``meta.language``."""
    pairs: dict[tuple[str, str], list[Unit]] = {}
    for unit in memory_units(units):
        pairs.setdefault((unit.source, unit.target), []).append(unit)
    root = etree.Element("tmx", version="1.4")
    etree.SubElement(
        root,
        "header",
        {
            "creationtool": TOOL,
            "creationtoolversion": __version__,
            "datatype": "plaintext",
            "segtype": "block",  # a whole automatic message is one segment
            "adminlang": "en-US",
            "srclang": meta.source_language,
            "o-tmf": TOOL,
        },
    )
    body = etree.SubElement(root, "body")
    for (source, target), group in pairs.items():
        tu = etree.SubElement(body, "tu", tuid=str(group[0].key))
        for unit in group:
            etree.SubElement(tu, "prop", type="x-automsg-key").text = str(unit.key)
        for message in dict.fromkeys(u.key.message for u in group):
            etree.SubElement(tu, "prop", type="x-automsg-message").text = message
        for lang, text in ((meta.source_language, source), (meta.language, target)):
            tuv = etree.SubElement(tu, "tuv", {XML_LANG: lang})
            etree.SubElement(tuv, "seg").text = text
    with atomic_path(path, mode) as tmp:
        etree.ElementTree(root).write(str(tmp), encoding="UTF-8", xml_declaration=True, pretty_print=True)
