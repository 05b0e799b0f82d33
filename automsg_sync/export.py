"""``export-for-translation``: live messages → translator files + a baseline.

Request budget: the Domain API and login, then the account's snapshot
(:func:`automsg_sync.snapshot.fetch_snapshot`: one skills call, one
``view=BY_CONTEXT`` list call for every context at once and, on the Unified API,
one call for LivePerson's stock texts) — never one call per message or per context.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .catalog import Count, account_languages, build_units, channel_of, dedupe, prefill
from .config import DEFAULT_FORMATS, FORMATS, AccountSettings
from .errors import ApiError, ConfigError
from .formats import EXTENSIONS, FILE_MODE
from .formats.tmx import memory_units
from .languages import chat_language_warning, check_language, check_languages
from .lp import Connection
from .model import (
    UNIT_STATES,
    AutoMessage,
    Context,
    FileMeta,
    Unit,
    language_key,
    normalise_language,
    tag_problem,
)
from .outbox import FileJob, Outbox, Progress, put_in_place, write_and_record
from .snapshot import Snapshot, fetch_snapshot, select_skills
from .state import StateStore, new_id


@dataclass(frozen=True)
class ExportRequest:
    """What to export. ``languages``/``skills`` None: from the config, else everything."""

    out_dir: Path
    formats: Sequence[str] = DEFAULT_FORMATS
    languages: Sequence[str] | None = None
    skills: Sequence[str] | None = None
    only: frozenset[str] = frozenset(UNIT_STATES)
    source_language: str | None = None
    max_length: int | None = None
    unless_unchanged: bool = False  # write nothing when the units equal the last export's
    export_id: str | None = None  # a fixed id (reproducible fixtures); default: a new one
    dedupe: bool | None = None  # one entry per identical text (None: the account's config)
    prefill: bool | None = None  # missing units pre-filled from other contexts (None: the config)
    file_mode: int = FILE_MODE  # the outbox files' mode ([paths] outbox_mode)
    keep_units: bool = False  # the result holds the units (git mode writes its own files from them)


@dataclass(frozen=True)
class LanguageSummary:
    language: str
    states: dict[str, int]  # units by state, before --only
    exported: int  # units in the baseline
    files: list[Path] = field(default_factory=list)
    entries: int = 0  # entries in each file (fewer than units with --dedupe)
    counts: dict[str, Count] = field(default_factory=dict)  # see catalog.word_counts

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "states": self.states,
            "units": self.exported,
            "entries": self.entries,
            "files": [str(f) for f in self.files],
            "counts": {name: asdict(count) for name, count in self.counts.items()},
        }


@dataclass(frozen=True)
class ExportResult:
    export_id: str
    account: str
    revision: str
    languages: list[LanguageSummary]
    requests: int
    unchanged: bool = False
    api: str = ""
    notices: list[str] = field(default_factory=list)  # how the account was read, one line each
    units: list[Unit] = field(default_factory=list, repr=False)  # with ExportRequest.keep_units
    source_language: str = ""

    @property
    def files(self) -> list[Path]:
        return [f for lang in self.languages for f in lang.files]

    def totals(self) -> dict[str, Count]:
        """Every language's word counts added up (empty when no file was written)."""
        total: dict[str, Count] = {}
        for lang in self.languages:
            for name, count in lang.counts.items():
                total[name] = total.get(name, Count()) + count
        return total

    def to_json(self) -> dict[str, Any]:
        """The summary for machines (``export-for-translation --json``)."""
        return {
            "export_id": self.export_id,
            "account": self.account,
            "revision": self.revision,
            "unchanged": self.unchanged,
            "api": self.api,
            "notices": self.notices,
            "requests": self.requests,
            "languages": [lang.to_json() for lang in self.languages],
            "total": {name: asdict(count) for name, count in self.totals().items()},
        }


def export_for_translation(
    conn: Connection,
    account: AccountSettings,
    request: ExportRequest,
    state: StateStore,
    progress: Progress | None = None,
    snapshot: Snapshot | None = None,
) -> ExportResult:
    """Pull the live messages, write one file per language and format, record the baseline.

    The steps: check the request; read the account (or take the caller's
    ``snapshot``); build the units; with ``unless_unchanged`` (cron), stop when no
    language changed; choose each language's files (:func:`_files_to_write`);
    write them aside while the baseline is recorded
    (:func:`automsg_sync.outbox.write_and_record`); only then put them in place
    (:func:`automsg_sync.outbox.put_in_place`).
    """
    source_language = _checked_request(request, account)
    snapshot = _with_revision(snapshot or fetch_snapshot(conn, account))
    notices = snapshot.notices()
    contexts = select_skills(snapshot.contexts, request.skills or account.skills, snapshot.skills, notices)
    languages = _languages(request.languages or account.languages, contexts, source_language, notices)
    skill_names = {sid: f"{s.name} (deleted)" if s.deleted else s.name for sid, s in snapshot.skills.items()}
    origins = state.origins(account.id)
    units = build_units(
        contexts,
        skill_names,
        source_language,
        languages,
        origins,
        request.max_length,
        snapshot.shared,
        api=snapshot.api,
        stock=snapshot.stock,
    )
    notices += _chat_language_warnings(contexts, languages, source_language, snapshot.api)
    export_id = request.export_id or new_id(account.id)
    # cron: only languages whose units changed since their file was last written
    changed = _changed_languages(state, account.id, units, request.only) if request.unless_unchanged else None
    if changed is not None and not any(language_key(lang) in changed for lang in languages):
        state.set_checked_revision(account.id, snapshot.revision)
        return ExportResult(
            export_id,
            account.id,
            snapshot.revision,
            [],
            conn.http.requests_sent,
            unchanged=True,
            api=snapshot.api,
            notices=notices,
        )
    meta = FileMeta(account.id, "", export_id, snapshot.revision, source_language)  # each file: its language
    outbox, summaries = _files_to_write(
        request, account, meta, snapshot.api, units, languages, changed, skill_names
    )
    counts = write_and_record(outbox, state, meta, snapshot, units, origins, contexts, progress)
    put_in_place(outbox)
    state.set_checked_revision(account.id, snapshot.revision)
    return ExportResult(
        export_id,
        account.id,
        snapshot.revision,
        [replace(s, counts=counts.get(s.language, {})) for s in summaries],
        conn.http.requests_sent,
        api=snapshot.api,
        notices=notices + _nothing_to_send(units, outbox.exported, request.only, source_language),
        units=units if request.keep_units else [],
        source_language=source_language,
    )


def _checked_request(request: ExportRequest, account: AccountSettings) -> str:
    """The request's formats and states checked; returns the source language."""
    for fmt in request.formats:
        if fmt not in FORMATS:
            raise ConfigError(f"unknown format {fmt!r} (expected {' or '.join(FORMATS)})")
    unknown = set(request.only) - set(UNIT_STATES)
    if unknown:
        raise ConfigError(f"--only: unknown state {sorted(unknown)[0]!r} ({', '.join(UNIT_STATES)})")
    if request.source_language:
        return check_language(request.source_language, "--source-language")
    return normalise_language(account.source_language)  # the config's: checked when it was read


def _with_revision(snapshot: Snapshot | None) -> Snapshot:
    """The snapshot, if it carries a revision: files without one could never be imported
    safely, so an answer without one is refused before any file is written."""
    assert snapshot is not None
    if not snapshot.revision:
        raise ApiError(
            f"the {snapshot.api} API answered without a revision (neither ac-revision nor ETag): "
            "an export needs one, because the import's writes are checked against it; nothing was written"
        )
    return snapshot


def _files_to_write(
    request: ExportRequest,
    account: AccountSettings,
    meta: FileMeta,
    api: str,
    units: list[Unit],
    languages: list[str],
    changed: set[str] | None,
    skill_names: dict[str, str],
) -> tuple[Outbox, list[LanguageSummary]]:
    """Each language's units picked by state, ``--prefill`` and ``--dedupe`` for what its
    files show (the baseline keeps the live units), and the files to write or remove."""
    dedupe_on = account.dedupe if request.dedupe is None else request.dedupe
    prefill_on = account.prefill if request.prefill is None else request.prefill
    by_language = _by_language(units)
    # what the files show: with --prefill, pre-filled targets; the baseline keeps the live units
    shown_by_language = _by_language(prefill(units)) if prefill_on else by_language
    base = request.out_dir / account.id
    # files are written aside and take their place only once the baseline is committed
    out = Outbox(base / f".{meta.export_id}.partial")
    summaries = []
    for lang in languages:
        if changed is not None and language_key(lang) not in changed:
            continue  # its file, if any, is still what it was written from: vendors get no copy
        lang_units = by_language.get(language_key(lang), [])
        selected = [u for u in lang_units if u.state in request.only]
        states = Counter(u.state for u in lang_units)
        on_file = selected
        if prefill_on:  # pre-filling keeps each unit's state
            on_file = [u for u in shown_by_language.get(language_key(lang), []) if u.state in request.only]
        entries = dedupe(on_file, api) if dedupe_on else on_file
        files: list[Path] = []
        if not selected:
            # A file left from an earlier export would ask for work that is done.
            # Its baseline stays in the state store: a copy already handed out still imports.
            out.removed += [base / f"{lang}{ext}" for ext in EXTENSIONS.values()]
        else:
            files = [base / f"{lang}{EXTENSIONS[fmt]}" for fmt in FORMATS if fmt in request.formats]
            aside = [out.stage / f.name for f in files]
            out.placed += zip(aside, files, strict=True)
            memory = memory_units(lang_units) if "tmx" in request.formats else []
            out.jobs.append(
                FileJob(
                    replace(meta, language=lang),
                    on_file,
                    entries,
                    aside,
                    skill_names,
                    request.file_mode,
                    memory,
                )
            )
            out.exported += selected
            out.groups += [(lang, str(m), str(e.key)) for e in entries for m in e.also]
        summaries.append(
            LanguageSummary(
                lang, {s: states.get(s, 0) for s in UNIT_STATES}, len(selected), files, len(entries)
            )
        )
    return out, summaries


def _by_language(units: list[Unit]) -> dict[str, list[Unit]]:
    out: dict[str, list[Unit]] = {}
    for unit in units:
        out.setdefault(language_key(unit.language), []).append(unit)
    return out


def _nothing_to_send(
    units: list[Unit], exported: list[Unit], only: frozenset[str], source_language: str
) -> list[str]:
    """Why an export wrote no file, in one line (none when it wrote some)."""
    if exported:
        return []
    if not units:
        return [
            f"nothing to send: no message has text in the source language {source_language} "
            "(is --source-language right?)"
        ]
    states = Counter(u.state for u in units)
    found = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    wanted = ", ".join(state for state in UNIT_STATES if state in only)
    return [f"nothing to send: no unit is {wanted} (the {len(units)} units are: {found})"]


def _changed_languages(state: StateStore, account: str, units: list[Unit], only: frozenset[str]) -> set[str]:
    """Language keys whose units (in the ``only`` states) differ from those their
    file was last written from; a language with none now and none then is unchanged."""
    last = state.last_exported_units(account)
    now: dict[str, dict[str, tuple[str, str, str]]] = {}
    for u in units:
        if u.state in only:
            now.setdefault(language_key(u.language), {})[str(u.key)] = (u.source, u.target, u.state)
    return {lang for lang in set(now) | set(last) if now.get(lang, {}) != last.get(lang, {})}


def _chat_language_warnings(
    contexts: Mapping[Context, list[AutoMessage]], languages: Sequence[str], source_language: str, api: str
) -> list[str]:
    """A line per target language the Knowledge Center does not list for chat, when the
    export holds chat messages (:func:`languages.chat_language_warning`)."""
    for messages in contexts.values():
        for message in messages:
            source = message.text(source_language)
            if source is not None and channel_of(message.message_event_id, source.msg, api) == "chat":
                return [w for lang in languages if (w := chat_language_warning(lang)) is not None]
    return []


def _languages(
    wanted: Sequence[str] | None,
    contexts: dict[Context, list[AutoMessage]],
    source_language: str,
    notes: list[str] | None = None,
) -> list[str]:
    """The target languages: those asked for, else every one the account holds; never the source.

    A language asked for that LivePerson does not offer (and the account does not
    hold) is a ConfigError; one the account has no text in yet adds a line to ``notes``.
    """
    if wanted:
        source = language_key(source_language)
        targets = [x for x in wanted if language_key(x) != source]
        langs, warnings = check_languages(targets, account_languages(contexts))
        if notes is not None:
            notes.extend(warnings)
    else:
        langs = account_languages(contexts)
    out = []
    for lang in langs:
        # a language is part of a file name: only a BCP 47 tag in its conventional case gets one
        if tag_problem(lang) is not None or normalise_language(lang) != lang:
            raise ApiError(f"language {lang!r} cannot name a file; nothing was written")
        if language_key(lang) != language_key(source_language) and lang not in out:
            out.append(lang)
    return out
