"""The options several commands share, as decorators: the account options (and the
credentials' help every account command shows), ``--html``, ``--wait``, comma lists."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..config import APIS, AccountSettings, Settings, load_settings
from ..log import register_secrets

F = TypeVar("F", bound=Callable[..., Any])

CREDENTIALS_HELP = (
    "Credentials come from the environment (never the command line), or from the config file's "
    "[[accounts]]: AUTOMSG_CLIENT_ID and AUTOMSG_CLIENT_SECRET (OAuth 2.0 client credentials, "
    "LivePerson's recommended method), or AUTOMSG_USERNAME and AUTOMSG_PASSWORD (Login Service), or "
    "the retired OAuth 1.0 API key's AUTOMSG_APP_KEY, AUTOMSG_APP_SECRET, AUTOMSG_ACCESS_TOKEN and "
    "AUTOMSG_ACCESS_TOKEN_SECRET. `status` says which one is used. AUTOMSG_ACCOUNT is the default "
    "account, AUTOMSG_CSDS_URL the Domain API base URL."
)


def epilog(*examples: str) -> str:
    """A command's help epilog: where credentials come from, and example command lines."""
    lines = "\n".join(f"  $ {e}" for e in examples)
    return f"{CREDENTIALS_HELP}\n\n\b\nExample:\n{lines}"


@dataclasses.dataclass(frozen=True)
class Accounts:
    """For commands whose files carry their account: ``--account`` (an override, or
    None) and the settings of any account a file names."""

    settings: Settings
    override: str | None
    api: str | None

    def get(self, account_id: str, origin: str | None = None) -> AccountSettings:
        return _account_settings(self.settings, account_id, self.api, origin)


def _account_settings(
    settings: Settings, account_id: str | None, api: str | None, origin: str | None = None
) -> AccountSettings:
    account = settings.account(account_id, origin=origin)
    if api:
        account = dataclasses.replace(account, api=api)
    register_secrets(account.credentials.secrets())
    return account


def account_options(f: F) -> F:
    """--account, --config, --csds-url, --api, --state-dir: shared by account commands."""
    return _account_options(f, from_files=False)


def file_account_options(f: F) -> F:
    """``account_options`` for commands whose files name their account: the command gets
    ``accounts`` (an :class:`Accounts`) instead of one account; ``--account`` only overrides."""
    return _account_options(f, from_files=True)


def _account_options(f: F, *, from_files: bool) -> F:
    account_help = (
        "LivePerson account id; default: the account each file names (given, it must match them)."
        if from_files
        else "LivePerson account id (env AUTOMSG_ACCOUNT)."
    )

    @click.option("--account", "account_id", metavar="ID", help=account_help)
    @click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="TOML config file (default: ./automsg.toml if present).",
    )
    @click.option(
        "--csds-url",
        metavar="URL",
        help="Domain API base URL (env AUTOMSG_CSDS_URL; default https://api.liveperson.net).",
    )
    @click.option(
        "--api",
        type=click.Choice(APIS),
        default=None,
        help="Automatic Messages API: auto (Unified, else legacy on a 404; the default), "
        "unified-auto-messages or auto-messages.",
    )
    @click.option(
        "--state-dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Where the state store lives (default .automsg/).",
    )
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        settings = load_settings(
            kwargs.pop("config_path"),
            csds_url=kwargs.pop("csds_url"),
            state_dir=kwargs.pop("state_dir"),
        )
        account_id, api = kwargs.pop("account_id"), kwargs.pop("api")
        if from_files:
            return f(*args, settings=settings, accounts=Accounts(settings, account_id, api), **kwargs)
        return f(*args, settings=settings, account=_account_settings(settings, account_id, api), **kwargs)

    return wrapper  # type: ignore[return-value]


def html_option(what: str) -> Callable[[F], F]:
    """``--html FILE``: also write a self-contained HTML page (``what`` it holds)."""
    return click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), help=what)


WAIT_OPTION = click.option(
    "--wait",
    default=0.0,
    metavar="SECONDS",
    help="With --apply: wait this long for another run's lock on the account (default: exit 4).",
)


def comma_list(value: str | None) -> list[str] | None:
    """``--languages fr-FR, de-DE``: the items of a comma list, blanks dropped; None if not given."""
    if value is None:
        return None
    return [x.strip() for x in value.split(",") if x.strip()]
