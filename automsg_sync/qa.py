"""QA checks on returned translations. Pure functions.

Errors keep a unit out of the import; warnings are reported and the unit is
imported. translate-toolkit's ``StandardChecker`` (configured for ``{…}``
placeholders) does what it does well — placeholders, whitespace, doubled
spaces, untranslated text — and LivePerson's channel rules are ours, as is
the check of spaced placeholders such as ``{agent name}`` (LivePerson's own API
example), which the toolkit does not take for placeholders. The channel is the
catalog's (:func:`catalog.channel_of`):

=========================  ========  ==========================================
check                      severity  fails when
=========================  ========  ==========================================
``placeholders``           error     placeholders not exactly the source's
``messaging-html``         error     messaging text holds HTML
``messaging-linebreak``    error     messaging text holds a line break
``messaging-chars``        error     messaging text holds ``<``, ``>`` or ``\\``
``chat-tags``              error     chat text's HTML tags differ from the source's
``unsafe-html``            error     chat text holds what the nh3 allow-list strips
                                     (script, event handlers, ``javascript:`` …)
``formula``                error     the XLSX cell holds a formula
``hidden-row``             error     the XLSX row is hidden
``control-chars``          error     control or bidi-override characters
``max-length``             error     longer than the configured maximum
``unchanged``              warning   same as the source
``whitespace``             warning   leading/trailing whitespace differs
``double-space``           warning   doubled spaces where the source has none
=========================  ========  ==========================================

A :class:`Finding` keeps the check's id (``check``, for machines and the JSON
report) apart from its ``message``, which says in words what is wrong and names
the placeholder, tag or character: ``missing placeholder {expectedResponseTime}``,
``adds HTML tag <b>``, ``contains a line break (messaging texts cannot)``,
``longer than 1000 characters (1234)``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import NamedTuple

import nh3
from translate.filters import checks, decoration

from .catalog import PLACEHOLDER, channel_of

DEFAULT_MAX_LENGTH = 10_000  # characters, when the account configures no max_length
ERROR = "error"
WARNING = "warning"

# Chat messages may use simple formatting and links; everything else is unsafe.
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "br", "p", "span", "a", "ul", "ol", "li"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "target"}, "span": {"style"}, "p": {"style"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MESSAGING_CHARS = re.compile(r"[<>\\]")
_LINE_BREAK = re.compile("[\n\r\u2028\u2029\x85\x0b\x0c]")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--")
_TAG_NAME = re.compile(r"</?([A-Za-z][^\s/>]*)")

_checker = checks.StandardChecker(checkerconfig=checks.CheckerConfig(varmatches=[("{", "}")]))


@dataclass(frozen=True)
class Finding:
    """One QA finding; ``where`` is the file's line (PO) or row (XLSX)."""

    file: str
    where: int | None
    key: str
    language: str
    check: str
    severity: str
    message: str


@dataclass(frozen=True)
class QAContext:
    """What a check needs to know beyond the two texts."""

    file: str
    where: int | None
    key: str
    language: str
    message_event_id: str
    formula: bool = False
    max_length: int | None = None
    hidden: bool = False
    api: str | None = None  # the API the message was read through: the legacy one's are chat


def surely_clean(source: str, target: str, max_length: int | None = None) -> bool:
    """True only when :func:`check_translation` would find nothing (with no formula
    cell and no hidden row); False says nothing: the caller then runs the checks.

    Most returned texts pass every check, and proving that for one costs about a
    fifth of running the checks (and of building the :class:`QAContext` only a
    finding needs): one search for any character a channel or control-character
    check looks for, what depends on the source alone computed once per source
    (the same sources recur in every language's file), and each remaining
    check's necessary condition for failing shown false. Each part is a
    necessary condition of one check's failure (tests/test_qa.py compares this
    with :func:`check_translation` on generated texts), so the findings are the
    same; the checks themselves stay translate-toolkit's.
    """
    facts = _source_facts(source)
    if facts is None or _SUSPECT.search(target) or len(target) > (max_length or DEFAULT_MAX_LENGTH):
        return False
    if target[:1].isspace() or target[-1:].isspace() or "  " in target:  # whitespace, double-space
        return False
    variables, spaced, letters = facts
    if variables or spaced or "{" in target:  # placeholders
        found = _VARIABLE.findall(target)  # the toolkit's, when equal to the source's (which it filtered)
        if found != variables and _quick_variables(target) != variables:
            return False
        # each "{" opening one of ``found``, none opens a spaced one: no need to look
        if (spaced or target.count("{") != len(found)) and _spaced(target) != spaced:
            return False
    return not _may_be_unchanged(letters, target)


class _SourceFacts(NamedTuple):
    variables: list[str]  # what the toolkit's ``variables`` check finds in the source
    spaced: list[str]  # its spaced placeholders (:func:`_spaced`), which the toolkit does not see
    letters: str  # what ``unchanged`` compares (see :func:`_letters`); never empty


@functools.lru_cache(maxsize=65536)
def _source_facts(source: str) -> _SourceFacts | None:
    """What :func:`surely_clean` needs of a source, or None when the source alone
    rules the quick verdict out (HTML: the chat checks compare it; whitespace at
    an edge or doubled; no letters, where ``unchanged`` needs the full compare)."""
    if "<" in source or "  " in source or source[:1].isspace() or source[-1:].isspace():
        return None
    letters = _source_letters(source)
    return _SourceFacts(_source_variables(source), _source_spaced(source), letters) if letters else None


def _quick_variables(text: str) -> list[str]:
    """translate-toolkit's ``getvariables("{", "}")`` (:data:`_variables`) by one regular expression.

    The toolkit walks the text from each ``{`` to the next ``}``, takes the
    innermost ``{``, and keeps what lies between when it is empty or letters,
    digits, ``_`` and ``.`` with at least one letter or digit. A match of
    :data:`_VARIABLE` is exactly such an innermost span of word characters and
    dots; the toolkit's last condition is the filter. (A property test
    compares the two.)
    """
    return [v for v in _VARIABLE.findall(text) if not v or v.strip("_.")]


def _may_be_unchanged(letters: str, target: str) -> bool:
    """A necessary condition of ``_letters(target) == letters`` (non-empty): its first
    character, found without building the target's letters when it stands
    before any ``<`` or ``{`` (where a tag or placeholder removal could start).

    Characters :func:`_letters` removes lower-case to characters it removes
    (tests/test_qa.py checks every code point), so the first letter or digit of
    the target, lower-cased to one letter or digit, is the first of its letters.
    """
    first = _FIRST_LETTER.search(target)
    if first is None:
        return False  # no letter or digit at all: its letters are empty
    lowered = first.group().lower()
    if lowered in "<{" or len(lowered) != 1 or not lowered.isalnum():
        return _letters(target) == letters
    return lowered == letters[0] and _letters(target) == letters


def check_translation(source: str, target: str, ctx: QAContext) -> list[Finding]:
    """Every finding for one translation (errors first)."""
    found: list[tuple[str, str, str]] = []
    channel = channel_of(ctx.message_event_id, source, ctx.api)

    def toolkit(name: str, check: str, severity: str, words: Callable[[str, str], str]) -> bool:
        """Run a translate-toolkit check; its verdict stands, ``words`` says what is wrong."""
        if not _may_fail(name, source, target):
            return False
        try:
            getattr(_checker, name)(source, target)
        except checks.FilterFailure as failure:
            found.append((check, severity, words(source, target) or str(failure)))
            return True
        return False

    if not toolkit("variables", "placeholders", ERROR, _placeholder_words) and _spaced_differ(source, target):
        found.append(("placeholders", ERROR, _placeholder_words(source, target)))
    if ctx.formula:
        found.append(("formula", ERROR, "the cell holds a formula, not text"))
    if ctx.hidden:
        found.append(("hidden-row", ERROR, "the row is hidden: an edit nobody could see is not imported"))
    controls = (
        sorted({c for c in _CONTROL.findall(target) if c not in source}) if _CONTROL.search(target) else []
    )
    if controls:
        names = ", ".join(_char_name(c) for c in controls)
        found.append(
            ("control-chars", ERROR, f"contains {_plural(len(controls), 'control character')} {names}")
        )
    if channel == "messaging":
        tags = _tag_names(target)
        if tags:
            what = f"{_plural(len(tags), 'HTML tag')} {_listed(tags)}"
            found.append(("messaging-html", ERROR, f"contains {what} (messaging texts cannot hold HTML)"))
        if _LINE_BREAK.search(target):
            found.append(("messaging-linebreak", ERROR, "contains a line break (messaging texts cannot)"))
        bad = sorted(set(_MESSAGING_CHARS.findall(target)))
        if bad:
            found.append(
                (
                    "messaging-chars",
                    ERROR,
                    f"contains {_listed(bad, 'and')} (messaging texts cannot hold <, > or \\)",
                )
            )
    elif "<" in target or "<" in source:
        before, after = _tags(source), _tags(target)
        if after != before:
            found.append(("chat-tags", ERROR, _tag_change_words(before, after)))
        unsafe = _unsafe_html(target)
        if unsafe:
            found.append(("unsafe-html", ERROR, f"unsafe HTML the allow-list would strip: {unsafe}"))
    limit = ctx.max_length or DEFAULT_MAX_LENGTH
    if len(target) > limit:
        found.append(("max-length", ERROR, f"longer than {limit} characters ({len(target)})"))
    toolkit("unchanged", "unchanged", WARNING, lambda s, t: "same as the source text: not translated?")
    toolkit("startwhitespace", "whitespace", WARNING, lambda s, t: _edge_words("leading", s, t))
    toolkit("endwhitespace", "whitespace", WARNING, lambda s, t: _edge_words("trailing", s, t))
    toolkit("doublespacing", "double-space", WARNING, _double_space_words)
    return [Finding(ctx.file, ctx.where, ctx.key, ctx.language, c, s, m) for c, s, m in found]


# ------------------------------------------------------------------ messages in words


def _plural(n: int, noun: str) -> str:
    return noun if n == 1 else noun + "s"


def _listed(items: Iterable[str], last: str = "") -> str:
    """``a, b, c`` — or ``a, b and c`` with ``last="and"``."""
    items = list(items)
    if not last or len(items) < 2:
        return ", ".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def _placeholder_words(source: str, target: str) -> str:
    """``missing placeholder {x}; adds placeholder {y}`` (the toolkit compares the lists in
    order, and so does :func:`_spaced_differ` the spaced ones)."""
    variables = [f"{{{v}}}" for v in _source_variables(source)], [f"{{{v}}}" for v in _variables(target)]
    spaced = _source_spaced(source), _spaced(target)
    want, have = Counter(variables[0] + spaced[0]), Counter(variables[1] + spaced[1])
    missing = [v for v in want if want[v] > have[v]]
    added = [v for v in have if have[v] > want[v] and v not in want]
    repeated = [v for v in have if have[v] > want[v] and v in want]
    words = []
    if missing:
        words.append(f"missing {_plural(len(missing), 'placeholder')} {', '.join(missing)}")
    if added:
        words.append(f"adds {_plural(len(added), 'placeholder')} {', '.join(added)} (not in the source)")
    if repeated:
        words.append(f"repeats {_plural(len(repeated), 'placeholder')} {', '.join(repeated)}")
    if not words and want == have:
        moved = [kind[0] for kind in (variables, spaced) if kind[0] != kind[1]]
        order = ", ".join(v for placeholders in moved for v in placeholders)
        words.append(f"placeholders not in the source's order ({order})")
    return "; ".join(words)


def _spaced(text: str) -> list[str]:
    """Placeholders with a space, ``{agent name}``: the catalog's, which the toolkit's are not."""
    return [p for p in PLACEHOLDER.findall(text) if " " in p] if "{" in text else []


def _spaced_differ(source: str, target: str) -> bool:
    """Spaced placeholders not the source's, in its order (as the toolkit asks of its own)."""
    return ("{" in source or "{" in target) and _source_spaced(source) != _spaced(target)


_source_spaced = functools.lru_cache(maxsize=65536)(_spaced)  # a source recurs in every language


def _tag_names(text: str) -> list[str]:
    """Distinct tags in ``text``, as ``<b>`` (closing tags folded in), in order of appearance."""
    names: dict[str, None] = {}
    for match in _TAG.finditer(text):
        tag = match.group()
        names["<!--" if tag == "<!--" else "<" + _TAG_NAME.match(tag).group(1).lower() + ">"] = None  # type: ignore[union-attr]
    return list(names)


def _tag_change_words(before: Counter[str], after: Counter[str]) -> str:
    """``drops HTML tag <a>; adds HTML tag <b>``."""
    dropped = [f"<{t}>" for t in before if before[t] > after[t]]
    added = [f"<{t}>" for t in after if after[t] > before[t]]
    words = []
    if dropped:
        words.append(f"drops {_plural(len(dropped), 'HTML tag')} {', '.join(dropped)}")
    if added:
        words.append(f"adds {_plural(len(added), 'HTML tag')} {', '.join(added)}")
    return "; ".join(words)


def _edge_words(edge: str, source: str, target: str) -> str:
    """``trailing whitespace differs from the source's`` — and how."""
    strip: Callable[[str], str] = str.lstrip if edge == "leading" else str.rstrip
    src = len(source) - len(strip(source))
    tgt = len(target) - len(strip(target))
    if src == 0:
        return f"adds {edge} whitespace the source does not have"
    if tgt == 0:
        return f"drops the source's {edge} whitespace"
    return f"{edge} whitespace differs from the source's"


def _double_space_words(source: str, target: str) -> str:
    src, tgt = source.count("  "), target.count("  ")
    if src == 0:
        return "doubled space where the source has none"
    if tgt == 0:
        return "drops the source's doubled space"
    return f"doubled spaces differ from the source's ({tgt} here, {src} in the source)"


def _char_name(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE`` (C0/C1 controls have no Unicode name: ``U+0007``)."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


def _may_fail(name: str, source: str, target: str) -> bool:
    """A cheap necessary condition for a toolkit check to fail (it runs only then).

    translate-toolkit's checks cost ~15 µs each; at 300,000 units the five of
    them were a third of an import. Each condition here is implied by the
    check's own failure, so the findings are the same.
    """
    if name == "variables":  # the check passes when both texts hold the same variables in order
        return ("{" in source or "{" in target) and _source_variables(source) != _variables(target)
    if name == "startwhitespace":
        return source[:1].isspace() or target[:1].isspace()
    if name == "endwhitespace":
        return source[-1:].isspace() or target[-1:].isspace()
    if name == "doublespacing":
        return "  " in source or "  " in target
    if name == "unchanged":
        return _source_letters(source) == _letters(target)
    return True


def _letters(text: str) -> str:
    """Letters and digits only, without placeholders and tags (what ``unchanged`` compares)."""
    if "<" in text or "{" in text:
        text = _TAG_OR_PLACEHOLDER.sub("", text)
    return _NOT_ALNUM.sub("", text.lower())


_variables = decoration.getvariables("{", "}")  # type: ignore[no-untyped-call]  # what the toolkit's variables check compares
_source_variables = functools.lru_cache(maxsize=65536)(_variables)
_source_letters = functools.lru_cache(maxsize=65536)(_letters)  # a source recurs in every language


_TAG_OR_PLACEHOLDER = re.compile(r"<[^>]*>|\{[^{}]*\}")
_VARIABLE = re.compile(r"\{([\w.]*)\}")
_FIRST_LETTER = re.compile(r"[^\W_]|[<{]")
_NOT_ALNUM = re.compile(r"[\W_]+")  # \w is str.isalnum() plus the underscore


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)


# Cc (C0 and C1 controls) but line breaks, which the channel rule judges; and bidi
# embeddings, overrides and isolates.
_CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")
# anything a control-character or channel check looks for: controls, line breaks, < > \
_SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029<>\\\\" + "".join(sorted(BIDI_CONTROLS)) + "]")


class _Structure(HTMLParser):
    """Tags and attributes of an HTML fragment, as (tag, sorted attribute names)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[str, tuple[tuple[str, str], ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.items.append((tag, tuple(sorted((k, (v or "").strip()) for k, v in attrs))))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def _structure(text: str) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    parser = _Structure()
    parser.feed(text)
    parser.close()
    return parser.items


def _tags(text: str) -> Counter[str]:
    return Counter(tag for tag, _ in _structure(text))


def _unsafe_html(text: str) -> str:
    """What nh3's allow-list would remove (empty when the text is safe)."""
    if "<" not in text:
        return ""
    cleaned = nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    before, after = _structure(text), _structure(cleaned)
    if before == after:
        return ""
    kept = Counter(after)
    removed = []
    for item in before:
        if kept[item]:
            kept[item] -= 1
            continue
        tag, attrs = item
        removed.append(f"<{tag}{''.join(' ' + k for k, _ in attrs)}>")
    return ", ".join(removed) or "content the allow-list strips"
