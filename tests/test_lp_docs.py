"""LivePerson's own documented payloads, served by the emulator, fed to the tool.

Each account below is built from the documentation's example answers
(tests/data/lp-docs/automessages, page paths in its README) and served the
way the documentation shows: the Unified API only, objects without ``id``,
``templateId`` and ``isDefault``, one object shared by a skill and the
account, and arrays refused at the collection URL. The tool, with default
settings, must export, import and write the right text into the right
context, add no field, fork no shared object, and write nothing a second time.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import polib
import pytest
import requests
from conftest import FAST, ROOT, USER, Emu, Sleeps

from automsg_sync.config import Settings, load_settings
from automsg_sync.emulator import EmulatorServer, Store
from automsg_sync.errors import ApiError
from automsg_sync.export import ExportRequest, ExportResult, export_for_translation
from automsg_sync.imports import ImportOptions, ImportReport, import_translations
from automsg_sync.lp import connect
from automsg_sync.lp.answers import pick_context
from automsg_sync.lp.automessages import LEGACY, UNIFIED, AutoMessagesApi
from automsg_sync.lp.domain import READ_WRITE
from automsg_sync.model import AutoMessage, Context
from automsg_sync.state import StateStore

DOCS = ROOT / "tests" / "data" / "lp-docs" / "automessages"
SHARED, LISTED, LEGACY_ACCOUNT = "111", "112", "113"
LOGIN = [{"username": USER["AUTOMSG_USERNAME"], "password": USER["AUTOMSG_PASSWORD"]}]
DOCUMENTED = {"apis": "unified", "collectionArrays": False}  # as the Unified API pages show it


def doc(name: str) -> Any:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


def docs_data() -> dict[str, Any]:
    deleted_skill = doc("skills-entity.example.json")
    return {
        "accounts": {
            # the contexted example: ONE object shared by skill 3 and the account, beside
            # the plain example's second object (the account's own), so that the account
            # context has two objects and the refused array matters
            SHARED: {
                "users": LOGIN,
                "skills": [{"id": 3, "name": "Docs skill", "deleted": False}, deleted_skill],
                "behaviour": DOCUMENTED,
                "autoMessages": [
                    *doc("uam-get-list-contexted.response.repaired.json"),
                    doc("uam-get-list.response.repaired.json")[1],
                ],
            },
            # the plain list example: two account-level objects
            LISTED: {
                "users": LOGIN,
                "skills": [],
                "behaviour": DOCUMENTED,
                "autoMessages": doc("uam-get-list.response.repaired.json"),
            },
            # the legacy API's example: ids, templateIds, isDefault, name/value attributes
            LEGACY_ACCOUNT: {
                "users": LOGIN,
                "skills": [],
                "behaviour": {"apis": "legacy"},
                "autoMessages": {"account": doc("am-get-list.response.repaired.json")},
            },
        }
    }


@pytest.fixture
def docs_emu() -> Iterator[Emu]:
    with EmulatorServer(Store(docs_data())) as server:
        yield Emu(server)


@pytest.fixture
def docs_settings(docs_emu: Emu, tmp_path: Path) -> Settings:
    return replace(load_settings(None, USER, csds_url=docs_emu.url, state_dir=tmp_path / "state"), http=FAST)


def objects(emu: Emu, account: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = emu.dump()["accounts"][account]["autoMessages"]
    return found


def export(settings: Settings, account: str, out: Path, languages: list[str]) -> ExportResult:
    conn = connect(settings, settings.account(account), sleep=Sleeps())
    request = ExportRequest(out_dir=out, languages=languages, formats=["po"])
    return export_for_translation(conn, settings.account(account), request, StateStore(settings.state_dir))


def run_import(settings: Settings, account: str, files: list[Path]) -> ImportReport:
    conn = connect(settings, settings.account(account), sleep=Sleeps())
    return import_translations(
        conn,
        settings.account(account),
        files,
        ImportOptions(apply=True),
        StateStore(settings.state_dir),
        settings.state_dir / "backups",
    )


def labelled(requests_seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The request log with each write to a numeric id labelled by the message its id was
    learned for (the contexted get-by-id just before it: ``…/unified-auto-messages/<name>``)."""
    names: dict[str, str] = {}
    out = []
    for r in requests_seen:
        last = r["path"].split("/")[-1]
        if r["method"] == "GET" and r["query"].get("view") == "BY_CONTEXT" and not last.endswith("messages"):
            names["pending"] = last
        if r["method"] == "PUT" and last.isdigit():
            names.setdefault(last, names.pop("pending", last))
            r = dict(r, path=r["path"].rsplit("/", 1)[0] + f"/#{names[last]}")
        out.append(r)
    return out


def translate(path: Path) -> dict[str, str]:
    """Every entry translated (or retranslated): key → the new text."""
    po = polib.pofile(str(path))
    lang = path.stem
    for entry in po:
        entry.msgstr = f"[{lang}] {entry.msgid}"
        entry.flags = [f for f in entry.flags if f != "fuzzy"]
    po.save(str(path))
    return {e.msgctxt: e.msgstr for e in po}


def changed_only(
    before: list[dict[str, Any]], after: list[dict[str, Any]], texts: dict[tuple[str, str], str]
) -> list[dict[str, Any]]:
    """``before`` with exactly ``texts`` ((messageEventId, lang) → msg) applied as the tool
    may: an existing entry's msg changed (isDefault false where it has one), a new
    entry in its siblings' shape."""
    expected = copy.deepcopy(before)
    for obj in expected:
        for (event_id, lang), msg in texts.items():
            if obj["messageEventId"] != event_id:
                continue
            entry = next((e for e in obj["data"] if e["lang"].lower() == lang.lower()), None)
            if entry is None:
                entry = {"msg": msg, "lang": lang}
                if any("isDefault" in e for e in obj["data"]):
                    entry["isDefault"] = False
                obj["data"].append(entry)
            entry["msg"] = msg
            if "isDefault" in entry:
                entry["isDefault"] = False
    assert after == expected
    return expected


def test_shared_object_is_one_unit_set_written_once_and_never_forked(
    docs_emu: Emu, docs_settings: Settings, tmp_path: Path
) -> None:
    """The Done-when of issue 14: served exactly as documented, default settings."""
    before = objects(docs_emu, SHARED)
    result = export(docs_settings, SHARED, tmp_path / "out", ["cs-CZ", "fr-FR"])
    assert result.api == UNIFIED
    assert result.notices == [
        "fr-FR: the account has no text in this language yet; its file will list every unit as missing"
    ]
    files = [tmp_path / "out" / SHARED / f"{lang}.po" for lang in ("cs-CZ", "fr-FR")]
    entries = {e.msgctxt: e for e in polib.pofile(str(files[1]))}
    # one unit set for the shared object, under the account: not one per context
    assert sorted(entries) == ["account|CHAT_STARTED", "account|On-hold message #1"]
    assert "Shared with: Docs skill (3) (one text for all of them)" in entries["account|CHAT_STARTED"].comment
    assert "Shared with" not in entries["account|On-hold message #1"].comment
    texts = {(key.split("|")[1], f.stem): text for f in files for key, text in translate(f).items()}
    docs_emu.clear_requests()
    report = run_import(docs_settings, SHARED, files)
    assert report.exit_code == 0 and report.applied is not None and len(report.applied.written) == 4
    after = objects(docs_emu, SHARED)
    assert list(after) == ["account"]  # no skill-only copy was made
    changed_only(before["account"], after["account"], texts)  # the right texts, no field added
    assert after["account"][0]["contexts"] == {"SKILL": ["3"], "ACCOUNT": ["111"]}  # still shared
    writes = [
        (r["method"], r["path"].split("/")[-1], r["status"], r["query"].get("context_type"))
        for r in labelled(docs_emu.requests())
        if r["method"] == "PUT"
    ]
    assert writes == [  # "#name": to the numeric id learned for it (the PUT page: a positive long)
        ("PUT", "unified-auto-messages", 405, "ACCOUNT"),  # the array, refused at the collection
        ("PUT", "#CHAT_STARTED", 200, "ACCOUNT"),  # the shared object, written to one context
        ("PUT", "#On-hold message #1", 200, "ACCOUNT"),
    ]
    # the skill that shares the object shows the new text: it is the same object
    conn = connect(docs_settings, docs_settings.account(SHARED), sleep=Sleeps())
    skill_view = AutoMessagesApi(conn).list_messages(Context.skill(3), merge_data=False).messages
    assert skill_view is not None and [m.message_event_id for m in skill_view] == ["CHAT_STARTED"]
    fr = skill_view[0].text("fr-FR")
    assert fr is not None and fr.msg == texts[("CHAT_STARTED", "fr-FR")]
    # a second run writes nothing
    docs_emu.clear_requests()
    again = run_import(docs_settings, SHARED, files)
    assert again.exit_code == 0 and again.counts()["noop"] == 4 and again.counts()["applied"] == 0
    assert [r for r in docs_emu.requests() if r["method"] == "PUT"] == []


def test_arrays_refused_fall_back_to_one_write_per_object(
    docs_emu: Emu, docs_settings: Settings, tmp_path: Path
) -> None:
    before = objects(docs_emu, LISTED)
    export(docs_settings, LISTED, tmp_path / "out", ["ca-ES", "fr-FR"])
    files = [tmp_path / "out" / LISTED / f"{lang}.po" for lang in ("ca-ES", "fr-FR")]
    texts = {k: v for f in files for k, v in translate(f).items()}
    assert set(texts) == {"account|CHAT_STARTED", "account|On-hold message #1"}
    docs_emu.clear_requests()
    report = run_import(docs_settings, LISTED, files)
    assert report.exit_code == 0 and report.applied is not None and len(report.applied.written) == 4
    writes = [
        (r["method"], r["path"].split("/")[-1], r["status"], r["ifMatch"])
        for r in labelled(docs_emu.requests())
        if "auto-messages" in r["path"]
    ]
    assert writes == [
        ("GET", "unified-auto-messages", 304, "1"),  # nothing changed since the export
        ("PUT", "unified-auto-messages", 405, "1"),  # the array, refused at the collection
        ("GET", "unified-auto-messages", 304, "1"),  # the re-read: the revision did not move
        ("GET", "CHAT_STARTED", 200, None),  # its numeric id: the contexted get-by-id answer's key
        ("PUT", "#CHAT_STARTED", 200, "1"),
        ("GET", "On-hold message #1", 200, None),
        ("PUT", "#On-hold message #1", 200, "2"),  # each with the revision the last answer gave
        ("GET", "unified-auto-messages", 200, None),  # the read-back
    ]
    assert report.applied.puts == 3 and report.applied.conflict_retries == 0
    new = {
        (key.split("|")[1], lang): f"[{lang}] {source}"
        for key, source in (
            ("account|CHAT_STARTED", "You are chatting with {agent name}"),
            ("account|On-hold message #1", "I'll be right with you."),
        )
        for lang in ("ca-ES", "fr-FR")
    }
    after = changed_only(before["account"], objects(docs_emu, LISTED)["account"], new)
    assert all(set(e) == {"msg", "lang"} for o in after for e in o["data"])  # no isDefault invented
    assert after[1]["attributes"] == [{"timer": "60"}] and all("id" not in o for o in after)
    assert run_import(docs_settings, LISTED, files).counts()["applied"] == 0


def test_legacy_documented_account_round_trip(docs_emu: Emu, docs_settings: Settings, tmp_path: Path) -> None:
    before = objects(docs_emu, LEGACY_ACCOUNT)
    result = export(docs_settings, LEGACY_ACCOUNT, tmp_path / "out", ["ca-ES", "fr-FR"])
    assert result.api == LEGACY  # Unified answered 404: the legacy API, found by itself
    ca = {lang.language: lang.states for lang in result.languages}["ca-ES"]
    assert ca["default"] == 1 and ca["translated"] == 1  # the legacy API marks stock text
    files = [tmp_path / "out" / LEGACY_ACCOUNT / f"{lang}.po" for lang in ("ca-ES", "fr-FR")]
    for f in files:
        translate(f)
    report = run_import(docs_settings, LEGACY_ACCOUNT, files)
    assert report.exit_code == 0 and report.applied is not None and len(report.applied.written) == 4
    new = {
        (event, lang): f"[{lang}] {source}"
        for event, source in (
            ("CHAT_STARTED", "You are chatting with {agent name}"),
            ("On-hold message #1", "I'll be right with you."),
        )
        for lang in ("ca-ES", "fr-FR")
    }
    after = changed_only(before["account"], objects(docs_emu, LEGACY_ACCOUNT)["account"], new)
    assert after[1]["attributes"] == [{"name": "timer", "value": "60"}] and after[0]["id"] == 1
    assert run_import(docs_settings, LEGACY_ACCOUNT, files).counts()["applied"] == 0


def test_documented_single_objects_read_as_documented() -> None:
    unified = AutoMessage(doc("uam-get-by-id.response.json"))
    assert unified.address == "On-hold message #1" and unified.attributes() == {"timer": "60"}
    assert [(t.lang, t.is_default) for t in unified.texts()] == [("en-us", False), ("ca-ES", False)]
    legacy = AutoMessage(doc("am-get-by-id.response.json"))
    assert legacy.address == "2" and legacy.attributes() == {"timer": "60"}
    assert [t.is_default for t in legacy.texts()] == [True, False]
    # a new language copies its siblings' shape: no isDefault where they have none
    assert unified.with_texts({"fr-FR": "x"}).raw["data"][-1] == {"msg": "x", "lang": "fr-FR"}
    assert legacy.with_texts({"fr-FR": "x"}).raw["data"][-1] == {
        "msg": "x",
        "lang": "fr-FR",
        "isDefault": False,
    }
    # an existing entry without isDefault does not get one (the documented legacy PUT body)
    update = AutoMessage(doc("am-update.request.json")).with_texts({"ca-ES": "y"})
    assert update.raw["data"][1] == {"msg": "y", "lang": "ca-ES"}


def test_contexted_get_by_id_answer() -> None:
    body = doc("uam-get-by-id-contexted.response.repaired.json")
    skill = pick_context(body, Context.skill(1))
    account = pick_context(body, Context.account())
    assert skill is not None and "skillId" not in skill and skill["messageEventId"] == "TestMessageEventId"
    assert account is not None and account["messageEventId"] == "TestMessageEventId"
    assert pick_context(body, Context.skill(2)) is None  # no object for that skill: never the other one
    assert pick_context(doc("uam-get-by-id.response.json"), Context.skill(2)) is not None  # a plain object


def test_emulator_serves_the_documented_shapes(docs_emu: Emu, docs_settings: Settings) -> None:
    conn = connect(docs_settings, docs_settings.account(SHARED), sleep=Sleeps())
    url = conn.domains.url(READ_WRITE, f"/api/account/{SHARED}/configuration/engagement-window")
    auth = conn.auth.auth()
    listed = requests.get(f"{url}/unified-auto-messages", params={"view": "BY_CONTEXT"}, auth=auth, timeout=5)
    shared, own = listed.json()
    assert [shared] == doc("uam-get-list-contexted.response.repaired.json")  # as documented, byte for byte
    assert own == dict(doc("uam-get-list.response.repaired.json")[1], contexts={"ACCOUNT": ["111"]})
    one = requests.get(
        f"{url}/unified-auto-messages/CHAT_STARTED", params={"view": "BY_CONTEXT"}, auth=auth, timeout=5
    )
    assert set(one.json()) == {"SKILL", "ACCOUNT"}
    [skill_object] = one.json()["SKILL"].values()
    assert skill_object["skillId"] == 3
    assert requests.get(f"{url}/auto-messages", auth=auth, timeout=5).status_code == 404  # Unified only
    skills = conn.domains.url(READ_WRITE, f"/api/account/{SHARED}/configuration/le-users/skills")
    assert [s["id"] for s in requests.get(skills, auth=auth, timeout=5).json()] == [3]
    everything = requests.get(skills, params={"include_deleted": "true"}, auth=auth, timeout=5).json()
    assert [s["id"] for s in everything] == [3, 326244912]
    # the documented legacy PUT body: no id (the URL names the object)
    legacy = connect(docs_settings, docs_settings.account(LEGACY_ACCOUNT), sleep=Sleeps())
    lurl = legacy.domains.url(READ_WRITE, f"/api/account/{LEGACY_ACCOUNT}/configuration/engagement-window")
    put = requests.put(
        f"{lurl}/auto-messages/2",
        json=doc("am-update.request.json"),
        headers={"If-Match": "1"},
        auth=legacy.auth.auth(),
        timeout=5,
    )
    assert put.status_code == 200 and put.json()["id"] == 2 and put.headers["ac-revision"] == "2"


def test_a_read_through_the_api_decides_it_once(
    docs_emu: Emu, docs_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    conn = connect(docs_settings, docs_settings.account(LEGACY_ACCOUNT), sleep=Sleeps())
    api = AutoMessagesApi(conn)
    assert api.resolved is None
    with caplog.at_level(logging.INFO, logger="automsg_sync"):
        api.list_by_context()
    assert api.resolved == LEGACY
    # the expected 404 of the Unified API is no failure: nothing above INFO is logged
    assert [r.getMessage() for r in caplog.records if r.levelno > logging.INFO] == []
    assert any("404 for the unified-auto-messages API" in r.getMessage() for r in caplog.records)
    docs_emu.clear_requests()
    api.list_by_context()
    assert [r["path"].split("/")[-1] for r in docs_emu.requests()] == ["auto-messages"]


def test_an_account_without_either_api_is_named(docs_emu: Emu, docs_settings: Settings) -> None:
    data = docs_emu.dump()
    data["accounts"][LEGACY_ACCOUNT]["behaviour"] = {"apis": "none"}
    docs_emu.hook("PUT", "load", data)
    conn = connect(docs_settings, docs_settings.account(LEGACY_ACCOUNT), sleep=Sleeps())
    with pytest.raises(ApiError, match=r"no Automatic Messages API answers .*: 404"):
        AutoMessagesApi(conn).list_by_context()
