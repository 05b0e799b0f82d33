"""No secret, bearer token or OAuth signature in any log line or error text."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, CONNECTOR, KEYS, USER, Emu, free_port

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


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.parametrize("creds", [USER, KEYS], ids=["bearer", "oauth"])
def test_every_command_keeps_secrets_out_of_output_and_files(
    emu: Emu,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    fmt: str,
    creds: dict[str, str],
) -> None:
    """status, export, import (dry run and apply), restore, verify, cron-run: with --verbose,
    in both log formats, with retries logged — no secret, bearer token or OAuth signature
    in stdout, stderr, logs, reports, backups, the outbox or the state store."""
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    port = free_port()
    emu.hook(
        "PUT",
        f"accounts/{ACCOUNT}/connector-apps/{CONNECTOR['AUTOMSG_CONNECTOR_CLIENT_ID']}",
        {"webhookUrl": f"http://127.0.0.1:{port}/webhook"},
    )
    (tmp_path / "automsg.toml").write_text(
        f'csds_url = "{emu.url}"\nsettle_seconds = 0\n[http]\nretry_waits = [0, 0, 0]\n[verify]\nlisten = "127.0.0.1:{port}"\ntimeout = 5\n'
        f'[policies]\nauto_apply = true\n[[accounts]]\nid = "{ACCOUNT}"\nlanguages = ["fr-FR"]\nformats = ["po"]\n'
    )
    env = {**creds, **CONNECTOR}
    emu.faults(
        script=[{"match": "skills", "status": 503}, {"match": "auto-messages", "status": 500, "times": 2}]
    )
    outputs: list[str] = []

    def cli(*args: str) -> int:
        result = CliRunner().invoke(
            main, ["--verbose", "--log-format", fmt, *args], env=env, catch_exceptions=False
        )
        outputs.extend([result.stdout, result.stderr])
        return result.exit_code

    assert cli("status", "--account", ACCOUNT) == 0
    assert cli("export-for-translation", "--account", ACCOUNT, "--out", "out", "--format", "po") == 0
    po = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    import polib

    catalog = polib.pofile(str(po))
    catalog.find(
        "account|Off-hours mid-conversation message", by="msgctxt"
    ).msgstr = "Nous fermons pour la journée."
    catalog.save(str(po))
    text = po.read_text(encoding="utf-8")
    assert cli("import-translations", str(po), "--account", ACCOUNT, "--report", "plan.json") in (0, 3)
    assert cli(
        "import-translations", str(po), "--account", ACCOUNT, "--apply", "--report", "applied.json"
    ) in (0, 3)
    backup = next((tmp_path / ".automsg" / "backups").iterdir())
    assert cli("verify", "--account", ACCOUNT, "--language", "fr-FR") in (0, 3)
    assert cli("restore", str(backup), "--account", ACCOUNT, "--apply") == 0
    (tmp_path / "inbox" / ACCOUNT).mkdir(parents=True)
    (tmp_path / "inbox" / ACCOUNT / "fr-FR.po").write_text(text, encoding="utf-8")
    assert cli("cron-run") in (0, 3)
    assert text.count("Nous fermons") == 1 and "automsg_sync.http" in "".join(outputs)  # retries were logged
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".json" and "reports" in p.parts for p in files)
    seen = "".join(outputs) + caplog.text + "".join(p.read_bytes().decode("utf-8", "replace") for p in files)
    secrets = [
        v
        for k, v in {**USER, **KEYS, **CONNECTOR}.items()
        if k not in ("AUTOMSG_USERNAME", "AUTOMSG_CONNECTOR_CLIENT_ID")
    ]
    for secret in [*secrets, *_bearers(emu)]:
        assert secret not in seen, "a secret leaked"
    assert "oauth_signature" not in seen and "Bearer " not in seen
    assert emu.hook("GET", "conversations")["conversations"]  # verify really talked to the connector API
