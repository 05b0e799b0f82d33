"""The live account as a command reads it: one ``view=BY_CONTEXT`` list call for every
context, one skills call and, on the Unified API, one call for LivePerson's stock texts.

``export-for-translation``, ``status``, cron's conditional check and git mode all read
the account through :func:`fetch_snapshot`, and pick the contexts to work on with
:func:`select_skills`; none of them needs the translator file formats, so this room
holds no import of ``formats/``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from .config import AccountSettings
from .errors import ConfigError
from .lp import Connection
from .lp.automessages import UNIFIED, AutoMessagesApi
from .lp.skills import Skill, list_skills
from .model import AutoMessage, Context

log = logging.getLogger("automsg_sync.export")  # the name its warnings have always been logged under


@dataclass(frozen=True)
class Snapshot:
    """The account as one export sees it: every context's messages, the skills, the
    revision, the API read, and the objects several contexts share (home context and
    messageEventId → the other contexts)."""

    contexts: dict[Context, list[AutoMessage]]
    skills: dict[str, Skill]
    revision: str
    api: str = UNIFIED
    shared: dict[tuple[Context, str], tuple[Context, ...]] = field(default_factory=dict)
    contexts_proven: bool = True
    problems: tuple[str, ...] = ()  # data LivePerson sent that cannot be used, one line each: left out
    stock: dict[tuple[str, str], str] | None = None  # LivePerson's stock texts (Unified), if it said

    def notices(self) -> list[str]:
        """What the user must know about how the account was read (one line each): the
        data left out, at most :data:`MAX_PROBLEM_NOTICES` lines and then how many more."""
        out = []
        if not self.contexts_proven:
            out.append(
                f"the {self.api} API showed no contexts (view=BY_CONTEXT not understood): "
                "only the account level was read; skill overrides are not exported or written"
            )
        out += self.problems[:MAX_PROBLEM_NOTICES]
        more = len(self.problems) - MAX_PROBLEM_NOTICES
        if more > 0:
            out.append(f"and {more} more problem(s) in the account's data, also left out")
        return out


MAX_PROBLEM_NOTICES = 20
_said_no_stock: list[str] = []


def fetch_snapshot(
    conn: Connection, account: AccountSettings, *, if_match: str | None = None, hint: str | None = None
) -> Snapshot | None:
    """One ``view=BY_CONTEXT`` call (conditional with ``if_match``) and one skills call.

    None when ``if_match`` is still the account's revision (304): nothing changed.
    ``hint`` is the API to try first with ``api = "auto"`` (the last export's).
    """
    api = AutoMessagesApi.for_account(conn, account, hint=hint)
    listing = api.list_by_context(if_match=if_match)
    if listing.not_modified:
        return None
    assert listing.contexts is not None
    stock, no_stock = api.stock_texts()
    if no_stock and not _said_no_stock:
        _said_no_stock.append(no_stock)  # once a run: every account of a cron run is the same LivePerson
        log.warning("%s", no_stock)
    return Snapshot(
        listing.contexts,
        list_skills(conn, include_deleted=True),
        listing.revision,
        api.flavour,
        listing.shared,
        listing.contexts_proven,
        listing.problems,
        stock,
    )


def select_skills(
    contexts: dict[Context, list[AutoMessage]],
    wanted: Sequence[str] | None,
    skills: dict[str, Skill],
    notes: list[str] | None = None,
) -> dict[Context, list[AutoMessage]]:
    """The contexts to work on: the account and the skills ``wanted`` (None or "all":
    every skill). A deleted skill's overrides (LivePerson still lists them) are left
    out unless ``wanted`` names the skill; said in ``notes``."""
    if wanted is None or list(wanted) == ["all"]:
        gone = {c: ms for c, ms in contexts.items() if not c.is_account and _deleted(skills, c)}
        if notes is not None:
            notes += [
                f"skill {c.skill_id} ({skills[c.skill_id or ''].name}) is deleted: its {len(ms)} override(s) "
                f"are left out (name it in --skills to export them)"
                for c, ms in sorted(gone.items())
            ]
        return {c: m for c, m in contexts.items() if c not in gone}
    wanted_ids = {str(w).strip() for w in wanted}
    unknown = sorted(wanted_ids - set(skills))
    if unknown:
        raise ConfigError(f"--skills: no skill {unknown[0]} in the account")
    return {c: m for c, m in contexts.items() if c.is_account or c.skill_id in wanted_ids}


def _deleted(skills: dict[str, Skill], context: Context) -> bool:
    found = skills.get(context.skill_id or "")
    return found is not None and found.deleted
