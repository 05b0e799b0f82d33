"""Live messages ⇄ what the tool reasons about (counts, units). Pure functions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .model import AutoMessage, Context, language_key, normalise_language


@dataclass(frozen=True)
class StatusRow:
    """How many messages of a context are custom, stock or missing in a language."""

    context: Context
    context_name: str
    language: str
    custom: int
    default: int
    missing: int


def account_languages(contexts: Mapping[Context, Iterable[AutoMessage]]) -> list[str]:
    """Every language any message of the account has, normalised, sorted."""
    seen: dict[str, str] = {}
    for messages in contexts.values():
        for message in messages:
            for text in message.texts():
                seen.setdefault(language_key(text.lang), normalise_language(text.lang))
    return sorted(seen.values(), key=str.lower)


def status_rows(
    contexts: Mapping[Context, list[AutoMessage]],
    skill_names: Mapping[str, str],
    languages: Iterable[str] | None = None,
) -> list[StatusRow]:
    """Per context and language: custom-translated, LivePerson default, missing.

    Deleted messages are not counted. A skill context counts only the messages
    it overrides.
    """
    langs = list(languages) if languages is not None else account_languages(contexts)
    rows = []
    for context in sorted(contexts, key=lambda c: (not c.is_account, _skill_sort(c))):
        live = [m for m in contexts[context] if not m.deleted]
        name = "account" if context.is_account else skill_names.get(context.skill_id or "", "?")
        for lang in langs:
            custom = default = missing = 0
            for message in live:
                text = message.text(lang)
                if text is None or not text.msg:
                    missing += 1
                elif text.is_default:
                    default += 1
                else:
                    custom += 1
            rows.append(StatusRow(context, name, lang, custom, default, missing))
    return rows


def _skill_sort(context: Context) -> tuple[int, str]:
    sid = context.skill_id or ""
    return (int(sid), "") if sid.isdigit() else (1 << 62, sid)
