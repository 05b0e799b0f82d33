"""``cron-run``: both directions, unattended, for every configured account.

For each account, in order:

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
   settled); it is reported as waiting and the next run takes it;
3. export the units in the ``export_only`` states to ``outbox/<account>/``
   when something changed: a conditional GET answered 304 (one request, with
   the Domain API's answer cached in the state store) means nothing did, and
   an export whose units equal the last export's writes no file;
4. write ``reports/<run-id>.json`` and print one line per account.

Exit code: the worst over the accounts — 1 error (the account itself failed:
LivePerson unreachable or refusing, a login refused, a write that failed, the
state store unusable), 3 needs a human (a refused inbox file, units skipped,
or a plan waiting because ``auto_apply`` is off), 4 an account was locked by
another run, 0 otherwise (files still being written only wait). One failing
account does not stop the others.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from .apply import write_private_json
from .config import AccountSettings, Settings
from .errors import AutomsgError, ConfigError
from .export import ExportRequest, export_for_translation, fetch_snapshot
from .formats import IMPORTABLE
from .imports import ImportOptions, import_translations, new_run_id
from .lp import Connection, connect
from .state import DomainCache, StateStore

log = logging.getLogger("automsg_sync.cron")

OK, NEEDS_HUMAN, ERROR, LOCKED = "ok", "needs-human", "error", "locked"
EXIT = {OK: 0, NEEDS_HUMAN: 3, ERROR: 1, LOCKED: 4}
SEVERITY = {OK: 0, LOCKED: 1, NEEDS_HUMAN: 2, ERROR: 3}
IN_WORDS = {OK: "ok", NEEDS_HUMAN: "needs a human", ERROR: "error", LOCKED: "locked"}
IN_PROGRESS = (".part", ".tmp", ".crdownload", ".partial")


@dataclass
class FileResult:
    name: str
    status: str  # applied, planned, failed (refused: moved to failed/), kept (API error: still in the inbox)
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
    ids = account_ids or list(settings.accounts)
    unknown = [a for a in ids if a not in settings.accounts]
    if unknown:
        raise ConfigError(f"--accounts: account {unknown[0]} is not in the config file")
    report = CronReport(new_run_id("cron"), _now())
    for account_id in ids:
        result = _run_account(settings, settings.accounts[account_id], report.run_id, wait, sleep, clock)
        report.accounts.append(result)
        log.info(result.summary(), extra={"account": account_id, "status": result.status})
    report.path = settings.paths.reports / f"{report.run_id}.json"
    write_private_json(report.path, report.to_json())
    return report


def _run_account(
    settings: Settings,
    account: AccountSettings,
    run_id: str,
    wait: float,
    sleep: Callable[[float], None] | None,
    clock: Callable[[], float],
) -> AccountResult:
    result = AccountResult(account.id)
    lock_dir = settings.state_dir / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_dir / f"{account.id}.lock"), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        result.status = LOCKED
        return result
    started = time.monotonic()
    conn: Connection | None = None
    try:
        state = StateStore(settings.state_dir)
        conn = connect(settings, account, sleep=sleep, domain_store=DomainCache(state))
        _import_inbox(settings, account, conn, state, run_id, result, clock)
        result.seconds["import"] = round(time.monotonic() - started, 3)
        if account.policies.verify_after_apply:
            mark = time.monotonic()
            _verify(settings, account, conn, state, result)
            result.seconds["verify"] = round(time.monotonic() - mark, 3)
        mark = time.monotonic()
        _export(settings, account, conn, state, result)
        result.seconds["export"] = round(time.monotonic() - mark, 3)
    except AutomsgError as exc:
        result.errors.append(str(exc))
        result.worsen(ERROR)
    finally:
        if conn is not None:
            conn.close()  # logs a Login Service session out; never raises
            result.requests = conn.http.requests_sent
        lock.release()
    return result


def inbox_files(inbox: Path) -> list[Path]:
    """Files to import, oldest first; uploads in progress and hidden files are not touched."""
    if not inbox.is_dir():
        return []
    files = [
        p
        for p in inbox.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.lower().endswith(IN_PROGRESS)
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def is_settled(path: Path, settle_seconds: float, now: float) -> bool | None:
    """Whether ``path`` has not changed for ``settle_seconds`` at ``now``; None: it is gone.

    Judged by the modification time, which every write moves (a growing file's
    size never changes without it); a time in the future (a skewed clock) is
    not settled either. ``settle_seconds = 0`` takes every file at once.
    """
    try:
        modified = path.stat().st_mtime
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
    options = ImportOptions(
        apply=policies.auto_apply,
        accept_stale=policies.accept_stale,
        prefer_file=policies.prefer_file,
        max_length=account.max_length,
        max_file_bytes=settings.max_file_bytes,
    )
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    for path in inbox_files(settings.paths.inbox / account.id):
        settled = is_settled(path, settings.settle_seconds, clock())
        if settled is None:
            continue  # gone since the listing: whoever took it, it is not ours to report
        if not settled:
            result.waiting.append(path.name)
            continue
        if path.suffix.lower() not in IMPORTABLE:
            errors = [f"{path.name}: not a translator file (expected {', '.join(IMPORTABLE)})"]
            moved, errors_file = _fail(settings, account, path, run_id, {"errors": errors})
            result.files.append(FileResult(path.name, "failed", str(moved), str(errors_file), errors=errors))
            result.worsen(NEEDS_HUMAN)
            continue
        report = import_translations(conn, account, [path], options, state, settings.state_dir / "backups")
        data = report.to_json()
        file_errors = [e for e in report.errors if e.file]
        api_errors = [e for e in report.errors if not e.file]
        item = FileResult(
            path.name,
            "",
            None,
            planned=len(data["planned"]),
            applied=len(data["applied"]),
            skipped=data["skipped"],
            errors=[_problem_text(e.file, e.where, e.message) for e in report.errors],
            import_run=report.run_id,
            written=[(d["key"], d["language"]) for d in data["applied"]],
        )
        if file_errors:  # the file is refused, the account is fine: a human must look at the file
            moved, errors_file = _fail(settings, account, path, run_id, data)
            item.status, item.moved_to, item.errors_file = "failed", str(moved), str(errors_file)
            result.worsen(NEEDS_HUMAN)
        elif api_errors:
            item.status = "kept"  # the file is fine; the account was not: try again next run
            result.errors += [e.message for e in api_errors]
            result.worsen(ERROR)
        else:
            item.status = "applied" if policies.auto_apply else "planned"
            item.moved_to = str(move(path, settings.paths.archive / today / account.id, run_id))
            if item.skipped or (not policies.auto_apply and item.planned):
                result.worsen(NEEDS_HUMAN)
        result.files.append(item)


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
    )
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
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / _free_name(folder, path, run_id)
    try:
        os.rename(path, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        tmp = folder / f".{target.name}.tmp"
        shutil.copy2(path, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        path.unlink()
    return target


def _fail(
    settings: Settings, account: AccountSettings, path: Path, run_id: str, data: dict[str, Any]
) -> tuple[Path, Path]:
    """Move a refused file to ``failed/<account>/``; returns where it went and its errors file."""
    folder = settings.paths.failed / account.id
    details = {"file": path.name, "account": account.id, "cron_run": run_id, "failed_at": _now(), **data}
    # The reasons are written first: a run killed between the two steps leaves
    # the file in the inbox, to be tried (and explained) again.
    errors_file = folder / f"{_free_name(folder, path, run_id)}.errors.json"
    write_private_json(errors_file, details)
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
    return path.name if not (folder / path.name).exists() else f"{path.stem}.{run_id}{path.suffix}"


def _problem_text(file: str, where: int | None, message: str) -> str:
    location = f"{Path(file).name}:{where}" if file and where else Path(file).name if file else ""
    return f"{location}: {message}" if location else message


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
