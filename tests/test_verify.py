"""verify over the Connector API against the emulator, and the webhook listener's signatures."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path
from typing import Any

import polib
import pytest
import requests
from click.testing import CliRunner
from conftest import ACCOUNT, CONNECTOR, USER, Emu, Sleeps
from test_imports import edit_po, export, run_import, set_text
from werkzeug.serving import make_server

from automsg_sync.cli import main
from automsg_sync.config import Secret, Settings, VerifySettings, load_settings
from automsg_sync.cron import cron_run
from automsg_sync.errors import ApiError
from automsg_sync.lp import Connection, connect
from automsg_sync.lp.connector import (
    ConnectorClient,
    conversation_id,
    explain,
    webhook_signature,
)
from automsg_sync.state import StateStore
from automsg_sync.verify import (
    MISMATCH,
    NEW_CONVERSATION_WELCOMES,
    PASS,
    TIMEOUT,
    accepted_messages,
    languages_to_verify,
    matches,
    message_id,
    verify,
)
from automsg_sync.webhook import WebhookListener

CLIENT = CONNECTOR
FR_WELCOME = "Bonjour et bienvenue ! Un conseiller vous répond dans {expectedResponseTime}."
FR_BILLING = "Bienvenue à la Facturation ! Réponse sous {expectedResponseTime}."
FR_FIRST = "Bienvenue, première visite ? Comment pouvons-nous vous aider ?"  # its source has no placeholder
FIRST_TIME = "CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME"
RETURNING = "CONSUMER_OPEN_NEW_CONVERSATION"
OFF_HOURS = "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS"


@pytest.fixture
def vsettings(emu: Emu, tmp_path: Path) -> Settings:
    port = emu.webhook_port(CLIENT["AUTOMSG_CONNECTOR_CLIENT_ID"])
    base = load_settings(None, {**USER, **CLIENT}, csds_url=emu.url, state_dir=tmp_path / "state")
    from conftest import FAST

    return replace(base, http=FAST, verify=VerifySettings(listen=f"127.0.0.1:{port}", timeout=5.0))


def run_verify(  # type: ignore[no-untyped-def]
    settings: Settings,
    language: str,
    skill: str | None = None,
    timeout: float | None = None,
    message: str | None = None,
):
    options = settings.verify if timeout is None else replace(settings.verify, timeout=timeout)
    options = options if message is None else replace(options, message=message)
    conn = connect(settings, settings.account(ACCOUNT), sleep=Sleeps())
    return verify(
        conn,
        settings.account(ACCOUNT),
        StateStore(settings.state_dir),
        options,
        language=language,
        skill=skill,
    )


def filled(text: str) -> str:
    """A text as the emulator sends it."""
    return text.replace("{expectedResponseTime}", "5 minutes")


def po_key(po: Path, context: str, event_id: str) -> str | None:
    """The msgctxt of ``context``'s unit of the message ``event_id`` (stored under its id or UI name)."""
    for entry in polib.pofile(str(po)):
        ctx, _, event = (entry.msgctxt or "").partition("|")
        if ctx == context and message_id(event) == event_id:
            return str(entry.msgctxt)
    return None


def stored_id(emu: Emu, context: str, event_id: str) -> str:
    """The messageEventId under which the emulator keeps the message ``event_id`` in ``context``."""
    objects = emu.dump()["accounts"][ACCOUNT]["autoMessages"][context]
    return next(str(o["messageEventId"]) for o in objects if message_id(o["messageEventId"]) == event_id)


def change_account(emu: Emu, settings: Settings, edit: Any) -> None:
    """Edit the emulator's account data (``edit(account)``) and load it back, the webhook kept."""
    data = emu.dump()
    edit(data["accounts"][ACCOUNT])
    emu.hook("PUT", "load", data)
    emu.connector_app(
        CLIENT["AUTOMSG_CONNECTOR_CLIENT_ID"], webhookUrl=f"http://{settings.verify.listen}/webhook"
    )


def drop_message(emu: Emu, settings: Settings, event_id: str) -> None:
    def edit(account: dict[str, Any]) -> None:
        for objects in account["autoMessages"].values():
            objects[:] = [o for o in objects if message_id(o["messageEventId"]) != event_id]

    change_account(emu, settings, edit)


def push_welcome(conn: Connection, settings: Settings, tmp_path: Path) -> dict[str, str]:
    """Translate and apply fr-FR welcomes: the account's plain and first-time ones, skill 7's plain one
    (those the account has). Returns each one's unit key, by (context, event id)."""
    export(conn, settings, tmp_path / "out", ["fr-FR"], ["po"])
    po = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    keys = {}
    for context, event, text in (
        ("account", RETURNING, FR_WELCOME),
        ("skill/7", RETURNING, FR_BILLING),
        ("account", FIRST_TIME, FR_FIRST),
    ):
        key = po_key(po, context, event)
        if key is not None:
            edit_po(po, set_text(key, text))
            keys[f"{context} {event}"] = key
    report = run_import(settings, [po], apply=True)
    assert report.exit_code == 0 and len(report.to_json()["applied"]) == len(keys), report.to_json()
    return keys


def test_default_passes_on_the_first_time_welcome_a_new_consumer_gets(
    emu: Emu, vsettings: Settings, tmp_path: Path
) -> None:
    conn = connect(vsettings, vsettings.account(ACCOUNT))
    keys = push_welcome(conn, vsettings, tmp_path)
    assert vsettings.verify.message == "welcome"
    assert accepted_messages(vsettings.verify.message) == NEW_CONVERSATION_WELCOMES
    result = run_verify(vsettings, "fr-FR")
    assert result.status == PASS, result.to_json()
    assert result.received == filled(FR_FIRST) and result.received_message == FIRST_TIME
    assert result.expected is not None and result.expected.unit_key == keys[f"account {FIRST_TIME}"]
    assert (
        result.expected.origin.startswith("pushed by automsg-sync") and result.expected.message == FIRST_TIME
    )
    # the other welcomes it would have accepted, with their expected texts (JSON too)
    assert [e.message for e in result.alternatives] == [RETURNING, OFF_HOURS]
    assert result.to_json()["alternatives"][0]["text"] == FR_WELCOME
    [conversation] = emu.hook("GET", "conversations")["conversations"].values()
    assert [e.get("messageEventId") for e in conversation["events"]] == [FIRST_TIME, None]
    # the same through a skill without a first-time override: the account's first-time welcome
    skill = run_verify(vsettings, "fr-FR", "7")
    assert (skill.status, skill.received, skill.received_message) == (PASS, filled(FR_FIRST), FIRST_TIME)


def test_passes_after_an_apply_account_and_skill(emu: Emu, vsettings: Settings, tmp_path: Path) -> None:
    # An account without a first-time welcome: LivePerson sends the plain one to a new consumer too.
    drop_message(emu, vsettings, FIRST_TIME)
    conn = connect(vsettings, vsettings.account(ACCOUNT))
    keys = push_welcome(conn, vsettings, tmp_path)
    account = run_verify(vsettings, "fr-FR")
    assert account.status == PASS and account.exit_code == 0
    assert account.received == filled(FR_WELCOME) and account.received_message == RETURNING
    assert account.expected is not None and account.expected.origin.startswith("pushed by automsg-sync")
    skill = run_verify(vsettings, "fr-FR", "7")
    assert skill.status == PASS and skill.received == filled(FR_BILLING)
    assert skill.expected is not None and skill.expected.unit_key == keys[f"skill/7 {RETURNING}"]
    conversations = emu.hook("GET", "conversations")["conversations"]
    assert {c["state"] for c in conversations.values()} == {"CLOSE"}  # verify closes what it opens
    assert [c["skill"] for c in conversations.values()] == [None, "7"]
    assert [c["events"][0]["messageEventId"] for c in conversations.values()] == [RETURNING] * 2
    # an old config naming the UI name, and the event id, both find it (the data may store either)
    for message in ("Welcome message", "consumer_open_new_conversation"):
        old = run_verify(vsettings, "fr-FR", message=message)
        assert (old.status, old.accepted_messages, old.received_message) == (PASS, (RETURNING,), RETURNING)
        assert old.message == message


def test_a_configured_message_is_the_only_one_accepted(
    emu: Emu, vsettings: Settings, tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    conn = connect(vsettings, vsettings.account(ACCOUNT))
    push_welcome(conn, vsettings, tmp_path)
    strict = run_verify(vsettings, "fr-FR", message="Welcome message")
    # a new consumer gets the first-time welcome: not the configured message
    assert strict.status == MISMATCH and strict.exit_code == 3
    assert strict.received == filled(FR_FIRST) and strict.received_message == FIRST_TIME
    assert strict.expected is not None and strict.expected.text == FR_WELCOME
    assert strict.alternatives == ()
    assert f"the text received is {FIRST_TIME}'s" in logs.text
    # the first-time one, named by its UI name
    first = run_verify(vsettings, "fr-FR", message="First time welcome message")
    assert (first.status, first.accepted_messages, first.received_message) == (
        PASS,
        (FIRST_TIME,),
        FIRST_TIME,
    )


def test_off_hours_welcome_is_accepted_by_default(emu: Emu, vsettings: Settings) -> None:
    change_account(emu, vsettings, lambda account: account.update(offHours=True))
    result = run_verify(vsettings, "de-DE")  # the account has no first-time off-hours welcome
    assert result.status == PASS, result.to_json()
    assert result.received_message == OFF_HOURS and result.expected is not None
    assert result.received == "Unser Team ist gerade nicht erreichbar. Wir antworten innerhalb von 5 minutes."
    assert result.expected.origin == "live"
    assert run_verify(vsettings, "de-DE", message=FIRST_TIME).status == MISMATCH


def test_emulator_sends_first_time_then_returning_by_id_under_either_name(
    emu: Emu, vsettings: Settings
) -> None:
    def welcomes(conversations: list[str]) -> list[tuple[str, str]]:
        kept = emu.hook("GET", "conversations")["conversations"]
        return [
            (kept[c]["events"][0]["messageEventId"], kept[c]["events"][0]["message"]) for c in conversations
        ]

    first_fr = "Bienvenue ! C'est votre première conversation avec nous. Comment pouvons-nous vous aider ?"
    plain_fr = "Bonjour, merci de nous avoir contactés ! Un agent vous répondra dans 5 minutes."
    client = connector(vsettings)
    client.login("returning-consumer")
    seen = [client.open_conversation(language="fr-FR", skill=None, first_message="hi") for _ in range(2)]
    assert welcomes(seen) == [(FIRST_TIME, first_fr), (RETURNING, plain_fr)]
    # data that names the messages by their UI names (as the sample once did): the same choice
    renamed = {RETURNING: "Welcome message", FIRST_TIME: "First-time welcome message"}

    def to_names(account: dict[str, Any]) -> None:
        for objects in account["autoMessages"].values():
            for o in objects:
                o["messageEventId"] = renamed.get(o["messageEventId"], o["messageEventId"])

    change_account(emu, vsettings, to_names)
    assert stored_id(emu, "account", FIRST_TIME) == "First-time welcome message"
    client.login("another-new-consumer")
    again = [client.open_conversation(language="fr-FR", skill=None, first_message="hi") for _ in range(2)]
    assert welcomes(again) == [(FIRST_TIME, first_fr), (RETURNING, plain_fr)]
    result = run_verify(vsettings, "fr-FR")
    assert result.status == PASS and result.received_message == FIRST_TIME
    assert result.expected is not None
    assert result.expected.unit_key == f"account|{stored_id(emu, 'account', FIRST_TIME)}"
    # no first-time welcome: a new consumer gets the plain one
    drop_message(emu, vsettings, FIRST_TIME)
    client.login("a-third-new-consumer")
    third = client.open_conversation(language="fr-FR", skill=None, first_message="hi")
    assert welcomes([third]) == [(RETURNING, plain_fr)]


def test_languages_to_verify_by_catalog_id() -> None:
    applied = [
        ("account|CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR"),
        (f"skill/7|{FIRST_TIME}", "de-DE"),
        ("skill/9|YOU_ARE_CONNECTED_TO", "es-ES"),
        ("skill/9|CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS", "es-ES"),
    ]
    assert languages_to_verify(applied, "welcome") == [("de-DE", "7"), ("es-ES", "9"), ("fr-FR", None)]
    assert languages_to_verify(applied, "Welcome message") == [("fr-FR", None)]
    assert languages_to_verify(applied, RETURNING.lower()) == [("fr-FR", None)]
    assert languages_to_verify(applied, "Agent accepts message") == [("es-ES", "9")]
    assert accepted_messages(" Welcome ") == accepted_messages("") == NEW_CONVERSATION_WELCOMES
    assert accepted_messages("Brand message 7") == ("Brand message 7",)  # unknown: as it is


def test_verify_message_setting(tmp_path: Path) -> None:
    config = tmp_path / "automsg.toml"
    config.write_text('[verify]\nmessage = "Welcome message"\n')
    assert load_settings(config, dict(USER)).verify.message == "Welcome message"
    config.write_text("[verify]\ntimeout = 5\n")
    assert load_settings(config, dict(USER)).verify.message == "welcome"


def test_fails_with_both_texts_after_a_ui_edit(
    emu: Emu, vsettings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = connect(vsettings, vsettings.account(ACCOUNT))
    push_welcome(conn, vsettings, tmp_path)
    emu.ui_edit(
        "account", stored_id(emu, "account", FIRST_TIME), "fr-FR", "Salut ! (modifié dans l'interface)"
    )
    result = run_verify(vsettings, "fr-FR")
    assert result.status == MISMATCH and result.exit_code == 3
    assert result.received == "Salut ! (modifié dans l'interface)" and result.expected is not None
    assert result.expected.text == FR_FIRST and result.expected.live == "Salut ! (modifié dans l'interface)"
    assert result.received_message is None
    monkeypatch.chdir(tmp_path)
    args = [
        "verify",
        "--account",
        ACCOUNT,
        "--csds-url",
        emu.url,
        "--language",
        "fr-fr",
        "--state-dir",
        str(vsettings.state_dir),
        "--listen",
        vsettings.verify.listen,
        "--timeout",
        "5",
    ]
    cli = CliRunner().invoke(main, args, env={**USER, **CLIENT})
    assert cli.exit_code == 3, cli.stderr
    assert "mismatch" in cli.stdout
    assert f"expected ({result.expected.origin}): {FR_FIRST}" in cli.stdout
    assert "received: Salut ! (modifié dans l'interface)" in cli.stdout
    flat = " ".join(cli.stdout.split())
    assert "it was changed (in the UI?) after our apply" in flat


def test_no_header_no_automatic_message(emu: Emu, vsettings: Settings) -> None:
    port = int(vsettings.verify.listen.rsplit(":", 1)[1])
    secret = Secret(CLIENT["AUTOMSG_CONNECTOR_CLIENT_SECRET"])
    conn = connect(vsettings, vsettings.account(ACCOUNT))
    client = ConnectorClient(conn.http, conn.domains, CLIENT["AUTOMSG_CONNECTOR_CLIENT_ID"], secret)
    with WebhookListener("127.0.0.1", port, secret, ACCOUNT, CLIENT["AUTOMSG_CONNECTOR_CLIENT_ID"]) as hook:
        client.login("no-header-consumer")
        plain = client.open_conversation(
            language="fr-FR", skill=None, first_message="hi", auto_messages=False
        )
        enabled = client.open_conversation(
            language="fr-FR", skill=None, first_message="hi", auto_messages=True
        )
        assert hook.wait_for_automatic(enabled, 5) is not None
        # the plain conversation's consumer echo has arrived too by now; nothing automatic for it
        assert hook.wait_for_automatic(plain, 0.5) is None
    conversations = emu.hook("GET", "conversations")["conversations"]
    assert [e["role"] for e in conversations[plain]["events"]] == ["CONSUMER"]
    assert [e["role"] for e in conversations[enabled]["events"]] == ["CONTROLLER", "CONSUMER"]
    # every send of an AUTO_MESSAGES conversation needs the header
    with pytest.raises(Exception, match="400"):
        client.send(enabled, "again", auto_messages=False)


def test_verify_says_clearly_when_nothing_arrives(emu: Emu, vsettings: Settings) -> None:
    data = emu.dump()
    data["accounts"][ACCOUNT]["autoMessagesFeature"] = False  # not enabled by the account team
    emu.hook("PUT", "load", data)
    emu.connector_app(
        CLIENT["AUTOMSG_CONNECTOR_CLIENT_ID"], webhookUrl=f"http://{vsettings.verify.listen}/webhook"
    )
    result = run_verify(vsettings, "fr-FR", timeout=1.0)
    assert result.status == TIMEOUT and result.received is None and result.exit_code == 3
    from rich.console import Console

    from automsg_sync.render import print_verify_result

    console = Console(record=True, width=200)
    print_verify_result(console, result)
    assert (
        "No automatic message arrived. Is the AUTO_MESSAGES feature enabled for the account"
        in console.export_text()
    )


@pytest.mark.parametrize(
    ("expected", "received", "ok"),
    [
        ("{agentNickname} has joined.", "Alex has joined.", True),
        ("{agentNickname} has joined.", "Alex has left.", False),
        ("Hi {name}, wait {AvgWaitMinutes} min", "Hi John, wait 3 min", True),
        ("Plain (text) [x]*", "Plain (text) [x]*", True),
        ("Plain", "Plain and more", False),
    ],
)
def test_placeholders_match_any_text(expected: str, received: str, ok: bool) -> None:
    assert matches(expected, received) is ok


def test_cron_verifies_after_apply(emu: Emu, vsettings: Settings, tmp_path: Path) -> None:
    port = vsettings.verify.listen
    config = tmp_path / "automsg.toml"
    config.write_text(f"""
csds_url = "{emu.url}"
settle_seconds = 0
[http]
retry_waits = [0.01]
[policies]
auto_apply = true
verify_after_apply = true
[verify]
listen = "{port}"
timeout = 5
[[accounts]]
id = "{ACCOUNT}"
languages = ["fr-FR"]
formats = ["po"]
""")
    settings = load_settings(config, {**USER, **CLIENT})
    assert cron_run(settings, sleep=Sleeps()).exit_code == 0
    po = polib.pofile(str(settings.paths.outbox / ACCOUNT / "fr-FR.po"))
    for entry in po:
        if entry.msgctxt == "skill/9|CONSUMER_OPEN_NEW_CONVERSATION":
            entry.msgstr = "Bonjour, ici les Ventes ! Posez-nous vos questions."
    (settings.paths.inbox / ACCOUNT).mkdir(parents=True, exist_ok=True)
    po.save(str(settings.paths.inbox / ACCOUNT / "fr-FR.po"))
    report = cron_run(settings, sleep=Sleeps())
    assert report.exit_code == 0, report.to_json()
    [check] = report.accounts[0].verify
    assert (check["language"], check["skill"], check["status"]) == ("fr-FR", "9", "pass")
    # verify's consumer is new: what it saw is the account's first-time welcome, not skill 9's plain one
    assert check["received_message"] == FIRST_TIME and check["accepted_messages"] == list(
        NEW_CONVERSATION_WELCOMES
    )
    assert "verified 1/1" in report.accounts[0].summary()


# --------------------------------------------------------------------------------------------------
# Connector API and webhooks as documented (tests/data/lp-docs/connector/README.md names each page)

DOCS = Path(__file__).resolve().parent / "data" / "lp-docs" / "connector"
CLIENT_ID = CLIENT["AUTOMSG_CONNECTOR_CLIENT_ID"]
SECRET = CLIENT["AUTOMSG_CONNECTOR_CLIENT_SECRET"]
CONVERSATION_URL = f"/msg/api/account/{ACCOUNT}/messaging/consumer/conversation"


def doc(name: str) -> Any:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


def doc_bytes(name: str) -> bytes:
    return (DOCS / name).read_bytes()


def doc_with_account(name: str, **values: str) -> Any:
    """A documented request with its ``{accountid}``-style placeholders filled."""
    text = (DOCS / name).read_text(encoding="utf-8").replace("{accountid}", ACCOUNT)
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)


def post_webhook(
    url: str,
    body: bytes,
    signature: str | None,
    account: str | None = ACCOUNT,
    client: str | None = CLIENT_ID,
) -> int:
    headers = {"Content-Type": "application/json"}
    if client is not None:
        headers["x-liveperson-client-id"] = client
    if signature is not None:
        headers["x-liveperson-signature"] = signature
    if account is not None:
        headers["x-liveperson-account-id"] = account
    return requests.post(url, data=body, headers=headers, timeout=5).status_code


def set_app(emu: Emu, **fields: Any) -> None:
    emu.connector_app(CLIENT_ID, **fields)


class Clock:
    """An injectable monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def connector(settings: Settings, clock: Clock | None = None) -> ConnectorClient:
    conn = connect(settings, settings.account(ACCOUNT), sleep=Sleeps())
    if clock is None:
        return ConnectorClient(conn.http, conn.domains, CLIENT_ID, Secret(SECRET))
    return ConnectorClient(conn.http, conn.domains, CLIENT_ID, Secret(SECRET), clock=clock)


def sentinel_calls(emu: Emu) -> int:
    return sum(1 for r in emu.requests() if r["path"].endswith("/app/token"))


def change(sequence: int, role: str, message: str, audience: str = "ALL", dialog: str = "conv-1") -> Any:
    """A change shaped like the documented consumer ContentEvent (webhook-content-event-consumer.json)."""
    out = doc("webhook-content-event-consumer.json")["body"]["changes"][0]
    out.update(sequence=sequence, conversationId=dialog, dialogId=dialog, messageAudience=audience)
    out["originatorMetadata"]["role"] = role
    out["event"]["message"] = message
    return out


def notification(*changes: Any) -> bytes:
    body = {
        "kind": "notification",
        "body": {"changes": list(changes)},
        "type": "ms.MessagingEventNotification",
    }
    return json.dumps(body).encode()


class Recorder:
    """A plain webhook endpoint (a real HTTP server) keeping every call's headers and raw body.

    ``answer(n)`` is the status of a body's call when it came ``n`` times before (default 200)."""

    def __init__(self, answer: Callable[[int], int] = lambda n: 200) -> None:
        self.answer = answer
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.cond = threading.Condition()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {
            k[5:].lower().replace("_", "-"): str(v) for k, v in environ.items() if k.startswith("HTTP_")
        }
        with self.cond:
            status = self.answer(sum(1 for _, b in self.calls if b == body))
            self.calls.append((headers, body))
            self.cond.notify_all()
        start_response(f"{status} {HTTPStatus(status).phrase}", [("Content-Type", "text/plain")])
        return [b"ok\n"]

    def wait(self, count: int, timeout: float = 10) -> list[tuple[dict[str, str], bytes]]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.calls) >= count, timeout), self.calls
            return list(self.calls)

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# 1 to 4. signatures, the account header, duplicates and order: tests/test_webhook.py


def test_verify_through_sha256_repeated_reordered_webhooks_and_an_agents_note(
    emu: Emu, vsettings: Settings, tmp_path: Path
) -> None:
    conn = connect(vsettings, vsettings.account(ACCOUNT))
    push_welcome(conn, vsettings, tmp_path)
    set_app(
        emu,
        signature="sha256",
        agentsOnlyNote="Internal: VIP customer, be nice",
        followUpMessage="Vous êtes le {PlaceInQ}e dans la file.",
        outOfOrder=True,
        duplicateDeliveries=True,
    )
    result = run_verify(vsettings, "fr-FR")
    assert result.status == PASS, result.to_json()
    assert result.received == FR_FIRST and result.received_message == FIRST_TIME
    assert result.hidden_events == 1 and result.rejected_webhooks == 0
    [conversation] = emu.hook("GET", "conversations")["conversations"].values()
    assert [(e["sequence"], e["audience"], e["role"]) for e in conversation["events"]] == [
        (0, "AGENTS_AND_MANAGERS", "CONTROLLER"),
        (1, "ALL", "CONTROLLER"),
        (2, "ALL", "CONTROLLER"),
        (3, "ALL", "CONSUMER"),
    ]


def test_emulator_delivers_twice_out_of_order_counted_once(emu: Emu, vsettings: Settings) -> None:
    set_app(emu, agentsOnlyNote="note", followUpMessage="second", outOfOrder=True, duplicateDeliveries=True)
    port = int(vsettings.verify.listen.rsplit(":", 1)[1])
    client = connector(vsettings)
    with WebhookListener("127.0.0.1", port, Secret(SECRET), ACCOUNT, CLIENT_ID) as hook:
        client.login("reorder-consumer")
        conversation = client.open_conversation(language="fr-FR", skill=None, first_message="hi")
        received = hook.wait_for_automatic(conversation, 5)
        events = emu.hook("GET", "conversations")["conversations"][conversation]["events"]
        assert [e["message"] for e in events][:3] == ["note", received, "second"]
        # 3 create-time changes, one notification each, twice; the consumer echo twice: 8 calls
        assert hook.wait_for_calls(8, 10)
        assert hook.duplicates == 4 and hook.hidden == 1 and hook.signatures == {"sha1": 8}
        assert [c.sequence for c in hook.changes(conversation)] == [0, 1, 2, 3]


# 7. the emulator's webhook headers ----------------------------------------------------------------


def test_emulator_webhooks_carry_the_documented_headers(emu: Emu, vsettings: Settings) -> None:
    client = connector(vsettings)
    client.login("headers-consumer")
    with Recorder() as recorder:
        for algorithm, expected_calls in (("sha256", 2), ("sha1", 4)):
            set_app(emu, webhookUrl=recorder.url, signature=algorithm)
            conversation = client.open_conversation(language="fr-FR", skill=None, first_message="hi")
            calls = recorder.wait(expected_calls)[expected_calls - 2 :]
            sequences = []
            for headers, body in calls:
                assert headers["x-liveperson-account-id"] == ACCOUNT
                assert headers["x-liveperson-client-id"] == CLIENT_ID
                assert headers["x-liveperson-signature"] == webhook_signature(SECRET, body, algorithm)
                [item] = json.loads(body)["body"]["changes"]
                assert item["dialogId"] == item["conversationId"] == conversation
                assert item["messageAudience"] == "ALL"
                sequences.append(item["sequence"])
            assert sorted(sequences) == [0, 1]
        answer = client.send(conversation, "again")
    documented = doc("connector-send.response.json")
    assert set(answer) == set(documented) and answer["code"] == "OK" and answer["body"] == {"sequence": 2}


def deliveries_over(emu: Emu) -> None:
    """Wait until the emulator says no notification is still being delivered or retried."""
    deadline = time.monotonic() + 30
    while emu.hook("GET", "conversations")["sending"]:
        assert time.monotonic() < deadline, "the emulator's webhook deliveries never ended"
        threading.Event().wait(0.01)  # polled: the emulator tells when its deliveries are over


@pytest.mark.parametrize(("first", "retried"), [(200, False), (201, False), (202, True), (500, True)])
def test_emulator_retries_a_webhook_not_answered_200_or_201(
    emu: Emu, vsettings: Settings, first: int, retried: bool
) -> None:
    client = connector(vsettings)
    client.login("retried-consumer")
    with Recorder(answer=lambda n: first if n == 0 else 200) as recorder:
        set_app(emu, webhookUrl=recorder.url)
        client.open_conversation(language="fr-FR", skill=None, first_message="hi")  # 2 notifications
        recorder.wait(4 if retried else 2)
        deliveries_over(emu)  # every delivery, retries included, is over: nothing more will come
        calls = Counter(body for _, body in recorder.calls)
    assert sorted(calls.values()) == ([2, 2] if retried else [1, 1])
    deliveries = emu.hook("GET", "conversations")["deliveries"]
    expected = [(1, first), (1, first)] + ([(2, 200), (2, 200)] if retried else [])
    assert sorted((d["attempt"], d["status"]) for d in deliveries) == expected


@pytest.mark.parametrize(("retries", "attempts"), [(None, 5), (0, 1), (9, 6)])
def test_emulator_webhook_retries_are_bounded(
    emu: Emu, vsettings: Settings, retries: int | None, attempts: int
) -> None:
    client = connector(vsettings)
    client.login("refused-consumer")
    with Recorder(answer=lambda n: 500) as recorder:
        set_app(emu, webhookUrl=recorder.url, webhookRetries=retries)
        client.open_conversation(language="fr-FR", skill=None, first_message="hi")
        recorder.wait(2 * attempts)
        deliveries_over(emu)
        calls = Counter(body for _, body in recorder.calls)
    assert sorted(calls.values()) == [attempts, attempts]
    deliveries = emu.hook("GET", "conversations")["deliveries"]
    assert sorted(d["attempt"] for d in deliveries) == sorted(list(range(1, attempts + 1)) * 2)


# 5. create-conversation answers, close bodies, refusals in words ----------------------------------


def test_documented_create_conversation_answer_is_understood() -> None:
    documented = doc("connector-create-conversation.response.json")
    assert conversation_id(documented) == "8602832d-dce1-446b-8445-0d51f5926a42"
    kind_resp = [
        {"kind": "resp", "reqId": "1,", "code": 200, "body": "OK", "type": "GenericResponse"},
        {"kind": "resp", "reqId": "2,", "code": 200, "body": {"conversationId": "c-9"}, "type": "x"},
    ]
    assert conversation_id(kind_resp) == "c-9"
    refused = [documented[0], {**doc("connector-auth-error.401.response.json"), "reqId": "2,"}]
    with pytest.raises(ApiError, match=r"refused: 40104: the ConsumerJWS is missing"):
        conversation_id(refused)
    with pytest.raises(ApiError, match="holds no conversationId"):
        conversation_id([documented[0]])


def test_emulator_accepts_the_minimal_documented_body_and_answers_as_documented(
    emu: Emu, vsettings: Settings
) -> None:
    client = connector(vsettings)
    client.login("minimal-consumer")
    url = emu.url + CONVERSATION_URL
    r = requests.post(
        url,
        params={"v": "3"},
        headers=client.headers(),
        json=doc_with_account("connector-create-conversation-minimal.request.json"),
        timeout=5,
    )
    assert r.status_code == 200, r.text
    answer, documented = r.json(), doc("connector-create-conversation.response.json")
    assert (
        [set(item) for item in answer]
        == [set(item) for item in documented]
        == [{"code", "body", "reqId"}] * 2
    )
    assert [i["reqId"] for i in answer] == ["1,", "2,"] and {i["code"] for i in answer} == {"OK"}
    assert answer[0]["body"] == documented[0]["body"]
    conversations = emu.hook("GET", "conversations")["conversations"]
    created = conversations[conversation_id(answer)]
    assert (created["state"], created["skill"], created["lang"]) == ("OPEN", None, None)
    # the kind/numeric-code variant works through the client too
    set_app(emu, answers="kind-resp")
    other = client.open_conversation(language="fr-FR", skill=None, first_message="hi")
    assert emu.hook("GET", "conversations")["conversations"][other]["state"] == "OPEN"


def test_close_with_conversation_field_object_or_array(emu: Emu, vsettings: Settings) -> None:
    client = connector(vsettings)
    client.login("close-consumer")
    send_url = emu.url + CONVERSATION_URL + "/send"
    ids = [client.open_conversation(language=None, skill=None, first_message="hi") for _ in range(3)]
    documented = doc_with_account("connector-close-conversation.request.json", conversationId=ids[0])
    assert isinstance(documented["body"]["conversationField"], dict)
    array = {
        **documented,
        "body": {"conversationId": ids[1], "conversationField": [documented["body"]["conversationField"]]},
    }
    for body in (documented, array):
        r = requests.post(send_url, params={"v": "3"}, headers=client.headers(), json=body, timeout=5)
        assert r.status_code == 200 and r.json()["code"] == "OK", r.text
    client.close(ids[2])  # the client sends the documented object
    states = {k: v["state"] for k, v in emu.hook("GET", "conversations")["conversations"].items()}
    assert [states[i] for i in ids] == ["CLOSE"] * 3


def test_refusals_carry_the_documented_error_codes_explained_in_words(emu: Emu, vsettings: Settings) -> None:
    documented = doc("connector-auth-error.401.response.json")
    words = explain(documented)
    assert words is not None and words.startswith("40104: the ConsumerJWS is missing")
    assert "LivePerson said: AppJWT is missing: AUTHORIZATION header is not present" in words
    client = connector(vsettings)
    client.login("refused-consumer")
    good = client.headers()
    minimal = doc_with_account("connector-create-conversation-minimal.request.json")
    no_brand = json.loads(json.dumps(minimal))
    del no_brand[1]["body"]["brandId"]
    cases = [
        ({}, minimal, 401, 40105, "40105: the AppJWT is missing"),
        (
            {**good, "Authorization": "appjwt.forged"},
            minimal,
            401,
            40102,
            "40102: the AppJWT has expired or is invalid",
        ),
        ({"Authorization": good["Authorization"]}, minimal, 401, 40104, "40104: the ConsumerJWS is missing"),
        (
            {**good, "X-LP-ON-BEHALF": "consumerjws.forged"},
            minimal,
            401,
            40103,
            "40103: the ConsumerJWS (X-LP-ON-BEHALF) is invalid",
        ),
        (good, no_brand, 400, 40001, "40001: a mandatory parameter is missing"),
    ]
    for headers, body, status, code, meaning in cases:
        r = requests.post(
            emu.url + CONVERSATION_URL, params={"v": "3"}, headers=headers, json=body, timeout=5
        )
        answer = r.json()
        assert (r.status_code, answer["code"], answer["body"]["errorCode"]) == (status, status, code)
        assert set(answer) == set(documented) and set(answer["body"]) == set(documented["body"])
        assert (explain(answer) or "").startswith(meaning)


def test_cli_explains_a_refused_appjwt_in_words_never_a_traceback(
    emu: Emu, vsettings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["verify", "--account", ACCOUNT, "--csds-url", emu.url, "--language", "fr-FR"]
    args += ["--state-dir", str(vsettings.state_dir), "--listen", vsettings.verify.listen, "--timeout", "2"]
    set_app(emu, tokenTtl=0)  # every AppJWT is dead on arrival: 40102, renewed once, 40102 again
    emu.clear_requests()
    cli = CliRunner().invoke(main, args, env={**USER, **CLIENT})
    assert cli.exit_code == 1 and isinstance(cli.exception, SystemExit), cli.output
    assert "Traceback" not in cli.output
    flat = " ".join(cli.stderr.split())
    assert "answered 401: 40102: the AppJWT has expired or is invalid" in flat
    assert "(LivePerson said: Invalid AppJWT: AppJWT has expired or is invalid)" in flat
    assert sentinel_calls(emu) == 2
    set_app(emu, tokenTtl=None)
    cli = CliRunner().invoke(main, args, env={**USER, **CLIENT, "AUTOMSG_CONNECTOR_CLIENT_SECRET": "wrong"})
    assert cli.exit_code == 1 and "Traceback" not in cli.output
    assert "sentinel refused the connector app's client credentials" in " ".join(cli.stderr.split())
    assert "wrong" not in cli.output  # the secret is never printed


# 6. AppJWT renewal --------------------------------------------------------------------------------


def test_sentinel_and_idp_answers_are_the_documented_ones(emu: Emu) -> None:
    url = f"{emu.url}/sentinel/sentinel/api/account/{ACCOUNT}/app/token"
    r = requests.post(
        url,
        params={"v": "1.0", "grant_type": "client_credentials"},
        data={"client_id": CLIENT_ID, "client_secret": SECRET},
        timeout=5,
    )
    assert r.status_code == 200 and set(r.json()) == set(
        doc("sentinel-appjwt.response.json")
    )  # no expires_in
    r = requests.post(
        f"{emu.url}/idp/api/account/{ACCOUNT}/consumer",
        params={"v": "1.0"},
        headers={"Authorization": r.json()["access_token"]},
        json=doc("idp-consumerjws.request.json"),
        timeout=5,
    )
    assert r.status_code == 201 and set(r.json()) == set(doc("idp-consumerjws.201.response.json"))


def test_appjwt_renewed_after_its_hour(emu: Emu, vsettings: Settings) -> None:
    clock = Clock()
    client = connector(vsettings, clock)
    emu.clear_requests()
    client.login("renewal-consumer")
    conversation = client.open_conversation(language="fr-FR", skill=None, first_message="hi")
    first = client.headers()["Authorization"]
    clock.now += 3600 - 61  # the documented answer has no expires_in: one hour, renewed a minute early
    client.send(conversation, "still within the hour")
    assert client.app_jwts_fetched == 1 and sentinel_calls(emu) == 1
    clock.now += 2
    client.send(conversation, "after the hour")
    assert client.app_jwts_fetched == 2 and sentinel_calls(emu) == 2
    assert client.headers()["Authorization"] != first
    # LivePerson says 40102 anyway (revoked, clock skew): renewed once and the send goes through
    emu.hook("POST", "connector/tokens/expire")
    assert client.send(conversation, "after a 40102")["code"] == "OK"
    assert client.app_jwts_fetched == 3 and sentinel_calls(emu) == 3


def test_appjwt_renewed_sooner_when_expires_in_says_so(emu: Emu, vsettings: Settings) -> None:
    set_app(emu, tokenTtl=120)
    clock = Clock()
    client = connector(vsettings, clock)
    client.login("short-token-consumer")
    conversation = client.open_conversation(language="fr-FR", skill=None, first_message="hi")
    clock.now += 107  # 120 s less a margin of a tenth: renewed from 108 s on
    client.send(conversation, "before")
    assert client.app_jwts_fetched == 1
    clock.now += 2
    client.send(conversation, "after")
    assert client.app_jwts_fetched == 2
