"""The one exception tree of automsg-sync.

Everything the tool raises on purpose is an :class:`AutomsgError`; library
exceptions (``requests.exceptions.*``) are converted at one boundary,
:meth:`automsg_sync.lp.http.HttpClient.request`, and never escape unconverted::

    AutomsgError                      exit code 1 unless said otherwise
    ├── ConfigError                   bad configuration or usage      (exit 2)
    ├── FormatError(path, line, msg)  a translator file cannot be read
    ├── QAError                       a translation failed a QA check
    ├── StateError                    the state store is unusable or inconsistent
    ├── LockHeld                      another run holds the account's lock (exit 4)
    └── ApiError                      LivePerson did not answer as expected
        ├── TransportError            connection refused/dropped, timeout (retryable)
        └── ApiStatusError(response)  an HTTP error status
            ├── AuthError             401, 403
            ├── RevisionConflict      409, 412: the revision we sent is stale
            └── RateLimited           429, with the server's Retry-After
                └── WaitRefused       its Retry-After is longer than max_retry_wait, or unreadable

Messages never contain a secret: URLs carry none (OAuth goes in a header), and
no header or request body is ever put into an error text by the tool. A server
may put them in its answer, though (one that echoes the request in a 400 or a
500), and an error text quotes the answer: every error's text goes through
:func:`automsg_sync.log.redact` when it is made and again when it is read
(``str(error)``), and an answer is redacted whole before it is cut short, so a
secret cut in half cannot slip past the redactor.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from . import jsonio
from .log import redact

BODY_EXCERPT = 200  # characters of an answer quoted in an error text


class AutomsgError(Exception):
    """Base of every error the tool raises on purpose; its text is redacted (:func:`.log.redact`)."""

    exit_code = 1

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact(a) if isinstance(a, str) else a for a in args))

    def __str__(self) -> str:
        # secrets registered after the error was made are masked too
        return redact(super().__str__())


class ConfigError(AutomsgError):
    """The configuration, the environment or the command line is wrong."""

    exit_code = 2


class FormatError(AutomsgError):
    """A translator file cannot be read; knows the file and the line or row.

    >>> str(FormatError("fr-FR.po", 12, "unterminated string"))
    'fr-FR.po:12: unterminated string'
    """

    def __init__(self, path: object, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type[FormatError], tuple[str, int | None, str]]:
        return (FormatError, (self.path, self.line, self.message))  # raised in worker processes too


class QAError(AutomsgError):
    """A translation failed a QA check."""


class StateError(AutomsgError):
    """The state store is unusable, or does not hold what a file refers to."""


class LockHeld(AutomsgError):
    """Another run holds the account's lock."""

    exit_code = 4


class ApiError(AutomsgError):
    """LivePerson (or the emulator) did not answer as expected."""


class TransportError(ApiError):
    """No HTTP answer at all: connection refused or dropped, timeout. Retryable."""


class ApiStatusError(ApiError):
    """An HTTP error status; ``status``, ``method``, ``url`` say which call."""

    def __init__(self, method: str, url: str, status: int, detail: str = "") -> None:
        self.method = method
        self.url = url
        self.status = status
        self.detail = detail = redact(detail)
        text = f"{method} {url} answered {status}"
        if detail:
            text += f": {detail}"
        super().__init__(text)

    @classmethod
    def from_response(cls, response: Any) -> ApiStatusError:
        """Build the most specific subclass for a ``requests.Response``."""
        status = int(response.status_code)
        method = response.request.method if response.request is not None else "?"
        url = _without_query(str(response.url))
        detail = _short_body(response)
        header = response.headers.get("Retry-After") if status == 429 else None
        kind: type[ApiStatusError]
        if status in (401, 403):
            kind = AuthError
        elif status in (409, 412):
            kind = RevisionConflict
        elif status == 429:
            kind = RateLimited
        else:
            kind = ApiStatusError
        error = kind(method, url, status, detail)
        if isinstance(error, RateLimited):
            error.retry_after_header = header
            error.retry_after = parse_retry_after(header)
        return error


class AuthError(ApiStatusError):
    """401 (credentials refused or expired) or 403 (no permission, read-only domain)."""


class RevisionConflict(ApiStatusError):
    """409/412: somebody wrote since the revision we sent. Never retried blindly."""


class RateLimited(ApiStatusError):
    """429; ``retry_after`` is the server's ``Retry-After`` in seconds (``inf`` for a
    number too large to hold), if it sent one that can be read; ``retry_after_header``
    is the header as sent."""

    retry_after: float | None = None
    retry_after_header: str | None = None


class WaitRefused(RateLimited):
    """A 429 whose Retry-After asks for longer than ``max_retry_wait``, or cannot be read
    (negative, ``nan``, garbage): not waited for, not retried; the account fails."""

    @classmethod
    def of(cls, limited: RateLimited, max_wait: float) -> WaitRefused:
        """The refusal of ``limited``'s wait, saying what LivePerson asked and the limit."""
        header = limited.retry_after_header or ""
        seconds = limited.retry_after
        if seconds is None:
            words = (
                f"LivePerson asked to wait {header.strip()[:40]!r} (Retry-After), which is neither "
                "a number of seconds nor a date; not waiting: try again later"
            )
        else:
            raw = "" if _is_delay_seconds(header) else f": {header.strip()[:40]}"
            words = (
                f"LivePerson asked to wait {_seconds(seconds)} s (Retry-After{raw}), more than "
                f"max_retry_wait = {_seconds(max_wait)} s; try again later"
            )
        refused = cls(limited.method, limited.url, limited.status, words)
        refused.retry_after, refused.retry_after_header = seconds, limited.retry_after_header
        return refused


def _without_query(url: str) -> str:
    # Query strings are short and secret-free today, but the error text has no
    # need of them and a future parameter might not be.
    return url.split("?", 1)[0]


def body_excerpt(text: str, limit: int = BODY_EXCERPT) -> str:
    """An answer's text for an error message: redacted whole, then whitespace folded
    and cut to ``limit`` characters (cut first, a secret's first half would survive)."""
    return " ".join(redact(text).split())[:limit]


def _short_body(response: Any) -> str:
    try:
        text = str(response.text or "")
    except Exception:  # pragma: no cover - undecodable body
        return ""
    return answer_words(text)


# where an error body says what went wrong, in the shapes the pages document: the Login
# Service's {"error": {"time", "message", "internalCode", "responseStatus"}}
# (LoginServiceAPI Methods/refresh and logout; docs/liveperson.md §4) — the shape the
# emulator answers every route with too — and OAuth 2.0's {"error", "error_description"}
# (RFC 6749 §5.2, Sentinel's token endpoint). The Connector API's {"body": {"errorCode"}}
# is read by lp/connector.py, which explains its codes.
HTML_PAGE = "an HTML page"  # how an answer that is a web page begins in an error's words
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)


def answer_words(text: str) -> str:
    """What an error answer says, for an error message: the message of a JSON error
    body rather than the JSON, ``an HTML page ("404 Not Found")`` rather than the page,
    else the text itself (each redacted and cut short by :func:`body_excerpt`).

    >>> answer_words('{"error": {"code": 404, "message": "unknown account 123"}}')
    'unknown account 123'
    >>> print(answer_words("<!doctype html><title>404 Not Found</title><h1>Not Found</h1>"))
    an HTML page ("404 Not Found"), not an API's answer
    """
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        said = _json_message(stripped)
        if said:
            return body_excerpt(said)
    elif stripped[:1] == "<" and re.match(r"<(!doctype html|html|head|body|title)\b", stripped, re.I):
        title = _HTML_TITLE.search(stripped)
        shown = f' ("{body_excerpt(title.group(1), 80)}")' if title and title.group(1).strip() else ""
        return f"{HTML_PAGE}{shown}, not an API's answer"
    return body_excerpt(text)


def _json_message(text: str) -> str:
    try:
        body = jsonio.loads(text)
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    said = error.get("message") if isinstance(error, dict) else body.get("error_description") or error
    return said if isinstance(said, str) and said.strip() else ""


_DELAY_SECONDS = re.compile(r"\s*\+?\d+(?:\.\d*)?\s*")


def _is_delay_seconds(value: str) -> bool:
    return bool(_DELAY_SECONDS.fullmatch(value))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP-date (RFC 9110).

    ``None`` when there is no header or it cannot be read (negative, ``nan``,
    garbage); ``inf`` for ``inf`` or a number too large; 0 for a date past.

    >>> parse_retry_after("7"), parse_retry_after("1e999"), parse_retry_after("-1"), parse_retry_after("soon")
    (7.0, inf, None, None)
    >>> parse_retry_after("Fri, 01 Jan 2100 00:00:10 GMT", datetime(2100, 1, 1, tzinfo=UTC))
    10.0
    """
    if value is None:
        return None
    text = value.strip()
    seconds: float | None
    try:
        seconds = float(text)  # "inf", and numbers too large for a float, are inf
    except ValueError:
        seconds = _date_seconds(text, now)
    if seconds is None or math.isnan(seconds) or seconds < 0:
        return None
    return seconds


def _date_seconds(text: str, now: datetime | None) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP-dates are GMT
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _seconds(value: float) -> str:
    """86400.0 → ``86400``, 0.5 → ``0.5``, inf → ``inf``."""
    if math.isinf(value) or value >= 1e15:
        return "inf" if math.isinf(value) else f"{value:.3g}"
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:g}"
