"""``export-for-translation``: live messages → translator files + a baseline.

Request budget: the Domain API and login, then one skills call and one
``view=BY_CONTEXT`` list call for every context at once — never one call per
message or per context.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .catalog import account_languages, build_units
from .config import AccountSettings
from .errors import ConfigError
from .formats.po import write_po
from .formats.xlsx import write_xlsx
from .lp import Connection
from .lp.automessages import AutoMessagesApi
from .lp.skills import Skill, list_skills
from .model import (
    UNIT_STATES,
    AutoMessage,
    Context,
    FileMeta,
    Unit,
    language_key,
    normalise_language,
)
from .state import StateStore

FORMATS = ("po", "xlsx")
Progress = Callable[[str, int, int], None]  # (language, done, total)


@dataclass(frozen=True)
class ExportRequest:
    """What to export. ``languages``/``skills`` None: from the config, else everything."""

    out_dir: Path
    formats: Sequence[str] = FORMATS
    languages: Sequence[str] | None = None
    skills: Sequence[str] | None = None
    only: frozenset[str] = frozenset(UNIT_STATES)
    source_language: str | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class LanguageSummary:
    language: str
    states: dict[str, int]  # units by state, before --only
    exported: int
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class ExportResult:
    export_id: str
    account: str
    revision: str
    languages: list[LanguageSummary]
    requests: int

    @property
    def files(self) -> list[Path]:
        return [f for lang in self.languages for f in lang.files]


def new_export_id(account: str) -> str:
    """``<account>-<UTC time>-<random>``: sortable, unique, readable in a file header."""
    return f"{account}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def export_for_translation(
    conn: Connection,
    account: AccountSettings,
    request: ExportRequest,
    state: StateStore,
    progress: Progress | None = None,
) -> ExportResult:
    """Pull the live messages, write one file per language and format, record the baseline."""
    for fmt in request.formats:
        if fmt not in FORMATS:
            raise ConfigError(f"unknown format {fmt!r} (expected {' or '.join(FORMATS)})")
    unknown = set(request.only) - set(UNIT_STATES)
    if unknown:
        raise ConfigError(f"--only: unknown state {sorted(unknown)[0]!r} ({', '.join(UNIT_STATES)})")
    source_language = normalise_language(request.source_language or account.source_language)

    skills = list_skills(conn, include_deleted=True)
    listing = AutoMessagesApi(conn, account.api).list_by_context()
    assert listing.contexts is not None
    contexts = _select_skills(listing.contexts, request.skills or account.skills, skills)
    languages = _languages(request.languages or account.languages, contexts, source_language)
    skill_names = {sid: s.name for sid, s in skills.items()}
    units = build_units(
        contexts,
        skill_names,
        source_language,
        languages,
        state.origins(account.id),
        request.max_length,
    )
    export_id = new_export_id(account.id)
    summaries = []
    exported: list[Unit] = []
    for lang in languages:
        lang_units = [u for u in units if language_key(u.language) == language_key(lang)]
        selected = [u for u in lang_units if u.state in request.only]
        states = Counter(u.state for u in lang_units)
        files: list[Path] = []
        if selected:
            meta = FileMeta(account.id, lang, export_id, listing.revision, source_language)
            base = request.out_dir / account.id
            if "po" in request.formats:
                files.append(base / f"{lang}.po")
                write_po(files[-1], meta, selected)
            if "xlsx" in request.formats:
                files.append(base / f"{lang}.xlsx")
                write_xlsx(files[-1], meta, selected, skill_names)
            exported += selected
        summaries.append(
            LanguageSummary(lang, {s: states.get(s, 0) for s in UNIT_STATES}, len(selected), files)
        )
        if progress:
            progress(lang, len(summaries), len(languages))
    by_address = {(c.key, m.id): m for c, ms in contexts.items() for m in ms}
    wanted = sorted({(u.key.context.key, u.message_id) for u in exported})
    state.record_export(
        export_id=export_id,
        account=account.id,
        revision=listing.revision,
        source_language=source_language,
        api=account.api,
        exported=exported,
        seen=units,
        objects=[(c, m, json.dumps(by_address[c, m].raw, ensure_ascii=False)) for c, m in wanted],
    )
    return ExportResult(export_id, account.id, listing.revision, summaries, conn.http.requests_sent)


def _select_skills(
    contexts: dict[Context, list[AutoMessage]],
    wanted: Sequence[str] | None,
    skills: dict[str, Skill],
) -> dict[Context, list[AutoMessage]]:
    if wanted is None or list(wanted) == ["all"]:
        return contexts
    wanted_ids = {str(w).strip() for w in wanted}
    unknown = sorted(wanted_ids - set(skills))
    if unknown:
        raise ConfigError(f"--skills: no skill {unknown[0]} in the account")
    return {c: m for c, m in contexts.items() if c.is_account or c.skill_id in wanted_ids}


def _languages(
    wanted: Sequence[str] | None, contexts: dict[Context, list[AutoMessage]], source_language: str
) -> list[str]:
    if wanted:
        try:
            langs = [normalise_language(x) for x in wanted]
        except ValueError as exc:
            raise ConfigError(f"--languages: {exc}") from None
    else:
        langs = account_languages(contexts)
    out = []
    for lang in langs:
        if language_key(lang) != language_key(source_language) and lang not in out:
            out.append(lang)
    return out
