"""Short versions of the fault soak and the fuzzer (``make soak`` / ``make fuzz`` run the long ones),
and the transport guarantees: TLS verified by default, signatures compared in constant time."""

from __future__ import annotations

import hmac
import ssl
import threading
from collections.abc import Iterator

import pytest
import trustme
from fuzz import run_fuzz
from server_fuzz import run_server_fuzz
from soak import run_soak
from werkzeug.serving import make_server

from automsg_sync.config import HttpSettings
from automsg_sync.errors import TransportError
from automsg_sync.lp.connector import signature_valid, webhook_signature
from automsg_sync.lp.http import HttpClient


def test_short_soak_has_no_lost_update_and_no_violation() -> None:
    result = run_soak(cycles=12, seed=20261121, kill_every=6, out=None)
    assert result.cycles == 12
    assert result.lost_updates == 0
    assert result.violations == []
    assert result.kills >= 1 and sum(result.faults.values()) > 10  # faults really were injected
    assert result.concurrent_opens > 0  # another process opened the state store meanwhile
    # served as it is, as the Unified API documents it (shared objects, one PUT per object), arrays refused
    assert set(result.variants) == {"sample", "documented", "arrays refused"}


def test_short_fuzz_never_crashes() -> None:
    result = run_fuzz(inputs=300, seed=20261121, out=None)
    assert result.tried == 300 and result.crashed == 0, result.crashes[:1]
    assert result.rejected > 100 and result.clean > 0


def test_short_server_fuzz_never_crashes_writes_outside_or_misplaces() -> None:
    result = run_server_fuzz(inputs=60, seed=20261121, out=None)
    assert result.tried + result.not_loaded == 60 and result.tried > 40
    assert result.crashed == 0 and result.outside == 0 and result.misplaced == 0, result.crashes[:1]
    assert result.worked > 0 and len(result.by_mutation) == 8  # every kind of hostile data was served


@pytest.fixture
def tls_server() -> Iterator[str]:
    """An https server on loopback whose certificate comes from a CA nobody trusts."""
    ca = trustme.CA()
    cert = ca.issue_cert("localhost", "127.0.0.1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)

    def app(environ: dict, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"baseURIs": []}']

    server = make_server("127.0.0.1", 0, app, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://localhost:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_tls_is_verified_by_default(tls_server: str) -> None:
    client = HttpClient(HttpSettings(retry_waits=()), sleep=lambda _: None)
    with pytest.raises(TransportError, match="TLS error"):
        client.request("GET", tls_server)
    assert client.session.verify is True


def test_signatures_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    body = b'{"x": 1}'
    assert signature_valid("s3cret", body, webhook_signature("s3cret", body))
    assert not signature_valid("s3cret", body, "sha1=bogus")
    assert len(calls) == 2
