"""What an ``import-translations`` call reports: the options it ran with, a file's
problem, an ignored entry, the report of one account's import (:class:`ImportReport`,
its lists and its JSON) and of a whole call (:class:`ImportRun`)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..apply import ApplyResult
from ..config import AccountSettings, Settings
from ..diff import SKIPPED, UNTOUCHED, UPDATE, Decision, Plan, Proposal
from ..formats import DEFAULT_MAX_BYTES
from ..model import FileMeta, language_key
from ..qa import Finding
from ..state import new_id


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
    # what every command suggested about this import carries (``--config /abs/automsg.toml``,
    # ``--state-dir /abs``), so that it works from any folder (issue #29)
    again: tuple[str, ...] = ()

    @classmethod
    def for_account(cls, settings: Settings, account: AccountSettings, **choices: Any) -> ImportOptions:
        """The options of an import into ``account``: the settings' file limits and the
        account's ``max_length``, with the run's ``choices`` (``apply``, ``accept_stale``,
        ``prefer_file``, ``include_fuzzy``, ``again``) — the command line's, or cron's
        policies."""
        return cls(
            max_length=account.max_length,
            max_file_bytes=settings.max_file_bytes,
            max_xlsx_bytes=settings.max_xlsx_bytes,
            **choices,
        )


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
    again: tuple[str, ...] = ()  # ImportOptions.again: the options of every suggested command

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


def unreadable_report(problems: Sequence[Problem], dry_run: bool) -> ImportReport:
    """The report of files no account could be read from: their errors only."""
    report = ImportReport(new_id("unreadable"), "", dry_run)
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
