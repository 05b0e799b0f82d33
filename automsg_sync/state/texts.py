"""Per account and language, the texts of each unit: ``pushed`` (what our last write
put there, what ``verify`` expects and the diff's ``ours``) and ``origins`` (the
source a live target was translated from: a target whose source has moved on since
is ``stale``).

Each is one JSON document per account and language (:data:`Doc`), read and
rewritten whole: an import records what it wrote a language at a time.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterable, Mapping
from typing import Literal

from .. import jsonio
from ..catalog import Origin
from ..model import language_key
from .clock import now_utc
from .connection import StateConnection

Doc = dict[str, list[str]]  # a language's document: unit key → the unit's fields
DocTable = Literal["pushed", "origins"]  # the per-account documents (the table name goes into SQL)


def _load(db: sqlite3.Connection, table: DocTable, account: str, language: str) -> Doc:
    """One account's document of ``pushed`` or ``origins`` for a language key ({} if none)."""
    row = db.execute(
        f"SELECT units FROM {table} WHERE account = ? AND language = ?",
        (account, language),
    ).fetchone()
    return jsonio.loads(row[0]) if row else {}


def _save(db: sqlite3.Connection, table: DocTable, account: str, language: str, units: Doc) -> None:
    db.execute(
        f"INSERT INTO {table} VALUES (?, ?, ?) "
        "ON CONFLICT (account, language) DO UPDATE SET units = excluded.units",
        (account, language, jsonio.dumps_text(units)),
    )


def record_origins(
    db: sqlite3.Connection,
    account: str,
    by_language: dict[str, list[tuple[str, str, str]]],
    stamp: str,
) -> None:
    """(unit key, source, target) per language key as translated pairs; a unit whose
    recorded target is that target keeps its source (and its stamp). Inside the
    caller's transaction (an export's, :mod:`.baselines`)."""
    for language, rows in by_language.items():
        units = _load(db, "origins", account, language)
        before = len(units)
        changed = False
        for key, source, target in rows:
            old = units.get(key)
            if old is not None and old[1] == target:
                continue
            units[key] = [source, target, stamp]
            changed = True
        if changed or len(units) != before:
            _save(db, "origins", account, language, units)


class PushedAndOrigins(StateConnection):
    """The ``pushed`` and ``origins`` tables of :class:`~automsg_sync.state.StateStore`."""

    def record_written(
        self,
        account: str,
        run_id: str,
        by_language: Mapping[str, Iterable[tuple[str, str, str, str]]],
    ) -> None:
        """After a write: per language, each (unit key, source, target, export id of the
        file it came from) is both the unit's origin (a translated pair) and what
        ``run_id`` pushed; one transaction for all.
        The units are taken a language at a time (one document of each table in hand)."""
        stamp = now_utc()
        with self.transaction() as db:
            for language, items in by_language.items():
                lang = language_key(language)
                origins = _load(db, "origins", account, lang)
                pushed = _load(db, "pushed", account, lang)
                for key, source, target, export_id in items:
                    origins[key] = [source, target, stamp]
                    pushed[key] = [target, run_id, stamp, export_id]
                _save(db, "origins", account, lang, origins)
                _save(db, "pushed", account, lang, pushed)
                del origins, pushed

    def unrecord(self, account: str, run_id: str, units: Iterable[tuple[str, str]]) -> None:
        """Take back what ``run_id`` recorded of these (unit key, language) pairs: their
        pushed text (if still that run's) and the origin made from it (a read-back that
        did not show them)."""
        by_language: dict[str, list[str]] = {}
        for key, language in units:
            by_language.setdefault(language_key(language), []).append(key)
        with self.transaction() as db:
            for lang, keys in by_language.items():
                pushed = _load(db, "pushed", account, lang)
                origins = _load(db, "origins", account, lang)
                for key in keys:
                    mine = pushed.get(key)
                    if mine is not None and mine[1] == run_id:
                        del pushed[key]
                        if key in origins and origins[key][1] == mine[0]:
                            del origins[key]
                _save(db, "pushed", account, lang, pushed)
                _save(db, "origins", account, lang, origins)

    def origins(self, account: str) -> dict[tuple[str, str], Origin]:
        """(unit key, language key) → the source and target of each recorded origin."""
        rows = self.db.execute("SELECT language, units FROM origins WHERE account = ?", (account,))
        intern = sys.intern  # keys and sources recur in every language (150,000 origins: 75 → 41 MB)
        return {
            (intern(key), language): Origin(intern(source), target)
            for language, doc in rows
            for key, (source, target, _) in jsonio.loads(doc).items()
        }

    def pushed(self, account: str, unit_key: str, language: str) -> tuple[str, str, str] | None:
        """(text, run id, time) of our last write of a unit, if any."""
        found = _load(self.db, "pushed", account, language_key(language)).get(unit_key)
        return (found[0], found[1], found[2]) if found else None

    def pushed_texts(self, account: str, language: str, export_id: str | None = None) -> dict[str, str]:
        """Unit key → the text our last write put there, for one language; with
        ``export_id``, only the texts that came from a file of that export (or from a
        write recorded before writes kept their export: as it was then).

        What a file may take as its own past: a second delivery of one export builds
        on what its first delivery wrote, but a file of an older export did not see
        what a newer one wrote (re-importing it would otherwise undo the newer text)."""
        units = _load(self.db, "pushed", account, language_key(language))
        return {k: v[0] for k, v in units.items() if export_id is None or len(v) < 4 or v[3] == export_id}

    def pushed_by_run(self, account: str, run_id: str) -> dict[tuple[str, str], str]:
        """(unit key, language key) → text, of the texts ``run_id`` pushed that are still
        the units' last push."""
        rows = self.db.execute(
            "SELECT p.language, j.key, j.value ->> 0 FROM pushed p, json_each(p.units) j "
            "WHERE p.account = ? AND j.value ->> 1 = ?",
            (account, run_id),
        )
        return {(key, language): text for language, key, text in rows}
