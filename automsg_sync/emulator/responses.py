"""Error answers in one shape for every emulator route, and the JSON every answer is written in."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.json.provider import DefaultJSONProvider

from .. import jsonio


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON, written by orjson (:mod:`automsg_sync.jsonio`): a large account's
    ``view=BY_CONTEXT`` answer is ~30 MB. Keys in the stored order, non-ASCII as is."""

    sort_keys = False
    ensure_ascii = False

    def response(self, *args: Any, **kwargs: Any) -> Response:
        return Response(
            jsonio.dumps(self._prepare_response_obj(args, kwargs)) + b"\n", mimetype=self.mimetype
        )


def error(status: int, message: str, **headers: str) -> Response:
    """``{"error": {"code", "message"}}`` with ``status``; ``Retry_After="2"`` sets ``Retry-After``."""
    response = jsonify({"error": {"code": status, "message": message}})
    response.status_code = status
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response
