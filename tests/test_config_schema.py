"""config/schema.py is the one list of keys: the loader reads exactly its keys, with its
defaults, an unknown key gets a "did you mean" from it, and the reference lists it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from automsg_sync.config import (
    AccountSettings,
    HttpSettings,
    Paths,
    Policies,
    Settings,
    VerifySettings,
    load_settings,
)
from automsg_sync.config.reference import keys, markdown
from automsg_sync.config.schema import ACCOUNTS, TABLES, TOP, Key, keys_of
from automsg_sync.errors import ConfigError

# a valid value for each key whose default is unset (None), by name, else by kind
SAMPLE: dict[str, Any] = {
    "auth": "client",
    "public_url": "https://verify.example/hook",
    "remote": "https://git.example/acme/translations.git",
    "id": "70071528",
}
BY_KIND: dict[Any, Any] = {str: "value", int: 100, bool: False, list[str]: ["missing"]}


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def _value(key: Key) -> Any:
    if key.name in SAMPLE:
        return SAMPLE[key.name]
    return key.default if key.default is not None else BY_KIND[key.kind]


def _lines(table: str) -> list[str]:
    return [f"{k.name} = {_toml(_value(k))}" for k in keys_of(table).values() if k.name != "accounts"]


def test_a_file_setting_every_key_of_the_schema_is_read_whole(tmp_path: Path) -> None:
    """The loader refuses a key it did not read, so a file with every key proves each is read."""
    text = "\n".join(_lines(TOP))
    for table in TABLES:
        text += f"\n[{table}]\n" + "\n".join(_lines(table))
    text += "\n[[accounts]]\n" + "\n".join(_lines(ACCOUNTS)) + "\n"
    config = tmp_path / "every.toml"
    config.write_text(text, encoding="utf-8")
    os.chmod(config, 0o600)  # inline secrets are accepted only from a private file
    settings = load_settings(config, {})
    account = settings.account("70071528")
    assert account.credentials.method == "client" and account.max_length == 100
    assert settings.git is not None and settings.git.remote == SAMPLE["remote"]


def test_the_schema_defaults_are_the_settings_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "a.toml"
    config.write_text('[[accounts]]\nid = "1"\n', encoding="utf-8")
    loaded = load_settings(config, {})
    defaults = Settings()
    assert loaded.http == HttpSettings()
    assert loaded.policies == Policies() and loaded.verify == VerifySettings()
    assert {
        name: getattr(loaded.paths, name).name for name in ("outbox", "inbox", "archive", "failed", "reports")
    } == {name: str(getattr(Paths(), name)) for name in ("outbox", "inbox", "archive", "failed", "reports")}
    assert loaded.paths.outbox_mode == Paths().outbox_mode
    for name in ("csds_url", "max_file_bytes", "max_xlsx_bytes", "settle_seconds", "html_reports"):
        assert getattr(loaded, name) == getattr(defaults, name), name
    assert loaded.max_parallel_accounts == defaults.max_parallel_accounts
    account, plain = loaded.account("1"), AccountSettings(id="1", credentials=loaded.account("1").credentials)
    for name in ("api", "put_override", "source_language", "languages", "skills", "formats", "max_length"):
        assert getattr(account, name) == getattr(plain, name), name
    assert (account.dedupe, account.prefill, account.git) == (plain.dedupe, plain.prefill, plain.git)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("csds_ulr = 'x'\n", "a.toml: csds_ulr: unknown key; did you mean csds_url?"),
        ("[polices]\nauto_apply = true\n", "a.toml: polices: unknown key; did you mean policies?"),
        ("[http]\ntimout = 3\n", "a.toml: http.timout: unknown key; did you mean timeout?"),
        (
            "[[accounts]]\nid = 1\nlanguges = []\n",
            "a.toml: accounts[0].languges: unknown key; did you mean languages?",
        ),
        ("[http]\nzzz = 3\n", "a.toml: http.zzz: unknown key"),
    ],
)
def test_an_unknown_key_suggests_the_closest_known_one(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "a.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, {})
    assert str(caught.value).endswith(message)
    if "did you mean" not in message:
        assert "did you mean" not in str(caught.value)


def test_the_reference_lists_every_key_once_per_table() -> None:
    page = markdown()
    sections = re.split(r"^## ", page, flags=re.M)[1:]
    rows = {
        section.splitlines()[0]: re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M)
        for section in sections
    }
    expected = {
        "Top level": [k.name for k in keys_of(TOP).values() if k.name != "accounts"],
        **{f"[{t}]": list(keys_of(t)) for t in TABLES},
        "[[accounts]]": list(keys_of(ACCOUNTS)),
    }
    assert rows == expected
    assert len(keys()) == sum(map(len, expected.values())) + 1  # + the accounts list itself
    assert "| `remote` | a string | **required** |" in page


def test_every_key_of_the_sample_config_is_in_the_schema() -> None:
    """samples/automsg.toml documents keys by example, commented or not: each one is known."""
    known = {k.name for k in keys()}
    sample = (ROOT / "samples" / "automsg.toml").read_text(encoding="utf-8")
    named = set(re.findall(r"^#? ?([a-z_]+) = ", sample, flags=re.M))
    assert named and named <= known, named - known


def test_the_reference_shows_angle_brackets_and_bars_as_text() -> None:
    """``reports/<run-id>.html`` must not become an HTML tag in the page, nor a | a new cell."""
    page = markdown()
    assert "reports/&lt;run-id&gt;.html" in page and "<run-id>" not in page
    assert "outbox/&lt;account&gt;/&lt;language&gt;.po\\|.xlsx" in page
