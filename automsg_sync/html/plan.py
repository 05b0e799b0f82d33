"""The plan page of ``import-translations --html``: what an import would write (a dry
run) or wrote, and every unit that needs a human, one section per account.

Size: a plan page lists every unit that needs a human (conflict, stale, QA error,
gone, two files disagreeing) up to ``HUMAN_LIMIT``, and the planned or applied
updates up to ``UPDATE_LIMIT`` (in key order); unchanged and left-as-exported units
are only counted. Every unit is counted per context and language in the tables at
the top; those not listed are in the JSON report (``--report``). Contexts are
collapsed (``<details>``) when a part lists more than ``OPEN_LIMIT`` units. So the
page for a 303,000-unit import renders in about a second and opens in a browser at
once.
"""

from __future__ import annotations

import heapq
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from ..diff import CONFLICT, GONE, NOOP, STALE, UNTOUCHED, UPDATE, Decision, Proposal
from ..imports import ImportReport, ImportRun
from ..model import Context, is_rtl
from ..qa import Finding
from .outcomes import APPLIED, DUPLICATE, EXPLAINED, HUMAN, HUMAN_LIMIT, NOT_APPLIED, QA, WORDS
from .page import render_page, write_page
from .texts import Command, Text, command_line, diff, import_commands, show

UPDATE_LIMIT = 2000  # planned / applied updates listed with their texts
OPEN_LIMIT = 500  # above this many units in a part, its contexts start collapsed

Findings = Mapping[tuple[str, str], list[Finding]]  # (unit key, language) → its QA findings


@dataclass
class UnitView:
    """One unit on a plan page."""

    anchor: str
    key: str
    outcome: str
    language: str
    lang_class: str
    rtl: bool
    where: str
    texts: list[Text]
    findings: list[Finding] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    note: str = ""

    @property
    def words(self) -> str:
        return WORDS[self.outcome]


@dataclass
class MessageView:
    anchor: str
    message: str
    source: Markup
    units: list[UnitView] = field(default_factory=list)


@dataclass
class ContextView:
    anchor: str
    key: str
    open: bool
    messages: list[MessageView] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(m.units) for m in self.messages)


@dataclass
class Part:
    """The units needing a human, or the updates, of one account, grouped by context and message."""

    title: str
    anchor: str
    total: int
    contexts: list[ContextView]

    @property
    def listed(self) -> int:
        return sum(c.count for c in self.contexts)


@dataclass
class AccountPlan:
    report: ImportReport
    anchor: str
    totals: list[tuple[str, int | str]]
    skipped: Counter[str]
    phases: dict[str, float]
    parts: list[Part]
    by_context: list[tuple[str, str | None, Counter[str]]]  # (context, anchor of its first part, outcomes)
    by_language: list[tuple[str, str, Counter[str]]]  # (language, class, outcomes)
    commands: list[Command]


Item = tuple[str, Decision | None, Proposal]  # (outcome, decision if any, proposal)
Tally = Counter[tuple[Context, str, str]]  # (context, language, outcome) → units


def plan_page(run: ImportRun, *, title: str | None = None) -> str:
    """The HTML of an ``import-translations`` run: one section per account."""
    counter = iter(range(1, 1 << 62))
    languages = sorted(
        {p.language for r in run.reports for _, _, p in _items(r)}
        | {d.language for r in run.reports for d in r.decisions}
    )
    classes = {lang: f"l{i}" for i, lang in enumerate(languages)}
    accounts = [_account_plan(r, classes, counter) for r in run.reports]
    dry = all(r.dry_run for r in run.reports)
    heading = title or ("Import plan (dry run: nothing written)" if dry else "Import applied")
    outcomes = [o for o in (*HUMAN, UPDATE, APPLIED, NOT_APPLIED) if any(_has(a, o) for a in accounts)]
    return render_page(
        "plan.html",
        title=heading,
        accounts=accounts,
        languages=[(lang, classes[lang], is_rtl(lang)) for lang in languages],
        outcomes=outcomes,
        words=WORDS,
        explained=EXPLAINED,
        human=HUMAN,
        limits=(HUMAN_LIMIT, UPDATE_LIMIT),
        exit_code=run.exit_code,
    )


def write_plan_page(run: ImportRun | ImportReport, path: Path) -> float:
    """``import-translations --html FILE``; returns the seconds it took."""
    started = time.monotonic()
    write_page(path, plan_page(run if isinstance(run, ImportRun) else ImportRun([run])))
    return time.monotonic() - started


def _has(plan: AccountPlan, outcome: str) -> bool:
    return any(
        u.outcome == outcome for p in plan.parts for c in p.contexts for m in c.messages for u in m.units
    )


def _sort_key(item: Item) -> tuple[tuple[int, int, str], str, str]:
    p = item[2]
    return (p.key.context.sort_key(), p.key.message, p.language)


def _items(report: ImportReport) -> Iterable[Item]:
    """Every unit that needs a human, then every planned update (as the page names them)."""
    late = {(d.key, d.language): d for d in report.applied.late} if report.applied else {}
    written = {(d.key, d.language) for d in report.applied.written} if report.applied else set()
    for d in report.decisions:
        if d.outcome in (CONFLICT, STALE, GONE):
            yield d.outcome, d, d.proposal
        elif d.outcome == UPDATE:
            unit = (d.key, d.language)
            if unit in late:
                again = late[unit]
                if again.outcome in (CONFLICT, STALE, GONE):
                    yield again.outcome, again, again.proposal
            elif report.applied is None:
                yield UPDATE, d, d.proposal
            else:
                yield (APPLIED if unit in written else NOT_APPLIED), d, d.proposal
    for p in report.qa_skipped:
        yield QA, None, p
    for p in report.duplicates:
        yield DUPLICATE, None, p


# --------------------------------------------------------------------------- one account's section


def _account_plan(report: ImportReport, classes: Mapping[str, str], counter: Iterable[int]) -> AccountPlan:
    """One account's section: its totals, the two parts (needs a human, updates) and the counts."""
    ids = iter(counter)  # shared by every account of the page: anchors stay unique
    human, updates, tally = _sort_out(report)
    parts = _parts(report, human, updates, classes, _findings(report), ids)
    counts = report.counts()
    skipped = _skipped(tally)
    by_context, by_language = _by_context_and_language(tally, parts, classes)
    return AccountPlan(
        report,
        f"a{next(ids)}",
        _totals(report, counts),
        skipped,
        dict(report.seconds),
        parts,
        by_context,
        by_language,
        _account_commands(report, counts, skipped),
    )


def _sort_out(report: ImportReport) -> tuple[list[Item], list[Item], Tally]:
    """The units a page lists (needing a human, updates), and every unit counted by context,
    language and outcome (the unchanged and left-as-exported too, also those found late)."""
    human: list[Item] = []
    updates: list[Item] = []
    tally: Tally = Counter()
    for item in _items(report):
        outcome, _, p = item
        tally[(p.key.context, p.language, outcome)] += 1
        (human if outcome in HUMAN else updates).append(item)
    late = report.applied.late if report.applied else []
    for d in [*report.decisions, *late]:
        if d.outcome in (NOOP, UNTOUCHED):
            tally[(d.key.context, d.language, d.outcome)] += 1
    return human, updates, tally


def _skipped(tally: Tally) -> Counter[str]:
    """The units needing a human, by outcome."""
    skipped: Counter[str] = Counter()
    for (_, _, outcome), n in tally.items():
        if outcome in HUMAN:
            skipped[outcome] += n
    return skipped


def _findings(report: ImportReport) -> Findings:
    findings: dict[tuple[str, str], list[Finding]] = {}
    for f in report.qa:
        findings.setdefault((f.key, f.language), []).append(f)
    return findings


def _parts(
    report: ImportReport,
    human: Sequence[Item],
    updates: Sequence[Item],
    classes: Mapping[str, str],
    findings: Findings,
    ids: Iterator[int],
) -> list[Part]:
    """Needs a human (up to ``HUMAN_LIMIT``), then the updates (up to ``UPDATE_LIMIT``), in key order."""
    shown_human = heapq.nsmallest(HUMAN_LIMIT, human, key=_sort_key)
    shown_updates = heapq.nsmallest(UPDATE_LIMIT, updates, key=_sort_key)
    verb = "Applied" if report.applied else "Planned updates"
    parts = []
    for title, letter, total, shown in (
        ("Needs a human", "h", len(human), shown_human),
        (verb, "p", len(updates), shown_updates),
    ):
        anchor = f"{letter}{next(ids)}"  # before its contexts take theirs
        contexts = _contexts(shown, report, classes, findings, ids, open_=len(shown) <= OPEN_LIMIT)
        parts.append(Part(title, anchor, total, contexts))
    return parts


def _totals(report: ImportReport, counts: Mapping[str, int]) -> list[tuple[str, int | str]]:
    """The cards at the top of an account's section."""
    qa_levels = Counter(f.severity for f in report.qa)
    return [
        ("to write", counts["planned"]),
        ("written", counts["applied"]),
        ("already live", counts["noop"]),
        ("left as exported", counts["untouched"]),
        ("need a human", counts["skipped"]),
        ("empty or unfinished", counts["ignored"]),
        ("QA errors", qa_levels["error"]),
        ("QA warnings", qa_levels["warning"]),
        ("file errors", counts["errors"]),
        ("requests", report.requests),
        ("seconds", f"{sum(report.seconds.values()):.2f}"),
    ]


def _by_context_and_language(
    tally: Tally, parts: Sequence[Part], classes: Mapping[str, str]
) -> tuple[list[tuple[str, str | None, Counter[str]]], list[tuple[str, str, Counter[str]]]]:
    """Every unit counted per context (linked to its first listing) and per language."""
    by_context: dict[Context, Counter[str]] = {}
    by_language: dict[str, Counter[str]] = {}
    for (ctx, lang, outcome), n in tally.items():
        by_context.setdefault(ctx, Counter())[outcome] += n
        by_language.setdefault(lang, Counter())[outcome] += n
    anchors: dict[str, str] = {}
    for part in reversed(parts):  # the first part's anchor wins
        for c in part.contexts:
            anchors[c.key] = c.anchor
    return (
        [(c.key, anchors.get(c.key), by_context[c]) for c in sorted(by_context)],
        [(lang, classes.get(lang, ""), by_language[lang]) for lang in sorted(by_language)],
    )


def _account_commands(
    report: ImportReport, counts: Mapping[str, int], skipped: Counter[str]
) -> list[Command]:
    """The commands that act on the whole import: apply it, take the file's side, push stale units."""
    if not report.files:
        return []
    return import_commands(
        report.files,
        report.again,
        apply=report.dry_run and bool(counts["planned"]),
        conflicts=bool(skipped[CONFLICT]),
        stale=bool(skipped[STALE]),
    )


# --------------------------------------------------------------------------- the units listed


def _contexts(
    items: Sequence[Item],
    report: ImportReport,
    classes: Mapping[str, str],
    findings: Findings,
    ids: Iterable[int],
    *,
    open_: bool,
) -> list[ContextView]:
    counter = iter(ids)
    contexts: list[ContextView] = []
    for item in items:  # sorted by context, message, language
        outcome, decision, p = item
        if not contexts or contexts[-1].key != p.key.context.key:
            contexts.append(ContextView(f"c{next(counter)}", p.key.context.key, open_))
        ctx = contexts[-1]
        if not ctx.messages or ctx.messages[-1].message != p.key.message:
            ctx.messages.append(MessageView(f"m{next(counter)}", p.key.message, show(p.src0)))
        ctx.messages[-1].units.append(
            _unit(outcome, decision, p, report, classes, findings, f"u{next(counter)}")
        )
    return contexts


def _unit(
    outcome: str,
    decision: Decision | None,
    p: Proposal,
    report: ImportReport,
    classes: Mapping[str, str],
    findings: Findings,
    anchor: str,
) -> UnitView:
    texts, commands, note = _unit_content(outcome, decision, p, report.account, report.again)
    return UnitView(
        anchor,
        str(p.key),
        outcome,
        p.language,
        classes.get(p.language, ""),
        is_rtl(p.language),
        f"{p.file}:{p.where}" if p.where else p.file,
        texts,
        findings.get((str(p.key), p.language), []),
        commands,
        note,
    )


UnitContent = tuple[list[Text], list[Command], str]  # (texts, commands, note)


def _unit_content(
    outcome: str, decision: Decision | None, p: Proposal, account: str, again: tuple[str, ...]
) -> UnitContent:
    """The texts a unit shows for its outcome, the commands that settle it, and a note."""
    live = decision.live if decision is not None else None
    if outcome == CONFLICT:
        return _conflict(p, live, again)
    if outcome == STALE:
        return _stale(p, decision, live, account, again)
    if outcome == GONE:
        return [("in the file", show(p.new), True)], [], decision.detail if decision else ""
    if outcome in (QA, DUPLICATE):
        return _kept_out(outcome, p, again)
    old, new = diff(live, p.new)
    return [("live now" if outcome == UPDATE else "before", old, True), ("new", new, True)], [], ""


def _conflict(p: Proposal, live: str | None, again: tuple[str, ...]) -> UnitContent:
    """Base, live and the file's text, each change marked against the base."""
    texts = [
        ("at export (base)", show(p.base), True),
        ("live now", diff(p.base, live)[1], True),
        ("in the file", diff(p.base, p.new)[1], True),
    ]
    commands = [
        (
            "take the file's text",
            command_line("automsg-sync", "import-translations", p.file, "--apply", "--prefer-file", *again),
        ),
        ("keep the live text", "nothing to do: leave it (the unit stays skipped)"),
    ]
    return texts, commands, ""


def _stale(
    p: Proposal, decision: Decision | None, live: str | None, account: str, again: tuple[str, ...]
) -> UnitContent:
    """The source then and now, the live text and the file's; push anyway or send back."""
    src0, src1 = diff(p.src0, decision.src1 if decision else None)
    old, new = diff(live, p.new)
    texts = [
        ("source at export", src0, False),
        ("source now", src1, False),
        ("live now", old, True),
        ("in the file", new, True),
    ]
    commands = [
        (
            "push it anyway",
            command_line("automsg-sync", "import-translations", p.file, "--apply", "--accept-stale", *again),
        ),
        (
            "send it back for translation",
            command_line(
                "automsg-sync",
                "export-for-translation",
                "--account",
                account,
                "--only",
                "stale",
                "--languages",
                p.language,
                *again,
            ),
        ),
    ]
    return texts, commands, ""


def _kept_out(outcome: str, p: Proposal, again: tuple[str, ...]) -> UnitContent:
    """A QA error or two files disagreeing: the text at export beside the file's."""
    old, new = diff(p.base, p.new)
    texts = [("at export", old, True), ("in the file", new, True)]
    if outcome == DUPLICATE:
        return texts, [], "another file gives this unit another text"
    return (
        texts,
        [
            (
                "correct the text in the file, then",
                command_line("automsg-sync", "import-translations", p.file, *again),
            )
        ],
        "",
    )
