"""Only languages LivePerson offers: --languages and the config keys are checked against the list."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import ACCOUNT, ROOT, SAMPLE, USER, Emu

from automsg_sync.catalog import account_languages
from automsg_sync.cli import main
from automsg_sync.config import load_settings
from automsg_sync.errors import ConfigError
from automsg_sync.export import _languages
from automsg_sync.formats.po import read_po
from automsg_sync.languages import SUPPORTED, check_languages, is_supported, suggest
from automsg_sync.model import AutoMessage, Context, is_rtl, language_key, normalise_language

DOCS = ROOT / "tests" / "data" / "lp-docs" / "automessages"


def _langs(node: Any) -> Iterator[str]:
    """Every ``lang`` value anywhere in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "lang" and isinstance(value, str):
                yield value
            else:
                yield from _langs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _langs(item)


def _export(emu: Emu, out: Path, *extra: str) -> Result:
    args = ["export-for-translation", "--account", ACCOUNT, "--csds-url", emu.url, "--out", str(out)]
    return CliRunner().invoke(main, [*args, "--format", "po", *extra], env=USER)


def _written(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob("*") if p.is_file())


def test_the_list_is_well_formed() -> None:
    tags = [lang.tag for lang in SUPPORTED]
    assert len(tags) >= 40
    assert all(normalise_language(t) == t for t in tags)  # conventional case: what a file is named
    assert len({language_key(t) for t in tags}) == len(tags)
    assert len({lang.name for lang in SUPPORTED}) == len(tags)
    assert [lang.tag for lang in SUPPORTED if lang.rtl] == ["ar", "he-IL"]
    assert all(lang.rtl == is_rtl(lang.tag) for lang in SUPPORTED)


def test_every_language_of_the_sample_and_of_livepersons_examples_is_offered() -> None:
    seen = set(_langs(json.loads(SAMPLE.read_text(encoding="utf-8"))))
    for path in sorted(DOCS.glob("*.json")):
        seen |= set(_langs(json.loads(path.read_text(encoding="utf-8"))))
    assert {"ar", "he-IL", "zh-CN", "en-us", "ca-ES", "cs-CZ"} <= seen  # the walk found them
    assert [t for t in sorted(seen) if not is_supported(t)] == []


@pytest.mark.parametrize(
    ("wrong", "close"),
    [
        ("french", ["fr-FR", "fr-CA"]),
        ("fr", ["fr-FR", "fr-CA"]),
        ("es-MX", ["es-ES", "es-419"]),
        ("iw-IL", ["he-IL"]),
        ("nb-NO", ["no-NO"]),
        ("germn", ["de-DE"]),
        ("klingon", []),
    ],
)
def test_suggestions(wrong: str, close: list[str]) -> None:
    assert suggest(wrong) == close


def test_check_languages_normalises_dedupes_and_warns_for_a_language_the_account_lacks() -> None:
    tags, warnings = check_languages(["fr_fr", "FR-FR", "it-it"], ["fr-FR", "en-US"])
    assert tags == ["fr-FR", "it-IT"]
    assert warnings == [
        "it-IT: the account has no text in this language yet; its file will list every unit as missing"
    ]


def test_a_language_the_account_holds_passes_even_if_unlisted() -> None:
    """LivePerson evidently offers what an account holds; the list may lag behind it."""
    assert not is_supported("tlh")
    assert check_languages(["TLH"], ["tlh"]) == (["tlh"], [])
    with pytest.raises(ConfigError, match="'tlh' is not a visitor language"):
        check_languages(["tlh"], ["fr-FR"])


def test_unknown_language_names_the_option_and_the_closest(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        check_languages(["fr-FR", "french"], ["fr-FR"])
    message = str(caught.value)
    assert message.startswith("--languages: 'french' is not a visitor language LivePerson offers")
    assert "did you mean fr-FR (French), fr-CA (French (Canada))?" in message
    assert caught.value.exit_code == 2
    with pytest.raises(ConfigError, match="--languages: not a language tag: 'fr FR'"):
        check_languages(["fr FR"], [])


def test_cli_klingon_exits_2_and_writes_no_file(emu: Emu, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _export(emu, out, "--languages", "fr-FR,klingon")
    assert result.exit_code == 2, result.output
    assert "'klingon' is not a visitor language LivePerson offers" in result.stderr
    assert "no close match" in result.stderr and "en-US" in result.stderr
    assert _written(out) == []  # not even the valid fr-FR: the request is refused as a whole


def test_cli_french_suggests_fr_fr(emu: Emu, tmp_path: Path) -> None:
    result = _export(emu, tmp_path / "out", "--languages", "french")
    assert result.exit_code == 2
    assert "error: --languages: 'french' is not a visitor language" in result.stderr
    assert "did you mean fr-FR (French)" in result.stderr
    assert _written(tmp_path / "out") == []


def test_cli_underscore_and_case_are_fine(emu: Emu, tmp_path: Path) -> None:
    result = _export(emu, tmp_path / "out", "--languages", "fr_fr,HE-il")
    assert result.exit_code == 0, result.stderr
    assert _written(tmp_path / "out") == ["fr-FR.po", "he-IL.po"]


def test_cli_a_language_the_account_lacks_exports_every_unit_as_missing(emu: Emu, tmp_path: Path) -> None:
    assert not any(language_key(t).startswith("it") for t in _langs(json.loads(SAMPLE.read_text("utf-8"))))
    result = _export(emu, tmp_path / "out", "--languages", "it-IT")
    assert result.exit_code == 0, result.stderr
    assert _written(tmp_path / "out") == ["it-IT.po"]
    entries = read_po(tmp_path / "out" / ACCOUNT / "it-IT.po").entries
    assert len(entries) == 20 and all(e.target == "" for e in entries)


def test_export_languages_notes_the_language_the_account_lacks() -> None:
    raw = {
        "id": 1,
        "messageEventId": "CONSUMER_OPEN_NEW_CONVERSATION",
        "data": [{"lang": "fr-FR", "msg": "Bonjour"}],
    }
    contexts = {Context.account(): [AutoMessage(raw)]}
    assert account_languages(contexts) == ["fr-FR"]
    notes: list[str] = []
    assert _languages(["it-IT", "fr-FR", "en-US"], contexts, "en-US", notes) == ["it-IT", "fr-FR"]
    assert notes == [
        "it-IT: the account has no text in this language yet; its file will list every unit as missing"
    ]
    with pytest.raises(ConfigError, match="'klingon'"):
        _languages(["klingon"], contexts, "en-US", notes)
    # without --languages: every language the account holds, unchecked
    assert _languages(None, contexts, "en-US", notes) == ["fr-FR"]


def test_cli_prints_the_note_for_a_language_the_account_lacks(emu: Emu, tmp_path: Path) -> None:
    result = _export(emu, tmp_path / "out", "--languages", "it-IT")
    assert result.exit_code == 0, result.stderr
    assert "note: it-IT: the account has no text in this language yet" in result.output


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('languages = ["fr-FR", "klingon"]', "a.toml: accounts[0].languages: 'klingon' is not a visitor"),
        ('source_language = "french"', "a.toml: accounts[0].source_language: 'french' is not a visitor"),
        ('languages = ["es-MX"]', "did you mean es-ES (Spanish), es-419 (Spanish (Latin America))?"),
    ],
)
def test_config_key_with_a_language_liveperson_lacks(tmp_path: Path, line: str, message: str) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text(f"[[accounts]]\nid = 1\n{line}\n", encoding="utf-8")
    os.chmod(cfg, 0o600)
    with pytest.raises(ConfigError) as caught:
        load_settings(cfg, {})
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


def test_config_accepts_offered_languages_in_any_case(tmp_path: Path) -> None:
    cfg = tmp_path / "a.toml"
    cfg.write_text('[[accounts]]\nid = 1\nsource_language = "en_us"\nlanguages = ["ca-es", "AR"]\n', "utf-8")
    account = load_settings(cfg, {}).account()
    assert account.source_language == "en-US" and account.languages == ("ca-ES", "ar")


def test_an_unknown_source_language_on_the_command_line_is_a_usage_error(emu: Emu, tmp_path: Path) -> None:
    result = _export(emu, tmp_path / "out", "--languages", "fr-FR", "--source-language", "klingon")
    assert result.exit_code == 2 and "--source-language: 'klingon'" in result.output + result.stderr
    assert not (tmp_path / "out").exists()


def test_a_countrys_code_typed_for_its_language_is_suggested_the_language() -> None:
    """``--languages jp`` (a newcomer's walk): Japan's code, not Japanese's; ja-JP is suggested."""
    from automsg_sync.languages import suggest

    assert suggest("jp") == ["ja-JP"]
    assert suggest("kr") == ["ko-KR"] and suggest("cz") == ["cs-CZ"]
