"""automsg_sync.git.pofiles: messages.pot and the language files written as msgmerge would,
checked with gettext's msgfmt; conflict markers refused with their line (issue #27)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from automsg_sync.errors import FormatError
from automsg_sync.formats.po import read_po
from automsg_sync.git import (
    check_no_conflict_markers,
    merge_language,
    write_template,
)
from automsg_sync.model import Context, FileMeta, Unit, UnitKey

ACCOUNT = "70071528"
META = FileMeta(ACCOUNT, "fr-FR", f"{ACCOUNT}-20261121T000000Z-abc123", "7", "en-US")
T1 = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 22, 6, 30, tzinfo=UTC)


def unit(message: str, source: str, target: str = "", *, skill: str | None = None, **kw: object) -> Unit:
    context = Context.skill(skill) if skill else Context.account()
    made = Unit(
        key=UnitKey(context, message),
        language="fr-FR",
        source=source,
        target=target,
        state="translated" if target else "missing",
        message_id=message,
        notes=(f"Message: {message}", "Channel: messaging"),
    )
    return replace(made, **kw) if kw else made  # type: ignore[arg-type]


def msgfmt_check(path: Path) -> None:
    found = shutil.which("msgfmt")
    assert found, "gettext's msgfmt is required: `make test` installs it"
    done = subprocess.run([found, "-c", "-o", os.devnull, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------------ conflict markers


@pytest.mark.parametrize(("marker", "line"), [("<<<<<<< HEAD", 9), ("=======", 9), (">>>>>>> 3f1c9b7", 9)])
def test_conflict_markers_are_refused_with_their_line(marker: str, line: int, tmp_path: Path) -> None:
    path = tmp_path / "fr-FR.po"
    merge_language(path, [unit("A", "Hello", "Bonjour"), unit("B", "Bye", "Salut")], META, {})
    check_no_conflict_markers(path)  # a clean file passes
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(line - 1, marker)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(FormatError) as refused:
        check_no_conflict_markers(path)
    assert (refused.value.path, refused.value.line) == (str(path), line)
    assert "conflict marker" in str(refused.value) and str(refused.value).startswith(f"{path}:{line}: ")
    with pytest.raises(FormatError, match="conflict marker"):  # and nothing is written over it
        merge_language(path, [unit("A", "Hello", "Bonjour")], META, {})


def test_marker_like_text_inside_a_string_is_not_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "fr-FR.po"
    merge_language(path, [unit("A", "=======\n<<<<<<< x", "=======\n>>>>>>> y")], META, {})
    check_no_conflict_markers(path)


# ------------------------------------------------------------------ the files written


def test_the_template_lists_every_unit_once_in_a_stable_order(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    units = [
        unit("Welcome", "Hello", skill="10"),
        unit("Welcome", "Hello", skill="7"),
        unit("Welcome", 'Say "hi"\nthen wait', "Bonjour"),
        replace(unit("Welcome", "Hello", skill="7"), language="de-DE"),
    ]
    assert write_template(pot, units, META, now=T1)
    text = pot.read_text(encoding="utf-8")
    msgfmt_check(pot)
    assert [line for line in text.split("\n") if line.startswith("msgctxt")] == [
        'msgctxt "account|Welcome"',
        'msgctxt "skill/7|Welcome"',
        'msgctxt "skill/10|Welcome"',
    ]
    assert '"POT-Creation-Date: 2026-11-21 05:00+0000\\n"' in text
    assert "#. Message: Welcome\n#. Channel: messaging\n" in text
    assert 'msgid ""\n"Say \\"hi\\"\\n"\n"then wait"\nmsgstr ""\n' in text
    assert "Bonjour" not in text and "X-Automsg-Account: 70071528" in text
    assert "Export-Id" not in text and "X-Automsg-Language" not in text and "X-Automsg-Revision" not in text
    assert write_template(pot, list(reversed(units)), META, now=T1) is False  # order given does not matter


def test_an_unchanged_file_is_not_rewritten_and_keeps_its_date(tmp_path: Path) -> None:
    po, pot = tmp_path / "fr-FR.po", tmp_path / "messages.pot"
    units = [unit("A", "Hello", "Bonjour"), unit("B", "Bye", "")]
    assert merge_language(po, units, META, {}, now=T1)
    assert write_template(pot, units, META, now=T1)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in (po, pot)}
    assert merge_language(po, list(reversed(units)), META, {}, now=T2) is False
    assert write_template(pot, units, META, now=T2) is False
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in (po, pot)} == before
    # a real change: written, with the new date
    assert merge_language(po, [*units, unit("C", "New", "")], META, {}, now=T2)
    assert '"PO-Revision-Date: 2026-11-22 06:30+0000\\n"' in po.read_text(encoding="utf-8")
    assert write_template(pot, [*units, unit("C", "New", "")], META, now=T2)
    assert '"POT-Creation-Date: 2026-11-22 06:30+0000\\n"' in pot.read_text(encoding="utf-8")


def test_a_language_file_round_trips_through_read_po_and_passes_msgfmt(tmp_path: Path) -> None:
    po = tmp_path / "fr-FR.po"
    units = [
        unit("A", "Hello", "Bonjour"),
        unit("B", "Line one\nline two", "Ligne un\nligne deux"),
        unit("C", "Hello", "Salut", state="default"),  # stock text: fuzzy, as an export writes it
        unit("D", "New source", "Old translation", state="stale", previous_source="Old source"),
        unit("E", "Untranslated"),
    ]
    merge_language(po, units, META, {})
    msgfmt_check(po)
    read = read_po(po)
    assert read.meta == META
    assert [(e.key, e.source, e.target, e.fuzzy, e.previous_source) for e in read.entries] == [
        ("account|A", "Hello", "Bonjour", False, None),
        ("account|B", "Line one\nline two", "Ligne un\nligne deux", False, None),
        ("account|C", "Hello", "Salut", True, None),
        ("account|D", "New source", "Old translation", True, "Old source"),
        ("account|E", "Untranslated", "", False, None),
    ]
    assert read.entries[0].notes == ("Message: A", "Channel: messaging")


def test_merge_keeps_unapplied_translations_marks_changed_sources_fuzzy_and_obsoletes_removed_units(
    tmp_path: Path,
) -> None:
    po = tmp_path / "fr-FR.po"
    exported = [
        unit("A", "Hello", ""),
        unit("B", "Bye", ""),
        unit("C", "Removed soon", ""),
        unit("D", "Edited live", "Texte vivant"),
        unit("E", "Stays", ""),
    ]
    merge_language(po, exported, META, {}, now=T1)
    # the platform translates (as Weblate saves a file: its own header, reflowed); none applied live yet
    text = po.read_text(encoding="utf-8")
    for key, source, old, target in (
        ("A", "Hello", "", "Bonjour"),
        ("B", "Bye", "", "Au revoir"),
        ("C", "Removed soon", "", "Bientôt parti"),
        ("D", "Edited live", "Texte vivant", "Traducteur"),
    ):
        entry = f'msgctxt "account|{key}"\nmsgid "{source}"\nmsgstr "{{}}"\n'
        assert entry.format(old) in text
        text = text.replace(entry.format(old), entry.format(target))
    text = text.replace('"X-Automsg-Export-Id: ', '"X-Generator: Weblate 5.8\\n"\n"X-Automsg-Export-Id: ', 1)
    po.write_text(text, encoding="utf-8")
    assert read_po(po).entries[0].target == "Bonjour"
    # the next export: A's source changed live, C was deleted, F is new; A, B, C await applying
    live = [
        unit("A", "Hello there", ""),
        unit("B", "Bye", ""),
        unit("D", "Edited live", "Texte vivant"),  # D's repository text is not kept: not in keep
        unit("E", "Stays", "Reste"),
        unit("F", "Brand new", ""),
    ]
    keep = {"account|A": "Bonjour", "account|B": "Au revoir", "account|C": "Bientôt parti"}
    assert merge_language(po, live, META, keep, now=T2)
    msgfmt_check(po)
    written = po.read_text(encoding="utf-8")
    assert (
        '#. Message: A\n#. Channel: messaging\n#, fuzzy\n#| msgid "Hello"\n'
        'msgctxt "account|A"\nmsgid "Hello there"\nmsgstr "Bonjour"\n'
    ) in written
    assert '#~ msgctxt "account|C"\n#~ msgid "Removed soon"\n#~ msgstr "Bientôt parti"\n' in written
    assert written.endswith('#~ msgstr "Bientôt parti"\n')  # obsolete entries last
    assert "Weblate" not in written  # the header is ours again
    entries = {e.key: e for e in read_po(po).entries}
    assert [(k, e.target, e.fuzzy, e.previous_source) for k, e in entries.items()] == [
        ("account|A", "Bonjour", True, "Hello"),
        ("account|B", "Au revoir", False, None),
        ("account|D", "Texte vivant", False, None),
        ("account|E", "Reste", False, None),
        ("account|F", "", False, None),
    ]
    # merged again with nothing new: the same bytes, not rewritten; the obsolete entry stays
    assert merge_language(po, live, META, keep, now=datetime(2027, 1, 1, tzinfo=UTC)) is False
    # A's source changes once more: the #| stays the source the translation was made from
    again = [replace(live[0], source="Hello again"), *live[1:]]
    merge_language(po, again, META, keep, now=T2)
    assert '#| msgid "Hello"\nmsgctxt "account|A"\nmsgid "Hello again"\nmsgstr "Bonjour"\n' in po.read_text(
        "utf-8"
    )
    msgfmt_check(po)


def test_merge_takes_keep_when_the_platform_rebuilt_the_file_without_it(tmp_path: Path) -> None:
    po = tmp_path / "fr-FR.po"
    po.write_text(  # Crowdin-style: its own header, msgctxt/msgid/msgstr only
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: fr_FR\\n"\n\n'
        'msgctxt "account|B"\nmsgid "Bye"\nmsgstr "Salut"\n',
        encoding="utf-8",
    )
    keep = {"account|A": "Bonjour", "account|B": "Au revoir"}
    merge_language(po, [unit("A", "Hello"), unit("B", "Bye")], META, keep)
    assert [(e.key, e.target, e.fuzzy) for e in read_po(po).entries] == [
        ("account|A", "Bonjour", False),  # not in the file: the state's copy
        ("account|B", "Salut", False),  # the repository's newer text wins over the state's
    ]
    msgfmt_check(po)


def test_a_broken_repository_file_is_refused_not_overwritten(tmp_path: Path) -> None:
    po = tmp_path / "fr-FR.po"
    po.write_text('msgid ""\nmsgstr ""\n\nmsgctxt "account|A"\nmsgid "Hello\nmsgstr "x"\n', encoding="utf-8")
    before = po.read_bytes()
    with pytest.raises(FormatError, match=r"fr-FR\.po:5"):
        merge_language(po, [unit("A", "Hello")], META, {})
    assert po.read_bytes() == before


def test_a_file_weblate_resaved_merges_keeping_its_translations(tmp_path: Path) -> None:
    """translate-toolkit's PO store (Weblate saves through it) re-saves the tool's file with a
    long translation wrapped at 77 columns; the next merge reads it, keeps what ``keep`` names."""
    from translate.storage import pypo

    po = tmp_path / "fr-FR.po"
    units = [unit("A", "Hello"), unit("B", "Bye")]
    merge_language(po, units, META, {}, now=T1)
    long = "Bonjour, " + "merci de votre patience pendant que nous cherchons un conseiller " * 3
    store = pypo.pofile.parsefile(str(po))  # type: ignore[no-untyped-call]
    for entry in store.units:
        if entry.getcontext() == "account|A":
            entry.target = long
        if entry.getcontext() == "account|B":
            entry.target = "Au revoir"
    store.savefile(str(po))
    assert any(
        line.startswith('"merci') or line.startswith('"Bonjour') for line in po.read_text().split("\n")
    )
    assert merge_language(po, units, META, {"account|A": long}, now=T2)
    assert [(e.key, e.target) for e in read_po(po).entries] == [("account|A", long), ("account|B", "")]
    msgfmt_check(po)
