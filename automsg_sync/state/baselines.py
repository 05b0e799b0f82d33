"""What each export recorded: ``exports``, ``baselines`` (per export and language, the
source and target of each unit at export time: the ``base`` of the three-way diff),
``baseline_groups`` (the ``--dedupe`` entry each unit's translation comes from),
``baseline_objects`` (the whole objects, for an import whose revision check answers
304), and ``checked`` (the revision the last export saw, for cron's conditional GET).

An export is recorded in one transaction, and holds the state file's write lock
only for it: the baseline is staged in TEMP tables first
(:meth:`Baselines.record_export`).
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter

from .. import jsonio
from ..errors import StateError
from ..model import Unit, language_key
from .clock import now_utc
from .connection import StateConnection
from .texts import record_origins
from .txn import atomic

# An export's baseline, written beside the work into the connection's TEMP schema
# (no lock on the state file), then copied in by one short transaction (record_export).
_UNSTAGE = """
DROP TABLE IF EXISTS temp.staged_baselines;
DROP TABLE IF EXISTS temp.staged_objects;
DROP TABLE IF EXISTS temp.staged_groups;
"""
_STAGING = (
    _UNSTAGE
    + """
CREATE TEMP TABLE staged_baselines (language TEXT PRIMARY KEY, units TEXT NOT NULL);
CREATE TEMP TABLE staged_objects (context TEXT NOT NULL, message_id TEXT NOT NULL, raw TEXT NOT NULL);
CREATE TEMP TABLE staged_groups (language TEXT NOT NULL, unit_key TEXT NOT NULL, entry_key TEXT NOT NULL);
"""
)


@dataclass(slots=True)
class BaselineUnit:
    """One unit as its export recorded it. Not frozen, as ``model.Unit`` is not: an import
    makes one per unit of each file's language (26 → 22 ms a file of 5,050)."""

    message_id: str
    source: str
    target: str
    state: str


@dataclass(frozen=True)
class Baseline:
    """What an export recorded: the ``base`` side of the three-way diff."""

    export_id: str
    account: str
    revision: str
    source_language: str
    api: str
    created_at: str
    units: Mapping[tuple[str, str], BaselineUnit]  # (unit key, language key)
    # (entry key, language key) → the other unit keys a --dedupe entry stands for
    groups: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)


class Baselines(StateConnection):
    """The export tables of :class:`~automsg_sync.state.StateStore`."""

    def record_export(
        self,
        *,
        export_id: str,
        account: str,
        revision: str,
        source_language: str,
        api: str,
        exported: Iterable[Unit],
        new_targets: Iterable[Unit],
        objects: Iterable[tuple[str, str, str]] = (),
        groups: Iterable[tuple[str, str, str]] = (),
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        """Save the baseline of ``exported`` units and the origins of ``new_targets`` (live
        targets not seen before, or changed since); ``before_commit`` runs before the
        commit (if it raises, nothing is saved).

        The state store's write lock is held only for the commit itself: the baseline is
        first written into this connection's TEMP tables, which take no lock on the
        state file, while ``before_commit`` waits for the export's files (a large
        account's took ~15 s: another account's apply, or cron's next account, failed
        with "database is locked" after the 10 s busy timeout; issue #24). Then one
        short transaction copies it in with SQLite's own ``INSERT … SELECT``."""
        stamp = now_utc()
        self._stage_baseline(exported, objects, groups)
        try:
            origins = _origins_of_new_targets(new_targets)
            if before_commit is not None:
                before_commit()
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO exports VALUES (?, ?, ?, ?, ?, ?)",
                    (export_id, account, revision, source_language, api, stamp),
                )
                db.execute(
                    "INSERT INTO baselines SELECT ?, language, units FROM temp.staged_baselines", (export_id,)
                )
                db.execute("INSERT INTO baseline_objects SELECT ?, * FROM temp.staged_objects", (export_id,))
                db.execute("INSERT INTO baseline_groups SELECT ?, * FROM temp.staged_groups", (export_id,))
                record_origins(db, account, origins, stamp)
        finally:
            with contextlib.suppress(sqlite3.Error):
                self.db.executescript(_UNSTAGE)

    def _stage_baseline(
        self,
        exported: Iterable[Unit],
        objects: Iterable[tuple[str, str, str]],
        groups: Iterable[tuple[str, str, str]],
    ) -> None:
        """An export's baseline, objects and ``--dedupe`` groups into this connection's
        TEMP tables (:data:`_STAGING`), in a transaction of the TEMP schema only."""
        db = self.db
        try:
            db.executescript(_STAGING)
            with atomic(db, "BEGIN"):  # the TEMP schema only: no lock on the state file
                _stage_languages(db, exported)
                db.executemany("INSERT INTO temp.staged_objects VALUES (?, ?, ?)", objects)
                db.executemany(
                    "INSERT INTO temp.staged_groups VALUES (?, ?, ?)",
                    ((language_key(lang), member, entry) for lang, member, entry in groups),
                )
        except sqlite3.Error as exc:
            raise StateError(f"{self.path}: {exc}") from None

    def baseline(self, export_id: str, language: str | None = None) -> Baseline | None:
        """An export's baseline: every unit, or only ``language``'s."""
        row = self.db.execute(
            "SELECT export_id, account, revision, source_language, api, created_at "
            "FROM exports WHERE export_id = ?",
            (export_id,),
        ).fetchone()
        if row is None:
            return None
        query = "SELECT language, units FROM baselines WHERE export_id = ?"
        args: tuple[str, ...] = (export_id,)
        if language is not None:
            query, args = query + " AND language = ?", (export_id, language_key(language))
        intern = sys.intern  # keys and sources recur in every language
        units = {}
        for lang, doc in self.db.execute(query, args):
            lang = intern(lang)
            for k, (mid, s, t, st) in jsonio.loads(doc).items():
                units[(intern(k), lang)] = BaselineUnit(intern(mid), intern(s), t, intern(st))
        groups: dict[tuple[str, str], list[str]] = {}
        query = "SELECT entry_key, language, unit_key FROM baseline_groups WHERE export_id = ?"
        if language is not None:
            query += " AND language = ?"
        for entry, lang, member in self.db.execute(query, args):
            groups.setdefault((entry, lang), []).append(member)
        export_id, account, revision, source_language, api, created_at = row
        return Baseline(
            export_id,
            account,
            revision,
            source_language,
            api,
            created_at,
            units,
            {k: tuple(v) for k, v in groups.items()},
        )

    def last_exported_units(self, account: str) -> dict[str, dict[str, tuple[str, str, str]]]:
        """Per language key, the units of the latest export that held that language:
        unit key → (source, target, state). What each outbox file was last written from."""
        exports = self.db.execute(
            "SELECT e.export_id, b.language, e.created_at, e.rowid FROM exports e "
            "JOIN baselines b ON b.export_id = e.export_id WHERE e.account = ? "
            "ORDER BY e.created_at DESC, e.rowid DESC",
            (account,),
        ).fetchall()
        latest: dict[str, str] = {}
        for export_id, language, _, _ in exports:
            latest.setdefault(language, export_id)
        out: dict[str, dict[str, tuple[str, str, str]]] = {}
        for language, export_id in latest.items():
            [doc] = self.db.execute(
                "SELECT units FROM baselines WHERE export_id = ? AND language = ?", (export_id, language)
            ).fetchone()
            out[language] = {k: (s, t, st) for k, (_, s, t, st) in jsonio.loads(doc).items()}
        return out

    def baseline_objects(self, export_id: str) -> dict[tuple[str, str], str]:
        """(context key, message id) → the object's JSON at export time."""
        rows = self.db.execute(
            "SELECT context, message_id, raw FROM baseline_objects WHERE export_id = ?", (export_id,)
        )
        return {(c, m): raw for c, m, raw in rows}

    # ------------------------------------------------------------ cron helpers

    def last_api(self, account: str) -> str | None:
        """The Automatic Messages API the account's latest export read through."""
        row = self.db.execute(
            "SELECT api FROM exports WHERE account = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (account,),
        ).fetchone()
        return str(row[0]) if row else None

    def checked_revision(self, account: str) -> str | None:
        """The revision the account's last export saw (None before its first)."""
        row = self.db.execute("SELECT revision FROM checked WHERE account = ?", (account,)).fetchone()
        return row[0] if row else None

    def set_checked_revision(self, account: str, revision: str) -> None:
        """Record the revision an export saw, written or not."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO checked VALUES (?, ?, ?) ON CONFLICT (account) DO UPDATE "
                "SET revision = excluded.revision, checked_at = excluded.checked_at",
                (account, revision, now_utc()),
            )


def _stage_languages(db: sqlite3.Connection, exported: Iterable[Unit]) -> None:
    """Each language's baseline document into ``temp.staged_baselines``."""
    # an export's units come language by language: each language's document is
    # written as soon as it is made (a language met again is merged into its own)
    for language, units in groupby(exported, attrgetter("language")):
        key = language_key(language)
        doc = {u.key.name: [u.message_id, u.source, u.target, u.state] for u in units}
        found = db.execute("SELECT units FROM temp.staged_baselines WHERE language = ?", (key,)).fetchone()
        if found is not None:
            doc = jsonio.loads(found[0]) | doc
        db.execute(
            "INSERT INTO temp.staged_baselines VALUES (?, ?) ON CONFLICT (language) "
            "DO UPDATE SET units = excluded.units",
            (key, jsonio.dumps_text(doc)),
        )
        del doc


def _origins_of_new_targets(new_targets: Iterable[Unit]) -> dict[str, list[tuple[str, str, str]]]:
    """Per language key, (unit key, source, target) of each target new to the store."""
    # A target seen for the first time, or changed since last seen, was
    # (presumably) made against the current source; a stale one keeps
    # the source it was made against.
    rows: dict[str, list[tuple[str, str, str]]] = {}
    for language, units in groupby(new_targets, attrgetter("language")):
        rows.setdefault(language_key(language), []).extend([(u.key.name, u.source, u.target) for u in units])
    return rows
