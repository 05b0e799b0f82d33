"""The run over accounts: each under its lock, side by side in a thread pool, then the report.

The package's docstring (:mod:`automsg_sync.cron`) tells the whole run. Here: the
accounts are checked and their secrets registered, the git round is started
(when an account uses ``[git]``), each account is served (import, verify,
export) under its lock in its own thread with its own connection and state
store, any failure staying the account's, the git round is finished, and the
report is written with its page. Two steps never overlap between accounts:
writing an export (its worker processes are forked from this process and take
their jobs from a module-level list, which one export at a time may own) and
``verify_after_apply`` (its webhook listener has one address).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..config import AccountSettings, Settings
from ..errors import AutomsgError, ConfigError, LockHeld
from ..export import ExportRequest, export_for_translation
from ..git import redact_url
from ..git import round as gitround
from ..html import write_run_page
from ..log import redact, register_secrets
from ..lp import Connection, connect
from ..snapshot import fetch_snapshot
from ..state import DomainCache, StateStore, account_lock, new_id
from ..verify import PASS, languages_to_verify, verify
from .inbox import import_git, import_inbox
from .report import (
    ERROR,
    LOCKED,
    NEEDS_HUMAN,
    AccountResult,
    CronReport,
    printable,
    utc_stamp,
    write_json_private,
)

log = logging.getLogger("automsg_sync.cron")

# Steps no two accounts may take at once (see the module docstring).
_EXPORTING = threading.Lock()
_VERIFYING = threading.Lock()


def cron_run(
    settings: Settings,
    account_ids: list[str] | None = None,
    *,
    wait: float = 0.0,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.time,
) -> CronReport:
    """Run every (or the named) configured account; see the module docstring.

    ``clock`` (seconds since the epoch, as ``time.time``) is what inbox files'
    modification times are judged against for ``settle_seconds``.
    """
    if not settings.accounts:
        raise ConfigError("no accounts configured: cron-run needs [[accounts]] in the config file")
    ids = list(dict.fromkeys(account_ids or settings.accounts))  # an account named twice runs once
    unknown = [a for a in ids if a not in settings.accounts]
    if unknown:
        raise ConfigError(f"--accounts: account {unknown[0]} is not in the config file")
    report = CronReport(new_id("cron"), utc_stamp())
    _prepare(settings, ids)
    git_round, git_error = _git_start(settings, ids)
    report.accounts = _run_accounts(settings, ids, report.run_id, wait, sleep, clock, git_round)
    if git_round is not None:
        gitround.finish(git_round, report.run_id, settings.state_dir)
        report.git = {"remote": git_round.remote, "fetched": git_round.head, "pushed": git_round.pushed}
        git_error = git_round.error
    if git_error is not None:  # the repository's trouble is each git account's, not the others'
        needs_human = git_round is not None and git_round.needs_human
        for result in report.accounts:
            if settings.uses_git(settings.accounts[result.account]):
                result.errors.append(printable(redact(git_error)))
                result.worsen(NEEDS_HUMAN if needs_human else ERROR)
    path = settings.paths.reports / f"{report.run_id}.json"
    document = report.to_json()
    try:
        write_json_private(path, document)
    except Exception as exc:  # the accounts ran: their lines and exit code still stand
        _cannot_write("run report", path, exc)
    else:
        report.path = path
    if settings.html_reports and report.path is not None:
        try:  # the page a person looks at, beside the JSON a machine reads
            write_run_page(document, path.with_suffix(".html"), config=settings.config_path)
        except Exception as exc:
            _cannot_write("run page", path.with_suffix(".html"), exc)
    return report


def _git_start(settings: Settings, ids: list[str]) -> tuple[gitround.GitRound | None, str | None]:
    """The run's git round, when an account of it uses ``[git]`` (see :mod:`automsg_sync.git.round`)."""
    if not any(settings.uses_git(settings.accounts[a]) for a in ids):
        return None, None
    try:
        return gitround.start(settings), None
    except AutomsgError as exc:
        assert settings.git is not None
        return None, f"git ({redact_url(settings.git.remote)}): {exc}"


def _prepare(settings: Settings, ids: list[str]) -> None:
    """What this thread does once before the accounts run side by side.

    Every account's secrets are registered here, so the tasks' own registration
    of them adds nothing; the state store is created (file, WAL mode, tables)
    once, so the tasks only open it. A state store that cannot be opened is
    left for each account to report as its own error."""
    for account_id in ids:
        account = settings.accounts[account_id]
        secret = account.connector_client_secret
        register_secrets([*account.credentials.secrets(), *([secret.reveal()] if secret else [])])
    with contextlib.suppress(Exception):
        StateStore(settings.state_dir).close()


def _run_accounts(
    settings: Settings,
    ids: list[str],
    run_id: str,
    wait: float,
    sleep: Callable[[float], None] | None,
    clock: Callable[[], float],
    git_round: gitround.GitRound | None = None,
) -> list[AccountResult]:
    """Every account's result, in the order of ``ids``; up to ``max_parallel_accounts`` run at once."""

    def serve(account_id: str) -> AccountResult:
        try:
            account = settings.accounts[account_id]
            git = git_round if settings.uses_git(account) else None
            result = _run_account(settings, account, run_id, wait, sleep, clock, git)
        except Exception as exc:  # _run_account keeps its failures; this is the belt for a bug
            log.debug("account %s failed", account_id, exc_info=True, extra={"account": account_id})
            result = AccountResult(account_id, errors=[printable(redact(f"{type(exc).__name__}: {exc}"))])
            result.worsen(ERROR)
        log.info(result.summary(), extra={"account": account_id, "status": result.status})
        return result

    workers = min(settings.max_parallel_accounts, len(ids))
    if workers <= 1:
        return [serve(account_id) for account_id in ids]
    pool = ThreadPoolExecutor(workers, thread_name_prefix="automsg-account")
    try:
        futures = [pool.submit(serve, account_id) for account_id in ids]
        return [future.result() for future in futures]
    finally:
        # after Ctrl-C: the accounts not started yet never start; those running finish
        pool.shutdown(wait=True, cancel_futures=True)


def _cannot_write(what: str, path: Path, exc: Exception) -> None:
    log.debug("writing the %s failed", what, exc_info=True)
    print(
        f"error: the {what} {printable(str(path))} could not be written: "
        f"{printable(redact(f'{type(exc).__name__}: {exc}'))}",
        file=sys.stderr,
    )


def _run_account(
    settings: Settings,
    account: AccountSettings,
    run_id: str,
    wait: float,
    sleep: Callable[[float], None] | None,
    clock: Callable[[], float],
    git: gitround.GitRound | None = None,
) -> AccountResult:
    result = AccountResult(account.id)
    started = time.monotonic()
    with contextlib.ExitStack() as held:
        try:
            # the lock the writing commands take too (state.account_lock)
            held.enter_context(account_lock(settings.state_dir, account.id, wait))
        except LockHeld:
            result.status = LOCKED
            return result
        except Exception as exc:  # the locks folder cannot be made: this account's failure only
            result.errors.append(printable(redact(f"{type(exc).__name__}: {exc}")))
            result.worsen(ERROR)
            return result
        _serve_account(settings, account, run_id, sleep, clock, result, started, git)
    return result


def _serve_account(
    settings: Settings,
    account: AccountSettings,
    run_id: str,
    sleep: Callable[[float], None] | None,
    clock: Callable[[], float],
    result: AccountResult,
    started: float,
    git: gitround.GitRound | None = None,
) -> None:
    """One account's import, verify and export, under its lock; any failure is the account's.
    With ``git`` (the run's round with the repository) the repository replaces the inbox and
    the outbox."""
    conn: Connection | None = None
    state: StateStore | None = None
    try:
        state = StateStore(settings.state_dir)
        conn = connect(settings, account, sleep=sleep, domain_store=DomainCache(state))
        if git is not None:
            import_git(settings, account, conn, state, result, git)
        else:
            import_inbox(settings, account, conn, state, run_id, result, clock)
        result.seconds["import"] = round(time.monotonic() - started, 3)
        if account.policies.verify_after_apply:
            mark = time.monotonic()
            with _VERIFYING:  # one webhook listener address for every account
                _verify(settings, account, conn, state, result)
            result.seconds["verify"] = round(time.monotonic() - mark, 3)
        mark = time.monotonic()
        if git is not None:
            with _EXPORTING:
                written = gitround.export_account(git, settings, account, conn, state)
            result.export = "exported" if written else "nothing new"
            result.exported = written
        else:
            _export(settings, account, conn, state, result)
        result.seconds["export"] = round(time.monotonic() - mark, 3)
    except AutomsgError as exc:
        result.errors.append(printable(redact(str(exc))))
        result.worsen(ERROR)
    except Exception as exc:  # a full disk, a read-only folder, a bug: this account's failure only
        log.debug("account %s failed", account.id, exc_info=True, extra={"account": account.id})
        result.errors.append(printable(redact(f"{type(exc).__name__}: {exc}")))
        result.worsen(ERROR)
    finally:
        if conn is not None:
            conn.close()  # logs a Login Service session out; never raises
            result.requests = conn.http.requests_sent
        if state is not None:
            state.close()


def _verify(
    settings: Settings, account: AccountSettings, conn: Connection, state: StateStore, result: AccountResult
) -> None:
    """After an apply: a test conversation per language and skill whose welcome message was written."""
    written = [w for f in result.files for w in f.written]
    for language, skill in languages_to_verify(written, settings.verify.message):
        outcome = verify(conn, account, state, settings.verify, language=language, skill=skill)
        result.verify.append(outcome.to_json())
        if outcome.status != PASS:
            result.worsen(NEEDS_HUMAN)


def _export(
    settings: Settings, account: AccountSettings, conn: Connection, state: StateStore, result: AccountResult
) -> None:
    snapshot = fetch_snapshot(
        conn, account, if_match=state.checked_revision(account.id), hint=state.last_api(account.id)
    )
    if snapshot is None:
        result.export = "unchanged"
        return
    request = ExportRequest(
        out_dir=settings.paths.outbox,
        formats=account.formats,
        only=frozenset(account.policies.export_only),
        max_length=account.max_length,
        unless_unchanged=True,
        file_mode=settings.paths.outbox_mode,
    )
    with _EXPORTING:  # local work only (the snapshot is fetched); its worker processes are one export's
        exported = export_for_translation(conn, account, request, state, snapshot=snapshot)
    if exported.unchanged or not exported.files:
        result.export = "nothing new"
        return
    result.export = "exported"
    result.export_id = exported.export_id
    result.exported = [str(f) for f in exported.files]
