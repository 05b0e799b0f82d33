"""Live messages ⇄ what the tool reasons about (counts, units). Pure functions."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from .messages import CHAT, LEGACY_API, MESSAGING, lookup
from .model import AutoMessage, Context, Text, Unit, UnitKey, language_key, normalise_language


@dataclass(frozen=True)
class StatusRow:
    """How many messages of a context are custom, stock or missing in a language."""

    context: Context
    context_name: str
    language: str
    custom: int
    default: int
    missing: int


def account_languages(contexts: Mapping[Context, Iterable[AutoMessage]]) -> list[str]:
    """Every language any message of the account has, normalised, sorted."""
    seen: dict[str, str] = {}
    for messages in contexts.values():
        for message in messages:
            for text in message.texts():
                key = language_key(text.lang)
                if key not in seen:
                    seen[key] = normalise_language(text.lang)
    return sorted(seen.values(), key=str.lower)


def status_rows(
    contexts: Mapping[Context, list[AutoMessage]],
    skill_names: Mapping[str, str],
    languages: Iterable[str] | None = None,
    stock: Mapping[tuple[str, str], str] | None = None,
) -> list[StatusRow]:
    """Per context and language: custom-translated, LivePerson default, missing.

    Deleted messages are not counted. A skill context counts only the messages
    it overrides.
    """
    langs = list(languages) if languages is not None else account_languages(contexts)
    rows = []
    for context in sorted(contexts):
        live = [m for m in contexts[context] if not m.deleted]
        name = "account" if context.is_account else skill_names.get(context.skill_id or "", "?")
        for lang in langs:
            custom = default = missing = 0
            for message in live:
                if message.left_out(lang):
                    continue  # its entry cannot be used: reported, counted nowhere
                text = message.text(lang)
                if stock and text is not None and not text.is_default:
                    text = as_stock(text, stock, message.message_event_id, language_key(lang))
                if text is None or not text.msg:
                    missing += 1
                elif text.is_default:
                    default += 1
                else:
                    custom += 1
            rows.append(StatusRow(context, name, lang, custom, default, missing))
    return rows


# --------------------------------------------------------------------------- units

# ``{name}``, ``{agentNickname}``, and spaced ones such as LivePerson's own API example's
# ``{agent name}``: words of letters, digits and underscores (at least one letter or digit in
# all), single-spaced; not ``{ }``, nor JSON (quotes, colons).
PLACEHOLDER = re.compile(r"\{(?=[^}]*[A-Za-z0-9])[A-Za-z0-9_]+(?: [A-Za-z0-9_]+)*\}")
MESSAGING_PLACEHOLDERS = frozenset({"{expectedResponseTime}", "{agentNickname}"})
CHAT_PLACEHOLDERS = frozenset(
    {"{AvgWaitSeconds}", "{AvgWaitMinutes}", "{QueueLength}", "{PlaceInQ}", "{name}", "{email}"}
)
MESSAGING_RULES = "no HTML, no line breaks, none of < > \\"
CHAT_RULES = "HTML allowed; keep the source's tags"
GUESSED = "guessed: not in LivePerson's catalog"


def placeholders(text: str) -> list[str]:
    """``{name}`` placeholders in order of appearance.

    >>> placeholders('Hi {name}, you are number {PlaceInQ}; {agent name}, not { } or {"a": 1}')
    ['{name}', '{PlaceInQ}', '{agent name}']
    """
    return PLACEHOLDER.findall(text) if "{" in text else []


def channel_of(message_event_id: str, source: str, api: str | None = None) -> str:
    """``"chat"`` or ``"messaging"``: whose rules a message's texts follow.

    Every message read through the legacy API (``api="auto-messages"``, LivePerson's
    legacy chat product) is chat; else the catalog's channel for a message it knows
    (:func:`messages.lookup`: id, UI name or alias); else a guess from the source's
    placeholders: chat's and none of messaging's is chat, anything else messaging,
    whose rules are the stricter.

    >>> channel_of("CHAT_STARTED", "Hi"), channel_of("Welcome message", "Hi")
    ('chat', 'messaging')
    >>> channel_of("Message 7", "Hi {name}"), channel_of("Message 7", "Hi", api="auto-messages")
    ('chat', 'chat')
    """
    if api == LEGACY_API:
        return CHAT
    entry = lookup(message_event_id)
    if entry is not None:
        return entry.channel
    found = set(placeholders(source))
    if found & CHAT_PLACEHOLDERS and not found & MESSAGING_PLACEHOLDERS:
        return CHAT
    return MESSAGING


@dataclass(frozen=True, slots=True)
class Origin:
    """The source text a live target was translated from (the state store's record)."""

    source: str
    target: str


def as_stock(text: Text, stock: Mapping[tuple[str, str], str], event_id: str, lang_key: str) -> Text:
    """``text`` marked as LivePerson's stock text when it equals the stock text of its
    message and language (the Unified API marks none itself)."""
    if stock.get((event_id, lang_key)) == text.msg:
        return text._replace(is_default=True)
    return text


def unit_state(target: Text | None, source: str, origin: Origin | None) -> tuple[str, str | None]:
    """The unit's state and, when stale, the source its target was translated from."""
    if target is None or not target.msg:
        return "missing", None
    if target.is_default:
        return "default", None
    if origin is not None and origin.target == target.msg and origin.source != source:
        return "stale", origin.source
    return "translated", None


def build_units(
    contexts: Mapping[Context, list[AutoMessage]],
    skill_names: Mapping[str, str],
    source_language: str,
    languages: Iterable[str],
    origins: Mapping[tuple[str, str], Origin],
    max_length: int | None = None,
    shared: Mapping[tuple[Context, str], Sequence[Context]] | None = None,
    stock: Mapping[tuple[str, str], str] | None = None,
    api: str | None = None,
) -> list[Unit]:
    """Every (context, message, target language) whose context has source text.

    A skill context's units are only the messages it overrides; deleted
    messages have none, and neither has a language the object's entry for which
    cannot be used (:meth:`AutoMessage.left_out`: it would be written nowhere).
    ``origins`` is keyed by (unit key, language key).
    An object several contexts share (``shared``: home context and
    messageEventId → the other contexts) is one unit set, under its home
    context; its notes name the others, since a translation of it shows there too.
    ``api`` is the API the messages were read through (:func:`channel_of`).
    ``stock`` is LivePerson's stock text by (messageEventId, language key), where the
    Unified API's undocumented defaults endpoint answered: a live text equal to it is
    state ``default``, as the legacy API marks it (:func:`as_stock`).
    """
    shared = shared or {}
    langs = [normalise_language(x) for x in languages]
    langs = [x for x in langs if language_key(x) != language_key(source_language)]
    units: list[Unit] = []
    append = units.append
    # what is the same for every message, and every language of a message, made once
    lang_keys = [(lang, language_key(lang)) for lang in langs]
    limit = (f"Maximum length: {max_length} characters",) if max_length else ()
    for context in sorted(contexts):
        for message in contexts[context]:
            source_text = message.text(source_language)
            if message.deleted or source_text is None or not source_text.msg:
                continue
            source = source_text.msg
            key = UnitKey(context, message.message_event_id)
            name, message_id = key.name, message.id
            texts, blocked = message.texts_by_language(), message.blocked_languages()
            shared_with = shared.get((context, key.message), ())
            base_notes = _notes(message, context, skill_names, source, shared_with, api)
            for lang, lang_key in lang_keys:
                if lang_key in blocked:
                    continue  # an entry that cannot be used (reported with the snapshot): no unit
                target = texts.get(lang_key)
                if stock and target is not None and not target.is_default:
                    target = as_stock(target, stock, key.message, lang_key)
                state, previous = unit_state(target, source, origins.get((name, lang_key)))
                notes = base_notes
                if state == "default":
                    notes += ("LivePerson default text",)
                elif state == "stale":
                    notes += ("Source changed since this translation was made",)
                append(
                    Unit(
                        key=key,
                        language=lang,
                        source=source,
                        target=target.msg if target is not None else "",
                        state=state,
                        message_id=message_id,
                        notes=notes + limit if limit else notes,
                        previous_source=previous,
                        max_length=max_length,
                    )
                )
    return units


def _notes(
    message: AutoMessage,
    context: Context,
    skill_names: Mapping[str, str],
    source: str,
    shared_with: Sequence[Context] = (),
    api: str | None = None,
) -> tuple[str, ...]:
    event_id = message.message_event_id
    entry = lookup(event_id)
    if entry is None:
        notes = [f"Message: {event_id}"]
    else:
        same = entry.name.casefold() == event_id.strip().casefold()
        notes = [f"Message: {event_id}" if same else f"Message: {event_id} ({entry.name})"]
        notes.append(f"Sent when: {entry.sent_when}")
    if context.is_account:
        notes.append("Context: account default")
    else:
        notes.append(f"Skill: {_skill_label(context, skill_names)}")
    if shared_with:
        others = ", ".join(
            "account default" if c.is_account else _skill_label(c, skill_names) for c in shared_with
        )
        notes.append(f"Shared with: {others} (one text for all of them)")
    channel = channel_of(event_id, source, api)
    rules = MESSAGING_RULES if channel == MESSAGING else CHAT_RULES
    if api == LEGACY_API and (entry is None or entry.channel != CHAT):
        rules = f"read through LivePerson's legacy chat API; {rules}"
    elif entry is None:
        rules = f"{GUESSED}; {rules}"
    notes.append(f"Channel: {channel} ({rules})")
    found = placeholders(source)
    if found:
        notes.append("Placeholders to keep: " + " ".join(dict.fromkeys(found)))
    timer = message.attributes().get("timer")
    if timer:
        notes.append(f"Timer: {timer} s")
    return tuple(notes)


def _skill_label(context: Context, skill_names: Mapping[str, str]) -> str:
    name = skill_names.get(context.skill_id or "", "")
    return f"{name} ({context.skill_id})" if name else f"{context.skill_id}"


# --------------------------------------------------------------------------- translator economics


def prefill(units: Sequence[Unit]) -> list[Unit]:
    """``--prefill``: a missing unit whose exact source text is custom-translated
    in the same language elsewhere (another context, or another message) gets
    that translation as its target, marked ``prefilled`` (written fuzzy).

    The candidate used by the most units wins; on a tie, the first in unit
    order (contexts sorted, account first). Differing candidates are listed in
    a note, so the translator sees the choice. Stale translations (made for
    another source) and LivePerson's defaults are not candidates. Only what
    the file shows changes: the baseline keeps the live, empty target.
    """
    found: dict[tuple[str, str], dict[str, list[UnitKey]]] = {}
    for u in units:
        if u.state == "translated" and u.target:
            found.setdefault((language_key(u.language), u.source), {}).setdefault(u.target, []).append(u.key)
    out = []
    for u in units:
        candidates = found.get((language_key(u.language), u.source)) if u.state == "missing" else None
        if not candidates:
            out.append(u)
            continue
        ranked = sorted(candidates.items(), key=lambda item: -len(item[1]))  # stable: ties keep unit order
        target, where = ranked[0]
        notes = (*u.notes, f"Pre-filled from {_places(where)}: confirm or correct it")
        if len(ranked) > 1:
            notes += ("Other translations of this text in use:",)
            notes += tuple(f"  {text} — {_places(keys)}" for text, keys in ranked[1:])
        out.append(replace(u, target=target, prefilled=True, notes=notes))
    return out


def _places(keys: list[UnitKey]) -> str:
    more = f" and {len(keys) - 1} more" if len(keys) > 1 else ""
    return f"{keys[0]}{more}"


def dedupe(units: Sequence[Unit], api: str | None = None) -> list[Unit]:
    """``--dedupe``: units of one language that a translator would see as the same
    entry — same source, same target, same state (and previous source, and
    whether pre-filled), same channel rules and maximum length — are written
    once. The first (in unit order) is the entry; ``also`` lists the others.

    The grouping is recorded in the state store with the baseline, and an
    import fans each entry out to its group from there, not from the file.
    Units with the same source but different live targets stay apart: one
    translation typed over both would silently replace one of them.
    ``api``: the API the units' messages were read through (:func:`channel_of`).
    """
    groups: dict[tuple[object, ...], list[Unit]] = {}
    for u in units:
        same = (
            language_key(u.language),
            u.source,
            u.target,
            u.state,
            u.previous_source,
            u.prefilled,
            channel_of(u.key.message, u.source, api),
            u.max_length,
        )
        groups.setdefault(same, []).append(u)
    return [
        replace(members[0], also=tuple(m.key for m in members[1:])) if len(members) > 1 else members[0]
        for members in groups.values()
    ]


@dataclass(frozen=True)
class Count:
    """Units, and the words and characters of their source text."""

    units: int = 0
    words: int = 0
    chars: int = 0

    def __add__(self, other: Count) -> Count:
        return Count(self.units + other.units, self.words + other.words, self.chars + other.chars)


# The quote columns (what a vendor charges for) and the file's own columns (pocount's).
QUOTE_COLUMNS = ("new", "prefilled", "repeated")
FILE_COLUMNS = ("total", "untranslated", "fuzzy", "translated")


def word_counts(
    exported: Sequence[Unit], written: Sequence[Unit], fuzzy: Callable[[Unit], bool]
) -> dict[str, Count]:
    """One language's counts for a quote.

    Over the ``exported`` units (before ``--dedupe``, after ``--prefill``):
    ``prefilled`` — every pre-filled unit (each one a translator confirms);
    ``repeated`` — any other unit whose source text was already seen earlier in
    the language (what CAT tools call repetitions; deduplicated away or not);
    ``new`` — the first occurrence of a text, missing.

    Over the entries ``written`` to the file, as translate-toolkit's ``pocount``
    counts a PO file: ``total``, and ``translated``, ``fuzzy`` (``fuzzy(unit)``,
    with a target) and ``untranslated``. Words are counted by the toolkit's own
    ``pocount.wordcount``, so the numbers are the same as pocount's.
    """
    sums = {name: [0, 0, 0] for name in (*QUOTE_COLUMNS, *FILE_COLUMNS)}  # units, words, chars

    def add(name: str, source: str) -> None:
        words, chars = _words_chars(source)
        total = sums[name]
        total[0] += 1
        total[1] += words
        total[2] += chars

    seen: set[str] = set()
    for u in exported:
        if u.prefilled:
            add("prefilled", u.source)
        elif u.source in seen:
            add("repeated", u.source)
        elif not u.target:
            add("new", u.source)
        seen.add(u.source)
    for u in written:
        add("untranslated" if not u.target else "fuzzy" if fuzzy(u) else "translated", u.source)
        add("total", u.source)
    return {name: Count(*total) for name, total in sums.items()}


@functools.lru_cache(maxsize=65536)
def _words_chars(source: str) -> tuple[int, int]:
    from translate.tools.pocount import wordcount

    return wordcount(source), len(source)  # type: ignore[no-untyped-call]
