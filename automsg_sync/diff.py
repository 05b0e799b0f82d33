"""The three-way diff: baseline / live / file → a Plan. Pure functions.

For each proposed translation: ``base`` = the target at export, ``live`` = the
target now, ``new`` = the returned text; ``src0``/``src1`` = the source at
export / now; ``ours`` = the text this tool last wrote to the unit (the state
store). Where ``live == ours`` nobody touched the unit since our own write, so
``ours`` is the base the conflict check compares with: a second delivery of
one export (a translator's correction of a text we already wrote) is an
update, not a conflict with ourselves. Outcomes, in the order they are decided:

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

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .model import AutoMessage, Context, UnitKey

UPDATE = "update"
NOOP = "noop"
UNTOUCHED = "untouched"
STALE = "stale"
CONFLICT = "conflict"
GONE = "gone"
SKIPPED = (STALE, CONFLICT, GONE)


@dataclass(frozen=True, slots=True)
class Proposal:
    """A returned translation with its baseline: what the file wants, and from when."""

    key: UnitKey
    language: str
    new: str
    base: str
    src0: str
    file: str
    where: int | None
    ours: str | None = None  # what this tool last wrote to the unit, if it ever did

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # from worker processes: the source (the same in every language) and the
        # language and file names are interned, not held once per unit
        fields = (self.key, self.language, self.new, self.base, self.src0, self.file, self.where, self.ours)
        return (_proposal, fields)


def _proposal(
    key: UnitKey,
    language: str,
    new: str,
    base: str,
    src0: str,
    file: str,
    where: int | None,
    ours: str | None,
) -> Proposal:
    intern = sys.intern
    return Proposal(key, intern(language), new, base, intern(src0), intern(file), where, ours)


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True)
class Plan:
    decisions: list[Decision]
    revision: str

    def by_outcome(self, outcome: str) -> list[Decision]:
        return [d for d in self.decisions if d.outcome == outcome]

    @property
    def updates(self) -> list[Decision]:
        return self.by_outcome(UPDATE)


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
    """Decide every proposal."""
    decisions = [
        decide(p, live, source_language, accept_stale=accept_stale, prefer_file=prefer_file)
        for p in proposals
    ]
    return Plan(decisions, live.revision)
