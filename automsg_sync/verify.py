"""``verify``: prove the consumer sees the pushed text, through the Connector API.

1. The expected text: the account's welcome automatic message (``[verify]
   message``) for the language and skill, found as LivePerson picks it — the
   skill's override, then the account default, then the source language —
   and, where automsg-sync wrote that unit, the text it wrote (so a later
   edit in the UI shows as a mismatch, with both texts).
2. A webhook listener (a real HTTP server) that accepts only bodies whose
   ``x-liveperson-signature`` is right (compared in constant time); anything
   else gets 401 and a log line.
3. An AppJWT, a ConsumerJWS, a conversation requested with the
   ``Client-Properties`` AUTO_MESSAGES header, a first message with the same
   header; then the first ``ContentEvent`` not sent by the consumer is the
   automatic message. Placeholders in the expected text match any text.
4. The conversation is closed. Exit 0 on a match, 3 on a mismatch or when
   nothing arrives in time, 1 on an error.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .catalog import PLACEHOLDER
from .config import AccountSettings, Secret, VerifySettings
from .errors import ConfigError
from .lp import Connection
from .lp.automessages import AutoMessagesApi
from .lp.connector import SIGNATURE_HEADER, ConnectorClient, signature_valid
from .model import Context, language_key
from .state import StateStore

log = logging.getLogger("automsg_sync.verify")
MAX_WEBHOOK_BYTES = 1 << 20

PASS, MISMATCH, TIMEOUT, NOTHING_EXPECTED = "pass", "mismatch", "timeout", "no expected text"


@dataclass(frozen=True)
class Expected:
    unit_key: str
    language: str
    text: str
    origin: str  # "pushed by automsg-sync (run …)" or "live"
    live: str


@dataclass(frozen=True)
class VerifyResult:
    account: str
    language: str
    skill: str | None
    message: str
    webhook_url: str
    conversation_id: str | None
    expected: Expected | None
    received: str | None
    status: str
    rejected_webhooks: int

    @property
    def exit_code(self) -> int:
        return 0 if self.status == PASS else 3

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "expected"}
        out["expected"] = vars(self.expected) if self.expected else None
        return out


def matches(expected: str, received: str) -> bool:
    """Does a received text match the expected one, placeholders matching any text?

    >>> matches("{agentNickname} has joined.", "Alex has joined.")
    True
    """
    parts = PLACEHOLDER.split(expected.strip())
    pattern = ".+?".join(re.escape(p) for p in parts)
    return re.fullmatch(pattern, received.strip(), re.S) is not None


class WebhookListener:
    """The connector's webhook endpoint; collects the ContentEvents of valid webhooks."""

    def __init__(self, host: str, port: int, secret: Secret) -> None:
        self.secret = secret
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.rejected = 0
        self._lock = threading.Lock()
        self.server: BaseWSGIServer = make_server(
            host, port, self._app, threaded=True, request_handler=_Quiet
        )
        self.host, self.port = host, int(self.server.server_port)
        self._thread = threading.Thread(target=self.server.serve_forever, name="verify-webhook", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/webhook"

    def __enter__(self) -> WebhookListener:
        self._thread.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if environ.get("REQUEST_METHOD") != "POST" or not 0 <= length <= MAX_WEBHOOK_BYTES:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"bad request\n"]
        body = environ["wsgi.input"].read(length)
        header = environ.get("HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_"))
        if not signature_valid(self.secret.reveal(), body, header):
            with self._lock:
                self.rejected += 1
            log.warning("webhook rejected: %s signature", "missing" if not header else "bad")
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"bad signature\n"]
        try:
            changes = json.loads(body)["body"]["changes"]
        except (ValueError, KeyError, TypeError):
            changes = []
        for change in changes if isinstance(changes, list) else []:
            event = change.get("event") or {} if isinstance(change, dict) else {}
            if event.get("type") == "ContentEvent":
                self.events.put(
                    {
                        "conversation": change.get("dialogId") or change.get("conversationId"),
                        "role": (change.get("originatorMetadata") or {}).get("role"),
                        "message": str(event.get("message", "")),
                    }
                )
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok\n"]

    def wait_for_automatic(self, conversation: str, timeout: float) -> str | None:
        """The first ContentEvent of ``conversation`` not sent by the consumer, or None."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                return None
            if event["conversation"] == conversation and event["role"] != "CONSUMER":
                return str(event["message"])
        return None


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def expected_text(
    conn: Connection,
    account: AccountSettings,
    state: StateStore,
    message: str,
    language: str,
    skill: str | None,
) -> Expected | None:
    """The text LivePerson should show, as it picks it, preferring what automsg-sync pushed."""
    listing = AutoMessagesApi(conn, account.api).list_by_context()
    assert listing.contexts is not None
    order = ([Context.skill(skill)] if skill else []) + [Context.account()]
    for lang in (language, account.source_language):
        for context in order:
            found = next(
                (m for m in listing.contexts.get(context, []) if m.message_event_id == message), None
            )
            text = found.text(lang) if found is not None and not found.deleted else None
            if text is None or not text.msg:
                continue
            key = f"{context.key}|{message}"
            pushed = state.pushed(account.id, key, lang)
            if pushed is not None:
                return Expected(key, lang, pushed[0], f"pushed by automsg-sync (run {pushed[1]})", text.msg)
            return Expected(key, lang, text.msg, "live", text.msg)
    return None


def verify(
    conn: Connection,
    account: AccountSettings,
    state: StateStore,
    options: VerifySettings,
    *,
    language: str,
    skill: str | None = None,
) -> VerifyResult:
    if not account.connector_client_id or account.connector_client_secret is None:
        raise ConfigError(
            "verify needs the connector app's credentials: AUTOMSG_CONNECTOR_CLIENT_ID and "
            "AUTOMSG_CONNECTOR_CLIENT_SECRET (or the account's connector_client_*_env keys)"
        )
    host, _, port = options.listen.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"--listen: expected HOST:PORT, got {options.listen!r}")
    expected = expected_text(conn, account, state, options.message, language, skill)
    client = ConnectorClient(
        conn.http, conn.domains, account.connector_client_id, account.connector_client_secret
    )
    with WebhookListener(host, int(port), account.connector_client_secret) as hook:
        url = options.public_url or hook.url
        log.info("webhook listener at %s (reachable as %s)", hook.url, url)
        client.login(f"automsg-verify-{secrets.token_hex(6)}")
        conversation = client.open_conversation(
            language=language, skill=skill, first_message="automsg-sync verify: hello"
        )
        received = hook.wait_for_automatic(conversation, options.timeout)
        client.close(conversation)
        rejected = hook.rejected
    if expected is None:
        status = NOTHING_EXPECTED
    elif received is None:
        status = TIMEOUT
    else:
        status = PASS if matches(expected.text, received) else MISMATCH
    return VerifyResult(
        account.id, language, skill, options.message, url, conversation, expected, received, status, rejected
    )


def languages_to_verify(applied: Iterable[tuple[str, str]], message: str) -> list[tuple[str, str | None]]:
    """(language, skill) pairs whose ``message`` an apply wrote: what cron verifies after it."""
    out = set()
    for key, language in applied:
        context, _, event = key.partition("|")
        if event == message:
            skill = Context.parse(context).skill_id
            out.add((language, skill))
    return sorted(out, key=lambda x: (language_key(x[0]), x[1] or ""))
