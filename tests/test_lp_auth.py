"""Both authentication methods and the Login Service session (login, refresh,
logout, application login), over real HTTP against the emulator."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import polib
import pytest
import requests
from click.testing import CliRunner
from conftest import ACCOUNT, CONNECTOR, FAST, KEYS, USER, Emu, Sleeps, sample_data

from automsg_sync.cli import main
from automsg_sync.config import Settings, load_settings
from automsg_sync.emulator import EmulatorServer, Store
from automsg_sync.errors import ApiError, AuthError, ConfigError
from automsg_sync.log import MASK, redact
from automsg_sync.lp import Connection, connect
from automsg_sync.lp.login_service import LOGIN_MIN_WAIT_429
from automsg_sync.lp.skills import list_skills

OTHER = "70071529"  # has API keys only, no users
APP_USER = "api.translations"
LOGIN_PATH = f"/vep/api/account/{ACCOUNT}"
ERROR_KEYS = {"time", "message", "internalCode", "responseStatus"}


def _settings(emu: Emu, env: dict[str, str]) -> Settings:
    return replace(load_settings(None, env, csds_url=emu.url), http=FAST)


def _app_settings(emu: Emu, tmp_path: Path, env: dict[str, str] | None = None, extra: str = "") -> Settings:
    path = tmp_path / "automsg.toml"
    path.write_text(f'csds_url = "{emu.url}"\n[[accounts]]\nid = "{ACCOUNT}"\nlogin = "app"\n{extra}')
    return replace(
        load_settings(path, env if env is not None else {**KEYS, "AUTOMSG_USERNAME": APP_USER}), http=FAST
    )


def _calls(emu: Emu) -> list[tuple[str, int | None]]:
    return [(r["path"].rsplit("/", 1)[-1], r["status"]) for r in emu.requests()]


def _tokens(emu: Emu) -> Any:
    return emu.server.app.extensions["automsg"]["tokens"]


def _sessions(emu: Emu) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = emu.hook("GET", "sessions")
    return found


class Clock:
    """A hand-moved clock, shared by the client (refresh timing) and the emulator (expiry)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def short_emu() -> Iterator[tuple[Emu, Clock]]:
    """An emulator whose sessions live 60 s, on a clock the test moves."""
    clock = Clock()
    with EmulatorServer(Store(sample_data()), token_ttl=60) as server:
        emu = Emu(server)
        _tokens(emu).clock = clock
        yield emu, clock


# --------------------------------------------------------------------------- login


def test_bearer_login_then_calls_then_logout(emu: Emu) -> None:
    s = _settings(emu, USER)
    with connect(s, s.account(ACCOUNT)) as conn:
        skills = list_skills(conn)
        [open_session] = _sessions(emu)[ACCOUNT]
        assert (open_session["login"], open_session["loginName"]) == ("user", USER["AUTOMSG_USERNAME"])
        assert 28700 < open_session["expiresIn"] <= 28800
    assert {k: v.name for k, v in skills.items()} == {"7": "Billing", "9": "Sales", "12": "Support"}
    paths = [r["path"] for r in emu.requests()]
    assert paths == [
        f"/api/account/{ACCOUNT}/service/baseURI.json",
        f"{LOGIN_PATH}/login",
        f"/ro/api/account/{ACCOUNT}/configuration/le-users/skills",
        f"{LOGIN_PATH}/logout",
    ]
    assert _sessions(emu) == {}


def test_wrong_password_is_a_clear_auth_error(emu: Emu) -> None:
    s = _settings(emu, dict(USER, AUTOMSG_PASSWORD="not-the-password"))
    with pytest.raises(AuthError) as caught, connect(s, s.account(ACCOUNT)) as conn:
        list_skills(conn)
    assert caught.value.status == 401
    assert "login refused for user 'translation.manager'" in str(caught.value)
    assert "not-the-password" not in str(caught.value)
    assert len([r for r in emu.requests() if r["path"].endswith("/login")]) == 1  # no retry
    assert not [r for r in emu.requests() if r["path"].endswith("/logout")]  # nothing to log out


def test_oauth_signed_requests(emu: Emu) -> None:
    s = _settings(emu, KEYS)
    assert s.account(ACCOUNT).credentials.method == "oauth"
    with connect(s, s.account(ACCOUNT)) as conn:
        assert "7" in list_skills(conn)
    assert [p for p, _ in _calls(emu)] == ["baseURI.json", "skills"]  # no login, no logout


@pytest.mark.parametrize("key", ["AUTOMSG_APP_SECRET", "AUTOMSG_ACCESS_TOKEN_SECRET", "AUTOMSG_APP_KEY"])
def test_wrong_oauth_secret_is_401(emu: Emu, key: str) -> None:
    s = _settings(emu, dict(KEYS, **{key: "0000wrong0000"}))
    with pytest.raises(AuthError) as caught:
        list_skills(connect(s, s.account(ACCOUNT)))
    assert caught.value.status == 401
    assert "answered 401" in str(caught.value)
    assert KEYS["AUTOMSG_APP_SECRET"] not in str(caught.value)


def test_expired_token_logs_in_again_once(emu: Emu) -> None:
    s = _settings(emu, USER)
    with connect(s, s.account(ACCOUNT)) as conn:
        list_skills(conn)
        emu.hook("POST", "tokens/expire")
        list_skills(conn)
    assert _calls(emu) == [
        ("baseURI.json", 200),
        ("login", 200),
        ("skills", 200),
        ("skills", 401),
        ("login", 200),
        ("skills", 200),
        ("logout", 200),
    ]
    assert _sessions(emu) == {}


def test_missing_credentials_are_a_config_error(emu: Emu, tmp_path: Path) -> None:
    s = _settings(emu, {})
    with pytest.raises(ConfigError, match="not set: AUTOMSG_USERNAME, AUTOMSG_PASSWORD"):
        connect(s, s.account(ACCOUNT))
    s = _settings(emu, {"AUTOMSG_APP_KEY": "k"})
    with pytest.raises(ConfigError, match="four secrets"):
        connect(s, s.account(ACCOUNT))
    s = _app_settings(emu, tmp_path, dict(KEYS))  # no user name
    with pytest.raises(ConfigError, match=r'application login \(login = "app"\) needs a user name'):
        connect(s, s.account(ACCOUNT))
    s = _app_settings(emu, tmp_path, {**USER})  # no API key
    with pytest.raises(ConfigError, match="AUTOMSG_APP_KEY"):
        connect(s, s.account(ACCOUNT))
    assert emu.requests() == []


# --------------------------------------------------------------------------- application login


def test_application_login_uses_the_bearer(emu: Emu, tmp_path: Path) -> None:
    s = _app_settings(emu, tmp_path)
    credentials = s.account(ACCOUNT).credentials
    assert (credentials.login, credentials.method, credentials.username) == ("app", "bearer", APP_USER)
    with connect(s, s.account(ACCOUNT)) as conn:
        assert "7" in list_skills(conn)
        [open_session] = _sessions(emu)[ACCOUNT]
        assert (open_session["login"], open_session["loginName"]) == ("app", APP_USER)
        bearer = conn.auth.auth()
        url = conn.domains.url(
            "accountConfigReadOnly", f"/api/account/{ACCOUNT}/configuration/le-users/skills"
        )
        # the bearer alone (no OAuth signature) opens the API
        assert requests.get(url, auth=bearer, timeout=5).status_code == 200
    assert [p for p, _ in _calls(emu)] == ["baseURI.json", "login", "skills", "skills", "logout"]
    assert _sessions(emu) == {}
    assert requests.get(url, auth=bearer, timeout=5).status_code == 401  # logged out


def test_application_login_with_a_wrong_secret_is_refused(emu: Emu, tmp_path: Path) -> None:
    env = {**KEYS, "AUTOMSG_USERNAME": APP_USER, "AUTOMSG_ACCESS_TOKEN_SECRET": "0000wrong0000"}
    s = _app_settings(emu, tmp_path, env)
    with pytest.raises(AuthError) as caught, connect(s, s.account(ACCOUNT)) as conn:
        list_skills(conn)
    assert caught.value.status == 401
    assert f"login refused for the API key of user {APP_USER!r}" in str(caught.value)
    assert "0000wrong0000" not in str(caught.value)
    assert [p for p, _ in _calls(emu)] == ["baseURI.json", "login"]


def test_emulator_application_login_needs_the_documented_body(emu: Emu) -> None:
    url = f"{emu.url}{LOGIN_PATH}/login?v=1.3"
    key = sample_data()["accounts"][ACCOUNT]["apiKeys"][0]
    body = {
        "username": APP_USER,
        **{f: key[f] for f in ("appKey", "secret", "accessToken", "accessTokenSecret")},
    }
    assert requests.post(url, json=body, timeout=5).status_code == 200
    without_user = {k: v for k, v in body.items() if k != "username"}
    assert requests.post(url, json=without_user, timeout=5).status_code == 400


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('login = "saml"\n', "accounts[0].login: 'saml' is not one of user, app"),
        ("login = 1\n", "accounts[0].login: expected a string, got 1"),
        ('login = "app"\nauth = "oauth"\n', "accounts[0].auth: 'oauth' does not go with login = \"app\""),
    ],
)
def test_login_key_is_checked(tmp_path: Path, lines: str, message: str) -> None:
    path = tmp_path / "a.toml"
    path.write_text(f'[[accounts]]\nid = "{ACCOUNT}"\n{lines}')
    with pytest.raises(ConfigError) as caught:
        load_settings(path, KEYS)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_login_defaults_to_user(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_text(f'[[accounts]]\nid = "{ACCOUNT}"\n[[accounts]]\nid = "{OTHER}"\nlogin = "user"\n')
    settings = load_settings(path, {**USER, **KEYS})
    assert [a.credentials.login for a in settings.accounts.values()] == ["user", "user"]
    assert settings.account(ACCOUNT).credentials.method == "oauth"  # the API key still signs by default


# --------------------------------------------------------------------------- refresh


@pytest.mark.parametrize(
    ("ttl", "not_yet", "due"),
    [(60, 29.0, 1.5), (8 * 3600, 299.0, 1.5)],  # half the TTL; at the latest every 5 minutes
    ids=["half-of-ttl", "every-5-minutes"],
)
def test_refresh_when_the_run_outlives_part_of_the_ttl(ttl: float, not_yet: float, due: float) -> None:
    clock = Clock()
    with EmulatorServer(Store(sample_data()), token_ttl=ttl) as server:
        emu = Emu(server)
        _tokens(emu).clock = clock
        s = _settings(emu, USER)
        with connect(s, s.account(ACCOUNT), clock=clock) as conn:
            list_skills(conn)
            clock.advance(not_yet)
            list_skills(conn)  # not due yet
            clock.advance(due)
            list_skills(conn)  # refreshed first
            assert _sessions(emu)[ACCOUNT][0]["expiresIn"] == ttl  # the refresh extended the session
        assert _calls(emu) == [
            ("baseURI.json", 200),
            ("login", 200),
            ("skills", 200),
            ("skills", 200),
            ("refresh", 200),
            ("skills", 200),
            ("logout", 200),
        ]
        assert _sessions(emu) == {}


def test_a_refreshed_session_outlives_its_first_ttl(short_emu: tuple[Emu, Clock]) -> None:
    emu, clock = short_emu
    s = _settings(emu, USER)
    with connect(s, s.account(ACCOUNT), clock=clock) as conn:
        list_skills(conn)
        clock.advance(40)  # past half of 60 s: refresh → the session now ends at 100 s
        list_skills(conn)
        clock.advance(25)  # 65 s after the login: the unrefreshed session would be gone
        list_skills(conn)
    assert _calls(emu) == [
        ("baseURI.json", 200),
        ("login", 200),
        ("skills", 200),
        ("refresh", 200),
        ("skills", 200),
        ("skills", 200),  # no 401, no second login
        ("logout", 200),
    ]


def test_refused_refresh_logs_in_again(short_emu: tuple[Emu, Clock]) -> None:
    emu, clock = short_emu
    s = _settings(emu, USER)
    with connect(s, s.account(ACCOUNT), clock=clock) as conn:
        list_skills(conn)
        emu.hook("POST", "tokens/expire")
        clock.advance(31)
        list_skills(conn)
        assert len(_sessions(emu)[ACCOUNT]) == 1
    assert _calls(emu) == [
        ("baseURI.json", 200),
        ("login", 200),
        ("skills", 200),
        ("refresh", 401),
        ("login", 200),
        ("skills", 200),
        ("logout", 200),
    ]
    assert _sessions(emu) == {}


# --------------------------------------------------------------------------- logout


def test_close_logs_out_once_and_the_bearer_is_dead(emu: Emu, conn: Connection) -> None:
    list_skills(conn)
    bearer = conn.auth.auth()
    assert list(_sessions(emu)) == [ACCOUNT]
    conn.close()
    conn.close()  # idempotent: nothing more is sent
    assert [p for p, _ in _calls(emu)] == ["baseURI.json", "login", "skills", "logout"]
    assert _sessions(emu) == {}
    url = conn.domains.url("accountConfigReadOnly", f"/api/account/{ACCOUNT}/configuration/le-users/skills")
    assert requests.get(url, auth=bearer, timeout=5).status_code == 401
    with pytest.raises(ApiError, match="is closed"):
        list_skills(conn)  # no silent new login after the end of the run


def test_close_before_any_call_sends_nothing(emu: Emu, conn: Connection) -> None:
    conn.close()
    assert emu.requests() == []


def test_the_with_block_logs_out_when_the_run_fails(emu: Emu, conn: Connection) -> None:
    with pytest.raises(RuntimeError), conn:
        list_skills(conn)
        raise RuntimeError("the run failed")
    assert _calls(emu)[-1] == ("logout", 200)
    assert _sessions(emu) == {}


def test_failed_logout_is_a_warning_not_an_error(
    emu: Emu, conn: Connection, sleeps: Sleeps, logs: pytest.LogCaptureFixture
) -> None:
    list_skills(conn)
    emu.faults(script=[{"match": "/logout", "status": 500, "times": 4}])
    conn.close()  # does not raise
    assert [s for p, s in _calls(emu) if p == "logout"] == [500, 500, 500, 500]
    warnings = [
        r.getMessage() for r in logs.records if r.levelno == logging.WARNING and r.name == "automsg_sync.auth"
    ]
    assert len(warnings) == 1 and warnings[0].startswith(f"logout from account {ACCOUNT} failed")


def test_logout_of_an_expired_session_is_quiet(
    emu: Emu, conn: Connection, logs: pytest.LogCaptureFixture
) -> None:
    list_skills(conn)
    emu.hook("POST", "tokens/expire")
    conn.close()
    assert _calls(emu)[-1] == ("logout", 401)
    assert "had already ended" in logs.text
    assert not [r for r in logs.records if r.levelno >= logging.WARNING and r.name == "automsg_sync.auth"]


# --------------------------------------------------------------------------- rate limits, 451


@pytest.mark.parametrize(("retry_after", "waited"), [(None, 5.0), (1, 5.0), (7, 7.0)])
def test_429_on_login_waits_at_least_5_s(
    emu: Emu, conn: Connection, sleeps: Sleeps, retry_after: int | None, waited: float
) -> None:
    fault: dict[str, Any] = {"match": "/login", "status": 429}
    if retry_after is not None:
        fault["retryAfter"] = retry_after
    emu.faults(script=[fault])
    assert FAST.min_rate_limit_wait == 0.0  # the 5 s floor is the Login Service's, not the settings'
    list_skills(conn)
    assert sleeps == [waited]
    assert [s for p, s in _calls(emu) if p == "login"] == [429, 200]


@pytest.mark.parametrize("action", ["refresh", "logout"])
def test_429_on_refresh_and_logout_waits_5_s(
    emu: Emu, settings: Settings, sleeps: Sleeps, action: str
) -> None:
    clock = Clock()
    conn = connect(settings, settings.account(ACCOUNT), sleep=sleeps, clock=clock)
    with conn:
        list_skills(conn)
        emu.faults(script=[{"match": f"/{action}", "status": 429, "retryAfter": 1}])
        clock.advance(301)
        list_skills(conn)
    assert sleeps == [LOGIN_MIN_WAIT_429] == [5.0]
    assert [s for p, s in _calls(emu) if p == action][:2] == [429, 200]
    assert _sessions(emu) == {}


def test_a_normal_call_429_keeps_the_settings_minimum(emu: Emu, conn: Connection, sleeps: Sleeps) -> None:
    emu.faults(script=[{"match": "skills", "status": 429, "retryAfter": 1}])
    list_skills(conn)
    assert sleeps == [1.0]


def test_451_on_login_is_never_retried(emu: Emu, conn: Connection, sleeps: Sleeps) -> None:
    emu.faults(script=[{"match": "/login", "status": 451, "times": 5}])
    with pytest.raises(AuthError) as caught:
        list_skills(conn)
    assert caught.value.status == 451
    assert "answered 451: login blocked for legal reasons" in str(caught.value)
    assert "not retried" in str(caught.value)
    assert [p for p, _ in _calls(emu)] == ["baseURI.json", "login"] and sleeps == []


# --------------------------------------------------------------------------- the emulator, as documented


def _login(emu: Emu) -> tuple[requests.Response, dict[str, Any]]:
    r = requests.post(
        f"{emu.url}{LOGIN_PATH}/login",
        params={"v": "1.3"},
        json={"username": USER["AUTOMSG_USERNAME"], "password": USER["AUTOMSG_PASSWORD"]},
        timeout=5,
    )
    assert r.status_code == 200
    answer: dict[str, Any] = r.json()
    return r, answer


def test_emulator_login_answer_as_documented(emu: Emu) -> None:
    r, answer = _login(emu)
    # the fields of the documented answer (lp-examples/login.response.json), in its order: bearer last
    assert list(answer) == [
        "csrf",
        "wsuk",
        "config",
        "csdsCollectionResponse",
        "accountData",
        "sessionTTl",
        "bearer",
    ]
    assert answer["sessionTTl"] == "28800000"  # a string of milliseconds
    assert r.cookies.get("Session_id")


def test_emulator_refresh_and_logout_as_documented(emu: Emu) -> None:
    r, answer = _login(emu)
    cookies = {"Session_id": r.cookies["Session_id"]}
    skills = f"{emu.url}/ro/api/account/{ACCOUNT}/configuration/le-users/skills"
    bearer = {"Authorization": f"Bearer {answer['bearer']}"}
    for action in ("refresh", "logout"):
        bad = requests.post(
            f"{emu.url}{LOGIN_PATH}/{action}", cookies=cookies, json={"csrf": "nope"}, timeout=5
        )
        assert bad.status_code == 401
        assert set(bad.json()) == {"error"} and set(bad.json()["error"]) == ERROR_KEYS
        assert (
            bad.json()["error"]["internalCode"] == 10
            and "CSRF token invalid" in bad.json()["error"]["message"]
        )
        assert bad.json()["error"]["responseStatus"] == "UNAUTHORIZED"
        good = requests.post(
            f"{emu.url}{LOGIN_PATH}/{action}", cookies=cookies, json={"csrf": answer["csrf"]}, timeout=5
        )
        assert (good.status_code, good.content) == (200, b"")
        no_cookie = requests.post(f"{emu.url}{LOGIN_PATH}/{action}", json={"csrf": answer["csrf"]}, timeout=5)
        assert no_cookie.status_code == 401 and set(no_cookie.json()["error"]) == ERROR_KEYS
    assert requests.get(skills, headers=bearer, timeout=5).status_code == 401  # logged out
    again = requests.post(
        f"{emu.url}{LOGIN_PATH}/refresh", cookies=cookies, json={"csrf": answer["csrf"]}, timeout=5
    )
    assert again.status_code == 401
    assert _sessions(emu) == {}


def test_emulator_sessions_hook_is_loopback_only_and_secret_free(emu: Emu) -> None:
    _, answer = _login(emu)
    text = requests.get(f"{emu.url}/_emulator/sessions", timeout=5).text
    assert answer["bearer"] not in text and answer["csrf"] not in text
    with emu.server.app.test_client() as client:
        assert client.get("/_emulator/sessions", environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code == 403


# --------------------------------------------------------------------------- secrets


def test_session_secrets_are_registered_and_never_logged(
    emu: Emu, settings: Settings, logs: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    emu.faults(script=[{"match": "/refresh", "status": 503}, {"match": "/logout", "status": 401}])
    with connect(settings, settings.account(ACCOUNT), sleep=Sleeps(), clock=clock) as conn:
        list_skills(conn)
        [session] = _tokens(emu).by_token.values()
        clock.advance(301)
        list_skills(conn)  # a refresh, retried once
    values = [session["bearer"], session["csrf"], session["sessionId"]]
    assert [redact(f"<{v}>") for v in values] == [f"<{MASK}>"] * 3
    assert "automsg_sync.http" in logs.text  # the retries and the refused logout were logged
    for value in values:
        assert value not in logs.text


# --------------------------------------------------------------------------- no session left open by a run


def _write_config(tmp_path: Path, emu: Emu, port: int) -> None:
    (tmp_path / "automsg.toml").write_text(
        f'csds_url = "{emu.url}"\nsettle_seconds = 0\n[http]\nretry_waits = [0, 0, 0]\n'
        f'[verify]\nlisten = "127.0.0.1:{port}"\ntimeout = 5\n[policies]\nauto_apply = true\n'
        f'[[accounts]]\nid = "{ACCOUNT}"\nlanguages = ["fr-FR"]\nformats = ["po"]\n'
        f'[[accounts]]\nid = "{OTHER}"\nlogin = "app"\nusername = "{APP_USER}"\n'
        'app_key_env = "EU_KEY"\napp_secret_env = "EU_SECRET"\naccess_token_env = "EU_TOKEN"\n'
        'access_token_secret_env = "EU_TOKEN_SECRET"\nformats = ["po"]\n'
    )


def test_every_command_logs_out(emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """status, export, import (dry run, apply), verify, restore, cron-run: each logs in, and
    leaves no open session behind."""
    monkeypatch.chdir(tmp_path)
    port = emu.webhook_port(CONNECTOR["AUTOMSG_CONNECTOR_CLIENT_ID"])
    _write_config(tmp_path, emu, port)
    env = {
        **USER,
        **CONNECTOR,
        "EU_KEY": "9a8b7c6d5e4f30211a2b3c4d5e6f7a8b",
        "EU_SECRET": "c0ffee5ecret0001",
        "EU_TOKEN": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "EU_TOKEN_SECRET": "t0kense4cret0002",
    }

    def cli(*args: str) -> tuple[int, list[tuple[str, int | None]]]:
        emu.clear_requests()
        result = CliRunner().invoke(main, ["--log-format", "text", *args], env=env, catch_exceptions=False)
        calls = [c for c in _calls(emu) if c[0] in ("login", "refresh", "logout")]
        assert _sessions(emu) == {}, (args, result.stderr)
        return result.exit_code, calls

    assert cli("status", "--account", ACCOUNT) == (0, [("login", 200), ("logout", 200)])
    code, calls = cli("export-for-translation", "--account", ACCOUNT, "--out", "out", "--format", "po")
    assert (code, calls) == (0, [("login", 200), ("logout", 200)])
    po = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    catalog = polib.pofile(str(po))
    catalog.find("account|CONSUMER_SEND_MESSAGE_ON_OFFHOURS", by="msgctxt").msgstr = "Nous fermons."
    catalog.save(str(po))
    text = po.read_text(encoding="utf-8")
    code, calls = cli("import-translations", str(po), "--account", ACCOUNT)
    assert code in (0, 3) and calls == [("login", 200), ("logout", 200)]
    code, calls = cli("import-translations", str(po), "--account", ACCOUNT, "--apply")
    assert code in (0, 3) and calls == [("login", 200), ("logout", 200)]
    code, calls = cli("verify", "--account", ACCOUNT, "--language", "fr-FR")
    assert code in (0, 3) and calls == [("login", 200), ("logout", 200)]
    backup = next((tmp_path / ".automsg" / "backups").iterdir())
    code, calls = cli("restore", str(backup), "--account", ACCOUNT, "--apply")
    assert code == 0 and calls == [("login", 200), ("logout", 200)]
    (tmp_path / "inbox" / ACCOUNT).mkdir(parents=True, exist_ok=True)
    (tmp_path / "inbox" / ACCOUNT / "fr-FR.po").write_text(text, encoding="utf-8")
    code, calls = cli("cron-run")
    assert code in (0, 1, 3)  # the import's outcome is not this test's concern; the sessions are
    # one user login, one application login; the accounts run at once, so their calls may interleave
    assert sorted(calls) == sorted([("login", 200), ("logout", 200)] * 2)
    logins = [r["path"] for r in emu.requests() if r["path"].endswith(("/login", "/logout"))]
    for account_path in (LOGIN_PATH, f"/vep/api/account/{OTHER}"):  # each logs in, then out
        assert [p for p in logins if p.startswith(account_path + "/")] == [
            f"{account_path}/login",
            f"{account_path}/logout",
        ]


def test_a_failing_command_still_logs_out(emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "automsg.toml").write_text("[http]\nretry_waits = [0, 0, 0]\n")
    emu.faults(script=[{"match": "auto-messages", "status": 500, "times": 10}])
    args = ["status", "--account", ACCOUNT, "--csds-url", emu.url]
    result = CliRunner().invoke(main, args, env=USER, catch_exceptions=False)
    assert result.exit_code == 1 and "answered 500" in result.stderr
    assert _calls(emu)[-1] == ("logout", 200)
    assert _sessions(emu) == {}
