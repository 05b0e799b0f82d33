"""Everything that speaks HTTP to LivePerson. Nothing here knows about files."""

from __future__ import annotations

from collections.abc import Callable

import requests

from ..config import AccountSettings, Settings
from .auth import Connection, authenticator
from .domain import Domains, DomainStore
from .http import HttpClient


def connect(
    settings: Settings,
    account: AccountSettings,
    *,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] | None = None,
    domain_store: DomainStore | None = None,
    clock: Callable[[], float] | None = None,
) -> Connection:
    """An authenticated connection to one account (no request is sent yet).

    Close it at the end of the run (``with connect(…) as conn:``): that logs a
    Login Service session out. ``clock`` (default ``time.monotonic``) times the
    session refresh.
    """
    kwargs = {"sleep": sleep} if sleep is not None else {}
    http = HttpClient(settings.http, session=session, **kwargs)
    domains = Domains(http, settings.csds_url, account.id, domain_store)
    auth = authenticator(account.credentials, http, domains, clock=clock)
    return Connection(http, domains, auth, account.credentials.describe())


__all__ = ["Connection", "Domains", "HttpClient", "connect"]
