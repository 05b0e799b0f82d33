"""Unified Automatic Messages and (legacy) Automatic Messages: list, get, update.

Which API (lp-api.md): ``api = "auto"`` (the default) uses Unified
Automatic Messages, LivePerson's current API, and falls back to the legacy
``auto-messages`` API when the account answers 404 for it; the first read
decides, and the choice holds for the object's life (``flavour``).

What the documentation shows, and how this module reads it:

- **Shapes.** Unified objects come without ``id``, ``templateId`` and
  ``isDefault``; legacy ones with them. An object is addressed by its ``id``
  when it has one, else by its ``messageEventId`` (the docs name both).
- **Contexts.** ``view=BY_CONTEXT`` gives every object once with the contexts
  it belongs to (``{"SKILL": ["3"], "ACCOUNT": ["111"]}``). An object listed by
  several contexts is **one shared object**, not an override per context: it
  is filed under one *home* context — the account when the account is among
  its contexts, else its lowest-numbered skill — and the others are kept in
  :attr:`ContextListing.shared`. A skill that lists a shared object has no
  override of its own for it.
- **Proof of contexts.** The legacy API documents no query parameters; a
  server that ignores ``view`` answers without ``contexts``. Such an answer
  is filed under the account alone, :attr:`ContextListing.contexts_proven` is
  false, and :meth:`AutoMessagesApi.update` refuses any write that names a
  skill context — a skill's text must never land on the account default.
- **Revisions.** ``ac-revision``, else ``ETag``. A list or get that sends a
  known revision in ``If-Match`` and is answered ``304`` returns
  ``not_modified=True`` and no data. Writes always send the revision the
  caller diffed against (never ``-1``); a write without one is refused.
- **Which API answers.** Under ``api = "auto"`` a 404 *or a 403* on the Unified
  read tries the legacy API: the privileges are separate per API ("Unified
  Automatic Messages API", "Automatic Messages API"); a 403 on both names the
  missing privileges in words.
- **Parameters.** The Unified API gets ``v=2.0`` and its documented parameters.
  The legacy API documents none; LivePerson's own sample sends ``v=1``, and so do
  we, with ``view``/``include_deleted``/``merge_data``/``context_*`` besides; a 400
  to those means "this reading is not supported": the read is made again with
  ``v`` alone (and every later call sends ``v`` alone), so only the account level
  is read and written (contexts unproven), never a fatal error.
- **Ids in write URLs.** The update/delete pages define ``{unifiedAutoMessageId}``
  as a "Positive long number greater than zero". A write URL names an object by its
  numeric ``id``: the list's, else the key of the contexted get-by-id answer
  (``view=BY_CONTEXT``, one GET, made only for a single-object write, cached).
  Only when no id can be learned is the ``messageEventId`` tried, once; a server
  that refuses it stops the run before any other write (:class:`IdUnknown`).
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
from typing import Any
from urllib.parse import quote

import requests

from .. import jsonio
from ..config import AccountSettings
from ..errors import ApiError, ApiStatusError
from ..model import SKILL_ID, AutoMessage, Context, language_key
from .auth import Connection
from .domain import READ_ONLY, READ_WRITE

log = logging.getLogger("automsg_sync.automessages")

API_VERSION = "2.0"  # the Unified pages: "2.0 is the current version"
_NO_STOCK = (
    "LivePerson's stock texts could not be read (the Unified API's undocumented defaults endpoint)"
    ": a live text equal to LivePerson's stock text is counted as translated, not as default"
)
LEGACY_VERSION = "1"  # the legacy pages show none; LivePerson's sample script sends ?v=1
PRIVILEGES = {
    "unified-auto-messages": "Unified Automatic Messages API",
    "auto-messages": "Automatic Messages API",
}
BASE = "/configuration/engagement-window"
UNIFIED = "unified-auto-messages"
LEGACY = "auto-messages"
AUTO = "auto"
APIS = (AUTO, UNIFIED, LEGACY)


class IdUnknown(ApiError):
    """A write URL needed an object's numeric id, none could be learned, and the server
    refused its name: the run stops before any other write."""


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
    problems: tuple[str, ...] = ()  # what in the answer cannot be used, one line each (see _checked)


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
        if api not in APIS:
            raise ValueError(f"unknown Automatic Messages API {api!r}")
        self.conn = conn
        self._candidates = (
            [api]
            if api != AUTO
            else ([hint, _other(hint)] if hint in (UNIFIED, LEGACY) else [UNIFIED, LEGACY])
        )
        self._flavour: str | None = api if api != AUTO else None
        self.service = READ_WRITE if writable else READ_ONLY
        self.put_override = put_override
        self.arrays = True  # arrays to the collection URL; the writer turns this off if refused
        self.contexts_proven: bool | None = None  # None: no BY_CONTEXT answer seen yet
        self.bare_params = False  # the legacy API refused its extra parameters: v alone from then on
        self._ids: dict[tuple[Context, str], str | None] = {}  # learned numeric ids (None: none)
        self._tried_by_name: set[tuple[Context, str]] = set()

    @classmethod
    def for_account(
        cls, conn: Connection, account: AccountSettings, *, writable: bool = False, hint: str | None = None
    ) -> AutoMessagesApi:
        """The API an account is configured for (``api``, ``put_override``)."""
        return cls(conn, account.api, writable=writable, put_override=account.put_override, hint=hint)

    @property
    def flavour(self) -> str:
        """The API in use; the first read decides it for ``api = "auto"``."""
        if self._flavour is None:
            self.list_by_context(if_match=None)
        assert self._flavour is not None
        return self._flavour

    @property
    def resolved(self) -> str | None:
        """The API in use, if a read has decided it yet (never sends a request)."""
        return self._flavour

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
        response = self._get("", params, if_match)
        revision = _revision(response)
        if response.status_code == 304:
            return Listing(None, revision or (if_match or ""), not_modified=True)
        return Listing([AutoMessage(_without_contexts(o)) for o in _objects(response)], revision)

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
        either) and is left out, said (:func:`_checked`).
        """
        params = self._params(None, include_deleted=include_deleted, langs=langs)
        params["view"] = "BY_CONTEXT"
        params["merge_data"] = "false"
        response = self._get("", params, if_match)
        revision = _revision(response)
        if response.status_code == 304:
            return ContextListing(None, revision or (if_match or ""), not_modified=True)
        objects = _objects(response)
        del response  # the body (30 MB on a large account) goes before the objects are built from it
        # an empty account proves nothing, and needs no proof: there is nothing to write
        proven = not objects or any(isinstance(o.get("contexts"), dict) for o in objects)
        self.contexts_proven = proven
        contexts, shared, problems = _checked(objects, proven)
        if problems:
            log.warning("%d problem(s) in the account's automatic messages: left out", len(problems))
        if not proven:
            log.warning(
                "the %s API answered view=BY_CONTEXT without contexts: only the account level is "
                "read, and no skill context will be written",
                self._flavour,
            )
        return ContextListing(
            contexts, revision, shared=shared, contexts_proven=proven, problems=tuple(problems)
        )

    def get(self, address: str, context: Context) -> tuple[AutoMessage, str]:
        """One object of one context; reads the documented contexted answer too
        (``{"SKILL": {"123": {…, "skillId": 1}}, "ACCOUNT": {"456": {…}}}``)."""
        params = self._params(context, include_deleted=True)
        params["merge_data"] = "false"
        response = self._get(f"/{quote(address, safe='')}", params, None)
        body = _json(response)
        found = pick_context(body, context) if isinstance(body, dict) else None
        if found is None:
            raise ApiError(f"GET {self.flavour}/{address}: no object for {context} in the answer")
        return AutoMessage(_without_contexts(found)), _revision(response)

    def stock_texts(self) -> tuple[dict[tuple[str, str], str] | None, str]:
        """LivePerson's stock texts, by (messageEventId, language key), and a line saying
        why there are none (``""`` when there are).

        ``GET https://{accountConfigReadOnly}/api/account/default/configuration/
        engagement-window/unified-auto-messages-defaults?v=2.0`` — no page documents it;
        LivePerson's own UI reads it (seen in public code that copied the UI's traffic),
        with the literal account ``default``. Only for the Unified API (the legacy API
        marks stock texts itself, ``isDefault``). A 404, a 403 or another shape is no
        error: the run works as before and says so once."""
        if self.flavour != UNIFIED:
            return None, ""
        try:
            response = self.conn.request(
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
        data = _json(response) if response.content else []
        items = data if isinstance(data, list) else [data]
        return [AutoMessage(_without_contexts(o)) for o in items if isinstance(o, dict)], new_revision

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
        params = self._params(prepared.context)
        headers = {"If-Match": revision, "Content-Type": "application/json"}
        method = "PUT"
        if self.put_override:
            method, headers["X-HTTP-Method-Override"] = "POST", "PUT"
        path, by_name = self._address(prepared)
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
        new_revision = _revision(response)
        if not new_revision:
            raise ApiError(
                f"{method} {self.flavour}: the write was accepted but the answer carries no "
                "ac-revision or ETag header, so no further write can be revision-checked; "
                "re-run to confirm what was written and continue"
            )
        return response, new_revision

    def _address(self, prepared: PreparedWrite) -> tuple[str, bool]:
        """The path a write goes to, and whether it names the object by its messageEventId
        (no numeric id known or learnable). Only a single-object write names an object."""
        if not prepared.path or prepared.name is None or prepared.path.strip("/").isdigit():
            return prepared.path, False
        key = (prepared.context, prepared.name)
        if key not in self._ids:
            self._ids[key] = self._learn_id(prepared.context, prepared.name)
        learned = self._ids[key]
        if learned is not None:
            return f"/{learned}", False
        if key not in self._tried_by_name:
            self._tried_by_name.add(key)
            log.warning(
                "%s|%s: no numeric id could be learned; writing it by its name, once",
                prepared.context,
                prepared.name,
            )
        return prepared.path, True

    def _learn_id(self, context: Context, event_id: str) -> str | None:
        """The numeric id of ``event_id`` in ``context``: the key of the contexted
        get-by-id answer (``{"SKILL": {"123": {…, "skillId": 1}}, "ACCOUNT": {"456": …}}``).
        None when the answer names none (or the server does not answer it)."""
        params = self._params(None)
        params["view"] = "BY_CONTEXT"
        try:
            response = self._read(
                self.flavour, f"/{quote(event_id, safe='')}", params, None, ok=(200, 400, 404)
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

    # ---------------------------------------------------------------- helpers

    def _params(
        self, context: Context | None, *, include_deleted: bool = False, langs: Sequence[str] = ()
    ) -> dict[str, str]:
        params = {"v": LEGACY_VERSION if self._flavour == LEGACY else API_VERSION}
        if self.bare_params:
            return params
        if context is not None:
            params.update(context.query())
        if include_deleted:
            params["include_deleted"] = "true"
        if langs:
            params["lang"] = ",".join(langs)
        return params

    def _get(self, path: str, params: dict[str, str], if_match: str | None) -> requests.Response:
        headers = {"If-Match": if_match} if if_match else None
        if self._flavour:
            return self._read_params(self._flavour, path, params, headers, ok=(200, 304))
        answers: dict[str, int] = {}
        for flavour in self._candidates:
            # a 404 (the account lacks that API) or a 403 (the credentials lack its
            # privilege: separate per API) while the API is undecided is an answer, not a
            # failure, and the next API is tried
            ok = (200, 304, 404, 403) if len(self._candidates) > 1 else (200, 304, 404)
            if flavour == LEGACY:
                params = {**params, "v": LEGACY_VERSION}
            response = self._read_params(flavour, path, params, headers, ok=ok)
            if response.status_code not in (403, 404):
                self._flavour = flavour
                log.info("using the %s API", flavour)
                return response
            answers[flavour] = response.status_code
            log.info("the account answers %d for the %s API", response.status_code, flavour)
        forbidden = [PRIVILEGES[f] for f, status in answers.items() if status == 403]
        if forbidden:
            raise ApiError(
                f"account {self.conn.account_id}: the credentials lack the {' and the '.join(forbidden)} "
                "privilege (403); an administrator grants it to the API key or OAuth 2.0 application, "
                "or to the user's profile (docs/liveperson.md, Privileges)"
            )
        raise ApiError(
            f"account {self.conn.account_id}: no Automatic Messages API answers "
            f"({' and '.join(self._candidates)}: 404): is the account id right?"
        )

    def _read_params(
        self,
        flavour: str,
        path: str,
        params: dict[str, str],
        headers: dict[str, str] | None,
        ok: tuple[int, ...],
    ) -> requests.Response:
        """A read; the legacy API answering 400 to its extra parameters is read again with
        ``v`` alone (see the module docstring), and keeps to that from then on."""
        extra = flavour == LEGACY and not self.bare_params and set(params) - {"v"}
        response = self._read(flavour, path, params, headers, ok=(*ok, 400) if extra else ok)
        if response.status_code != 400:
            return response
        log.warning(
            "the %s API refused the parameters %s (400): reading it with v alone, so only the account "
            "level is read and written",
            flavour,
            ", ".join(sorted(set(params) - {"v"})),
        )
        self.bare_params = True
        return self._read(flavour, path, {"v": params["v"]}, headers, ok=ok)

    def _read(
        self,
        flavour: str,
        path: str,
        params: dict[str, str],
        headers: dict[str, str] | None,
        ok: tuple[int, ...],
    ) -> requests.Response:
        url = f"{BASE}/{flavour}{path}"
        return self.conn.request(self.service, "GET", url, params=params, headers=headers, ok=ok)


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


def home_context(contexts: Sequence[Context]) -> Context:
    """Where a (possibly shared) object is filed: the account if it is among the
    object's contexts, else its lowest-numbered skill; no contexts → the account."""
    if not contexts or any(c.is_account for c in contexts):
        return Context.account()
    return min(contexts)


def pick_context(body: dict[str, Any], context: Context) -> dict[str, Any] | None:
    """The object for ``context`` in a get-by-id answer: a plain object, or the
    documented contexted dict keyed by context type, then by a number."""
    if "messageEventId" in body or "data" in body:
        return body
    kind = "ACCOUNT" if context.is_account else "SKILL"
    group = next((v for k, v in body.items() if str(k).upper() == kind), None)
    if not isinstance(group, dict):
        return None
    objects = [o for o in group.values() if isinstance(o, dict)]
    if not context.is_account and any("skillId" in o for o in objects):
        # never another skill's object: with skillIds given, only the asked skill's counts
        objects = [o for o in objects if str(o.get("skillId")) == context.skill_id]
    if len(objects) != 1:
        return None
    return {k: v for k, v in objects[0].items() if k != "skillId" or context.is_account}


def _other(flavour: str | None) -> str:
    return LEGACY if flavour == UNIFIED else UNIFIED


def _revision(response: requests.Response) -> str:
    return response.headers.get("ac-revision") or response.headers.get("ETag") or ""


def _json(response: requests.Response) -> Any:
    try:
        return jsonio.loads(response.content)
    except ValueError:
        raise ApiError(f"{response.request.method} {response.url}: the body is not JSON") from None


def _without_contexts(obj: dict[str, Any]) -> dict[str, Any]:
    # `contexts` describes where the object is listed; it is not part of the object
    # a write sends back (the documented PUT body has none)
    return {k: v for k, v in obj.items() if k != "contexts"} if "contexts" in obj else obj


def _objects(response: requests.Response) -> list[dict[str, Any]]:
    body = _json(response)
    if isinstance(body, dict):
        # Some deployments wrap lists; accept {"data": [...]} as well as a bare list.
        body = body.get("data", body.get("autoMessages", [body]))
    if not isinstance(body, list):
        raise ApiError(f"GET {response.url.split('?')[0]}: expected a list of messages")
    return [o for o in body if isinstance(o, dict)]


def _checked(
    objects: list[dict[str, Any]], proven: bool
) -> tuple[dict[Context, list[AutoMessage]], dict[tuple[Context, str], tuple[Context, ...]], list[str]]:
    """The objects filed by context, with what cannot be used left out and said, one
    line each, as ``"<context>|<messageEventId>: <problem>: left out"``.

    An object is left out whole when its ``messageEventId`` is missing, empty or
    not a string, its ``id`` is neither a number nor a string, its ``data`` is not
    a list, its ``contexts`` is not an object, or every context it names is a
    skill id that is not a number; two objects named alike in a context — one
    ``messageEventId`` or ``id`` string, counting shared objects in every context they
    are in and the objects left out too (the server still finds them by that name) —
    are both left out: a write to ``…/{name}`` could land on either.
    A skill id that is not a number leaves out that context only. Within a kept
    object, the language entries that cannot be used are left out
    (:meth:`AutoMessage.problems`). Nothing here changes an object: what is kept
    is written back exactly as it came.
    """
    problems: list[str] = []
    kept: list[tuple[Context, tuple[Context, ...], AutoMessage]] = []
    # a URL names an object by a string: every object's messageEventId and id take up that
    # string in its contexts, the objects left out too (the server still finds them)
    taken: dict[tuple[Context, str], int] = {}
    # each object's contexts and names, read once
    read = [
        (
            _contexts_checked(obj.get("contexts")) if proven else ([Context.account()], []),
            {str(obj.get(k)) for k in ("messageEventId", "id") if obj.get(k) not in (None, "")},
        )
        for obj in objects
    ]
    for (where, _), own in read:
        for name in own:
            for context in where or [Context.account()]:
                taken[(context, name)] = taken.get((context, name), 0) + 1
    for number, (obj, ((where, bad_skills), own)) in enumerate(zip(objects, read, strict=True), start=1):
        event_id = obj.get("messageEventId")
        home = home_context(where) if where else None
        label = f"{home or 'object'}|{event_id}" if _usable_id(event_id) else f"object #{number}"
        problem = _object_problem(obj)
        if problem is None and where:
            clash = sorted((str(c), n) for c in where for n in own if taken.get((c, n), 0) > 1)
            if clash:
                problem = f"another object is also named {clash[0][1]!r} in {clash[0][0]}"
        if problem is None and where is None:
            problem = f"contexts is not an object ({type(obj.get('contexts')).__name__})"
        if problem is None:
            problem = next((f"skill id {s} is not a number" for s in bad_skills if not where), None)
        if problem is not None:
            problems.append(f"{label}: {problem}: left out")
            continue
        assert where and home is not None
        problems += [f"{label}: skill id {s} is not a number: that context is left out" for s in bad_skills]
        kept.append((home, tuple(c for c in where if c != home), AutoMessage(_without_contexts(obj))))
    contexts: dict[Context, list[AutoMessage]] = {}
    shared: dict[tuple[Context, str], tuple[Context, ...]] = {}
    for home, others, message in kept:
        contexts.setdefault(home, []).append(message)
        if others:
            shared[(home, message.message_event_id)] = others
        problems += [f"{home}|{message.message_event_id}: {p}" for p in message.problems()]
    return contexts, shared, problems


def _usable_id(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= 200 and value.isprintable()


def _object_problem(obj: dict[str, Any]) -> str | None:
    """Why an object cannot be used at all, or None."""
    event_id = obj.get("messageEventId")
    if event_id is None or event_id == "":
        return "no messageEventId"
    if not isinstance(event_id, str):
        return f"messageEventId is not a string ({type(event_id).__name__})"
    if not _usable_id(event_id):
        return "messageEventId is blank, longer than 200 characters or holds control characters"
    address = obj.get("id")
    if address is not None and (
        isinstance(address, bool)
        or not isinstance(address, int | str)
        or (isinstance(address, str) and not _usable_id(address))
    ):
        return "its id is neither a number nor a plain string"
    data = obj.get("data")
    if not isinstance(data, list):
        return "data is missing" if data is None else f"data is not a list ({type(data).__name__})"
    return None


def _contexts_checked(where: Any) -> tuple[list[Context] | None, list[str]]:
    """:func:`_contexts_of` for a ``BY_CONTEXT`` answer that shows contexts: None when
    ``contexts`` is there but not an object; skill ids that are not numbers are left
    out of the list and returned (shown short) beside it. No ``contexts``: the account."""
    if where is None:
        return [Context.account()], []
    if not isinstance(where, dict):
        return None, []
    out: list[Context] = []
    bad: list[str] = []
    for kind, ids in where.items():
        if str(kind).upper() == "ACCOUNT":
            if Context.account() not in out:
                out.insert(0, Context.account())
        elif str(kind).upper() == "SKILL":
            for skill_id in ids if isinstance(ids, list) else [ids]:
                plain = isinstance(skill_id, int | str) and not isinstance(skill_id, bool)
                text = str(skill_id) if plain else ""
                if not SKILL_ID.fullmatch(text):
                    shown = repr(skill_id)
                    bad.append(shown if len(shown) <= 24 else f"{shown[:20]}…")
                    continue
                context = Context.skill(text)
                if context not in out:
                    out.append(context)
    if not out and not bad:
        out = [Context.account()]
    return out, bad


def _contexts_of(where: Any) -> list[Context]:
    """The documented ``{"SKILL": ["3"], "ACCOUNT": ["111"]}``, as contexts (account first)."""
    out: list[Context] = []
    if not isinstance(where, dict):
        return [Context.account()]
    for kind, ids in where.items():
        if str(kind).upper() == "ACCOUNT":
            out.insert(0, Context.account())
        elif str(kind).upper() == "SKILL":
            for skill_id in ids if isinstance(ids, list) else [ids]:
                context = Context.skill(str(skill_id))
                if context not in out:
                    out.append(context)
    return out or [Context.account()]
