"""Plan → revision-checked writes, with a backup before and a read-back after.

1. The pre-image of every object to change goes into a backup file
   (``<state-dir>/backups/<run-id>.json``, mode 0600) and the journal, before
   the first write.
2. One PUT per context, the changed objects as an array to the collection,
   ``If-Match`` = the revision the diff was computed on (then the revision
   our own write returned). Each object sent is the live object with only
   the imported languages' ``msg`` (and ``isDefault``, where present)
   changed. A server that refuses the array (400, 404, 405, its revision
   unmoved) gets one PUT per object, each with the revision the previous
   answer returned — still one backup, one journal, one read-back.
3. Any failed write: re-read with ``If-Match`` = the revision sent. A moved
   revision means somebody wrote meanwhile: re-decide the units not yet
   written (a unit changed live meanwhile becomes a conflict) and retry — at
   most ``MAX_CONFLICT_RETRIES`` times, then stop with a clear error. An
   unmoved revision means the write changed nothing: a clear error.
4. Read back once and confirm every written unit, in its context; a
   mismatch is an error.

Steps 2 and 3 are :class:`automsg_sync.writer.ContextWriter`'s, which a restore
writes through too; the backup, the journal, the recording and the read-back are
this module's.

A run killed anywhere can be re-run with the same files: what was written is
then a no-op, because ``new == live``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .backups import backup_document, backup_object
from .diff import UPDATE, Decision, LiveView, Plan, Proposal, by_key_object
from .errors import ApiError, AutomsgError
from .files import write_private_json
from .lp.automessages import AutoMessagesApi
from .model import AutoMessage, Context, Text, UnitKey, language_key
from .state import StateStore
from .writer import ContextWriter, read_live

UNCONFIRMED = "written, read-back pending"  # a run's status between its recording and its read-back

log = logging.getLogger("automsg_sync.apply")
Rediff = Callable[[LiveView, Sequence[Proposal]], Plan]


@dataclass
class ApplyResult:
    run_id: str
    backup: Path | None
    written: list[Decision] = field(default_factory=list)
    late: list[Decision] = field(default_factory=list)  # re-decided after a 409: no longer updates
    revision: str = ""
    conflict_retries: int = 0
    puts: int = 0
    error: str | None = None  # a write failed: ``written`` holds what was written before it
    not_written: list[Decision] = field(default_factory=list)  # planned, and not written
    in_flight: int = 0  # of not_written: sent in a write never answered (it may have landed)

    @property
    def partial(self) -> bool:
        return self.error is not None


def apply_plan(
    plan: Plan,
    live_box: list[LiveView],
    api: AutoMessagesApi,
    state: StateStore,
    *,
    run_id: str,
    account: str,
    backup_dir: Path,
    rediff: Rediff,
    kind: str = "import",
) -> ApplyResult:
    """Write the plan's updates; see the module docstring for the guarantees.

    The steps: the backup and the journal (:func:`_back_up`), the writes
    (:class:`ContextWriter`, told what to send by :class:`_PlanWrites`), then the
    recording and the read-back (:func:`_record_and_read_back`).

    ``live_box`` holds the live view the plan was computed on; it is taken out,
    so that no one else keeps it and it is freed before the read-back loads
    the account again (on a large account, two copies were the peak memory).
    """
    live: LiveView | None = live_box.pop()
    assert live is not None
    result = ApplyResult(run_id, None, revision=plan.revision)
    pending = _by_context(plan.updates)
    if not pending:
        return result
    result.backup = backup_dir / f"{run_id}.json"
    _back_up(
        result.backup, state, plan, live, pending, api.flavour, run_id=run_id, account=account, kind=kind
    )
    writes = _PlanWrites(plan, rediff, state, result)
    writer: ContextWriter[list[Decision]] = ContextWriter(api)
    try:
        result.revision = writer.run(pending, live, writes.object_of, writes.replan, writes.written)
    except AutomsgError as exc:
        # a later write failed after earlier ones went through: what was written is
        # recorded and reported as written (with the backup), the rest as not written;
        # a re-run of the same files finishes it (what was written is then a no-op)
        result.error, result.not_written = str(exc), writes.what_is_left()
    except BaseException:  # Ctrl-C, a kill signal turned exception: record, say, stop
        _record(state, account, run_id, result.written)
        state.finish_run(run_id, "interrupted")
        log.error(
            "interrupted after %d unit(s) were written (backup %s); %d not known to be written%s: "
            "run the same command again to finish (what was written is then unchanged)",
            len(result.written),
            result.backup,
            len(writes.what_is_left()),
            f", of which {writer.units_in_flight} were being written when it stopped and may have been"
            if writer.units_in_flight
            else "",
        )
        raise
    finally:
        result.conflict_retries, result.puts = writer.conflict_retries, writer.puts
        result.in_flight = writer.units_in_flight
    live = None  # the only reference left: free it before the read-back's copy arrives
    if result.error is not None:
        _record(state, account, run_id, result.written)
        state.finish_run(run_id, "partial")
        return result
    _record_and_read_back(api, state, account, result)
    state.finish_run(run_id, "applied")
    return result


def _back_up(
    path: Path,
    state: StateStore,
    plan: Plan,
    live: LiveView,
    pending: dict[Context, dict[str, list[Decision]]],
    flavour: str,
    *,
    run_id: str,
    account: str,
    kind: str,
) -> None:
    """The pre-image of every object to change into the backup file, and the run with
    the languages it will write per object into the journal, before the first write."""
    changes = {ctx: _changes(by_message) for ctx, by_message in pending.items()}
    write_private_json(path, _backup_document(run_id, account, flavour, plan, live, changes))
    state.start_run(
        run_id,
        account,
        kind,
        str(path),
        [
            (ctx.key, _message(live, ctx, event_id).id, texts)
            for ctx, by_message in changes.items()
            for event_id, texts in by_message.items()
        ],
    )
    # ``changes`` (~20 MB on a large account) is freed on return: it is in the backup and the journal now


@dataclass
class _PlanWrites:
    """What the writer asks of an apply: the object to send for a message's decisions,
    the work left re-decided after a conflict, and each write's decisions recorded as
    written (in ``result``)."""

    plan: Plan
    rediff: Rediff
    state: StateStore
    result: ApplyResult

    def replan(
        self, view: LiveView, left: dict[Context, dict[str, list[Decision]]]
    ) -> dict[Context, dict[str, list[Decision]]]:
        remaining = [d.proposal for by_message in left.values() for ds in by_message.values() for d in ds]
        replanned = self.rediff(view, remaining)
        self.result.late.extend(d for d in replanned.decisions if d.outcome != UPDATE)
        return _by_context(replanned.updates)

    @staticmethod
    def object_of(view: LiveView, context: Context, event_id: str, decisions: list[Decision]) -> AutoMessage:
        message = _message(view, context, event_id)
        changes = {d.language: d.proposal.new for d in decisions}
        # a language the message lacks is added as the account spells it: only then is it looked up
        added = any(message.text(lang) is None for lang in changes)
        return message.with_texts(changes, view.spellings if added else None)

    def written(self, context: Context, done: list[tuple[str, list[Decision], AutoMessage]]) -> None:
        # one journal transaction per write call (one per object was 0.4 s of a large apply)
        self.state.mark_written(self.result.run_id, context.key, [obj.id for _, _, obj in done])
        for _, decisions, _ in done:
            self.result.written.extend(decisions)

    def what_is_left(self) -> list[Decision]:
        done = {(d.key, d.language) for d in [*self.result.written, *self.result.late]}
        return [d for d in self.plan.updates if (d.key, d.language) not in done]


def _record_and_read_back(api: AutoMessagesApi, state: StateStore, account: str, result: ApplyResult) -> None:
    """Record what was written, and confirm it by one read of the account.

    The read-back (request, parse, check) runs in a thread while this one records what
    was written: on a large account both take seconds, and half of each is outside the
    GIL (the other side's server, SQLite). The recording holds one language's documents
    at a time, and is committed before the read-back is awaited: the server answered
    each write, so what was sent is recorded whatever becomes of the read-back (a Ctrl-C
    there left every object written and nothing pushed, and the next delivery of the
    same export a false conflict; issue #24). The run stays UNCONFIRMED until the
    read-back confirms it, or a later run's read of the account does
    (:func:`finish_read_backs`).
    """
    run_id = result.run_id
    with ThreadPoolExecutor(1, thread_name_prefix="read-back") as reader:
        confirmed = reader.submit(_confirm, api, result.written)
        try:
            _record(state, account, run_id, result.written)
            state.finish_run(run_id, UNCONFIRMED)
        except BaseException:
            state.finish_run(run_id, "failed")
            raise
        try:
            confirmed.result()
        except ReadBackMismatch as exc:
            # what the read-back does not show is not claimed as ours (neither pushed nor an
            # origin); what it confirmed stays recorded
            state.unrecord(account, run_id, [(d.key.name, d.language) for d in exc.wrong])
            state.finish_run(run_id, "failed")
            raise
        except AutomsgError:
            state.finish_run(run_id, "failed")
            raise
        except BaseException:
            log.error(
                "interrupted during the read-back: %d unit(s) were written and recorded (backup %s), "
                "not yet read back: run the same command again, or any import of the account, to check them",
                len(result.written),
                result.backup,
            )
            raise


def finish_read_backs(state: StateStore, account: str, live: LiveView) -> list[str]:
    """The read-backs of earlier runs of ``account`` that were interrupted before they
    ended (status :data:`UNCONFIRMED`), done from ``live``, a later run's read: each
    text such a run pushed that is still the unit's last push is checked against it.
    Returns a line per run, in words; a run whose texts all match is marked applied."""
    lines = []
    for run_id in state.runs_with_status(account, UNCONFIRMED):
        pushed = state.pushed_by_run(account, run_id)
        differ = [
            (key, language)
            for (key, language), text in pushed.items()
            if (message := live.message(UnitKey.parse(key))) is None
            or (found := message.text(language)) is None
            or found.msg != text
        ]
        if differ:
            lines.append(
                f"run {run_id} was interrupted before its read-back; {len(pushed) - len(differ)} of its "
                f"{len(pushed)} texts are live as written, {len(differ)} are not (changed since, or the "
                f"write did not land), e.g. {differ[0][0]} {differ[0][1]}"
            )
            state.finish_run(run_id, "checked-after")
        else:
            lines.append(
                f"run {run_id} was interrupted before its read-back; its {len(pushed)} texts are live as "
                "written: confirmed now"
            )
            state.finish_run(run_id, "applied")
    return lines


def _record(
    state: StateStore,
    account: str,
    run_id: str,
    written: list[Decision],
) -> None:
    """What was written, as the state store keeps it (our texts; their sources), a
    language at a time."""
    by_language: dict[str, list[Decision]] = {}
    for d in written:
        by_language.setdefault(d.language, []).append(d)
    state.record_written(
        account,
        run_id,
        {
            language: (
                (d.key.name, d.src1 or d.proposal.src0, d.proposal.new, d.proposal.export_id)
                for d in decisions
            )
            for language, decisions in by_language.items()
        },
    )


def _confirm(api: AutoMessagesApi, written: list[Decision]) -> None:
    """The read-back: one full read, every written unit checked in it."""
    view = read_live(api)
    _read_back(view, written)


def _read_back(after: LiveView, written: list[Decision]) -> None:
    if not after.contexts_proven and any(not d.key.context.is_account for d in written):
        raise ApiError(
            "read-back after the writes: the server's answer shows no contexts, so the skill "
            "texts just written cannot be confirmed in their contexts"
        )
    wrong: list[Decision] = []
    # a message's units share one key object: its live texts are looked up once (a large
    # account's read-back checks 300,000 units of 5,000 messages), language keys once each
    texts: dict[int, Mapping[str, Text]] = {}
    keys: dict[str, str] = {}
    for d in written:
        found = texts.get(id(d.key))
        if found is None:
            message = after.message(d.key)
            found = texts[id(d.key)] = message.texts_by_language() if message is not None else {}
        lang = keys.get(d.language)
        if lang is None:
            lang = keys[d.language] = language_key(d.language)
        text = found.get(lang)
        if text is None or text.msg != d.proposal.new:
            wrong.append(d)
    if wrong:
        raise ReadBackMismatch(wrong)


class ReadBackMismatch(ApiError):
    """The read-back does not show these units as written (a human edit after our write,
    or a server that changed the text)."""

    def __init__(self, wrong: list[Decision]) -> None:
        self.wrong = wrong
        super().__init__(
            f"read-back after the writes does not show {len(wrong)} unit(s) as written: "
            + ", ".join(f"{d.key} [{d.language}]" for d in wrong[:10])
        )


def _by_context(decisions: list[Decision]) -> dict[Context, dict[str, list[Decision]]]:
    out: dict[Context, dict[str, list[Decision]]] = {}
    for group in by_key_object(decisions):  # a Context hashed once per message, not per unit
        key = group[0].key
        out.setdefault(key.context, {}).setdefault(key.message, []).extend(group)
    return out


def _changes(by_message: dict[str, list[Decision]]) -> dict[str, dict[str, str]]:
    return {event_id: {d.language: d.proposal.new for d in ds} for event_id, ds in by_message.items()}


def _message(live: LiveView, context: Context, event_id: str) -> AutoMessage:
    message = live.contexts.get(context, {}).get(event_id)
    if message is None:  # the diff only plans updates for messages it saw live
        raise ApiError(f"{context}|{event_id}: no longer in the live data")
    return message


def _backup_document(
    run_id: str,
    account: str,
    flavour: str,
    plan: Plan,
    live: LiveView,
    changes: dict[Context, dict[str, dict[str, str]]],
) -> dict[str, Any]:
    objects = [
        backup_object(context, event_id, sorted(texts), texts, _message(live, context, event_id))
        for context, by_message in sorted(changes.items())
        for event_id, texts in by_message.items()
    ]
    return backup_document(run_id, account, flavour, plan.revision, objects)
