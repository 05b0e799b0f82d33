"""Skills: id → name, for the translator's notes and the ``--skills`` filter."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ApiError
from .auth import Connection
from .domain import READ_ONLY


@dataclass(frozen=True)
class Skill:
    id: str
    name: str
    deleted: bool = False


def list_skills(conn: Connection, *, include_deleted: bool = False) -> dict[str, Skill]:
    """All skills of the account by id (one request). ``include_deleted`` asks LivePerson
    for deleted skills too (the Skills API appendix: ``include_deleted``, default false),
    so that a deleted skill's overrides, which the Automatic Messages API still lists,
    are named rather than shown as a bare id."""
    params = {"v": "4.0"}
    if include_deleted:
        params["include_deleted"] = "true"
    response = conn.request(READ_ONLY, "GET", "/configuration/le-users/skills", params=params)
    try:
        body = response.json()
    except ValueError:
        raise ApiError("GET skills: the body is not JSON") from None
    if not isinstance(body, list):
        raise ApiError("GET skills: expected a list")
    skills = {}
    for item in body:
        if not isinstance(item, dict) or "id" not in item:
            continue
        skill = Skill(str(item["id"]), str(item.get("name", "")), bool(item.get("deleted", False)))
        if include_deleted or not skill.deleted:
            skills[skill.id] = skill
    return skills
