"""``automsg-sync status``: what is translated where, read from the live account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .catalog import StatusRow, account_languages, status_rows
from .config import AccountSettings
from .languages import check_languages
from .lp import Connection
from .snapshot import fetch_snapshot, select_skills


def done_percent(row: StatusRow) -> float | None:
    """Custom ÷ (custom + default + missing), in percent with one decimal; None without messages."""
    total = row.custom + row.default + row.missing
    return round(100 * row.custom / total, 1) if total else None


@dataclass(frozen=True)
class Status:
    account: str
    revision: str
    rows: list[StatusRow]
    requests: int
    api: str = ""  # the Automatic Messages API the account was read through
    notices: tuple[str, ...] = ()
    credentials: str = ""  # the method used and the variables it came from (never a value)
    git: str = ""  # [git]: the repository (redacted), its branch and the last commit imported

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
                "done_percent": done_percent(r),
            }
            for r in self.rows
        ]
        return {
            "account": self.account,
            "api": self.api,
            "credentials": self.credentials,
            "git": self.git,
            "revision": self.revision,
            "notices": list(self.notices),
            "rows": rows,
        }


def account_status(
    conn: Connection,
    account: AccountSettings,
    languages: Sequence[str] | None = None,
    skills: Sequence[str] | None = None,
) -> Status:
    """Two requests after login: every context in one BY_CONTEXT call, and the skills.

    ``languages`` (``--languages``): only these languages' rows, a language no
    message has yet included (all missing). ``skills`` (``--skills``): the
    account default and these skills' overrides, as an export selects them
    (``all`` or None: every skill); a skill the account lacks is an error.
    """
    snapshot = fetch_snapshot(conn, account)
    assert snapshot is not None
    names = {sid: s.name for sid, s in snapshot.skills.items()}
    notices = snapshot.notices()
    contexts = select_skills(snapshot.contexts, skills, snapshot.skills, notices)
    wanted_languages = None
    if languages:  # LivePerson's visitor languages, or one the account holds (as export checks them)
        wanted_languages, _ = check_languages(languages, account_languages(snapshot.contexts))
    rows = status_rows(contexts, names, wanted_languages, snapshot.stock)
    return Status(
        conn.account_id,
        snapshot.revision,
        rows,
        conn.http.requests_sent,
        snapshot.api,
        tuple(notices),
        account.credentials.describe(),
    )
