"""The emulator's state: accounts, messages per context, revisions, switches.

The data-file format is also the dump format::

    {"accounts": {"<accountId>": {
        "users":   [{"username": …, "password": …}],
        "apiKeys": [{"appKey": …, "secret": …, "accessToken": …, "accessTokenSecret": …}],
        "skills":  [{"id": 7, "name": "Billing", "deleted": false}],
        "autoMessages": {"account": [<objects>], "skill/7": [<that skill's overrides>]},
        "behaviour": {<switches, below>},
        "revision": 1}}}

Objects are stored exactly as written (unknown fields survive). An object
that carries ``contexts`` in the documented ``view=BY_CONTEXT`` shape
(``{"SKILL": ["3"], "ACCOUNT": ["111"]}``) is **shared**: stored once, it
belongs to every context it names as well as to the one it is listed under,
and a write through any of them changes it for all. ``autoMessages`` may
also be a plain list of such objects (as the documented contexted answer
is); each is then listed under its home (the account, else its first skill).

One revision counter per account for automatic messages (both APIs share
the store); any write anywhere in the collection increments it.

``behaviour`` holds a switch for each reading LivePerson's documentation
leaves open (lp-api.md), so the tests can cover every one:

==================  ====================================================  ===========
switch              values                                                default
==================  ====================================================  ===========
``apis``            ``both``; ``unified`` (legacy answers 404);           ``both``
                    ``legacy`` (Unified answers 404); ``none`` (both 404)
``collectionArrays``  ``true``: an array PUT to the collection URL is      ``true``
                    accepted; ``false``: 405
``contexts``        ``understood``; ``ignored``: ``view``,                ``understood``
                    ``context_type`` and ``context_id`` are ignored (the
                    legacy API documents no parameters), so every read and
                    write is the account level's
``staleWrite``      the status of a write with a stale ``If-Match``:      ``409``
                    409, 412 or 400
``revisionHeader``  ``ac-revision``, ``eTag``, or ``none`` (no revision)   ``ac-revision``
``oauth1``          ``accepted``; ``eol``: OAuth 1.0 signatures and        ``accepted``
                    application logins with OAuth 1.0 keys are refused
                    (401, "end of life"), as LivePerson does since
                    2026-05-31 (oauth-1-0-api-keys.html)
``sentinelTokens``  ``accepted``: the account-configuration APIs take an   ``accepted``
                    OAuth 2.0 (Sentinel) token; ``refused``: 401 (no page
                    says they take one: the client's bot-login fallback)
``forbidden``       which Automatic Messages API answers 403 (no            ``none``
                    privilege): ``none``, ``unified``, ``legacy``, ``both``
``writeIds``        ``any``: a write URL names an object by ``id`` or      ``any``
                    ``messageEventId``; ``numeric``: only by its numeric
                    id, and an array's objects carry their ``id`` (the PUT
                    pages: "Positive long number greater than zero")
``unifiedIds``      ``hidden``: Unified objects come without ``id`` (as    ``hidden``
                    documented; the contexted get-by-id answer is keyed by
                    it); ``listed``: with it (as LivePerson's UI sees them)
``defaults``        ``none``: no stock-text endpoint (404); ``served``:    ``none``
                    ``GET /api/account/default/configuration/engagement-
                    window/unified-auto-messages-defaults`` answers
``legacyParams``    ``any``: the legacy API ignores query parameters;      ``any``
                    ``documented``: it answers 400 to any but ``v``
``sessionRotation`` ``off``; ``on``: a refresh sets a new ``Session_id``    ``off``
==================  ====================================================  ===========

A data file may also give ``oauthClients`` (``[{"clientId", "clientSecret",
"tokenTtl", "botUser"}]``): OAuth 2.0 applications installed on the account
(Sentinel tokens; and a bot login with them as ``appKey``/``secret``), and
``stockTexts`` (``{"<messageEventId>": {"<lang>": "<text>"}}``): what the defaults
endpoint serves.

The **2026 reading** (:data:`READING_2026`) puts together what LivePerson does
today: OAuth 1.0 refused, Sentinel tokens of a few seconds taken, numeric ids
required for writes, ids listed by the Unified API.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from .. import jsonio
from ..model import language_key

ACCOUNT = "account"
T = TypeVar("T")
BEHAVIOUR: dict[str, Any] = {
    "apis": "both",
    "collectionArrays": True,
    "contexts": "understood",
    "staleWrite": 409,
    "revisionHeader": "ac-revision",
    "oauth1": "accepted",
    "sentinelTokens": "accepted",
    "forbidden": "none",
    "writeIds": "any",
    "unifiedIds": "hidden",
    "defaults": "none",
    "legacyParams": "any",
    "sessionRotation": "off",
}
READING_2026 = {
    "oauth1": "eol",
    "writeIds": "numeric",
    "unifiedIds": "listed",
    "defaults": "served",
    "legacyParams": "documented",
    "sessionRotation": "on",
}
_CHOICES: dict[str, tuple[Any, ...]] = {
    "oauth1": ("accepted", "eol"),
    "sentinelTokens": ("accepted", "refused"),
    "forbidden": ("none", "unified", "legacy", "both"),
    "writeIds": ("any", "numeric"),
    "unifiedIds": ("hidden", "listed"),
    "defaults": ("none", "served"),
    "legacyParams": ("any", "documented"),
    "sessionRotation": ("off", "on"),
    "apis": ("both", "unified", "legacy", "none"),
    "collectionArrays": (True, False),
    "contexts": ("understood", "ignored"),
    "staleWrite": (409, 412, 400),
    "revisionHeader": ("ac-revision", "eTag", "none"),
}


def _clone(value: T) -> T:
    """A deep copy of JSON data (all the store holds)."""
    copied: T = jsonio.copy(value)
    return copied


class NotFound(Exception):
    pass


class Account:
    def __init__(self, account_id: str, data: dict[str, Any]) -> None:
        data = _clone(data)
        self.id = account_id
        self.users: list[dict[str, Any]] = data.pop("users", [])
        self.api_keys: list[dict[str, Any]] = data.pop("apiKeys", [])
        self.oauth_clients: list[dict[str, Any]] = data.pop("oauthClients", [])
        self.stock_texts: dict[str, dict[str, str]] = data.pop("stockTexts", {})
        self.skills: list[dict[str, Any]] = data.pop("skills", [])
        self.behaviour = _behaviour(data.pop("behaviour", {}))
        messages = data.pop("autoMessages", {ACCOUNT: []})
        self.messages: dict[str, list[dict[str, Any]]] = (
            _by_home(messages) if isinstance(messages, list) else messages
        )
        self.messages.setdefault(ACCOUNT, [])
        self.revision = int(data.pop("revision", 1))
        self.skills_revision = int(data.pop("skillsRevision", 1))
        self.extra = data  # connectorApps and anything later issues add

    def dump(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "users": self.users,
            "apiKeys": self.api_keys,
            "skills": self.skills,
            "autoMessages": self.messages,
            "revision": self.revision,
            "skillsRevision": self.skills_revision,
        }
        if self.behaviour != BEHAVIOUR:
            out["behaviour"] = self.behaviour
        if self.oauth_clients:
            out["oauthClients"] = self.oauth_clients
        if self.stock_texts:
            out["stockTexts"] = self.stock_texts
        out.update(self.extra)
        return _clone(out)

    def serves(self, unified: bool) -> bool:
        """Whether this account answers the API (``apis`` switch)."""
        return self.behaviour["apis"] in ("both", "unified" if unified else "legacy")

    # ------------------------------------------------------------ lookups

    def context_objects(self, context: str) -> list[dict[str, Any]]:
        """The objects of one context: its own, and the shared ones that name it."""
        own = self.messages.get(context, [])
        shared = [
            o
            for ctx, objects in self.messages.items()
            if ctx != context
            for o in objects
            if context in membership(o, ctx, self.id)
        ]
        return own + shared if shared else own

    def by_context(self) -> list[tuple[dict[str, Any], list[str]]]:
        """Every object once, with the contexts it belongs to (``view=BY_CONTEXT``)."""
        return [(o, membership(o, ctx, self.id)) for ctx, objects in self.messages.items() for o in objects]

    def locate(self, context: str, address: str, unified: bool) -> tuple[list[dict[str, Any]], int] | None:
        """Where the object ``address`` of ``context`` is stored: its list and index.

        Through the Unified API an address is a messageEventId first; an object's
        ``id`` (which that API does not show) is tried only when no messageEventId matches.
        """
        own = self.messages.get(context, [])
        for by_id in (False, True) if unified else (True,):

            def named(obj: dict[str, Any], by_id: bool = by_id) -> bool:
                return _named_by_id(obj, address) if by_id else str(obj.get("messageEventId")) == address

            # the context's own list first (one write of 5,000 objects must not scan the
            # whole account for each), then the objects other lists share with it
            for index, obj in enumerate(own):
                if named(obj):
                    return own, index
            for ctx, objects in self.messages.items():
                if ctx == context:
                    continue
                for index, obj in enumerate(objects):
                    if "contexts" in obj and named(obj) and context in membership(obj, ctx, self.id):
                        return objects, index
        return None

    def find(self, context: str, address: str, unified: bool) -> dict[str, Any] | None:
        found = self.locate(context, address, unified)
        return found[0][found[1]] if found else None

    def skill_exists(self, skill_id: str) -> bool:
        return any(str(s.get("id")) == skill_id for s in self.skills)

    def merged(self, skill_context: str) -> list[dict[str, Any]]:
        """A skill's view merged over the account defaults, per message and language."""
        overrides = {str(o.get("messageEventId")): o for o in self.context_objects(skill_context)}
        out = []
        for base in self.messages[ACCOUNT]:
            over = overrides.pop(str(base.get("messageEventId")), None)
            out.append(_merge(base, over) if over is not None and over is not base else _clone(base))
        out.extend(_clone(o) for o in overrides.values())
        return out

    # ------------------------------------------------------------ writes

    def put(self, context: str, objects: list[dict[str, Any]], unified: bool) -> list[dict[str, Any]]:
        """Replace whole objects (all or nothing); raises NotFound for an unknown address.

        A shared object stays shared (its ``contexts`` are the store's, not the
        body's). Through the Unified API, what that API does not show (``id``,
        ``templateId``, ``isDefault``, name/value attributes) is kept from the
        stored object: ``isDefault`` stays on an entry whose text is unchanged
        and becomes false on one whose text changed.

        ``objects`` are taken over, not copied: the caller hands in what it has just
        parsed from the request body and keeps nothing of it (on a large account the
        two copies were a third of the emulator's time in a write). Returned are the
        stored objects themselves: serialise them before ``Store.lock`` is released.
        """
        plan: list[tuple[list[dict[str, Any]], int | None, dict[str, Any]]] = []
        for obj in objects:
            address = _address(obj, unified)
            obj.pop("contexts", None)
            found = self.locate(context, address, unified)
            if found is None:
                base = self.find(ACCOUNT, address, unified)
                if context == ACCOUNT or base is None:
                    raise NotFound(address)
                # a skill's first override of an account message
                new = _hidden_fields_kept(base, obj) if unified else obj
                plan.append((self.messages.setdefault(context, []), None, new))
                continue
            targets, index = found
            stored = targets[index]
            new = _hidden_fields_kept(stored, obj) if unified else obj
            if "contexts" in stored:
                new["contexts"] = _clone(stored["contexts"])
            plan.append((targets, index, new))
        for targets, at, obj in plan:
            if at is None:
                targets.append(obj)
            else:
                targets[at] = obj
        self.revision += 1
        return [new for _, _, new in plan]

    def ui_edit(self, context: str, address: str, lang: str, msg: str, unified: bool) -> None:
        """What a human editing one text in the LivePerson UI does."""
        obj = self.find(context, address, unified) or self.find(context, address, not unified)
        if obj is None:
            base = self.find(ACCOUNT, address, unified) or self.find(ACCOUNT, address, not unified)
            if base is None or context == ACCOUNT:
                raise NotFound(address)
            obj = {k: v for k, v in _clone(base).items() if k != "contexts"}
            obj["data"] = []
            self.messages.setdefault(context, []).append(obj)
        with_default = _uses_is_default(obj) or not obj.get("data")
        for entry in obj.setdefault("data", []):
            if language_key(entry.get("lang", "")) == language_key(lang):
                entry["msg"] = msg
                if "isDefault" in entry:
                    entry["isDefault"] = False
                break
        else:
            entry = {"msg": msg, "lang": lang}
            if with_default and self.serves(unified=False):
                entry["isDefault"] = False
            obj["data"].append(entry)
        self.revision += 1


def membership(obj: dict[str, Any], listed_under: str, account_id: str) -> list[str]:
    """The contexts an object belongs to: the one it is listed under, and any its
    ``contexts`` name (``{"SKILL": ["3"], "ACCOUNT": ["111"]}``)."""
    out = [listed_under]
    where = obj.get("contexts")
    if isinstance(where, dict):
        for kind, ids in where.items():
            for one in ids if isinstance(ids, list) else [ids]:
                ctx = ACCOUNT if str(kind).upper() == "ACCOUNT" else f"skill/{one}"
                if ctx not in out:
                    out.append(ctx)
    return out


def documented_contexts(contexts: list[str], account_id: str) -> dict[str, list[str]]:
    """Contexts in the documented shape: ``{"SKILL": ["3"], "ACCOUNT": ["111"]}``."""
    out: dict[str, list[str]] = {}
    skills = [c.split("/", 1)[1] for c in contexts if c != ACCOUNT]
    if skills:
        out["SKILL"] = skills
    if ACCOUNT in contexts:
        out["ACCOUNT"] = [account_id]
    return out


def unified_view(obj: dict[str, Any], keep_id: bool = False) -> dict[str, Any]:
    """An object as the Unified API documents it: no ``id`` (unless ``keep_id``: as
    LivePerson's UI sees it), ``templateId`` or ``isDefault``; attributes as
    ``[{"timer": "60"}]``. (New dicts where something is left out; the rest is shared
    with ``obj``.)"""
    hidden = ("templateId",) if keep_id else ("id", "templateId")
    out = {k: v for k, v in obj.items() if k not in hidden}
    if isinstance(out.get("data"), list):
        out["data"] = [_without_is_default(e) for e in out["data"]]
    attrs = out.get("attributes")
    if isinstance(attrs, list) and any(_is_name_value(a) for a in attrs):
        out["attributes"] = [{a["name"]: a["value"]} if _is_name_value(a) else a for a in attrs]
    return out


def _without_is_default(entry: Any) -> Any:
    # a copy without the key (rather than a comprehension over every key): a large
    # account's write answers hold 300,000 entries
    if isinstance(entry, dict) and "isDefault" in entry:
        entry = entry.copy()
        del entry["isDefault"]
    return entry


def _hidden_fields_kept(stored: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """A Unified API body merged with what that API hides of the stored (legacy-shaped)
    object. The body's language entries are completed in place (the body is taken
    over: see :meth:`Account.put`)."""
    out: dict[str, Any] = {k: stored[k] for k in ("id", "templateId") if k in stored and k not in body}
    out.update(body)
    if _uses_is_default(stored) and isinstance(out.get("data"), list):
        before = {
            language_key(str(e.get("lang", ""))): e for e in stored.get("data") or [] if isinstance(e, dict)
        }
        for entry in out["data"]:
            old = before.get(language_key(str(entry.get("lang", "")))) if isinstance(entry, dict) else None
            if isinstance(entry, dict) and "isDefault" not in entry and (old is None or "isDefault" in old):
                same = old is not None and old.get("msg") == entry.get("msg")
                entry["isDefault"] = bool(old.get("isDefault")) if same and old else False
    stored_attrs, attrs = stored.get("attributes"), out.get("attributes")
    if (
        isinstance(stored_attrs, list)
        and any(_is_name_value(a) for a in stored_attrs)
        and isinstance(attrs, list)
        and not any(_is_name_value(a) for a in attrs)
    ):
        out["attributes"] = [
            {"name": k, "value": v} for a in attrs if isinstance(a, dict) for k, v in a.items()
        ]
    return out


def _uses_is_default(obj: dict[str, Any]) -> bool:
    return any(isinstance(e, dict) and "isDefault" in e for e in obj.get("data") or [])


def _is_name_value(item: Any) -> bool:
    return isinstance(item, dict) and set(item) == {"name", "value"}


def _named_by_id(obj: dict[str, Any], address: str) -> bool:
    return "id" in obj and str(obj["id"]) == address


def _address(obj: dict[str, Any], unified: bool) -> str:
    return str(obj.get("messageEventId") if unified else obj.get("id"))


def _by_home(objects: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """A plain list of (documented, contexted) objects, each listed under its home context."""
    out: dict[str, list[dict[str, Any]]] = {ACCOUNT: []}
    for obj in objects:
        if not isinstance(obj, dict):
            raise ValueError("emulator data: each automatic message must be an object")
        contexts = membership(obj, "", "")[1:] or [ACCOUNT]
        home = ACCOUNT if ACCOUNT in contexts else sorted(contexts, key=_skill_order)[0]
        out.setdefault(home, []).append(obj)
    return out


def _skill_order(context: str) -> tuple[int, str]:
    sid = context.split("/", 1)[-1]
    return (int(sid), "") if sid.isdigit() else (1 << 62, sid)


def _behaviour(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError("emulator data: 'behaviour' must be an object")
    out = dict(BEHAVIOUR)
    for key, value in raw.items():
        if key not in _CHOICES:
            raise ValueError(f"emulator data: unknown behaviour switch {key!r}")
        if value not in _CHOICES[key]:
            raise ValueError(f"emulator data: behaviour {key} must be one of {_CHOICES[key]}")
        out[key] = value
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = _clone(base)
    merged.update({k: _clone(v) for k, v in over.items() if k != "data"})
    data = [_clone(e) for e in base.get("data", [])]
    index = {language_key(e.get("lang", "")): i for i, e in enumerate(data)}
    for entry in over.get("data", []):
        key = language_key(entry.get("lang", ""))
        if key in index:
            data[index[key]] = _clone(entry)
        else:
            data.append(_clone(entry))
    merged["data"] = data
    return merged


def filter_langs(objects: Iterable[dict[str, Any]], langs: set[str]) -> list[dict[str, Any]]:
    out = []
    for obj in objects:
        obj = _clone(obj)
        obj["data"] = [e for e in obj.get("data", []) if language_key(e.get("lang", "")) in langs]
        out.append(obj)
    return out


class Store:
    """All accounts, behind one lock (the emulator serves requests on threads)."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.load(data or {"accounts": {}})

    @classmethod
    def from_file(cls, path: Path) -> Store:
        return cls(jsonio.loads(path.read_bytes()))

    def load(self, data: dict[str, Any]) -> None:
        accounts = data.get("accounts")
        if not isinstance(accounts, dict):
            raise ValueError("emulator data: top-level 'accounts' must be an object")
        with self.lock:
            loaded = {str(k): Account(str(k), v) for k, v in accounts.items()}
            # A revision never goes back, as on LivePerson: a write delayed from
            # before the load must meet a 409, not a revision that happens to match.
            for account_id, account in loaded.items():
                old = self.accounts.get(account_id)
                if old is not None and old.revision >= account.revision:
                    account.revision = old.revision + 1
            self.accounts = loaded

    def dump(self) -> dict[str, Any]:
        with self.lock:
            return {"accounts": {k: a.dump() for k, a in self.accounts.items()}}

    def account(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)
