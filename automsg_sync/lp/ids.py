"""The numeric id a write URL names an object by.

The update/delete pages define ``{unifiedAutoMessageId}`` as a "Positive long
number greater than zero". A write URL names an object by its numeric ``id``: the
list's, else the key of the contexted get-by-id answer (``view=BY_CONTEXT``, one
GET, made only for a single-object write, cached: :class:`WriteAddresses`). Only
when no id can be learned is the ``messageEventId`` tried, once; a server that
refuses it stops the run before any other write (:class:`IdUnknown`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from .. import jsonio
from ..errors import ApiError
from ..model import Context
from .apis import ApiReader

log = logging.getLogger("automsg_sync.automessages")  # one logger for the Automatic Messages APIs


class IdUnknown(ApiError):
    """A write URL needed an object's numeric id, none could be learned, and the server
    refused its name: the run stops before any other write."""


class WriteAddresses:
    """The write paths of one account's objects, with the ids learned so far.

    ``flavour`` gives the API in use (deciding it with a read if none has yet)."""

    def __init__(self, reader: ApiReader, flavour: Callable[[], str]) -> None:
        self.reader = reader
        self.flavour = flavour
        self._ids: dict[tuple[Context, str], str | None] = {}  # learned numeric ids (None: none)
        self._tried_by_name: set[tuple[Context, str]] = set()

    def address(self, context: Context, path: str, name: str | None) -> tuple[str, bool]:
        """The path a write goes to, and whether it names the object by its messageEventId
        (no numeric id known or learnable). Only a single-object write names an object:
        ``path`` is its prepared path (``""``: the collection), ``name`` its messageEventId
        when its id may need learning."""
        if not path or name is None or path.strip("/").isdigit():
            return path, False
        key = (context, name)
        if key not in self._ids:
            self._ids[key] = self._learn_id(context, name)
        learned = self._ids[key]
        if learned is not None:
            return f"/{learned}", False
        if key not in self._tried_by_name:
            self._tried_by_name.add(key)
            log.warning(
                "%s|%s: no numeric id could be learned; writing it by its name, once",
                context,
                name,
            )
        return path, True

    def _learn_id(self, context: Context, event_id: str) -> str | None:
        """The numeric id of ``event_id`` in ``context``: the key of the contexted
        get-by-id answer (``{"SKILL": {"123": {…, "skillId": 1}}, "ACCOUNT": {"456": …}}``).
        None when the answer names none (or the server does not answer it)."""
        params = self.reader.params(None)
        params["view"] = "BY_CONTEXT"
        try:
            response = self.reader.read(
                self.flavour(), f"/{quote(event_id, safe='')}", params, None, ok=(200, 400, 404)
            )
        except ApiError as exc:
            log.info("%s|%s: the contexted get-by-id failed (%s): no id learned", context, event_id, exc)
            return None
        if response.status_code != 200:
            return None
        try:
            body = jsonio.loads(response.content)
        except ValueError:
            return None
        return numeric_id_in(body, context, event_id)


def numeric_id_in(body: Any, context: Context, event_id: str) -> str | None:
    """The numeric id of ``event_id`` in ``context`` from a get-by-id answer: the
    contexted one's key (``{"SKILL": {"123": {…, "skillId": 1}}, "ACCOUNT": {"456": …}}``)
    or a plain object's ``id``; None when it names none unambiguously."""
    if not isinstance(body, dict):
        return None
    if "messageEventId" in body or "data" in body:
        value = body.get("id")
        return str(value) if _positive(value) and body.get("messageEventId") in (None, event_id) else None
    kind = "ACCOUNT" if context.is_account else "SKILL"
    group = next((v for k, v in body.items() if str(k).upper() == kind), None)
    if not isinstance(group, dict):
        return None
    found = [
        key
        for key, obj in group.items()
        if isinstance(obj, dict)
        and obj.get("messageEventId", event_id) == event_id
        and (context.is_account or str(obj.get("skillId", context.skill_id)) == context.skill_id)
    ]
    return found[0] if len(found) == 1 and _positive(found[0]) else None


def _positive(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value > 0
    return isinstance(value, str) and value.isdigit() and int(value) > 0
