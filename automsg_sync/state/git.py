"""Git mode's cursors (issue #27): ``git_imported`` (per account, the last commit whose
translator files were imported) and ``git_files`` (per path in the repository, the
export the tool last committed there: the baseline a file there is imported against).
"""

from __future__ import annotations

from collections.abc import Mapping

from .clock import now_utc
from .connection import StateConnection


class GitCursors(StateConnection):
    """The ``git_imported`` and ``git_files`` tables of :class:`~automsg_sync.state.StateStore`."""

    def last_imported_commit(self, account: str) -> str | None:
        """The last commit whose translator files of ``account`` were imported."""
        row = self.db.execute("SELECT git_commit FROM git_imported WHERE account = ?", (account,)).fetchone()
        return str(row[0]) if row else None

    def set_last_imported_commit(self, account: str, commit: str) -> None:
        """Record ``commit`` as the last whose translator files of ``account`` were imported."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO git_imported VALUES (?, ?, ?) ON CONFLICT (account) DO UPDATE "
                "SET git_commit = excluded.git_commit, imported_at = excluded.imported_at",
                (account, commit, now_utc()),
            )

    def last_pushed_commit(self, account: str) -> str | None:
        """The commit of the tool's last push that held a file of ``account``."""
        row = self.db.execute(
            "SELECT git_commit FROM git_files WHERE account = ? "
            "ORDER BY committed_at DESC, rowid DESC LIMIT 1",
            (account,),
        ).fetchone()
        return str(row[0]) if row else None

    def export_for_path(self, path: str) -> str | None:
        """The export the tool last committed at ``path`` in the repository (its baseline)."""
        row = self.db.execute("SELECT export_id FROM git_files WHERE path = ?", (path,)).fetchone()
        return str(row[0]) if row else None

    def set_exports_for_paths(self, account: str, paths: Mapping[str, str], commit: str) -> None:
        """Path in the repository → the export whose file ``commit`` holds there."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO git_files VALUES (?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
                "account = excluded.account, export_id = excluded.export_id, "
                "git_commit = excluded.git_commit, committed_at = excluded.committed_at",
                [(path, account, export_id, commit, now_utc()) for path, export_id in paths.items()],
            )
