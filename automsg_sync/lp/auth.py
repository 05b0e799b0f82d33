"""Which authentication the credentials describe, and the authenticated
:class:`Connection` every API module calls through. Nothing above ``lp/`` knows
which method is in use.

Methods (docs/liveperson.md, "Authentication", has the pages), each in its module:

1. **OAuth 2.0 client credentials** (:mod:`.oauth2`, :class:`.oauth2.ClientCredentials`):
   a Sentinel token; when an API refuses a token fetched for that very call, and a user
   name is configured, the run switches to method 2 with the same credentials.
2. **Bot login with OAuth 2.0 credentials** (``login = "app"``, or the fallback
   above): the Login Service's application login (:mod:`.login_service`), as its page
   now documents it — ``appKey`` = client id, ``secret`` = client secret,
   ``accessToken`` and ``accessTokenSecret`` placeholders ("deprecated values").
3. **User login** (user name and password) through the Login Service
   (:mod:`.login_service`).
4. **OAuth 1.0 API keys** (:mod:`.oauth1`: signed requests, or an application login
   with the four secrets through the Login Service): retired by LivePerson; still used
   where an account accepts them, with one warning a run (:func:`.oauth1.warn_retired`).

Every method answers the same four things (:data:`Authenticator`): ``auth()`` for the
next request, ``renewals_on_401`` and ``relogin()`` for a refused one, ``close()``
at the end of the run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import requests

from ..config import Credentials, Secret
from ..errors import ApiError, AuthError, ConfigError
from ..log import register_secrets
from .domain import Domains
from .http import HttpClient
from .login_service import Clock, LoginSession
from .oauth1 import OAuthKeys, warn_retired
from .oauth2 import ClientCredentials

log = logging.getLogger("automsg_sync.auth")

BOT_PLACEHOLDER = "dummy"  # accessToken/accessTokenSecret of an OAuth 2.0 bot login: "deprecated values"

Authenticator = ClientCredentials | LoginSession | OAuthKeys


def authenticator(
    credentials: Credentials, http: HttpClient, domains: Domains, *, clock: Clock | None = None
) -> Authenticator:
    """Build the authenticator the credentials describe; missing pieces → ConfigError."""
    c = credentials
    register_secrets(c.secrets())  # whoever connects, not only the command line, has them masked
    clock = clock or time.monotonic
    # two methods configured: which one is used is said, not only with -v (issue #29)
    said = log.warning if c.ignored else log.info
    said("account %s: authenticating with %s", domains.account_id, c.describe())
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
