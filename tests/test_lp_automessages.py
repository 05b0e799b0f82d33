"""Automatic Messages and Unified Automatic Messages against the emulator."""

from __future__ import annotations

import json

import pytest
import requests
from conftest import ACCOUNT, Emu, sample_data

from automsg_sync.errors import AuthError, RevisionConflict
from automsg_sync.lp import Connection
from automsg_sync.lp.automessages import LEGACY, UNIFIED, AutoMessagesApi
from automsg_sync.lp.domain import READ_ONLY, READ_WRITE
from automsg_sync.model import AutoMessage, Context

EW = "/configuration/engagement-window"
SKILL7 = Context.skill(7)


def _without_revisions(dump: dict) -> dict:
    for account in dump["accounts"].values():
        account.pop("revision")
    return dump


def test_list_account_context(conn: Connection) -> None:
    listing = AutoMessagesApi(conn, LEGACY).list_messages(Context.account())
    assert listing.revision == "1" and not listing.not_modified
    assert listing.messages is not None
    ids = [m.message_event_id for m in listing.messages]
    assert "CONSUMER_OPEN_NEW_CONVERSATION" in ids and "Disconnected" not in ids  # deleted hidden


def test_include_deleted(conn: Connection) -> None:
    listing = AutoMessagesApi(conn, LEGACY).list_messages(Context.account(), include_deleted=True)
    assert listing.messages is not None
    assert "Disconnected" in [m.message_event_id for m in listing.messages]


def test_skill_merged_and_overrides_only(conn: Connection) -> None:
    api = AutoMessagesApi(conn, LEGACY)
    merged = api.list_messages(SKILL7).messages
    only = api.list_messages(SKILL7, merge_data=False).messages
    assert merged is not None and only is not None
    assert [m.id for m in only] == ["1", "7", "14"]
    assert len(merged) == 16
    welcome = {m.id: m for m in merged}["1"]
    text = welcome.text("en-US")
    assert text is not None and text.msg.startswith("Hi, you've reached Billing")
    # languages the skill does not override come from the account default
    de = welcome.text("de-DE")
    assert de is not None and de.msg.startswith("Hallo")


def test_by_context_is_one_request(emu: Emu, conn: Connection) -> None:
    conn.domains.base_url(READ_ONLY)
    conn.auth.auth()
    emu.clear_requests()
    listing = AutoMessagesApi(conn, LEGACY).list_by_context()
    assert listing.contexts is not None
    assert sorted(c.key for c in listing.contexts) == ["account", "skill/7", "skill/9"]
    assert [m.id for m in listing.contexts[Context.skill(9)]] == ["1"]
    assert all("contexts" not in m.raw for ms in listing.contexts.values() for m in ms)
    log = emu.requests()
    assert len(log) == 1 and log[0]["query"]["view"] == "BY_CONTEXT"


def test_lang_filter_is_case_insensitive(conn: Connection) -> None:
    listing = AutoMessagesApi(conn, LEGACY).list_messages(Context.account(), langs=["FR-fr", "en-us"])
    assert listing.messages is not None
    for message in listing.messages:
        assert {t.lang.lower() for t in message.texts()} <= {"fr-fr", "en-us"}


def test_if_match_current_revision_is_304(emu: Emu, conn: Connection) -> None:
    api = AutoMessagesApi(conn, LEGACY)
    first = api.list_messages(Context.account())
    again = api.list_messages(Context.account(), if_match=first.revision)
    assert again.not_modified and again.messages is None and again.revision == "1"
    wildcard = api.list_messages(Context.account(), if_match="-1")
    assert not wildcard.not_modified and wildcard.messages
    emu.ui_edit("account", "CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR", "Salut !")
    changed = api.list_messages(Context.account(), if_match=first.revision)
    assert not changed.not_modified and changed.revision == "2"
    assert [r["status"] for r in emu.requests() if "auto-messages" in r["path"]] == [
        200,
        304,
        200,
        200,
    ]


def test_get_by_id_and_by_event_id(conn: Connection) -> None:
    message, revision = AutoMessagesApi(conn, LEGACY).get("14", SKILL7)
    assert message.attributes() == {"timer": "90"} and revision == "1"
    unified, _ = AutoMessagesApi(conn, UNIFIED).get("On-hold message #1", Context.account())
    # the Unified API shows no id, templateId or isDefault, and attributes as {"timer": …}
    assert "id" not in unified.raw and "templateId" not in unified.raw
    assert unified.address == "On-hold message #1"
    assert all("isDefault" not in e for e in unified.raw["data"])


def test_round_trip_is_lossless(emu: Emu, conn: Connection) -> None:
    """Both attribute shapes, lowercase lang, missing isDefault, unknown fields survive."""
    before = emu.dump()
    api = AutoMessagesApi(conn, LEGACY, writable=True)
    listing = api.list_messages(Context.account(), include_deleted=True)
    assert listing.messages is not None
    written, revision = api.update(Context.account(), listing.messages, listing.revision)
    assert revision == "2"
    assert [dict(m.raw) for m in written] == before["accounts"][ACCOUNT]["autoMessages"]["account"]
    assert _without_revisions(emu.dump()) == _without_revisions(before)
    raw = json.dumps(emu.dump())
    for needle in ('"lang": "en-us"', '{"timer": "120"}', '"name": "timer"', '"x-brandNote"'):
        assert needle in raw


def test_single_put_changes_one_text(emu: Emu, conn: Connection) -> None:
    api = AutoMessagesApi(conn, LEGACY, writable=True)
    api.list_by_context()  # shows the server understands contexts: only then is a skill written
    message, revision = api.get("7", SKILL7)
    [written], new_revision = api.update(
        SKILL7, [message.with_texts({"fr-FR": "{agentNickname} (Facturation) est là."})], revision
    )
    assert written.text("fr-FR") is not None and new_revision == "2"
    dump = emu.dump()["accounts"][ACCOUNT]["autoMessages"]["skill/7"]
    entry = next(o for o in dump if o["id"] == 7)["data"]
    assert {
        "msg": "{agentNickname} (Facturation) est là.",
        "lang": "fr-FR",
        "isDefault": False,
    } in entry


def test_array_put_unified(emu: Emu, conn: Connection) -> None:
    api = AutoMessagesApi(conn, UNIFIED, writable=True)
    api.list_by_context()
    listing = api.list_messages(SKILL7, merge_data=False)
    assert listing.messages is not None
    changed = [m.with_texts({"ja-JP": f"テスト {m.id}"}) for m in listing.messages]
    written, revision = api.update(SKILL7, changed, listing.revision)
    assert len(written) == 3 and revision == "2"
    puts = [r for r in emu.requests() if r["method"] == "PUT"]
    assert len(puts) == 1 and puts[0]["path"].endswith("/unified-auto-messages")
    assert puts[0]["query"] == {"v": "2.0", "context_type": "SKILL", "context_id": "7"}


def test_stale_revision_is_a_conflict_not_a_retry(emu: Emu, conn: Connection) -> None:
    api = AutoMessagesApi(conn, LEGACY, writable=True)
    message, revision = api.get("1", Context.account())
    emu.ui_edit("account", "CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR", "Bonjour (édité)")
    with pytest.raises(RevisionConflict) as caught:
        api.update(Context.account(), [message.with_texts({"fr-FR": "Nouveau"})], revision)
    assert caught.value.status == 409
    assert len([r for r in emu.requests() if r["method"] == "PUT"]) == 1
    assert "Bonjour (édité)" in json.dumps(emu.dump(), ensure_ascii=False)


def test_write_through_read_only_domain_is_403(conn: Connection) -> None:
    api = AutoMessagesApi(conn, LEGACY)  # read-only
    message, revision = api.get("1", Context.account())
    with pytest.raises(AuthError) as caught:
        api.update(Context.account(), [message], revision)
    assert caught.value.status == 403


def _raw(conn: Connection, method: str, path: str, **kwargs: object) -> requests.Response:
    url = conn.domains.url(READ_WRITE, f"/api/account/{ACCOUNT}{EW}{path}")
    return conn.http.session.request(method, url, auth=conn.auth.auth(), timeout=5, **kwargs)  # type: ignore[arg-type]


def test_write_without_if_match_is_428(conn: Connection) -> None:
    obj = sample_data()["accounts"][ACCOUNT]["autoMessages"]["account"][0]
    r = _raw(conn, "PUT", "/auto-messages/1", json=obj)
    assert r.status_code == 428


def test_method_override_and_bad_bodies(conn: Connection) -> None:
    obj = sample_data()["accounts"][ACCOUNT]["autoMessages"]["account"][0]
    override = {"X-HTTP-Method-Override": "PUT", "If-Match": "1"}
    r = _raw(conn, "POST", "/auto-messages/1", json=obj, headers=override)
    assert r.status_code == 200 and r.headers["ac-revision"] == "2"
    r = _raw(conn, "PUT", "/auto-messages/1", data="{not json", headers={"If-Match": "2"})
    assert r.status_code == 400
    r = _raw(conn, "PUT", "/auto-messages/1", json={"id": 1, "data": "x"}, headers={"If-Match": "2"})
    assert r.status_code == 400
    r = _raw(conn, "PUT", "/auto-messages/999", json=dict(obj, id=999), headers={"If-Match": "2"})
    assert r.status_code == 404
    r = _raw(conn, "PUT", "/auto-messages", json=[obj, dict(obj, id=999)], headers={"If-Match": "2"})
    assert r.status_code == 404  # all or nothing
    r = _raw(conn, "GET", "/auto-messages", params={"context_type": "SKILL", "context_id": "404"})
    assert r.status_code == 400


def test_unknown_fields_in_written_objects_survive(emu: Emu, conn: Connection) -> None:
    api = AutoMessagesApi(conn, LEGACY, writable=True)
    message, revision = api.get("2", Context.account())
    extended = AutoMessage(dict(message.raw, futureField={"a": [1, "b"]}))
    api.update(Context.account(), [extended], revision)
    again, _ = api.get("2", Context.account())
    assert again.raw["futureField"] == {"a": [1, "b"]}


def test_revision_never_goes_back_on_load(emu: Emu, conn: Connection) -> None:
    """As on LivePerson: reloading the store must not let a stale If-Match match again."""
    api = AutoMessagesApi(conn, LEGACY, writable=True)
    message, revision = api.get("2", Context.account())
    emu.ui_edit("account", "CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR", "x")  # revision 2
    emu.hook("PUT", "load", sample_data())  # the data says revision 1
    with pytest.raises(RevisionConflict):
        api.update(Context.account(), [message], revision)
    assert api.get("2", Context.account())[1] == "3"


def test_the_emulator_refuses_nan_as_a_json_parser_does(conn: Connection) -> None:
    """NaN and Infinity are not JSON: the emulator answers 400, as the client refuses them in
    an answer (jsonio), so neither side ever stores one to write back changed."""
    listing = AutoMessagesApi(conn, LEGACY).list_messages(Context.account())
    assert listing.messages is not None
    message = listing.messages[0]
    url = conn.domains.url(
        READ_WRITE, f"/api/account/{ACCOUNT}/configuration/engagement-window/auto-messages"
    )
    body = json.dumps([dict(message.raw, timer=float("nan"))])
    answer = conn.http.session.put(
        url,
        data=body,
        headers={"If-Match": listing.revision, "Content-Type": "application/json"},
        auth=conn.auth.auth(),
        timeout=10,
    )
    assert answer.status_code == 400 and "not JSON" in answer.text
