"""``import-translations``: returned files → QA → three-way diff → plan → apply.

A file is taken whole or not at all: an unreadable file, one from an unknown
export or another account, one whose language does not match, or one with a
key its export does not hold is an error naming the file (and the line or
row), and none of its units is imported. Fuzzy PO entries (unless
``include_fuzzy``) and empty translations are ignored. A unit failing a QA
error check is skipped (reason ``qa``); the others go to the diff.

Exit codes: 0 all done or nothing to do, 3 done but some units were skipped,
1 an error (a bad file, or a write that failed).
"""

from __future__ import annotations

import re
import secrets
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any

from . import jsonio
from .apply import ApplyResult, apply_plan, finish_read_backs
from .config import AccountSettings, check_account_id
from .diff import SKIPPED, UNTOUCHED, UPDATE, Decision, LiveView, Plan, Proposal, three_way
from .errors import ApiError, AutomsgError, ConfigError, FormatError
from .files import inbox_files
from .formats import DEFAULT_MAX_BYTES, IMPORTABLE, read_translation_file
from .lp import Connection
from .lp.automessages import AutoMessagesApi
from .model import AutoMessage, Context, FileMeta, TranslationFile, UnitKey, language_key, shared_unit_key
from .qa import ERROR, Finding, QAContext, check_translation, surely_clean
from .state import Baseline, StateStore
from .workers import process_pool, worker_count
from .writer import read_live


@dataclass(frozen=True)
class ImportOptions:
    apply: bool = False
    accept_stale: bool = False
    prefer_file: bool = False
    include_fuzzy: bool = False
    max_length: int | None = None
    max_file_bytes: int = DEFAULT_MAX_BYTES
    max_xlsx_bytes: int | None = None  # an XLSX unpacking to more is refused (None: the reader's 50 MB)
    workers: int | None = None  # processes reading files; None: one per core, for large imports
    # git mode: a file's metadata by its path, from the export last committed there (a
    # platform regenerates files and may drop our X-Automsg-* header: issue #27)
    meta_for: Mapping[str, FileMeta] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """A file-level error: the file is not imported."""

    file: str
    where: int | None
    message: str


# Why an entry is not imported, and in words (the report, the HTML page):
IGNORED_REASONS = {
    "empty": "empty",
    "fuzzy": "fuzzy (needs review)",
    "unfinished": "marked unfinished in the file",
    "unfinished-changed": "changed but still marked unfinished in the file",
    "source-copy": "untranslated (a copy of the source)",
}


@dataclass(frozen=True)
class Ignored:
    file: str
    where: int | None
    key: str
    language: str
    reason: str  # one of IGNORED_REASONS


@dataclass
class ImportReport:
    run_id: str
    account: str
    dry_run: bool
    files: list[str] = field(default_factory=list)
    plan: Plan | None = None
    qa: list[Finding] = field(default_factory=list)
    qa_skipped: list[Proposal] = field(default_factory=list)
    duplicates: list[Proposal] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    applied: ApplyResult | None = None
    used_304: bool = False
    requests: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per phase
    confirmed: list[str] = field(default_factory=list)  # earlier runs' read-backs finished by this one

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.seconds[phase] = round(self.seconds.get(phase, 0) + time.monotonic() - started, 3)

    @property
    def decisions(self) -> list[Decision]:
        return self.plan.decisions if self.plan else []

    def skipped(self) -> list[dict[str, Any]]:
        out = [_decision_json(d) | {"reason": d.outcome} for d in self.decisions if d.outcome in SKIPPED]
        if self.applied:
            out += [
                _decision_json(d) | {"reason": d.outcome} for d in self.applied.late if d.outcome in SKIPPED
            ]
        if self.qa_skipped:  # the QA errors in words, so that a report (cron's too) says which check
            said: dict[tuple[str, str], list[str]] = {}
            for f in self.qa:
                if f.severity == "error":
                    said.setdefault((f.key, language_key(f.language)), []).append(f.message)
            out += [
                _proposal_json(p)
                | {"reason": "qa", "detail": "; ".join(said.get((str(p.key), language_key(p.language)), []))}
                for p in self.qa_skipped
            ]
        out += [
            _proposal_json(p) | {"reason": "conflict", "detail": "another file gives another text"}
            for p in self.duplicates
        ]
        return out

    def ignored_words(self) -> str:
        """The ignored entries by reason, in words: ``empty 12, marked unfinished in the file 3``."""
        by_reason = Counter(i.reason for i in self.ignored)
        return ", ".join(f"{IGNORED_REASONS.get(r, r)} {n}" for r, n in by_reason.most_common()) or "none"

    def counts(self) -> dict[str, int]:
        """How many units are in each list of the report, without building the lists."""
        outcomes = Counter(d.outcome for d in self.decisions)
        late = Counter(d.outcome for d in self.applied.late) if self.applied else Counter()
        skipped = sum(outcomes[o] for o in SKIPPED) + sum(n for o, n in late.items() if o in SKIPPED)
        return {
            "planned": outcomes[UPDATE],
            "applied": len(self.applied.written) if self.applied else 0,
            "noop": outcomes["noop"] + late["noop"],
            "untouched": outcomes[UNTOUCHED] + late[UNTOUCHED],
            "skipped": skipped + len(self.qa_skipped) + len(self.duplicates),
            "ignored": len(self.ignored),
            "qa": len(self.qa),
            "errors": len(self.errors),
        }

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 1
        return 3 if self.counts()["skipped"] else 0

    def to_json(self) -> dict[str, Any]:
        written = self.applied.written if self.applied else []
        late = self.applied.late if self.applied else []
        late_noops = [d for d in late if d.outcome == "noop"]
        return {
            "run_id": self.run_id,
            "account": self.account,
            "dry_run": self.dry_run,
            "files": self.files,
            "planned": [_decision_json(d) for d in self.decisions if d.outcome == UPDATE],
            "applied": [_decision_json(d) for d in written],
            "not_applied": [_decision_json(d) for d in self.applied.not_written] if self.applied else [],
            "noop": [_decision_json(d) for d in self.decisions if d.outcome == "noop"]
            + [_decision_json(d) for d in late_noops],
            "untouched": [_decision_json(d) for d in [*self.decisions, *late] if d.outcome == UNTOUCHED],
            "skipped": self.skipped(),
            "ignored": [vars(i) for i in self.ignored],
            "qa": [vars(f) for f in self.qa],
            "errors": [vars(e) for e in self.errors],
            "backup": str(self.applied.backup) if self.applied and self.applied.backup else None,
            "earlier_read_backs": self.confirmed,
            "revision_check": "304 not modified" if self.used_304 else "fetched",
            "conflict_retries": self.applied.conflict_retries if self.applied else 0,
            "requests": self.requests,
            "seconds": self.seconds,
            "exit_code": self.exit_code,
        }


def new_run_id(account: str) -> str:
    return f"{account}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def import_translations(
    conn: Connection,
    account: AccountSettings,
    paths: Sequence[Path],
    options: ImportOptions,
    state: StateStore,
    backup_dir: Path,
) -> ImportReport:
    """Read, check, diff and (with ``options.apply``) write; returns the report."""
    report = ImportReport(new_run_id(account.id), account.id, dry_run=not options.apply)
    report.files = [str(p) for p in paths]
    proposals: list[Proposal] = []
    baselines: dict[str, Baseline] = {}  # export id → its header (units are in the proposals)
    languages: Counter[str] = Counter()  # files per language
    with report.timed("read"):
        for result in _read_files(paths, account, options, state):
            if result.error is not None:
                report.errors.append(result.error)
                continue
            assert result.header is not None
            baselines.setdefault(result.header.export_id, result.header)
            languages[language_key(result.language)] += 1
            proposals += result.proposed.proposals()
            report.qa += result.qa
            report.qa_skipped += result.qa_skipped.proposals()
            report.ignored += result.ignored
        proposals = _drop_duplicates(proposals, languages, report)
    if not proposals:
        report.requests = conn.http.requests_sent
        return report
    source_language = _source_language(baselines)
    api = AutoMessagesApi.for_account(conn, account, writable=True, hint=_api_of(baselines))
    try:
        with report.timed("live"):
            live = _live_view(api, baselines, state, report)
        baselines.clear()  # every proposal holds what it needs of its baseline
    except ApiError as exc:  # the files are fine; LivePerson is not: a re-run will do
        report.errors.append(Problem("", None, str(exc)))
        report.requests = conn.http.requests_sent
        return report

    def rediff(view: LiveView, remaining: Sequence[Proposal]) -> Plan:
        return three_way(
            remaining,
            view,
            source_language,
            accept_stale=options.accept_stale,
            prefer_file=options.prefer_file,
        )

    if options.apply:  # an earlier apply's read-back that never ended is done from this read
        report.confirmed = finish_read_backs(state, account.id, live)
    with report.timed("diff"):
        report.plan = rediff(live, proposals)
    live_box = [live]
    del live
    if options.apply and report.plan.updates:
        try:
            with report.timed("apply"):
                report.applied = apply_plan(
                    report.plan,
                    live_box,
                    api,
                    state,
                    run_id=report.run_id,
                    account=account.id,
                    backup_dir=backup_dir,
                    rediff=rediff,
                )
        except AutomsgError as exc:
            report.errors.append(Problem("", None, str(exc)))
        if report.applied is not None and report.applied.error is not None:
            applied = report.applied
            report.errors.append(
                Problem(
                    "",
                    None,
                    f"{applied.error} — {len(applied.written)} unit(s) were written before it "
                    f"(backup {applied.backup}), {len(applied.not_written)} not"
                    + (
                        f" (of which {applied.in_flight} were in the write that failed: it was sent "
                        "and never answered, so they may have been)"
                        if applied.in_flight
                        else ""
                    )
                    + ": run the same import again to finish",
                )
            )
    report.requests = conn.http.requests_sent
    return report


_Row = tuple[str, str, str, str, int | None, str | None]  # unit key (text), new, base, src0, where, ours


@dataclass
class _Proposed:
    """A file's proposals as rows of plain values; :meth:`proposals` makes the objects.

    Why rows: a large import reads its files in worker processes, and a file's
    5,000 proposals went back to the parent as objects, each pickled through a
    ``__reduce__`` of its own (~25 ms a file each way, where tuples of strings
    take ~5). The objects are now made once, in the process that diffs them,
    never in a worker.
    """

    file: str
    language: str
    rows: list[_Row] = field(default_factory=list)
    export_id: str = ""

    def proposals(self) -> list[Proposal]:
        """The proposals: one key object per message and one copy of each source (the
        same in every language's file), language and file name, across files."""
        intern, key_of = sys.intern, shared_unit_key
        language, file, export_id = intern(self.language), intern(self.file), intern(self.export_id)
        return [
            Proposal(key_of(key), language, new, base, intern(src0), file, where, ours, export_id)
            for key, new, base, src0, where, ours in self.rows
        ]


@dataclass
class _FileResult:
    """One file read, checked and judged against its baseline, or its error."""

    proposed: _Proposed = field(default_factory=lambda: _Proposed("", ""))
    qa: list[Finding] = field(default_factory=list)
    qa_skipped: _Proposed = field(default_factory=lambda: _Proposed("", ""))  # kept out by a QA error
    ignored: list[Ignored] = field(default_factory=list)
    error: Problem | None = None
    header: Baseline | None = None  # the file's export, without units
    language: str = ""


POOL_MIN_BYTES = 4_000_000  # below this, starting worker processes costs more than it saves


def _read_files(
    paths: Sequence[Path], account: AccountSettings, options: ImportOptions, state: StateStore
) -> Iterator[_FileResult]:
    """Each file's result, in order.

    Reading, QA and the baseline lookup are per file and CPU-bound (~60 µs a
    unit), so a large import reads its files in a pool of worker processes,
    one per core: at 300,000 units on 2 cores that halves the longest part of
    an import. Each worker opens the state store itself (SQLite in WAL mode
    serves concurrent readers) and reads only its file's language of the
    baseline. Small imports stay in this process.
    """
    workers = options.workers
    if workers is None:
        size = sum(p.stat().st_size for p in paths if p.is_file())
        workers = worker_count(len(paths)) if size >= POOL_MIN_BYTES else 1
    if workers < 2 or len(paths) < 2:
        for path in paths:
            yield _read_file(path, account, options, state)
        return
    with process_pool(min(workers, len(paths)), _start_worker, (state.path.parent,)) as pool:
        yield from pool.map(_read_in_worker, paths, repeat(account), repeat(options))


_worker_state: StateStore | None = None


def _start_worker(state_dir: Path) -> None:
    global _worker_state
    _worker_state = StateStore(state_dir)


def _read_in_worker(path: Path, account: AccountSettings, options: ImportOptions) -> _FileResult:
    assert _worker_state is not None
    return _read_file(path, account, options, _worker_state)


def _read_file(
    path: Path, account: AccountSettings, options: ImportOptions, state: StateStore
) -> _FileResult:
    try:
        tf = read_translation_file(
            path,
            options.max_file_bytes,
            options.max_xlsx_bytes,
            with_notes=False,
            meta=options.meta_for.get(str(path)),
        )
        baseline = _baseline(tf, account, state)
        ours = state.pushed_texts(account.id, tf.meta.language, baseline.export_id)
        result = _proposals(tf, baseline, options, ours)
    except FormatError as exc:
        return _FileResult(error=Problem(exc.path, exc.line, exc.message))
    result.header, result.language = replace(baseline, units={}, groups={}), tf.meta.language
    return result


def _baseline(tf: TranslationFile, account: AccountSettings, state: StateStore) -> Baseline:
    """The file's language of its export's baseline."""
    meta = tf.meta
    if meta.account != account.id:
        raise FormatError(tf.path, None, f"the file is for account {meta.account}, not {account.id}")
    baseline = state.baseline(meta.export_id, meta.language)
    if baseline is None:
        raise FormatError(
            tf.path,
            None,
            f"unknown export id {meta.export_id!r} (not in {state.path}): was it "
            "exported with another --state-dir?",
        )
    if baseline.account != account.id:
        raise FormatError(tf.path, None, f"export {meta.export_id} belongs to account {baseline.account}")
    if not baseline.units:
        raise FormatError(tf.path, None, f"export {meta.export_id} has no {meta.language} units")
    return baseline


def _proposals(
    tf: TranslationFile, baseline: Baseline, options: ImportOptions, ours: Mapping[str, str]
) -> _FileResult:
    """Each entry judged against its baseline unit; an entry of a ``--dedupe`` export
    also stands for the units the state store lists for it, each judged on its own
    (by the three-way diff: one of them changed live is a conflict, the others go).

    The entry's source (PO ``msgid``, XLSX Source cell, XLIFF ``<source>``) must be
    the export's source for its key: a row whose source differs — a sheet sorted
    with its hidden Key column left in place, a hand-edited msgid — would put its
    translation on another message, so the whole file is refused, naming the row.
    ``ours`` (unit key → the text this tool last wrote there from a file of this export,
    :meth:`StateStore.pushed_texts`) goes with each proposal.
    """
    lang = tf.meta.language
    lang_key = language_key(lang)
    units, groups, path = baseline.units, baseline.groups, tf.path
    max_length, include_fuzzy = options.max_length, options.include_fuzzy
    export_id = baseline.export_id
    result = _FileResult(
        _Proposed(path, lang, export_id=export_id), qa_skipped=_Proposed(path, lang, export_id=export_id)
    )
    proposed = result.proposed.rows
    covered: dict[str, str] = {}  # with --dedupe groups: unit key → the key of the entry standing for it
    for entry in tf.entries:
        base = units.get((entry.key, lang_key))
        if base is None:
            raise FormatError(path, entry.where, f"key {entry.key!r} is not in export {baseline.export_id}")
        if entry.source != base.source and not same_but_line_ends(entry.source, base.source):
            mine, exported = _excerpts(entry.source, base.source)
            why = "was the sheet sorted?" if path.endswith(".xlsx") else "was the source text edited?"
            raise FormatError(
                path,
                entry.where,
                f"the source text of {entry.key!r} is not the exported one "
                f"(file: {mine}; export: {exported}) — {why} Nothing of this file was imported",
            )
        members = groups.get((entry.key, lang_key), ()) if groups else ()
        if groups:  # a unit may then be in the file itself and in a group
            for member in (entry.key, *members):
                if member in covered:
                    raise FormatError(
                        path,
                        entry.where,
                        f"unit {member!r} is in this file twice: also through entry {covered[member]!r}",
                    )
                covered[member] = entry.key
        try:
            key = shared_unit_key(entry.key)  # one key object per message, across languages
        except ValueError as exc:
            raise FormatError(path, entry.where, str(exc)) from None
        target = entry.target
        if target != base.target and same_but_line_ends(target, base.target):
            target = base.target  # the file's program re-wrote the line ends, nobody the text
        if not target and not entry.formula:
            reason: str | None = "empty"
        elif target == base.source and target != base.target and not entry.confirmed:
            # a CAT tool's copy of the source (an Okapi kit fills empty targets so, and leaves
            # them needs-translation), or a row left "to translate": English would go live as
            # French. Never written, --include-fuzzy or not.
            reason = "source-copy"
        elif entry.fuzzy and not include_fuzzy:
            if entry.state is None:
                reason = "fuzzy"
            else:  # an XLIFF state: what the tool meant by it, and whether the text moved anyway
                reason = "unfinished" if target == base.target else "unfinished-changed"
        else:
            reason = None
        if reason is not None:  # for the entry's key and every unit it stands for
            result.ignored += [Ignored(path, entry.where, k, lang, reason) for k in (entry.key, *members)]
            continue
        # a row left as exported sends nothing (the diff calls it untouched, or a no-op):
        # what it holds is LivePerson's text, not the translator's, so QA has nothing to judge
        # (a formula cell or a hidden row is still judged: it is how the file holds the text);
        # a text surely clean needs neither the checks nor the context only a finding uses
        rows = proposed
        changed = target != base.target
        if (
            entry.formula
            or (entry.hidden and changed)  # a hidden row as exported sends nothing (the AutoFilter)
            or (changed and not surely_clean(base.source, target, max_length))
        ):
            ctx = QAContext(
                path,
                entry.where,
                entry.key,
                lang,
                key.message,
                entry.formula,
                max_length,
                entry.hidden and changed,
                api=baseline.api,  # the legacy API's messages are chat
            )
            found = check_translation(base.source, target, ctx)
            result.qa += found
            if any(f.severity == ERROR for f in found):
                rows = result.qa_skipped.rows
        rows.append((entry.key, target, base.target, base.source, entry.where, ours.get(entry.key)))
        for member in members:
            mbase = units[(member, lang_key)]
            rows.append((member, target, mbase.target, mbase.source, entry.where, ours.get(member)))
    return result


def same_but_line_ends(a: str, b: str) -> bool:
    """Whether two texts differ only in how their lines end (``\\r\\n``, ``\\r``, ``\\n``).

    LibreOffice re-saves a cell's ``\\r\\n`` as ``\\n`` (a translator who only opened
    and saved the workbook changed no text), and an editor may do the same to a PO
    file: such a difference alone is no change, so the exported text stands (the live
    style is kept). A translation that changes words keeps the line ends it has."""
    return ("\r" in a or "\r" in b) and _LINE_END.sub("\n", a) == _LINE_END.sub("\n", b)


_LINE_END = re.compile("\r\n?")


def _excerpts(a: str, b: str, limit: int = 60) -> tuple[str, str]:
    """Both texts, cut to ``limit`` characters around where they first differ."""
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, at - limit // 2)

    def cut(text: str) -> str:
        part = text[start : start + limit]
        return repr(("…" if start else "") + part + ("…" if start + limit < len(text) else ""))

    return cut(a), cut(b)


def _drop_duplicates(
    proposals: list[Proposal], files_per_language: Counter[str], report: ImportReport
) -> list[Proposal]:
    """The same unit from two files: kept once if they agree, skipped if not.

    A file holds a key once (the readers check), so only a language that came
    in two or more files can hold a unit twice; otherwise there is nothing to do.
    """
    if all(n < 2 for n in files_per_language.values()):
        return proposals
    by_unit: dict[tuple[UnitKey, str], list[Proposal]] = {}
    for p in proposals:
        by_unit.setdefault((p.key, language_key(p.language)), []).append(p)
    out = []
    for group in by_unit.values():
        if len({p.new for p in group}) == 1:
            out.append(group[0])
        else:
            report.duplicates += group
    return out


def _source_language(baselines: dict[str, Baseline]) -> str:
    languages = {b.source_language for b in baselines.values()}
    if len(languages) > 1:
        raise ConfigError(f"the files come from exports with different source languages: {sorted(languages)}")
    return languages.pop()


def _api_of(baselines: dict[str, Baseline]) -> str | None:
    apis = {b.api for b in baselines.values()}
    return apis.pop() if len(apis) == 1 else None


def _live_view(
    api: AutoMessagesApi, baselines: dict[str, Baseline], state: StateStore, report: ImportReport
) -> LiveView:
    """Live objects; one conditional GET answered 304 when nothing changed since the export.

    The 304 stands for the export's objects only when this run reads through
    the same API as the export did (the two APIs shape objects differently).
    """
    revisions = {b.revision for b in baselines.values()}
    if len(baselines) == 1 and len(revisions) == 1:
        [baseline] = baselines.values()
        listing = api.list_by_context(if_match=baseline.revision)
        if listing.not_modified and api.resolved == baseline.api:
            report.used_304 = True
            contexts: dict[Context, list[AutoMessage]] = {}
            for (ctx, _), raw in state.baseline_objects(baseline.export_id).items():
                contexts.setdefault(Context.parse(ctx), []).append(AutoMessage(jsonio.loads(raw)))
            # the export only filed objects under skills from an answer that showed contexts
            api.contexts_proven = any(not c.is_account for c in contexts) or None
            return LiveView.from_listing(contexts, listing.revision)
        if not listing.not_modified:
            assert listing.contexts is not None
            return LiveView.from_listing(listing.contexts, listing.revision, listing.contexts_proven)
    return read_live(api)


def _decision_json(d: Decision) -> dict[str, Any]:
    return _proposal_json(d.proposal) | {
        "outcome": d.outcome,
        "live": d.live,
        "source_now": d.src1,
        "detail": d.detail,
    }


def _proposal_json(p: Proposal) -> dict[str, Any]:
    return {
        "key": str(p.key),
        "context": p.key.context.key,
        "message": p.key.message,
        "language": p.language,
        "base": p.base,
        "new": p.new,
        "source_at_export": p.src0,
        "file": p.file,
        "where": p.where,
    }


# --------------------------------------------------------------------------- which files, which accounts


@dataclass(frozen=True)
class FileSelection:
    """The files an ``import-translations`` call names, folders expanded."""

    files: list[Path]
    empty_folders: list[Path] = field(default_factory=list)  # folders without any translator file
    left_alone: list[Path] = field(default_factory=list)  # in folders: not translator files


def translation_files(paths: Sequence[Path]) -> FileSelection:
    """Files as given; a folder stands for its translator files (``.po``, ``.xlsx``,
    ``.xlf``/``.xliff``) and those of its immediate subfolders (the
    ``OUT/<account>/<language>.po`` layout an export writes), no deeper.

    A folder is taken as cron takes its inbox (:func:`automsg_sync.files.inbox_files`):
    hidden files and uploads in progress (``*.part``, ``*.tmp`` …) are not
    touched, oldest first; hidden subfolders are skipped. Any other file in a
    folder (``*.errors.json``, notes) is left alone and listed in ``left_alone``.
    A path that is neither a folder nor an existing file is kept as given: its
    import reports it as unreadable.
    """
    selection = FileSelection([])
    for path in paths:
        if not path.is_dir():
            selection.files.append(path)
            continue
        subfolders = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
        folders = [path, *subfolders]
        found = [f for folder in folders for f in inbox_files(folder)]
        selection.files.extend(f for f in found if f.suffix.lower() in IMPORTABLE)
        selection.left_alone.extend(f for f in found if f.suffix.lower() not in IMPORTABLE)
        if not any(f.suffix.lower() in IMPORTABLE for f in found):
            selection.empty_folders.append(path)
    return selection


def file_account(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The account a translator file says it is for (``FileMeta.account``).

    A PO file's header entry is read alone (its first bytes), so a large file
    is not parsed twice; an XLSX or XLIFF file, or a PO file whose header
    cannot be read that way, is read whole, with the import's checks: a file
    that cannot be read raises the :class:`FormatError` its import would report.
    """
    account = _po_header_account(path) if path.suffix.lower() == ".po" else None
    if account is None:
        account = read_translation_file(path, max_bytes).meta.account
    try:  # the id becomes a path and a URL: only letters and digits, as LivePerson's are
        return check_account_id(account, f"{path}: account")
    except ConfigError as exc:
        raise FormatError(path, None, str(exc).removeprefix(f"{path}: ")) from None


def _po_header_account(path: Path) -> str | None:
    """The ``X-Automsg-Account`` of a PO file's header entry (the text up to the
    first blank line); None when that is not a readable header."""
    from .formats.po import meta_from_fields, parse

    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None
    first = head.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    try:
        header, _ = parse(path, first.decode("utf-8"))
        return meta_from_fields(path, header).account if header else None
    except (FormatError, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class FilesByAccount:
    """Files grouped by the account they carry, in the order the accounts first came."""

    accounts: dict[str, list[Path]]
    unreadable: list[Problem] = field(default_factory=list)  # no account could be read from these


def files_by_account(
    paths: Sequence[Path], override: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> FilesByAccount:
    """Each file under the account it carries. ``override`` (``--account``) must be
    every readable file's account: a file of another account is a
    :class:`ConfigError` (exit 2) naming the file and both accounts. A file that
    cannot be read goes to ``override``'s import when there is one (which
    reports it as an import always did), else to ``unreadable``."""
    accounts: dict[str, list[Path]] = {}
    unreadable: list[Problem] = []
    for path in paths:
        try:
            account = file_account(path, max_bytes)
        except FormatError as exc:
            if override is not None:
                accounts.setdefault(override, []).append(path)
            else:
                unreadable.append(Problem(exc.path, exc.line, exc.message))
            continue
        if override is not None and account != override:
            raise ConfigError(
                f"{path}: the file is for account {account}, not {override} (--account); "
                "leave --account out to import each file into its own account"
            )
        accounts.setdefault(account, []).append(path)
    return FilesByAccount(accounts, unreadable)


def unreadable_report(problems: Sequence[Problem], dry_run: bool) -> ImportReport:
    """The report of files no account could be read from: their errors only."""
    report = ImportReport(new_run_id("unreadable"), "", dry_run)
    report.files = [p.file for p in problems]
    report.errors = list(problems)
    return report


EXIT_RANK = {0: 0, 3: 1, 1: 2}  # the worst exit code wins: 1 over 3 over 0


@dataclass
class ImportRun:
    """One ``import-translations`` call: a report per account (and one for files
    whose account could not be read)."""

    reports: list[ImportReport] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return max((r.exit_code for r in self.reports), key=lambda c: EXIT_RANK.get(c, 2), default=0)

    def to_json(self) -> dict[str, Any]:
        """One account: its report as it always was; several: ``{exit_code, reports}``."""
        if len(self.reports) == 1:
            return self.reports[0].to_json()
        return {"exit_code": self.exit_code, "reports": [r.to_json() for r in self.reports]}
