"""Domain types: contexts, automatic messages, languages, translation units.

An :class:`AutoMessage` keeps the object exactly as LivePerson sent it
(``raw``) and offers a typed view of the parts this tool reads; changing a
text returns a new object in which only that language's ``msg`` (and its
``isDefault``, where the entry has one) differ, so a PUT sends back every
field it received and no field it did not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

ACCOUNT = "account"
SKILL_PREFIX = "skill/"

_SUBTAG = re.compile(r"[A-Za-z0-9]{1,8}")  # matched whole (fullmatch): ``$`` would let "fr\n" through
_PRIMARY = re.compile(r"[A-Za-z]{1,8}")
MAX_TAG_LENGTH = 35  # BCP 47's practical limit (RFC 5646 §4.4.1); a tag is part of a file name
SKILL_ID = re.compile(r"[0-9]{1,19}")  # LivePerson's skill ids are numbers


@functools.lru_cache(maxsize=8192)
def normalise_language(tag: str) -> str:
    """Return a BCP 47 tag in its conventional case (RFC 5646 §2.1.1).

    Written by hand because the rule is four lines, while the libraries that
    do it (langcodes) also rewrite tags (``iw`` → ``he``), which would break
    matching against what the account holds.

    >>> normalise_language("en-us"), normalise_language("ZH-hant-tw"), normalise_language("es_419")
    ('en-US', 'zh-Hant-TW', 'es-419')
    """
    parts = tag.strip().replace("_", "-").split("-")
    if (
        len(tag.strip()) > MAX_TAG_LENGTH
        or not _PRIMARY.fullmatch(parts[0])
        or not all(_SUBTAG.fullmatch(p) for p in parts)
    ):
        raise ValueError(f"not a language tag: {_show(tag)}")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def tag_problem(tag: object) -> str | None:
    """Why a language tag as LivePerson's data spells it cannot be used, or None.

    Stricter than :func:`normalise_language` (which takes what a user types):
    the tag must be a string holding a BCP 47 tag exactly, with no space or
    line break around it, and at most :data:`MAX_TAG_LENGTH` characters.

    >>> tag_problem("fr-CA"), tag_problem("fr\\n-CA"), tag_problem("../../x")
    (None, 'is not a BCP 47 tag', 'is not a BCP 47 tag')
    """
    if not isinstance(tag, str):
        return f"is not a string ({type(tag).__name__})"
    if len(tag) > MAX_TAG_LENGTH:
        return f"is longer than {MAX_TAG_LENGTH} characters ({len(tag)})"
    if tag != tag.strip():
        return "has spaces or line breaks around it"
    try:
        normalise_language(tag)
    except ValueError:
        return "is not a BCP 47 tag"
    return None


def _show(value: object, limit: int = 40) -> str:
    """A value as a report line shows it: repr, cut short (a hostile value may be megabytes)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}…{text[-4:]}"


@functools.lru_cache(maxsize=8192)
def language_key(tag: str) -> str:
    """The key languages are compared by: case-insensitive, and ``en-UK`` is ``en-GB``
    (LivePerson's own pages write "Format: en-US, en-UK"; BCP 47's region is GB).
    (Cached: called several times per unit.)"""
    key = tag.strip().replace("_", "-").lower()
    return _SAME_LANGUAGE.get(key, key)


_SAME_LANGUAGE = {"en-uk": "en-gb"}  # spellings LivePerson uses for one language


RTL_LANGUAGES = frozenset({"ar", "he", "iw", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ku"})


def is_rtl(tag: str) -> bool:
    """True for languages written right to left (Arabic, Hebrew, Persian, …)."""
    return language_key(tag).split("-")[0] in RTL_LANGUAGES


@dataclass(frozen=True)
class Context:
    """Where a message text applies: the account default or one skill's override.

    >>> Context.parse("skill/7").skill_id, str(Context.account())
    ('7', 'account')
    """

    skill_id: str | None = None

    @classmethod
    def account(cls) -> Context:
        return cls(None)

    @classmethod
    def skill(cls, skill_id: str | int) -> Context:
        return cls(str(skill_id))

    @classmethod
    def parse(cls, text: str) -> Context:
        if text == ACCOUNT:
            return cls.account()
        if text.startswith(SKILL_PREFIX) and text[len(SKILL_PREFIX) :].strip():
            return cls.skill(text[len(SKILL_PREFIX) :])
        raise ValueError(f"not a context: {text!r} (expected 'account' or 'skill/<id>')")

    @property
    def is_account(self) -> bool:
        return self.skill_id is None

    @property
    def key(self) -> str:
        return ACCOUNT if self.skill_id is None else f"{SKILL_PREFIX}{self.skill_id}"

    def query(self) -> dict[str, str]:
        """The API's query parameters that address this context."""
        if self.skill_id is None:
            return {"context_type": "ACCOUNT"}
        return {"context_type": "SKILL", "context_id": self.skill_id}

    def sort_key(self) -> tuple[int, int, str]:
        """Account first, then skills by numeric id."""
        sid = self.skill_id
        if sid is None:
            return (0, 0, "")
        return (1, int(sid), "") if sid.isdigit() else (1, 1 << 62, sid)

    def __lt__(self, other: Context) -> bool:
        return self.sort_key() < other.sort_key()

    def __str__(self) -> str:
        return self.key


class Text(NamedTuple):
    """One language's text of a message (a named tuple: a large account holds millions)."""

    lang: str  # spelled as the server spelled it
    msg: str
    is_default: bool


@dataclass(frozen=True, eq=False)
class AutoMessage:
    """An automatic message: the server's object, lossless, plus a typed view.

    ``isDefault`` absent is read as custom text: only LivePerson's stock
    entries are marked ``isDefault: true``, and the Unified API marks none
    (lp-api.md), so there every text is custom or missing.
    """

    raw: Mapping[str, Any]

    @property
    def id(self) -> str:
        """The object's ``id`` where it has one (legacy API), else its ``messageEventId``."""
        value = self.raw.get("id")
        return str(value) if value not in (None, "") else str(self.raw.get("messageEventId", ""))

    @property
    def address(self) -> str:
        """How a URL names this object: its ``id`` when it has one, else its ``messageEventId``."""
        return self.id

    @property
    def message_event_id(self) -> str:
        return str(self.raw.get("messageEventId") or self.raw.get("templateId") or self.id)

    @property
    def deleted(self) -> bool:
        return bool(self.raw.get("deleted", False))

    @property
    def enabled(self) -> bool:
        return bool(self.raw.get("enabled", True))

    def texts(self) -> list[Text]:
        """The usable language entries (see :meth:`problems` for those left out)."""
        return list(self._reading.texts)

    def text(self, lang: str) -> Text | None:
        return self._by_language.get(language_key(lang))

    def left_out(self, lang: str) -> bool:
        """True when the object has an entry for ``lang`` that cannot be used (a text
        that is not a string, the language spelled twice, a malformed tag that reads
        as it): such a language is neither read nor ever written."""
        return language_key(lang) in self._reading.blocked

    def texts_by_language(self) -> Mapping[str, Text]:
        """The usable texts by language key (:func:`language_key`): :meth:`text` for a
        caller that looks up many languages of one message (the three-way diff)."""
        return self._by_language

    def blocked_languages(self) -> frozenset[str]:
        """The language keys :meth:`left_out` is true for."""
        return self._reading.blocked

    def problems(self) -> list[str]:
        """What in the object's ``data`` cannot be used, one line each, ending in what
        happened to it (``"language tag '../../x' is not a BCP 47 tag: left out"``)."""
        return list(self._reading.problems)

    @functools.cached_property
    def _by_language(self) -> dict[str, Text]:
        # raw is never changed in place (with_texts copies), so the index stays true
        return {language_key(text.lang): text for text in self._reading.texts}

    @functools.cached_property
    def _reading(self) -> _Reading:
        return _read_data(self.raw.get("data"))

    def attributes(self) -> dict[str, str]:
        """Attributes in either documented shape, read as a plain mapping."""
        out: dict[str, str] = {}
        attrs = self.raw.get("attributes") or []
        if isinstance(attrs, Mapping):
            attrs = [attrs]
        if not isinstance(attrs, list):
            return out
        for item in attrs:
            if not isinstance(item, Mapping):
                continue
            if "name" in item and "value" in item:
                out[str(item["name"])] = str(item["value"])
            else:
                out.update({str(k): str(v) for k, v in item.items()})
        return out

    def with_texts(self, changes: Mapping[str, str], spell: Mapping[str, str] | None = None) -> AutoMessage:
        """A copy with the given languages' ``msg`` set.

        Existing languages keep the server's spelling of ``lang`` and every
        other key of their entry; ``isDefault`` becomes false where the entry
        has that key, and is never added where it has not. A new language is
        appended in the shape of its siblings (``isDefault: false`` only if
        they carry ``isDefault``), its tag spelled as ``spell`` says (language key →
        the spelling the account already uses, e.g. ``en-UK``), else normalised.
        Nothing else in the object changes.

        Only the entries :meth:`texts` reads are ever written: a change to a
        language the read left out (:meth:`left_out`) is not made, and an
        entry with a malformed tag is never taken for a language's entry.
        """
        # only the object, its data list and their entries are changed: copied;
        # anything else is shared with the original, which is never changed in place
        raw = dict(self.raw)
        data = raw.get("data")
        data = [dict(e) if isinstance(e, Mapping) else e for e in data] if isinstance(data, list) else []
        raw["data"] = data
        blocked = self._reading.blocked
        pending = {
            language_key(lang): (lang, msg)
            for lang, msg in changes.items()
            if language_key(lang) not in blocked
        }
        for entry in data:
            if isinstance(entry, dict) and tag_problem(entry.get("lang")) is None:
                found = pending.pop(language_key(entry["lang"]), None)
                if found is not None:
                    entry["msg"] = found[1]
                    if "isDefault" in entry:
                        entry["isDefault"] = False
        with_default = any(isinstance(e, Mapping) and "isDefault" in e for e in data)
        for lang, msg in pending.values():
            spelled = spell.get(language_key(lang)) if spell else None
            added: dict[str, Any] = {"msg": msg, "lang": spelled or normalise_language(lang)}
            if with_default:
                added["isDefault"] = False
            data.append(added)
        return AutoMessage(raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AutoMessage) and dict(self.raw) == dict(other.raw)

    def __hash__(self) -> int:  # pragma: no cover - messages are not set members
        return hash(self.id)


class _Reading(NamedTuple):
    texts: tuple[Text, ...]
    problems: tuple[str, ...]
    blocked: frozenset[str]  # language keys with an unusable entry: never read, never written


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # JSON's "\\ud83d" alone: decodable, not encodable
_GOOD_TAGS: set[str] = set()  # spellings tag_problem passed: a large account repeats 60 of them 300,000 times


def _read_data(data: object) -> _Reading:
    """An object's ``data`` read entry by entry; what cannot be used is left out and said.

    A language whose entries cannot be told apart (spelled twice, ``fr-FR`` and
    ``fr-fr``; or next to a malformed spelling that reads as it, ``fr `` beside
    ``fr``) is left out whole: nobody can tell which entry LivePerson shows, so
    none is read and none is written.
    """
    if data is None:
        return _Reading((), (), frozenset())
    if not isinstance(data, list):
        return _Reading((), (f"data is not a list ({type(data).__name__}): left out",), frozenset())
    problems: list[str] = []
    blocked: set[str] = set()
    malformed: dict[str, str] = {}  # language key → a malformed spelling that reads as it
    spelled: dict[str, str] = {}
    found: list[Text] = []
    for index, entry in enumerate(data):
        if type(entry) is not dict and not isinstance(entry, Mapping):  # type(): no ABC check per entry
            problems.append(f"data[{index}] is not an object: left out")
            continue
        lang = entry.get("lang")
        if type(lang) is str and lang in _GOOD_TAGS:
            problem = None
        else:
            problem = tag_problem(lang)
            if problem is None and isinstance(lang, str) and len(_GOOD_TAGS) < 4096:
                _GOOD_TAGS.add(lang)
        if problem is not None:
            problems.append(f"language tag {_show(lang)} {problem}: left out")
            if isinstance(lang, str) and len(lang) <= 2 * MAX_TAG_LENGTH:
                malformed.setdefault(language_key(lang), lang)
            continue
        assert isinstance(lang, str)
        key = language_key(lang)
        if key in spelled:
            problems.append(f"language {lang!r} appears twice ({spelled[key]!r}, {lang!r}): left out")
            blocked.add(key)
            continue
        spelled[key] = lang
        msg = entry.get("msg")
        is_default = entry.get("isDefault")
        if type(msg) is str and (is_default is None or type(is_default) is bool):  # the usual entry
            if not msg.isascii() and (lone := _LONE_SURROGATE.search(msg)) is not None:
                # not Unicode text: no file can hold it, and nothing may be written over it
                problems.append(
                    f"{lang}: the text holds a lone surrogate (U+{ord(lone.group()):04X}), "
                    "which is not Unicode text: left out"
                )
                blocked.add(key)
                continue
            found.append(Text(lang, msg, bool(is_default)))
        elif msg is not None and not isinstance(msg, str):
            problems.append(f"{lang}: the text is not a string ({type(msg).__name__}): left out")
            blocked.add(key)
        elif is_default is not None and not isinstance(is_default, bool):
            problems.append(f"{lang}: isDefault is not true or false ({_show(is_default)}): left out")
            blocked.add(key)
        else:
            found.append(Text(lang=lang, msg=msg or "", is_default=bool(is_default)))
    for key, lang in spelled.items():
        if key in malformed and key not in blocked:
            problems.append(
                f"language {lang!r} has a malformed spelling beside it ({_show(malformed[key])}): left out"
            )
    blocked.update(malformed)
    texts = tuple(t for t in found if language_key(t.lang) not in blocked) if blocked else tuple(found)
    return _Reading(texts, tuple(problems), frozenset(blocked))


# --------------------------------------------------------------------------- units

UNIT_STATES = ("missing", "default", "stale", "translated")


@dataclass(frozen=True, order=True)
class UnitKey:
    """``context|messageEventId``: the PO ``msgctxt`` and the XLSX Key column.

    >>> UnitKey.parse("skill/7|On-hold message #1")
    UnitKey(context=Context(skill_id='7'), message='On-hold message #1')
    """

    context: Context
    message: str

    @classmethod
    def parse(cls, text: str) -> UnitKey:
        context, sep, message = text.partition("|")
        if not sep or not message:
            raise ValueError(f"not a unit key: {text!r} (expected 'context|message')")
        return cls(Context.parse(context), message)

    @functools.cached_property
    def name(self) -> str:
        """``str(key)``, made once: a message's key object is shared by its units in every
        language, and a large export names each key ~5 times per language (~1 s at 300,000 units)."""
        return f"{self.context.key}|{self.message}"

    def __str__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # unpickled (from an import's worker processes) through one cache: the
        # 60 languages' units of a message share one key object, not 60
        return (shared_unit_key, (str(self),))


@functools.lru_cache(maxsize=65536)
def shared_unit_key(text: str) -> UnitKey:
    return UnitKey.parse(text)


@dataclass(slots=True)
class Unit:
    """One text to translate: a message, in a context, into a language.

    Not frozen, though never changed after it is made (a change is a
    ``dataclasses.replace``): a frozen dataclass sets each field through
    ``object.__setattr__``, and a large export makes 300,000 units (0.70 against
    0.23 CPU-s).

    ``target`` is the live text ("" when missing); ``previous_source`` is the
    source the target was translated from, when that differs (state ``stale``).
    ``notes`` are the lines a translator needs (message, skill, channel, rules).

    Two fields only ever differ from their defaults in what a file shows, never
    in a baseline (which keeps the live target): ``prefilled`` marks a target
    taken from another context's translation of the same source (``--prefill``;
    written fuzzy, for a translator to confirm); ``also`` lists the units a
    deduplicated entry stands for besides its own (``--dedupe``).
    """

    key: UnitKey
    language: str
    source: str
    target: str
    state: str
    message_id: str
    notes: tuple[str, ...] = ()
    previous_source: str | None = None
    max_length: int | None = None
    prefilled: bool = False
    also: tuple[UnitKey, ...] = ()


@dataclass(frozen=True)
class FileMeta:
    """What a translator file says about itself (PO header / hidden XLSX sheet)."""

    account: str
    language: str
    export_id: str
    revision: str
    source_language: str
    format_version: str = "1"


@dataclass(slots=True)
class FileEntry:
    """One entry as read from a translator file; ``where`` is its line or row.

    Not frozen, though never changed, for the reason :class:`Unit` is not: a
    large import reads 300,000 entries, and setting nine fields through
    ``object.__setattr__`` was a quarter of reading a PO file (37 → 27 ms a file
    of 5,050 entries)."""

    key: str
    source: str
    target: str
    fuzzy: bool = False
    where: int | None = None
    formula: bool = False
    hidden: bool = False  # an XLSX row hidden from view: nobody could review an edit there
    notes: tuple[str, ...] = ()
    previous_source: str | None = None
    # the file says the translator meant this target (an XLIFF final state, a PO entry not
    # fuzzy, an XLSX Status changed from "to translate"): a target equal to its source is
    # taken as a translation only then
    confirmed: bool = True
    state: str | None = None  # an XLIFF target's state, as the tool left it


@dataclass(frozen=True)
class TranslationFile:
    """A whole translator file in the neutral model both formats convert to and from."""

    meta: FileMeta
    entries: tuple[FileEntry, ...]
    path: str = ""
