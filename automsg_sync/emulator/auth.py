"""The emulator's credentials: Login Service sessions and OAuth 1.0a verification."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

from oauthlib.oauth1 import RequestValidator


class Tokens:
    """Bearer sessions: token → (account, expiry, csrf, session id)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self.lock = threading.Lock()
        self.by_token: dict[str, dict[str, Any]] = {}

    def issue(self, account: str) -> dict[str, Any]:
        session: dict[str, Any] = {
            "bearer": secrets.token_hex(24),
            "csrf": secrets.token_hex(12),
            "sessionId": secrets.token_hex(12),
            "account": account,
            "expires": time.time() + self.ttl,
        }
        with self.lock:
            self.by_token[session["bearer"]] = session
        return session

    def valid(self, token: str, account: str) -> bool:
        with self.lock:
            s = self.by_token.get(token)
            return bool(s and s["account"] == account and s["expires"] > time.time())

    def by_session(self, session_id: str) -> dict[str, Any] | None:
        with self.lock:
            return next((s for s in self.by_token.values() if s["sessionId"] == session_id), None)

    def expire_all(self) -> None:
        with self.lock:
            for s in self.by_token.values():
                s["expires"] = 0.0


class OAuthValidator(RequestValidator):  # type: ignore[misc]
    """Checks OAuth 1.0a signatures against one account's API keys (oauthlib)."""

    enforce_ssl = False
    client_key_length = (1, 128)
    access_token_length = (1, 128)
    nonce_length = (1, 128)
    dummy_client = "dummy-client"
    dummy_access_token = "dummy-token"

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        super().__init__()
        self.keys = keys

    @property
    def safe_characters(self) -> set[str]:
        return set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")

    def _key(self, client_key: str) -> dict[str, Any] | None:
        return next((k for k in self.keys if k.get("appKey") == client_key), None)

    def validate_client_key(self, client_key: str, request: Any) -> bool:
        return self._key(client_key) is not None

    def validate_access_token(self, client_key: str, token: str, request: Any) -> bool:
        key = self._key(client_key)
        return bool(key and key.get("accessToken") == token)

    def validate_timestamp_and_nonce(self, *args: Any, **kwargs: Any) -> bool:
        return True

    def validate_realms(self, *args: Any, **kwargs: Any) -> bool:
        return True

    def get_client_secret(self, client_key: str, request: Any) -> str:
        key = self._key(client_key)
        return str(key.get("secret", "")) if key else "dummy-secret"

    def get_access_token_secret(self, client_key: str, token: str, request: Any) -> str:
        key = self._key(client_key)
        return str(key.get("accessTokenSecret", "")) if key else "dummy-secret"
