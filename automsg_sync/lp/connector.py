"""Connector API: open a consumer conversation with automatic messages enabled.

As the "enable a feature" example shows: an AppJWT from ``sentinel`` (client
credentials), a ConsumerJWS from ``idp``, then the conversation request and
every send carry ``Client-Properties: {"type": ".ClientProperties",
"features": ["AUTO_MESSAGES"]}``. The first send follows the conversation
request at once (LivePerson wants it within 10 s).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from ..config import Secret
from ..errors import ApiError
from .domain import IDP, MESSAGING, SENTINEL, Domains
from .http import HttpClient

CLIENT_PROPERTIES = json.dumps({"type": ".ClientProperties", "features": ["AUTO_MESSAGES"]})
SIGNATURE_HEADER = "x-liveperson-signature"


def webhook_signature(secret: str, body: bytes) -> str:
    """``sha1=`` + base64(HMAC-SHA1(client secret, raw body)): how LivePerson signs webhooks."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha1).digest()
    return "sha1=" + base64.b64encode(digest).decode("ascii")


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Compare in constant time: a timing side channel must not reveal the signature."""
    return hmac.compare_digest(webhook_signature(secret, body).encode(), (header or "").encode())


class ConnectorClient:
    """A messaging connector acting for one test consumer."""

    def __init__(self, http: HttpClient, domains: Domains, client_id: str, client_secret: Secret) -> None:
        self.http = http
        self.domains = domains
        self.client_id = client_id
        self.client_secret = client_secret
        self._app_jwt: Secret | None = None
        self._jws: Secret | None = None

    @property
    def account_id(self) -> str:
        return self.domains.account_id

    def login(self, ext_consumer_id: str) -> None:
        """AppJWT (client credentials), then a ConsumerJWS for ``ext_consumer_id``."""
        url = self.domains.url(SENTINEL, f"/sentinel/api/account/{self.account_id}/app/token")
        response = self.http.request(
            "POST",
            url,
            params={"v": "1.0", "grant_type": "client_credentials"},
            data={"client_id": self.client_id, "client_secret": self.client_secret.reveal()},
        )
        self._app_jwt = Secret(str(_json(response)["access_token"]))
        url = self.domains.url(IDP, f"/api/account/{self.account_id}/consumer")
        response = self.http.request(
            "POST",
            url,
            params={"v": "1.0"},
            headers={"Authorization": self._app_jwt.reveal()},
            json={"ext_consumer_id": ext_consumer_id},
            ok=(200, 201),
        )
        self._jws = Secret(str(_json(response)["token"]))

    def _headers(self, auto_messages: bool) -> dict[str, str]:
        if self._app_jwt is None or self._jws is None:
            raise ApiError("the connector has not logged in")
        headers = {"Authorization": self._app_jwt.reveal(), "X-LP-ON-BEHALF": self._jws.reveal()}
        if auto_messages:
            headers["Client-Properties"] = CLIENT_PROPERTIES
        return headers

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
        answer = _json(
            self.http.request(
                "POST", url, params={"v": "3"}, headers=self._headers(auto_messages), json=payload
            )
        )
        try:
            conversation_id = str(answer[1]["body"]["conversationId"])
        except (IndexError, KeyError, TypeError):
            raise ApiError("the conversation request's answer holds no conversationId") from None
        self.send(conversation_id, first_message, auto_messages=auto_messages)
        return conversation_id

    def send(self, conversation_id: str, text: str, *, auto_messages: bool = True) -> None:
        body = {
            "kind": "req",
            "id": "1",
            "type": "ms.PublishEvent",
            "body": {
                "dialogId": conversation_id,
                "event": {"type": "ContentEvent", "contentType": "text/plain", "message": text},
            },
        }
        self._send(body, auto_messages)

    def close(self, conversation_id: str, *, auto_messages: bool = True) -> None:
        body = {
            "kind": "req",
            "id": "2",
            "type": "cm.UpdateConversationField",
            "body": {
                "conversationId": conversation_id,
                "conversationField": [{"field": "ConversationStateField", "conversationState": "CLOSE"}],
            },
        }
        self._send(body, auto_messages)

    def _send(self, body: dict[str, Any], auto_messages: bool) -> None:
        url = self.domains.url(
            MESSAGING, f"/api/account/{self.account_id}/messaging/consumer/conversation/send"
        )
        self.http.request("POST", url, params={"v": "3"}, headers=self._headers(auto_messages), json=body)


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ApiError(
            f"{response.request.method} {str(response.url).split('?')[0]}: the body is not JSON"
        ) from None
