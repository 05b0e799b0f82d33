"""The Connector API's routes: AppJWT (sentinel), ConsumerJWS (idp) and
conversations (asyncMessagingEnt), in the documented shapes
(tests/data/lp-docs/connector/README.md names each document). What a conversation
gets sent and the webhooks are ``emulator/connector.py``'s.

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

``POST /_emulator/connector/tokens/expire`` makes every AppJWT expire now (a test
hook, served with the others by ``emulator/routes/hooks.py``).

Refusals are the documented Send API error bodies ``{"kind": "resp", "code":
401, "body": {"title", "details", "errorCode"}, "type": ".ReqBody$ErrorResp"}``
with the documented table's codes: 40105 no Authorization, 40102 AppJWT
expired or invalid, 40104 no ``X-LP-ON-BEHALF``, 40103 ConsumerJWS invalid,
40001 (HTTP 400) no ``brandId``. idp answers bad AppJWTs the same way (the
emulator's choice; its error body is not documented).
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..auth import secret_matches, token_answer, token_lifetime
from ..connector import Connector, fill
from ..context import current
from ..responses import error

PROFILE_SET = "OK User Profile set successfully"  # the documented SetUserProfile answer
ASK = "cm.ConsumerRequestConversation"

connector_api = Blueprint("connector", __name__)


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


def _client_properties(value: str | None) -> bool:
    try:
        props = json.loads(value or "{}")
    except ValueError:
        return False
    return isinstance(props, dict) and "AUTO_MESSAGES" in (props.get("features") or [])


def _app_token(account_id: str) -> tuple[dict[str, Any] | None, Response | None]:
    """The request's AppJWT for ``account_id``, or its refusal."""
    connector = current().connector
    value = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not value:
        return None, auth_error(40105, "AppJWT is missing", "AUTHORIZATION header is not present")
    with connector.lock:
        token = connector.app_tokens.get(value)
    if token and token["account"] == account_id and token["expires"] > time.time():
        return token, None
    return None, auth_error(40102, "Invalid AppJWT", "AppJWT has expired or is invalid")


def _consumer(account_id: str) -> tuple[dict[str, Any] | None, Response | None]:
    """The consumer the request's AppJWT and ConsumerJWS (``X-LP-ON-BEHALF``) name, or the refusal."""
    token, denied = _app_token(account_id)
    if denied:
        return None, denied
    assert token is not None
    jws = request.headers.get("X-LP-ON-BEHALF", "").strip()
    if not jws:
        return None, auth_error(40104, "ConsumerJWS is missing", "X_ON_BEHALF_HEADER is not present")
    connector = current().connector
    with connector.lock:
        found = connector.consumers.get(jws)
    if not found or found["account"] != account_id or found["clientId"] != token["clientId"]:
        return None, auth_error(40103, "Invalid ConsumerJWS", "ConsumerJWS is invalid")
    return found, None


@connector_api.post("/sentinel/sentinel/api/account/<account_id>/app/token")
def sentinel(account_id: str) -> Response:
    """An AppJWT for a connector app's client credentials."""
    emu = current()
    account = emu.store.account(account_id)
    if account is None:
        return error(404, f"unknown account {account_id}")
    if request.args.get("grant_type", request.form.get("grant_type")) != "client_credentials":
        return error(400, "grant_type must be client_credentials")
    found = emu.connector.app(account, request.form.get("client_id", ""))
    if not found or not secret_matches(found, request.form.get("client_secret", "")):
        return error(401, "invalid client credentials")
    token = "appjwt." + secrets.token_urlsafe(32)
    with emu.connector.lock:
        emu.connector.app_tokens[token] = {
            "account": account_id,
            "clientId": found["clientId"],
            "expires": time.time() + token_lifetime(found),
        }
    return token_answer(token, found)


@connector_api.post("/idp/api/account/<account_id>/consumer")
def idp(account_id: str) -> Response:
    """A ConsumerJWS for ``ext_consumer_id``, under the request's AppJWT."""
    token, denied = _app_token(account_id)
    if denied:
        return denied
    assert token is not None
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body.get("ext_consumer_id"):
        return error(400, "ext_consumer_id is required")
    jws = "consumerjws." + secrets.token_urlsafe(32)
    connector = current().connector
    with connector.lock:
        connector.consumers[jws] = {"account": account_id, "ext": body["ext_consumer_id"], **token}
    response = jsonify({"token": jws})
    response.status_code = 201
    return response


@connector_api.post("/msg/api/account/<account_id>/messaging/consumer/conversation")
def create_conversation(account_id: str) -> Response:
    """A new conversation (and, with AUTO_MESSAGES, the welcome sent into it): one answer per request."""
    who, denied = _consumer(account_id)
    if denied:
        return denied
    assert who is not None
    emu = current()
    account = emu.store.account(account_id)
    assert account is not None
    body = request.get_json(silent=True)
    asked = _asked(body, account_id)
    if isinstance(asked, Response):
        return asked
    assert isinstance(body, list)
    details, profile = asked
    name = _first_name(profile)
    auto = _client_properties(request.headers.get("Client-Properties"))
    conversation_id = str(uuid.uuid4())
    skill = details.get("skillId")
    lang = (details.get("conversationContext") or {}).get("lang")
    app_data = emu.connector.app(account, who["clientId"]) or {}
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
    with emu.connector.lock:
        first_time = emu.connector.first_conversation(account_id, str(who["ext"]))
    welcome = None
    if auto and account.extra.get("autoMessagesFeature", True):
        with emu.store.lock:
            welcome = emu.connector.welcome(account, str(skill) if skill else None, lang, name, first_time)
    events = _open(emu.connector, conversation_id, conversation, welcome, app_data, name)
    emu.connector.deliver(account, who["clientId"], conversation_id, events)
    return jsonify(_answers(body, conversation_id, kind_resp=app_data.get("answers") == "kind-resp"))


def _asked(body: Any, account_id: str) -> tuple[dict[str, Any], dict[str, Any]] | Response:
    """The conversation request's body and the consumer's profile, or the refusal of a bad request."""
    if not isinstance(body, list):
        return bad_request("expected the array [userprofile.SetUserProfile, cm.ConsumerRequestConversation]")
    requests_by_type = {item.get("type"): item for item in body if isinstance(item, dict)}
    ask = requests_by_type.get(ASK)
    if not ask or not isinstance(ask.get("body"), dict):
        return bad_request("cm.ConsumerRequestConversation is missing")
    details: dict[str, Any] = ask["body"]
    if not details.get("brandId"):
        return auth_error(40001, "Missing parameter", "Brand Id is missing")
    if str(details["brandId"]) != account_id:
        return bad_request(f"brandId {details['brandId']} is not account {account_id}")
    if details.get("channelType", "MESSAGING") != "MESSAGING":
        return bad_request("channelType must be MESSAGING")
    profile = (requests_by_type.get("userprofile.SetUserProfile") or {}).get("body") or {}
    return details, profile if isinstance(profile, dict) else {}


def _open(
    connector: Connector,
    conversation_id: str,
    conversation: dict[str, Any],
    welcome: tuple[str, str] | None,
    app_data: dict[str, Any],
    name: str,
) -> list[dict[str, Any]]:
    """Keep the conversation and the automatic messages sent into it (the events to notify)."""
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
                    "message": fill(str(app_data["followUpMessage"]), name),
                }
                events.append(connector.add_event(conversation, follow))
    return events


def _answers(body: list[Any], conversation_id: str, *, kind_resp: bool) -> list[dict[str, Any]]:
    """One answer per request of the body, in the documented shape or the app's ``kind-resp`` one."""
    answers = []
    for item in body:
        if not isinstance(item, dict):
            continue
        asks = item.get("type") == ASK
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
    return answers


@connector_api.post("/msg/api/account/<account_id>/messaging/consumer/conversation/send")
def send(account_id: str) -> Response:
    """A consumer message (ms.PublishEvent) or a close (cm.UpdateConversationField)."""
    who, denied = _consumer(account_id)
    if denied:
        return denied
    assert who is not None
    emu = current()
    connector = emu.connector
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
    account = emu.store.account(account_id)
    assert account is not None
    echo = {"originator": who["ext"], "role": "CONSUMER", "message": str(event.get("message", ""))}
    with connector.lock:
        echo = connector.add_event(conversation, echo)
    connector.deliver(account, conversation["clientId"], conversation_id, [echo])
    return jsonify({"reqId": str(body.get("id", "")), "code": "OK", "body": {"sequence": echo["sequence"]}})


def _first_name(profile: dict[str, Any]) -> str:
    for sde in (profile.get("authenticatedData") or {}).get("lp_sdes") or []:
        if isinstance(sde, dict) and sde.get("type") == "personal":
            name = (sde.get("personal") or {}).get("firstname")
            if name:
                return str(name)
    return "there"
