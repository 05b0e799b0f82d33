"""HTTP session, timeouts, the retry policy, and the one exception boundary.

Retry policy (LivePerson's published recommendation, lp-api.md):

- timeouts, connections dropped mid-request, 5xx: retried ``len(retry_waits)``
  times (default 3), pausing 5, 10, 15 s;
- failures to connect at all that waiting does not mend (:class:`ConnectFailed`:
  connection refused, a host name that does not resolve, https to a plain-http
  server or http to a TLS port, an untrusted certificate): retried once, after
  at most ``CONNECT_RETRY_WAIT`` (1 s), then a message saying what to check;
- 429: retried as often, each time after ``Retry-After`` (at least
  ``min_rate_limit_wait``, 1 s by default) — unless it asks for more than
  ``max_retry_wait`` (120 s by default: ``86400``, ``inf``, a date far ahead) or
  cannot be read (negative, ``nan``, garbage): then nothing is waited for and the
  call fails at once with :class:`~automsg_sync.errors.WaitRefused` ("LivePerson
  asked to wait 86400 s (Retry-After), more than max_retry_wait = 120 s; try
  again later");
- every other 4xx, and 409/412 in particular, is never retried here: a stale
  revision is the caller's to resolve (:class:`~automsg_sync.errors.RevisionConflict`).

Every ``requests`` exception is converted to an :mod:`automsg_sync.errors`
type in :meth:`HttpClient.request`; nothing else in the package catches them.
"""

from __future__ import annotations

import http.client
import io
import logging
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import tenacity
from urllib3.exceptions import NameResolutionError

from .. import jsonio
from ..config import HttpSettings
from ..errors import ApiStatusError, RateLimited, TransportError, WaitRefused
from ..urls import check_transport

log = logging.getLogger("automsg_sync.http")

USER_AGENT = "automsg-sync/0.1"
CONNECT_RETRY_WAIT = 1.0  # seconds, at most, before the one retry of a ConnectFailed
_TLS_RECORD = ("\x15\x03", "\x16\x03")  # a TLS alert or handshake record where an HTTP status line should be
_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


class ConnectFailed(TransportError):
    """No connection at all, for a reason waiting will not mend. Retried once, not three times."""


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
        sent: Callable[[], None] | None = None,
    ) -> requests.Response:
        """Send one request, with retries; return the response if its status is in ``ok``.

        ``min_wait_429`` raises the floor of the wait after a 429 for this request
        (the Login Service wants 5 s between login attempts). ``sent`` (with a
        ``bytes`` body in ``data``) is called in this thread once each attempt's body
        has been handed to the socket, before its answer is awaited: the writer then
        starts building its next write, which no longer holds back this one's sending
        (a busy thread keeps the GIL up to 5 ms from each return of a socket call).
        Raises :class:`TransportError` or an :class:`ApiStatusError` subclass.
        """
        check_transport(url)
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(_retryable),
            stop=self._stop,
            wait=lambda state: self._wait(state, min_wait_429),
            sleep=self.sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(self._send, method, url, params, headers, json, data, auth, ok, sent)

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
        sent: Callable[[], None] | None = None,
    ) -> requests.Response:
        self.requests_sent += 1
        headers = dict(headers or {})
        if json is not None:  # what requests' json= sends, written by orjson (a write body is ~300 KB)
            data = jsonio.dumps(json)
            headers.setdefault("Content-Type", "application/json")
        if sent is not None and isinstance(data, bytes):
            data = _Told(data, sent)  # a new one per attempt: a retry sends the whole body again
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                headers=headers,
                data=data,
                auth=auth,
                timeout=self.settings.timeout,
                allow_redirects=False,
            )
        except requests.exceptions.Timeout as exc:
            raise TransportError(f"{method} {_short(url)}: timed out ({_reason(exc)})") from None
        except requests.exceptions.ConnectionError as exc:  # SSLError is one too
            cant_connect = _connect_failure(exc, url)
            if cant_connect:
                raise ConnectFailed(f"{method} {_short(url)}: {cant_connect}") from None
            what = "TLS error" if isinstance(exc, requests.exceptions.SSLError) else "connection failed"
            raise TransportError(f"{method} {_short(url)}: {what} ({_reason(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise TransportError(f"{method} {_short(url)}: {_reason(exc)}") from None
        if response.status_code in ok:
            return response
        error = ApiStatusError.from_response(response)
        if isinstance(error, RateLimited):
            error = self._refuse_long_wait(error)
        # debug, not warning: the caller says it (the CLI's one error line, cron's report), or
        # handles it (a 404 from the Unified API is the legacy API's cue); a second copy of
        # the same failure as a WARNING line only made the user read it twice (issue #29)
        log.debug("%s", error)
        raise error

    def _refuse_long_wait(self, error: RateLimited) -> RateLimited:
        """``error``, or a :class:`WaitRefused` when its Retry-After is over the cap or unreadable."""
        if error.retry_after_header is None:
            return error  # no Retry-After: the floor is waited
        limit = self.settings.max_retry_wait
        if error.retry_after is not None and error.retry_after <= limit:
            return error
        return WaitRefused.of(error, limit)

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        attempts = len(self.settings.retry_waits) + 1
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, ConnectFailed):
            attempts = min(attempts, 2)
        return state.attempt_number >= attempts

    def _wait(self, state: tenacity.RetryCallState, min_wait_429: float | None = None) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited):
            floor = max(self.settings.min_rate_limit_wait, min_wait_429 or 0.0)
            return max(floor, exc.retry_after or 0.0)
        waits = self.settings.retry_waits
        if isinstance(exc, ConnectFailed):
            return min(CONNECT_RETRY_WAIT, waits[0]) if waits else 0.0
        index = min(state.attempt_number - 1, len(waits) - 1)
        return waits[index] if waits else 0.0

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0
        log.warning("attempt %d failed (%s); retrying in %.3g s", state.attempt_number, exc, wait)


class _Told(io.BytesIO):
    """A body that calls ``sent`` when it has been read to its end, i.e. when the last
    block has been handed to the socket (urllib3 reads a file body block by block,
    sending each). ``requests`` sends it with its ``Content-Length``, as the bytes."""

    def __init__(self, body: bytes, sent: Callable[[], None]) -> None:
        super().__init__(body)
        self._sent: Callable[[], None] | None = sent

    def read(self, size: int | None = -1, /) -> bytes:
        block = super().read(size)
        if not block and self._sent is not None:
            told, self._sent = self._sent, None
            told()
        return block


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, WaitRefused):
        return False
    if isinstance(exc, TransportError | RateLimited):
        return True
    return isinstance(exc, ApiStatusError) and exc.status >= 500


def _short(url: str) -> str:
    return url.split("?", 1)[0]


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything it wraps: ``__cause__``, ``__context__``, urllib3's ``reason`` and args."""
    todo, seen = [exc], set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        todo += [e for e in nested if isinstance(e, BaseException)]


def _connect_failure(exc: requests.exceptions.ConnectionError, url: str) -> str:
    """What to tell the user when ``exc`` is a failure to connect that waiting will not mend; else ``""``.

    A TLS server that just hangs up on plain http is not recognised: that looks
    like any dropped connection, and is retried as one.
    """
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, ConnectionRefusedError):
            return (
                f"connection failed: cannot connect to {where} (connection refused): "
                "is the server running? is the URL right?"
            )
        if isinstance(cause, socket.gaierror):
            if cause.errno in _NO_SUCH_NAME:
                return f"cannot resolve host {host}: is the URL right?"
            return f"cannot resolve host {host} ({cause.strerror}): is the URL right? is the network up?"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return (
                f"TLS error: the certificate of {where} is not trusted ({cause.verify_message}): "
                "is the URL right? if it is, install the server's CA in the system trust store"
            )
        if isinstance(cause, ssl.SSLError) and _is_plain_http_answer(cause):
            return (
                f"TLS handshake failed talking to {where}: does the server speak https? "
                "(plain http is only for a loopback emulator)"
            )
        if isinstance(cause, http.client.BadStatusLine) and str(cause).startswith(_TLS_RECORD):
            return f"{where} answered in TLS, not plain http: write https://{parts.netloc}/…"
    if any(isinstance(cause, NameResolutionError) for cause in causes):
        return f"cannot resolve host {host}: is the URL right?"
    return ""


def _is_plain_http_answer(error: ssl.SSLError) -> bool:
    """OpenSSL's words for reading an HTTP answer where a TLS record should be."""
    reason = (getattr(error, "reason", None) or str(error)).upper()
    return any(
        word in reason
        for word in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST", "UNKNOWN_PROTOCOL")
    )


def _reason(exc: BaseException) -> str:
    # requests nests the root cause several levels deep; the innermost is the
    # readable one ("Connection refused", "Read timed out"). The URL is cut
    # because the message repeats it with its query string.
    inner: BaseException = exc
    while inner.__context__ is not None and inner.__context__ is not inner:
        inner = inner.__context__
    text = str(inner) or type(inner).__name__
    return text.split("(Caused by", 1)[0].strip()[:200] or type(exc).__name__
