"""Settings: a TOML config file plus the environment, as typed values.

- :mod:`.settings` — the typed values every command reads (``Settings``, ``AccountSettings``, …);
- :mod:`.credentials` — which auth method an account uses and where each secret comes from;
- :mod:`.schema` — every key of ``automsg.toml`` (type, default, meaning) and the checked reader;
- :mod:`.load` — ``load_settings``: file + environment → ``Settings``;
- :mod:`.reference` — the configuration reference of the docs site, made from the schema.

Environment variables used when the config says nothing else:
``AUTOMSG_CSDS_URL``, ``AUTOMSG_ACCOUNT``, ``AUTOMSG_AUTH`` (``client``,
``bearer`` or ``oauth``), ``AUTOMSG_CLIENT_ID``/``AUTOMSG_CLIENT_SECRET`` (OAuth 2.0
client credentials: LivePerson's recommended method, used whenever both are set),
``AUTOMSG_USERNAME``/``AUTOMSG_PASSWORD`` (Login Service) and
``AUTOMSG_APP_KEY``/``AUTOMSG_APP_SECRET``/``AUTOMSG_ACCESS_TOKEN``/
``AUTOMSG_ACCESS_TOKEN_SECRET`` (OAuth 1.0 API key, retired by LivePerson).
"""

from __future__ import annotations

from .credentials import AUTH_METHODS, LOGINS, Credentials, Secret
from .load import load_settings
from .settings import (
    ANY_WELCOME,
    APIS,
    DEFAULT_CONFIG,
    DEFAULT_CSDS_URL,
    DEFAULT_FORMATS,
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

__all__ = [
    "ANY_WELCOME",
    "APIS",
    "AUTH_METHODS",
    "DEFAULT_CONFIG",
    "DEFAULT_CSDS_URL",
    "DEFAULT_FORMATS",
    "FORMATS",
    "LOGINS",
    "MAX_PARALLEL_ACCOUNTS",
    "AccountSettings",
    "Credentials",
    "GitSettings",
    "HttpSettings",
    "Paths",
    "Policies",
    "Secret",
    "Settings",
    "VerifySettings",
    "check_account_id",
    "load_settings",
]
