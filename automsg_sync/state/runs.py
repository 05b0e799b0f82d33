"""Every apply and restore: ``runs`` (kind, status, backup, times) and its ``journal``
(per object, the languages the run writes, ``pending`` until the write is answered,
then ``written``). A restore reads a run's journal to put back only what it wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from ..model import language_key
from .clock import now_utc
from .connection import StateConnection


class Runs(StateConnection):
    """The ``runs`` and ``journal`` tables of :class:`~automsg_sync.state.StateStore`."""

    def start_run(
        self,
        run_id: str,
        account: str,
        kind: str,
        backup: str,
        objects: Iterable[tuple[str, str, Iterable[str]]],
    ) -> None:
        """A run about to write: ``objects`` are (context, message id, the languages it will
        write), pending; the languages are kept sorted, as JSON (:meth:`journal_languages`)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, 'applying', ?, ?, NULL)",
                (run_id, account, kind, backup, now_utc()),
            )
            db.executemany(
                "INSERT INTO journal VALUES (?, ?, ?, ?, 'pending')",
                ((run_id, ctx, message, json.dumps(sorted(langs))) for ctx, message, langs in objects),
            )

    def mark_written(self, run_id: str, context: str, message_ids: Iterable[str]) -> None:
        """A write of these objects of ``context`` was answered: they are ``written``."""
        with self.transaction() as db:
            db.executemany(
                "UPDATE journal SET status = 'written' WHERE run_id = ? AND context = ? AND message_id = ?",
                ((run_id, context, m) for m in message_ids),
            )

    def finish_run(self, run_id: str, status: str) -> None:
        """The run's outcome (``applied``, ``partial``, ``failed`` …) and its end time."""
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?", (status, now_utc(), run_id)
            )

    def journal(self, run_id: str) -> list[tuple[str, str, str]]:
        """(context, message id, status) of a run's objects."""
        rows = self.db.execute(
            "SELECT context, message_id, status FROM journal WHERE run_id = ? ORDER BY context, message_id",
            (run_id,),
        )
        return [tuple(r) for r in rows]

    def journal_languages(self, run_id: str, account: str) -> dict[tuple[str, str], set[str]]:
        """(context, message id) → the language keys a run of ``account`` set out to write
        ({} for a run not recorded here): what a restore of its backup may put back."""
        rows = self.db.execute(
            "SELECT j.context, j.message_id, j.languages FROM journal j JOIN runs r ON r.run_id = j.run_id "
            "WHERE j.run_id = ? AND r.account = ?",
            (run_id, account),
        )
        return {(c, m): {language_key(str(lang)) for lang in json.loads(langs)} for c, m, langs in rows}

    def runs_with_status(self, account: str, status: str) -> list[str]:
        """The account's runs in ``status``, oldest first."""
        rows = self.db.execute(
            "SELECT run_id FROM runs WHERE account = ? AND status = ? ORDER BY started_at", (account, status)
        )
        return [r[0] for r in rows]
