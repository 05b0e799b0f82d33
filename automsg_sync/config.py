"""Settings: a TOML config file plus the environment, as typed values.

Precedence, highest first: command-line options (never secrets), the
environment, the config file, the defaults below. Secrets come only from the
environment or the config file: an account names the environment variables
that hold them (``password_env = "ACME_LP_PASSWORD"``); a secret written
inline is accepted only when the file is readable by its owner alone.

Environment variables used when the config says nothing else:
``AUTOMSG_CSDS_URL``, ``AUTOMSG_ACCOUNT``, ``AUTOMSG_AUTH`` (``client``,
``bearer`` or ``oauth``), ``AUTOMSG_CLIENT_ID``/``AUTOMSG_CLIENT_SECRET`` (OAuth 2.0
client credentials: LivePerson's recommended method, used whenever both are set),
``AUTOMSG_USERNAME``/``AUTOMSG_PASSWORD`` (Login Service) and
``AUTOMSG_APP_KEY``/``AUTOMSG_APP_SECRET``/``AUTOMSG_ACCESS_TOKEN``/
``AUTOMSG_ACCESS_TOKEN_SECRET`` (OAuth 1.0 API key, retired by LivePerson).
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from .errors import ConfigError
from .git import check_remote, parse_author
from .languages import check_language
from .model import UNIT_STATES
from .urls import check_transport

DEFAULT_CSDS_URL = "https://api.liveperson.net"
DEFAULT_CONFIG = Path("automsg.toml")
APIS = ("auto", "unified-auto-messages", "auto-messages")
FORMATS = ("po", "xlsx", "xliff", "tmx")  # tmx: the translator's memory, never imported
DEFAULT_FORMATS = ("po", "xlsx")
AuthMethod = Literal["client", "bearer", "oauth"]
AUTH_METHODS = ("client", "bearer", "oauth")
LoginKind = Literal["user", "app"]
LOGINS: tuple[LoginKind, ...] = ("user", "app")


class Secret:
    """A secret value: prints as ``***`` everywhere; ``reveal()`` for the wire."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Credentials:
    """How to authenticate one account; only one method's fields are set.

    ``method``: ``"client"`` (OAuth 2.0 client credentials, ``client_id`` and
    ``client_secret``: a Sentinel token; with ``login = "app"`` and a user name, a
    bot login through the Login Service with them instead), ``"bearer"`` (Login
    Service: user and password; or ``login = "app"`` with the four OAuth 1.0 key
    secrets) or ``"oauth"`` (OAuth 1.0 API key, every request signed).
    ``ignored`` names the variables of other methods that were set too and are not
    used (said by ``status`` and ``-v``).
    """

    method: AuthMethod
    login: LoginKind = "user"
    username: str | None = None
    client_id: str | None = None
    client_secret: Secret | None = None
    password: Secret | None = None
    app_key: Secret | None = None
    app_secret: Secret | None = None
    access_token: Secret | None = None
    access_token_secret: Secret | None = None
    # where each credential is read from (``password`` → ``ACME_LP_PASSWORD``), for messages
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    ignored: tuple[str, ...] = field(default=(), compare=False)

    def source(self, name: str) -> str:
        """The environment variable (or config key) ``name`` is read from."""
        return self.sources.get(name, f"AUTOMSG_{name.upper()}")

    def secrets(self) -> list[str]:
        """Every secret value, for the log redaction filter."""
        values = [self.password, self.app_key, self.app_secret, self.client_secret]
        values += [self.access_token, self.access_token_secret]
        return [s.reveal() for s in values if s is not None and s.reveal()]

    def describe(self) -> str:
        """The method in words and the variables it comes from, e.g. ``OAuth 2.0 client
        credentials (AUTOMSG_CLIENT_ID, AUTOMSG_CLIENT_SECRET)``; never a value."""
        if self.method == "client":
            names = ["client_id", "client_secret"]
            what = "OAuth 2.0 client credentials"
            if self.login == "app":
                what += " through a bot login (Login Service)"
                names.insert(0, "username")
        elif self.method == "bearer" and self.login == "app":
            what, names = (
                "OAuth 1.0 API key through a bot login (Login Service; retired by LivePerson)",
                [
                    "username",
                    "app_key",
                    "app_secret",
                    "access_token",
                    "access_token_secret",
                ],
            )
        elif self.method == "bearer":
            what, names = "user login (Login Service)", ["username", "password"]
        else:
            what = "OAuth 1.0 API key (retired by LivePerson)"
            names = ["app_key", "app_secret", "access_token", "access_token_secret"]
        said = f"{what} ({', '.join(self.source(n) for n in names)})"
        if self.method == "client" and self.login != "app" and self.username:
            said += f"; if an API refuses its token, a bot login as {self.source('username')}"
        if self.ignored:
            said += f"; also set and not used: {', '.join(self.ignored)}"
        return said


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts and the retry policy of lp-api.md (5xx: 3 retries, 5/10/15 s)."""

    timeout: float = 30.0
    retry_waits: tuple[float, ...] = (5.0, 10.0, 15.0)
    min_rate_limit_wait: float = 1.0
    verify_tls: bool = True
    max_retry_wait: float = 120.0  # a 429's Retry-After longer than this fails the call instead


@dataclass(frozen=True)
class Policies:
    """What an unattended run may do on its own (``[policies]``, overridable per account)."""

    auto_apply: bool = False  # false: import as a dry run and leave the plan in the report
    accept_stale: bool = False
    prefer_file: bool = False
    export_only: tuple[str, ...] = ("missing", "default", "stale")
    verify_after_apply: bool = False


@dataclass(frozen=True)
class Paths:
    """The cron run's directories (``[paths]``); relative ones are below the config file's folder."""

    outbox: Path = Path("outbox")
    inbox: Path = Path("inbox")
    archive: Path = Path("archive")
    failed: Path = Path("failed")
    reports: Path = Path("reports")
    outbox_mode: int = 0o640  # of the translator files an export writes: the group (an uploader) reads them


ANY_WELCOME = "welcome"  # [verify] message: whichever welcome LivePerson sends on a new conversation


@dataclass(frozen=True)
class GitSettings:
    """``[git]``: the repository a translation platform syncs with (issue #27). Credentials
    come from git's own mechanisms, never from here (a password in ``remote`` is refused)."""

    remote: str
    branch: str = "main"
    path: str = "."  # the folder inside the repository
    author: str = "automsg-sync <automsg-sync@localhost>"  # commit author and committer


@dataclass(frozen=True)
class VerifySettings:
    """``verify``'s webhook listener and what it waits for (``[verify]``).

    ``message`` is the automatic message expected on the test conversation. The
    default, ``"welcome"``, accepts any of the four LivePerson sends on a new
    conversation — ``CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME`` (what a new
    consumer gets, and verify's consumer is always new), ``…_OPEN_NEW_CONVERSATION``
    (the account has no first-time welcome), ``…_FIRST_TIME_OFF_HOURS`` and
    ``…_OFF_HOURS`` (off hours) — and compares the received text with the
    expected text of the one it is. Any other value is one message, by event
    id or UI name (``messages.lookup``; ``"Welcome message"`` is
    ``CONSUMER_OPEN_NEW_CONVERSATION``), and only that one passes.
    """

    listen: str = "127.0.0.1:8787"
    public_url: str | None = None  # where LivePerson reaches the listener, if not the listen address
    timeout: float = 30.0
    message: str = ANY_WELCOME  # "welcome", or one message's event id or UI name (see above)


@dataclass(frozen=True)
class AccountSettings:
    """One LivePerson account as configured."""

    id: str
    credentials: Credentials
    api: str = "auto"  # Unified Automatic Messages, else the legacy API on a 404 (lp-api.md)
    put_override: bool = False  # POST with X-HTTP-Method-Override: PUT, for proxies that block PUT
    source_language: str = "en-US"
    languages: tuple[str, ...] = ()
    skills: tuple[str, ...] | None = None  # None: every skill
    formats: tuple[str, ...] = DEFAULT_FORMATS
    max_length: int | None = None  # QA: longest text accepted from translators
    dedupe: bool = False  # exports write identical texts once (export-for-translation --dedupe)
    prefill: bool = False  # exports pre-fill missing units from other contexts (--prefill)
    policies: Policies = field(default_factory=Policies)
    git: bool = True  # false: this account keeps to the inbox and outbox though [git] is set
    connector_client_id: str | None = None
    connector_client_secret: Secret | None = None


@dataclass(frozen=True)
class Settings:
    csds_url: str = DEFAULT_CSDS_URL
    state_dir: Path = Path(".automsg")
    http: HttpSettings = field(default_factory=HttpSettings)
    paths: Paths = field(default_factory=Paths)
    policies: Policies = field(default_factory=Policies)
    verify: VerifySettings = field(default_factory=VerifySettings)
    git: GitSettings | None = None  # [git]: cron-run exchanges files through this repository
    max_file_bytes: int = 20 << 20  # returned files larger than this are refused
    max_xlsx_bytes: int = 50 << 20  # an XLSX whose parts unpack to more than this is refused
    settle_seconds: float = 30.0  # cron-run leaves an inbox file changed more recently than this
    html_reports: bool = True  # cron-run writes reports/<run-id>.html beside the JSON
    max_parallel_accounts: int = 8  # cron-run serves this many accounts at once (threads)
    accounts: Mapping[str, AccountSettings] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    default_account: str | None = None

    def account(self, account_id: str | None = None, *, origin: str | None = None) -> AccountSettings:
        """The named account's settings; an unconfigured id uses the environment.

        The id is checked (:func:`check_account_id`) before it names anything;
        ``origin`` says where it came from in the error (default ``--account``,
        or ``AUTOMSG_ACCOUNT`` when no id is given).
        """
        given = account_id
        account_id = account_id or self.default_account
        if not account_id:
            raise ConfigError("no account: pass --account ID or set AUTOMSG_ACCOUNT")
        check_account_id(account_id, origin or ("--account" if given else "AUTOMSG_ACCOUNT"))
        if account_id in self.accounts:
            return self.accounts[account_id]
        return AccountSettings(
            id=account_id,
            credentials=_env_credentials(self.env),
            policies=self.policies,
            connector_client_id=self.env.get("AUTOMSG_CONNECTOR_CLIENT_ID"),
            connector_client_secret=_secret(self.env.get("AUTOMSG_CONNECTOR_CLIENT_SECRET")),
        )


ACCOUNT_ID = re.compile(r"[A-Za-z0-9]{1,20}")


def check_account_id(account_id: object, origin: str) -> str:
    """``account_id`` if it is an account id as LivePerson's are — letters and digits
    only, 1 to 20 of them — else a :class:`ConfigError` naming ``origin`` (where the
    id came from: ``--account``, a config key, a file). Checked before an id becomes
    part of a path or a URL.

    >>> check_account_id("70071528", "--account")
    '70071528'
    """
    if isinstance(account_id, str) and ACCOUNT_ID.fullmatch(account_id):
        return account_id
    shown = repr(account_id)
    shown = shown if len(shown) <= 40 else f"{shown[:35]}…"
    raise ConfigError(
        f"{origin}: account id {shown} is not valid (letters and digits only, 1 to 20 of them, "
        "as LivePerson's account ids are)"
    )


# --------------------------------------------------------------------------- loading


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
    top = _Table(table, source, "")
    http = top.table("http")
    file_csds = top.get("csds_url", str, DEFAULT_CSDS_URL)
    file_state_dir = here / top.get("state_dir", str, ".automsg")
    paths_table = top.table("paths")
    paths = Paths(
        **{
            name: here / paths_table.get(name, str, str(getattr(Paths(), name)))
            for name in ("outbox", "inbox", "archive", "failed", "reports")
        },
        outbox_mode=_outbox_mode(paths_table),
    )
    policies = _policies(top.table("policies"), Policies())
    verify_table = top.table("verify")
    verify = VerifySettings(
        listen=verify_table.get("listen", str, VerifySettings.listen),
        public_url=verify_table.get("public_url", str, None),
        timeout=verify_table.get("timeout", float, VerifySettings.timeout),
        message=verify_table.get("message", str, VerifySettings.message),
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
        max_file_bytes=int(top.get("max_file_mb", float, 20.0) * (1 << 20)),
        max_xlsx_bytes=_max_xlsx_bytes(top),
        settle_seconds=_settle_seconds(top),
        html_reports=top.get("html_reports", bool, True),
        max_parallel_accounts=_max_parallel_accounts(top),
        http=HttpSettings(
            timeout=http.get("timeout", float, 30.0),
            retry_waits=tuple(http.get("retry_waits", list[float], [5.0, 10.0, 15.0])),
            min_rate_limit_wait=http.get("min_rate_limit_wait", float, 1.0),
            verify_tls=_verify_tls(http),
            max_retry_wait=_max_retry_wait(http),
        ),
        accounts={},
        env=env,
        default_account=env.get("AUTOMSG_ACCOUNT"),
    )
    accounts: dict[str, AccountSettings] = {}
    for index, raw in enumerate(top.get("accounts", list[dict[str, Any]], [])):
        account = _account(_Table(raw, source, f"accounts[{index}]."), env, private, policies)
        if account.id in accounts:
            raise ConfigError(f"{source}: accounts[{index}].id: account {account.id} twice")
        accounts[account.id] = account
    http.done()
    paths_table.done()
    top.done(ignore=("http", "accounts", "paths", "policies", "verify", "git"))
    if not settings.default_account and len(accounts) == 1:
        settings = replace(settings, default_account=next(iter(accounts)))
    return replace(settings, accounts=accounts)


def _max_xlsx_bytes(top: _Table) -> int:
    megabytes: float = top.get("max_xlsx_mb", float, Settings.max_xlsx_bytes / (1 << 20))
    if megabytes <= 0:
        raise ConfigError(f"{top.where('max_xlsx_mb')}: expected a positive number of MB, got {megabytes:g}")
    return int(megabytes * (1 << 20))


def _settle_seconds(top: _Table) -> float:
    seconds: float = top.get("settle_seconds", float, Settings.settle_seconds)
    if seconds < 0:
        raise ConfigError(f"{top.where('settle_seconds')}: expected 0 or more seconds, got {seconds:g}")
    return seconds


MAX_PARALLEL_ACCOUNTS = 64  # more threads than this only queue on the host's network and disk


def _max_parallel_accounts(top: _Table) -> int:
    """``max_parallel_accounts``: how many accounts ``cron-run`` serves at once, 1 to 64."""
    count: int = top.get("max_parallel_accounts", int, Settings.max_parallel_accounts)
    if not 1 <= count <= MAX_PARALLEL_ACCOUNTS:
        raise ConfigError(
            f"{top.where('max_parallel_accounts')}: expected 1 to {MAX_PARALLEL_ACCOUNTS} accounts at once, "
            f"got {count}"
        )
    return count


def _csds_url(option: str | None, env: Mapping[str, str], file_value: str, top: _Table) -> str:
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


def _max_retry_wait(http: _Table) -> float:
    seconds: float = http.get("max_retry_wait", float, HttpSettings.max_retry_wait)
    if not 0 <= seconds < float("inf"):  # also refuses nan
        raise ConfigError(f"{http.where('max_retry_wait')}: expected 0 or more seconds, got {seconds:g}")
    return seconds


def _outbox_mode(paths: _Table) -> int:
    """``[paths] outbox_mode``: ``"0640"`` (a string of octal digits) or a TOML octal ``0o640``."""
    raw = paths.get("outbox_mode", (str, int), None)
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


def _git(t: _Table) -> GitSettings:
    remote = t.require("remote", str)
    check_remote(remote, t.where("remote"))
    author = t.get("author", str, GitSettings.author)
    parse_author(author, t.where("author"))
    found = GitSettings(
        remote=remote,
        branch=t.get("branch", str, GitSettings.branch),
        path=t.get("path", str, GitSettings.path),
        author=author,
    )
    t.done()
    return found


def _verify_tls(http: _Table) -> bool:
    verify = http.get("verify_tls", bool, True)
    if not verify:
        # TLS verification cannot be turned off silently: only this explicit,
        # loud key does it, and plain http stays refused for non-loopback hosts.
        raise ConfigError(
            f"{http.source}: http.verify_tls = false is not supported; "
            "install the server's CA in the system trust store instead"
        )
    return True


POLICY_KEYS = ("auto_apply", "accept_stale", "prefer_file", "export_only", "verify_after_apply")


def _policies(t: _Table, defaults: Policies, *, done: bool = True) -> Policies:
    values: dict[str, Any] = {}
    for name in POLICY_KEYS:
        if name == "export_only":
            states = t.get(name, list[str], None)
            if states is not None:
                for state in states:
                    if state not in UNIT_STATES:
                        raise ConfigError(
                            f"{t.where(name)}: {state!r} is not one of {', '.join(UNIT_STATES)}"
                        )
                values[name] = tuple(states)
        else:
            value = t.get(name, bool, None)
            if value is not None:
                values[name] = value
    if done:
        t.done()
    return replace(defaults, **values)


def _account(t: _Table, env: Mapping[str, str], private: bool, policies: Policies) -> AccountSettings:
    raw_id = t.require("id", (str, int))
    account_id = check_account_id(str(raw_id) if isinstance(raw_id, int) else raw_id, t.where("id"))
    api = t.get("api", str, "auto")
    if api not in APIS:
        raise ConfigError(f"{t.where('api')}: {api!r} is not one of {', '.join(APIS)}")
    method = t.get("auth", str, "")
    login = t.get("login", str, "user")
    if login not in LOGINS:
        raise ConfigError(f"{t.where('login')}: {login!r} is not one of {', '.join(LOGINS)}")
    names = {
        "client_id": "AUTOMSG_CLIENT_ID",
        "client_secret": "AUTOMSG_CLIENT_SECRET",
        "username": "AUTOMSG_USERNAME",
        "password": "AUTOMSG_PASSWORD",
        "app_key": "AUTOMSG_APP_KEY",
        "app_secret": "AUTOMSG_APP_SECRET",
        "access_token": "AUTOMSG_ACCESS_TOKEN",
        "access_token_secret": "AUTOMSG_ACCESS_TOKEN_SECRET",
        "connector_client_id": "AUTOMSG_CONNECTOR_CLIENT_ID",
        "connector_client_secret": "AUTOMSG_CONNECTOR_CLIENT_SECRET",
    }
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    for name, default_env in names.items():
        var = t.get(f"{name}_env", str, default_env)
        inline = t.get(name, str, None)
        if (
            inline is not None
            and name not in ("username", "client_id", "connector_client_id")
            and not private
        ):
            raise ConfigError(
                f"{t.where(name)}: a secret written in {t.source} is refused because the "
                f"file is readable by group or others (chmod 600 it, or use {name}_env)"
            )
        values[name] = inline if inline is not None else env.get(var)
        sources[name] = var if inline is None else t.where(name)
    found = _credentials(method or None, values, t.where("auth"), login, sources)
    credentials = replace(found, sources=sources)
    skills_raw = t.get("skills", (str, list), "all")
    skills: tuple[str, ...] | None
    if skills_raw == "all":
        skills = None
    elif isinstance(skills_raw, list):
        skills = tuple(str(s) for s in skills_raw)
    else:
        raise ConfigError(f'{t.where("skills")}: expected "all" or a list of skill ids')
    formats = tuple(t.get("formats", list[str], list(DEFAULT_FORMATS)))
    for fmt in formats:
        if fmt not in FORMATS:
            raise ConfigError(f"{t.where('formats')}: {fmt!r} is not one of {', '.join(FORMATS)}")
    account = AccountSettings(
        id=account_id,
        credentials=credentials,
        api=api,
        put_override=t.get("put_override", bool, False),
        source_language=_language(t, "source_language", t.get("source_language", str, "en-US")),
        languages=tuple(_language(t, "languages", x) for x in t.get("languages", list[str], [])),
        skills=skills,
        formats=formats,
        max_length=t.get("max_length", int, None),
        dedupe=t.get("dedupe", bool, False),
        prefill=t.get("prefill", bool, False),
        policies=_policies(t, policies, done=False),
        git=t.get("git", bool, True),
        connector_client_id=values["connector_client_id"],
        connector_client_secret=_secret(values["connector_client_secret"]),
    )
    t.done()
    return account


def _env_credentials(env: Mapping[str, str]) -> Credentials:
    values: dict[str, str | None] = {
        "client_id": env.get("AUTOMSG_CLIENT_ID"),
        "client_secret": env.get("AUTOMSG_CLIENT_SECRET"),
        "username": env.get("AUTOMSG_USERNAME"),
        "password": env.get("AUTOMSG_PASSWORD"),
        "app_key": env.get("AUTOMSG_APP_KEY"),
        "app_secret": env.get("AUTOMSG_APP_SECRET"),
        "access_token": env.get("AUTOMSG_ACCESS_TOKEN"),
        "access_token_secret": env.get("AUTOMSG_ACCESS_TOKEN_SECRET"),
    }
    return _credentials(env.get("AUTOMSG_AUTH") or None, values, "AUTOMSG_AUTH")


_METHOD_FIELDS = {
    "client": ("client_id", "client_secret"),
    "bearer": ("username", "password"),
    "oauth": ("app_key", "app_secret", "access_token", "access_token_secret"),
}


def _credentials(
    method: str | None,
    v: Mapping[str, str | None],
    where: str,
    login: str = "user",
    sources: Mapping[str, str] | None = None,
) -> Credentials:
    """The method asked for (``auth``), else the one the values set: OAuth 2.0 client
    credentials whenever both are set (LivePerson's recommended method; OAuth 1.0 keys
    are retired), else an API key, else a user login. What another method's values
    set besides is named in ``ignored``."""
    found = _chosen(method, v, where, login)
    used = set(_METHOD_FIELDS[found.method])
    if found.method == "client" and found.username:
        used.add("username")  # the bot login's, as the fallback
    if found.login == "app":
        used |= {"username", *_METHOD_FIELDS["oauth" if found.method == "bearer" else "client"]}
    names = dict(sources or {})
    ignored = tuple(
        names.get(n, f"AUTOMSG_{n.upper()}")
        for fields in _METHOD_FIELDS.values()
        for n in fields
        if v.get(n) and n not in used
    )
    return replace(found, ignored=ignored)


def _chosen(method: str | None, v: Mapping[str, str | None], where: str, login: str) -> Credentials:
    if method not in (None, *AUTH_METHODS):
        raise ConfigError(f"{where}: {method!r} is not one of {', '.join(AUTH_METHODS)}")
    if method is None and v.get("client_id") and v.get("client_secret"):
        method = "client"
    if method == "client":
        return Credentials(
            method="client",
            login="app" if login == "app" else "user",
            username=v.get("username") or None,
            client_id=v.get("client_id") or None,
            client_secret=_secret(v.get("client_secret")),
        )
    if login == "app":
        if method not in (None, "bearer"):
            raise ConfigError(
                f'{where}: {method!r} does not go with login = "app" (an application login '
                'sends the bearer it is given; auth = "oauth" signs every request instead)'
            )
        return Credentials(
            method="bearer",
            login="app",
            username=v.get("username"),
            app_key=_secret(v.get("app_key")),
            app_secret=_secret(v.get("app_secret")),
            access_token=_secret(v.get("access_token")),
            access_token_secret=_secret(v.get("access_token_secret")),
        )
    if method is None:
        method = "oauth" if v.get("app_key") else "bearer"
    if method == "bearer":
        return Credentials(
            method="bearer",
            username=v.get("username"),
            password=_secret(v.get("password")),
        )
    if method == "oauth":
        return Credentials(
            method="oauth",
            app_key=_secret(v.get("app_key")),
            app_secret=_secret(v.get("app_secret")),
            access_token=_secret(v.get("access_token")),
            access_token_secret=_secret(v.get("access_token_secret")),
        )
    raise AssertionError(method)  # pragma: no cover - checked above


def _secret(value: str | None) -> Secret | None:
    return Secret(value) if value else None


def _language(t: _Table, key: str, value: str) -> str:
    """``value`` normalised; a malformed tag or one LivePerson does not offer names the key."""
    return check_language(value, t.where(key))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
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


class _Table:
    """A TOML table read key by key; unknown keys and wrong types name the key."""

    def __init__(self, data: Any, source: str, prefix: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: {prefix.rstrip('.') or 'top level'}: expected a table")
        self.data = data
        self.source = source
        self.prefix = prefix
        self.seen: set[str] = set()

    def where(self, key: str) -> str:
        return f"{self.source}: {self.prefix}{key}"

    def table(self, key: str) -> _Table:
        self.seen.add(key)
        return _Table(self.data.get(key, {}), self.source, f"{self.prefix}{key}.")

    def require(self, key: str, kind: Any) -> Any:
        if key not in self.data:
            raise ConfigError(f"{self.where(key)}: required key is missing")
        return self.get(key, kind, None)

    def get(self, key: str, kind: Any, default: Any) -> Any:
        self.seen.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        check = _CHECKS.get(kind) or (lambda v: isinstance(v, kind))
        if not check(value):
            raise ConfigError(f"{self.where(key)}: expected {_kind_name(kind)}, got {value!r}")
        if kind is float:
            return float(value)
        if kind == list[float]:
            return [float(x) for x in value]
        return value

    def done(self, ignore: tuple[str, ...] = ()) -> None:
        unknown = sorted(set(self.data) - self.seen - set(ignore))
        if unknown:
            raise ConfigError(f"{self.where(unknown[0])}: unknown key")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_CHECKS: dict[Any, Callable[[Any], bool]] = {
    float: _is_number,
    int: lambda v: isinstance(v, int) and not isinstance(v, bool),
    bool: lambda v: isinstance(v, bool),
    list[float]: lambda v: isinstance(v, list) and all(_is_number(x) for x in v),
    list[str]: lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    list[dict[str, Any]]: lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
}


def _kind_name(kind: Any) -> str:
    names = {
        str: "a string",
        float: "a number",
        int: "an integer",
        bool: "true or false",
        list[float]: "a list of numbers",
        list[str]: "a list of strings",
        list[dict[str, Any]]: "a list of tables",
        (str, int): "a string or an integer",
        (str, list): "a string or a list",
    }
    return names.get(kind, str(kind))
