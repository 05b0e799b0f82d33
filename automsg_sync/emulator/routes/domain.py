"""The Domain API (CSDS): which ``host:port/<prefix>`` serves which LivePerson service."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ..context import current
from ..responses import error

# Each service lives under a path prefix of the one server (see ``emulator/app.py``).
SERVICES = {
    "accountConfigReadOnly": "ro",
    "accountConfigReadWrite": "rw",
    "agentVep": "vep",
    "sentinel": "sentinel",
    "idp": "idp",
    "asyncMessagingEnt": "msg",
}

domain = Blueprint("domain", __name__)


def base_uris(account_id: str) -> list[dict[str, str]]:
    """Every service's base URI on the host the request came to (also in the login answer)."""
    return [
        {"service": name, "account": account_id, "baseURI": f"{request.host}/{prefix}"}
        for name, prefix in SERVICES.items()
    ]


@domain.get("/api/account/<account_id>/service/baseURI.json")
def csds_all(account_id: str) -> Response:
    """Every service's base URI for the account."""
    if current().store.account(account_id) is None:
        return error(404, f"unknown account {account_id}")
    return jsonify({"baseURIs": base_uris(account_id)})


@domain.get("/api/account/<account_id>/service/<name>/baseURI.json")
def csds_one(account_id: str, name: str) -> Response:
    """One service's base URI for the account."""
    if current().store.account(account_id) is None:
        return error(404, f"unknown account {account_id}")
    found = [u for u in base_uris(account_id) if u["service"] == name]
    if not found:
        return error(404, f"unknown service {name}")
    return jsonify(found[0])
