"""The three-way diff: baseline / live / file → a Plan. Pure functions.

For each proposed translation: ``base`` = the target at export, ``live`` = the
target now, ``new`` = the returned text; ``src0``/``src1`` = the source at
export / now; ``ours`` = the text this tool last wrote to the unit from a file
of the same export (the state store). Where ``live == ours`` nobody touched the
unit since our own write, so ``ours`` is the base the conflict check compares
with: a second delivery of one export (a translator's correction of a text we
already wrote) is an update, not a conflict with ourselves. A write from
another export's file is no ``ours`` here: a file of an older round imported
after a newer round was applied is a conflict, not an update back.
Outcomes, in the order they are decided:

=========  ==============================================  ===================
outcome    condition                                       override
=========  ==============================================  ===================
gone       message, context or source text gone live       —
noop       ``new == live``                                 —
untouched  ``new == base``: the translator left the row    —
           as exported; nothing is sent, a live edit
           made since stands
stale      ``src1 != src0``                                ``accept_stale``
conflict   ``live != base`` (``base`` = ``ours`` where     ``prefer_file``
           ``live == ours``) and ``new != live``
update     otherwise                                       —
=========  ==============================================  ===================
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import NamedTuple

from .model import AutoMessage, Context, Text, UnitKey, language_key

UPDATE = "update"
NOOP = "noop"
UNTOUCHED = "untouched"
STALE = "stale"
CONFLICT = "conflict"
GONE = "gone"
SKIPPED = (STALE, CONFLICT, GONE)


@dataclass(slots=True)
class Proposal:
    """A returned translation with its baseline: what the file wants, and from when.

    Proposals and decisions are never changed once made, yet not frozen: a frozen
    dataclass sets each field through ``object.__setattr__``, twice the cost of
    making one, and a large import makes 300,000 of each (~0.35 s)."""

    key: UnitKey
    language: str
    new: str
    base: str
    src0: str
    file: str
    where: int | None
    ours: str | None = None  # what this tool last wrote to the unit from a file of this export
    export_id: str = ""  # the export the file came from


@dataclass(slots=True)
class Decision:
    """What the diff decided for one proposal, with the texts that decided it."""

    proposal: Proposal
    outcome: str
    live: str | None
    src1: str | None
    message_id: str | None
    detail: str = ""

    @property
    def key(self) -> UnitKey:
        return self.proposal.key

    @property
    def language(self) -> str:
        return self.proposal.language


@dataclass(frozen=True)
class LiveView:
    """The live objects by context and messageEventId, and their revision.

    ``contexts_proven`` is false when the server's answer showed no contexts
    (everything is then under the account, and no skill context may be written).
    """

    contexts: Mapping[Context, Mapping[str, AutoMessage]]
    revision: str
    contexts_proven: bool = True

    @classmethod
    def from_listing(
        cls, contexts: Mapping[Context, Iterable[AutoMessage]], revision: str, contexts_proven: bool = True
    ) -> LiveView:
        return cls(
            {c: {m.message_event_id: m for m in ms} for c, ms in contexts.items()}, revision, contexts_proven
        )

    def message(self, key: UnitKey) -> AutoMessage | None:
        return self.contexts.get(key.context, {}).get(key.message)

    @functools.cached_property
    def spellings(self) -> dict[str, str]:
        """Language key → how the account spells that language (the spelling most of its
        entries use): a language added to a message is written so (``en-UK`` where the
        account writes ``en-UK``), not in a form of ours. Made on first use."""
        counts: dict[str, Counter[str]] = {}
        for messages in self.contexts.values():
            for message in messages.values():
                for text in message.texts():
                    counts.setdefault(language_key(text.lang), Counter())[text.lang] += 1
        return {key: found.most_common(1)[0][0] for key, found in counts.items()}


@dataclass(frozen=True)
class Plan:
    decisions: list[Decision]
    revision: str

    def by_outcome(self, outcome: str) -> list[Decision]:
        return [d for d in self.decisions if d.outcome == outcome]

    @property
    def updates(self) -> list[Decision]:
        return self.by_outcome(UPDATE)


def by_key_object(decisions: Iterable[Decision]) -> list[list[Decision]]:
    """Decisions grouped by their key object, in the order each was first seen.

    A message's units share one key object in every language, so its identity (an
    int hash) groups them per message at the cost of one dict lookup a unit; hashing
    the key itself (a Context inside) per unit was most of the work it replaced.
    Two equal key objects make two groups: callers that need one per key merge them."""
    groups: dict[int, list[Decision]] = {}
    for d in decisions:
        group = groups.get(id(d.key))
        if group is None:  # not setdefault: that would make a list per unit
            group = groups[id(d.key)] = []
        group.append(d)
    return list(groups.values())


def decide(
    proposal: Proposal,
    live: LiveView,
    source_language: str,
    *,
    accept_stale: bool = False,
    prefer_file: bool = False,
) -> Decision:
    """The outcome for one proposal (see the module's table)."""
    message = live.message(proposal.key)
    if message is None or message.deleted:
        where = "context" if proposal.key.context not in live.contexts else "message"
        return Decision(proposal, GONE, None, None, None, f"the {where} no longer exists")
    source = message.text(source_language)
    if source is None or not source.msg:
        return Decision(proposal, GONE, None, None, message.id, "the source text no longer exists")
    if message.left_out(proposal.language):  # LivePerson's entry for it is unusable: never written
        return Decision(proposal, GONE, None, None, message.id, "the language's live entry cannot be used")
    target = message.text(proposal.language)
    live_text = target.msg if target is not None else ""
    if live_text == proposal.base:  # the plan keeps one copy of a text, not the live view's too
        live_text = proposal.base
    outcome, detail = UPDATE, ""
    if proposal.new == live_text:
        outcome = NOOP
    elif proposal.new == proposal.base:
        outcome, detail = UNTOUCHED, "left as exported"
    elif source.msg != proposal.src0 and not accept_stale:
        outcome, detail = STALE, "source changed since export"
    else:
        ours = proposal.ours
        base = ours if ours is not None and live_text == ours else proposal.base
        if live_text != base and not prefer_file:
            outcome, detail = CONFLICT, "changed live since export"
    return Decision(proposal, outcome, live_text, source.msg, message.id, detail)


def three_way(
    proposals: Iterable[Proposal],
    live: LiveView,
    source_language: str,
    *,
    accept_stale: bool = False,
    prefer_file: bool = False,
) -> Plan:
    """Decide every proposal, as :func:`decide` does (tests/test_diff.py compares the two).

    What depends on the message alone (the live object, its source text, its
    id, or why it is gone) is looked up once per key object: the units of a
    message in every language share one (``shared_unit_key``), so at 300,000
    units that is 5,000 lookups, not 300,000. The lookups went through two
    dictionaries keyed by dataclasses and a handful of properties each, about
    half of the diff's time.
    """
    by_key: dict[int, tuple[UnitKey, _Message | _Gone]] = {}  # id(key) → the key (kept alive), its message
    language_keys: dict[str, str] = {}
    decisions: list[Decision] = []
    append = decisions.append
    for p in proposals:
        key = p.key
        known = by_key.get(id(key))
        if known is None:
            known = by_key[id(key)] = (key, _message_of(key, live, source_language))
        message = known[1]
        if isinstance(message, _Gone):  # whatever the language
            append(Decision(p, GONE, None, None, message.message_id, message.detail))
            continue
        lang = language_keys.get(p.language)
        if lang is None:
            lang = language_keys[p.language] = language_key(p.language)
        if lang in message.blocked:  # LivePerson's entry for it is unusable: never written
            append(Decision(p, GONE, None, None, message.id, "the language's live entry cannot be used"))
            continue
        target = message.texts.get(lang)
        live_text = target.msg if target is not None else ""
        base = p.base
        if live_text == base:  # the plan keeps one copy of a text, not the live view's too
            live_text = base
        new = p.new
        if new == live_text:
            append(Decision(p, NOOP, live_text, message.source, message.id))
        elif new == base:
            append(Decision(p, UNTOUCHED, live_text, message.source, message.id, "left as exported"))
        elif message.source != p.src0 and not accept_stale:
            append(Decision(p, STALE, live_text, message.source, message.id, "source changed since export"))
        else:
            ours = p.ours
            if ours is not None and live_text == ours:
                base = ours
            if live_text != base and not prefer_file:
                append(
                    Decision(p, CONFLICT, live_text, message.source, message.id, "changed live since export")
                )
            else:
                append(Decision(p, UPDATE, live_text, message.source, message.id))
    return Plan(decisions, live.revision)


class _Message(NamedTuple):
    """What :func:`three_way` needs of a live message, read once for all its languages."""

    id: str
    source: str
    texts: Mapping[str, Text]  # language key → text
    blocked: AbstractSet[str]  # language keys of unusable entries


class _Gone(NamedTuple):
    message_id: str | None
    detail: str


def _message_of(key: UnitKey, live: LiveView, source_language: str) -> _Message | _Gone:
    """The live message of ``key`` (the first checks of :func:`decide`), or why it is gone."""
    message = live.message(key)
    if message is None or message.deleted:
        where = "context" if key.context not in live.contexts else "message"
        return _Gone(None, f"the {where} no longer exists")
    source = message.text(source_language)
    if source is None or not source.msg:
        return _Gone(message.id, "the source text no longer exists")
    return _Message(message.id, source.msg, message.texts_by_language(), message.blocked_languages())
