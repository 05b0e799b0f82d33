"""Plan → revision-checked writes, with a backup before and a read-back after.

1. The pre-image of every object to change goes into a backup file
   (``<state-dir>/backups/<run-id>.json``, mode 0600) and the journal, before
   the first write.
2. One PUT per context, the changed objects as an array, ``If-Match`` = the
   revision the diff was computed on (then the revision our own write
   returned). Each object sent is the live object with only the imported
   languages' ``msg``/``isDefault`` changed.
3. ``409``/``412``: re-fetch, re-decide the units not yet written (a unit
   changed live meanwhile becomes a conflict), retry — at most
   ``MAX_CONFLICT_RETRIES`` times, then stop with a clear error.
4. Read back once and confirm every written unit; a mismatch is an error.

A run killed anywhere can be re-run with the same files: what was written is
then a no-op, because ``new == live``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from .diff import UPDATE, Decision, LiveView, Plan, Proposal
from .errors import ApiError, RevisionConflict
from .lp.automessages import AutoMessagesApi
from .model import AutoMessage, Context
from .state import StateStore, now_utc

MAX_CONFLICT_RETRIES = 3

T = TypeVar("T")
Refetch = Callable[[], LiveView]
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


def write_private_json(path: Path, document: dict[str, Any]) -> None:
    """Write a JSON file readable by its owner only, atomically (backups, reports, error files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        # compact and through dumps(): an indent, or dump() to a file, makes json use its
        # pure-Python encoder, several times slower on the 30 MB backup of a large account
        # (jq or python -m json.tool pretty-print it)
        fh.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def apply_plan(
    plan: Plan,
    live_box: list[LiveView],
    api: AutoMessagesApi,
    state: StateStore,
    *,
    run_id: str,
    account: str,
    backup_dir: Path,
    refetch: Refetch,
    rediff: Rediff,
    kind: str = "import",
) -> ApplyResult:
    """Write the plan's updates; see the module docstring for the guarantees.

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
    changes = {ctx: _changes(decisions) for ctx, decisions in pending.items()}
    write_private_json(result.backup, _backup_document(run_id, account, api.flavour, plan, live, changes))
    state.start_run(
        run_id,
        account,
        kind,
        str(result.backup),
        [
            (ctx.key, _message(live, ctx, event_id).id, json.dumps(sorted(texts)))
            for ctx, by_message in changes.items()
            for event_id, texts in by_message.items()
        ],
    )

    def replan(view: LiveView, left: dict[Context, list[Decision]]) -> dict[Context, list[Decision]]:
        remaining = [d.proposal for ds in left.values() for d in ds]
        replanned = rediff(view, remaining)
        result.late.extend(d for d in replanned.decisions if d.outcome != UPDATE)
        return _by_context(replanned.updates)

    def objects_of(view: LiveView, context: Context, decisions: list[Decision]) -> list[AutoMessage]:
        return [
            _message(view, context, event_id).with_texts(changes)
            for event_id, changes in _changes(decisions).items()
        ]

    def written(context: Context, decisions: list[Decision], objects: list[AutoMessage]) -> None:
        state.mark_written(run_id, context.key, [o.id for o in objects])
        result.written.extend(decisions)

    try:
        writer: ContextWriter[list[Decision]] = ContextWriter(api, refetch)
        result.revision = writer.run(pending, live, objects_of, replan, written)
        result.conflict_retries, result.puts = writer.conflict_retries, writer.puts
        live = None  # the only reference left: free it before the read-back's copy arrives
        _read_back(refetch(), result.written)
    except BaseException:
        state.finish_run(run_id, "failed")
        raise
    state.record_written(
        account,
        run_id,
        ((str(d.key), d.language, d.src1 or d.proposal.src0, d.proposal.new) for d in result.written),
    )
    state.finish_run(run_id, "applied")
    return result


class ContextWriter(Generic[T]):
    """One PUT per context, ``If-Match`` the revision in hand; on 409/412 re-fetch,
    re-decide what is left, retry — at most ``MAX_CONFLICT_RETRIES`` times.

    ``pending`` maps each context to the work for it; ``objects_of`` turns that
    work into the whole objects to send, from a live view; ``replan`` decides
    the work left anew from a fresh view and what was left (it may only
    shrink it); ``written`` is told what each PUT wrote.
    """

    def __init__(self, api: AutoMessagesApi, refetch: Refetch) -> None:
        self.api = api
        self.refetch = refetch
        self.conflict_retries = 0
        self.puts = 0

    def run(
        self,
        pending: dict[Context, T],
        live: LiveView,
        objects_of: Callable[[LiveView, Context, T], list[AutoMessage]],
        replan: Callable[[LiveView, dict[Context, T]], dict[Context, T]],
        written: Callable[[Context, T, list[AutoMessage]], None],
    ) -> str:
        """Write everything; return the revision after the last write."""
        pending = dict(pending)
        revision = live.revision
        while pending:
            context = min(pending)
            objects = objects_of(live, context, pending[context])
            if not objects:
                del pending[context]
                continue
            try:
                self.puts += 1
                _, revision = self.api.update(context, objects, revision)
            except RevisionConflict:
                self.conflict_retries += 1
                if self.conflict_retries > MAX_CONFLICT_RETRIES:
                    raise ApiError(
                        f"gave up after {MAX_CONFLICT_RETRIES} retries: the account kept changing "
                        "between our read and our write (another writer is active); "
                        "nothing was overwritten, re-run later"
                    ) from None
                live = self.refetch()
                revision = live.revision
                pending = replan(live, pending)
                continue
            written(context, pending.pop(context), objects)
        return revision


def _read_back(after: LiveView, written: list[Decision]) -> None:
    wrong = []
    for d in written:
        message = after.message(d.key)
        text = message.text(d.language) if message is not None else None
        if text is None or text.msg != d.proposal.new:
            wrong.append(f"{d.key} [{d.language}]")
    if wrong:
        raise ApiError(
            f"read-back after the writes does not show {len(wrong)} unit(s) as written: "
            + ", ".join(wrong[:10])
        )


def _by_context(decisions: list[Decision]) -> dict[Context, list[Decision]]:
    out: dict[Context, list[Decision]] = {}
    for d in decisions:
        out.setdefault(d.key.context, []).append(d)
    return out


def _changes(decisions: list[Decision]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for d in decisions:
        out.setdefault(d.key.message, {})[d.language] = d.proposal.new
    return out


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
    objects = []
    for context, by_message in sorted(changes.items()):
        for event_id, texts in by_message.items():
            objects.append(
                {
                    "context": context.key,
                    "messageEventId": event_id,
                    "languages": sorted(texts),
                    "written": texts,
                    "pre": dict(_message(live, context, event_id).raw),
                }
            )
    return {
        "format": "automsg-sync backup 1",
        "run_id": run_id,
        "account": account,
        "api": flavour,
        "revision": plan.revision,
        "created_at": now_utc(),
        "objects": objects,
    }
