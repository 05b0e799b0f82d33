"""OAuth 1.0 API keys: every request signed with HMAC-SHA1 by requests-oauthlib, no
login call, nothing to close; a 401 is final (wrong or revoked key).

Retired by LivePerson (protocol end of life 2026-05-31, oAuth1 bot login
2026-04-30); still used where an account accepts them, with one warning a run
(:func:`warn_retired`). The four secrets in an application login go through the
Login Service instead (:mod:`.login_service`).
"""

from __future__ import annotations

import logging

import requests
from requests_oauthlib import OAuth1

from ..config import Secret
from ..errors import AuthError

log = logging.getLogger("automsg_sync.auth")  # one logger for every auth method

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

    def relogin(
        self, refused: AuthError | None = None
    ) -> None:  # pragma: no cover - never called (no renewals)
        raise AssertionError("an API key has no session to renew")

    def close(self) -> None:
        """Nothing to close: no session."""
