"""No secret, bearer token or OAuth signature in any log line or error text."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import polib
import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, CONNECTOR, KEYS, USER, Emu, sample_data

from automsg_sync.cli import main
from automsg_sync.config import load_settings
from automsg_sync.emulator import EmulatorServer, Store
from automsg_sync.errors import ApiError, ApiStatusError, ConfigError, body_excerpt
from automsg_sync.files import OutputError, write_private_json
from automsg_sync.formats import write_translation_file
from automsg_sync.log import redact, register_secrets
from automsg_sync.model import FileMeta


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
    port = emu.webhook_port(CONNECTOR["AUTOMSG_CONNECTOR_CLIENT_ID"])
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
        "account|CONSUMER_SEND_MESSAGE_ON_OFFHOURS", by="msgctxt"
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
    (tmp_path / "inbox" / ACCOUNT).mkdir(parents=True, exist_ok=True)
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


# --------------------------------------------------------------------------- a server that echoes the request

# Distinctive secrets, with what JSON, form and URL encodings change: a quote, a space,
# non-ASCII letters, & + % / = ! (API keys: the characters OAuth 1.0 lets through unencoded).
DISTINCT_USER = {"AUTOMSG_USERNAME": "translation.manager", "AUTOMSG_PASSWORD": 'Zq"9 pässwörd&+%/=x-3141'}
DISTINCT_KEYS = {
    "AUTOMSG_APP_KEY": "appkey-Q7XK2M9P-distinct",
    "AUTOMSG_APP_SECRET": "appsecret-W4RT8YZ1-distinct",
    "AUTOMSG_ACCESS_TOKEN": "acctoken-H6JD3NB5-distinct",
    "AUTOMSG_ACCESS_TOKEN_SECRET": "toksecret-C2VF9LQ8-distinct",
}
DISTINCT_CONNECTOR = {
    "AUTOMSG_CONNECTOR_CLIENT_ID": "automsg-verify-0c4f2a",
    "AUTOMSG_CONNECTOR_CLIENT_SECRET": "cl!ent s3cr&t+=/%-2718",
}
NOT_SECRET = ("AUTOMSG_USERNAME", "AUTOMSG_CONNECTOR_CLIENT_ID")


@pytest.fixture
def secret_emu() -> Iterator[Emu]:
    """The emulator with the distinctive secrets above as the account's credentials."""
    data = sample_data()
    account = data["accounts"][ACCOUNT]
    account["users"][0]["password"] = DISTINCT_USER["AUTOMSG_PASSWORD"]
    account["apiKeys"][0].update(
        appKey=DISTINCT_KEYS["AUTOMSG_APP_KEY"],
        secret=DISTINCT_KEYS["AUTOMSG_APP_SECRET"],
        accessToken=DISTINCT_KEYS["AUTOMSG_ACCESS_TOKEN"],
        accessTokenSecret=DISTINCT_KEYS["AUTOMSG_ACCESS_TOKEN_SECRET"],
    )
    account["connectorApps"][0]["clientSecret"] = DISTINCT_CONNECTOR["AUTOMSG_CONNECTOR_CLIENT_SECRET"]
    with EmulatorServer(Store(data)) as server:
        yield Emu(server)


def _spellings(secret: str) -> set[str]:
    """How a secret may show: as is, JSON-escaped (once, twice; ASCII or not), URL/form-encoded."""
    out = {secret, quote(secret, safe=""), quote_plus(secret)}
    for ascii_only in (False, True):
        once = json.dumps(secret, ensure_ascii=ascii_only)[1:-1]
        out |= {once, json.dumps(once, ensure_ascii=ascii_only)[1:-1]}
    return out


def _issued(emu: Emu) -> list[str]:
    """Every bearer, csrf and Session_id the Login Service issued, every AppJWT and ConsumerJWS."""
    ext = emu.server.app.extensions["automsg"]
    sessions = list(ext["tokens"].by_token.values())
    tokens = [s[k] for s in sessions for k in ("bearer", "csrf", "sessionId")]
    return [*tokens, *ext["connector"].app_tokens, *ext["connector"].consumers]


EVERY_CALL = (
    "/login",
    "le-users/skills",
    "auto-messages",
    "/logout",
    "app/token",
    "/consumer?",
    "consumer/conversation",
)


def _echoes(
    shape: str, status: int, matches: tuple[str, ...] = EVERY_CALL, method: str | None = None
) -> list[dict[str, Any]]:
    """An echoed error on every kind of call that carries a secret: login (the password or the
    four API-key secrets in the body), reads (the bearer or the OAuth header), logout (csrf, the
    Session_id cookie), sentinel (the client secret), idp and the Send API (AppJWT, ConsumerJWS)."""
    times = 2 if status >= 500 else 1  # 5xx: retried, and the command goes on
    only = {"method": method} if method else {}
    return [{"match": match, "status": status, "echo": shape, "times": times, **only} for match in matches]


@pytest.mark.parametrize(
    ("login", "shape", "fmt"),
    [
        ("bearer", "json", "json"),
        ("bearer", "text", "text"),
        ("oauth", "json", "text"),
        ("oauth", "text", "json"),
        ("app", "json", "text"),
    ],
)
def test_a_server_echoing_requests_leaks_no_secret_anywhere(
    secret_emu: Emu,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    login: str,
    shape: str,
    fmt: str,
) -> None:
    """Every command, against a server that answers errors with the request's body and headers:
    first 5xx echoes (retried: the commands succeed, the retries are logged), then 4xx echoes
    (each command fails: the echo is in the final ``error:`` line, cron's report, the logs).
    No spelling of any secret in stdout, stderr, logs, or any file the tool wrote."""
    emu = secret_emu
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    port = emu.webhook_port(DISTINCT_CONNECTOR["AUTOMSG_CONNECTOR_CLIENT_ID"])
    auth = {"bearer": "", "oauth": 'auth = "oauth"\n', "app": 'login = "app"\n'}[login]
    (tmp_path / "automsg.toml").write_text(
        f'csds_url = "{emu.url}"\nsettle_seconds = 0\n[http]\nretry_waits = [0, 0, 0]\n'
        f'[verify]\nlisten = "127.0.0.1:{port}"\ntimeout = 5\n[policies]\nauto_apply = true\n'
        f'[[accounts]]\nid = "{ACCOUNT}"\n{auth}languages = ["fr-FR"]\nformats = ["po"]\n'
    )
    creds = {"bearer": DISTINCT_USER, "oauth": DISTINCT_KEYS, "app": {**DISTINCT_USER, **DISTINCT_KEYS}}[
        login
    ]
    env = {**creds, **DISTINCT_CONNECTOR}
    if login == "app":
        del env["AUTOMSG_PASSWORD"]
    outputs: list[str] = []
    echoed = 0

    def cli(status: int, *args: str, only: tuple[str, ...] = EVERY_CALL, method: str | None = None) -> int:
        nonlocal echoed
        emu.faults(script=_echoes(shape, status, only, method))
        result = CliRunner().invoke(
            main, ["--verbose", "--log-format", fmt, *args], env=env, catch_exceptions=False
        )
        outputs.extend([result.stdout, result.stderr])
        echoed += emu.hook("GET", "faults")["counts"].get("echo", 0)
        return result.exit_code

    # 5xx echoes: retried, every command succeeds
    assert cli(500, "status") == 0
    assert cli(500, "export-for-translation", "--out", "out", "--format", "po") == 0
    po = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    catalog = polib.pofile(str(po))
    entry = catalog.find("account|CONSUMER_SEND_MESSAGE_ON_OFFHOURS", by="msgctxt")
    entry.msgstr = "Nous fermons pour la journée."
    catalog.save(str(po))
    assert cli(500, "import-translations", str(po), "--report", "plan.json") == 0
    assert cli(500, "import-translations", str(po), "--apply", "--report", "applied.json") == 0
    backup = next((tmp_path / ".automsg" / "backups").iterdir())
    assert cli(500, "verify", "--language", "fr-FR") in (0, 3)
    assert cli(500, "restore", str(backup), "--apply") == 0
    (tmp_path / "inbox" / ACCOUNT).mkdir(parents=True, exist_ok=True)
    shutil.copy(po, tmp_path / "inbox" / ACCOUNT / "fr-FR.po")
    (tmp_path / "inbox" / ACCOUNT / "broken.po").write_text("not a PO file\n", encoding="utf-8")
    assert cli(500, "cron-run") == 3  # the broken file needs a human
    assert echoed >= 10
    # 4xx echoes: not retried, every command fails with the echo in its error text
    echoed = 0
    assert cli(400, "status", only=("/login", "le-users/skills")) == 1
    assert cli(400, "export-for-translation", "--out", "out", "--format", "po", only=("auto-messages",)) == 1
    entry.msgstr = "Nous fermons bientôt."  # a second delivery: something to write
    catalog.save(str(po))
    apply = ("import-translations", str(po), "--apply", "--report", "failed.json")
    assert cli(400, *apply, only=("auto-messages",), method="PUT") == 1
    assert cli(400, "restore", str(backup), "--apply", only=("auto-messages",), method="PUT") == 1
    assert cli(400, "verify", "--language", "fr-FR", only=("app/token",)) == 1
    assert cli(400, "cron-run", only=("auto-messages",)) == 1
    assert echoed == 6
    output = "".join(outputs)
    assert "echo of the request" in output and "***" in output  # the echoes got there, redacted
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"reports", "backups", "failed", "out", "outbox"} <= {part for p in files for part in p.parts}
    assert any(p.name.endswith(".errors.json") for p in files) and any(p.name == "state.db" for p in files)
    report_texts = [p.read_text(encoding="utf-8") for p in (tmp_path / "reports").glob("*.json")]
    assert any("echo of the request" in text for text in report_texts)  # the failed cron run's error
    seen = output + caplog.text + "".join(p.read_bytes().decode("utf-8", "replace") for p in files)
    secrets = [v for k, v in env.items() if k not in NOT_SECRET] + _issued(emu)
    assert len(secrets) >= 6
    for secret in secrets:
        for spelling in _spellings(secret):
            assert spelling not in seen, f"a secret leaked: {spelling!r}"
    assert re.search(r"Bearer (?!\*\*\*)", seen) is None
    assert "oauth_signature" not in seen and "oauth_consumer_key" not in seen


# --------------------------------------------------------------------------- file modes


@pytest.fixture(params=[0o000, 0o077], ids=["umask-000", "umask-077"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield int(request.param)
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_backups_reports_and_error_files_are_private_outbox_files_group_readable(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask: int
) -> None:
    """Whatever the umask: backups, reports and errors files 0600; translator files in an
    outbox 0640, so an upload account in the owner's group can read them."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "automsg.toml").write_text(
        f'csds_url = "{emu.url}"\nsettle_seconds = 0\n[policies]\nauto_apply = true\n'
        f'[[accounts]]\nid = "{ACCOUNT}"\nlanguages = ["fr-FR", "de-DE"]\nformats = ["po", "xlsx", "xliff"]\n'
    )

    def cli(*args: str) -> int:
        return CliRunner().invoke(main, list(args), env=USER, catch_exceptions=False).exit_code

    assert cli("export-for-translation", "--out", "out") == 0
    exported = sorted((tmp_path / "out" / ACCOUNT).iterdir())
    assert [p.name for p in exported] == [
        "de-DE.po",
        "de-DE.xlf",
        "de-DE.xlsx",
        "fr-FR.po",
        "fr-FR.xlf",
        "fr-FR.xlsx",
    ]
    assert {p.name: oct(_mode(p)) for p in exported} == {p.name: "0o640" for p in exported}
    po = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    catalog = polib.pofile(str(po))
    catalog.find("account|CONSUMER_SEND_MESSAGE_ON_OFFHOURS", by="msgctxt").msgstr = "Nous fermons."
    catalog.save(str(po))
    assert cli("import-translations", str(po), "--apply") == 0
    (backup,) = (tmp_path / ".automsg" / "backups").iterdir()
    assert oct(_mode(backup)) == "0o600"
    assert cli("restore", str(backup), "--apply") == 0
    backups = list((tmp_path / ".automsg" / "backups").iterdir())
    assert len(backups) == 2 and {oct(_mode(p)) for p in backups} == {"0o600"}  # the restore's own backup too
    emu.ui_edit(
        "account", "CONSUMER_SEND_MESSAGE_ON_OFFHOURS", "de-DE", "Geänderter Text"
    )  # something new to export
    (tmp_path / "inbox" / ACCOUNT).mkdir(parents=True, exist_ok=True)
    shutil.copy(po, tmp_path / "inbox" / ACCOUNT / "fr-FR.po")
    (tmp_path / "inbox" / ACCOUNT / "broken.po").write_text("not a PO file\n", encoding="utf-8")
    assert cli("cron-run") == 3
    (report,) = (tmp_path / "reports").glob("*.json")
    (page,) = (tmp_path / "reports").glob("*.html")  # the run page for people, as private as the JSON
    (errors,) = (tmp_path / "failed" / ACCOUNT).glob("*.errors.json")
    assert (oct(_mode(report)), oct(_mode(page)), oct(_mode(errors))) == ("0o600", "0o600", "0o600")
    outbox = list((tmp_path / "outbox" / ACCOUNT).iterdir())
    assert outbox and {oct(_mode(p)) for p in outbox} == {"0o640"}


def test_a_translator_file_gets_the_mode_asked_for(tmp_path: Path) -> None:
    meta = FileMeta(ACCOUNT, "fr-FR", "x-1", "1", "en-US")
    for mode in (0o600, 0o644, 0o660):
        path = tmp_path / f"{mode:o}" / "fr-FR.po"
        write_translation_file(path, meta, [], {}, mode=mode)
        assert _mode(path) == mode
        assert [p.name for p in path.parent.iterdir()] == ["fr-FR.po"]  # no temporary file left


def test_outbox_mode_in_the_config(tmp_path: Path) -> None:
    config = tmp_path / "automsg.toml"
    assert load_settings(None, {}).paths.outbox_mode == 0o640
    for written, mode in (('"0660"', 0o660), ('"600"', 0o600), ("0o644", 0o644), ('"0o640"', 0o640)):
        config.write_text(f"[paths]\noutbox_mode = {written}\n")
        assert load_settings(config, {}).paths.outbox_mode == mode
    for bad in ('"0755"', '"0666"', '"0440"', "640", '"rw-r-----"', "true"):
        config.write_text(f"[paths]\noutbox_mode = {bad}\n")
        with pytest.raises(ConfigError, match=r"paths\.outbox_mode: expected"):
            load_settings(config, {})


def test_private_json_is_0600_even_over_a_temporary_file_left_behind(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "run.json"
    path.parent.mkdir()
    left = path.with_name(f".{path.name}.tmp")
    left.write_text("half a report")
    left.chmod(0o644)  # a run killed mid-write, under another umask
    write_private_json(path, {"ok": True})
    assert oct(_mode(path)) == "0o600" and json.loads(path.read_text()) == {"ok": True}
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("untouched")
    left.unlink()
    left.symlink_to(elsewhere)  # planted at the temporary name an earlier version used
    write_private_json(path, {"ok": False})  # a fresh O_EXCL name each time (files.write_atomic)
    assert elsewhere.read_text() == "untouched" and json.loads(path.read_text()) == {"ok": False}
    path.unlink()
    path.symlink_to(elsewhere)  # planted at the file's own name
    with pytest.raises(OutputError):
        write_private_json(path, {"ok": False})  # a planted symlink is not written through
    assert elsewhere.read_text() == "untouched"


# --------------------------------------------------------------------------- the redactor


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Authorization: Bearer 9f8e7d6c5b4a.x-y_z~+/=", "Authorization: ***"),
        ("sent Bearer 9f8e7d6c5b4a3f2e1d0c and more", "sent Bearer *** and more"),
        (
            'Authorization: OAuth oauth_consumer_key="ck1", oauth_nonce="42", oauth_signature="a%2Fb%3D", oauth_version="1.0"',
            "Authorization: ***",
        ),
        (
            '{"headers": {"Authorization": "OAuth oauth_consumer_key=\\"ck1\\", oauth_signature=\\"a%2Fb%3D\\""}}',
            '{"headers": {"Authorization": "***"}}',
        ),
        (
            "GET /x?oauth_token=abc123&oauth_signature=zz%3D&v=1",
            "GET /x?oauth_token=***&oauth_signature=***&v=1",
        ),
        (
            '{"username": "u", "password": "pw with \\"quotes\\" inside"}',
            '{"username": "u", "password": "***"}',
        ),
        ('"{\\"password\\": \\"hunter22\\", \\"x\\": 1}"', '"{\\"password\\": \\"***\\", \\"x\\": 1}"'),
        (
            '{"secret": "s1", "accessTokenSecret": "s2", "appKey": "k", "csrf": "c"}',
            '{"secret": "***", "accessTokenSecret": "***", "appKey": "***", "csrf": "***"}',
        ),
        (
            "client_id=app&client_secret=s3cr3t%21&grant_type=client_credentials",
            "client_id=app&client_secret=***&grant_type=client_credentials",
        ),
        (
            "X-LP-ON-BEHALF: abcdefgh\nCookie: Session_id=0123abcd; lang=fr\nHost: lp",
            "X-LP-ON-BEHALF: ***\nCookie: ***\nHost: lp",
        ),
        ("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcHAifQ.c2lnbmF0dXJl here", "token *** here"),
        # left alone: words, dotted names, file names, numbers, keys without a secret's name
        (
            "automsg_sync.emulator.app wrote fr-FR.po.errors.json (v1.2.3)",
            "automsg_sync.emulator.app wrote fr-FR.po.errors.json (v1.2.3)",
        ),
        (
            "automsg.toml: accounts[0].password: a secret written in it is refused",
            "automsg.toml: accounts[0].password: a secret written in it is refused",
        ),
        (
            '{"key": "account|CONSUMER_OPEN_NEW_CONVERSATION", "tokenTtl": 120, "max_retry_wait": 120}',
            '{"key": "account|CONSUMER_OPEN_NEW_CONVERSATION", "tokenTtl": 120, "max_retry_wait": 120}',
        ),
    ],
)
def test_redact_masks_what_is_shaped_like_a_credential(text: str, redacted: str) -> None:
    assert redact(text) == redacted
    assert redact(redacted) == redacted


def test_redact_masks_a_registered_secret_however_it_is_encoded() -> None:
    secret = 'Q"u ötä&+%/=-5077'
    register_secrets([secret, "abc"])  # "abc": too short to be masked anywhere
    for spelling in (
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(json.dumps(secret))[3:-3],
        quote_plus(secret),
        quote(secret, safe=""),
    ):
        assert redact(f"<{spelling}>") == "<***>", spelling
    assert redact("abcdef") == "abcdef"


def test_an_answer_is_redacted_before_it_is_cut() -> None:
    """A secret across the 200th character must not leave its first half in the error text."""
    secret = "cut-in-half-SECRET-0123456789"
    register_secrets([secret])
    body = "x" * 190 + " " + secret + " tail"
    excerpt = body_excerpt(body)
    assert secret[:9] not in excerpt and excerpt.endswith("*** tail")
    error = ApiStatusError("GET", "https://lp/x", 500, f"echo: {secret}")
    assert secret not in str(error) and secret not in error.detail and secret not in error.args[0]
    assert str(ApiError(f"first {secret}")) == "first ***"


def test_secrets_registered_from_many_threads_are_all_kept() -> None:
    """cron-run's accounts log in on their own threads; no thread's secrets may be lost."""
    import sys
    import threading

    from automsg_sync.log import redact, register_secrets

    values = [[f"thread{t}-secret-{i}-Zq9" for i in range(30)] for t in range(16)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, to make a lost update likely
    try:
        threads = [threading.Thread(target=register_secrets, args=(v,)) for v in values]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    leaked = [v for vs in values for v in vs if v in redact(f"token {v} end")]
    assert leaked == []
