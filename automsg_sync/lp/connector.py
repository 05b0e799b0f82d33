"""Connector API: open a consumer conversation with automatic messages enabled.

As the "enable a feature" example shows: an AppJWT from ``sentinel`` (client
credentials), a ConsumerJWS from ``idp``, then the conversation request and
every send carry ``Client-Properties: {"type": ".ClientProperties",
"features": ["AUTO_MESSAGES"]}``. The first send follows the conversation
request at once (LivePerson wants it within 10 s).

- The AppJWT is valid one hour (the documented sentinel answer has no
  ``expires_in``); it is renewed before every request once that hour, or a
  shorter ``expires_in``, is nearly over (:data:`RENEW_MARGIN`), and once more
  when LivePerson answers 40102 (expired or invalid) anyway.
- The create-conversation answer is a list of items, one per request:
  documented as ``{"code": "OK", "body": {...}, "reqId": "2,"}`` (no
  ``kind``), also seen as ``{"kind": "resp", "code": 200, ...}``; the
  conversation id is the item answering the ``cm.ConsumerRequestConversation``.
- Refusals ``{"kind": "resp", "code": 401, "body": {"title", "details",
  "errorCode"}}`` become a :class:`ConnectorError` whose text explains the
  ``errorCode`` in words (:func:`explain`).
- Webhooks are signed ``sha1=`` + base64(HMAC-SHA1(client secret, raw body)),
  or ``sha256=`` + HMAC-SHA256 on the accounts LivePerson enabled it for
  (notification-protocol.md); both are accepted, compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from ..config import Secret
from ..errors import ApiError, ApiStatusError, AuthError, body_excerpt
from ..log import register_secrets
from .domain import IDP, MESSAGING, SENTINEL, Domains
from .http import HttpClient

log = logging.getLogger("automsg_sync.connector")

CLIENT_PROPERTIES = json.dumps({"type": ".ClientProperties", "features": ["AUTO_MESSAGES"]})
SIGNATURE_HEADER = "x-liveperson-signature"
ACCOUNT_HEADER = "x-liveperson-account-id"
CLIENT_HEADER = "x-liveperson-client-id"
SIGNATURE_ALGORITHMS: dict[str, Callable[..., Any]] = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}

APPJWT_LIFETIME = 3600.0  # "An AppJWT is valid for one hour."
RENEW_MARGIN = 60.0  # renew this long before the end (at most a tenth of the lifetime)
REFUSED = (400, 401, 403, 404)  # answers read here for their errorCode, never retried

# errorCode → what it means, in words (authorization-and-authentication.md, "Response Bodies").
# The doc's own example body pairs 40104 with the title "AppJWT is missing"; its table (which the
# doc says to rely on) has 40104 = ConsumerJWS missing and 40105 = AppJWT missing. We follow the table
# and always show LivePerson's own title and details beside the explanation.
ERROR_CODES: dict[int, str] = {
    40001: "a mandatory parameter is missing: the conversation request's brandId (the account id), "
    "or a mandatory claim of the AppJWT (iss=Sentinel)",
    40102: "the AppJWT has expired or is invalid — automsg-sync renews it every hour and once more on "
    "this answer; check that the connector app (AUTOMSG_CONNECTOR_CLIENT_ID) is installed on this "
    "account and its secret is current",
    40103: "the ConsumerJWS (X-LP-ON-BEHALF) is invalid — it must come from this account's idp, "
    "obtained with this app's AppJWT",
    40104: "the ConsumerJWS is missing: the request had no X-LP-ON-BEHALF header",
    40105: "the AppJWT is missing: the request had no Authorization header",
}


def webhook_signature(secret: str, body: bytes, algorithm: str = "sha1") -> str:
    """``sha1=`` (or ``sha256=``) + base64(HMAC(client secret, raw body)): how LivePerson signs webhooks."""
    digest = hmac.new(secret.encode("utf-8"), body, SIGNATURE_ALGORITHMS[algorithm]).digest()
    return f"{algorithm}=" + base64.b64encode(digest).decode("ascii")


def signature_algorithm(header: str | None) -> str | None:
    """``sha1`` or ``sha256`` when ``header`` has that prefix, else None (not a LivePerson signature)."""
    name, sep, _ = (header or "").partition("=")
    return name if sep and name in SIGNATURE_ALGORITHMS else None


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Is ``header`` the ``sha1=`` or ``sha256=`` signature of ``body``? Compared in constant time."""
    algorithm = signature_algorithm(header)
    if algorithm is None or header is None:
        return False
    expected = webhook_signature(secret, body, algorithm).encode("utf-8")
    return hmac.compare_digest(expected, header.encode("utf-8"))


def explain(answer: Any) -> str | None:
    """Words for a Connector API refusal ``{"code", "body": {"title", "details", "errorCode"}}``.

    >>> explain({"kind": "resp", "code": 401, "body": {"title": "Invalid AppJWT",
    ...     "details": "AppJWT has expired or is invalid", "errorCode": 40102}})[:41]
    '40102: the AppJWT has expired or is invalid'
    """
    body = answer.get("body") if isinstance(answer, dict) else None
    if not isinstance(body, dict):
        return None
    said = ": ".join(str(body[k]) for k in ("title", "details") if body.get(k))
    try:
        code = int(body["errorCode"])
    except (KeyError, TypeError, ValueError):
        return f"LivePerson said: {said}" if said else None
    meaning = ERROR_CODES.get(code, "an error code automsg-sync does not know")
    return f"{code}: {meaning}" + (f" (LivePerson said: {said})" if said else "")


def _ok(item: dict[str, Any]) -> bool:
    return str(item.get("code", "")).upper() in ("OK", "200", "201")


def conversation_id(answer: Any, request_id: str = "2,") -> str:
    """The conversation id in a create-conversation answer (either documented item shape).

    The item holding a ``conversationId`` is taken (the one answering
    ``request_id`` if several do); a refused item answering the conversation
    request — or any refused item, when none holds an id — is an
    :class:`ApiError` that explains it in words.
    """
    items = [i for i in answer if isinstance(i, dict)] if isinstance(answer, list) else []
    with_id = [i for i in items if isinstance(i.get("body"), dict) and i["body"].get("conversationId")]
    answering = [i for i in items if str(i.get("reqId", "")) == request_id]
    for item in items:
        if not _ok(item):
            why = explain(item) or json.dumps(item.get("body"), ensure_ascii=False)[:200]
            if not with_id or any(item is i for i in answering):
                raise ApiError(f"the conversation request was refused: {why}")
            log.warning("request %r of the conversation request was refused: %s", item.get("reqId"), why)
    chosen = next((i for i in with_id if any(i is j for j in answering)), with_id[0] if with_id else None)
    if chosen is None:
        raise ApiError("the conversation request's answer holds no conversationId")
    return str(chosen["body"]["conversationId"])


class ConnectorError(ApiStatusError):
    """The Connector API refused a request; ``error_code`` is LivePerson's ``errorCode``, if it sent one."""

    def __init__(self, method: str, url: str, status: int, detail: str, error_code: int | None) -> None:
        super().__init__(method, url, status, detail)
        self.error_code = error_code


class ConnectorAuthError(ConnectorError, AuthError):
    """401/403 from sentinel, idp or the Send API (40102–40105)."""


def _refusal(response: Any, context: str = "") -> ConnectorError:
    status = int(response.status_code)
    try:
        answer = response.json()
    except ValueError:
        answer = None
    words = explain(answer)
    if words is None:
        words = body_excerpt(str(response.text or "")) or "no explanation in the answer"
    body = answer.get("body") if isinstance(answer, dict) else None
    raw = body.get("errorCode") if isinstance(body, dict) else None
    code = int(raw) if isinstance(raw, int | str) and str(raw).isdigit() else None
    kind = ConnectorAuthError if status in (401, 403) else ConnectorError
    method = response.request.method if response.request is not None else "POST"
    return kind(method, str(response.url).split("?")[0], status, context + words, code)


class ConnectorClient:
    """A messaging connector acting for one test consumer.

    ``clock`` (seconds, monotonic) is injectable: tests move it past the
    AppJWT's hour instead of waiting for it.
    """

    def __init__(
        self,
        http: HttpClient,
        domains: Domains,
        client_id: str,
        client_secret: Secret,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.domains = domains
        self.client_id = client_id
        self.client_secret = client_secret
        register_secrets([client_secret.reveal()])
        self.clock = clock
        self.app_jwts_fetched = 0
        self._app_jwt: Secret | None = None
        self._renew_at = 0.0
        self._jws: Secret | None = None

    @property
    def account_id(self) -> str:
        return self.domains.account_id

    def login(self, ext_consumer_id: str) -> None:
        """AppJWT (client credentials), then a ConsumerJWS for ``ext_consumer_id``."""
        url = self.domains.url(IDP, f"/api/account/{self.account_id}/consumer")
        body = {"ext_consumer_id": ext_consumer_id}
        answer = self._call(url, body, params={"v": "1.0"}, ok=(200, 201), consumer=False)
        if isinstance(answer, dict) and answer.get("token"):
            register_secrets([str(answer["token"])])
        else:
            raise ApiError("idp's answer holds no ConsumerJWS token")
        self._jws = Secret(str(answer["token"]))

    def _renew_app_jwt(self) -> None:
        url = self.domains.url(SENTINEL, f"/sentinel/api/account/{self.account_id}/app/token")
        response = self.http.request(
            "POST",
            url,
            params={"v": "1.0", "grant_type": "client_credentials"},
            data={"client_id": self.client_id, "client_secret": self.client_secret.reveal()},
            ok=(200, *REFUSED),
        )
        if response.status_code != 200:
            raise _refusal(
                response,
                "sentinel refused the connector app's client credentials (AUTOMSG_CONNECTOR_CLIENT_ID / "
                "AUTOMSG_CONNECTOR_CLIENT_SECRET, or the account's connector_client_*_env keys): ",
            )
        answer = _json(response)
        token = answer.get("access_token") if isinstance(answer, dict) else None
        register_secrets([str(token)] if token else [])
        if not token:
            raise ApiError("sentinel's answer holds no access_token")
        lifetime = APPJWT_LIFETIME  # the documented answer has no expires_in: one hour
        expires_in = _seconds(answer.get("expires_in"))
        if expires_in is not None and 0 < expires_in < lifetime:
            lifetime = expires_in
        self._app_jwt = Secret(str(token))
        self._renew_at = self.clock() + lifetime - min(RENEW_MARGIN, lifetime / 10)
        self.app_jwts_fetched += 1
        log.debug("AppJWT obtained, renewed after %.0f s", lifetime)

    def _app_token(self) -> str:
        if self._app_jwt is None or self.clock() >= self._renew_at:
            self._renew_app_jwt()
        assert self._app_jwt is not None
        return self._app_jwt.reveal()

    def headers(self, auto_messages: bool = True, consumer: bool = True) -> dict[str, str]:
        """A request's headers: the AppJWT (renewed when due), the ConsumerJWS, Client-Properties."""
        headers = {"Authorization": self._app_token()}
        if consumer:
            if self._jws is None:
                raise ApiError("the connector has not logged in")
            headers["X-LP-ON-BEHALF"] = self._jws.reveal()
        if auto_messages:
            headers["Client-Properties"] = CLIENT_PROPERTIES
        return headers

    def _call(
        self,
        url: str,
        body: Any,
        *,
        params: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
        consumer: bool = True,
        auto_messages: bool = False,
    ) -> Any:
        """POST ``body``; on 40102 (AppJWT expired or invalid) renew the AppJWT and try once more."""
        for attempt in (1, 2):
            response = self.http.request(
                "POST",
                url,
                params=params or {"v": "3"},
                headers=self.headers(auto_messages, consumer),
                json=body,
                ok=ok + REFUSED,
            )
            if response.status_code in ok:
                return _json(response)
            error = _refusal(response)
            if error.error_code == 40102 and attempt == 1:
                log.info("the AppJWT was refused as expired or invalid (40102); renewing it")
                self._renew_app_jwt()
                continue
            raise error
        raise AssertionError("unreachable")  # pragma: no cover

    def open_conversation(
        self, *, language: str | None, skill: str | None, first_message: str, auto_messages: bool = True
    ) -> str:
        """Request a conversation and send the first message; returns the conversation id."""
        body: dict[str, Any] = {
            "ttrDefName": "NORMAL",
            "channelType": "MESSAGING",
            "brandId": self.account_id,
        }
        if skill:
            body["skillId"] = skill
        if language:
            body["conversationContext"] = {"type": "SharkContext", "lang": language}
        payload = [
            {
                "kind": "req",
                "id": "1,",
                "type": "userprofile.SetUserProfile",
                "body": {
                    "authenticatedData": {
                        "lp_sdes": [{"type": "personal", "personal": {"firstname": "Test"}}]
                    }
                },
            },
            {"kind": "req", "id": "2,", "type": "cm.ConsumerRequestConversation", "body": body},
        ]
        url = self.domains.url(MESSAGING, f"/api/account/{self.account_id}/messaging/consumer/conversation")
        answer = self._call(url, payload, auto_messages=auto_messages)
        conversation = conversation_id(answer, "2,")
        self.send(conversation, first_message, auto_messages=auto_messages)
        return conversation

    def send(self, conversation_id: str, text: str, *, auto_messages: bool = True) -> Any:
        """``ms.PublishEvent`` of a consumer text; returns the answer (documented ``body.sequence``)."""
        body = {
            "kind": "req",
            "id": "1",
            "type": "ms.PublishEvent",
            "body": {
                "dialogId": conversation_id,
                "event": {"type": "ContentEvent", "contentType": "text/plain", "message": text},
            },
        }
        return self._send(body, auto_messages)

    def close(self, conversation_id: str, *, auto_messages: bool = True) -> None:
        """``cm.UpdateConversationField`` with the Connector API example's ``conversationField`` object."""
        body = {
            "kind": "req",
            "id": "2",
            "type": "cm.UpdateConversationField",
            "body": {
                "conversationId": conversation_id,
                "conversationField": {"field": "ConversationStateField", "conversationState": "CLOSE"},
            },
        }
        self._send(body, auto_messages)

    def _send(self, body: dict[str, Any], auto_messages: bool) -> Any:
        url = self.domains.url(
            MESSAGING, f"/api/account/{self.account_id}/messaging/consumer/conversation/send"
        )
        answer = self._call(url, body, auto_messages=auto_messages)
        if isinstance(answer, dict) and "code" in answer and not _ok(answer):
            raise ApiError(f"{body['type']} was refused: {explain(answer) or answer.get('code')}")
        return answer


def _seconds(value: Any) -> float | None:
    try:
        return float(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ApiError(
            f"{response.request.method} {str(response.url).split('?')[0]}: the body is not JSON"
        ) from None
