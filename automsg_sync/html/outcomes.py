"""A unit's outcome as the plan and run pages name and explain it, and how many
units needing a human a page lists with their texts."""

from __future__ import annotations

from ..diff import CONFLICT, GONE, NOOP, STALE, UNTOUCHED, UPDATE

HUMAN_LIMIT = 5000  # units needing a human listed with their texts (a plan page; a run page's file)

# outcomes as a page shows them, in the glossary's words (docs/importing.md) as the terminal's
# summary says them (render.summary_words); the first five need a human
QA, DUPLICATE, APPLIED, NOT_APPLIED = "qa", "duplicate", "applied", "not-applied"
HUMAN = (CONFLICT, STALE, QA, DUPLICATE, GONE)
WORDS = {
    CONFLICT: "conflict",
    STALE: "stale",
    QA: "refused by QA",
    DUPLICATE: "files disagree",
    GONE: "gone",
    UPDATE: "to write",
    APPLIED: "written",
    NOT_APPLIED: "not written",
    NOOP: "already live",
    UNTOUCHED: "left as exported",
}
EXPLAINED = {
    CONFLICT: "changed live since the export, and the file has another text",
    STALE: "the source text changed since the export",
    QA: "a QA check failed: the unit is kept out",
    DUPLICATE: "two files give this unit different texts: both are skipped",
    GONE: "the message, its context or its source text no longer exists",
}
