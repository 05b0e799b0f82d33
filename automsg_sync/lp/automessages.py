"""Automatic Messages and Unified Automatic Messages: list, get, update.

Every call returns the data together with the collection's ``ac-revision``.
A list or get that sends a known revision in ``If-Match`` and is answered
``304`` returns ``not_modified=True`` and no data. Writes always send the
revision the caller diffed against (never ``-1``); a stale one raises
:class:`~automsg_sync.errors.RevisionConflict`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

from ..errors import ApiError
from ..model import AutoMessage, Context
from .auth import Connection
from .domain import READ_ONLY, READ_WRITE

API_VERSION = "2.0"
BASE = "/configuration/engagement-window"


@dataclass(frozen=True)
class Listing:
    """Messages of one context (or ``None`` when not modified) and the revision."""

    messages: list[AutoMessage] | None
    revision: str
    not_modified: bool = False


@dataclass(frozen=True)
class ContextListing:
    """The ``view=BY_CONTEXT`` answer: every context's messages in one call."""

    contexts: dict[Context, list[AutoMessage]] | None
    revision: str
    not_modified: bool = False


class AutoMessagesApi:
    """One account's automatic messages through one flavour of the API.

    ``flavour`` is ``"auto-messages"`` (objects addressed by numeric ``id``) or
    ``"unified-auto-messages"`` (addressed by ``messageEventId``). ``writable``
    selects the Read/Write domain; reads then go there too, so that a diff and
    the write that follows it see the same data.
    """

    def __init__(self, conn: Connection, flavour: str = "auto-messages", *, writable: bool = False):
        if flavour not in ("auto-messages", "unified-auto-messages"):
            raise ValueError(f"unknown API flavour {flavour!r}")
        self.conn = conn
        self.flavour = flavour
        self.service = READ_WRITE if writable else READ_ONLY

    # ---------------------------------------------------------------- reads

    def list_messages(
        self,
        context: Context,
        *,
        merge_data: bool = True,
        langs: Sequence[str] = (),
        include_deleted: bool = False,
        if_match: str | None = None,
    ) -> Listing:
        params = self._params(context, include_deleted=include_deleted, langs=langs)
        params["merge_data"] = "true" if merge_data else "false"
        response = self._get(f"{BASE}/{self.flavour}", params, if_match)
        revision = _revision(response)
        if response.status_code == 304:
            return Listing(None, revision or (if_match or ""), not_modified=True)
        return Listing([AutoMessage(o) for o in _objects(response)], revision)

    def list_by_context(
        self,
        *,
        langs: Sequence[str] = (),
        include_deleted: bool = False,
        if_match: str | None = None,
    ) -> ContextListing:
        """Every context in one call; skill contexts hold only their overrides."""
        params = self._params(None, include_deleted=include_deleted, langs=langs)
        params["view"] = "BY_CONTEXT"
        params["merge_data"] = "false"
        response = self._get(f"{BASE}/{self.flavour}", params, if_match)
        revision = _revision(response)
        if response.status_code == 304:
            return ContextListing(None, revision or (if_match or ""), not_modified=True)
        contexts: dict[Context, list[AutoMessage]] = {}
        for obj in _objects(response):
            item = dict(obj)
            where = item.pop("contexts", None) or {"ACCOUNT": [self.conn.account_id]}
            for context in _contexts_of(where):
                contexts.setdefault(context, []).append(AutoMessage(item))
        return ContextListing(contexts, revision)

    def get(self, message_id: str, context: Context) -> tuple[AutoMessage, str]:
        params = self._params(context, include_deleted=True)
        params["merge_data"] = "false"
        response = self._get(f"{BASE}/{self.flavour}/{quote(message_id, safe='')}", params, None)
        body = _json(response)
        if not isinstance(body, dict):
            raise ApiError(f"GET {self.flavour}/{message_id}: expected an object")
        return AutoMessage(body), _revision(response)

    # ---------------------------------------------------------------- writes

    def update(
        self, context: Context, messages: Sequence[AutoMessage], revision: str
    ) -> tuple[list[AutoMessage], str]:
        """PUT the whole objects: one as ``…/{id}``, several as an array to the collection."""
        if not revision or revision == "-1":
            raise ValueError("a write needs the revision it was computed against")
        if not messages:
            return [], revision
        params = self._params(context)
        headers = {"If-Match": revision}
        if len(messages) == 1:
            path = f"{BASE}/{self.flavour}/{quote(self.address(messages[0]), safe='')}"
            body: Any = dict(messages[0].raw)
        else:
            path = f"{BASE}/{self.flavour}"
            body = [dict(m.raw) for m in messages]
        response = self.conn.request(self.service, "PUT", path, params=params, headers=headers, json=body)
        data = _json(response)
        items = data if isinstance(data, list) else [data]
        return [AutoMessage(o) for o in items if isinstance(o, dict)], _revision(response)

    def address(self, message: AutoMessage) -> str:
        """How this flavour addresses an object in a URL."""
        return message.message_event_id if self.flavour == "unified-auto-messages" else message.id

    # ---------------------------------------------------------------- helpers

    def _params(
        self, context: Context | None, *, include_deleted: bool = False, langs: Sequence[str] = ()
    ) -> dict[str, str]:
        params = {"v": API_VERSION}
        if context is not None:
            params.update(context.query())
        if include_deleted:
            params["include_deleted"] = "true"
        if langs:
            params["lang"] = ",".join(langs)
        return params

    def _get(self, path: str, params: dict[str, str], if_match: str | None) -> requests.Response:
        headers = {"If-Match": if_match} if if_match else None
        return self.conn.request(self.service, "GET", path, params=params, headers=headers, ok=(200, 304))


def _revision(response: requests.Response) -> str:
    return response.headers.get("ac-revision", "")


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ApiError(f"{response.request.method} {response.url}: the body is not JSON") from None


def _objects(response: requests.Response) -> list[dict[str, Any]]:
    body = _json(response)
    if isinstance(body, dict):
        # Some deployments wrap lists; accept {"data": [...]} as well as a bare list.
        body = body.get("data", body.get("autoMessages", [body]))
    if not isinstance(body, list):
        raise ApiError(f"GET {response.url.split('?')[0]}: expected a list of messages")
    return [o for o in body if isinstance(o, dict)]


def _contexts_of(where: Any) -> list[Context]:
    out: list[Context] = []
    if not isinstance(where, dict):
        return [Context.account()]
    for kind, ids in where.items():
        if str(kind).upper() == "ACCOUNT":
            out.append(Context.account())
        elif str(kind).upper() == "SKILL":
            out.extend(Context.skill(i) for i in (ids or []))
    return out
