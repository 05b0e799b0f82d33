"""The emulator's HTTP surface: a LivePerson-compatible Flask app.

Each service lives under a path prefix of the one server, and the Domain API
hands out ``host:port/<prefix>`` as its base URI, so a client that follows
CSDS (as the real one must) reaches the right "domain"::

    accountConfigReadOnly → /ro    accountConfigReadWrite → /rw    agentVep → /vep
    sentinel → /sentinel           idp → /idp                      asyncMessagingEnt → /msg

Test hooks under ``/_emulator/`` answer loopback clients only:

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
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import socket
import threading
import time
import zlib
from typing import Any

from flask import Flask, Response, g, jsonify, request
from oauthlib.oauth1 import SignatureOnlyEndpoint

from .. import jsonio
from ..urls import is_loopback
from .auth import BAD_AUTHENTICATION, OAuthValidator, Tokens, login_service_error
from .connector import Connector, register_connector
from .faults import Faults
from .responses import FastJSONProvider, error
from .store import ACCOUNT, NotFound, Store, documented_contexts, filter_langs, unified_view

log = logging.getLogger("automsg_sync.emulator")

SERVICES = {
    "accountConfigReadOnly": "ro",
    "accountConfigReadWrite": "rw",
    "agentVep": "vep",
    "sentinel": "sentinel",
    "idp": "idp",
    "asyncMessagingEnt": "msg",
}
EW = "/api/account/<account_id>/configuration/engagement-window"
OAUTH1_EOL = "OAuth 1.0 reached its end of life on 2026-05-31: use OAuth 2.0 client credentials"
LEGACY_PARAMS = {"v"}  # what the legacy pages and LivePerson's sample show (?v=1)


def _oauth_client(account: Any, client_id: str, secret: str) -> dict[str, Any] | None:
    """The installed OAuth 2.0 application with this id and secret (compared in constant time)."""
    for client in account.oauth_clients:
        if client_id and client.get("clientId") == client_id:
            known = str(client.get("clientSecret", ""))
            return client if hmac.compare_digest(known.encode(), secret.encode()) else None
    return None


def create_app(store: Store, *, token_ttl: float = 8 * 3600) -> Flask:
    """The emulator as a WSGI app over ``store``."""
    app = Flask("automsg_sync.emulator")
    app.json = FastJSONProvider(app)
    faults = Faults()
    tokens = Tokens(token_ttl)
    request_log: list[dict[str, Any]] = []
    log_lock = threading.Lock()
    connector = Connector(store)
    register_connector(app, store, connector)
    app.extensions["automsg"] = {"store": store, "faults": faults, "tokens": tokens, "connector": connector}

    # ------------------------------------------------------------------ plumbing

    @app.before_request
    def before() -> Response | None:
        g.started = time.monotonic()
        if request.path.startswith("/_emulator/"):
            if not is_loopback(request.remote_addr or ""):
                return error(403, "test hooks answer loopback clients only")
            return None
        # Logged on arrival, so the log's order is the order requests came in
        # even when a dropped request's thread finishes after its retry.
        g.log_entry = {
            "method": request.method,
            "path": request.path,
            "query": request.args.to_dict(flat=True),
            "service": _service_of(request.path),
            "ifMatch": request.headers.get("If-Match"),
            "status": None,
            "ms": None,
        }
        with log_lock:
            request_log.append(g.log_entry)
        entry = faults.scripted(request.method, request.full_path) or {}
        if "uiEdit" in entry:
            try:
                _ui_edit(store, _account_of(request.path), entry["uiEdit"])
                faults.count("ui-edit", {"uiEdit": entry["uiEdit"]})
            except (KeyError, NotFound):
                faults.count("ui-edit-missed")
        drawn = faults.draw()
        for key in ("status", "drop", "latencyMs"):
            if key not in entry and key in drawn:
                entry[key] = drawn[key]
        if entry.get("hold"):
            # Parked until the test releases it (bounded, so nothing hangs forever).
            faults.count("hold")
            faults.hold(str(entry["hold"])).wait(timeout=float(entry.get("holdSeconds", 30)))
        if entry.get("latencyMs"):
            faults.count("latency")
            time.sleep(float(entry["latencyMs"]) / 1000.0)
        if entry.get("drop"):
            faults.count("drop")
            g.status = g.log_entry["status"] = 0
            sock = request.environ.get("werkzeug.socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            return error(500, "connection dropped")
        if entry.get("status"):
            faults.count(f"status-{entry['status']}")
            headers = {"Retry-After": str(entry["retryAfter"])} if "retryAfter" in entry else {}
            echo = entry.get("echo", faults.spec.get("echo"))
            if echo:
                faults.count("echo")
                return _echo(int(entry["status"]), "text" if echo == "text" else "json", headers)
            return error(int(entry["status"]), "injected fault", **headers)
        account = _account_of(request.path)
        if account:
            wait = faults.rate_limited(account)
            if wait is not None:
                faults.count("status-429")
                return error(429, "too many requests", Retry_After=str(int(wait)))
        return None

    @app.after_request
    def after(response: Response) -> Response:
        entry = getattr(g, "log_entry", None)
        if entry is not None:
            entry["status"] = getattr(g, "status", response.status_code)
            entry["ms"] = round((time.monotonic() - g.started) * 1000, 1)
        return response

    def authorised(account_id: str) -> bool:
        header = request.headers.get("Authorization", "")
        account = store.account(account_id)
        if account is None:
            return False
        if header.startswith("Bearer "):
            token = header[len("Bearer ") :]
            if tokens.valid(token, account_id):
                return True
            return account.behaviour["sentinelTokens"] == "accepted" and tokens.app_token_valid(
                token, account_id
            )
        if header.startswith("OAuth "):
            if account.behaviour["oauth1"] == "eol":
                return False
            endpoint = SignatureOnlyEndpoint(OAuthValidator(account.api_keys))
            raw_path = request.environ.get("REQUEST_URI") or request.full_path
            uri = f"{request.scheme}://{request.host}{raw_path}"
            valid, _ = endpoint.validate_request(
                uri, http_method=request.method, body=None, headers={"Authorization": header}
            )
            return bool(valid)
        return False

    def guard(account_id: str) -> Response | None:
        account = store.account(account_id)
        if account is None:
            return error(404, f"unknown account {account_id}")
        if not authorised(account_id):
            if account.behaviour["oauth1"] == "eol" and request.headers.get("Authorization", "").startswith(
                "OAuth "
            ):
                return error(401, OAUTH1_EOL)
            return error(401, "missing, invalid or expired credentials")
        return None

    # ------------------------------------------------------------------ OAuth 2.0 (Sentinel v2)

    @app.post("/sentinel/sentinel/api/v2/account/<account_id>/app/token")
    def sentinel_v2(account_id: str) -> Response:
        """oauth-2-0-client-credentials.html, API V2: form client_id, client_secret,
        grant_type=client_credentials → {"access_token", "token_type": "Bearer"} (and
        ``expires_in`` when the client has a ``tokenTtl``)."""
        account = store.account(account_id)
        if account is None:
            return error(404, f"unknown account {account_id}")
        if request.form.get("grant_type") != "client_credentials":
            return error(400, "grant_type must be client_credentials")
        found = _oauth_client(
            account, request.form.get("client_id", ""), request.form.get("client_secret", "")
        )
        if found is None:
            return error(401, "invalid client credentials")
        ttl = found.get("tokenTtl")
        life = float(ttl) if isinstance(ttl, int | float) else 3600.0
        answer: dict[str, Any] = {
            "access_token": tokens.issue_app_token(account_id, str(found["clientId"]), life),
            "token_type": "Bearer",
        }
        if ttl is not None:
            answer["expires_in"] = ttl
        return jsonify(answer)

    # ------------------------------------------------------------------ CSDS

    def base_uris(account_id: str) -> list[dict[str, str]]:
        return [
            {"service": name, "account": account_id, "baseURI": f"{request.host}/{prefix}"}
            for name, prefix in SERVICES.items()
        ]

    @app.get("/api/account/<account_id>/service/baseURI.json")
    def csds_all(account_id: str) -> Response:
        if store.account(account_id) is None:
            return error(404, f"unknown account {account_id}")
        return jsonify({"baseURIs": base_uris(account_id)})

    @app.get("/api/account/<account_id>/service/<name>/baseURI.json")
    def csds_one(account_id: str, name: str) -> Response:
        if store.account(account_id) is None:
            return error(404, f"unknown account {account_id}")
        found = [u for u in base_uris(account_id) if u["service"] == name]
        if not found:
            return error(404, f"unknown service {name}")
        return jsonify(found[0])

    # ------------------------------------------------------------------ login

    @app.post("/vep/api/account/<account_id>/login")
    def login(account_id: str) -> Response:
        account = store.account(account_id)
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
        oauth1_ok = app_login and any(
            all(k.get(f) == body.get(f) for f in app_fields) for k in account.api_keys
        )
        if oauth1_ok and account.behaviour["oauth1"] == "eol":
            return login_service_error(401, OAUTH1_EOL, 1)
        # the application-login page today: appKey = OAuth 2.0 client id, secret = its secret,
        # accessToken/accessTokenSecret placeholders ("deprecated values")
        client = (
            _oauth_client(account, str(body.get("appKey", "")), str(body.get("secret", "")))
            if app_login
            else None
        )
        oauth2_ok = client is not None and client.get("botUser", username) == username
        app_ok = oauth1_ok or oauth2_ok
        if not (user_ok or app_ok):
            return login_service_error(401, BAD_AUTHENTICATION, 1)
        session = tokens.issue(account_id, "app" if app_ok else "user", str(username))
        # The documented answer (lp-examples/login.response.json), bearer last.
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

    @app.post("/vep/api/account/<account_id>/refresh")
    def refresh(account_id: str) -> Response:
        found = tokens.check(account_id, request.cookies.get("Session_id", ""), request.get_json(silent=True))
        if isinstance(found, Response):
            return found
        tokens.refresh(found)
        response = Response(status=200)  # documented: 200 with an empty body
        account = store.account(account_id)
        if account is not None and account.behaviour["sessionRotation"] == "on":
            response.set_cookie("Session_id", tokens.rotate(found), httponly=True, secure=request.is_secure)
        return response

    @app.post("/vep/api/account/<account_id>/logout")
    def logout(account_id: str) -> Response:
        found = tokens.check(account_id, request.cookies.get("Session_id", ""), request.get_json(silent=True))
        if isinstance(found, Response):
            return found
        tokens.log_out(found)
        return Response(status=200)  # documented: 200 with an empty body

    # ------------------------------------------------------------------ skills

    @app.get("/<svc>/api/account/<account_id>/configuration/le-users/skills")
    def skills(svc: str, account_id: str) -> Response:
        if svc not in ("ro", "rw"):
            return error(404, "not found")
        denied = guard(account_id)
        if denied:
            return denied
        account = store.account(account_id)
        assert account is not None
        include_deleted = request.args.get("include_deleted", "false").lower() == "true"
        with store.lock:
            response = jsonify([s for s in account.skills if include_deleted or not s.get("deleted")])
            response.headers["ac-revision"] = str(account.skills_revision)
        return response

    # ------------------------------------------------------------------ automatic messages

    @app.route(f"/<svc>{EW}/<flavour>", methods=["GET", "PUT", "POST"])
    @app.route(f"/<svc>{EW}/<flavour>/<path:address>", methods=["GET", "PUT", "POST"])
    def auto_messages(svc: str, account_id: str, flavour: str, address: str | None = None) -> Response:
        if svc not in ("ro", "rw") or flavour not in ("auto-messages", "unified-auto-messages"):
            return error(404, "not found")
        denied = guard(account_id)
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
            objects = [
                unified_view(o, keep_id=listed or (by_context and address is not None)) for o in objects
            ]
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

    # ------------------------------------------------------------------ stock texts (undocumented)

    @app.get("/<svc>/api/account/default/configuration/engagement-window/unified-auto-messages-defaults")
    def stock_texts(svc: str) -> Response:
        """LivePerson's UI reads its stock texts here (seen only in public code that copied
        the UI's traffic; no page documents it): the literal account ``default``, so the
        account is the one the credentials are for. Objects shaped as the Unified API's."""
        header = request.headers.get("Authorization", "")
        account = next((a for a in store.accounts.values() if authorised(a.id)), None) if header else None
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

    # ------------------------------------------------------------------ hooks

    @app.route("/_emulator/requests", methods=["GET", "DELETE"])
    def hook_requests() -> Response:
        with log_lock:
            if request.method == "DELETE":
                request_log.clear()
                return jsonify([])
            return jsonify(list(request_log))

    @app.route("/_emulator/faults", methods=["GET", "PUT", "DELETE"])
    def hook_faults() -> Response:
        if request.method == "GET":
            return jsonify(faults.report())
        spec = request.get_json(silent=True) if request.method == "PUT" else {}
        if not isinstance(spec, dict):
            return error(400, "expected a JSON object")
        faults.set(spec)
        return jsonify(spec)

    @app.post("/_emulator/release/<name>")
    def hook_release(name: str) -> Response:
        faults.hold(name).set()
        return jsonify({})

    @app.post("/_emulator/accounts/<account_id>/ui-edit")
    def hook_ui_edit(account_id: str) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return error(400, "expected a JSON object")
        try:
            revision = _ui_edit(store, account_id, body)
        except (KeyError, NotFound) as exc:
            return error(404, f"cannot edit: {exc}")
        return jsonify({"revision": revision})

    @app.get("/_emulator/sessions")
    def hook_sessions() -> Response:
        return jsonify(tokens.open_sessions())

    @app.post("/_emulator/tokens/expire")
    def hook_expire() -> Response:
        tokens.expire_all()
        return jsonify({})

    @app.get("/_emulator/dump")
    def hook_dump() -> Response:
        return jsonify(store.dump())

    @app.put("/_emulator/load")
    def hook_load() -> Response:
        body = request.get_json(silent=True)
        try:
            store.load(body if isinstance(body, dict) else {})
        except (ValueError, TypeError, AttributeError) as exc:
            return error(400, str(exc))
        return jsonify({})

    return app


def _ui_edit(store: Store, account_id: str, body: dict[str, Any]) -> str:
    with store.lock:
        account = store.account(account_id)
        if account is None:
            raise KeyError(f"unknown account {account_id}")
        unified = "messageEventId" in body
        address = str(body["messageEventId"] if unified else body["id"])
        account.ui_edit(body.get("context", ACCOUNT), address, body["lang"], body["msg"], unified)
        return str(account.revision)


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


def _account_of(path: str) -> str:
    parts = path.split("/")
    if "account" in parts:
        i = parts.index("account")
        if i + 1 < len(parts):
            return parts[i + 1]
    return ""


def _service_of(path: str) -> str:
    first = path.split("/")[1] if path.count("/") > 1 else ""
    names = {v: k for k, v in SERVICES.items()}
    return names.get(first, "csds" if first == "api" else first)


_CREDENTIAL_HEADERS = ("authorization", "x-lp-on-behalf", "cookie")


def _echo(status: int, shape: str, headers: dict[str, str]) -> Response:
    """An error answer that gives the request back: body and headers, credentials first."""
    sent = sorted(request.headers.items(), key=lambda kv: kv[0].lower() not in _CREDENTIAL_HEADERS)
    body = request.get_data(as_text=True)
    message = "injected fault (echo of the request)"
    if shape == "text":
        lines = [message, f"{request.method} {request.full_path.rstrip('?')} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in sent]
        response = Response("\r\n".join([*lines, "", body]), status=status, mimetype="text/plain")
    else:
        echoed = {"method": request.method, "body": body, "headers": dict(sent), "path": request.full_path}
        response = jsonify({"error": {"code": status, "message": message, "request": echoed}})
        response.status_code = status
    response.headers.update(headers)
    return response
