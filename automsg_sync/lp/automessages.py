"""Unified Automatic Messages and (legacy) Automatic Messages: list, get, update.

:class:`AutoMessagesApi` is the one face callers see; nothing above ``lp/`` learns
which API answers or which reading of the documentation is in force. Its parts:

- :mod:`.apis` — which API answers (``api = "auto"``: Unified, else legacy on a
  404 or 403; the first read decides, :attr:`AutoMessagesApi.flavour`), the
  parameters each gets, and the legacy API's 400 to its extra parameters;
- :mod:`.answers` — the answers read into objects: shapes, shared objects filed
  under a home context, what cannot be used left out and said;
- :mod:`.ids` — the numeric id a write URL names an object by;
- :mod:`.stock` — LivePerson's stock texts (Unified only).

What the documentation shows, and how it is read here:

- **Shapes.** Unified objects come without ``id``, ``templateId`` and
  ``isDefault``; legacy ones with them. An object is addressed by its ``id``
  when it has one, else by its ``messageEventId`` (the docs name both).
- **Proof of contexts.** The legacy API documents no query parameters; a
  server that ignores ``view`` answers without ``contexts``. Such an answer
  is filed under the account alone, :attr:`ContextListing.contexts_proven` is
  false, and :meth:`AutoMessagesApi.update` refuses any write that names a
  skill context — a skill's text must never land on the account default.
- **Revisions.** ``ac-revision``, else ``ETag``. A list or get that sends a
  known revision in ``If-Match`` and is answered ``304`` returns
  ``not_modified=True`` and no data. Writes always send the revision the
  caller diffed against (never ``-1``); a write without one is refused.
- **Writes.** Several objects go as one array to the collection URL (as the
  Users API documents batch updates), one object to ``…/{address}``;
  ``arrays = False`` (set by the writer when a server refuses arrays) sends
  one object per call. ``put_override`` sends ``POST`` with
  ``X-HTTP-Method-Override: PUT`` for proxies that block PUT.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

import requests

from .. import jsonio
from ..config import AccountSettings
from ..errors import ApiError, ApiStatusError
from ..model import AutoMessage, Context
from .answers import checked, json_body, objects_in, pick_context, revision_of, without_contexts
from .apis import AUTO, BASE, LEGACY, UNIFIED, ApiReader
from .auth import Connection
from .domain import READ_ONLY, READ_WRITE
from .ids import IdUnknown, WriteAddresses
from .stock import read_stock_texts

# what callers import from here: the face of the Automatic Messages APIs
__all__ = ["LEGACY", "UNIFIED", "AutoMessagesApi", "ContextListing", "Listing", "PreparedWrite"]

log = logging.getLogger("automsg_sync.automessages")


@dataclass(frozen=True)
class Listing:
    """Messages of one context (or ``None`` when not modified) and the revision."""

    messages: list[AutoMessage] | None
    revision: str
    not_modified: bool = False


@dataclass(frozen=True)
class ContextListing:
    """The ``view=BY_CONTEXT`` answer: every context's messages in one call.

    ``contexts`` files each object under its home context; ``shared`` names,
    for a (home context, messageEventId) whose object other contexts list
    too, those other contexts. ``contexts_proven`` is false when the answer
    showed no contexts at all (everything is then filed under the account).
    """

    contexts: dict[Context, list[AutoMessage]] | None
    revision: str
    not_modified: bool = False
    shared: dict[tuple[Context, str], tuple[Context, ...]] = field(default_factory=dict)
    contexts_proven: bool = True
    problems: tuple[str, ...] = ()  # what in the answer cannot be used, one line each (see answers.checked)


@dataclass(frozen=True)
class PreparedWrite:
    """One write call's request, built ahead of sending: the context it writes, the
    path below the API (``""``: the collection, else ``/{address}``), the JSON body
    and how many objects it carries."""

    context: Context
    path: str
    body: bytes
    count: int
    name: str | None = None  # a single object's messageEventId: its id may need learning


class AutoMessagesApi:
    """One account's automatic messages through one of the two APIs.

    ``api`` is ``"auto"`` (Unified, else legacy on a 404; ``hint`` names the API
    to try first, e.g. the one the last run found), ``"unified-auto-messages"``
    or ``"auto-messages"``. ``writable`` selects the Read/Write domain; reads
    then go there too, so that a diff and the write that follows it see the
    same data.
    """

    def __init__(
        self,
        conn: Connection,
        api: str = AUTO,
        *,
        writable: bool = False,
        put_override: bool = False,
        hint: str | None = None,
    ):
        self.conn = conn
        self.service = READ_WRITE if writable else READ_ONLY
        self._reader = ApiReader(conn, api, self.service, hint)
        self._addresses = WriteAddresses(self._reader, lambda: self.flavour)
        self.put_override = put_override
        self.arrays = True  # arrays to the collection URL; the writer turns this off if refused
        self.contexts_proven: bool | None = None  # None: no BY_CONTEXT answer seen yet

    @classmethod
    def for_account(
        cls, conn: Connection, account: AccountSettings, *, writable: bool = False, hint: str | None = None
    ) -> AutoMessagesApi:
        """The API an account is configured for (``api``, ``put_override``)."""
        return cls(conn, account.api, writable=writable, put_override=account.put_override, hint=hint)

    @property
    def flavour(self) -> str:
        """The API in use; the first read decides it for ``api = "auto"``."""
        if self._reader.flavour is None:
            self.list_by_context(if_match=None)
        assert self._reader.flavour is not None
        return self._reader.flavour

    @property
    def resolved(self) -> str | None:
        """The API in use, if a read has decided it yet (never sends a request)."""
        return self._reader.flavour

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
        """One context's messages (``merge_data=False``: its own overrides only, as the docs say)."""
        params = self._reader.params(context, include_deleted=include_deleted, langs=langs)
        params["merge_data"] = "true" if merge_data else "false"
        response = self._reader.get("", params, if_match)
        revision = revision_of(response)
        if response.status_code == 304:
            return Listing(None, revision or (if_match or ""), not_modified=True)
        return Listing([AutoMessage(without_contexts(o)) for o in objects_in(response)], revision)

    def list_by_context(
        self,
        *,
        langs: Sequence[str] = (),
        include_deleted: bool = True,
        if_match: str | None = None,
    ) -> ContextListing:
        """Every context in one call; skill contexts hold only their own objects.

        Deleted objects are read too (``include_deleted``): never exported or written
        (they are ``deleted``), but a deleted object still holds its name on the server,
        so a live object named like it is ambiguous to write (``…/{name}`` could reach
        either) and is left out, said (:func:`.answers.checked`).
        """
        params = self._reader.params(None, include_deleted=include_deleted, langs=langs)
        params["view"] = "BY_CONTEXT"
        params["merge_data"] = "false"
        response = self._reader.get("", params, if_match)
        revision = revision_of(response)
        if response.status_code == 304:
            return ContextListing(None, revision or (if_match or ""), not_modified=True)
        objects = objects_in(response)
        del response  # the body (30 MB on a large account) goes before the objects are built from it
        # an empty account proves nothing, and needs no proof: there is nothing to write
        proven = not objects or any(isinstance(o.get("contexts"), dict) for o in objects)
        self.contexts_proven = proven
        contexts, shared, problems = checked(objects, proven)
        if problems:
            log.warning("%d problem(s) in the account's automatic messages: left out", len(problems))
        if not proven:
            log.warning(
                "the %s API answered view=BY_CONTEXT without contexts: only the account level is "
                "read, and no skill context will be written",
                self._reader.flavour,
            )
        return ContextListing(
            contexts, revision, shared=shared, contexts_proven=proven, problems=tuple(problems)
        )

    def get(self, address: str, context: Context) -> tuple[AutoMessage, str]:
        """One object of one context; reads the documented contexted answer too
        (``{"SKILL": {"123": {…, "skillId": 1}}, "ACCOUNT": {"456": {…}}}``)."""
        params = self._reader.params(context, include_deleted=True)
        params["merge_data"] = "false"
        response = self._reader.get(f"/{quote(address, safe='')}", params, None)
        body = json_body(response)
        found = pick_context(body, context) if isinstance(body, dict) else None
        if found is None:
            raise ApiError(f"GET {self.flavour}/{address}: no object for {context} in the answer")
        return AutoMessage(without_contexts(found)), revision_of(response)

    def stock_texts(self) -> tuple[dict[tuple[str, str], str] | None, str]:
        """LivePerson's stock texts, by (messageEventId, language key), and a line saying
        why there are none (``""`` when there are): :func:`.stock.read_stock_texts`. Only
        for the Unified API (the legacy API marks stock texts itself, ``isDefault``)."""
        if self.flavour != UNIFIED:
            return None, ""
        return read_stock_texts(self.conn)

    # ---------------------------------------------------------------- writes

    def update(
        self, context: Context, messages: Sequence[AutoMessage], revision: str
    ) -> tuple[list[AutoMessage], str]:
        """Write whole objects in one call: one to ``…/{address}``, several as an array
        to the collection. Returns what the server answered and the new revision."""
        if not messages:
            self._check_write(context, revision)
            return [], revision
        response, new_revision = self._put(self.prepare(context, messages), revision)
        data = json_body(response) if response.content else []
        items = data if isinstance(data, list) else [data]
        return [AutoMessage(without_contexts(o)) for o in items if isinstance(o, dict)], new_revision

    def prepare(self, context: Context, messages: Sequence[AutoMessage]) -> PreparedWrite:
        """The request of a write of ``messages`` (not empty), built but not sent: the
        writer builds the next context's while the last one's is in flight. It holds
        no revision: :meth:`write` adds the one in hand when it sends it."""
        if not messages:
            raise ValueError("a write needs at least one object")
        if len(messages) == 1:
            one = messages[0]
            return PreparedWrite(
                context,
                f"/{quote(one.address, safe='')}",
                jsonio.dumps(dict(one.raw)),
                1,
                None if one.address.isdigit() else one.message_event_id,
            )
        return PreparedWrite(context, "", jsonio.dumps([dict(m.raw) for m in messages]), len(messages))

    def write(self, prepared: PreparedWrite, revision: str, sent: Callable[[], None] | None = None) -> str:
        """Send a prepared write with ``If-Match: revision``; return the new revision.

        The answer's objects are not read: the writer needs only the revision (the
        read-back confirms every unit), and on a large account parsing them was a
        tenth of the client's time in the writes. ``sent`` is called once the
        request has gone out, before its answer is awaited (:meth:`HttpClient.request`).
        """
        return self._put(prepared, revision, sent)[1]

    def _check_write(self, context: Context, revision: str) -> None:
        if not revision or revision == "-1":
            raise ApiError(
                "LivePerson gave no revision (neither ac-revision nor ETag) for the data this "
                "write is based on; refusing to write without a revision check"
            )
        if not context.is_account and self.contexts_proven is not True:
            raise ApiError(
                f"refusing to write {context}: the server has not shown that it understands "
                "contexts (its view=BY_CONTEXT answer carried none), so the write could land "
                "on the account default"
            )

    def _put(
        self, prepared: PreparedWrite, revision: str, sent: Callable[[], None] | None = None
    ) -> tuple[requests.Response, str]:
        # every check is made here, at sending time: a write prepared earlier is sent
        # under what holds now (the revision in hand, contexts proven, arrays allowed)
        self._check_write(prepared.context, revision)
        if prepared.count > 1 and not self.arrays:
            raise ValueError("one object per call once the server refused arrays")
        params = self._reader.params(prepared.context)
        headers = {"If-Match": revision, "Content-Type": "application/json"}
        method = "PUT"
        if self.put_override:
            method, headers["X-HTTP-Method-Override"] = "POST", "PUT"
        path, by_name = self._addresses.address(prepared.context, prepared.path, prepared.name)
        url_path = f"{BASE}/{self.flavour}{path}"
        try:
            response = self.conn.request(
                self.service, method, url_path, params=params, headers=headers, data=prepared.body, sent=sent
            )
        except ApiStatusError as exc:
            if by_name and exc.status in (400, 404, 405):
                raise IdUnknown(
                    f"{method} {self.flavour}{path}: LivePerson refused the message's name in the write URL "
                    f"({exc.status}) and no numeric id could be learned for it (its list entry has no id, "
                    "and the contexted get-by-id answer named none): stopped before any other write; the "
                    "writes before it stand"
                ) from None
            raise
        new_revision = revision_of(response)
        if not new_revision:
            raise ApiError(
                f"{method} {self.flavour}: the write was accepted but the answer carries no "
                "ac-revision or ETag header, so no further write can be revision-checked; "
                "re-run to confirm what was written and continue"
            )
        return response, new_revision
