"""``restore BACKUP``: put the pre-images of an apply back, revision-checked and three-way.

For each (object, language) the backup says what the apply wrote and holds
the object as it was before. Compared with the live data:

- live entry equal to the pre-image's → ``noop`` (already as before);
- live text equal to what the apply wrote → ``restore``: the language's
  whole entry goes back exactly as it was (``msg``, ``isDefault``, any other
  key), or is removed if the apply had added it; nothing else in the object
  changes;
- anything else → ``conflict``: somebody changed it after the apply; it is
  reported, never overwritten;
- object gone live → ``gone``;
- not what the run wrote → ``refused`` (below).

**Only what the run wrote goes back** (issue #24). A backup is a file anyone with
access to the state folder can edit, so it is checked against the run's journal in
the state store before anything is decided: an object the journal does not list for
that run, or a language it does not list for that object (the source language is
never one), is refused by name. Of a language's entry only the fields an apply
writes go back, ``msg`` and ``isDefault``; any other field of the backup's entry
that differs from the live one is named and left as it is live. The text to put back
passes the same QA errors as an import (placeholders of the live source, the
channel's rules, control characters, unsafe HTML); a text that fails is refused
with the finding. A backup whose run is not in this state store is refused whole.

A restore is itself a write: it backs up what it changes first, so it can be
restored in turn. Dry run unless ``apply``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .backups import backup_document, backup_object, load_backup
from .diff import LiveView
from .errors import AutomsgError, ConfigError, FormatError
from .files import write_private_json
from .lp import Connection
from .lp.automessages import LEGACY, UNIFIED, AutoMessagesApi
from .model import AutoMessage, Context, UnitKey, language_key
from .qa import ERROR, QAContext, check_translation
from .state import StateStore, new_id
from .writer import ContextWriter, read_live

RESTORE, NOOP, CONFLICT, GONE, REFUSED = "restore", "noop", "conflict", "gone", "refused"
RESTORABLE = ("msg", "isDefault")  # the fields of a language's entry an apply writes (AutoMessage.with_texts)


@dataclass(frozen=True)
class RestoreItem:
    context: Context
    message_event_id: str
    language: str
    written: str | None  # what the apply wrote (None: it removed the entry)
    pre: dict[str, Any] | None  # the entry before the apply (None: there was none)
    outcome: str = ""
    live: str | None = None
    why: str = ""  # a refusal's reason, in words


@dataclass
class RestoreReport:
    run_id: str
    backup: str
    account: str
    dry_run: bool
    items: list[RestoreItem] = field(default_factory=list)
    written: list[RestoreItem] = field(default_factory=list)
    own_backup: str | None = None
    requests: int = 0
    error: str | None = None  # a write failed: ``written`` holds what was put back before it
    ignored_fields: list[str] = field(default_factory=list)  # backup fields no apply writes: left as live

    def by_outcome(self, outcome: str) -> list[RestoreItem]:
        return [i for i in self.items if i.outcome == outcome]

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return 1
        return 3 if self.by_outcome(CONFLICT) or self.by_outcome(GONE) or self.by_outcome(REFUSED) else 0


def _items(path: Path, document: dict[str, Any]) -> list[RestoreItem]:
    items = []
    try:
        for obj in document["objects"]:
            context = Context.parse(obj["context"])
            pre = AutoMessage(obj["pre"])
            for lang in obj["languages"]:
                items.append(
                    RestoreItem(
                        context, obj["messageEventId"], lang, obj["written"][lang], _entry(pre.raw, lang)
                    )
                )
    except (KeyError, TypeError, ValueError) as exc:
        raise FormatError(path, None, f"malformed backup: {exc}") from None
    return items


def _entry(raw: Any, lang: str) -> dict[str, Any] | None:
    for entry in raw.get("data") or []:
        if isinstance(entry, dict) and language_key(str(entry.get("lang", ""))) == language_key(lang):
            return dict(entry)
    return None


def decide(item: RestoreItem, live: LiveView) -> RestoreItem:
    message = live.message(UnitKey(item.context, item.message_event_id))
    if message is None or message.deleted:
        return _with(item, GONE, None)
    entry = _entry(message.raw, item.language)
    live_text = entry.get("msg") if entry is not None else None
    if _restorable(entry) == _restorable(item.pre):
        return _with(item, NOOP, live_text)
    if live_text == item.written:
        return _with(item, RESTORE, live_text)
    return _with(item, CONFLICT, live_text)


def _restorable(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if entry is None else {k: entry[k] for k in RESTORABLE if k in entry}


def restored(message: AutoMessage, items: list[RestoreItem]) -> AutoMessage:
    """The live object with the items' language entries put back as they were: their
    :data:`RESTORABLE` fields (an entry the apply added is removed); every other
    field stays as it is live."""
    raw = copy.deepcopy(dict(message.raw))
    data = raw.setdefault("data", [])
    for item in items:
        index = next(
            (
                i
                for i, e in enumerate(data)
                if isinstance(e, dict) and language_key(str(e.get("lang", ""))) == language_key(item.language)
            ),
            None,
        )
        back = _restorable(item.pre)
        if back is None:
            if index is not None:
                del data[index]
        elif index is None:
            data.append({"lang": item.pre["lang"] if item.pre else item.language, **back})
        else:
            data[index] = {**data[index], **back}
    return AutoMessage(raw)


def _vetted(
    items: list[RestoreItem],
    journal: dict[tuple[str, str], set[str]],
    run_id: str,
    live: LiveView,
    source_language: str,
    backup_path: Path,
    api: str | None = None,
) -> tuple[list[RestoreItem], list[str]]:
    """The backup's items checked against what the run's journal says it wrote and
    against QA; the refused ones get outcome ``refused`` and a reason. Also returns the
    entry fields the backup holds that no apply writes (named, never written)."""
    out: list[RestoreItem] = []
    ignored: list[str] = []
    for item in items:
        where = f"{item.context.key}|{item.message_event_id} {item.language}"
        message = live.message(UnitKey(item.context, item.message_event_id))
        # an apply's journal names the object by its id, a restore's by its messageEventId
        languages = journal.get((item.context.key, item.message_event_id))
        if languages is None and message is not None:
            languages = journal.get((item.context.key, message.id))
        why = ""
        if languages is None:
            why = f"run {run_id} wrote nothing to {item.context.key}|{item.message_event_id}"
        elif language_key(item.language) not in languages:
            why = f"run {run_id} did not write {item.language} of this message"
        elif item.pre is not None:
            text = item.pre.get("msg")
            if not isinstance(text, str):
                why = "the backup's entry has no text"
            else:
                why = _qa_refusal(item, text, message, source_language, backup_path, api)
            entry = _entry(message.raw, item.language) if message is not None else None
            for name, value in item.pre.items():
                if name not in RESTORABLE and name != "lang" and (entry is None or entry.get(name) != value):
                    ignored.append(f"{where}: field {name!r} is not one an apply writes: left as it is live")
        out.append(_with(item, REFUSED, None, why) if why else item)
    return out, ignored


def _qa_refusal(
    item: RestoreItem,
    text: str,
    message: AutoMessage | None,
    source_language: str,
    backup_path: Path,
    api: str | None = None,
) -> str:
    """The QA errors of a text to put back, in words ("" if none)."""
    source = message.text(source_language) if message is not None else None
    ctx = QAContext(
        str(backup_path),
        None,
        f"{item.context.key}|{item.message_event_id}",
        item.language,
        item.message_event_id,
        api=api,
    )
    errors = [
        f.message for f in check_translation(source.msg if source else text, text, ctx) if f.severity == ERROR
    ]
    return "QA: " + "; ".join(errors) if errors else ""


def restore_backup(
    conn: Connection,
    account: str,
    backup_path: Path,
    state: StateStore,
    backup_dir: Path,
    *,
    apply: bool = False,
    put_override: bool = False,
    source_language: str = "en-US",
    document: dict[str, Any] | None = None,
) -> RestoreReport:
    """Decide per object and language what a backup puts back and, with ``apply``, write it.

    The steps: the backup read and checked against the run's journal
    (:func:`_checked_backup`); one read of the account; each item vetted
    (:func:`_vetted`) and decided (:func:`decide`); with ``apply``, the writes
    (:func:`_put_back`). ``document``: the backup as the caller already read it
    (:func:`load_backup`), else it is read from ``backup_path``.
    """
    document, flavour, run_id, journal = _checked_backup(backup_path, account, state, document)
    report = RestoreReport(new_id(account), str(backup_path), account, dry_run=not apply)
    api = AutoMessagesApi(conn, flavour, writable=True, put_override=put_override)
    live = read_live(api)
    vetted, report.ignored_fields = _vetted(
        _items(backup_path, document), journal, run_id, live, source_language, backup_path, flavour
    )
    report.items = [i if i.outcome == REFUSED else decide(i, live) for i in vetted]
    todo = _by_context(report.by_outcome(RESTORE))
    if apply and todo:
        _put_back(report, todo, live, api, state, backup_dir)
    report.requests = conn.http.requests_sent
    return report


def _checked_backup(
    backup_path: Path, account: str, state: StateStore, document: dict[str, Any] | None
) -> tuple[dict[str, Any], str, str, dict[tuple[str, str], set[str]]]:
    """The backup, the API that wrote it, its run and what the run's journal says it
    wrote; a backup of another account, an unknown API or a run not in the journal is
    refused whole."""
    if document is None:
        document = load_backup(backup_path)
    if str(document.get("account")) != account:  # a usage error: --account names another account
        raise ConfigError(
            f"{backup_path}: the backup is for account {document.get('account')}, not {account} "
            "(--account); leave --account out to restore into the backup's account"
        )
    # the backup's objects are in the shape of the API that wrote them: restore through that one
    flavour = str(document.get("api", LEGACY))
    if flavour not in (UNIFIED, LEGACY):
        raise FormatError(backup_path, None, f"the backup names an unknown API {flavour!r}")
    run_id = str(document.get("run_id") or "")
    journal = state.journal_languages(run_id, account)
    if not journal:
        raise FormatError(
            backup_path,
            None,
            f"its run {run_id or '(none named)'} is not in the journal of the state store {state.path}: "
            "a restore puts back only what a run recorded there wrote (pass the --config or --state-dir "
            "of the machine that ran it)",
        )
    return document, flavour, run_id, journal


def _put_back(
    report: RestoreReport,
    todo: dict[Context, dict[str, list[RestoreItem]]],
    live: LiveView,
    api: AutoMessagesApi,
    state: StateStore,
    backup_dir: Path,
) -> None:
    """The restore's own backup and journal, then the writes (:class:`ContextWriter`);
    a write that fails after others went through is the report's error, in words."""
    report.own_backup = str(backup_dir / f"{report.run_id}.json")
    write_private_json(Path(report.own_backup), _own_backup(report, api.flavour, live, todo))
    state.start_run(
        report.run_id,
        report.account,
        "restore",
        report.own_backup,
        [(c.key, e, [i.language for i in its]) for c, by in todo.items() for e, its in by.items()],
    )

    def object_of(
        view: LiveView, context: Context, event_id: str, items: list[RestoreItem]
    ) -> AutoMessage | None:
        message = view.message(UnitKey(context, event_id))
        return restored(message, items) if message is not None else None

    def replan(
        view: LiveView, left: dict[Context, dict[str, list[RestoreItem]]]
    ) -> dict[Context, dict[str, list[RestoreItem]]]:
        again = [decide(i, view) for by in left.values() for its in by.values() for i in its]
        retried = _flatten(left)
        report.items = [i for i in report.items if i not in retried] + again
        return _by_context([i for i in again if i.outcome == RESTORE])

    def written(context: Context, done: list[tuple[str, list[RestoreItem], AutoMessage]]) -> None:
        state.mark_written(report.run_id, context.key, [event_id for event_id, _, _ in done])
        for _, items, _ in done:
            report.written += items

    writer: ContextWriter[list[RestoreItem]] = ContextWriter(api)
    try:
        writer.run(todo, live, object_of, replan, written)
    except AutomsgError as exc:  # what was put back before it stays put back, and is said
        unknown = writer.units_in_flight
        maybe = (
            f", and {unknown} more were in the write that failed (sent, never answered: they may have been)"
            if unknown
            else ""
        )
        report.error = (
            f"{exc} — {len(report.written)} text(s) were put back before it{maybe} "
            f"(this restore's own backup: {report.own_backup}); run the same restore again to finish"
        )
        state.finish_run(report.run_id, "partial")
    except BaseException:
        state.finish_run(report.run_id, "failed")
        raise
    else:
        state.finish_run(report.run_id, "applied")


def _by_context(items: list[RestoreItem]) -> dict[Context, dict[str, list[RestoreItem]]]:
    out: dict[Context, dict[str, list[RestoreItem]]] = {}
    for item in items:
        out.setdefault(item.context, {}).setdefault(item.message_event_id, []).append(item)
    return out


def _flatten(by_context: dict[Context, dict[str, list[RestoreItem]]]) -> list[RestoreItem]:
    return [i for by in by_context.values() for its in by.values() for i in its]


def _with(item: RestoreItem, outcome: str, live: str | None, why: str = "") -> RestoreItem:
    return RestoreItem(
        item.context, item.message_event_id, item.language, item.written, item.pre, outcome, live, why
    )


def _own_backup(
    report: RestoreReport, flavour: str, live: LiveView, todo: dict[Context, dict[str, list[RestoreItem]]]
) -> dict[str, Any]:
    objects = []
    for context, by in sorted(todo.items()):
        for event_id, items in by.items():
            message = live.message(UnitKey(context, event_id))
            assert message is not None
            written = {i.language: i.pre.get("msg") if i.pre else None for i in items}
            objects.append(backup_object(context, event_id, [i.language for i in items], written, message))
    return backup_document(
        report.run_id, report.account, flavour, live.revision, objects, restores=report.backup
    )
