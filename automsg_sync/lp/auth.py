"""Authentication (Login Service bearer, or OAuth 1.0a API keys) and the
authenticated :class:`Connection` every API module calls through.

Bearer: one login per run (lazily, at the first call); a 401 mid-run means
the session expired, so the connection logs in again once and repeats the
call. OAuth 1.0a: every request signed with HMAC-SHA1 by requests-oauthlib,
no login call; a 401 is final (wrong or revoked key).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests
from requests_oauthlib import OAuth1

from ..config import Credentials, Secret
from ..errors import ApiError, AuthError, ConfigError
from .domain import LOGIN, Domains
from .http import HttpClient

log = logging.getLogger("automsg_sync.auth")


class BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer …`` from a Login Service session."""

    def __init__(self, token: Secret) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token.reveal()}"
        return r


class BearerLogin:
    """Login Service: username and password → bearer token."""

    refreshable = True

    def __init__(self, http: HttpClient, domains: Domains, username: str, password: Secret):
        self.http = http
        self.domains = domains
        self.username = username
        self.password = password
        self._auth: BearerAuth | None = None

    def auth(self) -> requests.auth.AuthBase:
        if self._auth is None:
            self.login()
        assert self._auth is not None
        return self._auth

    def login(self) -> None:
        url = self.domains.url(LOGIN, f"/api/account/{self.domains.account_id}/login")
        try:
            response = self.http.request(
                "POST",
                url,
                params={"v": "1.3"},
                json={"username": self.username, "password": self.password.reveal()},
            )
        except AuthError as exc:
            raise AuthError(
                exc.method, exc.url, exc.status, f"login refused for user {self.username!r}"
            ) from None
        try:
            token = response.json()["bearer"]
        except (ValueError, KeyError, TypeError):
            raise ApiError(f"POST {url}: the login answer holds no bearer token") from None
        self._auth = BearerAuth(Secret(str(token)))
        log.info("logged in to account %s as %s", self.domains.account_id, self.username)

    def relogin(self) -> None:
        log.info("session expired (401); logging in again")
        self._auth = None
        self.login()


class OAuthKeys:
    """An API key: four secrets, every request signed (OAuth 1.0a, HMAC-SHA1)."""

    refreshable = False

    def __init__(self, app_key: Secret, app_secret: Secret, token: Secret, token_secret: Secret):
        self._auth = OAuth1(
            app_key.reveal(),
            client_secret=app_secret.reveal(),
            resource_owner_key=token.reveal(),
            resource_owner_secret=token_secret.reveal(),
            signature_type="auth_header",
        )

    def auth(self) -> requests.auth.AuthBase:
        auth: requests.auth.AuthBase = self._auth
        return auth

    def relogin(self) -> None:  # pragma: no cover - never called: not refreshable
        raise AssertionError("an API key has no session to renew")


Authenticator = BearerLogin | OAuthKeys


def authenticator(credentials: Credentials, http: HttpClient, domains: Domains) -> Authenticator:
    """Build the authenticator the credentials describe; missing pieces → ConfigError."""
    c = credentials
    if c.method == "bearer":
        if not c.username or c.password is None:
            raise ConfigError(
                "bearer login needs a username and a password "
                "(AUTOMSG_USERNAME and AUTOMSG_PASSWORD, or the account's *_env keys)"
            )
        return BearerLogin(http, domains, c.username, c.password)
    keys = (c.app_key, c.app_secret, c.access_token, c.access_token_secret)
    if any(k is None for k in keys):
        raise ConfigError(
            "an API key needs four secrets: AUTOMSG_APP_KEY, AUTOMSG_APP_SECRET, "
            "AUTOMSG_ACCESS_TOKEN, AUTOMSG_ACCESS_TOKEN_SECRET (or the account's *_env keys)"
        )
    assert c.app_key and c.app_secret and c.access_token and c.access_token_secret
    return OAuthKeys(c.app_key, c.app_secret, c.access_token, c.access_token_secret)


class Connection:
    """An authenticated caller of one account's services."""

    def __init__(self, http: HttpClient, domains: Domains, auth: Authenticator) -> None:
        self.http = http
        self.domains = domains
        self.auth = auth

    @property
    def account_id(self) -> str:
        return self.domains.account_id

    def request(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        ok: tuple[int, ...] = (200,),
    ) -> requests.Response:
        """Call ``path`` (below ``/api/account/{id}``) on a service; re-login once on 401."""
        url = self.domains.url(service, f"/api/account/{self.account_id}{path}")
        auth = self.auth.auth()  # may log in; a refused login is final
        try:
            return self.http.request(method, url, params=params, headers=headers, json=json, auth=auth, ok=ok)
        except AuthError as exc:
            if exc.status != 401 or not self.auth.refreshable:
                raise
        self.auth.relogin()
        return self.http.request(
            method, url, params=params, headers=headers, json=json, auth=self.auth.auth(), ok=ok
        )
