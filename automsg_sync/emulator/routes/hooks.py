"""The emulator's test hooks, under ``/_emulator/``; they answer loopback clients only
(``emulator/app.py`` refuses anyone else, and leaves them out of the request log):

- ``GET|DELETE /_emulator/requests`` — the request log (hooks are not logged);
- ``PUT|DELETE /_emulator/faults`` — fault injection, JSON (all keys optional);
  ``GET`` tells what was injected, by kind, and which scripted UI edits fired::

      {"seed": 1, "error500": 0.1, "error503": 0.1, "drop": 0.05,
       "latencyMs": 200, "latencyProbability": 1.0,
       "rateLimit": {"requests": 10, "perSeconds": 1, "retryAfter": 2},
       "echo": false,
       "script": [{"match": "auto-messages", "method": "PUT", "times": 1,
                   "status": 503, "retryAfter": 1, "drop": false, "latencyMs": 0,
                   "echo": false, "uiEdit": {…ui-edit body…}}]}

  ``script`` entries fire, in order, on the next requests whose path contains
  ``match`` (a substring of the path and query; and whose method is
  ``method``, if given), after letting
  ``skip`` of them pass; a ``uiEdit`` entry makes that edit just before the
  request is served (a concurrent writer); a ``hold`` entry parks the request
  until ``POST /_emulator/release/<hold>`` (at most ``holdSeconds``, 30);
  ``echo`` makes an injected error status (scripted, or drawn from
  ``error500``/``error503``) answer with the request itself, as a careless
  server or proxy does: ``true`` or ``"json"`` puts it in the error object,
  ``{"error": {"code", "message", "request": {"method", "body", "headers",
  "path"}}}`` (the body as the raw text it was sent as, the headers that carry
  credentials — ``Authorization``, ``X-LP-ON-BEHALF``, ``Cookie`` — first, so
  they are within the first 200 characters a client quotes); ``"text"`` answers
  ``text/plain``: a first line, then the request as it went on the wire
  (request line, header lines, blank line, body). A script entry's ``echo``
  wins over the top-level one, which applies to every injected status, e.g.
  ``{"script": [{"match": "login", "status": 400, "echo": true}]}`` or
  ``{"error500": 0.2, "echo": "text"}``;
- ``POST /_emulator/accounts/<id>/ui-edit`` — ``{"context": "skill/7",
  "messageEventId" | "id": …, "lang": "fr-FR", "msg": …}``: a human edit in
  the LivePerson UI (bumps the revision);
- ``POST /_emulator/tokens/expire`` — every bearer token expires now;
- ``GET /_emulator/sessions`` — the open Login Service sessions (logged in, not
  logged out, not expired) per account: ``{"<id>": [{"login", "loginName", "expiresIn"}]}``;
- ``GET /_emulator/dump`` and ``PUT /_emulator/load`` — the whole store in the
  data-file format.

The Connector side's hooks (``emulator/connector.py`` describes them):

- ``PUT /_emulator/accounts/<id>/connector-apps/<clientId>`` — adds or changes a
  connector app (JSON fields merged into the app);
- ``POST /_emulator/connector/tokens/expire`` — every AppJWT expires now;
- ``GET /_emulator/conversations`` — the conversations, the webhook deliveries, and how
  many notifications are still being sent (``sending``: a test waits for 0).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..context import current
from ..responses import error
from ..store import ACCOUNT, NotFound, Store

hooks = Blueprint("hooks", __name__, url_prefix="/_emulator")


@hooks.route("/requests", methods=["GET", "DELETE"])
def hook_requests() -> Response:
    emu = current()
    with emu.log_lock:
        if request.method == "DELETE":
            emu.request_log.clear()
            return jsonify([])
        return jsonify(list(emu.request_log))


@hooks.route("/faults", methods=["GET", "PUT", "DELETE"])
def hook_faults() -> Response:
    faults = current().faults
    if request.method == "GET":
        return jsonify(faults.report())
    spec = request.get_json(silent=True) if request.method == "PUT" else {}
    if not isinstance(spec, dict):
        return error(400, "expected a JSON object")
    faults.set(spec)
    return jsonify(spec)


@hooks.post("/release/<name>")
def hook_release(name: str) -> Response:
    current().faults.hold(name).set()
    return jsonify({})


@hooks.post("/accounts/<account_id>/ui-edit")
def hook_ui_edit(account_id: str) -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "expected a JSON object")
    try:
        revision = ui_edit(current().store, account_id, body)
    except (KeyError, NotFound) as exc:
        return error(404, f"cannot edit: {exc}")
    return jsonify({"revision": revision})


@hooks.get("/sessions")
def hook_sessions() -> Response:
    return jsonify(current().tokens.open_sessions())


@hooks.post("/tokens/expire")
def hook_expire() -> Response:
    current().tokens.expire_all()
    return jsonify({})


@hooks.get("/dump")
def hook_dump() -> Response:
    return jsonify(current().store.dump())


@hooks.put("/load")
def hook_load() -> Response:
    body = request.get_json(silent=True)
    try:
        current().store.load(body if isinstance(body, dict) else {})
    except (ValueError, TypeError, AttributeError) as exc:
        return error(400, str(exc))
    return jsonify({})


@hooks.put("/accounts/<account_id>/connector-apps/<client_id>")
def hook_connector_app(account_id: str, client_id: str) -> Response:
    emu = current()
    account = emu.store.account(account_id)
    body = request.get_json(silent=True)
    if account is None or not isinstance(body, dict):
        return error(400, "unknown account or not a JSON object")
    with emu.store.lock:
        found = emu.connector.app(account, client_id)
        if found is None:
            found = {"clientId": client_id}
            account.extra.setdefault("connectorApps", []).append(found)
        found.update(body)
    return jsonify(found)


@hooks.post("/connector/tokens/expire")
def hook_expire_app_tokens() -> Response:
    connector = current().connector
    with connector.lock:
        for token in connector.app_tokens.values():
            token["expires"] = 0.0
    return jsonify({})


@hooks.get("/conversations")
def hook_conversations() -> Response:
    connector = current().connector
    with connector.lock:
        return jsonify(
            {
                "conversations": connector.conversations,
                "deliveries": connector.deliveries,
                "sending": connector.sending,  # notifications whose delivery (retries too) is not over
            }
        )


def ui_edit(store: Store, account_id: str, body: dict[str, Any]) -> str:
    """A human edit in the LivePerson UI (the hook, or a scripted fault's ``uiEdit``):
    the account's new revision. KeyError or NotFound when there is nothing to edit."""
    with store.lock:
        account = store.account(account_id)
        if account is None:
            raise KeyError(f"unknown account {account_id}")
        unified = "messageEventId" in body
        address = str(body["messageEventId"] if unified else body["id"])
        account.ui_edit(body.get("context", ACCOUNT), address, body["lang"], body["msg"], unified)
        return str(account.revision)
