"""No secret, bearer token or OAuth signature in any log line or error text."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, KEYS, USER, Emu

from automsg_sync.cli import main


def _bearers(emu: Emu) -> list[str]:
    tokens = emu.server.app.extensions["automsg"]["tokens"]
    return list(tokens.by_token)


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize(("creds", "break_it"), [(USER, False), (KEYS, False), (USER, True), (KEYS, True)])
def test_no_secret_in_output_or_logs(
    emu: Emu,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fmt: str,
    creds: dict[str, str],
    break_it: bool,
) -> None:
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    # faults make the client log its retries; a token expiry makes it log in again
    emu.faults(script=[{"match": "skills", "status": 503}, {"match": "auto-messages", "status": 500}])
    env = dict(creds)
    if break_it:
        key = "AUTOMSG_PASSWORD" if "AUTOMSG_PASSWORD" in env else "AUTOMSG_APP_SECRET"
        env[key] = env[key][:-3] + "zzz"
    args = ["--verbose", "--log-format", fmt, "status", "--account", ACCOUNT, "--csds-url", emu.url]
    (tmp_path / "automsg.toml").write_text("[http]\nretry_waits = [0, 0, 0]\n")
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == (1 if break_it else 0), result.stderr
    assert "automsg_sync.http" in result.stderr  # the retries were logged
    seen = result.stdout + result.stderr + caplog.text
    secrets = [*env.values(), *USER.values(), *KEYS.values(), *_bearers(emu)]
    for secret in secrets:
        if secret == USER["AUTOMSG_USERNAME"]:
            continue  # a user name is not a secret
        assert secret not in seen
    assert "oauth_signature" not in seen and "Bearer " not in seen
