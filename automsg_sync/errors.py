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

Messages never contain a secret: URLs carry none (OAuth goes in a header), and
no header or request body is ever put into an error text.
"""

from __future__ import annotations

from typing import Any


class AutomsgError(Exception):
    """Base of every error the tool raises on purpose."""

    exit_code = 1


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
        self.detail = detail
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
            error.retry_after = _retry_after(response.headers.get("Retry-After"))
        return error


class AuthError(ApiStatusError):
    """401 (credentials refused or expired) or 403 (no permission, read-only domain)."""


class RevisionConflict(ApiStatusError):
    """409/412: somebody wrote since the revision we sent. Never retried blindly."""


class RateLimited(ApiStatusError):
    """429; ``retry_after`` is the server's ``Retry-After`` in seconds, if it sent one."""

    retry_after: float | None = None


def _without_query(url: str) -> str:
    # Query strings are short and secret-free today, but the error text has no
    # need of them and a future parameter might not be.
    return url.split("?", 1)[0]


def _short_body(response: Any) -> str:
    try:
        text = str(response.text or "")
    except Exception:  # pragma: no cover - undecodable body
        return ""
    text = " ".join(text.split())
    return text[:200]


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
