"""LivePerson as it is today (issue #25), over real HTTP against the emulator's readings:
OAuth 2.0 client credentials (Sentinel v2) and its bot-login fallback, OAuth 1.0's end
of life, which method is used, 403 against 404, numeric ids in write URLs, the legacy
API's parameters, a refresh that rotates ``Session_id``. docs/liveperson.md has the pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import polib
import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, FAST, KEYS, USER, Emu, Sleeps, export_po, fill_po, sample_data

from automsg_sync.cli import main
from automsg_sync.config import Settings, load_settings
from automsg_sync.emulator import EmulatorServer, Store
from automsg_sync.emulator.store import READING_2026
from automsg_sync.errors import ApiError, AuthError
from automsg_sync.export import ExportRequest, export_for_translation
from automsg_sync.imports import ImportOptions, import_translations
from automsg_sync.lp import connect
from automsg_sync.lp.automessages import LEGACY, UNIFIED, AutoMessagesApi
from automsg_sync.lp.oauth2 import ClientCredentials
from automsg_sync.lp.skills import list_skills
from automsg_sync.state import StateStore


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in the test's folder: their state store (./.automsg) is the test's own."""
    monkeypatch.chdir(tmp_path)


CLIENT = {"AUTOMSG_CLIENT_ID": "2c7e1f4a-automsg-sync-demo", "AUTOMSG_CLIENT_SECRET": "o2-demo-s3cret-9d1e"}
BOT = "automsg.bot"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def served(**behaviour: Any) -> dict[str, Any]:
    data = sample_data()
    data["accounts"][ACCOUNT]["behaviour"] = behaviour
    return data


@pytest.fixture
def emu_of() -> Iterator[Any]:
    servers: list[EmulatorServer] = []

    def start(data: dict[str, Any]) -> Emu:
        server = EmulatorServer(Store(data)).start()
        servers.append(server)
        return Emu(server)

    yield start
    for server in servers:
        server.stop()


def settings_for(emu: Emu, env: dict[str, str], tmp_path: Path) -> Settings:
    return replace(load_settings(None, env, csds_url=emu.url, state_dir=tmp_path / "state"), http=FAST)


def calls(emu: Emu) -> list[tuple[str, str, int | None]]:
    return [(r["method"], r["path"], r["status"]) for r in emu.requests()]


# --------------------------------------------------------------------------- OAuth 2.0


def test_client_credentials_fetch_a_sentinel_token_and_send_it_as_bearer(emu: Emu, tmp_path: Path) -> None:
    s = settings_for(emu, CLIENT, tmp_path)
    with connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
        assert list_skills(conn)
        assert isinstance(conn.auth, ClientCredentials) and conn.auth.tokens_fetched == 1
    seen = calls(emu)
    assert ("POST", f"/sentinel/sentinel/api/v2/account/{ACCOUNT}/app/token", 200) in seen
    assert not [c for c in seen if "/vep/" in c[1]]  # no Login Service call at all


def test_a_token_is_renewed_before_it_runs_out_and_once_on_a_401(emu_of: Any, tmp_path: Path) -> None:
    data = sample_data()
    data["accounts"][ACCOUNT]["oauthClients"][0]["tokenTtl"] = 100
    emu = emu_of(data)
    s = settings_for(emu, CLIENT, tmp_path)
    clock = Clock()
    with connect(s, s.account(ACCOUNT), sleep=Sleeps(), clock=clock) as conn:
        list_skills(conn)
        clock.now += 79  # 79 % of expires_in: still the same token
        list_skills(conn)
        assert isinstance(conn.auth, ClientCredentials) and conn.auth.tokens_fetched == 1
        clock.now += 2  # past 80 %: renewed before the call
        list_skills(conn)
        assert conn.auth.tokens_fetched == 2
        emu.hook("POST", "tokens/expire")  # the server ends it early: a 401, one new token, the call again
        assert list_skills(conn)
        assert conn.auth.tokens_fetched == 3
    assert [c[2] for c in calls(emu) if c[1].endswith("/skills")] == [200, 200, 200, 401, 200]


def test_a_refused_token_falls_back_to_a_bot_login_with_the_same_credentials(
    emu_of: Any, tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    emu = emu_of(served(sentinelTokens="refused"))
    s = settings_for(emu, {**CLIENT, "AUTOMSG_USERNAME": BOT}, tmp_path)
    with connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
        assert list_skills(conn)
        [session] = emu.hook("GET", "sessions")[ACCOUNT]
        assert (session["login"], session["loginName"]) == ("app", BOT)
        assert list_skills(conn)  # the rest of the run on the bot login: no new token
        # two fresh tokens refused (one may have run out on the way), then the bot login
        assert isinstance(conn.auth, ClientCredentials) and conn.auth.tokens_fetched == 2
    assert "refused a fresh OAuth 2.0 token; logging in through the Login Service" in logs.text
    # without a user name: one clear error naming what to set
    s = settings_for(emu, CLIENT, tmp_path)
    with pytest.raises(AuthError) as caught, connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
        list_skills(conn)
    assert "refused a fresh OAuth 2.0 token (AUTOMSG_CLIENT_ID / AUTOMSG_CLIENT_SECRET)" in str(caught.value)
    assert "set AUTOMSG_USERNAME" in str(caught.value)


def test_login_app_with_client_credentials_is_a_bot_login(emu: Emu, tmp_path: Path) -> None:
    config = tmp_path / "automsg.toml"
    config.write_text(f'csds_url = "{emu.url}"\n[[accounts]]\nid = "{ACCOUNT}"\nlogin = "app"\n')
    s = replace(load_settings(config, {**CLIENT, "AUTOMSG_USERNAME": BOT}), http=FAST)
    with connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
        assert list_skills(conn)
        [session] = emu.hook("GET", "sessions")[ACCOUNT]
        assert (session["login"], session["loginName"]) == ("app", BOT)
    assert not [c for c in calls(emu) if "sentinel" in c[1]]


def test_wrong_client_credentials_are_refused_in_words(emu: Emu, tmp_path: Path) -> None:
    s = settings_for(emu, {**CLIENT, "AUTOMSG_CLIENT_SECRET": "wrong"}, tmp_path)
    with pytest.raises(AuthError) as caught, connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
        list_skills(conn)
    assert (
        "Sentinel refused the OAuth 2.0 client credentials (AUTOMSG_CLIENT_ID / AUTOMSG_CLIENT_SECRET)"
        in str(caught.value)
    )


def test_the_client_secret_and_tokens_are_printed_nowhere(emu: Emu, tmp_path: Path) -> None:
    env = {
        **CLIENT,
        "AUTOMSG_CSDS_URL": emu.url,
        "AUTOMSG_ACCOUNT": ACCOUNT,
    }
    result = CliRunner().invoke(main, ["-v", "status", "--json"], env=env)
    assert result.exit_code == 0, result.output
    tokens = emu.server.app.extensions["automsg"]["tokens"].app_tokens
    assert tokens  # a token was issued, and
    for secret in [CLIENT["AUTOMSG_CLIENT_SECRET"], *tokens]:
        assert secret not in result.output and secret not in result.stderr


# --------------------------------------------------------------------------- which method


def test_the_method_and_its_variables_are_said_and_the_others_named_unused(emu: Emu, tmp_path: Path) -> None:
    env = {
        **CLIENT,
        **USER,
        "AUTOMSG_CSDS_URL": emu.url,
        "AUTOMSG_ACCOUNT": ACCOUNT,
    }
    result = CliRunner().invoke(main, ["status"], env=env)
    assert result.exit_code == 0, result.output
    assert (
        "credentials: OAuth 2.0 client credentials (AUTOMSG_CLIENT_ID, AUTOMSG_CLIENT_SECRET); if an API "
        "refuses its token, a bot login as AUTOMSG_USERNAME; also set and not used: AUTOMSG_PASSWORD"
    ) in result.output
    assert not [r for r in emu.requests() if "/vep/" in r["path"]]  # OAuth 2.0 was used, not the password


# --------------------------------------------------------------------------- OAuth 1.0


def test_oauth1_keys_still_work_with_one_warning_that_they_are_retired(
    emu: Emu, tmp_path: Path, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("automsg_sync.lp.oauth1._warned_retired", set())  # a new run
    s = settings_for(emu, KEYS, tmp_path)
    for _ in range(2):  # two connections of one run: one warning
        with connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
            assert list_skills(conn)
    warned = [r.getMessage() for r in logs.records if "LivePerson retired OAuth 1.0" in r.getMessage()]
    assert len(warned) == 1
    assert "2026-05-31" in warned[0] and "set AUTOMSG_CLIENT_ID and AUTOMSG_CLIENT_SECRET" in warned[0]


def test_an_account_past_oauth1_end_of_life_refuses_keys_in_words(emu_of: Any, tmp_path: Path) -> None:
    emu = emu_of(served(oauth1="eol"))
    s = settings_for(emu, KEYS, tmp_path)
    with pytest.raises(AuthError) as caught, connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
        list_skills(conn)
    assert caught.value.status == 401 and "end of life" in str(caught.value)


# --------------------------------------------------------------------------- 403 is not 404


def test_a_403_on_unified_only_reads_the_legacy_api(emu_of: Any, tmp_path: Path) -> None:
    emu = emu_of(served(forbidden="unified"))
    s = settings_for(emu, CLIENT, tmp_path)
    with connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
        api = AutoMessagesApi(conn)
        assert api.flavour == LEGACY


def test_a_403_on_both_apis_names_the_missing_privileges(emu_of: Any, tmp_path: Path) -> None:
    emu = emu_of(served(forbidden="both"))
    s = settings_for(emu, CLIENT, tmp_path)
    with pytest.raises(ApiError) as caught, connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
        _ = AutoMessagesApi(conn).flavour
    said = str(caught.value)
    assert "lack the Unified Automatic Messages API and the Automatic Messages API privilege (403)" in said


# --------------------------------------------------------------------------- numeric ids


def _translated_export(emu: Emu, s: Settings, tmp_path: Path) -> Path:
    export_po(s, tmp_path / "out")
    return fill_po(tmp_path / "out" / ACCOUNT / "fr-FR.po")


def _apply(s: Settings, path: Path) -> Any:
    state = StateStore(s.state_dir)
    try:
        with connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
            return import_translations(
                conn, s.account(ACCOUNT), [path], ImportOptions(apply=True), state, s.state_dir / "backups"
            )
    finally:
        state.close()


@pytest.mark.parametrize("ids", ["hidden", "listed"])
def test_a_server_that_refuses_names_in_write_urls_is_written_by_numeric_ids(
    emu_of: Any, tmp_path: Path, ids: str
) -> None:
    """``writeIds = numeric`` (the PUT page: "Positive long number greater than zero") and
    arrays refused, so every object is written alone: to ``…/{id}``, the id taken from the
    list (``listed``) or learned from the contexted get-by-id answer (``hidden``)."""
    emu = emu_of(served(writeIds="numeric", unifiedIds=ids, collectionArrays=False))
    s = settings_for(emu, CLIENT, tmp_path)
    path = _translated_export(emu, s, tmp_path)
    emu.clear_requests()
    report = _apply(s, path)
    assert report.exit_code == 0 and report.applied is not None and len(report.applied.written) == 13
    puts = [r for r in emu.requests() if r["method"] == "PUT"]
    named = [r["path"].rsplit("/", 1)[-1] for r in puts if r["status"] == 200]
    assert named and all(n.isdigit() for n in named)  # never a messageEventId in a write URL
    learned = [
        r
        for r in emu.requests()
        if r["method"] == "GET"
        and r["query"].get("view") == "BY_CONTEXT"
        and not r["path"].endswith("unified-auto-messages")
    ]
    assert (len(learned) > 0) == (ids == "hidden")  # a listed id needs no look-up


def test_no_learnable_id_and_a_refused_name_stop_before_any_other_write(
    emu_of: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = emu_of(served(writeIds="numeric", collectionArrays=False))
    s = settings_for(emu, CLIENT, tmp_path)
    path = _translated_export(emu, s, tmp_path)
    # the contexted get-by-id answers 404 here (a server that does not offer it)
    emu.faults(script=[{"match": "unified-auto-messages/", "method": "GET", "times": 50, "status": 404}])
    before = emu.dump()
    report = _apply(s, path)
    assert report.exit_code == 1
    said = " ".join(p.message for p in report.errors)
    assert "LivePerson refused the message's name in the write URL (400)" in said
    assert "stopped before any other write" in said
    after = emu.dump()
    assert before["accounts"][ACCOUNT]["autoMessages"] == after["accounts"][ACCOUNT]["autoMessages"]


# --------------------------------------------------------------------------- legacy API parameters


def test_the_legacy_api_gets_no_v2_and_a_400_to_its_parameters_is_not_fatal(
    emu_of: Any, tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    emu = emu_of(served(apis="legacy", legacyParams="documented"))
    s = settings_for(emu, CLIENT, tmp_path)
    with connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
        api = AutoMessagesApi(conn)
        listing = api.list_by_context()
        assert api.flavour == LEGACY and listing.contexts is not None and listing.contexts_proven is False
    legacy = [r for r in emu.requests() if "/auto-messages" in r["path"] and "unified" not in r["path"]]
    assert all(r["query"].get("v") == "1" for r in legacy)  # never v=2.0
    assert [r["status"] for r in legacy] == [400, 200] and legacy[-1]["query"] == {"v": "1"}
    assert "refused the parameters" in logs.text


# --------------------------------------------------------------------------- Login Service


def test_a_refresh_that_rotates_session_id_is_followed_and_logout_succeeds(
    emu_of: Any, tmp_path: Path
) -> None:
    emu = emu_of(served(sessionRotation="on"))
    s = settings_for(emu, USER, tmp_path)
    clock = Clock()
    with connect(s, s.account(ACCOUNT), sleep=Sleeps(), clock=clock) as conn:
        list_skills(conn)
        clock.now += 301  # past the refresh interval: the session is refreshed, its cookie rotated
        list_skills(conn)
    statuses = [(r["path"].rsplit("/", 1)[-1], r["status"]) for r in emu.requests()]
    assert ("refresh", 200) in statuses and statuses[-1] == ("logout", 200)
    assert emu.hook("GET", "sessions") == {}


def test_the_2026_reading_is_what_the_emulator_serves_when_asked(emu_of: Any, tmp_path: Path) -> None:
    emu = emu_of(served(**READING_2026))
    s = settings_for(emu, CLIENT, tmp_path)
    with connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
        api = AutoMessagesApi(conn)
        assert api.flavour == UNIFIED
        listing = api.list_by_context()
        assert listing.contexts and all(m.raw.get("id") for ms in listing.contexts.values() for m in ms)


# --------------------------------------------------------------------------- skills, channels


def test_a_deleted_skills_overrides_are_named_and_left_out_unless_asked_for(
    emu_of: Any, tmp_path: Path
) -> None:
    data = sample_data()
    for skill in data["accounts"][ACCOUNT]["skills"]:
        if skill["id"] == 7:
            skill["deleted"] = True
    emu = emu_of(data)
    s = settings_for(emu, CLIENT, tmp_path)
    account = s.account(ACCOUNT)
    state = StateStore(s.state_dir)
    with connect(s, account, sleep=Sleeps()) as conn:
        result = export_for_translation(
            conn, account, ExportRequest(tmp_path / "all", ["po"], ["fr-FR"]), state
        )
        export_for_translation(
            conn, account, ExportRequest(tmp_path / "seven", ["po"], ["fr-FR"], skills=["7"]), state
        )
    state.close()
    assert (
        "skill 7 (Billing) is deleted: its 3 override(s) are left out (name it in --skills to export them)"
        in (result.notices)
    )
    keys = {e.msgctxt for e in polib.pofile(str(tmp_path / "all" / ACCOUNT / "fr-FR.po"))}
    assert not [k for k in keys if k.startswith("skill/7|")] and [k for k in keys if k.startswith("skill/9|")]
    seven = {e.msgctxt: e for e in polib.pofile(str(tmp_path / "seven" / ACCOUNT / "fr-FR.po"))}
    assert "Skill: Billing (deleted) (7)" in seven["skill/7|CONSUMER_OPEN_NEW_CONVERSATION"].comment
    asked = [r["query"] for r in emu.requests() if r["path"].endswith("/le-users/skills")]
    assert asked and all(q.get("include_deleted") == "true" for q in asked)


def test_a_message_read_through_the_legacy_api_is_chat_and_keeps_its_sources_tags(
    emu_of: Any, tmp_path: Path
) -> None:
    """Every legacy-API message is chat (its overview: "LivePersons legacy chat product"):
    a translation keeping the source's ``<b>`` passes QA, as it would not for messaging."""
    emu = emu_of(served(apis="legacy"))
    emu.ui_edit("account", "CONSUMER_OPEN_NEW_CONVERSATION", "en-US", "Welcome to <b>Acme</b> support.")
    s = settings_for(emu, CLIENT, tmp_path)
    path = _translated_export(emu, s, tmp_path)
    po = polib.pofile(str(path))
    entry = next(e for e in po if e.msgctxt == "account|CONSUMER_OPEN_NEW_CONVERSATION")
    assert "Channel: chat" in entry.comment
    entry.msgstr = "Bienvenue chez le support <b>Acme</b>."
    po.save(str(path))
    state = StateStore(s.state_dir)
    with connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
        report = import_translations(conn, s.account(ACCOUNT), [path], ImportOptions(), state, tmp_path / "b")
    state.close()
    assert [
        f for f in report.qa if f.key == "account|CONSUMER_OPEN_NEW_CONVERSATION" and f.severity == "error"
    ] == []
    assert "account|CONSUMER_OPEN_NEW_CONVERSATION" in {d["key"] for d in report.to_json()["planned"]}


# --------------------------------------------------------------------------- stock texts


def _fr_welcome(data: dict[str, Any]) -> str:
    [obj] = [
        o
        for o in data["accounts"][ACCOUNT]["autoMessages"]["account"]
        if o["messageEventId"] == "CONSUMER_OPEN_NEW_CONVERSATION"
    ]
    return str(next(e["msg"] for e in obj["data"] if e["lang"].lower() == "fr-fr"))


@pytest.mark.parametrize("served_by", ["served", "none"])
def test_livepersons_stock_texts_mark_units_default_when_the_endpoint_answers(
    emu_of: Any,
    tmp_path: Path,
    served_by: str,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("automsg_sync.snapshot._said_no_stock", [])  # a new run
    data = served(defaults=served_by)
    data["accounts"][ACCOUNT]["stockTexts"] = {
        "CONSUMER_OPEN_NEW_CONVERSATION": {"fr-FR": _fr_welcome(sample_data())}
    }
    emu = emu_of(data)
    s = settings_for(emu, CLIENT, tmp_path)
    result = export_po(s, tmp_path / "out", ["fr-FR"])
    entries = {e.msgctxt: e for e in polib.pofile(str(tmp_path / "out" / ACCOUNT / "fr-FR.po"))}
    welcome = entries["account|CONSUMER_OPEN_NEW_CONVERSATION"]
    said = [r.getMessage() for r in logs.records if "stock texts could not be read" in r.getMessage()]
    if served_by == "served":
        assert "LivePerson default text" in welcome.comment and welcome.msgstr == _fr_welcome(sample_data())
        assert result.languages[0].states["default"] == 1 and said == []
    else:  # 404: as before, said once
        assert "LivePerson default text" not in welcome.comment
        assert result.languages[0].states["default"] == 0 and len(said) == 1


# --------------------------------------------------------------------------- languages


def test_en_uk_is_en_gb_and_the_accounts_spelling_is_written_back(emu: Emu, tmp_path: Path) -> None:
    """LivePerson's pages write "Format: en-US, en-UK": an account holding ``en-UK`` exports
    to ``--languages en-GB`` (one language), and a text added to a message that lacks it is
    written as the account spells it (``en-UK``), not as ``en-GB``."""
    emu.ui_edit("account", "CONSUMER_OPEN_NEW_CONVERSATION", "en-UK", "Thanks for messaging us, mate.")
    s = settings_for(emu, CLIENT, tmp_path)
    result = export_po(s, tmp_path / "out", ["en-GB"])
    assert [lang.language for lang in result.languages] == ["en-GB"]
    path = tmp_path / "out" / ACCOUNT / "en-GB.po"
    po = polib.pofile(str(path))
    assert (
        po.find("account|CONSUMER_OPEN_NEW_CONVERSATION", by="msgctxt").msgstr
        == "Thanks for messaging us, mate."
    )  # type: ignore[union-attr]
    for entry in po:
        entry.msgstr = entry.msgstr or f"(uk) {entry.msgid}"
    po.save(str(path))
    report = _apply(s, path)
    assert report.exit_code == 0 and report.applied is not None and report.applied.written
    spelled = {
        e["lang"]
        for objs in emu.dump()["accounts"][ACCOUNT]["autoMessages"].values()
        for o in objs
        for e in o["data"]
        if e["lang"].lower() in ("en-uk", "en-gb")
    }
    assert spelled == {"en-UK"}


def test_chat_messages_exported_to_a_language_not_listed_for_chat_are_warned_about(
    emu: Emu, tmp_path: Path
) -> None:
    s = settings_for(emu, CLIENT, tmp_path)
    result = export_po(s, tmp_path / "out", ["ca-ES", "fr-FR"])
    warned = [n for n in result.notices if "not a visitor language" in n]
    assert len(warned) == 1 and warned[0].startswith("ca-ES: ")


def test_a_401_names_the_method_and_its_variables(emu_of: Any, tmp_path: Path) -> None:
    emu = emu_of(served(oauth1="eol"))
    s = settings_for(emu, KEYS, tmp_path)
    with pytest.raises(AuthError) as caught, connect(s, s.account(ACCOUNT), sleep=Sleeps()) as conn:
        list_skills(conn)
    said = str(caught.value)
    assert (
        "credentials: OAuth 1.0 API key (retired by LivePerson) (AUTOMSG_APP_KEY, AUTOMSG_APP_SECRET" in said
    )
    assert KEYS["AUTOMSG_APP_SECRET"] not in said
