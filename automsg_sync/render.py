"""Rich rendering of results for the terminal (kept out of cli.py to keep it thin)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .catalog import QUOTE_COLUMNS, Count
from .diff import STALE, UPDATE, Decision, by_key_object
from .export import ExportResult
from .imports import FileSelection, ImportReport, ImportRun
from .model import UNIT_STATES, Context
from .restore import CONFLICT, GONE, NOOP, REFUSED, RESTORE, RestoreReport
from .status import Status, done_percent

if TYPE_CHECKING:
    from .verify import VerifyResult

MAX_ROWS = 100  # per table on a terminal; the JSON report (--report) has every unit


def _more(console: Console, shown: int, total: int) -> None:
    if total > shown:
        console.print(f"… and {total - shown} more (every unit is in the JSON report: --report FILE.json)")


def _short(text: str | None, width: int = 60) -> str:
    """Customer text for a table cell: one line, cut, and never read as rich markup."""
    if text is None:
        return "—"
    text = text.replace("\n", "⏎")
    return escape(text if len(text) <= width else text[: width - 1] + "…")


def print_status(console: Console, result: Status) -> None:
    """One section per context: its languages' custom, default and missing counts."""
    table = Table(
        title=f"Automatic messages of account {result.account} (revision {result.revision}, {result.api} API)"
    )
    for column in ("context", "name", "language"):
        table.add_column(column)
    for column in ("custom", "default", "missing", "done"):
        table.add_column(column, justify="right")
    last = None
    for r in result.rows:
        first = r.context != last
        if first and last is not None:
            table.add_section()
        done = done_percent(r)
        table.add_row(
            r.context.key if first else "",
            escape(r.context_name) if first else "",
            r.language,
            str(r.custom),
            str(r.default),
            str(r.missing),
            "—" if done is None else f"{done:.1f} %",
        )
        last = r.context
    console.print(table)
    if result.credentials:
        console.print(f"credentials: {escape(result.credentials)}")
    if result.git:
        console.print(f"git: {escape(result.git)}")
    for notice in result.notices:
        console.print(f"note: {escape(notice)}")


def print_export_result(console: Console, result: ExportResult, out_dir: Path) -> None:
    """Per language: units by state, units exported and file entries; then the
    words for a quote: source words / characters of the new, pre-filled and
    repeated units and of the file's entries (words as pocount counts them)."""
    table = Table(title=f"Export {result.export_id} (revision {result.revision}, {result.api} API)")
    table.add_column("language")
    for column in (*UNIT_STATES, "units", "entries"):
        table.add_column(column, justify="right")
    table.add_column("files")
    quote = Table(title="Source words / characters, for a quote (units in the JSON: --json)")
    quote.add_column("language")
    for column in (*QUOTE_COLUMNS, "in the files"):
        quote.add_column(column, justify="right")
    for lang in result.languages:
        counts = [str(lang.states[s]) for s in UNIT_STATES]
        files = ", ".join(f.name for f in lang.files) or "(nothing to export)"
        table.add_row(lang.language, *counts, str(lang.exported), str(lang.entries), files)
        if lang.files:
            cells = []
            for name in (*QUOTE_COLUMNS, "total"):
                count = lang.counts.get(name, Count())
                cells.append(f"{count.words} / {count.chars}" if count.units else "")
            quote.add_row(lang.language, *cells)
    console.print(table)
    units = sum(lang.exported for lang in result.languages)
    entries = sum(lang.entries for lang in result.languages)
    where = f" in {out_dir / result.account}" if result.files else ""
    folded = f" as {entries} entries" if entries != units else ""
    console.print(
        f"{_many(units, 'unit')}{folded} in {_many(len(result.files), 'file')}{where}; "
        f"{_many(result.requests, 'request')}."
    )
    for notice in result.notices:
        console.print(f"note: {escape(notice)}")
    totals = result.totals()
    if totals:
        console.print(quote)
        words = ", ".join(
            f"{totals[n].words} {n} ({_many(totals[n].units, 'unit')})"
            for n in QUOTE_COLUMNS
            if totals[n].units
        )
        console.print(f"Source words: {words or 'none to translate'}.")


def print_import_runs(console: Console, run: ImportRun, *, wide: bool = False) -> None:
    """Each account's report under a heading when the files were for several accounts."""
    for report in run.reports:
        if len(run.reports) > 1:
            heading = f"Account {report.account}" if report.account else "Files without a readable account"
            console.rule(escape(heading))
        print_import_report(console, report, wide=wide)


def print_file_selection(console: Console, selection: FileSelection) -> None:
    """What folders on the command line held: an empty one says so; other files left alone."""
    for folder in selection.empty_folders:
        console.print(f"no translation files in {escape(str(folder))}")
    if selection.left_alone:
        names = ", ".join(p.name for p in selection.left_alone[:5])
        more = f" and {len(selection.left_alone) - 5} more" if len(selection.left_alone) > 5 else ""
        console.print(
            f"note: left alone {len(selection.left_alone)} file(s) that are not translator files: "
            f"{escape(names)}{more}"
        )


def print_plan(console: Console, report: ImportReport, *, wide: bool = False) -> None:
    """The updates, a heading row per context (``account``, ``skill/7``) and the message,
    language, live and new text under it; ``wide``: whole texts, never cut."""
    updates = [d for d in report.decisions if d.outcome == UPDATE]
    if not updates:
        return
    verb = "Plan (dry run: nothing written)" if report.dry_run else "Applied"
    table = Table(title=f"{verb} — run {report.run_id}")
    for column in ("message", "language", "old", "new"):
        table.add_column(column, overflow="fold")

    def text(value: str | None) -> str:
        return _short(value, 10**9 if wide else 60)

    per_context, shown = _first_rows(updates, MAX_ROWS)
    last = None
    for d in shown:
        if d.key.context != last:
            if last is not None:
                table.add_section()
            n = per_context[d.key.context]
            heading = f"[bold]{escape(d.key.context.key)}[/bold] ({n} update{'s' if n != 1 else ''})"
            table.add_row(heading, end_section=True)
            last = d.key.context
        table.add_row(escape(d.key.message), d.language, text(d.live), text(d.proposal.new))
    console.print(table)
    _more(console, MAX_ROWS, len(updates))


def _first_rows(updates: list[Decision], limit: int) -> tuple[Counter[Context], list[Decision]]:
    """The updates per context, and the first ``limit`` in (context, message, language) order.

    A message's decisions share one key object, so they are grouped by its identity
    (an int hash) and each group's order is worked out once: at 300,000 updates,
    sorting them one by one on a Python key took most of a second."""
    ordered = sorted(by_key_object(updates), key=lambda ds: (ds[0].key.context.sort_key(), ds[0].key.message))
    per_context: Counter[Context] = Counter()
    for ds in ordered:
        per_context[ds[0].key.context] += len(ds)
    taken: list[Decision] = []
    for i, ds in enumerate(ordered):
        taken += ds
        # groups of one key (two key objects alike) are adjacent: stop only between keys
        if len(taken) >= limit and (i + 1 == len(ordered) or ordered[i + 1][0].key != ds[0].key):
            break
    taken.sort(key=lambda d: (d.key.context.sort_key(), d.key.message, d.language))
    return per_context, taken[:limit]


def print_import_report(console: Console, report: ImportReport, *, wide: bool = False) -> None:
    """The plan grouped by context, the skipped units with their reasons, totals."""
    for problem in report.errors:
        where = f"{problem.file}:{problem.where}" if problem.where else problem.file
        console.print(f"[red]error[/red] {escape(where + ': ' if where else '')}{escape(problem.message)}")
    for line in report.confirmed:
        console.print(f"[yellow]read-back[/yellow] {escape(line)}")
    print_plan(console, report, wide=wide)
    skipped = report.skipped()
    qa_errors: dict[tuple[str, str], dict[str, None]] = {}  # the findings' words, in order, once each
    for f in report.qa:
        if f.severity == "error":
            qa_errors.setdefault((f.key, f.language), {})[f.message] = None
    cut = 10**9 if wide else 40  # --wide: whole texts, never cut (as in the plan)
    if skipped:
        table = Table(title="Skipped — needs a human")
        for column in ("reason", "unit", "language", "file", "detail"):
            table.add_column(column)
        for s in skipped[:MAX_ROWS]:
            where = f"{s['file']}:{s['where']}" if s.get("where") else s["file"]
            detail = s.get("detail") or ""
            if s["reason"] == "conflict" and s.get("live") is not None:
                detail = f"live: {_short(s['live'], cut)} | file: {_short(s['new'], cut)}"
            if s["reason"] == "stale" and s.get("source_now") is not None:
                detail = f"source now: {_short(s['source_now'], cut)}"
            if s["reason"] == "qa":
                detail = escape("; ".join(qa_errors.get((s["key"], s["language"]), ())))
            elif s["reason"] == "gone":
                detail = escape(detail)
            table.add_row(s["reason"], escape(s["key"]), s["language"], escape(where), detail)
        console.print(table)
        _more(console, MAX_ROWS, len(skipped))
        _ways_out(console, {s["reason"] for s in skipped})
    warnings = [f for f in report.qa if f.severity == "warning"]
    for f in warnings[:MAX_ROWS]:
        where = f"{f.file}:{f.where}" if f.where else f.file
        text = f"{where}: {f.key} [{f.language}] {f.message} ({f.check})"
        console.print(f"[yellow]warning[/yellow] {escape(text)}")
    _more(console, MAX_ROWS, len(warnings))
    said = {
        "unfinished-changed": "changed but still marked unfinished in the file (mark it translated in the "
        "CAT tool, or pass --include-fuzzy)",
        "source-copy": "a copy of the source, not marked translated: not written (translate it, or mark "
        "it translated if the source text is meant)",
    }
    named = [i for i in report.ignored if i.reason in said]
    for i in named[:MAX_ROWS]:
        where = f"{i.file}:{i.where}" if i.where else i.file
        console.print(
            f"[yellow]not imported[/yellow] {escape(where)}: {escape(i.key)} [{i.language}] {said[i.reason]}"
        )
    _more(console, MAX_ROWS, len(named))
    backup = report.applied.backup if report.applied else None
    console.print(escape(summary_words(report)) + (f"; backup {escape(str(backup))}" if backup else ""))


# what a person can do about each reason a unit is skipped (the plan page says it per unit)
WAYS_OUT = {
    "conflict": "conflict: keep the live text (do nothing), or take the file's with --apply --prefer-file",
    "stale": "stale: export it again (--only stale), or push it anyway with --apply --accept-stale",
    "qa": "refused by QA: correct the text in the file, then import it again",
    "gone": "gone: the message or its source was deleted live; nothing to do",
}


def _ways_out(console: Console, reasons: set[str]) -> None:
    for reason in ("conflict", "stale", "qa", "gone"):
        if reason in reasons:
            console.print(f"[bold]next[/bold] {escape(WAYS_OUT[reason])}")


def _many(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def summary_words(report: ImportReport) -> str:
    """One import's outcome in the glossary's words (docs/importing.md), e.g.
    ``6 to write, 13 already live, 2 left as exported, 2 conflicts, 19 empty or
    unfinished (empty 19); 3 requests``. "to write" (a dry run) or "written" always;
    the other counts only when there are any."""
    n = report.counts()
    outcomes = Counter(d.outcome for d in report.decisions)
    if report.applied:
        outcomes.update(d.outcome for d in report.applied.late)
    if report.dry_run:
        parts = [f"{n['planned']} to write"]
    else:
        written = f"{n['applied']} written"
        parts = [written if n["applied"] == n["planned"] else f"{written} of {n['planned']} to write"]
    parts += [
        f"{count} {words}"
        for count, words in (
            (n["noop"], "already live"),
            (n["untouched"], "left as exported"),
        )
        if count
    ]
    parts += [
        _many(count, one, many)
        for count, one, many in (
            (outcomes[CONFLICT], "conflict", None),  # the same words in diff.py and restore.py
            (outcomes[STALE], "stale", "stale"),
            (outcomes[GONE], "gone", "gone"),
            (len(report.qa_skipped), "refused by QA", "refused by QA"),
            (len(report.duplicates), "duplicate", None),
        )
        if count
    ]
    if n["ignored"]:
        reasons = {i.reason for i in report.ignored}
        if reasons == {"empty"}:
            parts.append(f"{n['ignored']} empty")
        else:
            parts.append(f"{n['ignored']} empty or unfinished ({report.ignored_words()})")
    warnings = sum(1 for f in report.qa if f.severity == "warning")
    if warnings:
        parts.append(_many(warnings, "QA warning"))
    if n["errors"]:
        parts.append(_many(n["errors"], "error"))
    return ", ".join(parts) + f"; {_many(report.requests, 'request')}"


def print_restore_report(console: Console, report: RestoreReport) -> None:
    if report.dry_run:
        title = "Restore plan (dry run: nothing written)"
    elif report.written:
        title = "Restored"
    else:
        title = "Nothing restored"
    table = Table(title=f"{title} — from {escape(report.backup)}")
    for column in ("outcome", "context", "message", "language", "live now", "back to"):
        table.add_column(column)
    ordered = sorted(report.items, key=lambda i: (i.outcome, i.context, i.message_event_id, i.language))
    for item in ordered[:MAX_ROWS]:
        back = item.pre.get("msg") if item.pre else "(removed)"
        table.add_row(
            item.outcome,
            item.context.key,
            escape(item.message_event_id),
            item.language,
            _short(item.live),
            _short(str(back)),
        )
    console.print(table)
    _more(console, MAX_ROWS, len(ordered))
    refused = report.by_outcome(REFUSED)
    for item in refused[:MAX_ROWS]:
        console.print(
            f"[red]refused[/red] {escape(item.context.key)}|{escape(item.message_event_id)} "
            f"{escape(item.language)}: {escape(item.why)}"
        )
    _more(console, MAX_ROWS, len(refused))
    for line in report.ignored_fields[:MAX_ROWS]:
        console.print(f"[yellow]not restored[/yellow] {escape(line)}")
    _more(console, MAX_ROWS, len(report.ignored_fields))
    counts = {o: len(report.by_outcome(o)) for o in (RESTORE, NOOP, CONFLICT, GONE)}
    first = f"{counts[RESTORE]} to restore" if report.dry_run else f"{len(report.written)} restored"
    parts = [first] + [
        words
        for count, words in (
            (counts[NOOP], f"{counts[NOOP]} already as before"),
            (counts[CONFLICT], _many(counts[CONFLICT], "conflict") + " (changed since; left alone)"),
            (counts[GONE], f"{counts[GONE]} gone"),
            (len(refused), f"{len(refused)} refused (not what the run wrote, or failing QA)"),
        )
        if count
    ]
    console.print(
        ", ".join(parts)
        + f"; {_many(report.requests, 'request')}"
        + (f"; backup {escape(report.own_backup)}" if report.own_backup else "")
    )
    if report.error is not None:
        console.print(f"[red]error[/red] {escape(report.error)}")


def print_verify_result(console: Console, result: VerifyResult) -> None:
    """``verify``'s result: the expected and received texts and, on a timeout or a mismatch, what
    to check. Only this command needs verify's names; imported here, the other commands that
    render never load werkzeug."""
    from .verify import MISMATCH, PASS, TIMEOUT  # load cost, not a circle: werkzeug (~25 ms)

    table = Table(title=f"verify — account {result.account}, conversation {result.conversation_id or '—'}")
    for column in ("message", "context", "language", "expected", "received", "result"):
        table.add_column(column)
    expected = result.expected
    context = f"skill/{result.skill}" if result.skill else "account"
    colour = "green" if result.status == PASS else "red"
    table.add_row(
        escape(result.message),
        escape(expected.unit_key.split("|")[0]) if expected else context,
        expected.language if expected else result.language,
        _short(expected.text if expected else None, 50)
        + (f"\n({escape(expected.origin)})" if expected else ""),
        _short(result.received, 50),
        f"[{colour}]{result.status}[/{colour}]",
    )
    console.print(table)
    if result.status == TIMEOUT:
        console.print(
            "No automatic message arrived. Is the AUTO_MESSAGES feature enabled for the account "
            "(LivePerson's account team enables it), and does the connector app's webhook point at "
            f"{escape(result.webhook_url)}?"
        )
    if result.status == MISMATCH and expected:
        console.print(f"expected ({escape(expected.origin)}): {escape(expected.text)}")
        console.print(f"received: {escape(result.received or '')}")
    if result.status == MISMATCH and expected and expected.live != expected.text:
        console.print(
            f"The live text differs from what automsg-sync pushed: live {_short(expected.live)!s} "
            "— it was changed (in the UI?) after our apply."
        )
    if result.rejected_webhooks:
        console.print(
            f"{result.rejected_webhooks} webhook call(s) were refused: a missing or bad signature, "
            "or another account's id."
        )
    if result.duplicate_webhooks or result.hidden_events:
        console.print(
            f"{result.duplicate_webhooks} repeated webhook deliveries counted once; "
            f"{result.hidden_events} agents-only message(s) not taken as what the consumer saw."
        )
