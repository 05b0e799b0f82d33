"""gettext PO files, through polib.

Written as gettext users expect: a full header (``msgfmt -c`` clean), the unit
key as ``msgctxt``, the source as ``msgid``, the live target as ``msgstr``,
translator notes as ``#.`` comments, and for a source changed since the
translation ``#, fuzzy`` with the old source as ``#| msgid``, as
``msgmerge --previous`` does. An entry whose translation starts or ends with a
line break where the source does not (or the reverse), which ``msgfmt -c``
rejects, is written fuzzy too: it needs a translator's look either way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import polib

from .. import __version__
from ..errors import FormatError
from ..model import FileEntry, FileMeta, TranslationFile, Unit, normalise_language
from .common import FILE_MODE, atomic_path, entry_notes
from .po_parse import parse_lines, parse_regular

HEADER_PREFIX = "X-Automsg-"


def write_po(path: Path, meta: FileMeta, units: Sequence[Unit], mode: int = FILE_MODE) -> None:
    """One language's units as a PO file (the header through polib, entries by :func:`entry_text`)."""
    header = polib.POFile(wrapwidth=0)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M+0000")
    header.metadata = {
        "Project-Id-Version": f"LivePerson automatic messages, account {meta.account}",
        "POT-Creation-Date": stamp,
        "PO-Revision-Date": stamp,
        "Last-Translator": "",
        "Language-Team": "",
        "Language": meta.language.replace("-", "_"),
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": f"automsg-sync {__version__}",
        **meta_fields(meta),
    }
    parts = [header.__unicode__(), "\n"]
    for unit in units:
        # everything but the msgstr is the same in every language: made once per message
        head = _entry_head(
            unit.key.name,
            unit.source,
            entry_notes(unit),
            ("fuzzy",) if fuzzy_in_po(unit) else (),
            unit.previous_source,
        )
        if "\x00" in head or "\x00" in unit.target:
            raise FormatError(
                path, None, f"NUL character in {unit.key} [{unit.language}]: gettext cannot hold it"
            )
        parts += (head, _field_text("", "msgstr", unit.target), "\n")
    parts.pop()  # entries are separated by a blank line; the file ends with the last one's line break
    with atomic_path(path, mode) as tmp:
        tmp.write_text("".join(parts), encoding="utf-8")


def meta_fields(meta: FileMeta) -> dict[str, str]:
    """The file's metadata as ``X-Automsg-*`` fields (PO header; XLIFF header note)."""
    return {
        f"{HEADER_PREFIX}Account": meta.account,
        f"{HEADER_PREFIX}Export-Id": meta.export_id,
        f"{HEADER_PREFIX}Revision": meta.revision,
        f"{HEADER_PREFIX}Source-Language": meta.source_language,
        f"{HEADER_PREFIX}Language": meta.language,
        f"{HEADER_PREFIX}Format-Version": meta.format_version,
    }


def entry_text(
    msgctxt: str,
    msgid: str,
    msgstr: str,
    *,
    notes: Sequence[str] = (),
    references: Sequence[str] = (),
    flags: Sequence[str] = (),
    previous_msgid: str | None = None,
) -> str:
    """One entry, byte for byte as ``polib.POEntry(...).__unicode__(wrapwidth=0)`` writes it.

    Written here because polib builds each entry through a generic field
    writer (~45 µs an entry: 60 % of a 300,000-unit export); this is the same
    text for the fields an export uses (tests/test_formats.py compares the two
    on generated entries).
    """
    return _entry_head(msgctxt, msgid, tuple(notes), tuple(flags), previous_msgid, tuple(references)) + (
        _field_text("", "msgstr", msgstr)
    )


@functools.lru_cache(maxsize=65536)
def _entry_head(
    msgctxt: str,
    msgid: str,
    notes: tuple[str, ...],
    flags: tuple[str, ...],
    previous_msgid: str | None,
    references: tuple[str, ...] = (),
) -> str:
    """An entry's lines up to its msgstr, each ending in a line break. Cached: in a large
    export a message's head recurs in every language's file (a third of the PO writing)."""
    comment = "\n".join(notes)
    text = "".join(f"#. {line}\n" for line in comment.split("\n")) if comment else ""
    if references:
        text += "#: " + " ".join(references) + "\n"
    if flags:
        text += "#, " + ", ".join(flags) + "\n"
    if previous_msgid is not None:
        text += _field_text("#| ", "msgid", previous_msgid)
    return text + _field_text("", "msgctxt", msgctxt) + _field_text("", "msgid", msgid)


def _field_text(prefix: str, name: str, value: str) -> str:
    """A field's lines, each ending in a line break."""
    # polib splits with str.splitlines(True) (so also at \r, \x0b, \x1c-\x1e,
    # \x85, U+2028 …) and opens a multi-line string with an empty "" line
    parts = value.splitlines(True)
    if len(parts) > 1:
        return f'{prefix}{name} ""\n' + "".join(f'{prefix}"{_escape(part)}"\n' for part in parts)
    return f'{prefix}{name} "{_escape(value)}"\n'


def _escape(text: str) -> str:
    if not _NEEDS_ESCAPE.search(text):
        return text
    escaped: str = polib.escape(text)
    return escaped


_NEEDS_ESCAPE = re.compile(r'[\\\t\r\n\v\x08\f"]')  # what polib.escape() escapes


def fuzzy_in_po(unit: Unit) -> bool:
    """Written fuzzy: the target is LivePerson's stock text (state ``default``), the
    source changed since the translation, the target was pre-filled from another
    context (``--prefill``), or line breaks at the ends differ from the source's
    (``msgfmt -c`` would reject the entry).

    Stock text is fuzzy rather than an empty ``msgstr`` with the text in a note:
    a translator's tool (Poedit, Weblate, ``msgfmt --statistics``, pocount) then
    counts it as work to do, shows LivePerson's text as the suggestion it is, and
    a translator who edits it clears the flag; an entry still fuzzy is not
    imported (``--include-fuzzy`` takes it), and one confirmed unchanged sends
    nothing (it is "left as exported").
    """
    return (
        unit.state == "default"
        or unit.previous_source is not None
        or unit.prefilled
        or breaks_differ(unit.source, unit.target)
    )


def breaks_differ(source: str, target: str) -> bool:
    """Line breaks at the ends differ (``msgfmt -c`` refuses such an entry unless fuzzy)."""
    if not target:
        return False
    return source.startswith("\n") != target.startswith("\n") or source.endswith("\n") != target.endswith(
        "\n"
    )


_CHARSET = re.compile(rb"charset=([A-Za-z0-9._-]+)")


def parse(path: Path, text: str, with_notes: bool = True) -> tuple[dict[str, str], list[FileEntry]]:
    """The header and the entries of a PO file, refusing what ``msgfmt`` refuses.

    A file in the shape this tool writes (and Poedit or msgmerge keep) is read
    by :func:`.po_parse.parse_regular` in two thirds of the time; anything else, or
    anything it is unsure of, by the line parser :func:`.po_parse.parse_lines`, which is
    also the one that names the line of an error. Both give the same entries
    for a file the first accepts (a property test compares them).

    ``with_notes=False`` leaves the translator notes (``#.``) out of the
    entries: an import does not read them, and they were a quarter of reading
    a file this tool wrote (five note lines an entry).
    """
    return parse_regular(path, text, with_notes) or parse_lines(path, text, with_notes)


def decode_po(path: Path, data: bytes) -> str:
    """The file's text in its declared charset (UTF-8 if none). A leading UTF-8 byte-order
    mark is dropped, as gettext's readers and Poedit drop it (Windows editors write one);
    everything else about the file stays as strict as ``msgfmt``."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    match = _CHARSET.search(data[:4096])
    charset = match.group(1).decode("ascii") if match else "utf-8"
    try:
        return data.decode(charset)
    except LookupError:
        raise FormatError(path, None, f"unknown charset {charset!r} in the header") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        declared = "declared" if match else "assumed (no charset in the header)"
        raise FormatError(path, line, f"not valid {charset} ({declared})") from None


def read_po_header(path: Path) -> FileMeta | None:
    """The metadata of a PO file's header entry read alone (the text up to the first blank
    line, within its first 64 KiB), so that learning a large file's account does not
    parse it whole; None when that is not a readable header (the whole read then says why)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None
    first = head.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    try:
        header, _ = parse(path, first.decode("utf-8"))
        return meta_from_fields(path, header) if header else None
    except (FormatError, UnicodeDecodeError):
        return None


def read_po(path: Path, with_notes: bool = True, meta: FileMeta | None = None) -> TranslationFile:
    """Read a PO file back; a syntax error names the file and line. (``with_notes``: see :func:`parse`.)
    ``meta``: the file's metadata as the state store knows it (a file in a git repository,
    matched by its path: a platform may have dropped or changed our ``X-Automsg-*`` header)."""
    try:
        text = decode_po(path, path.read_bytes())
    except OSError as exc:
        raise FormatError(path, None, f"cannot read: {exc.strerror}") from None
    header, parsed = parse(path, text, with_notes)
    meta = meta or meta_from_fields(path, header)
    seen: dict[str, int] = {}
    for entry in parsed:
        if not entry.key:
            raise FormatError(path, entry.where, "entry has no msgctxt (the unit key)")
        if entry.key in seen:
            raise FormatError(
                path, entry.where, f"duplicate key {entry.key!r} (first at line {seen[entry.key]})"
            )
        seen[entry.key] = entry.where or 0
    return TranslationFile(meta, tuple(parsed), str(path))


def meta_from_fields(path: Path, header: dict[str, str]) -> FileMeta:
    """The file's metadata from its ``X-Automsg-*`` fields; a missing one is an error."""

    def need(name: str) -> str:
        value = header.get(f"{HEADER_PREFIX}{name}", "").strip()
        if not value:
            raise FormatError(path, 1, f"header {HEADER_PREFIX}{name} is missing: not an automsg-sync export")
        return value

    language = header.get(f"{HEADER_PREFIX}Language") or header.get("Language", "")
    try:
        language = normalise_language(language)
    except ValueError:
        raise FormatError(path, 1, f"header Language {language!r} is not a language") from None
    return FileMeta(
        account=need("Account"),
        language=language,
        export_id=need("Export-Id"),
        revision=need("Revision"),
        source_language=need("Source-Language"),
        format_version=header.get(f"{HEADER_PREFIX}Format-Version", "1"),
    )
