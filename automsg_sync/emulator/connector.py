"""The Connector API side of the emulator, its state: AppJWTs, ConsumerJWSs,
conversations, the automatic messages LivePerson sends into them, and signed
webhooks. The routes that speak it are ``emulator/routes/connector.py``.

When a conversation is created with ``"features": ["AUTO_MESSAGES"]`` in the
``Client-Properties`` header (and the account has the feature:
``"autoMessagesFeature"``, default true), the emulator sends the welcome
automatic message LivePerson sends on a new conversation, chosen by
LivePerson's event id as the Knowledge Center describes the messages: to a
consumer (``ext_consumer_id``) whose first conversation on the account this is,
``CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME`` when the account has that message
(else the plain one); to a returning consumer ``CONSUMER_OPEN_NEW_CONVERSATION``;
with the account's ``"offHours": true`` (the emulator's switch: it keeps no
working hours) their ``…_OFF_HOURS`` twins. An object is that message when its
``messageEventId`` is, through the message catalog (``messages.lookup``): the
id itself or a UI name such as ``Welcome message``. The account's
``"welcomeMessage"`` (an id or name), when set, is sent instead, to every
consumer. The text is the message's for the conversation's language and
skill — the skill's override first, then the account default, then the source
language — with its placeholders filled, sent as a ``ContentEvent`` whose
originator role is ``CONTROLLER``; the conversation's event (``GET
/_emulator/conversations``) names the message's id (``messageEventId``), which
the webhook does not carry. Without the header it sends none. LivePerson documents that
every later send must carry the header too; a send without it on such a
conversation is answered ``400`` and nothing is sent (the emulator's stated
choice where the documentation says no more).

Webhooks go to the ``webhookUrl`` of the app in the account's
``"connectorApps"`` (overridable through ``PUT
/_emulator/accounts/<id>/connector-apps/<clientId>``), loopback addresses
only, as ``ms.MessagingEventNotification`` whose changes carry a per-dialog
``sequence`` and ``messageAudience``, with the headers
``x-liveperson-account-id``, ``x-liveperson-client-id`` (the app's client id)
and ``x-liveperson-signature: sha1=`` + base64(HMAC-SHA1(client secret, raw
body)). An answer other than 200 or 201, or none, is a failure that is retried
("Any other response code will be considered as a notification request
failure which triggers the retry mechanism", notification protocol page): the
retry policy page allows "0 to 5 retries" 30 seconds apart; the emulator makes
``"webhookRetries"`` retries (default 4, so 5 attempts; at most 5) after
short waits (0.05 s, then 0.1 s, …) so that tests stay fast. Every attempt is
listed in ``GET /_emulator/conversations``' ``deliveries``. Optional fields of
a connector app::

    {"clientId": …, "clientSecret": …, "webhookUrl": …,
     "signature": "sha256",           # sign sha256= + HMAC-SHA256 (default "sha1")
     "tokenTtl": 120,                  # AppJWT life in seconds; the answer says expires_in
     "answers": "kind-resp",           # create-conversation items with kind/numeric code
     "agentsOnlyNote": "…",            # a ContentEvent for AGENTS_AND_MANAGERS before the welcome
     "followUpMessage": "…",           # a second automatic message after the welcome
     "outOfOrder": true,               # one notification per change, the last first
     "duplicateDeliveries": true,      # every notification delivered twice
     "webhookRetries": 0}              # retries of a failed delivery, 0 to 5 (default 4)
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests

from ..lp.connector import (
    ACCOUNT_HEADER,
    CLIENT_HEADER,
    SIGNATURE_ALGORITHMS,
    SIGNATURE_HEADER,
    webhook_signature,
)
from ..messages import lookup
from ..model import language_key
from ..urls import is_loopback
from .store import ACCOUNT, Account, Store

log = logging.getLogger("automsg_sync.emulator.connector")

FIRST_TIME = "CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME"
RETURNING = "CONSUMER_OPEN_NEW_CONVERSATION"
FIRST_TIME_OFF_HOURS = "CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME_OFF_HOURS"
RETURNING_OFF_HOURS = "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS"
WEBHOOK_RETRIES = 4  # retries of a failed delivery by default: 5 attempts (LivePerson allows 0 to 5)
MAX_WEBHOOK_RETRIES = 5
WEBHOOK_RETRY_WAIT = 0.05  # seconds before the first retry, then twice, three times, … (LivePerson: 30 s)
FILLERS = {
    "{expectedResponseTime}": "5 minutes",
    "{agentNickname}": "Alex",
    "{AvgWaitSeconds}": "45",
    "{AvgWaitMinutes}": "1",
    "{QueueLength}": "3",
    "{PlaceInQ}": "2",
    "{email}": "john.doe@example.com",
}


class Connector:
    """Tokens and conversations, behind one lock; webhooks sent from a thread."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock = threading.Lock()
        self.app_tokens: dict[str, dict[str, Any]] = {}
        self.consumers: dict[str, dict[str, Any]] = {}
        self.conversations: dict[str, dict[str, Any]] = {}
        self.deliveries: list[dict[str, Any]] = []
        self.sending = 0  # notification threads still delivering (or retrying)
        self.consumers_seen: dict[str, set[str]] = {}  # account → ext_consumer_ids that had a conversation

    def app(self, account: Account, client_id: str) -> dict[str, Any] | None:
        apps: list[dict[str, Any]] = account.extra.setdefault("connectorApps", [])
        return next((a for a in apps if a.get("clientId") == client_id), None)

    def first_conversation(self, account_id: str, consumer: str) -> bool:
        """Is this the consumer's first conversation on the account? (Call with ``self.lock`` held.)"""
        seen = self.consumers_seen.setdefault(account_id, set())
        first = consumer not in seen
        seen.add(consumer)
        return first

    def welcome(
        self, account: Account, skill: str | None, lang: str | None, name: str, first_time: bool
    ) -> tuple[str, str] | None:
        """The new-conversation message LivePerson sends, as (its catalog id, its text filled), or None."""
        override = account.extra.get("welcomeMessage")
        if override:
            candidates = [_message_id(str(override))]
        elif account.extra.get("offHours"):
            candidates = [FIRST_TIME_OFF_HOURS, RETURNING_OFF_HOURS] if first_time else [RETURNING_OFF_HOURS]
        else:
            candidates = [FIRST_TIME, RETURNING] if first_time else [RETURNING]
        source = account.extra.get("sourceLanguage", "en-US")
        contexts = ([f"skill/{skill}"] if skill else []) + [ACCOUNT]
        for event in candidates:
            objects = [
                o
                for c in contexts
                for o in account.context_objects(c)
                if _message_id(str(o.get("messageEventId", ""))) == event
                and not o.get("deleted")
                and o.get("enabled", True) is not False
            ]
            for wanted in [language_key(x) for x in (lang, source) if x]:
                for obj in objects:
                    for entry in obj.get("data", []):
                        if language_key(str(entry.get("lang", ""))) == wanted and entry.get("msg"):
                            return event, fill(str(entry["msg"]), name)
        return None

    def add_event(self, conversation: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """Give ``event`` the dialog's next ``sequence`` and keep it (call with ``self.lock`` held)."""
        event = {"audience": "ALL", **event, "sequence": len(conversation["events"])}
        conversation["events"].append(event)
        return event

    def deliver(
        self, account: Account, client_id: str, conversation: str, events: list[dict[str, Any]]
    ) -> None:
        """Notify the app's webhook of ``events``, signed, from a thread (retried on failure)."""
        app = self.app(account, client_id)
        url = (app or {}).get("webhookUrl")
        if not app or not url or not events:
            return
        if not is_loopback(urlsplit(url).hostname or ""):
            log.warning("not delivering a webhook to non-loopback %s", url)
            return
        bodies = _notifications(app, conversation, events)
        algorithm = str(app.get("signature", "sha1"))
        if algorithm not in SIGNATURE_ALGORITHMS:
            log.warning("unknown signature %r for app %s; signing sha1", algorithm, client_id)
            algorithm = "sha1"
        secret = str(app.get("clientSecret", ""))
        retries = app.get("webhookRetries", WEBHOOK_RETRIES)
        if not isinstance(retries, int) or isinstance(retries, bool):
            retries = WEBHOOK_RETRIES
        attempts = 1 + min(max(retries, 0), MAX_WEBHOOK_RETRIES)

        def post_all() -> None:
            try:
                for body in bodies:  # one after the other: the order they arrive in is the order here
                    headers = {
                        "Content-Type": "application/json",
                        SIGNATURE_HEADER: webhook_signature(secret, body, algorithm),
                        ACCOUNT_HEADER: account.id,
                        CLIENT_HEADER: client_id,
                    }
                    self._post(url, body, headers, attempts)
            finally:
                with self.lock:
                    self.sending -= 1

        with self.lock:
            self.sending += 1  # told by the conversations hook: a test waits for 0, not a while
        threading.Thread(target=post_all, name="emulator-webhook", daemon=True).start()

    def _post(self, url: str, body: bytes, headers: dict[str, str], attempts: int) -> None:
        """One notification, tried up to ``attempts`` times; every attempt kept in ``deliveries``."""
        for attempt in range(1, attempts + 1):
            try:
                r = requests.post(url, data=body, headers=headers, timeout=5)
                with self.lock:
                    self.deliveries.append({"url": url, "status": r.status_code, "attempt": attempt})
                if r.status_code in (200, 201):  # "Any other response code will be considered as a
                    return  # notification request failure which triggers the retry mechanism"
            except requests.RequestException as exc:
                with self.lock:
                    self.deliveries.append(
                        {"url": url, "status": 0, "error": type(exc).__name__, "attempt": attempt}
                    )
            if attempt < attempts:
                time.sleep(WEBHOOK_RETRY_WAIT * attempt)


def _notifications(app: dict[str, Any], conversation: str, events: list[dict[str, Any]]) -> list[bytes]:
    """The ``ms.MessagingEventNotification`` bodies for ``events``, in the order they are sent."""
    changes = [
        {
            "sequence": e["sequence"],
            "originatorClientProperties": {"type": ".ClientProperties"},
            "originatorId": e["originator"],
            "originatorMetadata": {"id": e["originator"], "role": e["role"]},
            "serverTimestamp": int(time.time() * 1000),
            "event": {"type": "ContentEvent", "message": e["message"], "contentType": "text/plain"},
            "conversationId": conversation,
            "dialogId": conversation,
            "messageAudience": e["audience"],
        }
        for e in events
    ]
    # One notification for the moment's changes; or, out of order, one per change, the last first.
    groups = [[c] for c in reversed(changes)] if app.get("outOfOrder") else [changes]
    if app.get("duplicateDeliveries"):
        groups = groups + groups
    return [
        json.dumps(
            {"kind": "notification", "body": {"changes": g}, "type": "ms.MessagingEventNotification"},
            ensure_ascii=False,
        ).encode("utf-8")
        for g in groups
    ]


def _message_id(name: str) -> str:
    """The catalog's id for a message named by event id or UI name (``Welcome message`` →
    ``CONSUMER_OPEN_NEW_CONVERSATION``); a name the catalog does not know, as it is."""
    entry = lookup(name)
    return name if entry is None else entry.event_id or entry.name


def fill(text: str, name: str) -> str:
    """``text`` with its placeholders filled: the consumer's first name, or a sample value."""
    text = re.sub(r"\{[A-Za-z][A-Za-z0-9_]*\}", lambda m: FILLERS.get(m.group(), name), text)
    return text
