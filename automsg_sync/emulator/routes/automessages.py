"""The Automatic Messages APIs, Unified and legacy: list (by context, merged, by id),
update under If-Match, and the undocumented stock texts LivePerson's UI reads.

How each reading the documentation leaves open is answered follows the account's
``behaviour`` switches (``emulator/store.py``)."""

from __future__ import annotations

import zlib
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ... import jsonio
from ..auth import authorised, guard
from ..context import current
from ..responses import error
from ..store import ACCOUNT, NotFound, documented_contexts, filter_langs, unified_view

EW = "/api/account/<account_id>/configuration/engagement-window"
LEGACY_PARAMS = {"v"}  # what the legacy pages and LivePerson's sample show (?v=1)

auto_messages_api = Blueprint("automessages", __name__)


@auto_messages_api.route(f"/<svc>{EW}/<flavour>", methods=["GET", "PUT", "POST"])
@auto_messages_api.route(f"/<svc>{EW}/<flavour>/<path:address>", methods=["GET", "PUT", "POST"])
def auto_messages(svc: str, account_id: str, flavour: str, address: str | None = None) -> Response:
    """Read (GET) or write (PUT, or POST with ``X-HTTP-Method-Override: PUT``) automatic messages."""
    if svc not in ("ro", "rw") or flavour not in ("auto-messages", "unified-auto-messages"):
        return error(404, "not found")
    store = current().store
    denied = guard(store, current().tokens, account_id)
    if denied:
        return denied
    method = request.method
    if method == "POST":
        if request.headers.get("X-HTTP-Method-Override", "").upper() != "PUT":
            return error(405, "POST needs X-HTTP-Method-Override: PUT")
        method = "PUT"
    unified = flavour == "unified-auto-messages"
    account = store.account(account_id)
    assert account is not None
    if not account.serves(unified):
        return error(404, f"this account has no {flavour} API")
    if account.behaviour["forbidden"] in ("both", "unified" if unified else "legacy"):
        privilege = "Unified Automatic Messages API" if unified else "Automatic Messages API"
        return error(403, f"not authorized: the credentials lack the {privilege} privilege")
    if not unified and account.behaviour["legacyParams"] == "documented":
        unknown = sorted(set(request.args) - LEGACY_PARAMS)
        if unknown:
            return error(400, f"unknown parameter {unknown[0]}")
    understood = account.behaviour["contexts"] == "understood"
    context, problem = _context(request.args, account) if understood else (ACCOUNT, None)
    if problem:
        return error(400, problem)
    with store.lock:
        if method == "GET":
            return _get(account, context, address, unified, understood)
        if svc == "ro":
            return error(403, "the read-only domain does not accept writes")
        return _put(account, context, address, unified)


def _revised(response: Response, account: Any) -> Response:
    if account.behaviour["revisionHeader"] != "none":
        response.headers[account.behaviour["revisionHeader"]] = str(account.revision)
    return response


def _get(account: Any, context: str, address: str | None, unified: bool, understood: bool) -> Response:
    revision = str(account.revision)
    if_match = request.headers.get("If-Match")
    if if_match is not None and if_match == revision:
        return _revised(Response(status=304), account)
    merge = request.args.get("merge_data", "true").lower() != "false"
    include_deleted = request.args.get("include_deleted", "false").lower() == "true"
    by_context = understood and request.args.get("view", "").upper() == "BY_CONTEXT"
    if by_context:
        objects = [
            dict(o, contexts=documented_contexts(ctxs, account.id)) for o, ctxs in account.by_context()
        ]
    elif context != ACCOUNT and merge:
        objects = account.merged(context)
    else:
        objects = account.context_objects(context)
    if address is not None:
        found = [o for o in objects if _addressed(o, address, unified)]
        if not found:
            return error(404, f"no automatic message {address} in {context}")
        objects = found
    if not include_deleted and address is None:
        objects = [o for o in objects if not o.get("deleted")]
    if unified:
        listed = account.behaviour["unifiedIds"] == "listed"
        objects = [unified_view(o, keep_id=listed or (by_context and address is not None)) for o in objects]
    langs = request.args.get("lang")
    if langs:
        objects = filter_langs(objects, {x.strip().lower() for x in langs.split(",") if x})
    select = request.args.get("select")
    if select:
        keep = {s.strip() for s in select.split(",")}
        objects = [{k: v for k, v in o.items() if k in keep} for o in objects]
    if address is not None and by_context:
        contexted = _contexted(objects, account.id)
        if unified and account.behaviour["unifiedIds"] == "hidden":
            for group in contexted.values():  # the id is the key, not a field (as documented)
                for key, obj in group.items():
                    group[key] = {k: v for k, v in obj.items() if k != "id"}
        return _revised(jsonify(contexted), account)
    return _revised(jsonify(objects[0] if address is not None else objects), account)


def _put(account: Any, context: str, address: str | None, unified: bool) -> Response:
    if_match = request.headers.get("If-Match")
    if if_match is None:
        return error(428, "a write needs If-Match with the current revision")
    if if_match != str(account.revision):
        status = int(account.behaviour["staleWrite"])
        return error(status, f"revision {if_match} is stale (current {account.revision})")
    try:
        body = jsonio.loads(request.get_data(as_text=True))
    except ValueError:
        return error(400, "the body is not JSON")
    if address is None and not account.behaviour["collectionArrays"]:
        return error(405, "PUT is not supported on the collection; address one object")
    items = body if isinstance(body, list) else [body]
    key = "messageEventId" if unified else "id"
    if address is not None and isinstance(body, dict) and not unified and "id" not in body:
        # the documented legacy PUT body has no id: the URL names the object
        body = items[0] = {"id": int(address) if address.isdigit() else address, **body}
    for item in items:
        problem = _bad_object(item, key)
        if problem:
            return error(400, problem)
    if account.behaviour["writeIds"] == "numeric":
        # update/delete pages: "unifiedAutoMessageId | Unique account config object ID |
        # Positive long number greater than zero"
        if address is not None and not (address.isdigit() and int(address) > 0):
            return error(400, f"unifiedAutoMessageId must be a positive long number, not {address!r}")
        if address is None and any(not _numeric_id(item) for item in items):
            return error(400, "each object of an array needs its numeric id")
    if address is not None:
        # a Unified body carries no id (as documented): a numeric URL names the object its
        # messageEventId names (the contexted get-by-id answer's key); nothing is added to it
        by_number = unified and isinstance(body, dict) and "id" not in body and address.isdigit()
        if isinstance(body, list) or not (by_number or _addressed(body, address, unified)):
            return error(400, f"the body's {key} does not match the URL")
    elif not isinstance(body, list):
        return error(400, "a PUT to the collection takes an array")
    try:
        written = account.put(context, items, unified)
    except NotFound as exc:
        return error(404, f"no automatic message {exc} in {context}")
    if unified:
        written = [unified_view(o) for o in written]
    return _revised(jsonify(written[0] if address is not None else written), account)


@auto_messages_api.get(
    "/<svc>/api/account/default/configuration/engagement-window/unified-auto-messages-defaults"
)
def stock_texts(svc: str) -> Response:
    """LivePerson's UI reads its stock texts here (seen only in public code that copied
    the UI's traffic; no page documents it): the literal account ``default``, so the
    account is the one the credentials are for. Objects shaped as the Unified API's."""
    emu = current()
    header = request.headers.get("Authorization", "")
    accounts = emu.store.accounts.values()
    account = next((a for a in accounts if authorised(emu.store, emu.tokens, a.id)), None) if header else None
    if svc not in ("ro", "rw") or account is None:
        return error(401 if svc in ("ro", "rw") else 404, "missing, invalid or expired credentials")
    if account.behaviour["defaults"] != "served":
        return error(404, "not found")
    return jsonify(
        [
            {
                "messageEventId": event_id,
                "data": [{"lang": lang, "msg": msg} for lang, msg in texts.items()],
            }
            for event_id, texts in account.stock_texts.items()
        ]
    )


def _context(args: Any, account: Any) -> tuple[str, str | None]:
    kind = args.get("context_type", "ACCOUNT").upper()
    if kind == "ACCOUNT":
        return ACCOUNT, None
    if kind == "SKILL":
        skill_id = args.get("context_id", "")
        if not skill_id:
            return "", "context_type=SKILL needs context_id"
        if not account.skill_exists(skill_id):
            return "", f"unknown skill {skill_id}"
        return f"skill/{skill_id}", None
    return "", f"unknown context_type {kind}"


def _addressed(obj: dict[str, Any], address: str, unified: bool) -> bool:
    """Unified: by ``messageEventId`` (or ``id``, where the object has one); legacy: by ``id``."""
    if unified and str(obj.get("messageEventId")) == address:
        return True
    return "id" in obj and str(obj["id"]) == address


def _contexted(objects: list[dict[str, Any]], account_id: str) -> dict[str, Any]:
    """The documented contexted get-by-id answer:
    ``{"SKILL": {"<n>": {…, "skillId": 3}}, "ACCOUNT": {"<n>": {…}}}``, keyed by the
    object's numeric id (a running number for an object without one)."""
    out: dict[str, dict[str, Any]] = {}
    number = 0
    for obj in objects:
        where = obj.get("contexts") or {"ACCOUNT": [account_id]}
        plain = {k: v for k, v in obj.items() if k != "contexts"}
        for kind, ids in where.items():
            for one in ids:
                number += 1
                entry = dict(plain, skillId=int(one)) if kind == "SKILL" and str(one).isdigit() else plain
                group = out.setdefault(kind, {})
                key = _key_of(obj) or str(number)
                if key in group:  # ids the data file repeats across contexts (LivePerson's are unique)
                    key = str(100_000 + zlib.crc32(f"{key}|{kind}|{one}".encode()) % 900_000)
                group[key] = entry
    return out


def _key_of(obj: dict[str, Any]) -> str | None:
    """An object's key in the contexted answer: its numeric id; for an object stored
    without one (data as the Unified pages show it), a stable number made from its
    messageEventId and contexts (one shared object, one number; a skill's override
    another)."""
    if _numeric_id(obj):
        return str(obj["id"])
    name = obj.get("messageEventId")
    if not isinstance(name, str):
        return None
    where = jsonio.dumps_text(obj.get("contexts") or {})
    return str(100_000 + zlib.crc32(f"{name}|{where}".encode()) % 900_000)


def _numeric_id(obj: Any) -> bool:
    value = obj.get("id") if isinstance(obj, dict) else None
    return (isinstance(value, int) and not isinstance(value, bool) and value > 0) or (
        isinstance(value, str) and value.isdigit() and int(value) > 0
    )


def _bad_object(item: Any, key: str) -> str | None:
    if not isinstance(item, dict):
        return "each message must be a JSON object"
    if item.get(key) in (None, ""):
        return f"each message needs its {key}"
    data = item.get("data")
    if not isinstance(data, list):
        return "each message needs a data array"
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(entry.get("lang"), str):
            return "each data entry needs a lang"
        if not isinstance(entry.get("msg"), str):
            return "each data entry needs a msg string"
    return None
