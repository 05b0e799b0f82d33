"""Every key of ``automsg.toml``: its table, type, default and meaning — the one list.

The loader reads a key only through :class:`Table`, which knows the keys of its
table from :data:`SCHEMA`: a key the schema does not list cannot be read (an
``AssertionError``, a bug of ours), an unknown key in a file is an error naming
it with a "did you mean" from the same list, and the configuration reference of
the docs site is generated from it (:mod:`automsg_sync.config.reference`), so
the reference, the loader and the "unknown key" message cannot drift apart.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from .credentials import CREDENTIAL_ENV, NOT_SECRET

TOP = ""  # the file's top level
ACCOUNTS = "accounts"  # each [[accounts]] entry

_REQUIRED = object()


@dataclass(frozen=True)
class Key:
    """One config key: ``table`` ("" for the top level), ``name``, its ``kind`` (a
    Python type or tuple of types, checked by :class:`Table`), its ``default`` as
    the file would spell it (``None``: unset), and a one-line ``doc``."""

    table: str
    name: str
    kind: Any
    default: Any
    doc: str
    required: bool = False


def _keys(table: str, *rows: tuple[str, Any, Any, str]) -> list[Key]:
    return [
        Key(table, name, kind, None if default is _REQUIRED else default, doc, default is _REQUIRED)
        for name, kind, default, doc in rows
    ]


_POLICY_ROWS: tuple[tuple[str, Any, Any, str], ...] = (
    ("auto_apply", bool, False, "cron-run applies what it imports; false: a dry run, the plan in the report"),
    ("accept_stale", bool, False, "push translations whose source changed since the export"),
    ("prefer_file", bool, False, "overwrite texts a human changed live since the export"),
    (
        "export_only",
        list[str],
        ["missing", "default", "stale"],
        'the unit states cron-run exports (also "translated")',
    ),
    ("verify_after_apply", bool, False, "after an apply, open a test conversation and check the text"),
)

SCHEMA: tuple[Key, ...] = (
    *_keys(
        TOP,
        (
            "csds_url",
            str,
            "https://api.liveperson.net",
            "the Domain API (CSDS); AUTOMSG_CSDS_URL and --csds-url win",
        ),
        ("state_dir", str, ".automsg", "the SQLite state store, backups and locks"),
        ("max_file_mb", float, 20.0, "returned translator files larger than this (MB) are refused"),
        ("max_xlsx_mb", float, 50.0, "an XLSX whose parts unpack to more than this (MB) is refused"),
        ("settle_seconds", float, 30.0, "cron-run imports an inbox file once unchanged this long (s)"),
        ("html_reports", bool, True, "cron-run writes reports/<run-id>.html beside the JSON"),
        ("max_parallel_accounts", int, 8, "cron-run serves this many accounts at once (1 to 64)"),
    ),
    *_keys(
        "http",
        ("timeout", float, 30.0, "seconds for one request"),
        (
            "retry_waits",
            list[float],
            [5.0, 10.0, 15.0],
            "5xx and connection errors: one retry per entry, these pauses (s)",
        ),
        ("min_rate_limit_wait", float, 1.0, "429: wait the server's Retry-After, at least this (s)"),
        ("max_retry_wait", float, 120.0, "429: a Retry-After longer than this (s) fails the account at once"),
        ("verify_tls", bool, True, "cannot be turned off: put a private CA in the system trust store"),
    ),
    *_keys(
        "paths",
        ("outbox", str, "outbox", "files for translators: outbox/<account>/<language>.po|.xlsx"),
        ("inbox", str, "inbox", "returned files: inbox/<account>/"),
        ("archive", str, "archive", "imported files: archive/<date>/<account>/"),
        ("failed", str, "failed", "refused files: failed/<account>/ with <name>.errors.json"),
        ("reports", str, "reports", "one JSON report per run: reports/<run-id>.json (and .html)"),
        (
            "outbox_mode",
            (str, int),
            "0640",
            'mode of the translator files an export writes ("0640" or 0o640)',
        ),
    ),
    *_keys("policies", *_POLICY_ROWS),
    *_keys(
        "verify",
        ("listen", str, "127.0.0.1:8787", "where verify's webhook listener listens (HOST:PORT)"),
        ("public_url", str, None, "where LivePerson reaches the listener, if not the listen address"),
        ("timeout", float, 30.0, "seconds to wait for the automatic message"),
        (
            "message",
            str,
            "welcome",
            '"welcome" (any of the four welcomes), or one message\'s event id or UI name',
        ),
    ),
    *_keys(
        "git",
        ("remote", str, _REQUIRED, "the platform's repository (credentials from git itself, never here)"),
        ("branch", str, "main", "the branch cron-run pulls and pushes"),
        ("path", str, ".", "the folder inside the repository"),
        ("author", str, "automsg-sync <automsg-sync@localhost>", "commit author and committer"),
    ),
    *_keys(TOP, ("accounts", list[dict[str, Any]], [], "the accounts, one [[accounts]] table each")),
    *_keys(
        ACCOUNTS,
        ("id", (str, int), _REQUIRED, "the LivePerson account id"),
        (
            "api",
            str,
            "auto",
            'Unified Automatic Messages, else the legacy API; or "unified-auto-messages", "auto-messages"',
        ),
        ("put_override", bool, False, "POST with X-HTTP-Method-Override: PUT, for proxies that block PUT"),
        (
            "auth",
            str,
            None,
            '"client" (OAuth 2.0), "bearer" (Login Service) or "oauth" (OAuth 1.0); '
            "default: from the values set",
        ),
        (
            "login",
            str,
            "user",
            '"app": a bot login through the Login Service with the application\'s secrets',
        ),
        *(
            row
            for name, var in CREDENTIAL_ENV.items()
            for row in (
                (f"{name}_env", str, var, f"the environment variable holding {name}"),
                (
                    name,
                    str,
                    None,
                    f"{name} written inline"
                    + ("" if name in NOT_SECRET else " (only in a file readable by its owner alone)"),
                ),
            )
        ),
        ("source_language", str, "en-US", "the language translators translate from"),
        ("languages", list[str], [], "the languages exported (default: every language in the account)"),
        ("skills", (str, list), "all", '"all", or a list of skill ids'),
        ("formats", list[str], ["po", "xlsx"], 'what export writes: any of "po", "xlsx", "xliff", "tmx"'),
        ("max_length", int, None, "QA: refuse translations longer than this (characters)"),
        ("dedupe", bool, False, "exports write identical texts once (--dedupe)"),
        ("prefill", bool, False, "exports pre-fill missing units from other contexts (--prefill)"),
        ("git", bool, True, "false: this account keeps to inbox/outbox though [git] is set"),
        *(
            (name, kind, None, doc + " (this account; default: [policies])")
            for name, kind, _, doc in _POLICY_ROWS
        ),
    ),
)

TABLES = ("http", "paths", "policies", "verify", "git")  # the top level's tables, in the reference's order
_BY_TABLE: dict[str, dict[str, Key]] = {}
for _key in SCHEMA:
    _BY_TABLE.setdefault(_key.table, {})[_key.name] = _key


def keys_of(table: str) -> dict[str, Key]:
    """The keys of one table (``""``: the top level, ``"accounts"``: an account), by name."""
    return _BY_TABLE[table]


class Table:
    """A TOML table read key by key; unknown keys and wrong types name the key.

    ``schema`` names the table in :data:`SCHEMA` whose keys it may hold.
    """

    def __init__(self, data: Any, source: str, prefix: str, schema: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: {prefix.rstrip('.') or 'top level'}: expected a table")
        self.data = data
        self.source = source
        self.prefix = prefix
        self.schema = keys_of(schema)
        self.seen: set[str] = set()

    def where(self, key: str) -> str:
        return f"{self.source}: {self.prefix}{key}"

    def table(self, key: str) -> Table:
        self.seen.add(key)
        return Table(self.data.get(key, {}), self.source, f"{self.prefix}{key}.", key)

    def require(self, key: str) -> Any:
        if key not in self.data:
            raise ConfigError(f"{self.where(key)}: required key is missing")
        return self.get(key)

    def get(self, key: str, default: Any = _REQUIRED) -> Any:
        """The file's value of ``key`` checked against its kind, else ``default`` (the
        schema's default when none is given)."""
        spec = self.schema.get(key)
        assert spec is not None, f"{key!r} is read but not in config/schema.py"  # a bug of ours
        self.seen.add(key)
        if key not in self.data:
            return spec.default if default is _REQUIRED else default
        kind = spec.kind
        value = self.data[key]
        check = _CHECKS.get(kind) or (lambda v: isinstance(v, kind))
        if not check(value):
            raise ConfigError(f"{self.where(key)}: expected {kind_name(kind)}, got {value!r}")
        if kind is float:
            return float(value)
        if kind == list[float]:
            return [float(x) for x in value]
        return value

    def done(self, ignore: tuple[str, ...] = ()) -> None:
        """Refuse the first key of the file that was not read, with the closest known keys."""
        unknown = sorted(set(self.data) - self.seen - set(ignore))
        if unknown:
            known = [*self.schema, *ignore]  # ignore: the top level's tables
            close = difflib.get_close_matches(unknown[0], known, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ConfigError(f"{self.where(unknown[0])}: unknown key{hint}")


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

_KIND_NAMES = {
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


def kind_name(kind: Any) -> str:
    """A key's type in words, as the error messages and the reference say it."""
    return _KIND_NAMES.get(kind, str(kind))
