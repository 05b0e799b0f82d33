"""HTTP session, timeouts, the retry policy, and the one exception boundary.

Retry policy (LivePerson's published recommendation, lp-api.md):

- connection errors, timeouts, 5xx: retried ``len(retry_waits)`` times
  (default 3), pausing 5, 10, 15 s;
- 429: retried as often, each time after ``Retry-After`` (at least
  ``min_rate_limit_wait``, 1 s by default);
- every other 4xx, and 409/412 in particular, is never retried here: a stale
  revision is the caller's to resolve (:class:`~automsg_sync.errors.RevisionConflict`).

Every ``requests`` exception is converted to an :mod:`automsg_sync.errors`
type in :meth:`HttpClient.request`; nothing else in the package catches them.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import tenacity

from ..config import HttpSettings
from ..errors import ApiStatusError, ConfigError, RateLimited, TransportError

log = logging.getLogger("automsg_sync.http")

USER_AGENT = "automsg-sync/0.1"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(url: str) -> None:
    """Refuse anything but https, except plain http to a loopback host."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and is_loopback(parts.hostname or ""):
        return
    raise ConfigError(
        f"refusing {parts.scheme or 'no'}-scheme URL to {parts.hostname or url!r}: "
        "only https is allowed, plain http only to a loopback host"
    )


class HttpClient:
    """A ``requests.Session`` with the retry policy; counts the requests it sends.

    ``session`` and ``sleep`` are injectable (tests pass a recording sleep to
    see the waits without spending them).
    """

    def __init__(
        self,
        settings: HttpSettings | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or HttpSettings()
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.session.verify = True
        self.sleep = sleep
        self.requests_sent = 0

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Any = None,
        auth: Any = None,
        ok: tuple[int, ...] = (200,),
        min_wait_429: float | None = None,
    ) -> requests.Response:
        """Send one request, with retries; return the response if its status is in ``ok``.

        ``min_wait_429`` raises the floor of the wait after a 429 for this request
        (the Login Service wants 5 s between login attempts).
        Raises :class:`TransportError` or an :class:`ApiStatusError` subclass.
        """
        check_transport(url)
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(_retryable),
            stop=tenacity.stop_after_attempt(len(self.settings.retry_waits) + 1),
            wait=lambda state: self._wait(state, min_wait_429),
            sleep=self.sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(self._send, method, url, params, headers, json, data, auth, ok)

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        json: Any,
        data: Any,
        auth: Any,
        ok: tuple[int, ...],
    ) -> requests.Response:
        self.requests_sent += 1
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                headers=dict(headers or {}),
                json=json,
                data=data,
                auth=auth,
                timeout=self.settings.timeout,
                allow_redirects=False,
            )
        except requests.exceptions.Timeout as exc:
            raise TransportError(f"{method} {_short(url)}: timed out ({_reason(exc)})") from None
        except requests.exceptions.SSLError as exc:
            raise TransportError(f"{method} {_short(url)}: TLS error ({_reason(exc)})") from None
        except requests.exceptions.ConnectionError as exc:
            raise TransportError(f"{method} {_short(url)}: connection failed ({_reason(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise TransportError(f"{method} {_short(url)}: {_reason(exc)}") from None
        if response.status_code in ok:
            return response
        error = ApiStatusError.from_response(response)
        log.warning("%s", error)
        raise error

    def _wait(self, state: tenacity.RetryCallState, min_wait_429: float | None = None) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited):
            floor = max(self.settings.min_rate_limit_wait, min_wait_429 or 0.0)
            return max(floor, exc.retry_after or 0.0)
        waits = self.settings.retry_waits
        index = min(state.attempt_number - 1, len(waits) - 1)
        return waits[index] if waits else 0.0

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0
        log.warning("attempt %d failed (%s); retrying in %.3g s", state.attempt_number, exc, wait)


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, TransportError | RateLimited):
        return True
    return isinstance(exc, ApiStatusError) and exc.status >= 500


def _short(url: str) -> str:
    return url.split("?", 1)[0]


def _reason(exc: BaseException) -> str:
    # requests nests the root cause several levels deep; the innermost is the
    # readable one ("Connection refused", "Read timed out"). The URL is cut
    # because the message repeats it with its query string.
    inner: BaseException = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(inner) or type(inner).__name__
    return text.split("(Caused by", 1)[0].strip()[:200] or type(exc).__name__
