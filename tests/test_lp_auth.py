"""Both authentication methods, over real HTTP against the emulator."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import ACCOUNT, FAST, KEYS, USER, Emu

from automsg_sync.config import Settings, load_settings
from automsg_sync.errors import AuthError, ConfigError
from automsg_sync.lp import connect
from automsg_sync.lp.skills import list_skills


def _settings(emu: Emu, env: dict[str, str]) -> Settings:
    return replace(load_settings(None, env, csds_url=emu.url), http=FAST)


def test_bearer_login_then_calls(emu: Emu) -> None:
    s = _settings(emu, USER)
    skills = list_skills(connect(s, s.account(ACCOUNT)))
    assert {k: v.name for k, v in skills.items()} == {"7": "Billing", "9": "Sales", "12": "Support"}
    paths = [r["path"] for r in emu.requests()]
    assert paths == [
        f"/api/account/{ACCOUNT}/service/baseURI.json",
        f"/vep/api/account/{ACCOUNT}/login",
        f"/ro/api/account/{ACCOUNT}/configuration/le-users/skills",
    ]


def test_wrong_password_is_a_clear_auth_error(emu: Emu) -> None:
    s = _settings(emu, dict(USER, AUTOMSG_PASSWORD="not-the-password"))
    with pytest.raises(AuthError) as caught:
        list_skills(connect(s, s.account(ACCOUNT)))
    assert caught.value.status == 401
    assert "login refused for user 'translation.manager'" in str(caught.value)
    assert "not-the-password" not in str(caught.value)
    assert len([r for r in emu.requests() if r["path"].endswith("/login")]) == 1  # no retry


def test_oauth_signed_requests(emu: Emu) -> None:
    s = _settings(emu, KEYS)
    assert s.account(ACCOUNT).credentials.method == "oauth"
    assert "7" in list_skills(connect(s, s.account(ACCOUNT)))
    assert not [r for r in emu.requests() if r["path"].endswith("/login")]


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
    conn = connect(s, s.account(ACCOUNT))
    list_skills(conn)
    emu.hook("POST", "tokens/expire")
    list_skills(conn)
    statuses = [(r["path"].rsplit("/", 1)[-1], r["status"]) for r in emu.requests()]
    assert statuses == [
        ("baseURI.json", 200),
        ("login", 200),
        ("skills", 200),
        ("skills", 401),
        ("login", 200),
        ("skills", 200),
    ]


def test_missing_credentials_are_a_config_error(emu: Emu) -> None:
    s = _settings(emu, {})
    with pytest.raises(ConfigError, match="AUTOMSG_USERNAME and AUTOMSG_PASSWORD"):
        connect(s, s.account(ACCOUNT))
    s = _settings(emu, {"AUTOMSG_APP_KEY": "k"})
    with pytest.raises(ConfigError, match="four secrets"):
        connect(s, s.account(ACCOUNT))
