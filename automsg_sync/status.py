"""``automsg-sync status``: what is translated where, read from the live account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .catalog import StatusRow, status_rows
from .config import AccountSettings
from .lp import Connection


@dataclass(frozen=True)
class Status:
    account: str
    revision: str
    rows: list[StatusRow]
    requests: int
    api: str = ""  # the Automatic Messages API the account was read through
    notices: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """``status --json``."""
        rows = [
            {
                "context": r.context.key,
                "name": r.context_name,
                "language": r.language,
                "custom": r.custom,
                "default": r.default,
                "missing": r.missing,
            }
            for r in self.rows
        ]
        return {
            "account": self.account,
            "api": self.api,
            "revision": self.revision,
            "notices": list(self.notices),
            "rows": rows,
        }


def account_status(conn: Connection, account: AccountSettings) -> Status:
    """Two requests after login: every context in one BY_CONTEXT call, and the skills."""
    from .export import fetch_snapshot

    snapshot = fetch_snapshot(conn, account)
    assert snapshot is not None
    names = {sid: s.name for sid, s in snapshot.skills.items()}
    rows = status_rows(snapshot.contexts, names)
    return Status(
        conn.account_id,
        snapshot.revision,
        rows,
        conn.http.requests_sent,
        snapshot.api,
        tuple(snapshot.notices()),
    )
