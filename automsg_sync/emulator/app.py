"""The emulator's HTTP surface: a LivePerson-compatible Flask app, assembled here from
a blueprint per API (``emulator/routes/``) and the pieces they share: the store, the
sessions, the Connector side, fault injection and the request log.

Each service lives under a path prefix of the one server, and the Domain API
hands out ``host:port/<prefix>`` as its base URI, so a client that follows
CSDS (as the real one must) reaches the right "domain"::

    accountConfigReadOnly → /ro    accountConfigReadWrite → /rw    agentVep → /vep
    sentinel → /sentinel           idp → /idp                      asyncMessagingEnt → /msg

The routes, by API:

- ``routes/domain.py`` — the Domain API (CSDS);
- ``routes/login.py`` — the Login Service and OAuth 2.0 client credentials (Sentinel v2);
- ``routes/automessages.py`` — the Automatic Messages APIs, Unified and legacy;
- ``routes/skills.py`` — the Skills API;
- ``routes/connector.py`` — the Connector API: AppJWT, ConsumerJWS, conversations;
- ``routes/hooks.py`` — the test hooks under ``/_emulator/``, loopback clients only;
  its docstring documents every hook and the fault-injection JSON.

Every request but a hook's is logged on arrival and may meet an injected fault
(:func:`_before`) before its route answers.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time

from flask import Flask, Response, g, jsonify, request

from ..urls import is_loopback
from .auth import Tokens
from .connector import Connector
from .context import Emulator, current
from .faults import Faults
from .responses import FastJSONProvider, error
from .routes.automessages import auto_messages_api
from .routes.connector import connector_api
from .routes.domain import SERVICES, domain
from .routes.hooks import hooks, ui_edit
from .routes.login import login_service
from .routes.skills import skills_api
from .store import NotFound, Store

log = logging.getLogger("automsg_sync.emulator")

BLUEPRINTS = (connector_api, login_service, domain, skills_api, auto_messages_api, hooks)


def create_app(store: Store, *, token_ttl: float = 8 * 3600) -> Flask:
    """The emulator as a WSGI app over ``store``."""
    app = Flask("automsg_sync.emulator")
    app.json = FastJSONProvider(app)
    Emulator(store, Faults(), Tokens(token_ttl), Connector(store)).install(app)
    app.before_request(_before)
    app.after_request(_after)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def _before() -> Response | None:
    """Hooks: loopback only, not logged. Anything else: logged, then its injected faults."""
    g.started = time.monotonic()
    if request.path.startswith("/_emulator/"):
        if not is_loopback(request.remote_addr or ""):
            return error(403, "test hooks answer loopback clients only")
        return None
    emu = current()
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
    with emu.log_lock:
        emu.request_log.append(g.log_entry)
    return _injected(emu)


def _injected(emu: Emulator) -> Response | None:
    """The request's faults, scripted first then drawn: a UI edit, a hold, latency, a
    dropped connection, an error status, or the account's rate limit; None to go on."""
    faults = emu.faults
    entry = faults.scripted(request.method, request.full_path) or {}
    if "uiEdit" in entry:
        try:
            ui_edit(emu.store, _account_of(request.path), entry["uiEdit"])
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


def _after(response: Response) -> Response:
    """The logged request's answer: its status (0 when dropped) and how long it took."""
    entry = getattr(g, "log_entry", None)
    if entry is not None:
        entry["status"] = getattr(g, "status", response.status_code)
        entry["ms"] = round((time.monotonic() - g.started) * 1000, 1)
    return response


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
