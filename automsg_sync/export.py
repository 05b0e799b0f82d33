"""``export-for-translation``: live messages → translator files + a baseline.

Request budget: the Domain API and login, then one skills call, one
``view=BY_CONTEXT`` list call for every context at once and, on the Unified API,
one call for LivePerson's stock texts — never one call per message or per context.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import jsonio
from .catalog import Count, Origin, account_languages, build_units, channel_of, dedupe, prefill, word_counts
from .config import DEFAULT_FORMATS, FORMATS, AccountSettings
from .errors import ApiError, ConfigError
from .formats import EXTENSIONS, FILE_MODE, write_translation_file
from .formats.po import fuzzy_in_po
from .formats.tmx import memory_units
from .languages import chat_language_warning, check_language, check_languages
from .lp import Connection
from .lp.automessages import UNIFIED, AutoMessagesApi
from .lp.skills import Skill, list_skills
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
from .state import StateStore
from .workers import process_pool, worker_count

log = logging.getLogger("automsg_sync.export")
Progress = Callable[[str, int, int], None]  # (language, done, total)


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


def new_export_id(account: str) -> str:
    """``<account>-<UTC time>-<random>``: sortable, unique, readable in a file header."""
    return f"{account}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def export_for_translation(
    conn: Connection,
    account: AccountSettings,
    request: ExportRequest,
    state: StateStore,
    progress: Progress | None = None,
    snapshot: Snapshot | None = None,
) -> ExportResult:
    """Pull the live messages, write one file per language and format, record the baseline."""
    for fmt in request.formats:
        if fmt not in FORMATS:
            raise ConfigError(f"unknown format {fmt!r} (expected {' or '.join(FORMATS)})")
    unknown = set(request.only) - set(UNIT_STATES)
    if unknown:
        raise ConfigError(f"--only: unknown state {sorted(unknown)[0]!r} ({', '.join(UNIT_STATES)})")
    source_language = (
        check_language(request.source_language, "--source-language")
        if request.source_language
        else normalise_language(account.source_language)  # the config's: checked when it was read
    )
    snapshot = snapshot or fetch_snapshot(conn, account)
    assert snapshot is not None
    if not snapshot.revision:
        # files without a revision could never be imported safely: refuse before writing any
        raise ApiError(
            f"the {snapshot.api} API answered without a revision (neither ac-revision nor ETag): "
            "an export needs one, because the import's writes are checked against it; nothing was written"
        )
    skills = snapshot.skills
    notices = snapshot.notices()
    contexts = select_skills(snapshot.contexts, request.skills or account.skills, skills, notices)
    languages = _languages(request.languages or account.languages, contexts, source_language, notices)
    skill_names = {sid: f"{s.name} (deleted)" if s.deleted else s.name for sid, s in skills.items()}
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
    dedupe_on = account.dedupe if request.dedupe is None else request.dedupe
    prefill_on = account.prefill if request.prefill is None else request.prefill
    export_id = request.export_id or new_export_id(account.id)
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
    summaries = []
    exported: list[Unit] = []
    by_language = _by_language(units)
    # what the files show: with --prefill, pre-filled targets; the baseline keeps the live units
    shown_by_language = _by_language(prefill(units)) if prefill_on else by_language
    groups: list[tuple[str, str, str]] = []  # (language, member key, entry key) of --dedupe
    jobs: list[_FileJob] = []
    base = request.out_dir / account.id
    # files are written aside and take their place only once the baseline is committed
    stage = base / f".{export_id}.partial"
    placed: list[tuple[Path, Path]] = []  # (written aside, its place)
    removed: list[Path] = []  # files of languages with nothing left to translate
    for lang in languages:
        if changed is not None and language_key(lang) not in changed:
            continue  # its file, if any, is still what it was written from: vendors get no copy
        lang_units = by_language.get(language_key(lang), [])
        selected = [u for u in lang_units if u.state in request.only]
        states = Counter(u.state for u in lang_units)
        on_file = selected
        if prefill_on:  # pre-filling keeps each unit's state
            on_file = [u for u in shown_by_language.get(language_key(lang), []) if u.state in request.only]
        entries = dedupe(on_file, snapshot.api) if dedupe_on else on_file
        files: list[Path] = []
        if not selected:
            # A file left from an earlier export would ask for work that is done.
            # Its baseline stays in the state store: a copy already handed out still imports.
            removed += [base / f"{lang}{ext}" for ext in EXTENSIONS.values()]
        else:
            files = [base / f"{lang}{EXTENSIONS[fmt]}" for fmt in FORMATS if fmt in request.formats]
            aside = [stage / f.name for f in files]
            placed += zip(aside, files, strict=True)
            meta = FileMeta(account.id, lang, export_id, snapshot.revision, source_language)
            memory = memory_units(lang_units) if "tmx" in request.formats else []
            jobs.append(_FileJob(meta, on_file, entries, aside, skill_names, request.file_mode, memory))
            exported += selected
            groups += [(lang, str(m), str(e.key)) for e in entries for m in e.also]
        summaries.append(
            LanguageSummary(
                lang, {s: states.get(s, 0) for s in UNIT_STATES}, len(selected), files, len(entries)
            )
        )
    by_address = {(c.key, m.id): m for c, ms in contexts.items() for m in ms}
    one_a_message = {id(u.key): u for u in exported}.values()  # a message's units share one key object
    wanted = sorted({(u.key.context.key, u.message_id) for u in one_a_message})
    word_counts_of: dict[str, dict[str, Count]] = {}
    try:
        if jobs:
            stage.mkdir(parents=True, exist_ok=True)
        with _writing(jobs, len(exported)) as written:

            def files_written() -> None:
                for done, (lang, counts) in enumerate(written, start=1):
                    word_counts_of[lang] = counts
                    if progress:
                        progress(lang, done, len(jobs))

            # the baseline is recorded while the files are written, and committed once they are
            state.record_export(
                export_id=export_id,
                account=account.id,
                revision=snapshot.revision,
                source_language=source_language,
                api=snapshot.api,
                exported=exported,
                new_targets=[u for u in units if _new_target(u, origins)],
                objects=((c, m, jsonio.dumps_text(by_address[c, m].raw)) for c, m in wanted),  # one at a time
                groups=groups,
                before_commit=files_written,
            )
    except BaseException:
        # interrupted, killed by an error, out of disk: nothing was recorded, so nothing
        # written aside may take a place; what the outbox held is untouched
        shutil.rmtree(stage, ignore_errors=True)
        raise
    # recorded: every file is importable from here on, and replaces what its place held
    for written_aside, place in placed:
        os.replace(written_aside, place)
    for path in removed:
        path.unlink(missing_ok=True)
    shutil.rmtree(stage, ignore_errors=True)
    state.set_checked_revision(account.id, snapshot.revision)
    summaries = [replace(s, counts=word_counts_of.get(s.language, {})) for s in summaries]
    return ExportResult(
        export_id,
        account.id,
        snapshot.revision,
        summaries,
        conn.http.requests_sent,
        api=snapshot.api,
        notices=notices + _nothing_to_send(units, exported, request.only, source_language),
        units=units if request.keep_units else [],
        source_language=source_language,
    )


@dataclass(frozen=True)
class _FileJob:
    """One language's files to write, and its word counts (``units`` as exported,
    ``entries`` as written: fewer with --dedupe)."""

    meta: FileMeta
    units: list[Unit]
    entries: list[Unit]
    files: list[Path]
    skill_names: dict[str, str]
    mode: int = FILE_MODE

    memory: list[Unit] = field(default_factory=list)  # the language's units, for a TMX (formats.tmx)

    def run(self) -> tuple[str, dict[str, Count]]:
        for path in self.files:
            units = self.memory if path.suffix == ".tmx" else self.entries
            write_translation_file(path, self.meta, units, self.skill_names, mode=self.mode)
        return self.meta.language, word_counts(self.units, self.entries, fuzzy_in_po)


POOL_MIN_UNITS = 20_000  # below this, starting worker processes costs more than it saves
_jobs: list[_FileJob] = []  # handed to forked workers by inheritance, not by pickling


@contextmanager
def _writing(jobs: list[_FileJob], units: int) -> Iterator[Iterator[tuple[str, dict[str, Count]]]]:
    """Write every job's files; the iterator yields each language (and its word counts) as it is done.

    Writing is per language and CPU-bound (XLSX above all: ~0.03 ms
    a row), so a large export writes in worker processes started on entry,
    while this process records the baseline in the state store. That keeps one
    core busy, so the pool has one worker per core less one; when this process
    is done with the state store and starts iterating, it takes the jobs no
    worker has started yet, from the far end of the list (``_take_back``). One
    worker fewer also means one copy fewer of the pages a worker touches: a
    300,000-unit PO export on 2 cores peaked at 540–616 MB with two workers and
    404 MB with one, and was faster (6.4 s against 6.8 s).

    The workers are forked after the units are built and find them in
    ``_jobs``: nothing is pickled but the job's index and, back, its language.
    A failure (a text gettext cannot hold) is raised by the iterator, wherever
    the job ran, before the baseline is committed.
    """
    if worker_count(len(jobs)) < 2 or units < POOL_MIN_UNITS:
        yield (job.run() for job in jobs)
        return
    _jobs[:] = jobs
    try:
        with process_pool(worker_count(len(jobs)) - 1) as pool:
            futures = [pool.submit(_run_job, index) for index in range(len(jobs))]
            yield _take_back(jobs, futures)
    finally:
        _jobs.clear()


def _take_back(
    jobs: list[_FileJob], futures: list[Future[tuple[str, dict[str, Count]]]]
) -> Iterator[tuple[str, dict[str, Count]]]:
    """This process writes the last jobs itself while it can cancel them; then waits for the rest."""
    pending = list(zip(jobs, futures, strict=True))
    while pending and pending[-1][1].cancel():
        yield pending.pop()[0].run()
    for _job, future in pending:
        yield future.result()


def _run_job(index: int) -> tuple[str, dict[str, Count]]:
    return _jobs[index].run()


def _by_language(units: list[Unit]) -> dict[str, list[Unit]]:
    out: dict[str, list[Unit]] = {}
    for unit in units:
        out.setdefault(language_key(unit.language), []).append(unit)
    return out


def _new_target(unit: Unit, origins: Mapping[tuple[str, str], Origin]) -> bool:
    if unit.state not in ("translated", "stale"):
        return False
    origin = origins.get((str(unit.key), language_key(unit.language)))
    return origin is None or origin.target != unit.target


@dataclass(frozen=True)
class Snapshot:
    """The account as one export sees it: every context's messages, the skills, the
    revision, the API read, and the objects several contexts share (home context and
    messageEventId → the other contexts)."""

    contexts: dict[Context, list[AutoMessage]]
    skills: dict[str, Skill]
    revision: str
    api: str = UNIFIED
    shared: dict[tuple[Context, str], tuple[Context, ...]] = field(default_factory=dict)
    contexts_proven: bool = True
    problems: tuple[str, ...] = ()  # data LivePerson sent that cannot be used, one line each: left out
    stock: dict[tuple[str, str], str] | None = None  # LivePerson's stock texts (Unified), if it said

    def notices(self) -> list[str]:
        """What the user must know about how the account was read (one line each): the
        data left out, at most :data:`MAX_PROBLEM_NOTICES` lines and then how many more."""
        out = []
        if not self.contexts_proven:
            out.append(
                f"the {self.api} API showed no contexts (view=BY_CONTEXT not understood): "
                "only the account level was read; skill overrides are not exported or written"
            )
        out += self.problems[:MAX_PROBLEM_NOTICES]
        more = len(self.problems) - MAX_PROBLEM_NOTICES
        if more > 0:
            out.append(f"and {more} more problem(s) in the account's data, also left out")
        return out


MAX_PROBLEM_NOTICES = 20
_said_no_stock: list[str] = []


def fetch_snapshot(
    conn: Connection, account: AccountSettings, *, if_match: str | None = None, hint: str | None = None
) -> Snapshot | None:
    """One ``view=BY_CONTEXT`` call (conditional with ``if_match``) and one skills call.

    None when ``if_match`` is still the account's revision (304): nothing changed.
    ``hint`` is the API to try first with ``api = "auto"`` (the last export's).
    """
    api = AutoMessagesApi.for_account(conn, account, hint=hint)
    listing = api.list_by_context(if_match=if_match)
    if listing.not_modified:
        return None
    assert listing.contexts is not None
    stock, no_stock = api.stock_texts()
    if no_stock and not _said_no_stock:
        _said_no_stock.append(no_stock)  # once a run: every account of a cron run is the same LivePerson
        log.warning("%s", no_stock)
    return Snapshot(
        listing.contexts,
        list_skills(conn, include_deleted=True),
        listing.revision,
        api.flavour,
        listing.shared,
        listing.contexts_proven,
        listing.problems,
        stock,
    )


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


def select_skills(
    contexts: dict[Context, list[AutoMessage]],
    wanted: Sequence[str] | None,
    skills: dict[str, Skill],
    notes: list[str] | None = None,
) -> dict[Context, list[AutoMessage]]:
    """The contexts to work on: the account and the skills ``wanted`` (None or "all":
    every skill). A deleted skill's overrides (LivePerson still lists them) are left
    out unless ``wanted`` names the skill; said in ``notes``."""
    if wanted is None or list(wanted) == ["all"]:
        gone = {c: ms for c, ms in contexts.items() if not c.is_account and _deleted(skills, c)}
        if notes is not None:
            notes += [
                f"skill {c.skill_id} ({skills[c.skill_id or ''].name}) is deleted: its {len(ms)} override(s) "
                f"are left out (name it in --skills to export them)"
                for c, ms in sorted(gone.items())
            ]
        return {c: m for c, m in contexts.items() if c not in gone}
    wanted_ids = {str(w).strip() for w in wanted}
    unknown = sorted(wanted_ids - set(skills))
    if unknown:
        raise ConfigError(f"--skills: no skill {unknown[0]} in the account")
    return {c: m for c, m in contexts.items() if c.is_account or c.skill_id in wanted_ids}


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


def _deleted(skills: dict[str, Skill], context: Context) -> bool:
    found = skills.get(context.skill_id or "")
    return found is not None and found.deleted


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
