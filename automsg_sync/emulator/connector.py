"""The Connector API side of the emulator: AppJWT (sentinel), ConsumerJWS (idp),
conversations (asyncMessagingEnt) and signed webhooks, in the documented shapes
(tests/data/lp-docs/connector/README.md names each document).

- ``POST /sentinel/sentinel/api/account/<id>/app/token`` (form ``client_id``,
  ``client_secret``, ``grant_type=client_credentials``) → ``{"access_token",
  "token_type"}``, valid one hour, no ``expires_in`` (as documented); an app
  with ``"tokenTtl": <seconds>`` gets tokens of that life, and the answer
  then says ``expires_in``;
- ``POST /idp/api/account/<id>/consumer`` (``Authorization: <AppJWT>``, body
  ``{"ext_consumer_id"}``) → 201 ``{"token"}``;
- ``POST /msg/api/account/<id>/messaging/consumer/conversation`` (AppJWT,
  ``X-LP-ON-BEHALF``, optional ``Client-Properties``) with
  ``[userprofile.SetUserProfile, cm.ConsumerRequestConversation]`` (the
  minimal documented body, only ``brandId``, is enough) → one item per
  request, ``{"code": "OK", "body": {…}, "reqId": "2,"}`` (an app with
  ``"answers": "kind-resp"`` gets ``{"kind": "resp", "code": 200, …}`` items);
- ``POST …/conversation/send``: ``ms.PublishEvent`` (a consumer message; the
  answer is ``{"reqId", "code": "OK", "body": {"sequence"}}``) or
  ``cm.UpdateConversationField`` with ``conversationField`` as an object (the
  Connector API example) or an array, ``conversationState: CLOSE``.

``POST /_emulator/connector/tokens/expire`` makes every AppJWT expire now (test hook).

Refusals are the documented Send API error bodies ``{"kind": "resp", "code":
401, "body": {"title", "details", "errorCode"}, "type": ".ReqBody$ErrorResp"}``
with the documented table's codes: 40105 no Authorization, 40102 AppJWT
expired or invalid, 40104 no ``X-LP-ON-BEHALF``, 40103 ConsumerJWS invalid,
40001 (HTTP 400) no ``brandId``. idp answers bad AppJWTs the same way (the
emulator's choice; its error body is not documented).

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

import hmac
import json
import logging
import re
import secrets
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask, Response, jsonify, request

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
from .responses import error
from .store import ACCOUNT, Account, Store

log = logging.getLogger("automsg_sync.emulator.connector")

APPJWT_LIFETIME = 3600.0
FIRST_TIME = "CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME"
RETURNING = "CONSUMER_OPEN_NEW_CONVERSATION"
FIRST_TIME_OFF_HOURS = "CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME_OFF_HOURS"
RETURNING_OFF_HOURS = "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS"
WEBHOOK_RETRIES = 4  # retries of a failed delivery by default: 5 attempts (LivePerson allows 0 to 5)
MAX_WEBHOOK_RETRIES = 5
WEBHOOK_RETRY_WAIT = 0.05  # seconds before the first retry, then twice, three times, … (LivePerson: 30 s)
PROFILE_SET = "OK User Profile set successfully"  # the documented SetUserProfile answer
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
                            return event, _fill(str(entry["msg"]), name)
        return None

    def add_event(self, conversation: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        """Give ``event`` the dialog's next ``sequence`` and keep it (call with ``self.lock`` held)."""
        event = {"audience": "ALL", **event, "sequence": len(conversation["events"])}
        conversation["events"].append(event)
        return event

    def deliver(
        self, account: Account, client_id: str, conversation: str, events: list[dict[str, Any]]
    ) -> None:
        app = self.app(account, client_id)
        url = (app or {}).get("webhookUrl")
        if not app or not url or not events:
            return
        if not is_loopback(urlsplit(url).hostname or ""):
            log.warning("not delivering a webhook to non-loopback %s", url)
            return
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
        algorithm = str(app.get("signature", "sha1"))
        if algorithm not in SIGNATURE_ALGORITHMS:
            log.warning("unknown signature %r for app %s; signing sha1", algorithm, client_id)
            algorithm = "sha1"
        secret = str(app.get("clientSecret", ""))
        retries = app.get("webhookRetries", WEBHOOK_RETRIES)
        if not isinstance(retries, int) or isinstance(retries, bool):
            retries = WEBHOOK_RETRIES
        attempts = 1 + min(max(retries, 0), MAX_WEBHOOK_RETRIES)
        bodies = [
            json.dumps(
                {"kind": "notification", "body": {"changes": g}, "type": "ms.MessagingEventNotification"},
                ensure_ascii=False,
            ).encode("utf-8")
            for g in groups
        ]

        def post(body: bytes) -> None:
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: webhook_signature(secret, body, algorithm),
                ACCOUNT_HEADER: account.id,
                CLIENT_HEADER: client_id,
            }
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

        def post_all() -> None:
            try:
                for body in bodies:  # one after the other: the order they arrive in is the order here
                    post(body)
            finally:
                with self.lock:
                    self.sending -= 1

        with self.lock:
            self.sending += 1  # told by the conversations hook: a test waits for 0, not a while
        threading.Thread(target=post_all, name="emulator-webhook", daemon=True).start()


def auth_error(error_code: int, title: str, details: str) -> Response:
    """The documented Send API refusal; the HTTP status is the code's first three digits."""
    status = error_code // 100
    response = jsonify(
        {
            "kind": "resp",
            "code": status,
            "body": {"title": title, "details": details, "errorCode": error_code},
            "type": ".ReqBody$ErrorResp",
        }
    )
    response.status_code = status
    return response


def bad_request(details: str, status: int = 400) -> Response:
    """A refusal in the Send API's shape, without an errorCode (none is documented for it)."""
    response = jsonify(
        {
            "kind": "resp",
            "code": status,
            "body": {"title": "Bad request", "details": details},
            "type": ".ReqBody$ErrorResp",
        }
    )
    response.status_code = status
    return response


def _message_id(name: str) -> str:
    """The catalog's id for a message named by event id or UI name (``Welcome message`` →
    ``CONSUMER_OPEN_NEW_CONVERSATION``); a name the catalog does not know, as it is."""
    entry = lookup(name)
    return name if entry is None else entry.event_id or entry.name


def _fill(text: str, name: str) -> str:
    text = re.sub(r"\{[A-Za-z][A-Za-z0-9_]*\}", lambda m: FILLERS.get(m.group(), name), text)
    return text


def _client_properties(value: str | None) -> bool:
    try:
        props = json.loads(value or "{}")
    except ValueError:
        return False
    return isinstance(props, dict) and "AUTO_MESSAGES" in (props.get("features") or [])


def register_connector(app: Flask, store: Store, connector: Connector) -> None:
    """Add the Connector API routes and their test hooks to the emulator app."""

    def app_token(account_id: str) -> tuple[dict[str, Any] | None, Response | None]:
        value = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not value:
            return None, auth_error(40105, "AppJWT is missing", "AUTHORIZATION header is not present")
        with connector.lock:
            token = connector.app_tokens.get(value)
        if token and token["account"] == account_id and token["expires"] > time.time():
            return token, None
        return None, auth_error(40102, "Invalid AppJWT", "AppJWT has expired or is invalid")

    @app.post("/sentinel/sentinel/api/account/<account_id>/app/token")
    def sentinel(account_id: str) -> Response:
        account = store.account(account_id)
        if account is None:
            return error(404, f"unknown account {account_id}")
        if request.args.get("grant_type", request.form.get("grant_type")) != "client_credentials":
            return error(400, "grant_type must be client_credentials")
        found = connector.app(account, request.form.get("client_id", ""))
        secret = str((found or {}).get("clientSecret", ""))
        if not found or not hmac.compare_digest(secret, request.form.get("client_secret", "")):
            return error(401, "invalid client credentials")
        token = "appjwt." + secrets.token_urlsafe(32)
        ttl = found.get("tokenTtl")
        life = float(ttl) if isinstance(ttl, int | float) else APPJWT_LIFETIME
        with connector.lock:
            connector.app_tokens[token] = {
                "account": account_id,
                "clientId": found["clientId"],
                "expires": time.time() + life,
            }
        answer: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}  # documented: no expires_in
        if ttl is not None:
            answer["expires_in"] = ttl
        return jsonify(answer)

    @app.post("/idp/api/account/<account_id>/consumer")
    def idp(account_id: str) -> Response:
        token, denied = app_token(account_id)
        if denied:
            return denied
        assert token is not None
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not body.get("ext_consumer_id"):
            return error(400, "ext_consumer_id is required")
        jws = "consumerjws." + secrets.token_urlsafe(32)
        with connector.lock:
            connector.consumers[jws] = {"account": account_id, "ext": body["ext_consumer_id"], **token}
        response = jsonify({"token": jws})
        response.status_code = 201
        return response

    def consumer(account_id: str) -> tuple[dict[str, Any] | None, Response | None]:
        token, denied = app_token(account_id)
        if denied:
            return None, denied
        assert token is not None
        jws = request.headers.get("X-LP-ON-BEHALF", "").strip()
        if not jws:
            return None, auth_error(40104, "ConsumerJWS is missing", "X_ON_BEHALF_HEADER is not present")
        with connector.lock:
            found = connector.consumers.get(jws)
        if not found or found["account"] != account_id or found["clientId"] != token["clientId"]:
            return None, auth_error(40103, "Invalid ConsumerJWS", "ConsumerJWS is invalid")
        return found, None

    @app.post("/msg/api/account/<account_id>/messaging/consumer/conversation")
    def create_conversation(account_id: str) -> Response:
        who, denied = consumer(account_id)
        if denied:
            return denied
        assert who is not None
        account = store.account(account_id)
        assert account is not None
        body = request.get_json(silent=True)
        if not isinstance(body, list):
            return bad_request(
                "expected the array [userprofile.SetUserProfile, cm.ConsumerRequestConversation]"
            )
        requests_by_type = {item.get("type"): item for item in body if isinstance(item, dict)}
        ask = requests_by_type.get("cm.ConsumerRequestConversation")
        if not ask or not isinstance(ask.get("body"), dict):
            return bad_request("cm.ConsumerRequestConversation is missing")
        details = ask["body"]
        if not details.get("brandId"):
            return auth_error(40001, "Missing parameter", "Brand Id is missing")
        if str(details["brandId"]) != account_id:
            return bad_request(f"brandId {details['brandId']} is not account {account_id}")
        if details.get("channelType", "MESSAGING") != "MESSAGING":
            return bad_request("channelType must be MESSAGING")
        profile = (requests_by_type.get("userprofile.SetUserProfile") or {}).get("body") or {}
        name = _first_name(profile if isinstance(profile, dict) else {})
        auto = _client_properties(request.headers.get("Client-Properties"))
        conversation_id = str(uuid.uuid4())
        skill = details.get("skillId")
        lang = (details.get("conversationContext") or {}).get("lang")
        app_data = connector.app(account, who["clientId"]) or {}
        conversation: dict[str, Any] = {
            "account": account_id,
            "consumer": who["ext"],
            "clientId": who["clientId"],
            "skill": str(skill) if skill not in (None, "", "-1") else None,
            "lang": lang,
            "autoMessages": auto,
            "state": "OPEN",
            "created": time.time(),
            "events": [],
        }
        with connector.lock:
            first_time = connector.first_conversation(account_id, str(who["ext"]))
        welcome = None
        if auto and account.extra.get("autoMessagesFeature", True):
            with store.lock:
                welcome = connector.welcome(account, str(skill) if skill else None, lang, name, first_time)
        events = []
        with connector.lock:
            connector.conversations[conversation_id] = conversation
            if welcome is not None:
                if app_data.get("agentsOnlyNote"):
                    note = {
                        "originator": "automatic-messages",
                        "role": "CONTROLLER",
                        "message": str(app_data["agentsOnlyNote"]),
                        "audience": "AGENTS_AND_MANAGERS",
                    }
                    events.append(connector.add_event(conversation, note))
                sent = {
                    "originator": "automatic-messages",
                    "role": "CONTROLLER",
                    "message": welcome[1],
                    "messageEventId": welcome[0],
                }
                events.append(connector.add_event(conversation, sent))
                if app_data.get("followUpMessage"):
                    follow = {
                        "originator": "automatic-messages",
                        "role": "CONTROLLER",
                        "message": _fill(str(app_data["followUpMessage"]), name),
                    }
                    events.append(connector.add_event(conversation, follow))
        connector.deliver(account, who["clientId"], conversation_id, events)
        kind_resp = app_data.get("answers") == "kind-resp"
        answers = []
        for item in body:
            if not isinstance(item, dict):
                continue
            asks = item.get("type") == "cm.ConsumerRequestConversation"
            result: Any = {"conversationId": conversation_id} if asks else {"msg": PROFILE_SET}
            if kind_resp:
                kind = "cm.RequestConversationResponse" if asks else "GenericResponse"
                answers.append(
                    {
                        "kind": "resp",
                        "reqId": str(item.get("id", "")),
                        "code": 200,
                        "body": result,
                        "type": kind,
                    }
                )
            else:
                answers.append({"code": "OK", "body": result, "reqId": str(item.get("id", ""))})
        return jsonify(answers)

    @app.post("/msg/api/account/<account_id>/messaging/consumer/conversation/send")
    def send(account_id: str) -> Response:
        who, denied = consumer(account_id)
        if denied:
            return denied
        assert who is not None
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("body"), dict):
            return bad_request("expected a request object")
        inner = body["body"]
        conversation_id = str(inner.get("dialogId") or inner.get("conversationId") or "")
        with connector.lock:
            conversation = connector.conversations.get(conversation_id)
        if conversation is None or conversation["account"] != account_id:
            return bad_request(f"no conversation {conversation_id}", 404)
        if conversation["autoMessages"] and not _client_properties(request.headers.get("Client-Properties")):
            return bad_request(
                "this conversation enabled AUTO_MESSAGES: every send must carry the Client-Properties header"
            )
        if conversation["state"] != "OPEN":
            return bad_request("the conversation is closed")
        if body.get("type") == "cm.UpdateConversationField":
            # The Connector API example gives an object; the Messaging Window API builds an array.
            fields = inner.get("conversationField") or []
            fields = [fields] if isinstance(fields, dict) else fields if isinstance(fields, list) else []
            if any(isinstance(f, dict) and f.get("conversationState") == "CLOSE" for f in fields):
                with connector.lock:
                    conversation["state"] = "CLOSE"
            return jsonify({"reqId": str(body.get("id", "")), "code": "OK", "body": "OK"})
        event = inner.get("event") or {}
        if body.get("type") != "ms.PublishEvent" or event.get("type") != "ContentEvent":
            return bad_request("expected ms.PublishEvent with a ContentEvent")
        account = store.account(account_id)
        assert account is not None
        echo = {"originator": who["ext"], "role": "CONSUMER", "message": str(event.get("message", ""))}
        with connector.lock:
            echo = connector.add_event(conversation, echo)
        connector.deliver(account, conversation["clientId"], conversation_id, [echo])
        return jsonify(
            {"reqId": str(body.get("id", "")), "code": "OK", "body": {"sequence": echo["sequence"]}}
        )

    @app.put("/_emulator/accounts/<account_id>/connector-apps/<client_id>")
    def hook_connector_app(account_id: str, client_id: str) -> Response:
        account = store.account(account_id)
        body = request.get_json(silent=True)
        if account is None or not isinstance(body, dict):
            return error(400, "unknown account or not a JSON object")
        with store.lock:
            found = connector.app(account, client_id)
            if found is None:
                found = {"clientId": client_id}
                account.extra.setdefault("connectorApps", []).append(found)
            found.update(body)
        return jsonify(found)

    @app.post("/_emulator/connector/tokens/expire")
    def hook_expire_app_tokens() -> Response:
        with connector.lock:
            for token in connector.app_tokens.values():
                token["expires"] = 0.0
        return jsonify({})

    @app.get("/_emulator/conversations")
    def hook_conversations() -> Response:
        with connector.lock:
            return jsonify(
                {
                    "conversations": connector.conversations,
                    "deliveries": connector.deliveries,
                    "sending": connector.sending,  # notifications whose delivery (retries too) is not over
                }
            )


def _first_name(profile: dict[str, Any]) -> str:
    for sde in (profile.get("authenticatedData") or {}).get("lp_sdes") or []:
        if isinstance(sde, dict) and sde.get("type") == "personal":
            name = (sde.get("personal") or {}).get("firstname")
            if name:
                return str(name)
    return "there"
