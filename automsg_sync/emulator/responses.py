"""Error answers in one shape for every emulator route."""

from __future__ import annotations

from flask import Response, jsonify


def error(status: int, message: str, **headers: str) -> Response:
    """``{"error": {"code", "message"}}`` with ``status``; ``Retry_After="2"`` sets ``Retry-After``."""
    response = jsonify({"error": {"code": status, "message": message}})
    response.status_code = status
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response
