"""The emulator's credentials: Login Service sessions, OAuth 1.0a verification, and the
check every API route makes before it answers (:func:`guard`)."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response, jsonify, request
from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint

from .responses import error
from .store import Account, Store

CSRF_INVALID = "CSRF token invalid! The CSRF token on request does not match the CSRF token on the session"
BAD_AUTHENTICATION = "Bad Authentication (invalid site or agent)"
OAUTH1_EOL = "OAuth 1.0 reached its end of life on 2026-05-31: use OAuth 2.0 client credentials"


def login_service_error(status: int, message: str, internal_code: int) -> Response:
    """The Login Service's documented error body: ``{"error": {"time", "message", "internalCode",
    "responseStatus"}}`` (lp-examples/login-refresh-logout-bad-csrf.401.response.json)."""
    now = datetime.now()
    names = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 404: "NOT_FOUND"}
    response = jsonify(
        {
            "error": {
                "time": f"{now:%b} {now.day}, {now.year} {now.hour % 12 or 12}:{now:%M:%S %p}",
                "message": message,
                "internalCode": internal_code,
                "responseStatus": names.get(status, str(status)),
            }
        }
    )
    response.status_code = status
    return response


class Tokens:
    """Login Service sessions by bearer token: account, login kind and name, csrf,
    ``Session_id``, expiry, logged out. ``clock`` (``time.time``) may be replaced by tests."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.time) -> None:
        self.ttl = ttl
        self.clock = clock
        self.lock = threading.Lock()
        self.by_token: dict[str, dict[str, Any]] = {}
        self.app_tokens: dict[str, dict[str, Any]] = {}

    def issue(self, account: str, login: str = "user", login_name: str = "") -> dict[str, Any]:
        session: dict[str, Any] = {
            "bearer": secrets.token_hex(32),
            "csrf": secrets.token_hex(32),
            "sessionId": secrets.token_hex(16),
            "account": account,
            "login": login,
            "loginName": login_name,
            "expires": self.clock() + self.ttl,
            "loggedOut": False,
        }
        with self.lock:
            self.by_token[session["bearer"]] = session
        return session

    def issue_app_token(self, account: str, client_id: str, life: float) -> str:
        """An OAuth 2.0 (Sentinel) token of an installed application, valid ``life`` seconds."""
        token = "sentinel." + secrets.token_urlsafe(32)
        with self.lock:
            self.app_tokens[token] = {
                "account": account,
                "clientId": client_id,
                "expires": self.clock() + life,
            }
        return token

    def app_token_valid(self, token: str, account: str) -> bool:
        with self.lock:
            found = self.app_tokens.get(token)
            return bool(found and found["account"] == account and found["expires"] > self.clock())

    def rotate(self, session: dict[str, Any]) -> str:
        """A new ``Session_id`` for a session (a refresh that rotates it)."""
        with self.lock:
            session["sessionId"] = secrets.token_hex(16)
            return str(session["sessionId"])

    def _open(self, session: dict[str, Any]) -> bool:
        return not session["loggedOut"] and session["expires"] > self.clock()

    def valid(self, token: str, account: str) -> bool:
        with self.lock:
            s = self.by_token.get(token)
            return bool(s and s["account"] == account and self._open(s))

    def by_session(self, session_id: str) -> dict[str, Any] | None:
        with self.lock:
            return next((s for s in self.by_token.values() if s["sessionId"] == session_id), None)

    def check(self, account: str, session_id: str, body: Any) -> dict[str, Any] | Response:
        """The open session a refresh or logout names (cookie and csrf), else its 401 answer."""
        session = self.by_session(session_id) if session_id else None
        if session is None or session["account"] != account:
            return login_service_error(401, BAD_AUTHENTICATION, 1)
        csrf = body.get("csrf") if isinstance(body, dict) else None
        if not isinstance(csrf, str) or not secrets.compare_digest(csrf, session["csrf"]):
            return login_service_error(401, CSRF_INVALID, 10)
        with self.lock:
            if not self._open(session):
                return login_service_error(401, BAD_AUTHENTICATION, 1)
        return session

    def refresh(self, session: dict[str, Any]) -> None:
        with self.lock:
            session["expires"] = self.clock() + self.ttl

    def log_out(self, session: dict[str, Any]) -> None:
        """The session ends; its bearer is refused from now on."""
        with self.lock:
            session["loggedOut"] = True

    def open_sessions(self) -> dict[str, list[dict[str, Any]]]:
        """Logged in, not logged out, not expired; per account (no secret in it)."""
        now = self.clock()
        found: dict[str, list[dict[str, Any]]] = {}
        with self.lock:
            for s in self.by_token.values():
                if self._open(s):
                    found.setdefault(s["account"], []).append(
                        {
                            "login": s["login"],
                            "loginName": s["loginName"],
                            "expiresIn": round(s["expires"] - now, 3),
                        }
                    )
        return found

    def expire_all(self) -> None:
        with self.lock:
            for s in self.by_token.values():
                s["expires"] = 0.0
            for t in self.app_tokens.values():
                t["expires"] = 0.0


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


def oauth_client(account: Account, client_id: str, secret: str) -> dict[str, Any] | None:
    """The installed OAuth 2.0 application with this id and secret (compared in constant time)."""
    for client in account.oauth_clients:
        if client_id and client.get("clientId") == client_id:
            return client if secret_matches(client, secret) else None
    return None


TOKEN_LIFETIME = 3600.0  # "valid for one hour": the OAuth 2.0 and the Connector API's pages


def secret_matches(client: dict[str, Any], secret: str) -> bool:
    """A client's ``clientSecret`` is ``secret``, compared in constant time."""
    return hmac.compare_digest(str(client.get("clientSecret", "")).encode(), secret.encode())


def token_answer(token: str, client: dict[str, Any]) -> Response:
    """A Sentinel token's answer, as documented: ``{"access_token", "token_type": "Bearer"}``,
    and ``expires_in`` only for a client given a ``tokenTtl`` (the pages show none)."""
    answer: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
    if client.get("tokenTtl") is not None:
        answer["expires_in"] = client["tokenTtl"]
    return jsonify(answer)


def token_lifetime(client: dict[str, Any]) -> float:
    """How long a client's token lives: its ``tokenTtl``, else an hour."""
    ttl = client.get("tokenTtl")
    return float(ttl) if isinstance(ttl, int | float) else TOKEN_LIFETIME


def authorised(store: Store, tokens: Tokens, account_id: str) -> bool:
    """Does the request's ``Authorization`` open ``account_id``: a Login Service bearer, an
    OAuth 2.0 (Sentinel) token where the account accepts them, or an OAuth 1.0a signature?"""
    header = request.headers.get("Authorization", "")
    account = store.account(account_id)
    if account is None:
        return False
    if header.startswith("Bearer "):
        token = header[len("Bearer ") :]
        if tokens.valid(token, account_id):
            return True
        return account.behaviour["sentinelTokens"] == "accepted" and tokens.app_token_valid(token, account_id)
    if header.startswith("OAuth "):
        if account.behaviour["oauth1"] == "eol":
            return False
        endpoint = SignatureOnlyEndpoint(OAuthValidator(account.api_keys))
        raw_path = request.environ.get("REQUEST_URI") or request.full_path
        uri = f"{request.scheme}://{request.host}{raw_path}"
        valid, _ = endpoint.validate_request(
            uri, http_method=request.method, body=None, headers={"Authorization": header}
        )
        return bool(valid)
    return False


def guard(store: Store, tokens: Tokens, account_id: str) -> Response | None:
    """None when the request may go on; else its refusal (404 unknown account, 401)."""
    account = store.account(account_id)
    if account is None:
        return error(404, f"unknown account {account_id}")
    if not authorised(store, tokens, account_id):
        if account.behaviour["oauth1"] == "eol" and request.headers.get("Authorization", "").startswith(
            "OAuth "
        ):
            return error(401, OAUTH1_EOL)
        return error(401, "missing, invalid or expired credentials")
    return None
