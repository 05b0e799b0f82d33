"""Files as the translators' real tools write them back (issue #26, "Done when").

Every fixture is a TRANSFORMATION of a fresh export of the emulator's sample account, made in
the test (so it follows the sample data), applying what the tool is documented, or its source
shows it, to do; each builder's docstring cites where. Where a real tool runs here it is used
itself: GNU gettext's msgcat and msgmerge (installed by ``make tools``), translate-toolkit's PO
and XLIFF stores (Weblate saves through them), openpyxl (the spreadsheet re-save), LibreOffice.
Nothing is our own writer's output called a tool's. Each test asserts the exact plan (keys and
new texts), the exact ignored reasons the file earns, or the exact refusal.

The scripted translator writes ``(fr) <source>`` (placeholders and tags kept, so QA passes).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import openpyxl
import polib
import pytest
from conftest import ACCOUNT
from lxml import etree  # type: ignore[import-untyped]
from test_imports import export, run_import

from automsg_sync.config import Settings
from automsg_sync.errors import FormatError
from automsg_sync.formats import read_translation_file
from automsg_sync.imports import ImportReport, file_account
from automsg_sync.lp import Connection

FR = "fr-FR"
NS = "urn:oasis:names:tc:xliff:document:1.2"
SDL = "http://sdl.com/FileTypes/SdlXliff/1.0"
MQ = "MQXliff"
SENTENCE_GAP = re.compile(r"(?<=[.!?])( +)")  # a sentence end and the spaces after it
HEADER_NOTE_GONE = "the XLIFF header note with the export id is gone"


def fr(text: str) -> str:
    return f"(fr) {text}"


def fresh(conn: Connection, settings: Settings, tmp_path: Path, fmt: str) -> Path:
    """A fresh export of the sample account's French, in ``fmt`` (po, xlsx, xliff)."""
    out = tmp_path / f"export-{fmt}"
    export(conn, settings, out, [FR], [fmt])
    return out / ACCOUNT / f"{FR}.{'xlf' if fmt == 'xliff' else fmt}"


def planned(report: ImportReport) -> dict[str, str]:
    return {d["key"]: d["new"] for d in report.to_json()["planned"]}


def ignored(report: ImportReport, *, empty: bool = False) -> dict[str, str]:
    """key → reason, the empty targets left out unless ``empty``."""
    return {i["key"]: i["reason"] for i in report.to_json()["ignored"] if empty or i["reason"] != "empty"}


def clean(report: ImportReport) -> ImportReport:
    assert report.to_json()["errors"] == [], report.to_json()["errors"]
    return report


def split_sentences(text: str) -> list[str]:
    """[sentence, gap, sentence, gap, …, sentence]: what a CAT tool's sentence rules make of it."""
    return SENTENCE_GAP.split(text)


# --------------------------------------------------------------------------------------------
# XLIFF


def q(name: str, ns: str = NS) -> str:
    return f"{{{ns}}}{name}"


class Xliff:
    """An exported XLIFF file, opened (lxml) for a tool's changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = etree.parse(str(path))
        self.root = self.tree.getroot()

    def units(self) -> dict[str, Any]:
        return {tu.get("id"): tu for tu in self.root.iter(q("trans-unit"))}

    @staticmethod
    def source(tu: Any) -> str:
        return str(tu.find(q("source")).text or "")

    @staticmethod
    def target(tu: Any) -> Any:
        return tu.find(q("target"))

    def empty(self) -> list[str]:
        """The units exported without a target text ("to translate"), in file order."""
        return [k for k, tu in self.units().items() if not (self.target(tu).text or "")]

    def translated(self) -> list[str]:
        return [k for k, tu in self.units().items() if self.target(tu).text]

    def declare(self, prefix: str, uri: str) -> None:
        """Declare a tool's namespace on the root, as SDLXLIFF and memoQ files do."""
        old = self.root
        new = etree.Element(old.tag, nsmap={**old.nsmap, prefix: uri})
        for name, value in old.attrib.items():
            new.set(name, value)
        new.text = old.text
        for child in list(old):
            new.append(child)
        self.tree._setroot(new)
        self.root = new

    def save(self, path: Path) -> Path:
        self.tree.write(str(path), encoding="UTF-8", xml_declaration=True)
        return path

    def bytes(self, **options: Any) -> bytes:
        return bytes(etree.tostring(self.tree, xml_declaration=True, **options))


def set_mrks(parent: Any, parts: list[str], texts: list[str] | None, mid_base: int = 1) -> None:
    """``parent``'s content as seg-mrks: one per sentence of ``parts`` (the gaps kept between
    them as text); each mrk holds the ``texts`` entry of its sentence (None: the sentence)."""
    for child in list(parent):
        parent.remove(child)
    parent.text = None
    sentences = parts[0::2]
    gaps = [*parts[1::2], ""]
    for i, (sentence, gap) in enumerate(zip(sentences, gaps, strict=True)):
        mrk = etree.SubElement(parent, q("mrk"), {"mtype": "seg", "mid": str(mid_base + i)})
        mrk.text = sentence if texts is None else texts[i]
        mrk.tail = gap or None


def trados_segmented(x: Xliff, done: dict[str, list[str]]) -> None:
    """Trados Studio's segmented XLIFF (saved as ``.sdlxliff``): every trans-unit gets a
    ``<seg-source>`` with one ``<mrk mtype="seg" mid="n">`` per sentence, and its ``<target>``
    the same mrks holding the translations, the spaces between sentences kept between the
    mrks (OASIS XLIFF 1.2, <seg-source> and mrk mtype "seg":
    http://docs.oasis-open.org/xliff/v1.2/os/xliff-core.html#seg-source; a CAT tool's target
    in exactly that form is the file of https://github.com/angular/angular/issues/21078, which
    Angular learnt to read in https://github.com/angular/angular/pull/21250); the segment
    confirmations are SDLXLIFF's ``<sdl:seg-defs><sdl:seg id conf="Translated"/>`` in the
    ``sdl:`` namespace http://sdl.com/FileTypes/SdlXliff/1.0 (as Okapi's XLIFF filter reads
    and writes them: okapi/filters/xliff/src/main/java/net/sf/okapi/filters/xliff/
    Parameters.java in klew00/okapi, useSdlXliffWriter, sdlSegConfValue). ``done``: key →
    the translator's text per sentence. A target already there is segmented as it stands;
    a sentence nobody translated is an empty mrk. Assumed (Trados' writer is not public): a
    confirmed unit's ``state`` says ``translated``."""
    x.declare("sdl", SDL)
    x.root.set(q("version", SDL), "1.0")
    for key, tu in x.units().items():
        src_parts = split_sentences(x.source(tu))
        seg_source = etree.Element(q("seg-source"))
        set_mrks(seg_source, src_parts, None)
        tu.find(q("source")).addnext(seg_source)
        target = x.target(tu)
        defs = etree.SubElement(tu, q("seg-defs", SDL))
        if key in done:
            set_mrks(target, src_parts, done[key])
            target.set("state", "translated")
            confs = ["Translated"] * len(done[key])
        elif target.text:
            own = split_sentences(target.text)
            if len(own) != len(src_parts):
                own = [target.text]
            set_mrks(target, own, None)
            confs = ["Translated"] * len(own[0::2])
        else:
            set_mrks(target, src_parts[:1], [""])
            confs = [""]
        for i, conf in enumerate(confs, start=1):
            seg = etree.SubElement(defs, q("seg", SDL), {"id": str(i)})
            if conf:
                seg.set("conf", conf)
                seg.set("origin", "interactive")


def test_trados_segmented_two_sentences(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    two = {k: split_sentences(x.source(x.units()[k])) for k in x.empty()}
    two = {k: parts for k, parts in two.items() if len(parts) > 1}
    assert len(two) >= 2, "the sample account has texts of two sentences to translate"
    done = {k: [fr(s) for s in parts[0::2]] for k, parts in two.items()}
    trados_segmented(x, done)
    path = x.save(tmp_path / f"{FR}.sdlxliff")
    report = clean(run_import(settings, [path]))
    expected = {}
    for key, parts in two.items():
        texts = done[key]
        parts = list(parts)
        parts[0::2] = texts
        expected[key] = "".join(parts)  # "(fr) One. (fr) Two.": the gap between the mrks kept
    assert planned(report) == expected
    assert ignored(report) == {}


def test_trados_inline_element_in_a_segment_names_its_line(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """Trados keeps a source's formatting as ``<g>`` inside the segment; automatic messages
    are plain text, so the file is refused at the line of the ``<g>``."""
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    key = x.empty()[0]
    trados_segmented(x, {key: [fr(s) for s in split_sentences(x.source(x.units()[key]))[0::2]]})
    mrk = x.target(x.units()[key]).find(q("mrk"))
    mrk.text += "\n"  # the <g> on a line of its own: the error names that line, not the mrk's
    g = etree.SubElement(mrk, q("g"), {"id": "1", "ctype": "bold"})
    g.text = "gras"
    path = x.save(tmp_path / f"{FR}.sdlxliff")
    line = Xliff(path).target(Xliff(path).units()[key]).find(f"{q('mrk')}/{q('g')}").sourceline
    report = run_import(settings, [path])
    assert planned(report) == {}
    [error] = report.to_json()["errors"]
    assert (error["where"], "<g>" in error["message"]) == (line, True), error


def test_a_single_seg_mrk_okapi_style(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """Okapi writes a segmented unit's target as ``<mrk mid="0" mtype="seg">…</mrk>`` (segment
    ids from 0), with the same in ``<seg-source>`` (XLIFFContent.toSegmentedString,
    ``String.format("<mrk mid=\\"%s\\" mtype=\\"seg\\">", segment.id)``, and XLIFFWriter
    writeTextUnit: okapi/core/src/main/java/net/sf/okapi/common/filterwriter/ in klew00/okapi);
    a one-sentence unit is one mrk (the example of angular/angular#21078)."""
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    one = [k for k in x.empty() if len(split_sentences(x.source(x.units()[k]))) == 1]
    assert one
    for key in one:
        tu = x.units()[key]
        seg_source = etree.Element(q("seg-source"))
        set_mrks(seg_source, [x.source(tu)], None, mid_base=0)
        tu.find(q("source")).addnext(seg_source)
        set_mrks(x.target(tu), [x.source(tu)], [fr(x.source(tu))], mid_base=0)
        x.target(tu).set("state", "translated")
    report = clean(run_import(settings, [x.save(tmp_path / f"{FR}.xlf")]))
    assert planned(report) == {k: fr(x.source(x.units()[k])) for k in one}


def memoq(x: Xliff, done: dict[str, str]) -> None:
    """memoQ's XLIFF (saved as ``.mqxliff``): the ``mq:`` namespace ``MQXliff`` on the root;
    each trans-unit carries ``mq:status`` (memoQ's row statuses NotStarted, ManuallyConfirmed,
    … — enum TUStatus in src/interfaces.ts of memoQ/mqxliff-js, memoQ's own library),
    ``mq:percent`` and ``mq:segmentguid``, and an edited one ``mq:minorversions`` whose
    ``mq:historical-unit`` holds its earlier ``<source>``/``<target>`` (Okapi issue #653,
    https://bitbucket.org/okapiframework/okapi/issues/653, with Kilgray's sample files).
    Assumed (memoQ's filter is not public): a confirmed row's ``state`` says ``translated``."""
    x.declare("mq", MQ)
    for key, tu in x.units().items():
        tu.set(q("segmentguid", MQ), str(uuid.uuid5(uuid.NAMESPACE_URL, key)))
        target = x.target(tu)
        if key in done:
            history = etree.SubElement(tu, q("minorversions", MQ))
            old = etree.SubElement(history, q("historical-unit", MQ))
            old.set(q("status", MQ), "ManuallyConfirmed" if target.text else "NotStarted")
            etree.SubElement(old, q("source")).text = x.source(tu)
            etree.SubElement(old, q("target")).text = target.text or ""
            target.text = done[key]
            target.set("state", "translated")
            tu.set(q("status", MQ), "ManuallyConfirmed")
            tu.set(q("percent", MQ), "0")
        else:
            tu.set(q("status", MQ), "ManuallyConfirmed" if target.text else "NotStarted")
            tu.set(q("percent", MQ), "100" if target.text else "0")


def test_memoq_mq_attributes(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    revised = x.translated()[0]
    done = {k: fr(x.source(x.units()[k])) for k in x.empty()[:3]}
    done[revised] = x.target(x.units()[revised]).text + " (revu)"
    memoq(x, done)
    report = clean(run_import(settings, [x.save(tmp_path / f"{FR}.mqxliff")]))
    assert planned(report) == done  # the old target in mq:historical-unit is not read
    assert ignored(report) == {}


def okapi_kit_merge(x: Xliff, done: dict[str, str]) -> None:
    """An Okapi (Rainbow/Tikal) translation kit, merged back: the kit writer gives every unit
    without a target text a copy of its source ("Fall back to source … Output copy of source
    only if requested", outputTarget = copySource, XLIFFWriter.writeTextUnit:
    okapi/core/src/main/java/net/sf/okapi/common/filterwriter/XLIFFWriter.java in klew00/okapi),
    and the XLIFF filter's merge leaves the target's ``state`` as the original file had it
    (targetStateMode defaults to TARGETSTATEMODE_IGNORE; allowEmptyTargets false:
    okapi/filters/xliff/src/main/java/net/sf/okapi/filters/xliff/Parameters.java). ``done``:
    the units the translator did translate in the kit; the rest keep the copy."""
    for key in x.empty():
        tu = x.units()[key]
        x.target(tu).text = done.get(key, x.source(tu))  # state stays needs-translation


def test_okapi_kit_merged_untouched_plans_nothing(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """The English copies must never go live as French: not by default, not with
    --include-fuzzy (then they are copies of the source, said so)."""
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    copies = x.empty()
    okapi_kit_merge(x, {})
    path = x.save(tmp_path / f"{FR}.xlf")
    for tu in (x.units()[k] for k in copies):
        assert (x.target(tu).text, x.target(tu).get("state")) == (x.source(tu), "needs-translation")
    report = clean(run_import(settings, [path]))
    assert planned(report) == {}
    # unfinished state and a copy of the source: either word keeps it out (see the report)
    assert set(ignored(report)) == set(copies)
    assert set(ignored(report).values()) <= {"source-copy", "unfinished", "unfinished-changed"}
    report = clean(run_import(settings, [path], include_fuzzy=True))
    assert planned(report) == {}
    assert ignored(report) == dict.fromkeys(copies, "source-copy")


def test_okapi_state_left_as_exported(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """Translated in the kit, merged: the text is new but ``state`` still says
    needs-translation (the merge does not touch it): unfinished and changed; taken only with
    --include-fuzzy, and the untranslated copies never."""
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    copies = x.empty()
    done = {k: fr(x.source(x.units()[k])) for k in copies[:2]}
    okapi_kit_merge(x, done)
    path = x.save(tmp_path / f"{FR}.xlf")
    report = clean(run_import(settings, [path]))
    assert planned(report) == {}
    assert {k: ignored(report)[k] for k in done} == dict.fromkeys(done, "unfinished-changed")
    assert set(ignored(report)) == set(copies)
    report = clean(run_import(settings, [path], include_fuzzy=True))
    assert planned(report) == done
    assert ignored(report) == {k: "source-copy" for k in copies if k not in done}


UNFINISHED = [
    "new",
    "needs-translation",
    "needs-l10n",
    "needs-adaptation",
    "needs-review-translation",
    "needs-review-l10n",
    "needs-review-adaptation",
]


@pytest.mark.parametrize("state", [*UNFINISHED, "translated", "signed-off", "final", None])
def test_xliff_state_values(conn: Connection, settings: Settings, tmp_path: Path, state: str | None) -> None:
    """The XLIFF 1.2 ``state`` values (http://docs.oasis-open.org/xliff/v1.2/os/xliff-core.html#state;
    translate-toolkit's reading of them, xliffunit.statemap in translate/storage/xliff.py): on
    a new text and on an exported translation left as it was (a tool that marked it for
    review without changing it)."""
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    new, kept = x.empty()[0], x.translated()[0]
    text = fr(x.source(x.units()[new]))
    x.target(x.units()[new]).text = text
    for key in (new, kept):
        target = x.target(x.units()[key])
        target.attrib.pop("state")
        if state:
            target.set("state", state)
    path = x.save(tmp_path / f"{FR}.xlf")
    report = clean(run_import(settings, [path]))
    if state in UNFINISHED:
        assert planned(report) == {}
        assert ignored(report) == {new: "unfinished-changed", kept: "unfinished"}
        assert planned(clean(run_import(settings, [path], include_fuzzy=True))) == {new: text}
    else:
        assert planned(report) == {new: text}
        assert ignored(report) == {}


def omegat(x: Xliff, done: dict[str, str]) -> None:
    """OmegaT's XLIFF 1.2 filter (filters4): a unit it has a translation for is written with
    ``<target state="translated" …>`` (writeTranslatedTarget: ``state`` first, then the original
    target's other attributes), one without keeps its ``<target>`` as it was
    (writeDefaultTarget): src/main/java/org/omegat/filters4/xml/xliff/Xliff1Filter.java in
    omegat-org/omegat."""
    for key, text in done.items():
        target = x.target(x.units()[key])
        others = {k: v for k, v in target.attrib.items() if k != "state"}
        target.attrib.clear()
        target.set("state", "translated")
        for name, value in others.items():
            target.set(name, value)
        target.text = text


def test_omegat(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """One unit kept in English on purpose (OmegaT's translation identical to the source):
    its state says translated, so it is a translation."""
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    todo = x.empty()
    done = {k: fr(x.source(x.units()[k])) for k in todo[:-1]}
    done[todo[-1]] = x.source(x.units()[todo[-1]])
    omegat(x, done)
    report = clean(run_import(settings, [x.save(tmp_path / f"{FR}.xlf")]))
    assert planned(report) == done
    assert ignored(report) == {}


def weblate(path: Path, out: Path, edits: dict[str, tuple[str, str]]) -> Path:
    """Weblate saves XLIFF through translate-toolkit (run here): XliffUnit.set_target sets the
    unit's text, then XliffUnit.set_state calls ``markapproved(state == approved)`` and sets the
    target's ``state``: fuzzy ("needs editing") → ``"needs-translation"``, translated →
    ``"translated"``, approved → ``"final"`` (weblate/formats/ttkit.py in WeblateOrg/weblate).
    translate-toolkit marks a unit approved when its target is set (settarget → set_state_n →
    markapproved), so the ``markapproved(False)`` that follows writes ``approved="no"`` on every
    unit that is not approved (markapproved in translate/storage/xliff.py of
    translate/translate). ``edits``: id → (text, "fuzzy" | "translated" | "approved")."""
    from translate.storage import xliff as ttx

    store = ttx.xlifffile.parsefile(str(path))  # type: ignore[no-untyped-call]
    for unit in store.units:
        if unit.xmlelement.get("id") not in edits:
            continue
        text, state = edits[unit.xmlelement.get("id")]
        unit.target = text
        unit.markapproved(state == "approved")
        value = {"fuzzy": "needs-translation", "approved": "final"}.get(state, "translated")
        unit.xmlelement.find(unit.namespaced("target")).set("state", value)
    store.savefile(str(out))
    return out


def test_weblate(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    path = fresh(conn, settings, tmp_path, "xliff")
    x = Xliff(path)
    a, b, c = (x.units()[k] for k in x.empty()[:3])
    edits = {
        a.get("id"): (fr(x.source(a)), "translated"),
        b.get("id"): (fr(x.source(b)), "approved"),
        c.get("id"): (fr(x.source(c)), "fuzzy"),
    }
    out = weblate(path, tmp_path / f"{FR}.xlf", edits)
    back = Xliff(out).units()
    assert [(back[k].get("approved"), x.target(back[k]).get("state")) for k in edits] == [
        ("no", "translated"),  # approved="no" alone changes nothing
        ("yes", "final"),
        ("no", "needs-translation"),
    ]
    report = clean(run_import(settings, [out]))
    assert planned(report) == {k: text for k, (text, state) in edits.items() if state != "fuzzy"}
    assert ignored(report) == {c.get("id"): "unfinished-changed"}
    report = clean(run_import(settings, [out], include_fuzzy=True))
    assert planned(report) == {k: text for k, (text, _) in edits.items()}


def poedit_xliff(x: Xliff, done: dict[str, tuple[str, bool]]) -> None:
    """Poedit's XLIFF 1.2 save (XLIFF12CatalogItem::UpdateInternalRepresentation and
    Impl_UpdateTargetState, src/catalog_xliff.cpp in vslavik/poedit): ``state-qualifier``
    removed; a translation gets ``state="translated"``, one marked "needs work" (fuzzy)
    ``"needs-l10n"``, an empty one ``"needs-translation"``. ``done``: id → (text, fuzzy)."""
    for key, (text, fuzzy) in done.items():
        target = x.target(x.units()[key])
        target.attrib.pop("state-qualifier", None)
        target.text = text
        target.set("state", "needs-l10n" if fuzzy else "translated")


def test_poedit_xliff_needs_work(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    todo = x.empty()
    done = {k: (fr(x.source(x.units()[k])), k == todo[1]) for k in todo[:3]}
    poedit_xliff(x, done)
    path = x.save(tmp_path / f"{FR}.xlf")
    report = clean(run_import(settings, [path]))
    assert planned(report) == {k: t for k, (t, fuzzy) in done.items() if not fuzzy}
    assert ignored(report) == {todo[1]: "unfinished-changed"}
    report = clean(run_import(settings, [path], include_fuzzy=True))
    assert planned(report) == {k: t for k, (t, _) in done.items()}


def swordfish(x: Xliff, done: dict[str, str]) -> None:
    """Swordfish (Maxprograms), built on OpenXLIFF Filters: its XLIFF 1.x processing puts a
    ``<?OpenXLIFF …?>`` processing instruction in each trans-unit and keeps translation-memory
    matches as ``<alt-trans origin=… match-quality=…>`` with their own source and target
    (src/com/maxprograms/converters/xliff/Xliff1xProcessor.java in rmraya/OpenXLIFF); its
    converters put an ``<?encoding …?>`` processing instruction in the file (Idml2Xliff,
    DitaMap2Xliff: ``new PI("encoding", …)``), and a merge marks every unit that has a target
    ``approved="yes"`` (Merge.approveAll)."""
    x.root.addprevious(etree.ProcessingInstruction("encoding", "UTF-8"))
    for i, (key, tu) in enumerate(x.units().items()):
        tu.insert(0, etree.ProcessingInstruction("OpenXLIFF", f"{x.root[0].get('original')}_{i}"))
        if key in done:
            alt = etree.SubElement(tu, q("alt-trans"), {"origin": "Swordfish TM", "match-quality": "72"})
            etree.SubElement(alt, q("source")).text = x.source(tu).upper()
            etree.SubElement(alt, q("target")).text = "(TM) une autre traduction"
            x.target(tu).text = done[key]
            x.target(tu).set("state", "translated")
        if x.target(tu).text:
            tu.set("approved", "yes")


def test_swordfish_alt_trans_and_processing_instructions(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    done = {k: fr(x.source(x.units()[k])) for k in x.empty()[:4]}
    swordfish(x, done)
    path = x.save(tmp_path / f"{FR}.xlf")
    assert b"<?encoding UTF-8?>" in path.read_bytes() and b"<?OpenXLIFF " in path.read_bytes()
    report = clean(run_import(settings, [path]))
    assert planned(report) == done  # never the alt-trans's TM match
    assert ignored(report) == {}


def test_xliff_bom_and_crlf(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """Saved on Windows by a .NET tool (Trados, memoQ, Phrase's desktop editor are .NET):
    XmlWriterSettings.NewLineChars is ``\\r\\n`` on Windows
    (https://learn.microsoft.com/dotnet/api/system.xml.xmlwritersettings.newlinechars) and
    ``Encoding.UTF8`` writes the byte-order mark; XML 1.0 §2.11 makes a parser read CRLF as LF
    and §4.3.3 allows the BOM."""
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    done = {k: fr(x.source(x.units()[k])) for k in x.empty()[:3]}
    for key, text in done.items():
        x.target(x.units()[key]).text = text
        x.target(x.units()[key]).set("state", "translated")
    path = tmp_path / f"{FR}.xlf"
    path.write_bytes(b"\xef\xbb\xbf" + x.bytes(encoding="UTF-8").replace(b"\n", b"\r\n"))
    report = clean(run_import(settings, [path]))
    assert planned(report) == done
    assert ignored(report) == {}


def entities(text: str) -> str:
    """Non-ASCII as numeric character references, apostrophes as ``&apos;``."""
    return "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in text.replace("'", "&apos;"))


def test_xliff_cdata_and_entities(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """Every other target in a CDATA section; elsewhere the text as character references —
    non-ASCII as numeric references (a writer set to an ASCII-safe output), apostrophes as
    ``&apos;``: what XML 1.0 allows any writer (§2.7 CDATA sections, §4.1 character references,
    §4.6 predefined entities); Okapi's XLIFF filter has its ``inlineCdata`` option for such
    targets (okapi/filters/xliff/src/main/java/net/sf/okapi/filters/xliff/Parameters.java)."""
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    done = {k: f"« {fr(x.source(x.units()[k]))} » — é" for k in x.empty()}
    for i, (key, text) in enumerate(done.items()):
        x.target(x.units()[key]).text = etree.CDATA(text) if i % 2 == 0 else text
        x.target(x.units()[key]).set("state", "translated")
    declaration, _, body = x.bytes(encoding="UTF-8").decode("utf-8").partition("?>")
    pieces = re.split(r"(<!\[CDATA\[.*?\]\]>)", body, flags=re.DOTALL)
    body = "".join(p if p.startswith("<![CDATA[") else entities(p) for p in pieces)
    path = tmp_path / f"{FR}.xlf"
    path.write_text(f"{declaration}?>{body}", encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert "<![CDATA[« (fr)" in text and "&#171; (fr)" in text and "&apos;" in text
    report = clean(run_import(settings, [path]))
    assert planned(report) == done


def test_xliff_units_regrouped_and_reordered(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """Trans-units regrouped into ``<group>`` elements (one per context here) and in another
    order, as tools that write groups do (XLIFF 1.2 <group>:
    http://docs.oasis-open.org/xliff/v1.2/os/xliff-core.html#group; Okapi's XLIFFWriter writes
    a <group> per StartGroup event, writeStartGroup in
    okapi/core/src/main/java/net/sf/okapi/common/filterwriter/XLIFFWriter.java)."""
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    done = {k: fr(x.source(x.units()[k])) for k in x.empty()}
    body = x.root.find(f"{q('file')}/{q('body')}")
    groups: dict[str, Any] = {}
    for key, tu in reversed(list(x.units().items())):
        context = key.split("|", 1)[0]
        if context not in groups:
            groups[context] = etree.SubElement(body, q("group"), {"id": context, "resname": context})
        groups[context].append(tu)
        if key in done:
            x.target(tu).text = done[key]
            x.target(tu).set("state", "translated")
    report = clean(run_import(settings, [x.save(tmp_path / f"{FR}.xlf")]))
    assert planned(report) == done


def test_xliff_without_its_header_note_is_refused_in_words(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """An Okapi kit's own XLIFF returned in place of the merged file: the kit writer starts
    each <file> with a header of its own (XLIFFWriter.writeStartFile), without our note."""
    x = Xliff(fresh(conn, settings, tmp_path, "xliff"))
    header = x.root.find(f"{q('file')}/{q('header')}")
    for note in header.findall(q("note")):
        header.remove(note)
    for key in x.empty():
        x.target(x.units()[key]).text = fr(x.source(x.units()[key]))
    report = run_import(settings, [x.save(tmp_path / f"{FR}.xlf")])
    assert planned(report) == {}
    [error] = report.to_json()["errors"]
    assert HEADER_NOTE_GONE in error["message"], error


# --------------------------------------------------------------------------------------------
# PO


def po_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")


def po_fill_text(text: str, done: dict[str, str]) -> str:
    """The translator's edit in a text editor: each ``msgctxt "key"`` entry's empty
    ``msgstr ""`` gets the translation, nothing else of the file touched."""
    for key, translation in done.items():
        start = text.index(f'msgctxt "{po_string(key)}"\n')
        at = text.index('msgstr ""\n', start)
        text = text[:at] + f'msgstr "{po_string(translation)}"\n' + text[at + len('msgstr ""\n') :]
    return text


def po_empty(path: Path) -> dict[str, str]:
    """key → source of the entries exported without a translation, in file order."""
    return {e.msgctxt: e.msgid for e in polib.pofile(str(path)) if not e.msgstr}


def po_fill(path: Path, done: dict[str, str], out: Path) -> Path:
    po = polib.pofile(str(path))
    for entry in po:
        if entry.msgctxt in done:
            entry.msgstr = done[entry.msgctxt]
    po.save(str(out))
    return out


def gettext(tool: str) -> str:
    found = shutil.which(tool)
    assert found, f"GNU gettext's {tool} is required: `make test` installs it"
    return found


def poedit_width(path: Path) -> int:
    """The wrapping width Poedit detects in a file it opened (src/catalog_po.cpp in
    vslavik/poedit, the line reader: the longest line with a space past its third character,
    comments, ``msgid ""``/``msgstr ""`` and lines ending in ``\\n"`` not counted)."""
    width = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(("#. ", "# ")) or line.endswith('\\n"'):
            continue
        if line in ('msgid ""', 'msgstr ""'):
            continue
        if line.rfind(" ") > 2:
            width = max(width, len(line))
    return width


def poedit_po(path: Path, done: dict[str, str], out: Path) -> Path:
    """Poedit's PO save: the header fields it sets (Last-Translator, Language-Team,
    PO-Revision-Date, ``X-Generator: Poedit …``: Catalog::CreateNewHeader/SetHeader in
    src/catalog.cpp), the file written, then formatted by ``msgcat --force-po`` with the
    wrapping width detected in the opened file (``--width=N``; 79 when none:
    src/catalog_po.cpp, POCatalog::Save) — msgcat runs here."""
    width = poedit_width(path) or 79
    po = polib.pofile(str(path))
    po.metadata["Last-Translator"] = "Marie Dupont <marie.dupont@example.fr>"
    po.metadata["Language-Team"] = "French <traduction@example.fr>"
    po.metadata["PO-Revision-Date"] = "2026-12-08 09:14+0100"
    po.metadata["X-Generator"] = "Poedit 3.5"
    for entry in po:
        if entry.msgctxt in done:
            entry.msgstr = done[entry.msgctxt]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    raw = out.with_suffix(".poedit-raw.po")
    po.save(str(raw))
    cmd = [gettext("msgcat"), "--force-po", f"--width={width}", "-o", str(out), str(raw)]
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def test_po_from_poedit(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """One entry kept in English on purpose: not fuzzy, so it is a translation."""
    path = fresh(conn, settings, tmp_path, "po")
    todo = po_empty(path)
    keys = list(todo)
    done = {k: fr(todo[k]) for k in keys[:-1]}
    done[keys[-1]] = todo[keys[-1]]
    out = poedit_po(path, done, tmp_path / f"{FR}.po")
    assert "X-Generator: Poedit 3.5" in out.read_text(encoding="utf-8")
    report = clean(run_import(settings, [out]))
    assert planned(report) == done
    assert ignored(report) == {}


def test_po_msgcat_at_79_columns(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """GNU gettext's msgcat, run here, re-wraps every long string at 79 columns (its default
    page width, ``--width``: https://www.gnu.org/software/gettext/manual/html_node/msgcat-Invocation.html)."""
    path = fresh(conn, settings, tmp_path, "po")
    done = {k: fr(s) for k, s in po_empty(path).items()}
    filled = po_fill(path, done, tmp_path / "filled.po")
    out = tmp_path / f"{FR}.po"
    subprocess.run([gettext("msgcat"), "--width=79", "-o", str(out), str(filled)], check=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert max(len(line) for line in lines if not line.startswith("#")) <= 79
    report = clean(run_import(settings, [out]))
    assert planned(report) == done


def test_po_translate_toolkit_at_77_columns(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """translate-toolkit's PO store (run here; Weblate and Pootle save through it) wraps a
    string it sets at 77 columns (PoWrapper(width=77) in translate/storage/pypo.py of
    translate/translate); the lines it parsed it writes back as they were."""
    from translate.storage import pypo

    path = fresh(conn, settings, tmp_path, "po")
    done = {k: fr(s) for k, s in po_empty(path).items()}
    store = pypo.pofile.parsefile(str(path))  # type: ignore[no-untyped-call]
    for unit in store.units:
        if unit.getcontext() in done:
            unit.target = done[unit.getcontext()]
    out = tmp_path / f"{FR}.po"
    store.savefile(str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert max(len(line) for line in lines if "(fr)" in line) <= 77
    assert any(line.startswith('"(fr) ') for line in lines), "a translation was wrapped"
    report = clean(run_import(settings, [out]))
    assert planned(report) == done


def lokalize_keyword(keyword: str, text: str, width: int = 80, html: bool = True) -> list[str]:
    """GettextExportPlugin::writeKeyword's "lazy wrapping" (src/catalog/gettext/
    gettextexport.cpp in KDE/lokalize): lines of at most width-2, broken before the last
    space (or ``>``, ``%``; ``&`` for non-HTML) — so a continuation line starts with the space —
    or hard at width-2 when there is none past the half; an empty first line when split."""
    if not text:
        return [f'{keyword} ""']
    escaped = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n\n").replace('"', '\\"')
    items = [part for part in escaped.split("\n") if part]
    if escaped.startswith("\n"):
        items.insert(0, "")
    items = items or [""]
    stops = " >%" if html else " &%"
    biggest = width - 2
    prepended = False
    i = 0
    while i < len(items):
        if len(items) == 1 and len(keyword) + 1 + len(items[i]) >= biggest:
            prepended = True
            items.insert(i, "")
            i += 1
            continue
        item = items[i]
        if len(item) > biggest:
            pos = max(item.rfind(c, 0, biggest) for c in stops)  # QString::lastIndexOf(re, max-1)
            if pos > biggest // 2:
                lt = item.find("<", pos)
                if 0 < lt < biggest - 1:
                    pos = lt + 1
            else:
                cut = biggest
                while cut >= 2 and item[cut - 1] == "\\":
                    cut -= 1
                pos = cut
            items[i : i + 1] = [item[:pos], item[pos:]]
        i += 1
    if not prepended and len(items) > 1:
        items.insert(0, "")
    return [f'{keyword} "{items[0]}"', *(f'"{item}"' for item in items[1:])]


def lokalize_po(path: Path, done: dict[str, str], out: Path) -> Path:
    """Lokalize's PO save (GettextExportPlugin::save in src/catalog/gettext/gettextexport.cpp
    of KDE/lokalize): the header (``X-Generator: Lokalize …`` set on save), then each entry:
    its comment lines as they were, msgctxt, msgid, msgstr through writeKeyword's wrapping at
    the width its code names (80), entries separated by an empty line."""
    po = polib.pofile(str(path))
    po.metadata["X-Generator"] = "Lokalize 23.08.5"
    po.metadata["Last-Translator"] = "Marie Dupont <marie.dupont@example.fr>"
    po.metadata["PO-Revision-Date"] = "2026-12-08 09:14+0100"
    header = "".join(f"{name}: {value}\n" for name, value in po.ordered_metadata())
    lines = ["#" if not po.header else f"# {po.header}"]
    lines += ['msgid ""', *lokalize_keyword("msgstr", header, html=False)]
    for entry in po:
        lines.append("")
        lines += [f"#. {c}" for c in entry.comment.splitlines()]
        lines += [f"#, {', '.join(entry.flags)}"] if entry.flags else []
        if entry.msgctxt is not None:
            lines += lokalize_keyword("msgctxt", entry.msgctxt)
        lines += lokalize_keyword("msgid", entry.msgid)
        lines += lokalize_keyword("msgstr", done.get(entry.msgctxt or "", entry.msgstr))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def test_po_from_lokalize(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    path = fresh(conn, settings, tmp_path, "po")
    done = {k: fr(s) for k, s in po_empty(path).items()}
    out = lokalize_po(path, done, tmp_path / f"{FR}.po")
    text = out.read_text(encoding="utf-8")
    assert re.search(r'^" ', text, re.MULTILINE), "Lokalize's continuation lines start with the space"
    report = clean(run_import(settings, [out]))
    assert planned(report) == done


def test_po_crlf(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """Line ends CRLF: a file from Windows, which Poedit then keeps so (keep_crlf,
    GetDesiredCRLFFormat in src/catalog_po.cpp of vslavik/poedit)."""
    path = fresh(conn, settings, tmp_path, "po")
    done = {k: fr(s) for k, s in po_empty(path).items()}
    out = tmp_path / f"{FR}.po"
    text = po_fill_text(path.read_text(encoding="utf-8"), done)
    out.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    report = clean(run_import(settings, [out]))
    assert planned(report) == done


def test_po_bom_and_crlf(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """Saved by a Windows editor as "UTF-8 with BOM", CRLF. (Observed here: polib 1.2 reads
    it; GNU gettext 0.21's msgfmt refuses it, "1:2: syntax error".)"""
    path = fresh(conn, settings, tmp_path, "po")
    done = {k: fr(s) for k, s in po_empty(path).items()}
    out = tmp_path / f"{FR}.po"
    text = po_fill_text(path.read_text(encoding="utf-8"), done)
    out.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    report = clean(run_import(settings, [out]))
    assert planned(report) == done


def msgmerge(path: Path, out: Path, keep: Callable[[polib.POEntry], bool], comments: bool) -> Path:
    """GNU gettext's msgmerge (run here) against a template: entries not in the template
    become obsolete ``#~`` entries (a translated one; an untranslated one is dropped), and the
    extracted ``#.`` comments are the template's
    (https://www.gnu.org/software/gettext/manual/html_node/msgmerge-Invocation.html,
    https://www.gnu.org/software/gettext/manual/html_node/Obsolete-Entries.html)."""
    po = polib.pofile(str(path))
    pot = polib.POFile()
    pot.metadata = dict(po.metadata)
    for entry in po:
        if keep(entry):
            comment = entry.comment if comments else ""
            pot.append(polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid, msgstr="", comment=comment))
    template = out.with_suffix(".pot")
    pot.save(str(template))
    cmd = [gettext("msgmerge"), "--quiet", "--previous", "--no-fuzzy-matching", "-o", str(out)]
    subprocess.run([*cmd, str(path), str(template)], check=True)
    return out


def test_po_obsolete_entries_are_ignored(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """The translator revised a translated entry, then merged the file with a template that
    no longer has it: msgmerge keeps the revision as a ``#~`` entry, which is not imported."""
    path = fresh(conn, settings, tmp_path, "po")
    translated = [e for e in polib.pofile(str(path)) if e.msgstr]
    gone = translated[0]
    done = {k: fr(s) for k, s in po_empty(path).items()}
    filled = po_fill(path, {**done, gone.msgctxt: gone.msgstr + " (revu)"}, tmp_path / "filled.po")
    out = msgmerge(filled, tmp_path / f"{FR}.po", lambda e: e.msgctxt != gone.msgctxt, comments=True)
    assert f'#~ msgctxt "{gone.msgctxt}"' in out.read_text(encoding="utf-8")
    report = clean(run_import(settings, [out]))
    assert planned(report) == done


def test_po_extracted_comments_stripped(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """Merged with a template that has no ``#.`` comments: msgmerge takes a file's extracted
    comments from the template, so every one is gone (and the strings re-wrapped at 79)."""
    path = fresh(conn, settings, tmp_path, "po")
    done = {k: fr(s) for k, s in po_empty(path).items()}
    filled = po_fill(path, done, tmp_path / "filled.po")
    out = msgmerge(filled, tmp_path / f"{FR}.po", lambda e: True, comments=False)
    assert "#." not in out.read_text(encoding="utf-8")
    report = clean(run_import(settings, [out]))
    assert planned(report) == done


# --------------------------------------------------------------------------------------------
# XLSX

KEY, MESSAGE, TRANSLATION, STATUS = 1, 3, 5, 6  # the exported columns (A, C, E, F)


def rows(ws: Any) -> dict[str, int]:
    return {ws.cell(r, KEY).value: r for r in range(2, ws.max_row + 1) if ws.cell(r, KEY).value}


def sheet_empty(path: Path) -> dict[str, str]:
    """key → source of the rows exported "to translate", in sheet order."""
    ws = openpyxl.load_workbook(path)["Translations"]
    return {ws.cell(r, KEY).value: ws.cell(r, 4).value for r in rows(ws).values() if not ws.cell(r, 5).value}


def test_xlsx_resaved_by_openpyxl(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """Loaded and saved by openpyxl (https://openpyxl.readthedocs.io/en/stable/tutorial.html,
    "Saving to a file"): shared strings, its own styles. Two rows hold their English source:
    one whose Status the translator changed (meant: imported), one left "to translate" (a
    copy of the source: not imported)."""
    path = fresh(conn, settings, tmp_path, "xlsx")
    todo = sheet_empty(path)
    keys = list(todo)
    wb = openpyxl.load_workbook(path)
    ws = wb["Translations"]
    at = rows(ws)
    done = {k: fr(todo[k]) for k in keys[:-2]}
    for key, text in done.items():
        ws.cell(at[key], TRANSLATION).value = text
    meant, copied = keys[-2], keys[-1]
    ws.cell(at[meant], TRANSLATION).value = todo[meant]
    ws.cell(at[meant], STATUS).value = "translated"
    ws.cell(at[copied], TRANSLATION).value = todo[copied]
    out = tmp_path / f"{FR}.xlsx"
    wb.save(out)
    report = clean(run_import(settings, [out]))
    assert planned(report) == {**done, meant: todo[meant]}
    assert ignored(report) == {copied: "source-copy"}


def test_xlsx_rows_sorted(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """Rows sorted by the Message column, whole rows moving (the hidden Key column with
    them), as Excel's Sort of a range does."""
    path = fresh(conn, settings, tmp_path, "xlsx")
    done = {k: fr(s) for k, s in sheet_empty(path).items()}
    wb = openpyxl.load_workbook(path)
    ws = wb["Translations"]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    data.sort(key=lambda row: (str(row[MESSAGE - 1]), str(row[KEY - 1])), reverse=True)
    for r, values in enumerate(data, start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c).value = value
    for key, r in rows(ws).items():
        if key in done:
            ws.cell(r, TRANSLATION).value = done[key]
    out = tmp_path / f"{FR}.xlsx"
    wb.save(out)
    report = clean(run_import(settings, [out]))
    assert planned(report) == done


def filtered(path: Path, out: Path, done: dict[str, str], hidden_edit: str | None = None) -> Path:
    """The export's AutoFilter with its Status column filtered to "to translate", as Excel
    saves a filter: a ``<filterColumn>`` and the other rows ``hidden`` (a writer must hide them
    itself: https://libxlsxwriter.github.io/working_with_autofilters.html; openpyxl only
    records the filter: https://openpyxl.readthedocs.io/en/stable/filters.html). The
    translator fills visible rows; ``hidden_edit``: a hidden row edited anyway."""
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.load_workbook(path)
    ws = wb["Translations"]
    ws.auto_filter.add_filter_column(STATUS - 1, ["to translate"])
    for key, r in rows(ws).items():
        if ws.cell(r, STATUS).value != "to translate":
            ws.row_dimensions[r].hidden = True
        if key in done:
            ws.cell(r, TRANSLATION).value = done[key]
        if key == hidden_edit:
            ws.cell(r, TRANSLATION).value = f"{ws.cell(r, TRANSLATION).value} (revu)"
    wb.save(out)
    return out


def test_xlsx_autofilter_on_and_rows_filtered(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """The README's own workflow: hidden rows left as exported are no QA error; a hidden row
    whose text was changed is (nobody could review it)."""
    path = fresh(conn, settings, tmp_path, "xlsx")
    done = {k: fr(s) for k, s in sheet_empty(path).items()}
    ws = openpyxl.load_workbook(path)["Translations"]
    hidden = next(k for k, r in rows(ws).items() if ws.cell(r, STATUS).value != "to translate")
    out = filtered(path, tmp_path / f"{FR}.xlsx", done)
    report = clean(run_import(settings, [out]))
    assert planned(report) == done
    assert report.to_json()["qa"] == []
    out = filtered(path, tmp_path / "edited-hidden" / f"{FR}.xlsx", done, hidden_edit=hidden)
    report = clean(run_import(settings, [out]))
    assert planned(report) == done
    assert [(s["key"], s["reason"]) for s in report.to_json()["skipped"]] == [(hidden, "qa")]
    assert [f["check"] for f in report.to_json()["qa"] if f["severity"] == "error"] == ["hidden-row"]


def test_xlsx_filtered_then_resaved_by_libreoffice(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """The filtered workbook re-saved by LibreOffice (tests/test_formats_libreoffice.py's resave):
    its own rendering of the filter and the hidden rows."""
    from test_formats_libreoffice import resave

    path = fresh(conn, settings, tmp_path, "xlsx")
    done = {k: fr(s) for k, s in sheet_empty(path).items()}
    out = resave(filtered(path, tmp_path / "filtered" / f"{FR}.xlsx", done), tmp_path)
    report = clean(run_import(settings, [out]))
    assert planned(report) == done
    assert report.to_json()["qa"] == []


def test_xlsx_rich_text_run(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    """A cell typed with a bold run: a rich-text string (openpyxl CellRichText,
    https://openpyxl.readthedocs.io/en/stable/rich_text.html) is read as its plain text."""
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    path = fresh(conn, settings, tmp_path, "xlsx")
    todo = sheet_empty(path)
    key, *others = list(todo)
    wb = openpyxl.load_workbook(path, rich_text=True)
    ws = wb["Translations"]
    at = rows(ws)
    ws.cell(at[key], TRANSLATION).value = CellRichText(TextBlock(InlineFont(b=True), "(fr)"), f" {todo[key]}")
    done = {k: fr(todo[k]) for k in others}
    for k, text in done.items():
        ws.cell(at[k], TRANSLATION).value = text
    out = tmp_path / f"{FR}.xlsx"
    wb.save(out)
    assert b"<r><rPr><b " in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")  # openpyxl: inline
    report = clean(run_import(settings, [out]))
    assert planned(report) == {key: fr(todo[key]), **done}


def insert_column(path: Path, at: int, header: str, notes: dict[str, str], done: dict[str, str]) -> Path:
    """A column inserted at ``at`` (openpyxl insert_cols, as Excel's Insert), its header and
    some notes typed; then the translations typed in the Translation column."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Translations"]
    ws.insert_cols(at)
    ws.cell(1, at).value = header
    column = next(c for c in range(1, ws.max_column + 1) if ws.cell(1, c).value == f"Translation ({FR})")
    for key, r in rows(ws).items():
        ws.cell(r, at).value = notes.get(key)
        if key in done:
            ws.cell(r, column).value = done[key]
    out = path.parent.parent / f"{header.replace(' ', '-')}-{FR}.xlsx"
    wb.save(out)
    return out


def test_xlsx_comment_column_after_the_translation(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    path = fresh(conn, settings, tmp_path, "xlsx")
    done = {k: fr(s) for k, s in sheet_empty(path).items()}
    notes = dict.fromkeys(list(done)[:2], "à relire par le client")
    out = insert_column(path, TRANSLATION + 1, "Comment", notes, done)
    report = clean(run_import(settings, [out]))
    assert planned(report) == done


def test_xlsx_translation_notes_column_before_the_translation(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """Issue #26: "Translation notes" inserted before "Translation (fr-FR)" used to be taken
    for the translation column; it is the translator's own column."""
    path = fresh(conn, settings, tmp_path, "xlsx")
    done = {k: fr(s) for k, s in sheet_empty(path).items()}
    notes = dict.fromkeys(list(done)[:3], "terme validé avec le client")
    out = insert_column(path, TRANSLATION, "Translation notes", notes, done)
    report = clean(run_import(settings, [out]))
    assert planned(report) == done
    assert ignored(report) == {}


def test_xlsx_renamed_sheet(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    path = fresh(conn, settings, tmp_path, "xlsx")
    done = {k: fr(s) for k, s in sheet_empty(path).items()}
    wb = openpyxl.load_workbook(path)
    ws = wb["Translations"]
    ws.title = "Traductions"
    for key, r in rows(ws).items():
        if key in done:
            ws.cell(r, TRANSLATION).value = done[key]
    out = tmp_path / f"{FR}.xlsx"
    wb.save(out)
    report = clean(run_import(settings, [out]))
    assert planned(report) == done


def google_sheets_like(path: Path, out: Path, done: dict[str, str]) -> Path:
    """Google-Sheets-like: a package written from scratch with only the parts a workbook
    needs — every string inline (``t="inlineStr"``), no styles part, no shared strings, and no
    ``<dimension>`` element (as observed of Google Sheets' xlsx downloads in
    https://github.com/tidyverse/readxl/issues/26); the metadata sheet kept hidden. The rest of
    what Google writes is not documented: this is a likeness, not a capture."""
    wb = openpyxl.load_workbook(path)

    def cell(ref: str, value: Any) -> str:
        if value is None or value == "":
            return ""
        text = escape(str(value))
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'

    def sheet(ws: Any, hide_first_column: bool) -> str:
        body = []
        for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
            values = list(row)
            if ws.title == "Translations" and row[KEY - 1] in done:
                values[TRANSLATION - 1] = done[row[KEY - 1]]
            cells = "".join(
                cell(f"{openpyxl.utils.get_column_letter(c)}{r}", v) for c, v in enumerate(values, 1)
            )
            body.append(f'<row r="{r}">{cells}</row>')
        cols = '<cols><col min="1" max="1" width="30" hidden="1"/></cols>' if hide_first_column else ""
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"{cols}<sheetData>{''.join(body)}</sheetData></worksheet>"
        )

    main = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    sheet_type = f"{main}/worksheet"
    names = wb.sheetnames
    states = {ws.title: ws.sheet_state for ws in wb.worksheets}
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(1, len(names) + 1)
            )
            + "</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{main}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{main}">'
            "<sheets>"
            + "".join(
                f'<sheet name={quoteattr(name)} sheetId="{i}"'
                + (f' state="{states[name]}"' if states[name] != "visible" else "")
                + f' r:id="rId{i}"/>'
                for i, name in enumerate(names, start=1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{pkg}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{sheet_type}" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(names) + 1)
            )
            + "</Relationships>"
        ),
    }
    for i, name in enumerate(names, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = sheet(wb[name], name == "Translations")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out


def test_xlsx_google_sheets_like(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    path = fresh(conn, settings, tmp_path, "xlsx")
    done = {k: fr(s) for k, s in sheet_empty(path).items()}
    out = google_sheets_like(path, tmp_path / f"{FR}.xlsx", done)
    assert "xl/styles.xml" not in zipfile.ZipFile(out).namelist()
    report = clean(run_import(settings, [out]))
    assert planned(report) == done


@pytest.mark.parametrize("fmt", ["po", "xlsx", "xliff"])
def test_the_untouched_fresh_export_plans_nothing(
    conn: Connection, settings: Settings, tmp_path: Path, fmt: str
) -> None:
    """The baseline every variant above transforms: as exported, a file plans nothing and
    earns no word but "empty"."""
    path = fresh(conn, settings, tmp_path, fmt)
    report = clean(run_import(settings, [path]))
    assert planned(report) == {}
    assert ignored(report) == {}


def test_an_import_reads_a_workbook_once(
    conn: Connection, settings: Settings, tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    """Grouping files by account reads a workbook's hidden sheet alone (formats.read_file_meta),
    so an import parses each file once: a translator's own "Translation notes" column is said
    once, and the account is learnt even from a workbook whose translations sheet is gone."""
    path = fresh(conn, settings, tmp_path, "xlsx")
    done = {k: f"(fr) {s}" for k, s in sheet_empty(path).items()}
    out = insert_column(path, TRANSLATION, "Translation notes", dict.fromkeys(list(done)[:1], "n"), done)
    assert file_account(out) == ACCOUNT
    run_import(settings, [out])
    said = [r for r in logs.records if "is not the translation column" in r.getMessage()]
    assert len(said) == 1, [r.getMessage() for r in said]
    wb = openpyxl.load_workbook(out)
    wb.create_sheet("Notes")  # a workbook keeps one visible sheet
    del wb["Translations"]
    gone = tmp_path / "gone.xlsx"
    wb.save(gone)
    assert file_account(gone) == ACCOUNT
    with pytest.raises(FormatError):
        read_translation_file(gone)
