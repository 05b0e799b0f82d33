"""``cron-run``'s report: what became of each account, its line, and the JSON written.

:class:`CronReport` holds an :class:`AccountResult` per account (in the configured
order), each with a :class:`FileResult` per inbox (or repository) file. Its
``to_json()`` is ``reports/<run-id>.json`` and what ``html.py``'s run page shows;
:func:`write_json_private` writes it (and a refused file's errors file) owner-only.
Every text a report holds goes through :func:`printable` first.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..files import write_private_json

OK, NEEDS_HUMAN, ERROR, LOCKED = "ok", "needs-human", "error", "locked"
EXIT = {OK: 0, NEEDS_HUMAN: 3, ERROR: 1, LOCKED: 4}
SEVERITY = {OK: 0, LOCKED: 1, NEEDS_HUMAN: 2, ERROR: 3}
IN_WORDS = {OK: "ok", NEEDS_HUMAN: "needs a human", ERROR: "error", LOCKED: "locked"}


@dataclass
class FileResult:
    """What became of one returned file (inbox or repository): its status, where it went, what it did."""

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
    """One account's part of the run: its status (the worst seen), its files, its export, its line."""

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
    """The run: its id, every account's result in the configured order, the exit code, the JSON."""

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


def write_json_private(path: Path, document: dict[str, Any]) -> None:
    """:func:`files.write_private_json` (owner-only, atomic, fsync'd) of a report whose
    texts may hold file names. Texts stay as they are (JSON escapes a line break or a
    control character itself); only what UTF-8 cannot hold, the bytes of a file name
    that is not UTF-8, is escaped (``\\xff``), so no name can make the write fail."""
    write_private_json(path, _json_safe(document))


def _see(errors_files: list[str], most: int = 3) -> str:
    """Where the reasons are: one path, or the names in their folder."""
    paths = [Path(f) for f in errors_files]
    if len(paths) == 1:
        return str(paths[0])
    names = [p.name for p in paths[:most]]
    more = f" and {len(paths) - most} more" if len(paths) > most else ""
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if not more else ", ".join(names) + more
    return f"{listed} in {paths[0].parent}{os.sep}"


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


def utc_stamp() -> str:
    """Now, in UTC, as the reports write a time (``2026-11-21T05:00:00Z``)."""
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
