"""Read ``automsg.toml`` and the environment into :class:`~automsg_sync.config.settings.Settings`.

Precedence, highest first: command-line options (never secrets), the
environment, the config file, the defaults of :mod:`automsg_sync.config.schema`.
Secrets come only from the environment or the config file: an account names the
environment variables that hold them (``password_env = "ACME_LP_PASSWORD"``); a
secret written inline is accepted only when the file is readable by its owner
alone. Every value is checked here, with an error naming the file and the key.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..git import check_remote, parse_author
from ..languages import check_language
from ..model import UNIT_STATES
from ..urls import check_transport
from .credentials import CREDENTIAL_ENV, LOGINS, NOT_SECRET, credentials, secret
from .schema import ACCOUNTS, TOP, Table, keys_of
from .settings import (
    APIS,
    DEFAULT_CONFIG,
    FORMATS,
    MAX_PARALLEL_ACCOUNTS,
    AccountSettings,
    GitSettings,
    HttpSettings,
    Paths,
    Policies,
    Settings,
    VerifySettings,
    check_account_id,
)


def load_settings(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    csds_url: str | None = None,
    state_dir: Path | None = None,
) -> Settings:
    """Read the config file (``path``, else ``./automsg.toml`` if present) and env."""
    env = dict(os.environ if env is None else env)
    table: dict[str, Any] = {}
    source = "defaults"
    if path is None and DEFAULT_CONFIG.exists():
        path = DEFAULT_CONFIG
    if path is not None:
        table = _read_toml(path)
        source = str(path)
    private = path is not None and _is_private(path)
    # Paths in the file are relative to the file: cron's working directory is anyone's guess.
    here = path.resolve().parent if path is not None else Path()
    top = Table(table, source, "", TOP)
    http = top.table("http")
    file_csds = top.get("csds_url")
    file_state_dir = here / top.get("state_dir")
    paths_table = top.table("paths")
    paths = Paths(
        **{
            name: here / paths_table.get(name) for name in ("outbox", "inbox", "archive", "failed", "reports")
        },
        outbox_mode=_outbox_mode(paths_table),
    )
    policies = _policies(top.table("policies"), Policies())
    verify_table = top.table("verify")
    verify = VerifySettings(
        listen=verify_table.get("listen"),
        public_url=verify_table.get("public_url"),
        timeout=verify_table.get("timeout"),
        message=verify_table.get("message"),
    )
    verify_table.done()
    git = _git(top.table("git")) if "git" in table else None
    settings = Settings(
        csds_url=_csds_url(csds_url, env, file_csds, top),
        state_dir=state_dir or file_state_dir,
        paths=paths,
        policies=policies,
        verify=verify,
        git=git,
        max_file_bytes=int(top.get("max_file_mb") * (1 << 20)),
        max_xlsx_bytes=_max_xlsx_bytes(top),
        settle_seconds=_settle_seconds(top),
        html_reports=top.get("html_reports"),
        max_parallel_accounts=_max_parallel_accounts(top),
        http=HttpSettings(
            timeout=http.get("timeout"),
            retry_waits=tuple(http.get("retry_waits")),
            min_rate_limit_wait=http.get("min_rate_limit_wait"),
            verify_tls=_verify_tls(http),
            max_retry_wait=_max_retry_wait(http),
        ),
        accounts={},
        env=env,
        default_account=env.get("AUTOMSG_ACCOUNT"),
        config_path=path.absolute() if path is not None else None,
    )
    accounts: dict[str, AccountSettings] = {}
    for index, raw in enumerate(top.get("accounts")):
        account = _account(Table(raw, source, f"accounts[{index}].", ACCOUNTS), env, private, policies)
        if account.id in accounts:
            raise ConfigError(f"{source}: accounts[{index}].id: account {account.id} twice")
        accounts[account.id] = account
    http.done()
    paths_table.done()
    top.done(ignore=("http", "accounts", "paths", "policies", "verify", "git"))
    if not settings.default_account and len(accounts) == 1:
        settings = replace(settings, default_account=next(iter(accounts)))
    return replace(settings, accounts=accounts)


def _max_xlsx_bytes(top: Table) -> int:
    megabytes: float = top.get("max_xlsx_mb")
    if megabytes <= 0:
        raise ConfigError(f"{top.where('max_xlsx_mb')}: expected a positive number of MB, got {megabytes:g}")
    return int(megabytes * (1 << 20))


def _settle_seconds(top: Table) -> float:
    seconds: float = top.get("settle_seconds")
    if seconds < 0:
        raise ConfigError(f"{top.where('settle_seconds')}: expected 0 or more seconds, got {seconds:g}")
    return seconds


def _max_parallel_accounts(top: Table) -> int:
    """``max_parallel_accounts``: how many accounts ``cron-run`` serves at once, 1 to 64."""
    count: int = top.get("max_parallel_accounts")
    if not 1 <= count <= MAX_PARALLEL_ACCOUNTS:
        raise ConfigError(
            f"{top.where('max_parallel_accounts')}: expected 1 to {MAX_PARALLEL_ACCOUNTS} accounts at once, "
            f"got {count}"
        )
    return count


def _csds_url(option: str | None, env: Mapping[str, str], file_value: str, top: Table) -> str:
    """The CSDS URL that wins (option, environment, file, default), checked; the message names its origin."""

    if option:
        url, name = option, f"--csds-url {option}"
    elif env.get("AUTOMSG_CSDS_URL"):
        url = env["AUTOMSG_CSDS_URL"]
        name = f"AUTOMSG_CSDS_URL={url}"
    else:
        url, name = file_value, f"{top.where('csds_url')} = {file_value!r}"
    check_transport(url, name)
    return url


def _max_retry_wait(http: Table) -> float:
    seconds: float = http.get("max_retry_wait")
    if not 0 <= seconds < float("inf"):  # also refuses nan
        raise ConfigError(f"{http.where('max_retry_wait')}: expected 0 or more seconds, got {seconds:g}")
    return seconds


def _outbox_mode(paths: Table) -> int:
    """``[paths] outbox_mode``: ``"0640"`` (a string of octal digits) or a TOML octal ``0o640``."""
    raw = paths.get("outbox_mode", None)
    if raw is None:
        return Paths.outbox_mode
    mode = -1
    if isinstance(raw, str) and re.fullmatch(r"(?:0o?)?[0-7]{3}", raw.strip().lower()):
        mode = int(raw.strip().lower().removeprefix("0o"), 8)
    elif isinstance(raw, int) and not isinstance(raw, bool):
        mode = raw
    # the owner reads and writes its files; nobody executes them; others never write them
    if not 0 <= mode <= 0o777 or mode & 0o600 != 0o600 or mode & 0o113:
        raise ConfigError(
            f'{paths.where("outbox_mode")}: expected a file mode such as "0640" or 0o640 (the owner '
            f"reads and writes, nobody executes, others do not write), got {raw!r}"
        )
    return mode


def _git(t: Table) -> GitSettings:
    remote = t.require("remote")
    check_remote(remote, t.where("remote"))
    author = t.get("author")
    parse_author(author, t.where("author"))
    found = GitSettings(
        remote=remote,
        branch=t.get("branch"),
        path=t.get("path"),
        author=author,
    )
    t.done()
    return found


def _verify_tls(http: Table) -> bool:
    verify = http.get("verify_tls")
    if not verify:
        # TLS verification cannot be turned off silently: only this explicit,
        # loud key does it, and plain http stays refused for non-loopback hosts.
        raise ConfigError(
            f"{http.source}: http.verify_tls = false is not supported; "
            "install the server's CA in the system trust store instead"
        )
    return True


def _policies(t: Table, defaults: Policies, *, done: bool = True) -> Policies:
    values: dict[str, Any] = {}
    for name in keys_of("policies"):
        if name == "export_only":
            states = t.get(name, None)
            if states is not None:
                for state in states:
                    if state not in UNIT_STATES:
                        raise ConfigError(
                            f"{t.where(name)}: {state!r} is not one of {', '.join(UNIT_STATES)}"
                        )
                values[name] = tuple(states)
        else:
            value = t.get(name, None)
            if value is not None:
                values[name] = value
    if done:
        t.done()
    return replace(defaults, **values)


def _account(t: Table, env: Mapping[str, str], private: bool, policies: Policies) -> AccountSettings:
    raw_id = t.require("id")
    account_id = check_account_id(str(raw_id) if isinstance(raw_id, int) else raw_id, t.where("id"))
    api = t.get("api")
    if api not in APIS:
        raise ConfigError(f"{t.where('api')}: {api!r} is not one of {', '.join(APIS)}")
    method = t.get("auth")
    login = t.get("login")
    if login not in LOGINS:
        raise ConfigError(f"{t.where('login')}: {login!r} is not one of {', '.join(LOGINS)}")
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    for name in CREDENTIAL_ENV:
        var = t.get(f"{name}_env")
        inline = t.get(name)
        if inline is not None and name not in NOT_SECRET and not private:
            raise ConfigError(
                f"{t.where(name)}: a secret written in {t.source} is refused because the "
                f"file is readable by group or others (chmod 600 it, or use {name}_env)"
            )
        values[name] = inline if inline is not None else env.get(var)
        sources[name] = var if inline is None else t.where(name)
    account_credentials = credentials(method or None, values, t.where("auth"), login, sources)
    skills_raw = t.get("skills")
    skills: tuple[str, ...] | None
    if skills_raw == "all":
        skills = None
    elif isinstance(skills_raw, list):
        skills = tuple(str(s) for s in skills_raw)
    else:
        raise ConfigError(f'{t.where("skills")}: expected "all" or a list of skill ids')
    formats = tuple(t.get("formats"))
    for fmt in formats:
        if fmt not in FORMATS:
            raise ConfigError(f"{t.where('formats')}: {fmt!r} is not one of {', '.join(FORMATS)}")
    account = AccountSettings(
        id=account_id,
        credentials=account_credentials,
        api=api,
        put_override=t.get("put_override"),
        source_language=_language(t, "source_language", t.get("source_language")),
        languages=tuple(_language(t, "languages", x) for x in t.get("languages")),
        skills=skills,
        formats=formats,
        max_length=t.get("max_length"),
        dedupe=t.get("dedupe"),
        prefill=t.get("prefill"),
        policies=_policies(t, policies, done=False),
        git=t.get("git"),
        connector_client_id=values["connector_client_id"],
        connector_client_secret=secret(values["connector_client_secret"]),
    )
    t.done()
    return account


def _language(t: Table, key: str, value: str) -> str:
    """``value`` normalised; a malformed tag or one LivePerson does not offer names the key."""
    return check_language(value, t.where(key))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found (looked for {path.absolute()}): pass --config FILE; "
            "samples/automsg.toml in the repository is a commented example of every key"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def _is_private(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not bool(mode & (stat.S_IRWXG | stat.S_IRWXO))
