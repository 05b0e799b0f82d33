"""``automsg-sync export-for-translation`` (cli/export.py): its options."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ACCOUNT, USER, Emu
from test_cli import run


def test_export_format_takes_a_list(emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    base = ["export-for-translation", "--account", ACCOUNT, "--csds-url", emu.url, "--languages", "fr-FR"]
    code, _, err = run([*base, "--format", "po,xliff", "--out", "a"], USER)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "a" / ACCOUNT).iterdir()) == ["fr-FR.po", "fr-FR.xlf"]
    code, _, err = run([*base, "--format", "both", "--out", "b"], USER)
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "b" / ACCOUNT).iterdir()) == ["fr-FR.po", "fr-FR.xlsx"]
    code, _, err = run([*base, "--format", "po,docx", "--out", "c"], USER)
    assert code == 2 and "'docx' is not a format" in err and not (tmp_path / "c").exists()


def test_export_out_defaults_to_the_outbox(emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "automsg.toml").write_text('[paths]\noutbox = "to-translators"\n', encoding="utf-8")
    base = ["export-for-translation", "--account", ACCOUNT, "--csds-url", emu.url, "--languages", "fr-FR"]
    code, _, err = run([*base, "--format", "po"], USER)
    assert code == 0, err
    assert [p.name for p in (tmp_path / "to-translators" / ACCOUNT).iterdir()] == ["fr-FR.po"]


def test_two_credential_methods_say_which_is_used(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #29 point 5: OAuth 2.0 client credentials win over an API key set besides,
    and the run says so, naming the variables of each."""
    monkeypatch.chdir(tmp_path)
    env = {
        "AUTOMSG_CLIENT_ID": "2c7e1f4a-automsg-sync-demo",
        "AUTOMSG_CLIENT_SECRET": "o2-demo-s3cret-9d1e",
        "AUTOMSG_APP_KEY": "some-old-key",
    }
    base = ["export-for-translation", "--account", ACCOUNT, "--csds-url", emu.url, "--languages", "fr-FR"]
    code, _, err = run([*base, "--format", "po"], env)
    assert code == 0, err
    said = " ".join(err.split())
    assert (
        "authenticating with OAuth 2.0 client credentials (AUTOMSG_CLIENT_ID, AUTOMSG_CLIENT_SECRET)" in said
    )
    assert "also set and not used: AUTOMSG_APP_KEY" in said and "some-old-key" not in said
