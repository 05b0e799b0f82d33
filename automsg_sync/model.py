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

_SUBTAG = re.compile(r"^[A-Za-z0-9]{1,8}$")


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
    if not parts or not all(_SUBTAG.match(p) for p in parts):
        raise ValueError(f"not a language tag: {tag!r}")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


@functools.lru_cache(maxsize=8192)
def language_key(tag: str) -> str:
    """The key languages are compared by: case-insensitive. (Cached: called per unit.)"""
    return tag.strip().replace("_", "-").lower()


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
        out = []
        for entry in self.raw.get("data") or []:
            if isinstance(entry, Mapping) and isinstance(entry.get("lang"), str):
                out.append(
                    Text(
                        lang=entry["lang"],
                        msg=str(entry.get("msg") or ""),
                        is_default=bool(entry.get("isDefault", False)),
                    )
                )
        return out

    def text(self, lang: str) -> Text | None:
        return self._by_language.get(language_key(lang))

    @functools.cached_property
    def _by_language(self) -> dict[str, Text]:
        # raw is never changed in place (with_texts copies), so the index stays true
        out: dict[str, Text] = {}
        for text in self.texts():
            out.setdefault(language_key(text.lang), text)
        return out

    def attributes(self) -> dict[str, str]:
        """Attributes in either documented shape, read as a plain mapping."""
        out: dict[str, str] = {}
        attrs = self.raw.get("attributes") or []
        if isinstance(attrs, Mapping):
            attrs = [attrs]
        for item in attrs:
            if not isinstance(item, Mapping):
                continue
            if "name" in item and "value" in item:
                out[str(item["name"])] = str(item["value"])
            else:
                out.update({str(k): str(v) for k, v in item.items()})
        return out

    def with_texts(self, changes: Mapping[str, str]) -> AutoMessage:
        """A copy with the given languages' ``msg`` set.

        Existing languages keep the server's spelling of ``lang`` and every
        other key of their entry; ``isDefault`` becomes false where the entry
        has that key, and is never added where it has not. A new language is
        appended in the shape of its siblings (``isDefault: false`` only if
        they carry ``isDefault``). Nothing else in the object changes.
        """
        # only the object, its data list and their entries are changed: copied;
        # anything else is shared with the original, which is never changed in place
        raw = dict(self.raw)
        data = raw.get("data")
        data = [dict(e) if isinstance(e, Mapping) else e for e in data] if isinstance(data, list) else []
        raw["data"] = data
        pending = {language_key(lang): (lang, msg) for lang, msg in changes.items()}
        for entry in data:
            if isinstance(entry, dict) and isinstance(entry.get("lang"), str):
                found = pending.pop(language_key(entry["lang"]), None)
                if found is not None:
                    entry["msg"] = found[1]
                    if "isDefault" in entry:
                        entry["isDefault"] = False
        with_default = any(isinstance(e, Mapping) and "isDefault" in e for e in data)
        for lang, msg in pending.values():
            added: dict[str, Any] = {"msg": msg, "lang": normalise_language(lang)}
            if with_default:
                added["isDefault"] = False
            data.append(added)
        return AutoMessage(raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AutoMessage) and dict(self.raw) == dict(other.raw)

    def __hash__(self) -> int:  # pragma: no cover - messages are not set members
        return hash(self.id)


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

    def __str__(self) -> str:
        return f"{self.context.key}|{self.message}"

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # unpickled (from an import's worker processes) through one cache: the
        # 60 languages' units of a message share one key object, not 60
        return (shared_unit_key, (str(self),))


@functools.lru_cache(maxsize=65536)
def shared_unit_key(text: str) -> UnitKey:
    return UnitKey.parse(text)


@dataclass(frozen=True)
class Unit:
    """One text to translate: a message, in a context, into a language.

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


@dataclass(frozen=True)
class FileEntry:
    """One entry as read from a translator file; ``where`` is its line or row."""

    key: str
    source: str
    target: str
    fuzzy: bool = False
    where: int | None = None
    formula: bool = False
    hidden: bool = False  # an XLSX row hidden from view: nobody could review an edit there
    notes: tuple[str, ...] = ()
    previous_source: str | None = None


@dataclass(frozen=True)
class TranslationFile:
    """A whole translator file in the neutral model both formats convert to and from."""

    meta: FileMeta
    entries: tuple[FileEntry, ...]
    path: str = ""
