"""The typed settings every command reads: accounts, HTTP, paths, policies, ``[git]``, ``[verify]``.

Made by :func:`automsg_sync.config.load_settings` from a TOML file and the
environment; each dataclass's defaults are the documented defaults (the
configuration reference is generated from :mod:`automsg_sync.config.schema`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from .credentials import Credentials, Secret, env_credentials, secret

DEFAULT_CSDS_URL = "https://api.liveperson.net"
DEFAULT_CONFIG = Path("automsg.toml")
APIS = ("auto", "unified-auto-messages", "auto-messages")
FORMATS = ("po", "xlsx", "xliff", "tmx")  # tmx: the translator's memory, never imported
DEFAULT_FORMATS = ("po", "xlsx")
MAX_PARALLEL_ACCOUNTS = 64  # more threads than this only queue on the host's network and disk


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
    config_path: Path | None = None  # the config file read, absolute; None: none was

    def uses_git(self, account: AccountSettings) -> bool:
        """Whether ``account`` exchanges its files through ``[git]`` (set, and not turned
        off for the account with ``git = false``)."""
        return self.git is not None and account.git

    def again(self) -> tuple[str, ...]:
        """The options a command this run suggests must carry to find the same config and
        state store from any folder: ``--config`` (absolute) when a config file was read,
        else ``--state-dir`` (absolute)."""
        if self.config_path is not None:
            return ("--config", str(self.config_path))
        return ("--state-dir", str(self.state_dir.absolute()))

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
            credentials=env_credentials(self.env),
            policies=self.policies,
            connector_client_id=self.env.get("AUTOMSG_CONNECTOR_CLIENT_ID"),
            connector_client_secret=secret(self.env.get("AUTOMSG_CONNECTOR_CLIENT_SECRET")),
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
