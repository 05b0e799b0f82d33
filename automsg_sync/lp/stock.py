"""LivePerson's stock texts of the Unified API: the text a message shows until someone
writes one, so that a live text equal to it counts as ``default``, not as translated.

``GET https://{accountConfigReadOnly}/api/account/default/configuration/
engagement-window/unified-auto-messages-defaults?v=2.0`` — no page documents it;
LivePerson's own UI reads it (seen in public code that copied the UI's traffic),
with the literal account ``default``. The legacy API marks stock texts itself
(``isDefault``).
"""

from __future__ import annotations

from .. import jsonio
from ..errors import ApiError
from ..model import language_key
from .apis import API_VERSION, BASE
from .auth import Connection
from .domain import READ_ONLY

_NO_STOCK = (
    "LivePerson's stock texts could not be read (the Unified API's undocumented defaults endpoint)"
    ": a live text equal to LivePerson's stock text is counted as translated, not as default"
)


def read_stock_texts(conn: Connection) -> tuple[dict[tuple[str, str], str] | None, str]:
    """LivePerson's stock texts, by (messageEventId, language key), and a line saying
    why there are none (``""`` when there are). A 404, a 403 or another shape is no
    error: the run works as before and says so once."""
    try:
        response = conn.request(
            READ_ONLY,
            "GET",
            f"{BASE}/unified-auto-messages-defaults",
            params={"v": API_VERSION},
            ok=(200, 400, 403, 404),
            account="default",
        )
    except ApiError as exc:
        return None, _NO_STOCK + f" ({exc})"
    if response.status_code != 200:
        return None, _NO_STOCK + f" (answer {response.status_code})"
    try:
        body = jsonio.loads(response.content)
    except ValueError:
        body = None
    found: dict[tuple[str, str], str] = {}
    items = body if isinstance(body, list) else []
    for item in items:
        data = item.get("data") if isinstance(item, dict) else None
        event_id = item.get("messageEventId") if isinstance(item, dict) else None
        if not isinstance(event_id, str) or not isinstance(data, list):
            continue
        for entry in data:
            if (
                isinstance(entry, dict)
                and isinstance(entry.get("lang"), str)
                and isinstance(entry.get("msg"), str)
            ):
                found[(event_id, language_key(entry["lang"]))] = entry["msg"]
    if not found:
        return None, _NO_STOCK + " (an answer of another shape)"
    return found, ""
