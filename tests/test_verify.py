"""verify over the Connector API against the emulator, and the webhook listener's signatures."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import polib
import pytest
import requests
from click.testing import CliRunner
from conftest import ACCOUNT, CONNECTOR, USER, Emu, Sleeps, free_port
from test_import import edit_po, export, run_import, set_text

from automsg_sync.cli import main
from automsg_sync.config import Secret, Settings, VerifySettings, load_settings
from automsg_sync.cron import cron_run
from automsg_sync.lp import Connection, connect
from automsg_sync.lp.connector import ConnectorClient, webhook_signature
from automsg_sync.state import StateStore
from automsg_sync.verify import MISMATCH, PASS, TIMEOUT, WebhookListener, matches, verify

CLIENT = CONNECTOR
FR_WELCOME = "Bonjour et bienvenue ! Un conseiller vous répond dans {expectedResponseTime}."
FR_BILLING = "Bienvenue à la Facturation ! Réponse sous {expectedResponseTime}."


@pytest.fixture
def vsettings(emu: Emu, tmp_path: Path) -> Settings:
    port = free_port()
    emu.hook(
        "PUT",
        f"accounts/{ACCOUNT}/connector-apps/{CLIENT['AUTOMSG_CONNECTOR_CLIENT_ID']}",
        {"webhookUrl": f"http://127.0.0.1:{port}/webhook"},
    )
    base = load_settings(None, {**USER, **CLIENT}, csds_url=emu.url, state_dir=tmp_path / "state")
    from conftest import FAST

    return replace(base, http=FAST, verify=VerifySettings(listen=f"127.0.0.1:{port}", timeout=5.0))


def run_verify(settings: Settings, language: str, skill: str | None = None, timeout: float | None = None):  # type: ignore[no-untyped-def]
    options = settings.verify if timeout is None else replace(settings.verify, timeout=timeout)
    conn = connect(settings, settings.account(ACCOUNT), sleep=Sleeps())
    return verify(
        conn,
        settings.account(ACCOUNT),
        StateStore(settings.state_dir),
        options,
        language=language,
        skill=skill,
    )


def push_welcome(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    export(conn, settings, tmp_path / "out", ["fr-FR"], ["po"])
    po = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    edit_po(po, set_text("account|Welcome message", FR_WELCOME))
    edit_po(po, set_text("skill/7|Welcome message", FR_BILLING))
    report = run_import(settings, [po], apply=True)
    assert report.exit_code == 0 and len(report.to_json()["applied"]) == 2


def test_passes_after_an_apply_account_and_skill(emu: Emu, vsettings: Settings, tmp_path: Path) -> None:
    conn = connect(vsettings, vsettings.account(ACCOUNT))
    push_welcome(conn, vsettings, tmp_path)
    account = run_verify(vsettings, "fr-FR")
    assert account.status == PASS and account.exit_code == 0
    assert account.received == "Bonjour et bienvenue ! Un conseiller vous répond dans 5 minutes."
    assert account.expected is not None and account.expected.origin.startswith("pushed by automsg-sync")
    skill = run_verify(vsettings, "fr-FR", "7")
    assert (
        skill.status == PASS
        and skill.expected is not None
        and skill.expected.unit_key == "skill/7|Welcome message"
    )
    conversations = emu.hook("GET", "conversations")["conversations"]
    assert {c["state"] for c in conversations.values()} == {"CLOSE"}  # verify closes what it opens
    assert [c["skill"] for c in conversations.values()] == [None, "7"]


def test_fails_with_both_texts_after_a_ui_edit(
    emu: Emu, vsettings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = connect(vsettings, vsettings.account(ACCOUNT))
    push_welcome(conn, vsettings, tmp_path)
    emu.ui_edit("account", "Welcome message", "fr-FR", "Salut ! (modifié dans l'interface)")
    result = run_verify(vsettings, "fr-FR")
    assert result.status == MISMATCH and result.exit_code == 3
    assert result.received == "Salut ! (modifié dans l'interface)" and result.expected is not None
    assert result.expected.text == FR_WELCOME and result.expected.live == "Salut ! (modifié dans l'interface)"
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
    assert f"expected ({result.expected.origin}): {FR_WELCOME}" in cli.stdout
    assert "received: Salut ! (modifié dans l'interface)" in cli.stdout
    flat = " ".join(cli.stdout.split())
    assert "it was changed (in the UI?) after our apply" in flat


def test_no_header_no_automatic_message(emu: Emu, vsettings: Settings) -> None:
    port = int(vsettings.verify.listen.rsplit(":", 1)[1])
    secret = Secret(CLIENT["AUTOMSG_CONNECTOR_CLIENT_SECRET"])
    conn = connect(vsettings, vsettings.account(ACCOUNT))
    client = ConnectorClient(conn.http, conn.domains, CLIENT["AUTOMSG_CONNECTOR_CLIENT_ID"], secret)
    with WebhookListener("127.0.0.1", port, secret) as hook:
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
    emu.hook(
        "PUT",
        f"accounts/{ACCOUNT}/connector-apps/{CLIENT['AUTOMSG_CONNECTOR_CLIENT_ID']}",
        {"webhookUrl": f"http://{vsettings.verify.listen}/webhook"},
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


def test_webhook_signatures(vsettings: Settings) -> None:
    port = free_port()
    secret = "w3bh00k-s1gning-secret"
    body = json.dumps(
        {
            "body": {
                "changes": [
                    {
                        "dialogId": "c1",
                        "originatorMetadata": {"role": "CONTROLLER"},
                        "event": {"type": "ContentEvent", "message": "hello"},
                    }
                ]
            }
        }
    ).encode()
    with WebhookListener("127.0.0.1", port, Secret(secret)) as hook:
        url = hook.url
        assert requests.post(url, data=body, timeout=5).status_code == 401
        assert (
            requests.post(
                url, data=body, headers={"x-liveperson-signature": "sha1=AAAA"}, timeout=5
            ).status_code
            == 401
        )
        wrong = webhook_signature("another-secret", body)
        assert (
            requests.post(url, data=body, headers={"x-liveperson-signature": wrong}, timeout=5).status_code
            == 401
        )
        tampered = webhook_signature(secret, body)
        assert (
            requests.post(
                url, data=body + b" ", headers={"x-liveperson-signature": tampered}, timeout=5
            ).status_code
            == 401
        )
        assert hook.rejected == 4 and hook.events.empty()
        good = requests.post(
            url, data=body, headers={"x-liveperson-signature": webhook_signature(secret, body)}, timeout=5
        )
        assert good.status_code == 200
        assert hook.wait_for_automatic("c1", 5) == "hello"


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
        if entry.msgctxt == "skill/9|Welcome message":
            entry.msgstr = "Bonjour, ici les Ventes ! Posez-nous vos questions."
    (settings.paths.inbox / ACCOUNT).mkdir(parents=True)
    po.save(str(settings.paths.inbox / ACCOUNT / "fr-FR.po"))
    report = cron_run(settings, sleep=Sleeps())
    assert report.exit_code == 0, report.to_json()
    [check] = report.accounts[0].verify
    assert (check["language"], check["skill"], check["status"]) == ("fr-FR", "9", "pass")
    assert "verified 1/1" in report.accounts[0].summary()
