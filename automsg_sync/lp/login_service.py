"""The Login Service: a user login (user name and password), a bot login with OAuth 2.0
client credentials (``login = "app"``, or :class:`.oauth2.ClientCredentials`' fallback),
or an application login with the four OAuth 1.0 API-key secrets (``login = "app"``).

As lp-api.md documents it:

- **login** once per run, lazily at the first call; the answer's ``csrf``,
  ``Session_id`` cookie and ``bearer`` are registered for log redaction before
  anything else is done with them, and calls then send ``Authorization: Bearer``;
- **refresh** (``POST /refresh``, cookie ``Session_id``, body ``{"csrf"}``,
  200 with an empty body) before a request once more than **half** of the
  session's ``sessionTTl`` has passed since the login or the last refresh —
  and at the latest every 5 minutes, as LivePerson's refresh page advises
  ("every 3–5 minutes"); with no usable ``sessionTTl`` in the login answer,
  every 5 minutes. The time is ``time.monotonic()`` (injectable). A refresh
  refused with 401 means the session is gone: log in again;
- a **401 on a normal call** means the session expired: log in again once and
  repeat the call;
- **logout** (``POST /logout``, same cookie and body) in :meth:`.auth.Connection.close`,
  at the end of every run, so no session is left open; a failed logout is a
  warning, never an error (the session then ends by itself after its TTL);
- a **429** on login, refresh or logout waits at least 5 s before the retry
  ("login requests only after 5 s"); a **451** on login (blocked for legal
  reasons) is never retried.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from ..config import Secret
from ..errors import ApiError, ApiStatusError, AuthError
from ..log import register_secrets
from .domain import LOGIN, Domains
from .http import HttpClient

log = logging.getLogger("automsg_sync.auth")  # one logger for every auth method

Clock = Callable[[], float]

LOGIN_MIN_WAIT_429 = 5.0  # s; LivePerson: "login requests only after 5 s"
REFRESH_FRACTION = 0.5  # of sessionTTl, since the login or the last refresh
REFRESH_MAX_INTERVAL = 300.0  # s; the refresh page: "every 3–5 minutes"
SESSION_COOKIE = "Session_id"


class BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer …`` from a Login Service session."""

    def __init__(self, token: Secret) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token.reveal()}"
        return r


class LoginSession:
    """A Login Service session: ``body`` is the login request's (user or application login)."""

    renewals_on_401 = 1  # a new login, then the call once more

    def __init__(
        self,
        http: HttpClient,
        domains: Domains,
        body: Mapping[str, str | Secret],
        who: str,
        clock: Clock = time.monotonic,
    ) -> None:
        self.http = http
        self.domains = domains
        self.body = dict(body)
        self.who = who  # for messages: "user 'translation.manager'"
        self.clock = clock
        self._auth: BearerAuth | None = None
        self._csrf: Secret | None = None
        self._session_id: Secret | None = None
        self._refresh_every = REFRESH_MAX_INTERVAL
        self._since = 0.0  # clock() at the login or the last refresh

    def auth(self) -> requests.auth.AuthBase:
        """The bearer; logs in first, or refreshes the session when it is due."""
        if self._auth is None:
            self.login()
        elif self.clock() - self._since > self._refresh_every:
            self.refresh()
        assert self._auth is not None
        return self._auth

    def _url(self, action: str) -> str:
        return self.domains.url(LOGIN, f"/api/account/{self.domains.account_id}/{action}")

    def login(self) -> None:
        url = self._url("login")
        body = {k: v.reveal() if isinstance(v, Secret) else v for k, v in self.body.items()}
        try:
            response = self.http.request(
                "POST", url, params={"v": "1.3"}, json=body, min_wait_429=LOGIN_MIN_WAIT_429
            )
        except AuthError as exc:
            raise AuthError(exc.method, exc.url, exc.status, f"login refused for {self.who}") from None
        except ApiStatusError as exc:
            if exc.status != 451:
                raise
            raise AuthError(
                exc.method,
                exc.url,
                exc.status,
                f"login blocked for legal reasons (451 Unavailable For Legal Reasons): LivePerson "
                f"refuses to log in {self.who} to account {self.domains.account_id} from here; "
                "not retried",
            ) from None
        self._start(response, url)
        log.info("logged in to account %s as %s", self.domains.account_id, self.who)

    def _start(self, response: requests.Response, url: str) -> None:
        try:
            answer = response.json()
            token = answer["bearer"]
        except (ValueError, KeyError, TypeError):
            raise ApiError(f"POST {url}: the login answer holds no bearer token") from None
        csrf = answer.get("csrf")
        session_id = response.cookies.get(SESSION_COOKIE)
        register_secrets(str(v) for v in (token, csrf, session_id) if v)
        if not isinstance(token, str) or not token:
            raise ApiError(f"POST {url}: the login answer holds no bearer token")
        # The cookie goes, explicitly, to the refresh and logout calls only.
        _forget_cookie(self.http.session.cookies, SESSION_COOKIE)
        self._auth = BearerAuth(Secret(token))
        self._csrf = Secret(csrf) if isinstance(csrf, str) and csrf else None
        self._session_id = Secret(session_id) if session_id else None
        ttl = _ttl_seconds(answer.get("sessionTTl"))
        self._refresh_every = (
            min(REFRESH_FRACTION * ttl, REFRESH_MAX_INTERVAL) if ttl else REFRESH_MAX_INTERVAL
        )
        if self._csrf is None:
            # Refresh and logout need the csrf; a 401 still leads to a new login.
            log.warning("the login answer holds no csrf: the session can be neither refreshed nor logged out")
            self._refresh_every = math.inf
        self._since = self.clock()

    def _session_call(self, action: str) -> requests.Response:
        assert self._csrf is not None
        headers = {"Cookie": f"{SESSION_COOKIE}={self._session_id.reveal()}"} if self._session_id else {}
        return self.http.request(
            "POST",
            self._url(action),
            headers=headers,
            json={"csrf": self._csrf.reveal()},
            ok=(200, 204),
            min_wait_429=LOGIN_MIN_WAIT_429,
        )

    def refresh(self) -> None:
        """Extend the session; a refused refresh (401) means a new login. The refresh page
        says its answer sets a ``Session_id`` cookie and not whether the value changes:
        one it sets is the one the next refresh and the logout send."""
        try:
            response = self._session_call("refresh")
        except AuthError as exc:
            if exc.status != 401:
                raise
            log.info("session refresh refused (401); logging in again")
            self._forget()
            self.login()
            return
        rotated = response.cookies.get(SESSION_COOKIE)
        _forget_cookie(self.http.session.cookies, SESSION_COOKIE)
        if rotated:
            register_secrets([rotated])
            self._session_id = Secret(rotated)
        self._since = self.clock()
        log.debug("session of account %s refreshed", self.domains.account_id)

    def relogin(self, refused: AuthError | None = None) -> None:
        log.info("session expired (401); logging in again")
        self._forget()
        self.login()

    def close(self) -> None:
        """Log out, if logged in. Never raises: a failed logout is logged as a warning."""
        if self._auth is None:
            return
        can_log_out = self._csrf is not None
        try:
            if can_log_out:
                self._session_call("logout")
        except AuthError as exc:
            if exc.status == 401:  # expected after a server-side expiry; a wrong cookie ends so too
                log.info(
                    "session of account %s had already ended (logout: 401); it ends by itself after its TTL",
                    self.domains.account_id,
                )
            else:
                log.warning("logout from account %s failed: %s", self.domains.account_id, exc)
        except Exception as exc:  # a run's result must not be lost to its logout
            log.warning(
                "logout from account %s failed (the session ends by itself after its TTL): %s",
                self.domains.account_id,
                exc,
            )
        else:
            if can_log_out:
                log.info("logged out of account %s", self.domains.account_id)
        finally:
            self._forget()

    def _forget(self) -> None:
        self._auth = None
        self._csrf = None
        self._session_id = None


def _ttl_seconds(value: object) -> float | None:
    """``sessionTTl`` (documented as a string of milliseconds; a number is taken too) in seconds."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        ms = float(value)
    except ValueError:
        return None
    return ms / 1000.0 if math.isfinite(ms) and ms > 0 else None


def _forget_cookie(jar: Any, name: str) -> None:
    for cookie in list(jar):
        if cookie.name == name:
            jar.clear(cookie.domain, cookie.path, cookie.name)
