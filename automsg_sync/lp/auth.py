"""Authentication and the authenticated :class:`Connection` every API module calls
through. Nothing above ``lp/`` knows which method is in use.

Methods (docs/liveperson.md, "Authentication", has the pages):

1. **OAuth 2.0 client credentials** (:class:`ClientCredentials`; LivePerson's
   "preferred way to authorize machine-to-machine communication",
   ``oauth-2-0-client-credentials.html``): a token from
   ``POST https://{sentinel}/sentinel/api/v2/account/{id}/app/token`` (form
   ``client_id``, ``client_secret``, ``grant_type=client_credentials``), sent as
   ``Authorization: Bearer``; renewed at 80 % of its ``expires_in`` (else of its
   JWT ``exp``, else of the hour the Connector API page gives an AppJWT) and once on
   a 401. No LivePerson page says the Automatic Messages and Skills APIs take this
   token (their overviews say "either a login or an API key"; the OAuth 2.0
   migration page warns of "APIs with limited or none existing OAuth 2.0
   support"): when one refuses a token fetched for that very call, and a user name
   is configured, the run switches to method 2 with the same credentials.
2. **Bot login with OAuth 2.0 credentials** (``login = "app"``, or the fallback
   above): the Login Service's application login, as its page now documents it —
   ``appKey`` = client id, ``secret`` = client secret, ``accessToken`` and
   ``accessTokenSecret`` placeholders ("deprecated values").
3. **User login** (user name and password) through the Login Service.
4. **OAuth 1.0 API keys** (signed requests, or an application login with the four
   secrets): retired by LivePerson (protocol end of life 2026-05-31, oAuth1 bot
   login 2026-04-30); still used where an account accepts them, with one warning a
   run (:func:`warn_retired`).

Login Service (user login with a password, or application login with the
four API-key secrets, ``login = "app"``), as lp-api.md documents it:

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
- **logout** (``POST /logout``, same cookie and body) in :meth:`Connection.close`,
  at the end of every run, so no session is left open; a failed logout is a
  warning, never an error (the session then ends by itself after its TTL);
- a **429** on login, refresh or logout waits at least 5 s before the retry
  ("login requests only after 5 s"); a **451** on login (blocked for legal
  reasons) is never retried.

OAuth 1.0a: every request signed with HMAC-SHA1 by requests-oauthlib, no
login call, nothing to close; a 401 is final (wrong or revoked key).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import requests
from requests_oauthlib import OAuth1

from ..config import Credentials, Secret
from ..errors import ApiError, ApiStatusError, AuthError, ConfigError
from ..log import register_secrets
from .domain import LOGIN, SENTINEL, Domains
from .http import HttpClient

log = logging.getLogger("automsg_sync.auth")

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

    refreshable = True
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

    @property
    def logged_in(self) -> bool:
        return self._auth is not None

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


TOKEN_LIFETIME = 3600.0  # s, when neither expires_in nor the JWT says: "An AppJWT is valid for one hour"
RENEW_AT = 0.8  # of a token's lifetime: renewed before it runs out
BOT_PLACEHOLDER = "dummy"  # accessToken/accessTokenSecret of an OAuth 2.0 bot login: "deprecated values"


class ClientCredentials:
    """OAuth 2.0 client credentials: a Sentinel token, with a bot login as the fallback
    (see the module docstring). ``login`` is the bot login with the same credentials,
    when a user name is configured."""

    refreshable = True
    # a new token; if a fresh one is refused, one more fresh one (it may have run out on the
    # way: a token of seconds); if that is refused too, the bot login
    renewals_on_401 = 3

    def __init__(
        self,
        http: HttpClient,
        domains: Domains,
        client_id: str,
        client_secret: Secret,
        login: LoginSession | None,
        sources: str,
        clock: Clock = time.monotonic,
    ) -> None:
        self.http = http
        self.domains = domains
        self.client_id = client_id
        self.client_secret = client_secret
        self.login = login
        self.sources = sources  # "AUTOMSG_CLIENT_ID / AUTOMSG_CLIENT_SECRET", for messages
        self.clock = clock
        self.tokens_fetched = 0
        self.fallen_back = False
        self._auth: BearerAuth | None = None
        self._renew_at = 0.0
        self._uses = 0  # requests made with the current token
        self._fresh_refused = 0  # fresh tokens refused in a row

    def auth(self) -> requests.auth.AuthBase:
        if self.fallen_back:
            assert self.login is not None
            return self.login.auth()
        if self._auth is None or self.clock() >= self._renew_at:
            self._fetch()
        assert self._auth is not None
        self._uses += 1
        return self._auth

    def _fetch(self) -> None:
        url = self.domains.url(SENTINEL, f"/sentinel/api/v2/account/{self.domains.account_id}/app/token")
        form = {
            "client_id": self.client_id,
            "client_secret": self.client_secret.reveal(),
            "grant_type": "client_credentials",
        }
        try:
            response = self.http.request("POST", url, data=form)
        except AuthError as exc:
            raise AuthError(
                exc.method,
                exc.url,
                exc.status,
                f"LivePerson's Sentinel refused the OAuth 2.0 client credentials ({self.sources}): "
                "check the client id and secret, and that the application is installed on account "
                f"{self.domains.account_id} (Management Console › Application Install)",
            ) from None
        try:
            answer = response.json()
            token = answer["access_token"]
        except (ValueError, KeyError, TypeError):
            raise ApiError(f"POST {url}: the answer holds no access_token") from None
        if not isinstance(token, str) or not token:
            raise ApiError(f"POST {url}: the answer holds no access_token")
        register_secrets([token])
        lifetime = _lifetime(answer.get("expires_in"), token)
        self._auth = BearerAuth(Secret(token))
        self._renew_at = self.clock() + RENEW_AT * lifetime
        self._uses = 0
        self.tokens_fetched += 1
        log.debug(
            "OAuth 2.0 token obtained for account %s, renewed after %.0f s",
            self.domains.account_id,
            RENEW_AT * lifetime,
        )

    def relogin(self, refused: AuthError | None = None) -> None:
        """After a 401: a token already used before is renewed; one fetched for this very
        call and refused means the API does not take Sentinel tokens: the bot login, when
        a user name is configured, else a clear error."""
        if self.fallen_back:
            assert self.login is not None
            self.login.relogin(refused)
            return
        if self._uses > 1 or self._auth is None:
            log.info("OAuth 2.0 token refused (401) after use; fetching a new one")
            self._fresh_refused = 0
            self._fetch()
            return
        self._fresh_refused += 1
        if self._fresh_refused == 1:
            log.info("a fresh OAuth 2.0 token was refused (401); trying one more fresh token")
            self._fetch()
            return
        where = f"{refused.method} {refused.url.split('?')[0]}" if refused is not None else "LivePerson"
        if self.login is None:
            raise AuthError(
                refused.method if refused else "GET",
                refused.url if refused else "",
                401,
                f"{where} refused a fresh OAuth 2.0 token ({self.sources}): this API does not take "
                "Sentinel tokens on this account; set AUTOMSG_USERNAME (or the account's username) to "
                "the bot user's login name to log in through the Login Service with the same "
                "credentials, and check the application has the Automatic Messages and Skills privileges",
            )
        log.warning(
            "%s refused a fresh OAuth 2.0 token; logging in through the Login Service as %s with the "
            "same client credentials for the rest of the run",
            where,
            self.login.who,
        )
        self.fallen_back = True
        self._auth = None
        self.login.login()

    def close(self) -> None:
        if self.login is not None:
            self.login.close()


def _lifetime(expires_in: object, token: str) -> float:
    """A token's lifetime in seconds: ``expires_in``, else the JWT's ``exp`` − ``iat``
    (or − now), else :data:`TOKEN_LIFETIME`."""
    if isinstance(expires_in, int | float | str) and not isinstance(expires_in, bool):
        try:
            value = float(expires_in)
        except ValueError:
            value = 0.0
        if math.isfinite(value) and value > 0:
            return value
    claims = _jwt_claims(token)
    exp, iat = claims.get("exp"), claims.get("iat", time.time())
    if isinstance(exp, int | float) and isinstance(iat, int | float) and exp > iat:
        return float(exp - iat)
    return TOKEN_LIFETIME


def _jwt_claims(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified (only its times are read; Sentinel signs it for LivePerson)."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return {}
    return payload if isinstance(payload, dict) else {}


_warned_retired: set[str] = set()


def warn_retired(account_id: str, describe: str) -> None:
    """Once a run per account: OAuth 1.0 is retired, and how to move on."""
    if account_id in _warned_retired:
        return
    _warned_retired.add(account_id)
    log.warning(
        "account %s uses an %s: LivePerson retired OAuth 1.0 (API keys: end of life 2026-05-31, "
        "oauth-1-0-api-keys.html; oAuth1 bot login: 2026-04-30). Create an OAuth 2.0 client "
        "(Management Console › Application Install › Create Application) and set "
        "AUTOMSG_CLIENT_ID and AUTOMSG_CLIENT_SECRET; docs/liveperson.md, Authentication",
        account_id,
        describe,
    )


class OAuthKeys:
    """An API key: four secrets, every request signed (OAuth 1.0a, HMAC-SHA1)."""

    refreshable = False
    renewals_on_401 = 0

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

    def relogin(self, refused: AuthError | None = None) -> None:  # pragma: no cover - not refreshable
        raise AssertionError("an API key has no session to renew")

    def close(self) -> None:
        """Nothing to close: no session."""


Authenticator = ClientCredentials | LoginSession | OAuthKeys


def authenticator(
    credentials: Credentials, http: HttpClient, domains: Domains, *, clock: Clock | None = None
) -> Authenticator:
    """Build the authenticator the credentials describe; missing pieces → ConfigError."""
    c = credentials
    register_secrets(c.secrets())  # whoever connects, not only the command line, has them masked
    clock = clock or time.monotonic
    log.info("account %s: authenticating with %s", domains.account_id, c.describe())
    keys = (c.app_key, c.app_secret, c.access_token, c.access_token_secret)
    key_names = ("app_key", "app_secret", "access_token", "access_token_secret")
    if c.method == "client":
        if not c.client_id or c.client_secret is None:
            raise ConfigError(
                "OAuth 2.0 client credentials need a client id and secret; "
                + _missing(c, ("client_id", "client_secret"))
            )
        bot: LoginSession | None = None
        if c.username:
            body: dict[str, str | Secret] = {
                "username": c.username,
                "appKey": c.client_id,
                "secret": c.client_secret,
                "accessToken": BOT_PLACEHOLDER,
                "accessTokenSecret": BOT_PLACEHOLDER,
            }
            bot = LoginSession(
                http, domains, body, f"bot user {c.username!r} (OAuth 2.0 client {c.client_id})", clock
            )
        if c.login == "app":
            if bot is None:
                raise ConfigError(
                    'a bot login (login = "app") needs the bot user\'s name; ' + _missing(c, ("username",))
                )
            return bot
        sources = f"{c.source('client_id')} / {c.source('client_secret')}"
        return ClientCredentials(http, domains, c.client_id, c.client_secret, bot, sources, clock)
    if c.login == "app":
        if not c.username or any(k is None for k in keys):
            raise ConfigError(
                'application login (login = "app") needs a user name and four secrets; '
                + _missing(c, ("username", *key_names))
            )
        assert c.app_key and c.app_secret and c.access_token and c.access_token_secret
        warn_retired(domains.account_id, "OAuth 1.0 API key in an application login")
        body = {
            "username": c.username,
            "appKey": c.app_key,
            "secret": c.app_secret,
            "accessToken": c.access_token,
            "accessTokenSecret": c.access_token_secret,
        }
        return LoginSession(http, domains, body, f"the API key of user {c.username!r}", clock)
    if c.method == "bearer":
        if not c.username or c.password is None:
            raise ConfigError("a Login Service login needs a user name and a password; " + _missing(c))
        body = {"username": c.username, "password": c.password}
        return LoginSession(http, domains, body, f"user {c.username!r}", clock)
    if any(k is None for k in keys):
        raise ConfigError("an API key needs four secrets; " + _missing(c, key_names))
    assert c.app_key and c.app_secret and c.access_token and c.access_token_secret
    warn_retired(domains.account_id, "OAuth 1.0 API key")
    return OAuthKeys(c.app_key, c.app_secret, c.access_token, c.access_token_secret)


def _missing(c: Credentials, names: tuple[str, ...] = ("username", "password")) -> str:
    """Which of the credentials are not set, by the variables (or keys) they are read from."""
    unset = [c.source(n) for n in names if not (c.username if n == "username" else getattr(c, n))]
    return f"not set: {', '.join(unset)}"


class Connection:
    """An authenticated caller of one account's services.

    Close it when the run ends (``with connect(…) as conn:``): a Login Service
    session is logged out; :meth:`close` is idempotent and never raises.
    """

    def __init__(
        self, http: HttpClient, domains: Domains, auth: Authenticator, credentials: str = ""
    ) -> None:
        self.http = http
        self.domains = domains
        self.auth = auth
        self.credentials = credentials  # the method and its variables, for a 401's message
        self.closed = False

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
        data: bytes | None = None,
        ok: tuple[int, ...] = (200,),
        sent: Callable[[], None] | None = None,
        account: str | None = None,
    ) -> requests.Response:
        """Call ``path`` (below ``/api/account/{id}``; ``account`` another segment than the
        account's id, e.g. LivePerson's literal ``default``) on a service; re-login once on 401.

        ``data`` is a body already encoded (a write prepared ahead), sent as is;
        ``sent`` as :meth:`HttpClient.request` says."""
        if self.closed:
            raise ApiError(f"the connection to account {self.account_id} is closed")
        url = self.domains.url(service, f"/api/account/{account or self.account_id}{path}")
        renewals = 0
        while True:
            auth = self.auth.auth()  # may log in, refresh or fetch a token; a refused login is final
            try:
                return self.http.request(
                    method,
                    url,
                    params=params,
                    headers=headers,
                    json=json,
                    data=data,
                    auth=auth,
                    ok=ok,
                    sent=sent,
                )
            except AuthError as exc:
                if exc.status != 401 or renewals >= self.auth.renewals_on_401:
                    if exc.status == 401 and self.credentials and self.credentials not in exc.detail:
                        # which credentials were refused, by their variables (never a value)
                        raise AuthError(
                            exc.method, exc.url, 401, f"{exc.detail} — credentials: {self.credentials}"
                        ) from None
                    raise
                refused = exc
            renewals += 1
            self.auth.relogin(refused)

    def close(self) -> None:
        """End the session (logout); idempotent, never raises."""
        if self.closed:
            return
        self.closed = True
        self.auth.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


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
