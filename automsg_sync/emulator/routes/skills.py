"""The Skills API: the account's skills, with their revision in ``ac-revision``."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ..auth import guard
from ..context import current
from ..responses import error

skills_api = Blueprint("skills", __name__)


@skills_api.get("/<svc>/api/account/<account_id>/configuration/le-users/skills")
def skills(svc: str, account_id: str) -> Response:
    """The account's skills (``include_deleted=true``: the deleted ones too)."""
    if svc not in ("ro", "rw"):
        return error(404, "not found")
    emu = current()
    denied = guard(emu.store, emu.tokens, account_id)
    if denied:
        return denied
    account = emu.store.account(account_id)
    assert account is not None
    include_deleted = request.args.get("include_deleted", "false").lower() == "true"
    with emu.store.lock:
        response = jsonify([s for s in account.skills if include_deleted or not s.get("deleted")])
        response.headers["ac-revision"] = str(account.skills_revision)
    return response
