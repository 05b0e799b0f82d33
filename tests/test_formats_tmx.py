"""``--format tmx``: the translator's memory of what the account already says (issue #26,
point 7), read back with translate-toolkit's TMX reader, as a CAT tool would load it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import ACCOUNT, Emu, export_po
from lxml import etree
from translate.storage.tmx import tmxfile

from automsg_sync.config import Settings
from automsg_sync.errors import FormatError
from automsg_sync.formats import read_translation_file


def test_the_memory_holds_the_units_translated_live_once_each(
    emu: Emu, settings: Settings, tmp_path: Path
) -> None:
    # the same pair of texts in two contexts: one <tu> for both
    source = "Hi, thanks for reaching out! An agent will be with you in {expectedResponseTime}."
    welcome = "Bonjour, merci de nous avoir contactés ! Un agent vous répondra dans {expectedResponseTime}."
    emu.ui_edit("skill/7", "CONSUMER_OPEN_NEW_CONVERSATION", "en-US", source)
    emu.ui_edit("skill/7", "CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR", welcome)
    result = export_po(settings, tmp_path / "out", ["fr-FR"], formats=["po", "tmx"])
    path = tmp_path / "out" / ACCOUNT / "fr-FR.tmx"
    assert path in result.files
    memory = tmxfile(path.read_bytes(), sourcelanguage="en-US", targetlanguage="fr-FR")
    pairs = Counter((u.source, u.target) for u in memory.units)
    assert pairs and set(pairs.values()) == {1}  # deduplicated
    welcome = "Bonjour, merci de nous avoir contactés ! Un agent vous répondra dans {expectedResponseTime}."
    assert (
        pairs[("Hi, thanks for reaching out! An agent will be with you in {expectedResponseTime}.", welcome)]
        == 1
    )
    tree = etree.parse(str(path))
    [tu] = [tu for tu in tree.iter("tu") if tu.findtext("tuv[2]/seg") == welcome]
    keys = [p.text for p in tu.findall("prop") if p.get("type") == "x-automsg-key"]
    assert sorted(keys) == [
        "account|CONSUMER_OPEN_NEW_CONVERSATION",
        "skill/7|CONSUMER_OPEN_NEW_CONVERSATION",
    ]
    assert [p.text for p in tu.findall("prop") if p.get("type") == "x-automsg-message"] == [
        "CONSUMER_OPEN_NEW_CONVERSATION"
    ]
    assert tree.getroot().get("version") == "1.4" and tree.find("header").get("srclang") == "en-US"
    # only what is translated live: no empty target, nothing LivePerson's own
    assert all(u.target for u in memory.units)


def test_a_tmx_is_not_imported(tmp_path: Path) -> None:
    path = tmp_path / "fr-FR.tmx"
    path.write_text('<tmx version="1.4"><header srclang="en-US"/><body/></tmx>', encoding="utf-8")
    with pytest.raises(FormatError) as caught:
        read_translation_file(path)
    assert "translator's memory of what is live, not a file to import" in str(caught.value)
