"""A unit's outcome as the plan and run pages name and explain it, and how many
units needing a human a page lists with their texts."""

from __future__ import annotations

from ..diff import CONFLICT, GONE, NOOP, STALE, UNTOUCHED, UPDATE

HUMAN_LIMIT = 5000  # units needing a human listed with their texts (a plan page; a run page's file)

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
