"""Texts as a page shows them, and what changed between two of them.

Every text from LivePerson or a translator goes through :func:`markupsafe.escape`
(or Jinja2's autoescaping): a ``<script>``, an ``onerror=`` or a ``javascript:``
link is shown as text. Placeholders (``{agentNickname}``), HTML tags, line breaks
and invisible or bidi control characters (U+202E …) are shown as visible tokens —
a control character is never put in the page as itself, so none can reorder it.
The templates put each text in its own isolated box (``unicode-bidi: isolate``,
``<bdi>``), ``dir="rtl"`` for right-to-left languages.
"""

from __future__ import annotations

import difflib
import re
import shlex
import unicodedata
from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

_TOKEN = re.compile(
    r"(?P<ph>\{[A-Za-z0-9_.\-]{1,80}\})"
    r"|(?P<tag></?[A-Za-z][^<>]{0,300}>)"
    r"|(?P<nl>\r\n|\n|\r)"
    r"|(?P<ctl>[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb])"
    r"|(?P<cjk>[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff])"
    r"|(?P<word>\w+)"
    r"|(?P<space>[ \t]+)"
    r"|(?P<other>.)",
    re.S,
)
Token = tuple[str, str]  # (kind, text)
Text = tuple[str, Markup, bool]  # (label, text as shown, whether it is in the target language)


def tokens(text: str) -> list[Token]:
    """Words, spaces and punctuation; a placeholder, an HTML tag, a line break or a
    control character is one token each (CJK: one character a token)."""
    return [(m.lastgroup or "other", m.group(0)) for m in _TOKEN.finditer(text)]


def _control_name(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def _token_html(kind: str, text: str) -> str:
    if kind == "ph":
        return f'<span class="ph">{escape(text)}</span>'
    if kind == "tag":
        return f'<span class="tag">{escape(text)}</span>'
    if kind == "nl":
        return '<span class="ctl" title="line break">⏎</span><br>'
    if kind == "ctl":
        return f'<span class="ctl" title="{escape(_control_name(text))}">U+{ord(text):04X}</span>'
    return str(escape(text))


def _join(toks: Iterable[Token]) -> str:
    return "".join(_token_html(k, t) for k, t in toks)


def show(text: str | None) -> Markup:
    """A text as a page shows it: escaped, with visible tokens; None as a dash."""
    if text is None:
        return Markup('<span class="none">—</span>')
    if not text:
        return Markup('<span class="none">(empty)</span>')
    return Markup(_join(tokens(text)))


def diff(old: str | None, new: str | None) -> tuple[Markup, Markup]:
    """``old`` and ``new`` with what changed marked: words (``<del>``/``<ins>``), and
    characters inside a word replaced by another word."""
    if not old or not new or old == new:
        return show(old), show(new)
    a, b = tokens(old), tokens(new)
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(None, [t for _, t in a], [t for _, t in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            same = _join(a[i1:i2])
            left.append(same)
            right.append(same)
            continue
        if op == "replace" and i2 - i1 == 1 and j2 - j1 == 1 and a[i1][0] == b[j1][0] == "word":
            old_word, new_word = _chars(a[i1][1], b[j1][1])
            left.append(old_word)
            right.append(new_word)
            continue
        if i2 > i1:
            left.append(f"<del>{_join(a[i1:i2])}</del>")
        if j2 > j1:
            right.append(f"<ins>{_join(b[j1:j2])}</ins>")
    return Markup("".join(left)), Markup("".join(right))


def _chars(old: str, new: str) -> tuple[str, str]:
    """One word replaced by another: the characters that changed, inside a marked word."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < 0.5:  # two different words: mark them whole
        return f"<del>{escape(old)}</del>", f"<ins>{escape(new)}</ins>"
    left, right = ['<del class="w">'], ['<ins class="w">']
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append(str(escape(old[i1:i2])))
            right.append(str(escape(new[j1:j2])))
            continue
        if i2 > i1:
            left.append(f"<b>{escape(old[i1:i2])}</b>")
        if j2 > j1:
            right.append(f"<b>{escape(new[j1:j2])}</b>")
    return "".join([*left, "</del>"]), "".join([*right, "</ins>"])


def command_line(*words: str) -> str:
    """A command a page suggests, quoted for a POSIX shell (a file name with spaces stays one word)."""
    return " ".join(shlex.quote(w) for w in words)


Command = tuple[str, str]  # (what it does, command line)


def import_commands(
    files: Sequence[str], again: Sequence[str], *, apply: bool, conflicts: bool, stale: bool
) -> list[Command]:
    """The commands that settle an import of ``files``, as the plan and run pages offer
    them: apply the plan, take the file's side of every conflict, push the stale units;
    ``again``, the options every suggested command carries (``--config``, absolute)."""
    base = ("automsg-sync", "import-translations", *files, *again, "--apply")
    commands: list[Command] = []
    if apply:
        commands.append(("apply this plan", command_line(*base)))
    if conflicts:
        commands.append(
            (
                "take the file's text for every conflict (a live edit is overwritten)",
                command_line(*base, "--prefer-file"),
            )
        )
    if stale:
        commands.append(("push the stale translations anyway", command_line(*base, "--accept-stale")))
    return commands
