"""The Domain API's answers kept across runs (``domains``): an unattended run of an
unchanged account then costs one request, not a Domain API call and a read."""

from __future__ import annotations

import json
import time

from .connection import StateConnection


class DomainCache:
    """The Domain API's answers kept in the state store for ``ttl`` seconds."""

    def __init__(self, state: StateConnection, ttl: float = 24 * 3600) -> None:
        self.state = state
        self.ttl = ttl

    def load(self, account: str, csds_url: str) -> dict[str, str] | None:
        """The services the Domain API named for ``account``, if fetched within ``ttl``."""
        row = self.state.db.execute(
            "SELECT services, fetched_at FROM domains WHERE account = ? AND csds_url = ?",
            (account, csds_url),
        ).fetchone()
        if row is None or time.time() - float(row[1]) > self.ttl:
            return None
        services: dict[str, str] = json.loads(row[0])
        return services

    def save(self, account: str, csds_url: str, services: dict[str, str]) -> None:
        """Keep the Domain API's answer for ``account``, stamped now."""
        with self.state.transaction() as db:
            db.execute(
                "INSERT INTO domains VALUES (?, ?, ?, ?) ON CONFLICT (account, csds_url) DO UPDATE "
                "SET services = excluded.services, fetched_at = excluded.fetched_at",
                (account, csds_url, json.dumps(services), time.time()),
            )
