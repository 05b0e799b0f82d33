"""The retry policy and the exception boundary, with faults injected by the emulator.

Also: failures to connect at all (retried once, with words saying what to check)
and a CSDS URL without a usable scheme (a ConfigError naming where it came from).
"""

from __future__ import annotations

import email.utils
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from click.testing import CliRunner
from conftest import ACCOUNT, USER, Emu, Sleeps
from werkzeug.serving import make_server

from automsg_sync.cli import main
from automsg_sync.config import HttpSettings, Settings, load_settings
from automsg_sync.errors import ApiStatusError, ConfigError, TransportError, WaitRefused
from automsg_sync.lp import Connection, connect
from automsg_sync.lp.domain import Domains
from automsg_sync.lp.http import CONNECT_RETRY_WAIT, ConnectFailed, HttpClient
from automsg_sync.lp.skills import list_skills
from automsg_sync.urls import check_transport

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


def test_dropped_connections_keep_the_full_retry_policy(emu: Emu, conn: Connection, sleeps: Sleeps) -> None:
    list_skills(conn)  # log in first
    emu.clear_requests()
    emu.faults(script=[{"match": SKILLS, "drop": True, "times": 10}])
    with pytest.raises(TransportError, match="connection failed") as caught:
        list_skills(conn)
    assert not isinstance(caught.value, ConnectFailed)
    assert _skill_calls(emu) == [0, 0, 0, 0]
    assert sleeps == [0.01, 0.01, 0.01]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_connection_refused_is_retried_once_with_a_short_wait_and_says_what_to_check(sleeps: Sleeps) -> None:
    port = _closed_port()
    client = HttpClient(sleep=sleeps)  # the default waits: 5, 10, 15 s
    with pytest.raises(ConnectFailed) as caught:
        client.request("GET", f"http://127.0.0.1:{port}/x?secret=no")
    assert str(caught.value) == (
        f"GET http://127.0.0.1:{port}/x: connection failed: cannot connect to 127.0.0.1:{port} "
        "(connection refused): is the server running? is the URL right?"
    )
    assert isinstance(caught.value, TransportError)  # still an ApiError: exit 1, one line
    assert client.requests_sent == 2
    assert sleeps == [CONNECT_RETRY_WAIT] and CONNECT_RETRY_WAIT <= 1.0


def test_connection_refused_with_no_retries_configured_is_tried_once(sleeps: Sleeps) -> None:
    client = HttpClient(HttpSettings(retry_waits=()), sleep=sleeps)
    with pytest.raises(ConnectFailed, match="connection refused"):
        client.request("GET", f"http://127.0.0.1:{_closed_port()}/x")
    assert client.requests_sent == 1
    assert sleeps == []


def test_https_to_a_plain_http_server_says_so(emu: Emu, sleeps: Sleeps) -> None:
    url = emu.url.replace("http://", "https://") + "/x"
    client = HttpClient(sleep=sleeps)
    with pytest.raises(ConnectFailed) as caught:
        client.request("GET", url)
    where = emu.url.removeprefix("http://")
    assert str(caught.value) == (
        f"GET {url}: TLS handshake failed talking to {where}: does the server speak https? "
        "(plain http is only for a loopback emulator)"
    )
    assert client.requests_sent == 2
    assert sleeps == [CONNECT_RETRY_WAIT]


@pytest.fixture
def tls_speaker() -> Iterator[int]:
    """A loopback port that answers whatever it is sent with a TLS alert record, as TLS servers do."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    stop = threading.Event()

    def serve() -> None:
        while True:
            peer, _ = listener.accept()
            with peer:
                if stop.is_set():
                    return
                peer.recv(4096)
                peer.sendall(b"\x15\x03\x01\x00\x02\x02\x32")  # alert: protocol_version

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port
    stop.set()
    socket.create_connection(("127.0.0.1", port)).close()  # wakes accept()
    thread.join(timeout=10)
    listener.close()
    assert not thread.is_alive()


def test_plain_http_to_a_tls_port_says_write_https(tls_speaker: int, sleeps: Sleeps) -> None:
    client = HttpClient(sleep=sleeps)
    with pytest.raises(ConnectFailed) as caught:
        client.request("GET", f"http://127.0.0.1:{tls_speaker}/x")
    assert str(caught.value).endswith(
        f"127.0.0.1:{tls_speaker} answered in TLS, not plain http: write https://127.0.0.1:{tls_speaker}/…"
    )
    assert client.requests_sent == 2
    assert sleeps == [CONNECT_RETRY_WAIT]


def test_untrusted_certificate_is_retried_once(sleeps: Sleeps) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    server = make_server("127.0.0.1", 0, _ok_app, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = HttpClient(sleep=sleeps)
        with pytest.raises(ConnectFailed) as caught:
            client.request("GET", f"https://localhost:{server.server_port}/")
    finally:
        server.shutdown()
        server.server_close()
    assert f"TLS error: the certificate of localhost:{server.server_port} is not trusted" in str(caught.value)
    assert "install the server's CA in the system trust store" in str(caught.value)
    assert client.requests_sent == 2
    assert sleeps == [CONNECT_RETRY_WAIT]


def _ok_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b"{}"]


def test_a_host_that_does_not_resolve_says_so(monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps) -> None:
    # The resolver answers "no such name" for this one host, so the test needs no network.
    real = socket.getaddrinfo

    def resolver(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "lp-csds.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    client = HttpClient(sleep=sleeps)
    with pytest.raises(ConnectFailed) as caught:
        client.request("GET", "https://lp-csds.invalid/api")
    assert (
        str(caught.value)
        == "GET https://lp-csds.invalid/api: cannot resolve host lp-csds.invalid: is the URL right?"
    )
    assert client.requests_sent == 2
    assert sleeps == [CONNECT_RETRY_WAIT]


def test_timeout_is_a_transport_error(emu: Emu, settings: Settings, sleeps: Sleeps) -> None:
    s = replace(settings, http=replace(settings.http, timeout=0.2))
    conn = connect(s, s.account(ACCOUNT), sleep=sleeps)
    list_skills(conn)
    emu.faults(script=[{"match": SKILLS, "latencyMs": 1000, "times": 4}])
    with pytest.raises(TransportError, match="timed out") as caught:
        list_skills(conn)
    assert not isinstance(caught.value, ConnectFailed)
    assert sleeps == [0.01, 0.01, 0.01]  # timeouts keep the full policy


def _cli(args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "127.0.0.1:8080",
            "error: --csds-url 127.0.0.1:8080 has no scheme: "
            "write http://127.0.0.1:8080 (loopback emulator) or https://127.0.0.1:8080",
        ),
        (
            "api.liveperson.net",
            "error: --csds-url api.liveperson.net has no scheme: "
            "write https://api.liveperson.net (plain http is only for a loopback emulator)",
        ),
        (
            "localhost:8080",  # urlsplit reads "localhost" as the scheme
            "error: --csds-url localhost:8080 has no scheme: "
            "write http://localhost:8080 (loopback emulator) or https://localhost:8080",
        ),
        (
            "ftp://127.0.0.1:8080",
            "error: --csds-url ftp://127.0.0.1:8080: refusing ftp-scheme URL to '127.0.0.1': "
            "only https is allowed, plain http only to a loopback host",
        ),
        (
            "http://api.liveperson.net",
            "error: --csds-url http://api.liveperson.net: refusing http-scheme URL to 'api.liveperson.net': "
            "only https is allowed, plain http only to a loopback host",
        ),
        ("https://", "error: --csds-url https:// has no host"),
    ],
)
def test_csds_url_option_without_a_usable_scheme_is_a_config_error(
    url: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, err = _cli(["status", "--account", "1", "--csds-url", url], USER)
    assert code == 2
    assert err.strip() == message


def test_csds_url_from_the_environment_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, err = _cli(["status", "--account", "1"], {**USER, "AUTOMSG_CSDS_URL": "127.0.0.1:8080"})
    assert code == 2
    assert err.strip() == (
        "error: AUTOMSG_CSDS_URL=127.0.0.1:8080 has no scheme: "
        "write http://127.0.0.1:8080 (loopback emulator) or https://127.0.0.1:8080"
    )


def test_csds_url_from_the_config_file_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "lp.toml"
    config.write_text('csds_url = "127.0.0.1:8080"\n')
    code, err = _cli(["status", "--account", "1", "--config", str(config)], {**USER, "AUTOMSG_CSDS_URL": ""})
    assert code == 2
    assert err.strip() == (
        f"error: {config}: csds_url = '127.0.0.1:8080' has no scheme: "
        "write http://127.0.0.1:8080 (loopback emulator) or https://127.0.0.1:8080"
    )


def test_the_option_wins_and_a_good_url_passes(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {**USER, "AUTOMSG_CSDS_URL": "127.0.0.1:8080"}  # overridden by the option: not checked
    code, err = _cli(["status", "--account", ACCOUNT, "--csds-url", emu.url, "--json"], env)
    assert code == 0, err


def test_domains_refuse_a_csds_url_without_scheme_too() -> None:
    with pytest.raises(ConfigError, match=r"^the CSDS URL 127\.0\.0\.1:8080 has no scheme: write http://"):
        Domains(HttpClient(), "127.0.0.1:8080", ACCOUNT)


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


# --------------------------------------------------------------------------- Retry-After is capped

TOO_LONG = "LivePerson asked to wait 86400 s (Retry-After), more than max_retry_wait = 120 s; try again later"


@pytest.mark.parametrize(
    ("retry_after", "words"),
    [
        (86400, TOO_LONG),
        ("86400", TOO_LONG),
        ("inf", "asked to wait inf s (Retry-After: inf), more than max_retry_wait = 120 s; try again later"),
        ("1e999", "asked to wait inf s (Retry-After: 1e999), more than max_retry_wait = 120 s"),
        (
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "(Retry-After: Fri, 31 Dec 9999 23:59:59 GMT), more than max_retry_wait",
        ),
        (
            "nan",
            "LivePerson asked to wait 'nan' (Retry-After), which is neither a number of seconds nor a date",
        ),
        (
            -5,
            "asked to wait '-5' (Retry-After), which is neither a number of seconds nor a date; not waiting",
        ),
        ("soon, maybe", "asked to wait 'soon, maybe' (Retry-After), which is neither"),
    ],
)
def test_429_asking_for_too_long_a_wait_fails_at_once_without_waiting(
    emu: Emu, conn: Connection, sleeps: Sleeps, retry_after: object, words: str
) -> None:
    list_skills(conn)  # log in first
    emu.clear_requests()
    emu.faults(script=[{"match": SKILLS, "status": 429, "retryAfter": retry_after}])
    with pytest.raises(WaitRefused) as caught:
        list_skills(conn)
    assert isinstance(caught.value, ApiStatusError) and caught.value.status == 429
    assert str(caught.value).startswith(f"GET {emu.url}/")
    assert "/configuration/le-users/skills answered 429: " in str(caught.value)
    assert words in str(caught.value)
    assert sleeps == []  # nothing waited for …
    assert _skill_calls(emu) == [429]  # … and nothing retried


def test_429_within_the_cap_is_still_honoured(emu: Emu, conn: Connection, sleeps: Sleeps) -> None:
    emu.faults(script=[{"match": SKILLS, "status": 429, "retryAfter": 120}])
    assert "7" in list_skills(conn)
    assert sleeps == [120.0]
    assert _skill_calls(emu) == [429, 200]


def test_429_with_a_date_retry_after_waits_until_then(emu: Emu, conn: Connection, sleeps: Sleeps) -> None:
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    emu.faults(script=[{"match": SKILLS, "status": 429, "retryAfter": when}])
    assert "7" in list_skills(conn)
    assert len(sleeps) == 1 and 50 <= sleeps[0] <= 60


def test_429_with_a_date_past_waits_only_the_minimum(emu: Emu, settings: Settings, sleeps: Sleeps) -> None:
    s = replace(settings, http=replace(settings.http, min_rate_limit_wait=1.0))
    conn = connect(s, s.account(ACCOUNT), sleep=sleeps)
    emu.faults(script=[{"match": SKILLS, "status": 429, "retryAfter": "Thu, 01 Jan 2015 00:00:00 GMT"}])
    assert "7" in list_skills(conn)
    assert sleeps == [1.0]


def test_max_retry_wait_is_configurable(emu: Emu, settings: Settings, sleeps: Sleeps) -> None:
    s = replace(settings, http=replace(settings.http, max_retry_wait=5.0))
    conn = connect(s, s.account(ACCOUNT), sleep=sleeps)
    emu.faults(
        script=[
            {"match": SKILLS, "status": 429, "retryAfter": 5},
            {"match": SKILLS, "status": 429, "retryAfter": 6},
        ]
    )
    with pytest.raises(
        WaitRefused, match=r"asked to wait 6 s \(Retry-After\), more than max_retry_wait = 5 s;"
    ):
        list_skills(conn)
    assert sleeps == [5.0]  # the first 429 (5 s, at the cap) was waited for, the second was not


def test_max_retry_wait_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "automsg.toml"
    config.write_text("[http]\nmax_retry_wait = 30\n")
    assert load_settings(config, {}).http.max_retry_wait == 30.0
    assert load_settings(None, {}).http.max_retry_wait == 120.0
    for bad in ("-1", "inf", "nan", '"soon"'):
        config.write_text(f"[http]\nmax_retry_wait = {bad}\n")
        with pytest.raises(ConfigError, match=r"http\.max_retry_wait: expected"):
            load_settings(config, {})


def test_status_and_cron_say_why_they_did_not_wait(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "automsg.toml").write_text(
        f'csds_url = "{emu.url}"\n[http]\nretry_waits = [0, 0, 0]\n[[accounts]]\nid = "{ACCOUNT}"\nlanguages = ["fr-FR"]\n'
    )
    emu.faults(script=[{"match": SKILLS, "status": 429, "retryAfter": 86400}])
    result = CliRunner().invoke(main, ["status", "--account", ACCOUNT], env=USER, catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: GET {emu.url}/ro/api/account/{ACCOUNT}/configuration/le-users/skills answered 429: {TOO_LONG}"
    )
    assert "Traceback" not in result.stderr and "OverflowError" not in result.stderr
    emu.faults(script=[{"match": "auto-messages", "status": 429, "retryAfter": "inf"}])
    result = CliRunner().invoke(main, ["cron-run"], env=USER, catch_exceptions=False)
    assert result.exit_code == 1, result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith(f"{ACCOUNT}: "))
    too_long = "answered 429: LivePerson asked to wait inf s (Retry-After: inf), more than max_retry_wait = 120 s; try again later"
    assert line.startswith(f"{ACCOUNT}: error;") and line.endswith(too_long)
    report = json.loads(next((tmp_path / "reports").glob("*.json")).read_text(encoding="utf-8"))
    assert report["accounts"][0]["errors"][0].endswith(too_long)
    assert "Traceback" not in result.stderr
