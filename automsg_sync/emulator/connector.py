"""The Connector API side of the emulator: AppJWT (sentinel), ConsumerJWS (idp),
conversations (asyncMessagingEnt) and signed webhooks.

- ``POST /sentinel/sentinel/api/account/<id>/app/token`` (form ``client_id``,
  ``client_secret``, ``grant_type=client_credentials``) → ``access_token``, 1 h;
- ``POST /idp/api/account/<id>/consumer`` (``Authorization: <AppJWT>``, body
  ``{"ext_consumer_id"}``) → 201 ``{"token"}``;
- ``POST /msg/api/account/<id>/messaging/consumer/conversation`` (AppJWT,
  ``X-LP-ON-BEHALF``, optional ``Client-Properties``) with
  ``[userprofile.SetUserProfile, cm.ConsumerRequestConversation]`` → the
  second response item's ``body.conversationId``;
- ``POST …/conversation/send``: ``ms.PublishEvent`` (a consumer message) or
  ``cm.UpdateConversationField`` with ``conversationState: CLOSE``.

When a conversation is created with ``"features": ["AUTO_MESSAGES"]`` in the
``Client-Properties`` header (and the account has the feature:
``"autoMessagesFeature"``, default true), the emulator sends the welcome
automatic message (the account's ``"welcomeMessage"``, default ``Welcome
message``) for the conversation's language and skill — the skill's override
first, then the account default, then the source language — with its
placeholders filled, as a ``ContentEvent`` whose originator role is
``CONTROLLER``. Without the header it sends none. LivePerson documents that
every later send must carry the header too; a send without it on such a
conversation is answered ``400`` and nothing is sent (the emulator's stated
choice where the documentation says no more).

Webhooks go to the ``webhookUrl`` of the app in the account's
``"connectorApps"`` (overridable through ``PUT
/_emulator/accounts/<id>/connector-apps/<clientId>``), loopback addresses
only, signed ``x-liveperson-signature: sha1=`` + base64(HMAC-SHA1(client
secret, raw body)).
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

from ..lp.connector import SIGNATURE_HEADER, webhook_signature
from ..lp.http import is_loopback
from ..model import language_key
from .responses import error
from .store import ACCOUNT, Account, Store

log = logging.getLogger("automsg_sync.emulator.connector")

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

    def app(self, account: Account, client_id: str) -> dict[str, Any] | None:
        apps: list[dict[str, Any]] = account.extra.setdefault("connectorApps", [])
        return next((a for a in apps if a.get("clientId") == client_id), None)

    def welcome_text(self, account: Account, skill: str | None, lang: str | None, name: str) -> str | None:
        event = account.extra.get("welcomeMessage", "Welcome message")
        source = account.extra.get("sourceLanguage", "en-US")
        contexts = ([f"skill/{skill}"] if skill else []) + [ACCOUNT]
        objects = [
            o for c in contexts for o in account.messages.get(c, []) if o.get("messageEventId") == event
        ]
        for wanted in [x for x in (lang, source) if x]:
            for obj in objects:
                for entry in obj.get("data", []):
                    if language_key(str(entry.get("lang", ""))) == language_key(wanted) and entry.get("msg"):
                        return _fill(str(entry["msg"]), name)
        return None

    def deliver(
        self, account: Account, client_id: str, conversation: str, events: list[dict[str, Any]]
    ) -> None:
        app = self.app(account, client_id)
        url = (app or {}).get("webhookUrl")
        if not app or not url:
            return
        if not is_loopback(urlsplit(url).hostname or ""):
            log.warning("not delivering a webhook to non-loopback %s", url)
            return
        changes = [
            {
                "sequence": i,
                "originatorClientProperties": {"type": ".ClientProperties"},
                "originatorId": e["originator"],
                "originatorMetadata": {"id": e["originator"], "role": e["role"]},
                "serverTimestamp": int(time.time() * 1000),
                "event": {"type": "ContentEvent", "message": e["message"], "contentType": "text/plain"},
                "conversationId": conversation,
                "dialogId": conversation,
            }
            for i, e in enumerate(events)
        ]
        body = json.dumps(
            {"kind": "notification", "body": {"changes": changes}, "type": "ms.MessagingEventNotification"},
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: webhook_signature(str(app.get("clientSecret", "")), body),
        }

        def post() -> None:
            for attempt in range(3):
                try:
                    r = requests.post(url, data=body, headers=headers, timeout=5)
                    with self.lock:
                        self.deliveries.append({"url": url, "status": r.status_code, "attempt": attempt + 1})
                    if r.status_code < 500:
                        return
                except requests.RequestException as exc:
                    with self.lock:
                        self.deliveries.append({"url": url, "status": 0, "error": type(exc).__name__})
                time.sleep(0.2 * (attempt + 1))

        threading.Thread(target=post, name="emulator-webhook", daemon=True).start()


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

    def app_token(account_id: str) -> dict[str, Any] | None:
        value = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        with connector.lock:
            token = connector.app_tokens.get(value)
        if token and token["account"] == account_id and token["expires"] > time.time():
            return token
        return None

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
        with connector.lock:
            connector.app_tokens[token] = {
                "account": account_id,
                "clientId": found["clientId"],
                "expires": time.time() + 3600,
            }
        return jsonify({"access_token": token, "token_type": "Bearer", "expires_in": 3600})

    @app.post("/idp/api/account/<account_id>/consumer")
    def idp(account_id: str) -> Response:
        token = app_token(account_id)
        if token is None:
            return error(401, "a valid AppJWT is required")
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
        token = app_token(account_id)
        if token is None:
            return None, error(401, "a valid AppJWT is required")
        with connector.lock:
            found = connector.consumers.get(request.headers.get("X-LP-ON-BEHALF", ""))
        if not found or found["account"] != account_id:
            return None, error(401, "a valid ConsumerJWS is required in X-LP-ON-BEHALF")
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
            return error(
                400, "expected the array [userprofile.SetUserProfile, cm.ConsumerRequestConversation]"
            )
        requests_by_type = {item.get("type"): item for item in body if isinstance(item, dict)}
        ask = requests_by_type.get("cm.ConsumerRequestConversation")
        if not ask or not isinstance(ask.get("body"), dict):
            return error(400, "cm.ConsumerRequestConversation is missing")
        details = ask["body"]
        if details.get("channelType") != "MESSAGING" or str(details.get("brandId")) != account_id:
            return error(400, "channelType MESSAGING and the account's brandId are required")
        profile = requests_by_type.get("userprofile.SetUserProfile", {}).get("body", {})
        name = _first_name(profile)
        auto = _client_properties(request.headers.get("Client-Properties"))
        conversation_id = str(uuid.uuid4())
        skill = details.get("skillId")
        lang = (details.get("conversationContext") or {}).get("lang")
        with connector.lock:
            connector.conversations[conversation_id] = {
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
        if auto and account.extra.get("autoMessagesFeature", True):
            with store.lock:
                text = connector.welcome_text(account, str(skill) if skill else None, lang, name)
            if text is not None:
                event = {"originator": "automatic-messages", "role": "CONTROLLER", "message": text}
                connector.conversations[conversation_id]["events"].append(event)
                connector.deliver(account, who["clientId"], conversation_id, [event])
        answers = [
            {
                "kind": "resp",
                "reqId": str(item.get("id", "")),
                "code": 200,
                "body": "OK",
                "type": "GenericResponse",
            }
            for item in body
            if isinstance(item, dict) and item.get("type") != "cm.ConsumerRequestConversation"
        ]
        answers.append(
            {
                "kind": "resp",
                "reqId": str(ask.get("id", "")),
                "code": 200,
                "body": {"conversationId": conversation_id},
                "type": "cm.RequestConversationResponse",
            }
        )
        return jsonify(answers)

    @app.post("/msg/api/account/<account_id>/messaging/consumer/conversation/send")
    def send(account_id: str) -> Response:
        who, denied = consumer(account_id)
        if denied:
            return denied
        assert who is not None
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("body"), dict):
            return error(400, "expected a request object")
        inner = body["body"]
        conversation_id = str(inner.get("dialogId") or inner.get("conversationId") or "")
        with connector.lock:
            conversation = connector.conversations.get(conversation_id)
        if conversation is None or conversation["account"] != account_id:
            return error(404, f"no conversation {conversation_id}")
        if conversation["autoMessages"] and not _client_properties(request.headers.get("Client-Properties")):
            return error(
                400,
                "this conversation enabled AUTO_MESSAGES: every send must carry the Client-Properties header",
            )
        if conversation["state"] != "OPEN":
            return error(400, "the conversation is closed")
        if body.get("type") == "cm.UpdateConversationField":
            fields = inner.get("conversationField") or []
            if any(f.get("conversationState") == "CLOSE" for f in fields if isinstance(f, dict)):
                conversation["state"] = "CLOSE"
            return jsonify({"kind": "resp", "reqId": str(body.get("id", "")), "code": 200, "body": "OK"})
        event = inner.get("event") or {}
        if body.get("type") != "ms.PublishEvent" or event.get("type") != "ContentEvent":
            return error(400, "expected ms.PublishEvent with a ContentEvent")
        account = store.account(account_id)
        assert account is not None
        echo = {"originator": who["ext"], "role": "CONSUMER", "message": str(event.get("message", ""))}
        conversation["events"].append(echo)
        connector.deliver(account, conversation["clientId"], conversation_id, [echo])
        return jsonify(
            {"kind": "resp", "reqId": str(body.get("id", "")), "code": 200, "body": {"sequence": 0}}
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

    @app.get("/_emulator/conversations")
    def hook_conversations() -> Response:
        with connector.lock:
            return jsonify({"conversations": connector.conversations, "deliveries": connector.deliveries})


def _first_name(profile: dict[str, Any]) -> str:
    for sde in (profile.get("authenticatedData") or {}).get("lp_sdes") or []:
        if isinstance(sde, dict) and sde.get("type") == "personal":
            name = (sde.get("personal") or {}).get("firstname")
            if name:
                return str(name)
    return "there"
