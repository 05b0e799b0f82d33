"""Credentials: which LivePerson auth method an account uses, and where each value comes from.

Secrets come only from the environment or a private config file, never from the
command line; a :class:`Secret` prints as ``***`` everywhere. The method is the
one ``auth`` names, else the one the values set (:func:`credentials`): OAuth 2.0
client credentials whenever both are set (LivePerson's recommended method), else
an OAuth 1.0 API key (retired by LivePerson), else a user login.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from ..errors import ConfigError

AuthMethod = Literal["client", "bearer", "oauth"]
AUTH_METHODS = ("client", "bearer", "oauth")
LoginKind = Literal["user", "app"]
LOGINS: tuple[LoginKind, ...] = ("user", "app")

# each credential of an account → the environment variable it is read from by default
CREDENTIAL_ENV = {
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
# the ones that are not secret: they may be written inline in a config file anyone reads
NOT_SECRET = ("username", "client_id", "connector_client_id")


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
        return self.sources.get(name) or CREDENTIAL_ENV.get(name, f"AUTOMSG_{name.upper()}")

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


def env_credentials(env: Mapping[str, str]) -> Credentials:
    """The credentials of an account the config file does not name: the ``AUTOMSG_*`` variables."""
    values = {name: env.get(var) for name, var in CREDENTIAL_ENV.items() if not name.startswith("connector_")}
    return credentials(env.get("AUTOMSG_AUTH") or None, values, "AUTOMSG_AUTH")


METHOD_FIELDS = {
    "client": ("client_id", "client_secret"),
    "bearer": ("username", "password"),
    "oauth": ("app_key", "app_secret", "access_token", "access_token_secret"),
}


def credentials(
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
    found = replace(_chosen(method, v, where, login), sources=dict(sources or {}))
    used = set(METHOD_FIELDS[found.method])
    if found.method == "client" and found.username:
        used.add("username")  # the bot login's, as the fallback
    if found.login == "app":
        used |= {"username", *METHOD_FIELDS["oauth" if found.method == "bearer" else "client"]}
    ignored = tuple(
        found.source(n) for fields in METHOD_FIELDS.values() for n in fields if v.get(n) and n not in used
    )
    return replace(found, ignored=ignored)


def _chosen(method: str | None, v: Mapping[str, str | None], where: str, login: str) -> Credentials:
    if method not in (None, *AUTH_METHODS):
        raise ConfigError(f"{where}: {method!r} is not one of {', '.join(AUTH_METHODS)}")
    half = bool(v.get("client_id")) != bool(v.get("client_secret"))
    others = v.get("password") or v.get("app_key") or login == "app"
    if method is None and ((v.get("client_id") and v.get("client_secret")) or (half and not others)):
        # half a client credential and no other method: the client's, so that what is
        # missing is named (the authenticator's check), not a user login's variables
        method = "client"
    if method == "client":
        return Credentials(
            method="client",
            login="app" if login == "app" else "user",
            username=v.get("username") or None,
            client_id=v.get("client_id") or None,
            client_secret=secret(v.get("client_secret")),
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
            app_key=secret(v.get("app_key")),
            app_secret=secret(v.get("app_secret")),
            access_token=secret(v.get("access_token")),
            access_token_secret=secret(v.get("access_token_secret")),
        )
    if method is None:
        method = "oauth" if v.get("app_key") else "bearer"
    if method == "bearer":
        return Credentials(
            method="bearer",
            username=v.get("username"),
            password=secret(v.get("password")),
        )
    if method == "oauth":
        return Credentials(
            method="oauth",
            app_key=secret(v.get("app_key")),
            app_secret=secret(v.get("app_secret")),
            access_token=secret(v.get("access_token")),
            access_token_secret=secret(v.get("access_token_secret")),
        )
    raise AssertionError(method)  # pragma: no cover - checked above


def secret(value: str | None) -> Secret | None:
    return Secret(value) if value else None
