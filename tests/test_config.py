from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT

from automsg_sync.config import Secret, load_settings
from automsg_sync.errors import ConfigError
from automsg_sync.lp import connect


def _write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings(None, {})
    assert s.csds_url == "https://api.liveperson.net"
    assert s.http.retry_waits == (5.0, 10.0, 15.0)


def test_environment_overrides_file(tmp_path: Path) -> None:
    cfg = _write(tmp_path / "a.toml", 'csds_url = "https://csds.example"\n')
    s = load_settings(cfg, {"AUTOMSG_CSDS_URL": "http://127.0.0.1:9"})
    assert s.csds_url == "http://127.0.0.1:9"
    assert load_settings(cfg, {}, csds_url="http://localhost:1").csds_url == "http://localhost:1"


def test_full_account(tmp_path: Path) -> None:
    cfg = _write(
        tmp_path / "a.toml",
        """
[http]
retry_waits = [0, 0.5, 1]
timeout = 3

[[accounts]]
id = 123
api = "unified-auto-messages"
auth = "oauth"
app_key_env = "ACME_KEY"
source_language = "en-us"
languages = ["fr-fr", "he-il"]
skills = [7, 9]
formats = ["po"]
""",
    )
    s = load_settings(cfg, {"ACME_KEY": "k" * 8})
    account = s.account()
    assert account.id == "123" and account.api == "unified-auto-messages"
    assert account.languages == ("fr-FR", "he-IL") and account.source_language == "en-US"
    assert account.skills == ("7", "9") and account.formats == ("po",)
    assert account.credentials.app_key == Secret("k" * 8)
    assert s.http.retry_waits == (0.0, 0.5, 1.0) and s.http.timeout == 3.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("csds_ulr = 'x'\n", "a.toml: csds_ulr: unknown key"),
        ("[http]\ntimeout = 'slow'\n", "a.toml: http.timeout: expected a number, got 'slow'"),
        ("[http]\nretries = 3\n", "a.toml: http.retries: unknown key"),
        ("[[accounts]]\nid = 1\nlanguges = []\n", "a.toml: accounts[0].languges: unknown key"),
        ("[[accounts]]\nid = 1\napi = 'v3'\n", "a.toml: accounts[0].api: 'v3' is not one of"),
        ("[[accounts]]\nlanguages = []\n", "a.toml: accounts[0].id: required key is missing"),
        (
            "[[accounts]]\nid = 1\nlanguages = ['fr FR']\n",
            "a.toml: accounts[0].languages: not a language tag",
        ),
        ("[[accounts]]\nid = 1\nauth = 'saml'\n", "a.toml: accounts[0].auth: 'saml' is not"),
        ("[http]\nverify_tls = false\n", "http.verify_tls = false is not supported"),
        ("x = [\n", "a.toml: "),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    cfg = _write(tmp_path / "a.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_settings(cfg, {})
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


def test_inline_secret_refused_in_readable_file(tmp_path: Path) -> None:
    text = '[[accounts]]\nid = 1\nusername = "u"\npassword = "hunter2-secret"\n'
    cfg = _write(tmp_path / "a.toml", text, 0o644)
    with pytest.raises(ConfigError) as caught:
        load_settings(cfg, {})
    assert "readable by group or others" in str(caught.value)
    assert "hunter2-secret" not in str(caught.value)
    os.chmod(cfg, 0o600)
    account = load_settings(cfg, {}).account()
    assert account.credentials.password == Secret("hunter2-secret")


def test_secret_never_prints() -> None:
    secret = Secret("hunter2-secret")
    assert "hunter2" not in repr(secret) + str(secret) + f"{secret}"


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found") as caught:
        load_settings(tmp_path / "nope.toml", {})
    assert f"(looked for {tmp_path / 'nope.toml'}): pass --config FILE" in str(caught.value)  # issue #29


def test_the_sample_config_loads_as_documented() -> None:
    settings = load_settings(ROOT / "samples" / "automsg.toml", {})
    first, second = settings.accounts["70071528"], settings.accounts["70071529"]
    assert (first.api, first.put_override, first.credentials.method) == ("auto", False, "bearer")
    assert (second.api, second.credentials.method) == ("auto", "oauth")


def test_a_missing_credential_is_named_by_the_variable_the_config_reads(tmp_path: Path) -> None:
    config = tmp_path / "a.toml"
    config.write_text(
        'csds_url = "http://127.0.0.1:1"\n[[accounts]]\nid = "70071529"\nauth = "oauth"\n'
        'app_key_env = "ACME_EU_APP_KEY"\napp_secret_env = "ACME_EU_APP_SECRET"\n'
        'access_token_env = "ACME_EU_ACCESS_TOKEN"\naccess_token_secret_env = "ACME_EU_ACCESS_TOKEN_SECRET"\n'
    )
    settings = load_settings(config, {"ACME_EU_APP_KEY": "k", "ACME_EU_ACCESS_TOKEN": "t"})
    with pytest.raises(ConfigError) as caught:
        connect(settings, settings.account("70071529"))
    assert str(caught.value) == (
        "an API key needs four secrets; not set: ACME_EU_APP_SECRET, ACME_EU_ACCESS_TOKEN_SECRET"
    )
    plain = load_settings(None, {})
    with pytest.raises(ConfigError, match="not set: AUTOMSG_USERNAME, AUTOMSG_PASSWORD"):
        connect(plain, plain.account("70071528"))


def test_half_of_a_client_credential_names_the_missing_half() -> None:
    """A newcomer's walk: only AUTOMSG_CLIENT_ID set was answered 'a Login Service login needs a
    user name and a password', which sent them after the wrong credentials."""
    for given, missing in (
        ("AUTOMSG_CLIENT_ID", "AUTOMSG_CLIENT_SECRET"),
        ("AUTOMSG_CLIENT_SECRET", "AUTOMSG_CLIENT_ID"),
    ):
        settings = load_settings(None, {given: "x" * 8, "AUTOMSG_CSDS_URL": "http://127.0.0.1:1"})
        with pytest.raises(ConfigError) as caught:
            connect(settings, settings.account("70071528"))
        assert (
            str(caught.value)
            == f"OAuth 2.0 client credentials need a client id and secret; not set: {missing}"
        )
    both = {"AUTOMSG_CLIENT_ID": "x" * 8, "AUTOMSG_USERNAME": "u", "AUTOMSG_PASSWORD": "p" * 8}
    settings = load_settings(None, both)
    account = settings.account("70071528")  # a user login is complete: it is used, the client id named
    assert account.credentials.method == "bearer"
    assert account.credentials.ignored == ("AUTOMSG_CLIENT_ID",)
