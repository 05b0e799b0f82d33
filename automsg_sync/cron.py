"""``cron-run``: both directions, unattended, for every configured account.

Accounts are served concurrently, ``max_parallel_accounts`` at a time (a
top-level key, default 8; 1 serves them one by one in the calling thread):
the work is network-bound, an account mostly waits for LivePerson. Each
account is one task of a thread pool, with its own lock, its own
:class:`~automsg_sync.lp.Connection` and its own
:class:`~automsg_sync.state.StateStore` (a SQLite connection belongs to the
thread that opened it; WAL mode and the busy timeout let the tasks read and
write the one state file side by side). The run's report and its lines hold
the accounts in the configured order, whatever order they finished in; each
account's line is also logged (``info``) the moment it finishes. Two steps
never overlap between accounts: writing an export (local work only — the
export's worker processes are forked from this process and take their jobs
from a module-level list, which one export at a time may own) and
``verify_after_apply`` (its webhook listener has one address). Ctrl-C: no
account starts after it; those already running finish, as each step of an
account is safe to end at.

For each account:

1. take the account's lock (``<state-dir>/locks/<account>.lock``); held by
   another run → that account is skipped with a one-line message (exit 4),
   or waited for up to ``wait`` seconds;
2. import every file of ``inbox/<account>/``, oldest first, each on its own:
   handled (applied, or planned when ``auto_apply`` is off) → moved to
   ``archive/<date>/<account>/``; unreadable or refused → moved to
   ``failed/<account>/`` with ``<name>.errors.json`` beside it (a human must
   look: exit 3, not an error of the run); a file whose import hit an API
   error stays in the inbox for the next run. A file is never deleted: moves
   are renames, and the error report is written before the file moves.
   Hidden files and ``*.part``/``*.tmp`` (uploads in progress) are left
   alone, and so is a file modified less than ``settle_seconds`` ago (judged
   by its modification time against the clock, never by sleeping: every
   write moves the modification time, so a file still growing never looks
   settled); it is reported as waiting and the next run takes it. Only
   regular files are read: a symlink, FIFO, socket, device or folder in the
   inbox is judged by ``lstat`` and never opened, followed, copied or moved;
   it is reported by name as left alone (a human must look: exit 3). Any
   file name works: one that is not UTF-8 is reported with its bytes
   escaped (``fr-\\xff.po``);
3. export the units in the ``export_only`` states to ``outbox/<account>/``
   when something changed: a conditional GET answered 304 (one request, with
   the Domain API's answer cached in the state store) means nothing did, and
   an export whose units equal the last export's writes no file;
4. write ``reports/<run-id>.json`` and print one line per account. Reports
   and errors files are written owner-only (0600), to a temporary file
   renamed into place; a failed write leaves no temporary file behind. A
   report that cannot be written is said on stderr; the exit code is still
   the accounts'.

Exit code: the worst over the accounts — 1 error (the account itself failed:
LivePerson unreachable or refusing, a login refused, a write that failed, the
state store unusable), 3 needs a human (a refused inbox file, or one left
alone as not a regular file; units skipped,
or a plan waiting because ``auto_apply`` is off), 4 an account was locked by
another run, 0 otherwise (files still being written only wait). One failing
account does not stop the others: whatever goes wrong in an account (an API
error, a full disk, a read-only or corrupt state store, a bug) makes that
account ``error`` with the exception's class and message in the report (the
traceback is logged at debug level), and the next account runs.

Error texts never carry a file's content beyond a short excerpt of the
offending line of a file that declares itself ours (``X-Automsg-*`` header),
with registered secrets masked.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import gitrun
from .config import AccountSettings, Settings
from .errors import AutomsgError, ConfigError, LockHeld
from .export import ExportRequest, export_for_translation
from .files import file_kind, inbox_entries, write_atomic
from .formats import IMPORTABLE
from .gitsync import redact_url
from .imports import ImportOptions, import_translations, new_run_id
from .log import redact, register_secrets
from .lp import Connection, connect
from .snapshot import fetch_snapshot
from .state import DomainCache, StateStore, account_lock

log = logging.getLogger("automsg_sync.cron")

OK, NEEDS_HUMAN, ERROR, LOCKED = "ok", "needs-human", "error", "locked"
EXIT = {OK: 0, NEEDS_HUMAN: 3, ERROR: 1, LOCKED: 4}
SEVERITY = {OK: 0, LOCKED: 1, NEEDS_HUMAN: 2, ERROR: 3}
IN_WORDS = {OK: "ok", NEEDS_HUMAN: "needs a human", ERROR: "error", LOCKED: "locked"}
LEFT_ALONE = "not a regular file"
SNIFF_BYTES = 1 << 16  # how much of a refused file is searched for our header
# Steps no two accounts may take at once (see the module docstring).
_EXPORTING = threading.Lock()
_VERIFYING = threading.Lock()


@dataclass
class FileResult:
    name: str
    # applied, planned, failed (refused: moved to failed/), kept (API error: still in the inbox),
    # left (not a regular file: a symlink, FIFO, socket, device or folder, never touched)
    status: str
    moved_to: str | None
    errors_file: str | None = None  # a refused file's <name>.errors.json
    planned: int = 0
    applied: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    import_run: str | None = None
    written: list[tuple[str, str]] = field(default_factory=list)  # (unit key, language)


@dataclass
class AccountResult:
    account: str
    status: str = OK
    files: list[FileResult] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # inbox files still being written: left for next run
    exported: list[str] = field(default_factory=list)
    export_id: str | None = None
    export: str = "not run"  # unchanged (304), nothing new, exported, not run
    errors: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    requests: int = 0
    verify: list[dict[str, Any]] = field(default_factory=list)

    def worsen(self, status: str) -> None:
        if SEVERITY[status] > SEVERITY[self.status]:
            self.status = status

    def count(self, *statuses: str) -> int:
        return sum(1 for f in self.files if f.status in statuses)

    def inbox_summary(self) -> str:
        """What became of the inbox, in words: ``1 imported, 2 refused (see …)``."""
        pieces: list[str] = []
        if self.count("applied", "planned"):
            pieces.append(f"{self.count('applied', 'planned')} imported")
        refused = [f.errors_file for f in self.files if f.status == "failed" and f.errors_file]
        if refused:
            pieces.append(f"{len(refused)} refused (see {_see(refused)})")
        if self.count("kept"):
            pieces.append(f"{self.count('kept')} left in the inbox for the next run")
        left = [f.name for f in self.files if f.status == "left"]
        if left:
            pieces.append(f"{len(left)} not regular files left alone ({_names(left)})")
        if self.waiting:
            pieces.append(f"{len(self.waiting)} waiting (still being written)")
        return ", ".join(pieces) or "nothing to import"

    def summary(self) -> str:
        if self.status == LOCKED:
            return f"{self.account}: locked — another run holds this account's lock; skipped"
        parts = [f"{self.account}: {IN_WORDS[self.status]}", self.inbox_summary()]
        if self.count("applied", "planned") or any(f.applied for f in self.files):
            applied = sum(f.applied for f in self.files)
            planned = sum(f.planned for f in self.files if f.status == "planned")
            skipped = sum(len(f.skipped) for f in self.files)
            done = f"{planned} planned (auto_apply is off)" if self.count("planned") else f"{applied} applied"
            parts.append(f"{done}, {skipped} skipped")
        if self.verify:
            passed = sum(1 for v in self.verify if v.get("status") == "pass")
            parts.append(f"verified {passed}/{len(self.verify)}")
        if self.exported:
            parts.append(f"exported {len(self.exported)} file(s)")
        else:
            parts.append(
                {"unchanged": "unchanged since last export"}.get(self.export, "nothing new to export")
            )
        parts.append(f"{self.requests} requests, {sum(self.seconds.values()):.2f} s")
        if self.errors:
            parts.append("error: " + self.errors[0])
        return "; ".join(parts)


@dataclass
class CronReport:
    run_id: str
    started_at: str
    accounts: list[AccountResult] = field(default_factory=list)
    path: Path | None = None
    git: dict[str, str | None] | None = None  # the repository (redacted), commit fetched, commit pushed

    @property
    def exit_code(self) -> int:
        worst = max((a.status for a in self.accounts), key=SEVERITY.__getitem__, default=OK)
        return EXIT[worst]

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "exit_code": self.exit_code,
            "accounts": [_account_json(a) for a in self.accounts],
            **({"git": self.git} if self.git is not None else {}),
        }


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
    report = CronReport(new_run_id("cron"), _now())
    _prepare(settings, ids)
    git_round, git_error = _git_start(settings, ids)
    report.accounts = _run_accounts(settings, ids, report.run_id, wait, sleep, clock, git_round)
    if git_round is not None:
        gitrun.finish(git_round, report.run_id, settings.state_dir)
        report.git = {"remote": git_round.remote, "fetched": git_round.head, "pushed": git_round.pushed}
        git_error = git_round.error
    if git_error is not None:  # the repository's trouble is each git account's, not the others'
        needs_human = git_round is not None and git_round.needs_human
        for result in report.accounts:
            if _uses_git(settings, settings.accounts[result.account]):
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
        from .html import write_run_page

        try:  # the page a person looks at, beside the JSON a machine reads
            write_run_page(document, path.with_suffix(".html"))
        except Exception as exc:
            _cannot_write("run page", path.with_suffix(".html"), exc)
    return report


def _uses_git(settings: Settings, account: AccountSettings) -> bool:
    return settings.git is not None and account.git


def _git_start(settings: Settings, ids: list[str]) -> tuple[gitrun.GitRound | None, str | None]:
    """The run's git round, when an account of it uses ``[git]`` (see :mod:`gitrun`)."""
    if not any(_uses_git(settings, settings.accounts[a]) for a in ids):
        return None, None
    try:
        return gitrun.start(settings), None
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
    git_round: gitrun.GitRound | None = None,
) -> list[AccountResult]:
    """Every account's result, in the order of ``ids``; up to ``max_parallel_accounts`` run at once."""

    def serve(account_id: str) -> AccountResult:
        try:
            account = settings.accounts[account_id]
            git = git_round if _uses_git(settings, account) else None
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
    git: gitrun.GitRound | None = None,
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
    git: gitrun.GitRound | None = None,
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
            _import_git(settings, account, conn, state, result, git)
        else:
            _import_inbox(settings, account, conn, state, run_id, result, clock)
        result.seconds["import"] = round(time.monotonic() - started, 3)
        if account.policies.verify_after_apply:
            mark = time.monotonic()
            with _VERIFYING:  # one webhook listener address for every account
                _verify(settings, account, conn, state, result)
            result.seconds["verify"] = round(time.monotonic() - mark, 3)
        mark = time.monotonic()
        if git is not None:
            with _EXPORTING:
                written = gitrun.export_account(git, settings, account, conn, state)
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


def is_settled(path: Path, settle_seconds: float, now: float) -> bool | None:
    """Whether ``path`` has not changed for ``settle_seconds`` at ``now``; None: it is gone.

    Judged by the modification time (of the entry itself: a symlink is not
    followed), which every write moves (a growing file's size never changes
    without it); a time in the future (a skewed clock) is not settled either.
    ``settle_seconds = 0`` takes every file at once.
    """
    try:
        modified = os.lstat(path).st_mtime
    except FileNotFoundError:
        return None
    return settle_seconds <= 0 or modified <= now - settle_seconds


def _import_inbox(
    settings: Settings,
    account: AccountSettings,
    conn: Connection,
    state: StateStore,
    run_id: str,
    result: AccountResult,
    clock: Callable[[], float],
) -> None:
    policies = account.policies
    options = _import_options(settings, account)
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    inbox = settings.paths.inbox / account.id
    inbox.mkdir(parents=True, exist_ok=True)  # where a translator (or an upload job) drops files
    for entry in inbox_entries(inbox):
        path, name = entry.path, printable(entry.path.name)
        if entry.kind != "file":
            _leave_alone(result, name, entry.kind)
            continue
        settled = is_settled(path, settings.settle_seconds, clock())
        if settled is None:
            continue  # gone since the listing: whoever took it, it is not ours to report
        if not settled:
            result.waiting.append(name)
            continue
        # looked at again just before it is read: a file swapped for a link since the listing is not read
        kind = _kind_now(path)
        if kind is None:
            continue
        if kind != "file":
            _leave_alone(result, name, kind)
            continue
        if path.suffix.lower() not in IMPORTABLE:
            errors = [f"{name}: not a translator file (expected {', '.join(IMPORTABLE)})"]
            moved, errors_file = _fail(settings, account, path, run_id, {"errors": errors})
            result.files.append(
                FileResult(name, "failed", printable(str(moved)), printable(str(errors_file)), errors=errors)
            )
            result.worsen(NEEDS_HUMAN)
            continue
        report = import_translations(conn, account, [path], options, state, settings.state_dir / "backups")
        data = report.to_json()
        file_errors = [e for e in report.errors if e.file]
        api_errors = [e for e in report.errors if not e.file]
        ours = _declares_ours(path) if file_errors else True
        problems = [(printable(e.file), e.where, _shown(e.message, ours=ours)) for e in report.errors]
        data["errors"] = [{"file": f, "where": w, "message": m} for f, w, m in problems]
        item = FileResult(
            name,
            "",
            None,
            planned=len(data["planned"]),
            applied=len(data["applied"]),
            skipped=data["skipped"],
            errors=[_problem_text(*problem) for problem in problems],
            import_run=report.run_id,
            written=[(d["key"], d["language"]) for d in data["applied"]],
        )
        if file_errors:  # the file is refused, the account is fine: a human must look at the file
            moved, errors_file = _fail(settings, account, path, run_id, data)
            item.status, item.moved_to = "failed", printable(str(moved))
            item.errors_file = printable(str(errors_file))
            result.worsen(NEEDS_HUMAN)
        elif api_errors:
            item.status = "kept"  # the file is fine; the account was not: try again next run
            result.errors += [printable(redact(e.message)) for e in api_errors]
            result.worsen(ERROR)
        else:
            item.status = "applied" if policies.auto_apply else "planned"
            item.moved_to = printable(str(move(path, settings.paths.archive / today / account.id, run_id)))
            if item.skipped or (not policies.auto_apply and item.planned):
                result.worsen(NEEDS_HUMAN)
        result.files.append(item)


def _import_options(settings: Settings, account: AccountSettings) -> ImportOptions:
    policies = account.policies
    return ImportOptions(
        apply=policies.auto_apply,
        accept_stale=policies.accept_stale,
        prefer_file=policies.prefer_file,
        max_length=account.max_length,
        max_file_bytes=settings.max_file_bytes,
        max_xlsx_bytes=settings.max_xlsx_bytes,
    )


def _import_git(
    settings: Settings,
    account: AccountSettings,
    conn: Connection,
    state: StateStore,
    result: AccountResult,
    git: gitrun.GitRound,
) -> None:
    """The files the platform changed in the repository, each imported as an inbox file is
    (reported with its path and commit; nothing is moved: the repository is the record)."""
    for found in gitrun.import_account(
        git, settings, account, conn, state, _import_options(settings, account)
    ):
        name = f"{found.path}@{found.commit[:12]}"
        if found.deleted:
            result.files.append(
                FileResult(name, "deleted", None, errors=["deleted on the platform: nothing to import"])
            )
            continue
        if found.error is not None or found.report is None:
            result.files.append(
                FileResult(name, "failed", None, errors=[printable(redact(found.error or ""))])
            )
            result.worsen(NEEDS_HUMAN)
            continue
        report = found.report
        data = report.to_json()
        item = FileResult(
            name,
            "applied" if account.policies.auto_apply else "planned",
            None,
            planned=len(data["planned"]),
            applied=len(data["applied"]),
            skipped=data["skipped"],
            errors=[printable(redact(e.message)) for e in report.errors],
            import_run=report.run_id,
            written=[(d["key"], d["language"]) for d in data["applied"]],
        )
        if any(e.file for e in report.errors):
            item.status = "failed"
            result.worsen(NEEDS_HUMAN)
        elif report.errors:
            item.status = "kept"
            result.worsen(ERROR)
        elif item.skipped or (not account.policies.auto_apply and item.planned):
            result.worsen(NEEDS_HUMAN)
        result.files.append(item)


def _leave_alone(result: AccountResult, name: str, kind: str) -> None:
    """A symlink, FIFO, socket, device or folder in the inbox: reported, never touched.

    It is not moved to ``failed/`` either: a link moved there would still lead
    anyone who opens it to its target, and nothing of it can be moved across
    file systems without following or reading it. It stays until a human
    removes it, and every run says so (exit 3)."""
    result.files.append(FileResult(name, "left", None, errors=[f"{name}: {LEFT_ALONE} ({kind}): left alone"]))
    result.worsen(NEEDS_HUMAN)


def _kind_now(path: Path) -> str | None:
    try:
        return file_kind(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None


def _open_regular(path: Path) -> int:
    """A read descriptor on ``path`` if it is a regular file; never follows a link, never
    waits on a FIFO (``OSError`` otherwise)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, f"{LEFT_ALONE}: {printable(str(path))}")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _declares_ours(path: Path) -> bool:
    """Whether a refused file says it is one of ours: an ``X-Automsg-*`` header (PO,
    XLIFF), or an XLSX (its reader quotes nothing before finding our metadata sheet)."""
    if path.suffix.lower() == ".xlsx":
        return True
    try:
        fd = _open_regular(path)
    except OSError:
        return False
    with os.fdopen(fd, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    return b"X-Automsg-Account" in head


# a Python repr of a text: what readers quote of a file ('…' or "…", with escapes)
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'" + r'|"(?:[^"\\]|\\.)*"')
EXCERPT = 40  # characters of a quoted line an error may show


def _shown(message: str, *, ours: bool) -> str:
    """An import error as a report may show it: quotes of the file's content are cut
    to a short excerpt, or dropped for a file that is not ours; secrets masked."""

    def cut(match: re.Match[str]) -> str:
        if not ours:
            return "(content not shown: not a file of ours)"
        quoted = match.group(0)
        return quoted if len(quoted) <= EXCERPT + 2 else quoted[: EXCERPT + 1] + "…" + quoted[-1]

    return printable(redact(_QUOTED.sub(cut, message)))


def _verify(
    settings: Settings, account: AccountSettings, conn: Connection, state: StateStore, result: AccountResult
) -> None:
    """After an apply: a test conversation per language and skill whose welcome message was written."""
    from .verify import PASS, languages_to_verify, verify

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


def move(path: Path, folder: Path, run_id: str) -> Path:
    """Move a file into ``folder`` without ever losing it: a rename, or copy-then-rename-then-unlink.

    An existing file of the same name is kept; the newcomer gets the run id in its name.
    A rename moves a link itself, never its target; across file systems only a regular
    file is copied (opened without following a link), anything else is refused.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / _free_name(folder, path, run_id)
    try:
        os.rename(path, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        _copy_regular(path, target)
        path.unlink()
    return target


def _copy_regular(path: Path, target: Path) -> None:
    """Copy a regular file (never through a link) to ``target`` by way of a temporary
    file beside it, which no failure leaves behind."""
    source = _open_regular(path)
    with os.fdopen(source, "rb") as src:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as dst:
                shutil.copyfileobj(src, dst)
                dst.flush()
                os.fsync(dst.fileno())
            os.utime(tmp, ns=_times(os.fstat(src.fileno())))
            os.replace(tmp, target)
        except BaseException:
            _unlink_quietly(tmp)
            raise


def _times(info: os.stat_result) -> tuple[int, int]:
    return (info.st_atime_ns, info.st_mtime_ns)


def _unlink_quietly(path: str | Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def write_json_private(path: Path, document: dict[str, Any]) -> None:
    """Write a JSON file readable by its owner only (0600), atomically
    (:func:`files.write_atomic`: removed again if anything fails, a full disk).

    Texts stay as they are (JSON escapes a line break or a control character itself;
    the report's texts were shown ``\\x0a`` before); only what UTF-8 cannot hold, the
    bytes of a file name that is not UTF-8, is escaped, so no name can make the write fail."""
    text = json.dumps(_json_safe(document), ensure_ascii=False, separators=(",", ":"))
    write_atomic(path, text.encode("utf-8"), private=True, sync=True)


def _fail(
    settings: Settings, account: AccountSettings, path: Path, run_id: str, data: dict[str, Any]
) -> tuple[Path, Path]:
    """Move a refused file to ``failed/<account>/``; returns where it went and its errors file."""
    folder = settings.paths.failed / account.id
    details = {
        "file": printable(path.name),
        "account": account.id,
        "cron_run": run_id,
        "failed_at": _now(),
        **data,
    }
    # The reasons are written first: a run killed between the two steps leaves
    # the file in the inbox, to be tried (and explained) again.
    errors_file = folder / f"{_free_name(folder, path, run_id)}.errors.json"
    write_json_private(errors_file, details)
    return move(path, folder, run_id), errors_file


def _see(errors_files: list[str], most: int = 3) -> str:
    """Where the reasons are: one path, or the names in their folder."""
    paths = [Path(f) for f in errors_files]
    if len(paths) == 1:
        return str(paths[0])
    names = [p.name for p in paths[:most]]
    more = f" and {len(paths) - most} more" if len(paths) > most else ""
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if not more else ", ".join(names) + more
    return f"{listed} in {paths[0].parent}{os.sep}"


def _free_name(folder: Path, path: Path, run_id: str) -> str:
    """The name a file gets in ``folder``: its own, or with the run id if that is taken."""
    taken = os.path.lexists(folder / path.name)  # a link there counts, and is not followed
    return path.name if not taken else f"{path.stem}.{run_id}{path.suffix}"


def _problem_text(file: str, where: int | None, message: str) -> str:
    location = f"{Path(file).name}:{where}" if file and where else Path(file).name if file else ""
    return f"{location}: {message}" if location else message


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """``text`` as any report or terminal can hold it: bytes of a file name that are not
    UTF-8 (``os.fsdecode``'s surrogates) and control characters shown as ``\\xNN``."""
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def _utf8(text: str) -> str:
    """``text`` as UTF-8 can hold it: a file name's undecodable bytes (``os.fsdecode``'s
    surrogates) as ``\\xNN``, any other lone surrogate as ``\\udNNN``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _json_safe(value: Any) -> Any:
    if isinstance(value, str):
        return _utf8(value)
    if isinstance(value, dict):
        return {_utf8(str(k)): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _names(names: list[str], most: int = 3) -> str:
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _account_json(a: AccountResult) -> dict[str, Any]:
    return {
        "account": a.account,
        "status": a.status,
        "exit_code": EXIT[a.status],
        "summary": a.summary(),
        "inbox": {
            "imported": a.count("applied", "planned"),
            "refused": a.count("failed"),
            "kept": a.count("kept"),
            "waiting": len(a.waiting),
            "left_alone": a.count("left"),
        },
        "imported": [vars(f) for f in a.files],
        "waiting": a.waiting,
        "applied": sum(f.applied for f in a.files),
        "skipped": [s for f in a.files for s in f.skipped],
        "export": a.export,
        "verify": a.verify,
        "export_id": a.export_id,
        "exported": a.exported,
        "errors": a.errors + [e for f in a.files for e in f.errors],
        "seconds": a.seconds,
        "requests": a.requests,
    }
