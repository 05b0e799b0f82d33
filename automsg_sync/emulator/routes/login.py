"""The Login Service (user and application login, refresh, logout) and OAuth 2.0
client credentials (Sentinel API v2): the ways the tool gets a bearer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..auth import (
    BAD_AUTHENTICATION,
    OAUTH1_EOL,
    login_service_error,
    oauth_client,
    token_answer,
    token_lifetime,
)
from ..context import current
from ..responses import error
from .domain import base_uris

login_service = Blueprint("login", __name__)


@login_service.post("/sentinel/sentinel/api/v2/account/<account_id>/app/token")
def sentinel_v2(account_id: str) -> Response:
    """oauth-2-0-client-credentials.html, API V2: form client_id, client_secret,
    grant_type=client_credentials → {"access_token", "token_type": "Bearer"} (and
    ``expires_in`` when the client has a ``tokenTtl``)."""
    account = current().store.account(account_id)
    if account is None:
        return error(404, f"unknown account {account_id}")
    if request.form.get("grant_type") != "client_credentials":
        return error(400, "grant_type must be client_credentials")
    found = oauth_client(account, request.form.get("client_id", ""), request.form.get("client_secret", ""))
    if found is None:
        return error(401, "invalid client credentials")
    token = current().tokens.issue_app_token(account_id, str(found["clientId"]), token_lifetime(found))
    return token_answer(token, found)


@login_service.post("/vep/api/account/<account_id>/login")
def login(account_id: str) -> Response:
    """A user (username, password) or an application (appKey, secret, …) logs in."""
    account = current().store.account(account_id)
    body = request.get_json(silent=True)
    if account is None:
        return login_service_error(404, f"unknown account {account_id}", 404)
    if not isinstance(body, dict):
        return login_service_error(400, "expected a JSON object", 400)
    username = body.get("username")
    user_ok = any(
        u.get("username") == username and u.get("password") == body.get("password") for u in account.users
    )
    app_fields = ("appKey", "secret", "accessToken", "accessTokenSecret")
    app_login = "appKey" in body
    if app_login and not (isinstance(username, str) and username):
        return login_service_error(400, "application login needs a username", 400)
    oauth1_ok = app_login and any(all(k.get(f) == body.get(f) for f in app_fields) for k in account.api_keys)
    if oauth1_ok and account.behaviour["oauth1"] == "eol":
        return login_service_error(401, OAUTH1_EOL, 1)
    # the application-login page today: appKey = OAuth 2.0 client id, secret = its secret,
    # accessToken/accessTokenSecret placeholders ("deprecated values")
    client = (
        oauth_client(account, str(body.get("appKey", "")), str(body.get("secret", ""))) if app_login else None
    )
    oauth2_ok = client is not None and client.get("botUser", username) == username
    app_ok = oauth1_ok or oauth2_ok
    if not (user_ok or app_ok):
        return login_service_error(401, BAD_AUTHENTICATION, 1)
    return _logged_in(account_id, "app" if app_ok else "user", username)


def _logged_in(account_id: str, kind: str, username: Any) -> Response:
    """A new session, answered as documented (lp-examples/login.response.json), bearer last;
    ``loginName`` is the username as the body gave it."""
    tokens = current().tokens
    session = tokens.issue(account_id, kind, str(username))
    response = jsonify(
        {
            "csrf": session["csrf"],
            "wsuk": str(int(session["expires"] * 1000)),
            "config": {"loginName": username, "userId": "1", "isAdmin": True},
            "csdsCollectionResponse": {"baseURIs": base_uris(account_id)},
            "accountData": {
                "agentGroupsData": {
                    "items": [{"id": -1, "deleted": False, "name": "Main Group"}],
                    "revision": 1,
                }
            },
            "sessionTTl": str(int(tokens.ttl * 1000)),
            "bearer": session["bearer"],
        }
    )
    response.set_cookie("Session_id", session["sessionId"], httponly=True, secure=request.is_secure)
    return response


@login_service.post("/vep/api/account/<account_id>/refresh")
def refresh(account_id: str) -> Response:
    """The session (cookie and csrf) lives another ``ttl``; its ``Session_id`` may rotate."""
    emu = current()
    found = emu.tokens.check(account_id, request.cookies.get("Session_id", ""), request.get_json(silent=True))
    if isinstance(found, Response):
        return found
    emu.tokens.refresh(found)
    response = Response(status=200)  # documented: 200 with an empty body
    account = emu.store.account(account_id)
    if account is not None and account.behaviour["sessionRotation"] == "on":
        response.set_cookie("Session_id", emu.tokens.rotate(found), httponly=True, secure=request.is_secure)
    return response


@login_service.post("/vep/api/account/<account_id>/logout")
def logout(account_id: str) -> Response:
    """The session (cookie and csrf) ends."""
    tokens = current().tokens
    found = tokens.check(account_id, request.cookies.get("Session_id", ""), request.get_json(silent=True))
    if isinstance(found, Response):
        return found
    tokens.log_out(found)
    return Response(status=200)  # documented: 200 with an empty body
