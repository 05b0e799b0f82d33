"""The files the tool writes into the repository: ``messages.pot`` and msgmerge-like language files.

API
---
``write_template(path, units, meta, *, now=None) -> bool``
    ``messages.pot``: every unit once, msgctxt = unit key, notes as ``#.``.
``merge_language(path, units, meta, keep, *, now=None) -> bool``
    ``<language>.po`` rewritten as ``msgmerge`` would, keeping the repository's
    unapplied translations (``keep``); False, file untouched, when unchanged.
``check_no_conflict_markers(path)``
    FormatError naming the line of a ``<<<<<<<``/``=======``/``>>>>>>>`` line.

Files, written deterministically so that a commit shows only real changes:
entries ordered by unit key (account first, then skills by number), no line
wrapping, no tool version in the header, and one date (``POT-Creation-Date``
and ``PO-Revision-Date`` alike) that is the existing file's as long as the
rest of the file is unchanged, and the time of writing once it is not. The
language files keep the ``X-Automsg-*`` header fields that
:func:`automsg_sync.formats.po.read_po` reads, but platforms regenerate files
and may drop or change them: in git mode a file is matched by its path to the
export the tool last committed there. The template carries only the account,
the source language and the format version (a platform may copy its header into
a new language's file: an export id or language there would be wrong).

``keep`` is, per language, the unit key → translation of every translator text
not applied live (auto_apply off, a conflict, a QA refusal); in a rebuild after
a refused push it must also hold the keys whose msgstr in the freshly fetched
file differs from the baseline last committed for that path (the platform's new
work, not imported yet), or that work is lost. Call :func:`merge_language` for a
language only when its units changed (or in a rebuild): any difference in bytes
rewrites a file a platform reformatted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from ..errors import FormatError
from ..formats import atomic_path, entry_notes
from ..formats.po import HEADER_PREFIX, breaks_differ, decode_po, entry_text, fuzzy_in_po, meta_fields, parse
from ..model import FileEntry, FileMeta, Unit, UnitKey

TEMPLATE_NAME = "messages.pot"

_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


def check_no_conflict_markers(path: Path) -> None:
    """FormatError(path, line, …) for the first line that is a merge's conflict marker:
    a merge the platform (or somebody) made badly and left unresolved."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FormatError(path, None, f"cannot read: {exc.strerror}") from None
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        line = raw.rstrip(b"\r").decode("latin-1")
        marker = line[:7]
        if marker in _MARKERS and (len(line) == 7 or (line[7] == " " and marker != "=======")):
            raise FormatError(
                path,
                number,
                f"a merge conflict marker ({marker}): a merge left unresolved in the repository; "
                "resolve it there (the file is not imported)",
            )


def _order(key: str) -> tuple[tuple[int, int, str], str, str]:
    """Unit keys in a stable, readable order: the account first, then skills by number."""
    try:
        unit_key = UnitKey.parse(key)
    except ValueError:
        return ((2, 0, ""), key, key)
    return (unit_key.context.sort_key(), unit_key.message, key)


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return escaped.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _header(fields: Mapping[str, str]) -> str:
    lines = "".join(f'"{_quoted(f"{name}: {value}")}\\n"\n' for name, value in fields.items())
    return f'msgid ""\nmsgstr ""\n{lines}'


def _stamp(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M+0000")


def _common_fields(title: str, language: str, stamp: str) -> dict[str, str]:
    return {
        "Project-Id-Version": title,
        "POT-Creation-Date": stamp,
        "PO-Revision-Date": stamp,
        "Last-Translator": "",
        "Language-Team": "",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": "automsg-sync",  # no version: an upgrade would rewrite every file
    }


_DATE_LINE = re.compile(rb'^"PO-Revision-Date: ([^"\\\n]*)\\n"\r?$', re.MULTILINE)


def _write_if_changed(
    path: Path, old: bytes | None, render: Callable[[str], str], now: datetime | None
) -> bool:
    """Write ``render(date)`` unless the file holds it already. The date is the existing
    file's as long as nothing else changes, so an unchanged file is never rewritten."""
    if old is not None:
        found = _DATE_LINE.search(old[:8192])
        if found and render(found.group(1).decode("utf-8", "replace")).encode("utf-8") == old:
            return False
    data = render(_stamp(now)).encode("utf-8")
    if data == old:
        return False
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return True


def _read_old(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FormatError(path, None, f"cannot read: {exc.strerror}") from None


def _no_nul(path: Path, *texts: str) -> None:
    if any("\x00" in text for text in texts):
        raise FormatError(path, None, "NUL character in a unit: gettext cannot hold it")


def write_template(path: Path, units: Sequence[Unit], meta: FileMeta, *, now: datetime | None = None) -> bool:
    """``messages.pot``: every unit's key once (the first unit of a key gives its source and
    notes: units of any language will do), msgstr empty; True when the file was written,
    False when it already held exactly this (left untouched).

    Of ``meta`` only the account, the source language and the format version are
    written (see the module's docstring).
    """
    seen: dict[str, Unit] = {}
    for unit in units:
        seen.setdefault(unit.key.name, unit)
    body = []
    for name in sorted(seen, key=_order):
        unit = seen[name]
        _no_nul(path, name, unit.source, *unit.notes)
        body.append(entry_text(name, unit.source, "", notes=entry_notes(unit)))
    extra = {
        f"{HEADER_PREFIX}Account": meta.account,
        f"{HEADER_PREFIX}Source-Language": meta.source_language,
        f"{HEADER_PREFIX}Format-Version": meta.format_version,
    }

    def render(stamp: str) -> str:
        title = f"LivePerson automatic messages, account {meta.account}"
        header = _header({**_common_fields(title, "", stamp), **extra})
        return "\n".join([header, *body])

    return _write_if_changed(Path(path), _read_old(Path(path)), render, now)


def _existing_entries(path: Path, old: bytes) -> tuple[dict[str, FileEntry], dict[str, FileEntry]]:
    """The repository file's entries and its obsolete (``#~``) entries, by unit key.
    A file that cannot be read is a FormatError: it is not rewritten over."""
    check_no_conflict_markers(path)
    text = decode_po(path, old)
    _, entries = parse(path, text)
    obsolete_lines = [
        line[2:].removeprefix(" ")
        for line in text.split("\n")
        if line.startswith("#~") and not line.startswith("#~|")
    ]
    try:
        _, obsolete = parse(path, "\n".join(obsolete_lines) + "\n") if obsolete_lines else ({}, [])
    except FormatError as exc:
        raise FormatError(path, None, f"obsolete (#~) entries unreadable: {exc.message}") from None
    return (
        {e.key: e for e in entries if e.key},
        {e.key: e for e in obsolete if e.key},
    )


def merge_language(
    path: Path,
    units: Sequence[Unit],
    meta: FileMeta,
    keep: Mapping[str, str],
    *,
    now: datetime | None = None,
) -> bool:
    """Rewrite ``<language>.po`` for ``units`` as ``msgmerge`` would; True when written,
    False when the file already held exactly this (then it is not even rewritten).

    Per unit (msgctxt = its key): the live target, fuzzy as an export writes it
    (:func:`automsg_sync.formats.po.fuzzy_in_po`) — except for a key in
    ``keep`` (translator work not applied live): the repository's msgstr is kept
    (``keep[key]`` when the repository has none, e.g. the file was rebuilt
    without it), and if the repository entry's source differs from the unit's
    the entry becomes fuzzy with ``#| msgid "<the source it was translated
    from>"``. Repository entries whose unit is gone are written obsolete
    (``#~``) when they hold a translation, as are obsolete entries already
    there. An existing file that cannot be read (conflict markers, broken
    syntax) raises FormatError and is left as it is.
    """
    path = Path(path)
    old = _read_old(path)
    live, obsolete = _existing_entries(path, old) if old is not None else ({}, {})
    body = []
    names = set()
    for unit in sorted(units, key=lambda u: _order(u.key.name)):
        name = unit.key.name
        if name in names:
            raise ValueError(f"unit {name} given twice for {path.name}")
        names.add(name)
        previous: str | None
        existing = live.get(name) or obsolete.get(name)
        if name in keep and ((existing is not None and existing.target) or keep[name]):
            if existing is not None and existing.target:
                target, fuzzy = existing.target, existing.fuzzy
                previous = existing.previous_source if existing.fuzzy else None
                if existing.source != unit.source:
                    fuzzy = True
                    if previous is None:
                        previous = existing.source
            else:
                target, fuzzy, previous = keep[name], False, None
            fuzzy = fuzzy or breaks_differ(unit.source, target)
        else:
            target, fuzzy, previous = unit.target, fuzzy_in_po(unit), unit.previous_source
        notes = entry_notes(unit)
        _no_nul(path, name, unit.source, target, *notes)
        flags = ("fuzzy",) if fuzzy else ()
        body.append(entry_text(name, unit.source, target, notes=notes, flags=flags, previous_msgid=previous))
    gone = {**obsolete, **live}
    for name in sorted(set(gone) - names, key=_order):
        entry = gone[name]
        if entry.target:
            text = entry_text(name, entry.source, entry.target)
            body.append("".join(f"#~ {line}\n" for line in text.split("\n")[:-1]))
    extra = meta_fields(meta)

    def render(stamp: str) -> str:
        title = f"LivePerson automatic messages, account {meta.account}"
        header = _header({**_common_fields(title, meta.language.replace("-", "_"), stamp), **extra})
        return "\n".join([header, *body])

    return _write_if_changed(path, old, render, now)
