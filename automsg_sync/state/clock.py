"""Times and ids as the state store writes them (one format for every export, run and copy)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime


def now_utc() -> str:
    """Now, as the state store writes times: UTC to the second, ``2026-01-02T00:00:00Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id(prefix: str) -> str:
    """``<prefix>-<UTC time>-<random>``: an export id, a run id (``prefix`` the account,
    or ``cron``), a copy's suffix; sortable, unique, readable in a file header."""
    return f"{prefix}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
