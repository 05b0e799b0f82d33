"""The emulator's state: accounts, messages per context, revisions, tokens.

The data-file format is also the dump format::

    {"accounts": {"<accountId>": {
        "users":   [{"username": …, "password": …}],
        "apiKeys": [{"appKey": …, "secret": …, "accessToken": …, "accessTokenSecret": …}],
        "skills":  [{"id": 7, "name": "Billing", "deleted": false}],
        "autoMessages": {"account": [<objects as the API returns them>],
                         "skill/7": [<that skill's overrides>]},
        "revision": 1}}}

Objects are stored exactly as written (unknown fields survive). One revision
counter per account for automatic messages (both API flavours share the
store); any write anywhere in the collection increments it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from ..model import language_key

ACCOUNT = "account"
T = TypeVar("T")


def _clone(value: T) -> T:
    """A deep copy of JSON data (all the store holds): a JSON round trip runs in C,
    several times faster than ``copy.deepcopy`` on a 300,000-text account."""
    copied: T = json.loads(json.dumps(value))
    return copied


class NotFound(Exception):
    pass


class Account:
    def __init__(self, account_id: str, data: dict[str, Any]) -> None:
        data = _clone(data)
        self.id = account_id
        self.users: list[dict[str, Any]] = data.pop("users", [])
        self.api_keys: list[dict[str, Any]] = data.pop("apiKeys", [])
        self.skills: list[dict[str, Any]] = data.pop("skills", [])
        self.messages: dict[str, list[dict[str, Any]]] = data.pop("autoMessages", {ACCOUNT: []})
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
        out.update(self.extra)
        return _clone(out)

    # ------------------------------------------------------------ lookups

    def context_objects(self, context: str) -> list[dict[str, Any]]:
        return self.messages.get(context, [])

    def find(self, context: str, address: str, unified: bool) -> dict[str, Any] | None:
        for obj in self.messages.get(context, []):
            if _address(obj, unified) == address:
                return obj
        return None

    def skill_exists(self, skill_id: str) -> bool:
        return any(str(s.get("id")) == skill_id for s in self.skills)

    def merged(self, skill_context: str) -> list[dict[str, Any]]:
        """A skill's view merged over the account defaults, per message and language."""
        overrides = {str(o.get("id")): o for o in self.messages.get(skill_context, [])}
        out = []
        for base in self.messages[ACCOUNT]:
            over = overrides.pop(str(base.get("id")), None)
            out.append(_merge(base, over) if over is not None else _clone(base))
        out.extend(_clone(o) for o in overrides.values())
        return out

    # ------------------------------------------------------------ writes

    def put(self, context: str, objects: list[dict[str, Any]], unified: bool) -> list[dict[str, Any]]:
        """Replace whole objects (all or nothing); raises NotFound for an unknown address."""
        targets = self.messages.setdefault(context, [])
        plan: list[tuple[int | None, dict[str, Any]]] = []
        for obj in objects:
            address = _address(obj, unified)
            index = next((i for i, o in enumerate(targets) if _address(o, unified) == address), None)
            if index is None and (context == ACCOUNT or self.find(ACCOUNT, address, unified) is None):
                raise NotFound(address)
            plan.append((index, _clone(obj)))
        for index, obj in plan:
            if index is None:
                targets.append(obj)  # a skill's first override of an account message
            else:
                targets[index] = obj
        self.revision += 1
        return _clone([obj for _, obj in plan])

    def ui_edit(self, context: str, address: str, lang: str, msg: str, unified: bool) -> None:
        """What a human editing one text in the LivePerson UI does."""
        obj = self.find(context, address, unified) or self.find(context, address, not unified)
        if obj is None:
            base = self.find(ACCOUNT, address, unified) or self.find(ACCOUNT, address, not unified)
            if base is None or context == ACCOUNT:
                raise NotFound(address)
            obj = _clone(base)
            obj["data"] = []
            self.messages.setdefault(context, []).append(obj)
        for entry in obj.setdefault("data", []):
            if language_key(entry.get("lang", "")) == language_key(lang):
                entry["msg"] = msg
                entry["isDefault"] = False
                break
        else:
            obj["data"].append({"msg": msg, "lang": lang, "isDefault": False})
        self.revision += 1


def _address(obj: dict[str, Any], unified: bool) -> str:
    return str(obj.get("messageEventId") if unified else obj.get("id"))


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
        return cls(json.loads(path.read_text(encoding="utf-8")))

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
