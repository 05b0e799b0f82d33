"""Self-contained HTML pages: an import's plan, a cron run, coverage (``status``), an export.

Each page is one file: inline CSS, no external request of any kind (a
Content-Security-Policy meta tag forbids every fetch, and the only script
allowed is the page's own search box, by its hash), readable without
JavaScript — it can be opened from disk or attached to an e-mail.

Every text from LivePerson or a translator goes through Jinja2's autoescaping
or :func:`markupsafe.escape`: a ``<script>``, an ``onerror=`` or a
``javascript:`` link is shown as text. Texts are shown with placeholders
(``{agentNickname}``), HTML tags, line breaks and invisible or bidi control
characters (U+202E …) as visible tokens — a control character is never put in
the page as itself, so none can reorder it — and each text sits in its own
isolated box (``unicode-bidi: isolate``, ``<bdi>``), ``dir="rtl"`` for
right-to-left languages.

Size: a plan page lists every unit that needs a human (conflict, stale, QA
error, gone, two files disagreeing) up to ``HUMAN_LIMIT``, and the planned or
applied updates up to ``UPDATE_LIMIT`` (in key order); unchanged and
left-as-exported units are only counted. Every unit is counted per context
and language in the tables at the top; those not listed are in the JSON report
(``--report``). Contexts are collapsed (``<details>``) when a part lists more
than ``OPEN_LIMIT`` units. So the page for a 303,000-unit import renders in
about a second and opens in a browser at once.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import heapq
import re
import shlex
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from ..catalog import StatusRow
from ..diff import CONFLICT, GONE, NOOP, STALE, UNTOUCHED, UPDATE, Decision, Proposal
from ..export import ExportResult
from ..files import write_atomic
from ..imports import ImportReport, ImportRun
from ..model import UNIT_STATES, Context, is_rtl
from ..qa import Finding
from ..status import Status, done_percent

HUMAN_LIMIT = 5000  # units needing a human listed with their texts on a plan page
UPDATE_LIMIT = 2000  # planned / applied updates listed with their texts
OPEN_LIMIT = 500  # above this many units in a part, its contexts start collapsed

# outcomes as a page shows them; the first five need a human
QA, DUPLICATE, APPLIED, NOT_APPLIED = "qa", "duplicate", "applied", "not-applied"
HUMAN = (CONFLICT, STALE, QA, DUPLICATE, GONE)
WORDS = {
    CONFLICT: "conflict",
    STALE: "stale",
    QA: "QA error",
    DUPLICATE: "files disagree",
    GONE: "gone",
    UPDATE: "planned",
    APPLIED: "applied",
    NOT_APPLIED: "not written",
    NOOP: "unchanged",
    UNTOUCHED: "left as exported",
}
EXPLAINED = {
    CONFLICT: "changed live since the export, and the file has another text",
    STALE: "the source text changed since the export",
    QA: "a QA check failed: the unit is kept out",
    DUPLICATE: "two files give this unit different texts: both are skipped",
    GONE: "the message, its context or its source text no longer exists",
}

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("automsg_sync.html", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _asset(name: str) -> str:
    loader = _env.loader
    assert loader is not None
    source, _, _ = loader.get_source(_env, name)
    return source


_SCRIPT = _asset("search.js").strip()
_STYLE = _asset("page.css")
# the page's only script, allowed by its hash; every other script, and every request, is refused
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
    f"script-src 'sha256-{base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()}'"
)


# --------------------------------------------------------------------------- texts


_TOKEN = re.compile(
    r"(?P<ph>\{[A-Za-z0-9_.\-]{1,80}\})"
    r"|(?P<tag></?[A-Za-z][^<>]{0,300}>)"
    r"|(?P<nl>\r\n|\n|\r)"
    r"|(?P<ctl>[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb])"
    r"|(?P<cjk>[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff])"
    r"|(?P<word>\w+)"
    r"|(?P<space>[ \t]+)"
    r"|(?P<other>.)",
    re.S,
)
Token = tuple[str, str]  # (kind, text)


def tokens(text: str) -> list[Token]:
    """Words, spaces and punctuation; a placeholder, an HTML tag, a line break or a
    control character is one token each (CJK: one character a token)."""
    return [(m.lastgroup or "other", m.group(0)) for m in _TOKEN.finditer(text)]


def _control_name(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def _token_html(kind: str, text: str) -> str:
    if kind == "ph":
        return f'<span class="ph">{escape(text)}</span>'
    if kind == "tag":
        return f'<span class="tag">{escape(text)}</span>'
    if kind == "nl":
        return '<span class="ctl" title="line break">⏎</span><br>'
    if kind == "ctl":
        return f'<span class="ctl" title="{escape(_control_name(text))}">U+{ord(text):04X}</span>'
    return str(escape(text))


def _join(toks: Iterable[Token]) -> str:
    return "".join(_token_html(k, t) for k, t in toks)


def show(text: str | None) -> Markup:
    """A text as a page shows it: escaped, with visible tokens; None as a dash."""
    if text is None:
        return Markup('<span class="none">—</span>')
    if not text:
        return Markup('<span class="none">(empty)</span>')
    return Markup(_join(tokens(text)))


def diff(old: str | None, new: str | None) -> tuple[Markup, Markup]:
    """``old`` and ``new`` with what changed marked: words (``<del>``/``<ins>``), and
    characters inside a word replaced by another word."""
    if not old or not new or old == new:
        return show(old), show(new)
    a, b = tokens(old), tokens(new)
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(None, [t for _, t in a], [t for _, t in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            same = _join(a[i1:i2])
            left.append(same)
            right.append(same)
            continue
        if op == "replace" and i2 - i1 == 1 and j2 - j1 == 1 and a[i1][0] == b[j1][0] == "word":
            old_word, new_word = _chars(a[i1][1], b[j1][1])
            left.append(old_word)
            right.append(new_word)
            continue
        if i2 > i1:
            left.append(f"<del>{_join(a[i1:i2])}</del>")
        if j2 > j1:
            right.append(f"<ins>{_join(b[j1:j2])}</ins>")
    return Markup("".join(left)), Markup("".join(right))


def _chars(old: str, new: str) -> tuple[str, str]:
    """One word replaced by another: the characters that changed, inside a marked word."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < 0.5:  # two different words: mark them whole
        return f"<del>{escape(old)}</del>", f"<ins>{escape(new)}</ins>"
    left, right = ['<del class="w">'], ['<ins class="w">']
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append(str(escape(old[i1:i2])))
            right.append(str(escape(new[j1:j2])))
            continue
        if i2 > i1:
            left.append(f"<b>{escape(old[i1:i2])}</b>")
        if j2 > j1:
            right.append(f"<b>{escape(new[j1:j2])}</b>")
    return "".join([*left, "</del>"]), "".join([*right, "</ins>"])


# --------------------------------------------------------------------------- the plan page


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
    texts: list[tuple[str, Markup, bool]]  # (label, text, whether it is in the target language)
    findings: list[Finding] = field(default_factory=list)
    commands: list[tuple[str, str]] = field(default_factory=list)  # (what it does, command line)
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
    commands: list[tuple[str, str]]


Item = tuple[str, Decision | None, Proposal]  # (outcome, decision if any, proposal)


def _sort_key(item: Item) -> tuple[tuple[int, int, str], str, str]:
    p = item[2]
    return (p.key.context.sort_key(), p.key.message, p.language)


def _cmd(*words: str) -> str:
    return " ".join(shlex.quote(w) for w in words)


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
    return _render(
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


def _has(plan: AccountPlan, outcome: str) -> bool:
    return any(
        u.outcome == outcome for p in plan.parts for c in p.contexts for m in c.messages for u in m.units
    )


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


def _account_plan(report: ImportReport, classes: Mapping[str, str], counter: Iterable[int]) -> AccountPlan:
    ids = iter(counter)
    human: list[Item] = []
    updates: list[Item] = []
    n_human = n_updates = 0
    outcomes_by: Counter[tuple[Context, str, str]] = Counter()
    for item in _items(report):
        outcome, _, p = item
        outcomes_by[(p.key.context, p.language, outcome)] += 1
        if outcome in HUMAN:
            human.append(item)
            n_human += 1
        else:
            updates.append(item)
            n_updates += 1
    for d in report.decisions:
        if d.outcome in (NOOP, UNTOUCHED):
            outcomes_by[(d.key.context, d.language, d.outcome)] += 1
    if report.applied:
        for d in report.applied.late:
            if d.outcome in (NOOP, UNTOUCHED):
                outcomes_by[(d.key.context, d.language, d.outcome)] += 1
    findings: dict[tuple[str, str], list[Finding]] = {}
    for f in report.qa:
        findings.setdefault((f.key, f.language), []).append(f)
    shown_human = heapq.nsmallest(HUMAN_LIMIT, human, key=_sort_key)
    shown_updates = heapq.nsmallest(UPDATE_LIMIT, updates, key=_sort_key)
    files = report.files
    verb = "Applied" if report.applied else "Planned updates"
    parts = [
        Part(
            "Needs a human",
            f"h{next(ids)}",
            n_human,
            _contexts(shown_human, report, classes, findings, ids, open_=len(shown_human) <= OPEN_LIMIT),
        ),
        Part(
            verb,
            f"p{next(ids)}",
            n_updates,
            _contexts(shown_updates, report, classes, findings, ids, open_=len(shown_updates) <= OPEN_LIMIT),
        ),
    ]
    counts = report.counts()
    skipped: Counter[str] = Counter()
    for (_, _, outcome), n in outcomes_by.items():
        if outcome in HUMAN:
            skipped[outcome] += n
    qa_levels = Counter(f.severity for f in report.qa)
    totals: list[tuple[str, int | str]] = [
        ("planned", counts["planned"]),
        ("applied", counts["applied"]),
        ("unchanged", counts["noop"]),
        ("left as exported", counts["untouched"]),
        ("skipped", counts["skipped"]),
        ("ignored (empty, unfinished, a copy of the source)", counts["ignored"]),
        ("QA errors", qa_levels["error"]),
        ("QA warnings", qa_levels["warning"]),
        ("file errors", counts["errors"]),
        ("requests", report.requests),
        ("seconds", f"{sum(report.seconds.values()):.2f}"),
    ]
    by_context: dict[Context, Counter[str]] = {}
    by_language: dict[str, Counter[str]] = {}
    for (ctx, lang, outcome), n in outcomes_by.items():
        by_context.setdefault(ctx, Counter())[outcome] += n
        by_language.setdefault(lang, Counter())[outcome] += n
    anchors: dict[str, str] = {}
    for part in reversed(parts):
        for c in part.contexts:
            anchors[c.key] = c.anchor
    commands: list[tuple[str, str]] = []
    if files and report.dry_run and counts["planned"]:
        commands.append(("apply this plan", _cmd("automsg-sync", "import-translations", *files, "--apply")))
    if files and skipped[CONFLICT]:
        commands.append(
            (
                "take the file's text for every conflict (a live edit is overwritten)",
                _cmd("automsg-sync", "import-translations", *files, "--apply", "--prefer-file"),
            )
        )
    if files and skipped[STALE]:
        commands.append(
            (
                "push the stale translations anyway",
                _cmd("automsg-sync", "import-translations", *files, "--apply", "--accept-stale"),
            )
        )
    return AccountPlan(
        report,
        f"a{next(ids)}",
        totals,
        skipped,
        dict(report.seconds),
        parts,
        [(c.key, anchors.get(c.key), by_context[c]) for c in sorted(by_context)],
        [(lang, classes.get(lang, ""), by_language[lang]) for lang in sorted(by_language)],
        commands,
    )


def _contexts(
    items: Sequence[Item],
    report: ImportReport,
    classes: Mapping[str, str],
    findings: Mapping[tuple[str, str], list[Finding]],
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
    findings: Mapping[tuple[str, str], list[Finding]],
    anchor: str,
) -> UnitView:
    where = f"{p.file}:{p.where}" if p.where else p.file
    live = decision.live if decision is not None else None
    texts: list[tuple[str, Markup, bool]] = []
    commands: list[tuple[str, str]] = []
    note = ""
    file = p.file
    if outcome == CONFLICT:
        base_live = diff(p.base, live)
        base_new = diff(p.base, p.new)
        texts = [
            ("at export (base)", show(p.base), True),
            ("live now", base_live[1], True),
            ("in the file", base_new[1], True),
        ]
        commands = [
            (
                "take the file's text",
                _cmd("automsg-sync", "import-translations", file, "--apply", "--prefer-file"),
            ),
            ("keep the live text", "nothing to do: leave it (the unit stays skipped)"),
        ]
    elif outcome == STALE:
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
                _cmd("automsg-sync", "import-translations", file, "--apply", "--accept-stale"),
            ),
            (
                "send it back for translation",
                _cmd(
                    "automsg-sync",
                    "export-for-translation",
                    "--account",
                    report.account,
                    "--only",
                    "stale",
                    "--languages",
                    p.language,
                ),
            ),
        ]
    elif outcome == GONE:
        texts = [("in the file", show(p.new), True)]
        note = decision.detail if decision else ""
    elif outcome in (QA, DUPLICATE):
        old, new = diff(p.base, p.new)
        texts = [("at export", old, True), ("in the file", new, True)]
        if outcome == DUPLICATE:
            note = "another file gives this unit another text"
        else:
            commands = [
                ("correct the text in the file, then", _cmd("automsg-sync", "import-translations", file))
            ]
    else:
        old, new = diff(live, p.new)
        texts = [("live now" if outcome == UPDATE else "before", old, True), ("new", new, True)]
    return UnitView(
        anchor,
        str(p.key),
        outcome,
        p.language,
        classes.get(p.language, ""),
        is_rtl(p.language),
        where,
        texts,
        findings.get((str(p.key), p.language), []),
        commands,
        note,
    )


# --------------------------------------------------------------------------- the other pages


def coverage_page(status: Status) -> str:
    """``status --html``: contexts × languages, coloured by how much is custom-translated."""
    languages = sorted({r.language for r in status.rows})
    contexts: dict[str, tuple[Context, str]] = {}
    cells: dict[tuple[str, str], StatusRow] = {}
    for row in status.rows:
        contexts.setdefault(row.context.key, (row.context, row.context_name))
        cells[(row.context.key, row.language)] = row
    rows = []
    lang_totals = {lang: [0, 0, 0] for lang in languages}
    for key, (_, name) in sorted(contexts.items(), key=lambda kv: kv[1][0].sort_key()):
        line: list[dict[str, Any] | None] = []
        total = [0, 0, 0]
        for lang in languages:
            r = cells.get((key, lang))
            if r is None:
                line.append(None)
                continue
            done = done_percent(r)
            line.append(
                {
                    "custom": r.custom,
                    "default": r.default,
                    "missing": r.missing,
                    "done": done,
                    "bucket": "n" if done is None else str(int(done // 10)),
                    "title": f"{key} · {lang}: {r.custom} custom, {r.default} default, {r.missing} missing",
                    "language": lang,
                }
            )
            for i, n in enumerate((r.custom, r.default, r.missing)):
                total[i] += n
                lang_totals[lang][i] += n
        rows.append({"key": key, "name": name, "cells": line, "total": total, "done": _pct(*total)})
    columns = [
        {"language": lang, "rtl": is_rtl(lang), "total": lang_totals[lang], "done": _pct(*lang_totals[lang])}
        for lang in languages
    ]
    grand = [sum(c["total"][i] for c in columns) for i in range(3)]  # type: ignore[index]
    return _render(
        "coverage.html",
        title=f"Coverage of account {status.account}",
        status=status,
        rows=rows,
        columns=columns,
        grand=grand,
        grand_done=_pct(*grand),
    )


def _pct(custom: int, default: int, missing: int) -> str:
    total = custom + default + missing
    return f"{100 * custom / total:.1f} %" if total else "—"


def export_page(result: ExportResult, out_dir: Path | None = None) -> str:
    """``export-for-translation --html``: per language, units by state, files, source words."""
    totals = result.totals()
    return _render(
        "export.html",
        title=f"Export {result.export_id}",
        result=result,
        out_dir=str(out_dir / result.account) if out_dir is not None else "",
        states=UNIT_STATES,
        quote=("new", "prefilled", "repeated", "total"),
        totals=totals,
        units=sum(lang.exported for lang in result.languages),
        entries=sum(lang.entries for lang in result.languages),
    )


def run_page(report: Mapping[str, Any], *, config: Path | None = None) -> str:
    """A ``cron-run`` report (``CronReport.to_json()``): one block per account."""
    extra = ["--config", str(config)] if config is not None else []
    accounts = []
    for a in report.get("accounts", []):
        files = []
        for f in a.get("imported", []):
            moved = f.get("moved_to")
            commands: list[tuple[str, str]] = []
            skipped = f.get("skipped") or []
            reasons = Counter(s.get("reason", "") for s in skipped)
            if moved and f.get("status") in ("planned", "applied"):
                commands.append(
                    (
                        "see the plan in a page",
                        _cmd("automsg-sync", "import-translations", moved, *extra, "--html", "plan.html"),
                    )
                )
                if f.get("status") == "planned" and f.get("planned"):
                    commands.append(
                        ("apply it", _cmd("automsg-sync", "import-translations", moved, *extra, "--apply"))
                    )
                if reasons[CONFLICT]:
                    commands.append(
                        (
                            "take the file's text for the conflicts",
                            _cmd(
                                "automsg-sync",
                                "import-translations",
                                moved,
                                *extra,
                                "--apply",
                                "--prefer-file",
                            ),
                        )
                    )
                if reasons[STALE]:
                    commands.append(
                        (
                            "push the stale units anyway",
                            _cmd(
                                "automsg-sync",
                                "import-translations",
                                moved,
                                *extra,
                                "--apply",
                                "--accept-stale",
                            ),
                        )
                    )
            units = []
            for s in skipped[:HUMAN_LIMIT]:
                reason = s.get("reason", "")
                live, new, base = s.get("live"), s.get("new"), s.get("base")
                if reason == CONFLICT and live is not None:
                    texts = [("at export", show(base), True), ("live now", diff(base, live)[1], True)]
                    texts.append(("in the file", diff(base, new)[1], True))
                elif reason == STALE:
                    src0, src1 = diff(s.get("source_at_export"), s.get("source_now"))
                    texts = [("source at export", src0, False), ("source now", src1, False)]
                    texts.append(("in the file", show(new), True))
                else:
                    old, shown = diff(base, new)
                    texts = [("at export", old, True), ("in the file", shown, True)]
                language = str(s.get("language", ""))
                units.append(
                    {
                        "reason": WORDS.get(reason, reason),
                        "explained": EXPLAINED.get(reason, s.get("detail") or ""),
                        "key": s.get("key", ""),
                        "language": language,
                        "rtl": is_rtl(language) if language else False,
                        "texts": texts,
                        "detail": s.get("detail") or "",
                    }
                )
            files.append(
                {"file": f, "commands": commands, "units": units, "more": max(0, len(skipped) - HUMAN_LIMIT)}
            )
        accounts.append({"a": a, "files": files})
    return _render(
        "run.html",
        title=f"cron run {report.get('run_id', '')}",
        report=report,
        accounts=accounts,
    )


# --------------------------------------------------------------------------- writing


def _render(template: str, **context: Any) -> str:
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return _env.get_template(template).render(
        csp=_CSP, style=Markup(_STYLE), script=Markup(_SCRIPT), generated=generated, **context
    )


def _write(path: Path, page: str, *, private: bool = True) -> Path:
    """The page written whole or not at all (:func:`files.write_atomic`); ``private``:
    readable by its owner only (0600), as cron's reports are."""
    return write_atomic(
        path, page.encode("utf-8", "backslashreplace"), private=private
    )  # a non-UTF-8 name stays readable


def write_plan_page(run: ImportRun | ImportReport, path: Path) -> float:
    """``import-translations --html FILE``; returns the seconds it took."""
    started = time.monotonic()
    _write(path, plan_page(run if isinstance(run, ImportRun) else ImportRun([run])))
    return time.monotonic() - started


def write_coverage_page(status: Status, path: Path) -> float:
    """``status --html FILE``; returns the seconds it took."""
    started = time.monotonic()
    _write(path, coverage_page(status))
    return time.monotonic() - started


def write_export_page(result: ExportResult, path: Path, out_dir: Path | None = None) -> float:
    """``export-for-translation --html FILE``; returns the seconds it took."""
    started = time.monotonic()
    _write(path, export_page(result, out_dir))
    return time.monotonic() - started


def write_run_page(cron_report_json: Mapping[str, Any], path: Path, *, config: Path | None = None) -> Path:
    """``reports/<run-id>.html`` beside cron's JSON report, owner-only like it.

    ``config``: the cron run's config file, put in the commands the page shows."""
    return _write(path, run_page(cron_report_json, config=config), private=True)
