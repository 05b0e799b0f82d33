"""The retry policy and the exception boundary, with faults injected by the emulator."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest
from conftest import ACCOUNT, Emu, Sleeps

from automsg_sync.config import Settings
from automsg_sync.errors import ApiStatusError, ConfigError, TransportError
from automsg_sync.lp import Connection, connect
from automsg_sync.lp.http import HttpClient, check_transport
from automsg_sync.lp.skills import list_skills

SKILLS = "le-users/skills"


def _skill_calls(emu: Emu) -> list[int]:
    return [r["status"] for r in emu.requests() if r["path"].endswith("/skills")]


def test_5xx_retried_three_times_then_clear_error(emu: Emu, conn: Connection, sleeps: Sleeps) -> None:
    emu.faults(script=[{"match": SKILLS, "status": 503, "times": 10}])
    with pytest.raises(ApiStatusError) as caught:
        list_skills(conn)
    assert caught.value.status == 503
    assert "/configuration/le-users/skills answered 503" in str(caught.value)
    assert _skill_calls(emu) == [503, 503, 503, 503]
    assert sleeps == [0.01, 0.01, 0.01]


def test_default_waits_are_5_10_15(emu: Emu, settings: Settings, sleeps: Sleeps) -> None:
    slow = replace(settings, http=replace(settings.http, retry_waits=(5.0, 10.0, 15.0)))
    conn = connect(slow, slow.account(ACCOUNT), sleep=sleeps)
    emu.faults(script=[{"match": SKILLS, "status": 500, "times": 3}])
    assert "7" in list_skills(conn)
    assert sleeps == [5.0, 10.0, 15.0]
    assert _skill_calls(emu) == [500, 500, 500, 200]


@pytest.mark.parametrize("status", [400, 403, 404])
def test_4xx_not_retried(emu: Emu, conn: Connection, sleeps: Sleeps, status: int) -> None:
    emu.faults(script=[{"match": SKILLS, "status": status}])
    with pytest.raises(ApiStatusError) as caught:
        list_skills(conn)
    assert caught.value.status == status
    assert _skill_calls(emu) == [status]
    assert sleeps == []


def test_429_waits_retry_after(emu: Emu, conn: Connection, sleeps: Sleeps) -> None:
    emu.faults(script=[{"match": SKILLS, "status": 429, "retryAfter": 7}])
    assert "7" in list_skills(conn)
    assert sleeps == [7.0]
    assert _skill_calls(emu) == [429, 200]


def test_429_waits_at_least_the_minimum(emu: Emu, settings: Settings, sleeps: Sleeps) -> None:
    s = replace(settings, http=replace(settings.http, min_rate_limit_wait=1.0))
    conn = connect(s, s.account(ACCOUNT), sleep=sleeps)
    emu.faults(script=[{"match": SKILLS, "status": 429}])
    list_skills(conn)
    assert sleeps == [1.0]


def test_configured_rate_limit_answers_429(emu: Emu, conn: Connection, sleeps: Sleeps) -> None:
    list_skills(conn)  # log in first
    emu.faults(rateLimit={"requests": 1, "perSeconds": 60, "retryAfter": 3})
    list_skills(conn)  # the one allowed request
    with pytest.raises(ApiStatusError) as caught:
        list_skills(conn)
    assert caught.value.status == 429
    assert sleeps == [3.0, 3.0, 3.0]


def test_dropped_connection_is_retried(emu: Emu, conn: Connection, sleeps: Sleeps) -> None:
    emu.faults(script=[{"match": SKILLS, "drop": True}])
    assert "7" in list_skills(conn)
    assert _skill_calls(emu) == [0, 200]
    assert len(sleeps) == 1


def test_connection_refused_is_a_transport_error_not_a_requests_exception() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = HttpClient(sleep=lambda _: None)
    with pytest.raises(TransportError, match="connection failed"):
        client.request("GET", f"http://127.0.0.1:{port}/x")
    assert client.requests_sent == 4


def test_timeout_is_a_transport_error(emu: Emu, settings: Settings, sleeps: Sleeps) -> None:
    s = replace(settings, http=replace(settings.http, timeout=0.2))
    conn = connect(s, s.account(ACCOUNT), sleep=sleeps)
    list_skills(conn)
    emu.faults(script=[{"match": SKILLS, "latencyMs": 1000, "times": 4}])
    with pytest.raises(TransportError, match="timed out"):
        list_skills(conn)


@pytest.mark.parametrize(
    "url",
    ["http://api.liveperson.net/x", "http://10.0.0.1/x", "ftp://127.0.0.1/x", "http://example.com"],
)
def test_plain_http_to_non_loopback_refused(url: str) -> None:
    client = HttpClient(sleep=lambda _: None)
    with pytest.raises(ConfigError, match="only https is allowed"):
        client.request("GET", url)
    assert client.requests_sent == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://api.liveperson.net/x",
        "http://127.0.0.1:1/x",
        "http://localhost/x",
        "http://[::1]/x",
    ],
)
def test_https_and_loopback_allowed(url: str) -> None:
    check_transport(url)
