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
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import polib

from .. import __version__
from ..errors import FormatError
from ..model import FileEntry, FileMeta, TranslationFile, Unit, normalise_language
from . import atomic_path, entry_notes

HEADER_PREFIX = "X-Automsg-"


def write_po(path: Path, meta: FileMeta, units: Sequence[Unit]) -> None:
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
    with atomic_path(path) as tmp:
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
        or _breaks_differ(unit.source, unit.target)
    )


def _breaks_differ(source: str, target: str) -> bool:
    if not target:
        return False
    return source.startswith("\n") != target.startswith("\n") or source.endswith("\n") != target.endswith(
        "\n"
    )


_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'  # unrolled: five times faster than (?:[^"\\]|\\.)*
_KEYWORD = re.compile(rf"^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[(\d+)\])\s*{_STRING}\s*$")
_CONTINUATION = re.compile(rf"^\s*{_STRING}\s*$")
_CHARSET = re.compile(rb"charset=([A-Za-z0-9._-]+)")
# what may follow each keyword inside one entry
_NEXT = {
    None: {"msgctxt", "msgid"},
    "msgctxt": {"msgid"},
    "msgid": {"msgid_plural", "msgstr"},
    "msgid_plural": {"msgstr[]"},
    "msgstr": {"msgctxt", "msgid"},
    "msgstr[]": {"msgstr[]", "msgctxt", "msgid"},
}


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
# gettext's escapes (its po-lex.c): the C ones, octal (one to three digits) and hex (\x
# and its digits); any other backslash is msgfmt's "invalid control sequence"
_ESCAPE = re.compile(r"\\(?:([ntrabfv\\\"])|([0-7]{1,3})|x([0-9A-Fa-f]+)|(.))", re.DOTALL)


class BadEscape(ValueError):
    """A backslash sequence gettext does not read (or reads as a byte we cannot hold)."""


def _unquote(token: str, strict: bool = True) -> str:
    """A quoted PO string's text. An escape gettext refuses (``\\q``), or one that stands
    for a NUL or a non-ASCII byte (``\\0``, ``\\303``: write the character itself), raises
    :class:`BadEscape`, unless not ``strict`` (a ``#|`` previous msgid, which is never
    imported: the backslash is then dropped, as before)."""
    body = token.strip()[1:-1]
    if "\\" not in body:
        return body
    return _ESCAPE.sub(_unescape if strict else _unescape_leniently, body)


def _unescape(m: re.Match[str]) -> str:
    simple, octal, hexa, other = m.groups()
    if simple is not None:
        return _ESCAPES[simple]
    if other is not None:
        raise BadEscape(f"invalid escape {m.group(0)!r} (msgfmt refuses it: write \\\\ for a backslash)")
    code = int(octal, 8) if octal is not None else int(hexa, 16)
    if code == 0:
        raise BadEscape(f"escape {m.group(0)!r} is a NUL character: gettext cannot hold it")
    if code >= 0x80:
        raise BadEscape(
            f"escape {m.group(0)!r} stands for a byte, not a character: write the character itself"
        )
    return chr(code)


def _unescape_leniently(m: re.Match[str]) -> str:
    try:
        return _unescape(m)
    except BadEscape:
        return m.group(0)[1:]


class _Entry:
    __slots__ = ("fields", "flags", "in_previous", "line", "notes", "previous")

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.flags: list[str] = []
        self.notes: list[str] = []
        self.previous: list[str] | None = None
        self.in_previous = False  # the last line was part of the ``#| msgid``
        self.line = 0

    def comment(self, line: str) -> None:
        """One stripped ``#`` line: a flag, a translator note or the previous msgid
        (any other comment is skipped)."""
        if line.startswith("#,"):
            self.flags += [f.strip() for f in line[2:].split(",")]
        elif line.startswith("#."):
            self.notes.append(line[2:].strip())
        elif line.startswith("#|"):
            rest = line[2:].strip()
            if rest.startswith("msgid ") and _CONTINUATION.match(rest[6:]):
                self.previous, self.in_previous = [_unquote(rest[6:], strict=False)], True
            elif self.in_previous and self.previous is not None and _CONTINUATION.match(rest):
                self.previous.append(_unquote(rest, strict=False))
            else:
                self.in_previous = False


def parse(path: Path, text: str, with_notes: bool = True) -> tuple[dict[str, str], list[FileEntry]]:
    """The header and the entries of a PO file, refusing what ``msgfmt`` refuses.

    A file in the shape this tool writes (and Poedit or msgmerge keep) is read
    by :func:`_parse_regular` in two thirds of the time; anything else, or
    anything it is unsure of, by the line parser :func:`_parse_lines`, which is
    also the one that names the line of an error. Both give the same entries
    for a file the first accepts (a property test compares them).

    ``with_notes=False`` leaves the translator notes (``#.``) out of the
    entries: an import does not read them, and they were a quarter of reading
    a file this tool wrote (five note lines an entry).
    """
    return _parse_regular(path, text, with_notes) or _parse_lines(path, text, with_notes)


_ONE_LINE_STRING = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'  # _STRING, never across a line break
_ENTRY_STRING = rf"{_ONE_LINE_STRING}(?:\n{_ONE_LINE_STRING})*"
# one entry of the regular shape: comment lines, msgctxt, msgid, msgstr (each one
# or more whole-line strings), then a blank line or the end of the file
_REGULAR_ENTRY = re.compile(
    rf"((?:#[^\n]*\n)*)msgctxt ({_ENTRY_STRING})\nmsgid ({_ENTRY_STRING})\n"
    rf"msgstr ({_ENTRY_STRING})\n(?:\n|\Z)"
)


def _parse_regular(
    path: Path, text: str, with_notes: bool = True
) -> tuple[dict[str, str], list[FileEntry]] | None:
    """The fast path of :func:`parse`: None unless every entry after the header has
    the regular shape, back to back, and the file has no NUL."""
    if "\x00" in text:
        return None
    end = text.find("\n\n")
    if end < 0:
        return None
    try:  # the header, up to the first blank line (the line parser allows blank lines in an entry)
        header, head_entries = _parse_lines(path, text[: end + 1])
    except FormatError:
        return None
    if head_entries or not header:
        return None
    rest = text[end + 2 :]
    line = text.count("\n", 0, end + 2) + 1  # the line ``rest`` starts on
    entries = []
    pos = 0
    intern = sys.intern
    count = rest.count
    # per entry, what is written inline here is ~9 of 13 µs of function calls otherwise:
    # a block of notes only (_comment_block's own first case), and a one-line string
    # without a backslash (nearly all: _joined's result) read as what is between its quotes
    for m in _REGULAR_ENTRY.finditer(rest):
        start, end = m.span()
        if start != pos:
            return None
        comments, ctxt, msgid, msgstr = m.groups()
        if with_notes or "#," in comments or "#|" in comments:
            flags, notes, previous = _comment_block(comments, with_notes)
        else:
            flags, notes, previous = [], [], None
        try:
            key = ctxt[1:-1] if "\\" not in ctxt and "\n" not in ctxt else _joined(ctxt)
            source = msgid[1:-1] if "\\" not in msgid and "\n" not in msgid else _joined(msgid)
            target = msgstr[1:-1] if "\\" not in msgstr and "\n" not in msgstr else _joined(msgstr)
        except BadEscape:
            return None  # the line parser names the line
        entries.append(
            FileEntry(  # positional: key, source, target, fuzzy, where, formula, hidden, notes, previous
                intern(key),
                intern(source),
                target,
                "fuzzy" in flags,
                line + comments.count("\n"),
                False,
                False,
                tuple(notes),
                "".join(previous) if previous is not None else None,
            )
        )
        line += count("\n", start, end)
        pos = end
    return (header, entries) if pos == len(rest) else None


def _joined(strings: str) -> str:
    return "".join(_unquote(s) for s in strings.split("\n")) if "\n" in strings else _unquote(strings)


def _comment_block(block: str, with_notes: bool = True) -> tuple[list[str], list[str], list[str] | None]:
    """Flags, notes (none unless ``with_notes``) and previous msgid of an entry's comment
    lines, read by :meth:`_Entry.comment` (a block of notes only, the common case, by one
    comprehension doing the same)."""
    if "#," not in block and "#|" not in block:
        if not with_notes:
            return [], [], None
        return [], [raw[2:].strip() for raw in block.split("\n") if raw.startswith("#.")], None
    entry = _Entry()
    for raw in block.split("\n"):
        entry.comment(raw.strip())
    return entry.flags, entry.notes if with_notes else [], entry.previous


def _parse_lines(path: Path, text: str, with_notes: bool = True) -> tuple[dict[str, str], list[FileEntry]]:
    """The line parser of :func:`parse`.

    Written by hand, and not left to polib, for two reasons. polib is lenient:
    it accepts an unterminated string, a ``msgid`` without quotes or a repeated
    ``msgstr`` silently, and a file damaged that way must be an error naming
    its line, not a quiet import of half an entry. And polib's parser costs
    ~110 µs an entry: 35 s for the 300,000 units of a large account, more than
    the whole import is allowed. This reads the PO subset gettext tools write
    (no plural forms: automatic messages have none) in one pass that is also
    the syntax check. polib still writes the files.
    """
    entries: list[FileEntry] = []
    header: dict[str, str] = {}
    current = _Entry()
    last: str | None = None  # the keyword a continuation line extends
    state: str | None = None  # the last keyword of the entry, for the order check

    def finish() -> None:
        nonlocal current
        f = current.fields
        if "msgid" in f:
            msgid, msgstr = "".join(f["msgid"]), "".join(f.get("msgstr", []))
            if "msgctxt" not in f and msgid == "":
                for line in msgstr.split("\n"):
                    name, sep, value = line.partition(":")
                    if sep:
                        header[name.strip()] = value.strip()
            else:
                # keys and sources recur in every language's file: interned, a
                # 300,000-unit import holds 5,000 copies of each, not 300,000 (notes
                # are gone with the file: the import does not keep them)
                entries.append(
                    FileEntry(
                        key=sys.intern("".join(f["msgctxt"])) if "msgctxt" in f else "",
                        source=sys.intern(msgid),
                        target=msgstr,
                        fuzzy="fuzzy" in current.flags,
                        where=current.line,
                        notes=tuple(current.notes) if with_notes else (),
                        previous_source="".join(current.previous) if current.previous is not None else None,
                    )
                )
        current = _Entry()

    # split on line feeds only: str.splitlines() also breaks on \x1c-\x1e, \x85 and
    # U+2028, which a PO string may hold as they are
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if "\x00" in raw:
            raise FormatError(path, number, "NUL character")
        if not line:
            continue
        if line.startswith("#"):
            if state in ("msgstr", "msgstr[]"):
                finish()
                state, last = None, None
            current.comment(line)
            continue
        current.in_previous = False
        match = _KEYWORD.match(line)
        if match:
            keyword = "msgstr[]" if match.group(2) is not None else match.group(1)
            if keyword in ("msgctxt", "msgid") and state in ("msgstr", "msgstr[]"):
                finish()
                state = None
            if keyword not in _NEXT[state]:
                expected = " or ".join(sorted(k.replace("[]", "[n]") for k in _NEXT[state]))
                raise FormatError(path, number, f"{match.group(1)} where {expected} was expected")
            if state is None:
                current.line = number
            state = last = keyword
            current.fields[keyword] = [_unquoted(path, number, line[len(match.group(1)) :])]
        elif _CONTINUATION.match(line):
            if last is None:
                raise FormatError(path, number, "a string outside any entry")
            current.fields[last].append(_unquoted(path, number, line))
        elif line.startswith("msg") or '"' in line:
            raise FormatError(path, number, "unterminated or malformed string")
        else:
            raise FormatError(path, number, f"not PO syntax: {line[:40]!r}")
    if state in ("msgctxt", "msgid", "msgid_plural"):
        raise FormatError(path, None, "the file ends in the middle of an entry (truncated?)")
    finish()
    return header, entries


def _unquoted(path: Path, number: int, token: str) -> str:
    try:
        return _unquote(token)
    except BadEscape as exc:
        raise FormatError(path, number, str(exc)) from None


def _decode(path: Path, data: bytes) -> str:
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


def read_po(path: Path, with_notes: bool = True, meta: FileMeta | None = None) -> TranslationFile:
    """Read a PO file back; a syntax error names the file and line. (``with_notes``: see :func:`parse`.)
    ``meta``: the file's metadata as the state store knows it (a file in a git repository,
    matched by its path: a platform may have dropped or changed our ``X-Automsg-*`` header)."""
    try:
        text = _decode(path, path.read_bytes())
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
