"""OAuth 2.0 client credentials: a token from LivePerson's Sentinel.

LivePerson's "preferred way to authorize machine-to-machine communication"
(``oauth-2-0-client-credentials.html``): a token from
``POST https://{sentinel}/sentinel/api/v2/account/{id}/app/token`` (form
``client_id``, ``client_secret``, ``grant_type=client_credentials``), sent as
``Authorization: Bearer``; renewed at 80 % of its ``expires_in`` (else of its
JWT ``exp``, else of the hour the Connector API page gives an AppJWT) and once on
a 401. No LivePerson page says the Automatic Messages and Skills APIs take this
token (their overviews say "either a login or an API key"; the OAuth 2.0
migration page warns of "APIs with limited or none existing OAuth 2.0
support"): when one refuses a token fetched for that very call, and a user name
is configured, the run switches to the Login Service's bot login with the same
credentials (:mod:`.login_service`).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import math
import time
from typing import Any

import requests

from ..config import Secret
from ..errors import ApiError, AuthError
from ..log import register_secrets
from .domain import SENTINEL, Domains
from .http import HttpClient
from .login_service import BearerAuth, Clock, LoginSession

log = logging.getLogger("automsg_sync.auth")  # one logger for every auth method

TOKEN_LIFETIME = 3600.0  # s, when neither expires_in nor the JWT says: "An AppJWT is valid for one hour"
RENEW_AT = 0.8  # of a token's lifetime: renewed before it runs out


class ClientCredentials:
    """OAuth 2.0 client credentials: a Sentinel token, with a bot login as the fallback
    (see the module docstring). ``login`` is the bot login with the same credentials,
    when a user name is configured."""

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
