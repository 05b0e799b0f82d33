"""webhook.py: verify's webhook listener — signatures, the account and client headers, the
order of the consumer's messages (moved from tests/test_verify.py, assertions unchanged)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from typing import Any

import pytest
from conftest import ACCOUNT, free_port
from test_verify import CLIENT_ID, SECRET, change, doc, doc_bytes, notification, post_webhook

from automsg_sync.config import Secret
from automsg_sync.lp.connector import signature_algorithm, signature_valid, webhook_signature
from automsg_sync.webhook import WebhookListener


def test_webhook_signatures_sha1_and_sha256_anything_else_refused() -> None:
    payload = doc_bytes("webhook-signature-payload.example.json")  # the body notification-protocol.md signs
    agent = doc_bytes("webhook-content-event-agent.json")  # documented notification, sequence 2
    dialog = doc("webhook-content-event-agent.json")["body"]["changes"][0]["dialogId"]
    sha1_digest = webhook_signature(SECRET, agent).removeprefix("sha1=")
    sha512 = base64.b64encode(hmac.new(SECRET.encode(), agent, hashlib.sha512).digest()).decode()
    refused = [
        None,
        "",
        "sha1=AAAA",
        webhook_signature("another-secret", agent),
        webhook_signature("another-secret", agent, "sha256"),
        webhook_signature(SECRET, agent + b" "),  # tampered body
        sha1_digest,  # no prefix
        "SHA1=" + sha1_digest,
        "sha256=" + sha1_digest,  # a SHA1 digest labelled sha256
        "sha512=" + sha512,
        webhook_signature(SECRET, agent) + "x",
    ]
    with WebhookListener("127.0.0.1", free_port(), Secret(SECRET), ACCOUNT, CLIENT_ID) as hook:
        for header in refused:
            assert post_webhook(hook.url, agent, header) == 401, header
        assert hook.rejected == len(refused) and hook.accepted == 0 and hook.changes(dialog) == []
        assert hook.wait_for_automatic(dialog, 0.2) is None  # refused calls are never evidence
        assert post_webhook(hook.url, payload, webhook_signature(SECRET, payload)) == 200
        assert post_webhook(hook.url, payload, webhook_signature(SECRET, payload, "sha256")) == 200
        assert post_webhook(hook.url, agent, webhook_signature(SECRET, agent, "sha256")) == 200
        assert hook.signatures == {"sha1": 1, "sha256": 2}
        # sequence 2 with 0 and 1 never delivered: taken once nothing earlier came within `settle`
        assert hook.wait_for_automatic(dialog, 5, settle=0.2) == "Hello from the Agent\n"
    assert hook.rejected == len(refused)


def test_signature_format_is_the_documented_one() -> None:
    payload = doc_bytes("webhook-signature-payload.example.json")
    for algorithm, digest in (("sha1", hashlib.sha1), ("sha256", hashlib.sha256)):
        mac = base64.b64encode(hmac.new(b"THE_CLIENT_SECRET", payload, digest).digest()).decode()
        assert webhook_signature("THE_CLIENT_SECRET", payload, algorithm) == f"{algorithm}={mac}"
        assert signature_valid("THE_CLIENT_SECRET", payload, f"{algorithm}={mac}")
    # notification-protocol.md's sample headers: no usable secret comes with them, so only their
    # shape can be checked — a 20-byte (SHA1) and a 32-byte (SHA256) digest, base64, with the prefix.
    for header, algorithm, size in (
        ("sha1=12DcfY3NhieG0uMlGlNX/SHWBeQ=", "sha1", 20),
        ("sha256=xcF8VakxqTEyCxiQTwStupGCz3NC4FFTqXifBmmIRBM=", "sha256", 32),
    ):
        assert signature_algorithm(header) == algorithm
        ours = webhook_signature("s", payload, algorithm)
        assert (
            len(base64.b64decode(header.split("=", 1)[1]))
            == size
            == len(base64.b64decode(ours[len(algorithm) + 1 :]))
        )
        assert not signature_valid("THE_CLIENT_SECRET", payload, header)
    assert signature_algorithm("sha512=abc") is None and signature_algorithm(None) is None


def test_account_header_must_be_the_verified_account() -> None:
    body = doc_bytes("webhook-content-event-consumer.json")
    dialog = doc("webhook-content-event-consumer.json")["body"]["changes"][0]["dialogId"]
    sig = webhook_signature(SECRET, body)
    with WebhookListener("127.0.0.1", free_port(), Secret(SECRET), ACCOUNT, CLIENT_ID) as hook:
        assert post_webhook(hook.url, body, sig, account="70071529") == 403
        assert post_webhook(hook.url, body, sig, account=None) == 403
        assert post_webhook(hook.url, body, sig, account=ACCOUNT + " ") == 403
        assert hook.rejected == 3 and hook.changes(dialog) == []
        assert set(hook.rejections) == {
            "x-liveperson-account-id '70071529' is not account 70071528",
            "x-liveperson-account-id None is not account 70071528",
            "x-liveperson-account-id '70071528 ' is not account 70071528",
        }
        assert post_webhook(hook.url, body, sig) == 200
        assert [(c.role, c.sequence, c.audience) for c in hook.changes(dialog)] == [("CONSUMER", 39, "ALL")]
        assert hook.wait_for_automatic(dialog, 0.2) is None  # the consumer's own text is no automatic message


def test_client_id_header_must_be_the_connector_apps(logs: pytest.LogCaptureFixture) -> None:
    body = doc_bytes("webhook-content-event-consumer.json")
    dialog = doc("webhook-content-event-consumer.json")["body"]["changes"][0]["dialogId"]
    sig = webhook_signature(SECRET, body)
    with WebhookListener("127.0.0.1", free_port(), Secret(SECRET), ACCOUNT, CLIENT_ID) as hook:
        for client in ("another-app", None, CLIENT_ID.upper(), ""):
            assert post_webhook(hook.url, body, sig, client=client) == 403, client
        assert hook.rejected == 4 and hook.accepted == 0 and hook.changes(dialog) == []
        assert hook.wait_for_automatic(dialog, 0.2) is None
        assert f"x-liveperson-client-id 'another-app' is not the connector app's ({CLIENT_ID})" in logs.text
        assert f"x-liveperson-client-id None is not the connector app's ({CLIENT_ID})" in logs.text
        assert post_webhook(hook.url, body, sig) == 200
        assert hook.accepted == 1 and hook.rejected == 4 and len(hook.changes(dialog)) == 1


def test_listener_orders_by_sequence_counts_duplicates_once_and_ignores_agents_only() -> None:
    note = change(0, "CONTROLLER", "Internal: VIP customer", audience="AGENTS_AND_MANAGERS")
    welcome = change(1, "CONTROLLER", "Bienvenue !")
    echo = change(2, "CONSUMER", "hello")
    follow = change(3, "CONTROLLER", "Vous êtes 2e dans la file.")
    with WebhookListener("127.0.0.1", free_port(), Secret(SECRET), ACCOUNT, CLIENT_ID) as hook:

        def deliver(*changes: Any) -> None:
            body = notification(*changes)
            assert post_webhook(hook.url, body, webhook_signature(SECRET, body)) == 200

        deliver(follow)  # the latest first
        got: list[str | None] = []
        waiter = threading.Thread(target=lambda: got.append(hook.wait_for_automatic("conv-1", 20, settle=20)))
        waiter.start()
        deliver(welcome)
        deliver(welcome)  # delivered again
        deliver(echo, follow)  # and again, within another notification
        deliver(note)  # sequence 0 completes 0..1: the welcome is first, for sure
        waiter.join(timeout=10)
        assert not waiter.is_alive()  # decided when sequence 0 came, not after the 20 s settle
        assert got == ["Bienvenue !"]
        assert hook.duplicates == 2 and hook.hidden == 1
        assert [c.sequence for c in hook.changes("conv-1")] == [0, 1, 2, 3]
        assert [c.consumer_visible for c in hook.changes("conv-1")] == [False, True, True, True]


def test_agents_only_message_is_never_what_the_consumer_saw() -> None:
    with WebhookListener("127.0.0.1", free_port(), Secret(SECRET), ACCOUNT, CLIENT_ID) as hook:
        body = notification(change(0, "CONTROLLER", "for agents only", audience="AGENTS_AND_MANAGERS"))
        assert post_webhook(hook.url, body, webhook_signature(SECRET, body)) == 200
        assert hook.wait_for_automatic("conv-1", 0.3) is None
        assert hook.hidden == 1
