"""The connector's webhook endpoint for ``verify``: a real HTTP server that keeps the
ContentEvents of valid webhooks, by conversation (:class:`WebhookListener`).

It accepts only bodies whose ``x-liveperson-signature`` is right — ``sha1=``
(LivePerson's default) or ``sha256=`` (some accounts), compared in constant time;
anything else gets 401 — whose ``x-liveperson-account-id`` is the account being
verified and whose ``x-liveperson-client-id`` is the connector app's client id
(else 403). Refusals are counted and logged, never taken as evidence. What the
listener hears is judged in :mod:`automsg_sync.verify`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .config import Secret
from .lp.connector import (
    ACCOUNT_HEADER,
    CLIENT_HEADER,
    SIGNATURE_HEADER,
    signature_algorithm,
    signature_valid,
)

log = logging.getLogger("automsg_sync.verify")  # the name its lines have always been logged under
MAX_WEBHOOK_BYTES = 1 << 20
HIDDEN_AUDIENCE = "AGENTS_AND_MANAGERS"  # a ContentEvent the consumer never sees
SETTLE = 2.0  # seconds to wait for an earlier sequence that may still arrive out of order


@dataclass(frozen=True)
class _Change:
    """One ContentEvent of a webhook notification, as the listener keeps it."""

    conversation: str | None
    sequence: int | None
    role: str | None
    audience: str | None
    message: str
    arrival: int

    @property
    def consumer_visible(self) -> bool:
        return self.audience != HIDDEN_AUDIENCE

    @property
    def automatic_candidate(self) -> bool:
        return self.role != "CONSUMER" and self.consumer_visible


class WebhookListener:
    """The connector's webhook endpoint; keeps the ContentEvents of valid webhooks, by conversation.

    A call is taken only with a valid ``x-liveperson-signature`` (``sha1=`` or
    ``sha256=``; else 401), ``x-liveperson-account-id`` equal to the account
    being verified and ``x-liveperson-client-id`` equal to the connector app's
    client id ("The unique client application identifier", notification
    protocol page; else 403); refusals are counted (``rejected``) and logged,
    never taken as evidence, and their bodies never read. A change delivered again (same conversation and
    ``sequence``) is counted once (``duplicates``). ``hidden`` counts the
    ContentEvents with ``messageAudience: AGENTS_AND_MANAGERS``, which the
    consumer never sees.
    """

    def __init__(self, host: str, port: int, secret: Secret, account_id: str, client_id: str) -> None:
        self.secret = secret
        self.account_id = account_id
        self.client_id = client_id
        self.rejected = 0
        self.rejections: dict[str, int] = {}
        self.duplicates = 0
        self.hidden = 0
        self.signatures: dict[str, int] = {}  # accepted calls by signature algorithm
        self._changes: dict[str | None, dict[object, _Change]] = {}
        self._arrivals = 0
        self._cond = threading.Condition()
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

    def _reject(self, reason: str, status: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self._cond:
            self.rejected += 1
            self.rejections[reason] = self.rejections.get(reason, 0) + 1
        log.warning("webhook rejected: %s", reason)
        start_response(status, [("Content-Type", "text/plain")])
        return [reason.encode("utf-8") + b"\n"]

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if environ.get("REQUEST_METHOD") != "POST" or not 0 <= length <= MAX_WEBHOOK_BYTES:
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"bad request\n"]
        body = environ["wsgi.input"].read(length)
        header = environ.get(_environ_key(SIGNATURE_HEADER))
        if not signature_valid(self.secret.reveal(), body, header):
            reason = "missing signature" if not header else "bad signature"
            if header and signature_algorithm(header) is None:
                reason = "signature of an unknown kind (neither sha1= nor sha256=)"
            return self._reject(reason, "401 Unauthorized", start_response)
        account = environ.get(_environ_key(ACCOUNT_HEADER))
        if account != self.account_id:
            reason = f"{ACCOUNT_HEADER} {account!r} is not account {self.account_id}"
            return self._reject(reason, "403 Forbidden", start_response)
        client = environ.get(_environ_key(CLIENT_HEADER))
        if client != self.client_id:
            reason = f"{CLIENT_HEADER} {client!r} is not the connector app's ({self.client_id})"
            return self._reject(reason, "403 Forbidden", start_response)
        try:
            changes = json.loads(body)["body"]["changes"]
        except (ValueError, KeyError, TypeError):
            changes = []
        for change in changes if isinstance(changes, list) else []:
            if isinstance(change, dict):
                self._keep(change)
        algorithm = str(signature_algorithm(header))
        with self._cond:
            self.signatures[algorithm] = self.signatures.get(algorithm, 0) + 1
            self._cond.notify_all()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok\n"]

    def _keep(self, change: dict[str, Any]) -> None:
        event = change.get("event")
        if not isinstance(event, dict) or event.get("type") != "ContentEvent":
            return
        conversation = change.get("dialogId") or change.get("conversationId")
        sequence = change.get("sequence")
        if not isinstance(sequence, int) or isinstance(sequence, bool):
            sequence = None
        audience = change.get("messageAudience") or event.get("messageAudience")
        role = (change.get("originatorMetadata") or {}).get("role")
        # A redelivery is the same change again: same sequence in the same dialog (or, without a
        # sequence, the same change exactly).
        key: object = ("seq", sequence) if sequence is not None else json.dumps(change, sort_keys=True)
        with self._cond:
            kept = self._changes.setdefault(None if conversation is None else str(conversation), {})
            if key in kept:
                self.duplicates += 1
                log.info("webhook change delivered again (sequence %s); counted once", sequence)
                return
            self._arrivals += 1
            found = _Change(
                None if conversation is None else str(conversation),
                sequence,
                None if role is None else str(role),
                None if audience is None else str(audience),
                str(event.get("message", "")),
                self._arrivals,
            )
            kept[key] = found
            if not found.consumer_visible:
                self.hidden += 1
                log.info("ignoring a ContentEvent for %s only: the consumer does not see it", audience)
            self._cond.notify_all()

    @property
    def accepted(self) -> int:
        """Calls taken (valid signature, account and client id), duplicates included."""
        with self._cond:
            return sum(self.signatures.values())

    def wait_for_calls(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` calls have been taken; False if that did not happen within ``timeout``."""
        with self._cond:
            return self._cond.wait_for(lambda: sum(self.signatures.values()) >= count, timeout)

    def changes(self, conversation: str) -> list[_Change]:
        """The conversation's ContentEvents so far, once each, in ``sequence`` order (then arrival)."""
        with self._cond:
            kept = list(self._changes.get(conversation, {}).values())
        return sorted(kept, key=_order)

    def _decided(self, conversation: str) -> tuple[_Change | None, bool]:
        """The first visible non-consumer change, and whether nothing earlier can still arrive."""
        kept = sorted(self._changes.get(conversation, {}).values(), key=_order)
        first = next((c for c in kept if c.automatic_candidate), None)
        if first is None or first.sequence is None:
            return first, False
        seen = {c.sequence for c in kept}
        return first, all(s in seen for s in range(first.sequence))

    def wait_for_automatic(self, conversation: str, timeout: float, settle: float = SETTLE) -> str | None:
        """The first consumer-visible ContentEvent of ``conversation`` not sent by the consumer, or None.

        "First" is by ``sequence``, not by arrival: deliveries may come out of
        order. A candidate is taken at once when every lower sequence of the
        dialog has arrived; otherwise after ``settle`` seconds more of waiting
        for an earlier one (sequences of events the webhook does not carry
        never come).
        """
        deadline = time.monotonic() + timeout
        settle_until: float | None = None
        with self._cond:
            while True:
                first, certain = self._decided(conversation)
                now = time.monotonic()
                if first is not None:
                    if certain:
                        return first.message
                    if settle_until is None:
                        settle_until = min(deadline, now + settle)
                    if now >= settle_until:
                        log.info(
                            "taking sequence %s: nothing earlier arrived within %.3g s",
                            first.sequence,
                            settle,
                        )
                        return first.message
                    self._cond.wait(settle_until - now)
                elif now >= deadline:
                    return None
                else:
                    self._cond.wait(deadline - now)


def _order(change: _Change) -> tuple[int, int]:
    return (change.sequence if change.sequence is not None else 1 << 62, change.arrival)


def _environ_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass
