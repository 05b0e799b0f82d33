"""What the Automatic Messages APIs answer, read into objects: the revision, the body,
the list of objects, and a ``view=BY_CONTEXT`` answer filed by context (pure: no HTTP
is sent here).

- **Contexts.** ``view=BY_CONTEXT`` gives every object once with the contexts
  it belongs to (``{"SKILL": ["3"], "ACCOUNT": ["111"]}``). An object listed by
  several contexts is **one shared object**, not an override per context: it
  is filed under one *home* context (:func:`home_context`) — the account when
  the account is among its contexts, else its lowest-numbered skill — and the
  others are kept beside it. A skill that lists a shared object has no override
  of its own for it.
- **What cannot be used** is left out and said, one line each (:func:`checked`).
- **Get by id.** A plain object, or the documented contexted answer
  (``{"SKILL": {"123": {…, "skillId": 1}}, "ACCOUNT": {"456": {…}}}``): :func:`pick_context`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import requests

from .. import jsonio
from ..errors import ApiError
from ..model import SKILL_ID, AutoMessage, Context


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


def revision_of(response: requests.Response) -> str:
    """The answer's revision: ``ac-revision``, else ``ETag`` (``""``: none)."""
    return response.headers.get("ac-revision") or response.headers.get("ETag") or ""


def json_body(response: requests.Response) -> Any:
    """The answer's JSON; a body that is not JSON is an :class:`ApiError`."""
    try:
        return jsonio.loads(response.content)
    except ValueError:
        raise ApiError(f"{response.request.method} {response.url}: the body is not JSON") from None


def without_contexts(obj: dict[str, Any]) -> dict[str, Any]:
    """The object without its ``contexts`` (a copy only when it has them)."""
    # `contexts` describes where the object is listed; it is not part of the object
    # a write sends back (the documented PUT body has none)
    return {k: v for k, v in obj.items() if k != "contexts"} if "contexts" in obj else obj


def objects_in(response: requests.Response) -> list[dict[str, Any]]:
    """The objects of a list answer (a bare list, or one wrapped in ``data``)."""
    body = json_body(response)
    if isinstance(body, dict):
        # Some deployments wrap lists; accept {"data": [...]} as well as a bare list.
        body = body.get("data", body.get("autoMessages", [body]))
    if not isinstance(body, list):
        raise ApiError(f"GET {response.url.split('?')[0]}: expected a list of messages")
    return [o for o in body if isinstance(o, dict)]


def checked(
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
        kept.append((home, tuple(c for c in where if c != home), AutoMessage(without_contexts(obj))))
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
    """The contexts of a ``BY_CONTEXT`` answer that shows them (the documented
    ``{"SKILL": ["3"], "ACCOUNT": ["111"]}``, account first): None when
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
