"""One account's ``import-translations``: read the files, read live, diff, and with
``--apply`` write (:func:`import_translations`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from .. import jsonio
from ..apply import Rediff, apply_plan, finish_read_backs
from ..config import AccountSettings, Settings
from ..diff import LiveView, Plan, Proposal, three_way
from ..errors import ApiError, AutomsgError, ConfigError
from ..lp import Connection, connect
from ..lp.automessages import AutoMessagesApi
from ..model import AutoMessage, Context, UnitKey, language_key
from ..state import Baseline, StateStore, account_lock, new_id, require_state
from ..writer import read_live, view_of
from .proposals import read_files
from .report import ImportOptions, ImportReport, ImportRun, Problem, unreadable_report
from .selection import FilesByAccount


def import_files(
    settings: Settings,
    grouped: FilesByAccount,
    account_of: Callable[[str], AccountSettings],
    wait: float = 0,
    **choices: Any,
) -> ImportRun:
    """``import-translations`` of files grouped by the account they carry: each account
    in turn, on its own connection, under its lock when it writes (as cron-run takes it;
    a dry run only reads), into one state store opened once; files whose account could
    not be read get a report of their own. ``choices`` are the run's options
    (:meth:`ImportOptions.for_account`). Nothing to import: no state store is needed.
    An import finds its exports in the state store, so a missing one is refused before
    anything is read (:func:`~automsg_sync.state.require_state`) rather than created
    empty in the wrong folder."""
    run = ImportRun()
    if grouped.accounts:
        require_state(settings.state_dir, "import-translations")
        state = StateStore(settings.state_dir)
        try:
            for account_id, paths in grouped.accounts.items():
                account = account_of(account_id)
                options = ImportOptions.for_account(settings, account, **choices)
                lock = account_lock(settings.state_dir, account_id, wait) if options.apply else nullcontext()
                with lock, connect(settings, account) as conn:
                    run.reports.append(
                        import_translations(
                            conn, account, paths, options, state, settings.state_dir / "backups"
                        )
                    )
        finally:
            state.close()
    if grouped.unreadable:
        run.reports.append(unreadable_report(grouped.unreadable, dry_run=not choices.get("apply")))
    return run


def import_translations(
    conn: Connection,
    account: AccountSettings,
    paths: Sequence[Path],
    options: ImportOptions,
    state: StateStore,
    backup_dir: Path,
) -> ImportReport:
    """Read, check, diff and (with ``options.apply``) write; returns the report.

    The steps: read every file (:func:`_read`); read live (:func:`_live_view`: a 304
    when nothing changed since the export); with ``--apply``, finish an earlier
    apply's read-back; the three-way diff; with ``--apply``, the writes
    (:func:`_apply`).
    """
    report = ImportReport(new_id(account.id), account.id, dry_run=not options.apply, again=options.again)
    report.files = [str(p) for p in paths]
    with report.timed("read"):
        proposals, baselines = _read(paths, account, options, state, report)
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
        _apply(report, live_box, api, state, account.id, backup_dir, rediff)
    report.requests = conn.http.requests_sent
    return report


def _read(
    paths: Sequence[Path],
    account: AccountSettings,
    options: ImportOptions,
    state: StateStore,
    report: ImportReport,
) -> tuple[list[Proposal], dict[str, Baseline]]:
    """Every file's proposals (a unit two files disagree on left out), and each export's
    header by its id (units are in the proposals); the rest of each file's result goes
    into ``report``."""
    proposals: list[Proposal] = []
    baselines: dict[str, Baseline] = {}
    languages: Counter[str] = Counter()  # files per language
    for result in read_files(paths, account, options, state):
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
    return _drop_duplicates(proposals, languages, report), baselines


def _apply(
    report: ImportReport,
    live_box: list[LiveView],
    api: AutoMessagesApi,
    state: StateStore,
    account: str,
    backup_dir: Path,
    rediff: Rediff,
) -> None:
    """Write the report's plan (:func:`apply_plan`); a failure, or a write that failed
    after others went through, becomes the report's error, in words."""
    assert report.plan is not None
    try:
        with report.timed("apply"):
            report.applied = apply_plan(
                report.plan,
                live_box,
                api,
                state,
                run_id=report.run_id,
                account=account,
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
        view = view_of(listing)
        if view is not None:
            return view
        if api.resolved == baseline.api:
            report.used_304 = True
            contexts: dict[Context, list[AutoMessage]] = {}
            for (ctx, _), raw in state.baseline_objects(baseline.export_id).items():
                contexts.setdefault(Context.parse(ctx), []).append(AutoMessage(jsonio.loads(raw)))
            # the export only filed objects under skills from an answer that showed contexts
            api.contexts_proven = any(not c.is_account for c in contexts) or None
            return LiveView.from_listing(contexts, listing.revision)
    return read_live(api)
