"""The configuration reference of the docs site, made from :data:`~automsg_sync.config.schema.SCHEMA`.

``docs/hooks.py`` puts :func:`markdown` into ``docs/reference/configuration.md``
when the site is built, so the page lists exactly the keys the loader reads.
"""

from __future__ import annotations

from typing import Any

from .schema import ACCOUNTS, SCHEMA, TABLES, TOP, Key, keys_of, kind_name


def keys() -> list[Key]:
    """Every key of ``automsg.toml``, in the reference's order."""
    return list(SCHEMA)


def _toml(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, list):
        return "`[" + ", ".join(_toml(v).strip("`") for v in value) + "]`"
    return f"`{value:g}`" if isinstance(value, float) else f"`{value}`"


def _table(title: str, intro: str, table: str) -> list[str]:
    lines = [f"## {title}", "", intro, "", "| key | type | default | meaning |", "|---|---|---|---|"]
    for key in keys_of(table).values():
        if key.name == "accounts" and table == TOP:
            continue
        default = "**required**" if key.required else _toml(key.default)
        # Markdown would take <run-id> for an HTML tag and | for a cell's end
        doc = key.doc.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
        lines.append(f"| `{key.name}` | {kind_name(key.kind)} | {default} | {doc} |")
    return [*lines, ""]


def markdown() -> str:
    """The reference as Markdown: a section per table, a row per key."""
    out = _table("Top level", "Keys outside any table.", TOP)
    for name in TABLES:
        out += _table(f"[{name}]", f"The `[{name}]` table.", name)
    out += _table(
        "[[accounts]]",
        "One table per LivePerson account. A policy key here overrides `[policies]` for this account.",
        ACCOUNTS,
    )
    return "\n".join(out)
