"""``automsg-sync status``: what is translated where, read from the live account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .catalog import StatusRow, status_rows
from .lp import Connection
from .lp.automessages import AutoMessagesApi
from .lp.skills import list_skills


@dataclass(frozen=True)
class Status:
    account: str
    revision: str
    rows: list[StatusRow]
    requests: int

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
        return {"account": self.account, "revision": self.revision, "rows": rows}


def account_status(conn: Connection, flavour: str = "auto-messages") -> Status:
    """Two requests after login: the skills, and every context in one BY_CONTEXT call."""
    skills = list_skills(conn, include_deleted=True)
    listing = AutoMessagesApi(conn, flavour).list_by_context()
    assert listing.contexts is not None
    names = {sid: s.name for sid, s in skills.items()}
    rows = status_rows(listing.contexts, names)
    return Status(conn.account_id, listing.revision, rows, conn.http.requests_sent)
