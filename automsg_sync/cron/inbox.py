"""``cron-run``'s import of an account's returned files: its inbox folder, or the files the
platform changed in the git repository; each file on its own, its fate in a :class:`FileResult`.

What a report may show of a refused file is decided here too: a short excerpt of
the offending line of a file that declares itself ours (``X-Automsg-*`` header),
nothing of any other file's content; registered secrets masked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..config import AccountSettings, Settings
from ..files import inbox_entries
from ..formats import IMPORTABLE
from ..git import round as gitround
from ..imports import ImportOptions, import_translations
from ..log import redact
from ..lp import Connection
from ..state import StateStore
from .folders import LEFT_ALONE, is_settled, kind_now, move, move_to_failed, open_regular
from .report import ERROR, NEEDS_HUMAN, AccountResult, FileResult, printable

SNIFF_BYTES = 1 << 16  # how much of a refused file is searched for our header


def import_inbox(
    settings: Settings,
    account: AccountSettings,
    conn: Connection,
    state: StateStore,
    run_id: str,
    result: AccountResult,
    clock: Callable[[], float],
) -> None:
    """Import every settled regular file of ``inbox/<account>/``, oldest first, each on its own
    (see the package's docstring for where each goes)."""
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
        kind = kind_now(path)
        if kind is None:
            continue
        if kind != "file":
            _leave_alone(result, name, kind)
            continue
        if path.suffix.lower() not in IMPORTABLE:
            errors = [f"{name}: not a translator file (expected {', '.join(IMPORTABLE)})"]
            moved, errors_file = move_to_failed(settings, account, path, run_id, {"errors": errors})
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
            moved, errors_file = move_to_failed(settings, account, path, run_id, data)
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
    return ImportOptions.for_account(
        settings,
        account,
        apply=policies.auto_apply,
        accept_stale=policies.accept_stale,
        prefer_file=policies.prefer_file,
    )


def import_git(
    settings: Settings,
    account: AccountSettings,
    conn: Connection,
    state: StateStore,
    result: AccountResult,
    git: gitround.GitRound,
) -> None:
    """The files the platform changed in the repository, each imported as an inbox file is
    (reported with its path and commit; nothing is moved: the repository is the record)."""
    for found in gitround.import_account(
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


def _declares_ours(path: Path) -> bool:
    """Whether a refused file says it is one of ours: an ``X-Automsg-*`` header (PO,
    XLIFF), or an XLSX (its reader quotes nothing before finding our metadata sheet)."""
    if path.suffix.lower() == ".xlsx":
        return True
    try:
        fd = open_regular(path)
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


def _problem_text(file: str, where: int | None, message: str) -> str:
    location = f"{Path(file).name}:{where}" if file and where else Path(file).name if file else ""
    return f"{location}: {message}" if location else message
