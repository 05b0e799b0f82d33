"""Reading a PO file's text into entries, refusing what ``msgfmt`` refuses: the fast
path for the shape this tool writes (:func:`parse_regular`), and the line parser for
anything else, which names the line of an error (:func:`parse_lines`). The choice
between them is :func:`.po.parse`'s.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ..errors import FormatError
from ..model import FileEntry

_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'  # unrolled: five times faster than (?:[^"\\]|\\.)*
_KEYWORD = re.compile(rf"^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[(\d+)\])\s*{_STRING}\s*$")
_CONTINUATION = re.compile(rf"^\s*{_STRING}\s*$")
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

    def add_to(self, header: dict[str, str], entries: list[FileEntry], with_notes: bool) -> None:
        """The entry read: the header's fields (an entry without msgctxt and with an empty
        msgid), else one :class:`FileEntry` appended to ``entries``; nothing if it has no msgid."""
        f = self.fields
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
                        fuzzy="fuzzy" in self.flags,
                        where=self.line,
                        notes=tuple(self.notes) if with_notes else (),
                        previous_source="".join(self.previous) if self.previous is not None else None,
                    )
                )


_ONE_LINE_STRING = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'  # _STRING, never across a line break
_ENTRY_STRING = rf"{_ONE_LINE_STRING}(?:\n{_ONE_LINE_STRING})*"
# one entry of the regular shape: comment lines, msgctxt, msgid, msgstr (each one
# or more whole-line strings), then a blank line or the end of the file
_REGULAR_ENTRY = re.compile(
    rf"((?:#[^\n]*\n)*)msgctxt ({_ENTRY_STRING})\nmsgid ({_ENTRY_STRING})\n"
    rf"msgstr ({_ENTRY_STRING})\n(?:\n|\Z)"
)


def parse_regular(
    path: Path, text: str, with_notes: bool = True
) -> tuple[dict[str, str], list[FileEntry]] | None:
    """The fast path of :func:`.po.parse`: None unless every entry after the header has
    the regular shape, back to back, and the file has no NUL."""
    if "\x00" in text:
        return None
    end = text.find("\n\n")
    if end < 0:
        return None
    try:  # the header, up to the first blank line (the line parser allows blank lines in an entry)
        header, head_entries = parse_lines(path, text[: end + 1])
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


def parse_lines(path: Path, text: str, with_notes: bool = True) -> tuple[dict[str, str], list[FileEntry]]:
    """The line parser of :func:`.po.parse`.

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
                current.add_to(header, entries, with_notes)
                current, state, last = _Entry(), None, None
            current.comment(line)
            continue
        current.in_previous = False
        match = _KEYWORD.match(line)
        if match:
            keyword = "msgstr[]" if match.group(2) is not None else match.group(1)
            if keyword in ("msgctxt", "msgid") and state in ("msgstr", "msgstr[]"):
                current.add_to(header, entries, with_notes)
                current, state = _Entry(), None
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
    current.add_to(header, entries, with_notes)
    return header, entries


def _unquoted(path: Path, number: int, token: str) -> str:
    try:
        return _unquote(token)
    except BadEscape as exc:
        raise FormatError(path, number, str(exc)) from None
