"""``automsg-sync languages`` (cli/languages.py), and the messages about a language that point at it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ACCOUNT, USER, Emu
from test_cli import run

from automsg_sync.languages import SUPPORTED


def test_languages_lists_every_tag_and_name_one_a_line() -> None:
    code, out, err = run(["languages"])
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert [line.split(None, 1) for line in lines] == [[lang.tag, lang.name] for lang in SUPPORTED]
    assert "ja-JP   Japanese" in lines and "es-419  Spanish (Latin America)" in lines  # tags in a column


def test_languages_json() -> None:
    code, out, _ = run(["languages", "--json"])
    assert code == 0
    assert json.loads(out) == [{"tag": lang.tag, "name": lang.name} for lang in SUPPORTED]


def test_an_unknown_language_suggests_the_close_one_and_points_at_the_command(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    base = ["export-for-translation", "--account", ACCOUNT, "--csds-url", emu.url, "--format", "po"]
    code, _, err = run([*base, "--languages", "jp"], USER)
    assert code == 2
    assert err == (
        "error: --languages: 'jp' is not a visitor language LivePerson offers; "
        "did you mean ja-JP (Japanese)? (see `automsg-sync languages`)\n"
    )
    code, _, err = run([*base, "--languages", "klingon"], USER)
    assert code == 2
    assert err.startswith(
        "error: --languages: 'klingon' is not a visitor language LivePerson offers; no close"
    )
    assert err.endswith("(see `automsg-sync languages`)\n") and ".py" not in err
    assert not (tmp_path / "outbox").exists()
