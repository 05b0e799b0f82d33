"""Logging: readable text on a terminal, JSON lines otherwise; secrets redacted.

:func:`redact` is the one redactor of the tool. It is applied where error texts
are built from what a server answered (:mod:`automsg_sync.errors`: a server that
echoes the request back puts its headers and body in the answer), to every
error's text, and, as the second belt, to every log record's final text
(:class:`RedactSecrets`, :class:`JsonLines`). It masks:

- every registered secret value (:func:`register_secrets`, called the moment a
  secret exists: credentials, the bearer, csrf and ``Session_id`` of a login,
  the AppJWT and ConsumerJWS of the Connector API, the connector's client
  secret), also as JSON, JSON-in-JSON and URL encoding would spell it;
- what is shaped like credentials even when nobody registered it
  (:data:`PATTERNS`): ``Bearer <token>``, ``Basic <token>``, a whole
  ``OAuth oauth_consumer_key="…", oauth_signature="…"`` header, ``oauth_*=``
  parameters, JWT-shaped strings (``eyJ…`` and two more base64url parts), and
  the value of a quoted key or ``name=value`` pair whose name says secret:
  ``"password": "…"``, ``"secret"``, ``"accessTokenSecret"``, ``client_secret=…``,
  ``Session_id=…``, ``"Authorization": "…"``, ``"X-LP-ON-BEHALF": "…"``, and
  such a header's whole line in a request echoed as text (``Cookie: …``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus

_SECRETS: tuple[str, ...] = ()  # every spelling of every registered secret, longest first
MASK = "***"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words

# A key or parameter name that says its value is a secret.
_SECRET_NAME = (
    r"[\w-]*(?:password|passwd|secret|token|bearer|csrf|authorization|cookie|session_?id"
    r"|app_?key|api_?key|consumer_?key|on-behalf|jwt|jws)[\w-]*"
)
_TOKEN = r"[A-Za-z0-9\-._~+/]+=*"  # RFC 6750 token68
_OAUTH_PARAM = r"""[\w-]+=(?:\\*"(?:[^"\\]|\\(?!"))*\\*"|[^\s,"\\]*)"""

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # a whole OAuth 1.0 Authorization header: every parameter goes, names and signature alike
    (re.compile(rf"\bOAuth\s+{_OAUTH_PARAM}(?:\s*,\s*{_OAUTH_PARAM})*"), f"OAuth {MASK}"),
    (re.compile(rf"\b(Bearer|Basic)\s+(?!\*\*\*){_TOKEN}", re.IGNORECASE), rf"\1 {MASK}"),
    # JWT / JWS compact serialisation: base64url("{\"…") . payload . signature
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), MASK),
    # "password": "…", 'csrf': '…', "Authorization": "…" (JSON, Python reprs)
    (
        re.compile(
            rf"""(?P<key>(?P<q>["']){_SECRET_NAME}(?P=q)\s*[:=]\s*)(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""",
            re.IGNORECASE,
        ),
        rf'\g<key>"{MASK}"',
    ),
    # the same, JSON in JSON: \"password\": \"…\" (a quote escaped once or more)
    (
        re.compile(
            rf"(?P<key>(?P<q>\\+[\"']){_SECRET_NAME}(?P=q)\s*[:=]\s*)(?P<vq>\\+[\"'])(?P<value>.*?)(?<!\\)(?P=vq)",
            re.IGNORECASE | re.DOTALL,
        ),
        rf"\g<key>\g<vq>{MASK}\g<vq>",
    ),
    # a header line of a request echoed as text: "X-LP-ON-BEHALF: …", "Cookie: Session_id=…; …"
    (
        re.compile(rf"^(?P<key>{_SECRET_NAME}):[ \t]*(?!\*\*\*$)[^\r\n]+", re.IGNORECASE | re.MULTILINE),
        rf"\g<key>: {MASK}",
    ),
    # client_secret=…, oauth_signature=…, Session_id=… (forms, query strings, cookies)
    (
        re.compile(rf"\b(?P<key>{_SECRET_NAME}|oauth_\w+)=(?!\*\*\*)[^\s&\"',;\\]+", re.IGNORECASE),
        rf"\g<key>={MASK}",
    ),
)


def _spellings(value: str) -> set[str]:
    """``value`` as it may appear in an answer: raw, JSON-escaped (once, twice), URL-encoded."""
    out = {value, quote(value, safe=""), quote_plus(value), quote(value)}
    for ascii_only in (False, True):
        once = json.dumps(value, ensure_ascii=ascii_only)[1:-1]
        out |= {once, json.dumps(once, ensure_ascii=ascii_only)[1:-1]}
    return out


_REGISTERING = threading.Lock()


def register_secrets(values: Iterable[str]) -> None:
    """Remember secret values so that no error text or log line can show them.

    Thread-safe: cron-run's accounts log in on their own threads, each registering
    its session's secrets; the read-merge-swap is one step under a lock, so no
    thread's secrets are lost to another's swap.
    """
    global _SECRETS
    new = {s for v in values if v and len(v) >= MIN_SECRET_LENGTH for s in _spellings(v)}
    new = {s for s in new if len(s) >= MIN_SECRET_LENGTH}
    if not new:
        return
    with _REGISTERING:
        new -= set(_SECRETS)
        if new:
            # a new tuple, swapped in whole: a thread redacting meanwhile reads the old one or the new
            _SECRETS = tuple(sorted({*_SECRETS, *new}, key=len, reverse=True))


def redact(text: str) -> str:
    """``text`` with every registered secret and everything shaped like a credential masked."""
    for value in _SECRETS:
        if value in text:
            text = text.replace(value, MASK)
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        return True


class RedactingFormatter(logging.Formatter):
    """The text format, redacted as a whole: a traceback's lines too."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonLines(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, and any ``extra`` fields."""

    RESERVED: ClassVar[frozenset[str]] = frozenset(vars(logging.makeLogRecord({})))

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in self.RESERVED and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return redact(json.dumps(out, ensure_ascii=False, default=str))


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler writing to whatever ``sys.stderr`` is when a record comes: a
    progress bar on the terminal (rich) swaps it for a stream that prints above the
    bar; the stream that was there when logging was set up would draw across it."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass  # always sys.stderr


def setup_logging(fmt: str = "auto", verbose: bool = False) -> None:
    """Configure the ``automsg_sync`` logger on stderr; ``fmt`` is auto, text or json."""
    logger = logging.getLogger("automsg_sync")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = StderrHandler()
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    if use_json:
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logger.propagate = False
    # Libraries that log request headers or signing material at DEBUG/INFO
    # (oauthlib logs the signature base string) stay at WARNING even with --verbose.
    for noisy in ("werkzeug", "urllib3", "oauthlib", "requests_oauthlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
