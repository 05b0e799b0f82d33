"""XLIFF 1.2: schema-valid export, round trips, import through the three-way diff."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ACCOUNT, Emu
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_formats import META, TRICKY, unit
from test_imports import export, run_import

from automsg_sync.config import Settings
from automsg_sync.errors import FormatError
from automsg_sync.formats import read_translation_file
from automsg_sync.formats.xliff import NS, read_xliff, write_xliff
from automsg_sync.lp import Connection

DATA = Path(__file__).parent / "data" / "xliff"
LANGS = ["ar", "de-DE", "es-ES", "fr-FR", "he-IL", "ja-JP", "pt-BR", "zh-CN"]
Q = f"{{{NS}}}"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "xliff-core-1.2-strict.xsd")))


def test_the_schema_catches_a_broken_file(schema: etree.XMLSchema) -> None:
    """The shipped XSD is a working check: a unit without <source> fails it."""
    broken = etree.fromstring(
        f'<xliff version="1.2" xmlns="{NS}"><file original="x" source-language="en" datatype="plaintext">'
        '<body><trans-unit id="a"><target>x</target></trans-unit></body></file></xliff>'.encode()
    )
    assert not schema.validate(broken)


def test_sample_export_is_valid_xliff_1_2(
    conn: Connection, settings: Settings, tmp_path: Path, schema: etree.XMLSchema
) -> None:
    result = export(conn, settings, tmp_path, LANGS, ["xliff"])
    assert [s.language for s in result.languages] == LANGS
    for lang in LANGS:
        path = tmp_path / ACCOUNT / f"{lang}.xlf"
        doc = etree.parse(str(path))
        assert schema.validate(doc), f"{path}: {schema.error_log}"
        units = doc.getroot().findall(f".//{Q}trans-unit")
        assert len(units) == 20
        back = read_xliff(path)
        assert back.meta.language == lang and back.meta.account == ACCOUNT
        assert [e.key for e in back.entries] == [u.get("id") for u in units]
    fr = {e.key: e for e in read_xliff(tmp_path / ACCOUNT / "fr-FR.xlf").entries}
    assert fr["skill/7|CONSUMER_OPEN_NEW_CONVERSATION"].target.startswith(
        "Bonjour, vous êtes au service Facturation"
    )
    assert "Skill: Billing (7)" in fr["skill/7|CONSUMER_OPEN_NEW_CONVERSATION"].notes


def test_max_length_is_maxwidth(
    conn: Connection, settings: Settings, tmp_path: Path, schema: etree.XMLSchema
) -> None:
    from automsg_sync.export import ExportRequest, export_for_translation
    from automsg_sync.state import StateStore

    request = ExportRequest(out_dir=tmp_path, languages=["fr-FR"], formats=["xliff"], max_length=160)
    export_for_translation(conn, settings.account(ACCOUNT), request, StateStore(settings.state_dir))
    doc = etree.parse(str(tmp_path / ACCOUNT / "fr-FR.xlf"))
    assert schema.validate(doc), schema.error_log
    units = doc.getroot().findall(f".//{Q}trans-unit")
    assert {(u.get("maxwidth"), u.get("size-unit")) for u in units} == {("160", "char")}


XML_TEXT = [t for t in TRICKY if "\x07" not in t]


def test_unicode_cases_round_trip(tmp_path: Path, schema: etree.XMLSchema) -> None:
    units = [unit(i, f"Source {i}", text) for i, text in enumerate(XML_TEXT)]
    units += [unit(100 + i, text, "") for i, text in enumerate(XML_TEXT) if text.strip()]
    path = tmp_path / "ar.xlf"
    write_xliff(path, META, units)
    assert schema.validate(etree.parse(str(path))), schema.error_log
    back = read_translation_file(path)
    assert back.meta == META
    assert [(e.key, e.source, e.target) for e in back.entries] == [
        (str(u.key), u.source, u.target) for u in units
    ]


xml_texts = st.text(
    alphabet=st.characters(
        exclude_categories=["Cs"],
        exclude_characters="".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF])),
    ),
    max_size=200,
)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(xml_texts.filter(bool), xml_texts), min_size=1, max_size=6))
def test_any_xml_text_round_trips(tmp_path: Path, pairs: list[tuple[str, str]]) -> None:
    units = [unit(i, s, t) for i, (s, t) in enumerate(pairs)]
    path = tmp_path / "x.xlf"
    write_xliff(path, META, units)
    back = read_xliff(path)
    assert [(e.source, e.target) for e in back.entries] == pairs


def test_text_xml_cannot_hold_is_a_clear_export_error(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"U\+0007 .*XML 1.0 cannot hold it"):
        write_xliff(tmp_path / "x.xlf", META, [unit(1, "source", "bell\x07")])
    assert not (tmp_path / "x.xlf").exists()


def set_target(path: Path, key: str, text: str, state: str = "translated") -> None:
    """What a CAT tool does: fill in the target, set its state."""
    tree = etree.parse(str(path))
    [tu] = [u for u in tree.getroot().iter(f"{Q}trans-unit") if u.get("id") == key]
    target = tu.find(f"{Q}target")
    target.text, target.attrib["state"] = text, state
    tree.write(str(path), encoding="UTF-8", xml_declaration=True)


def test_import_applies_translated_targets_and_leaves_review_states_out(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    export(conn, settings, tmp_path, ["fr-FR"], ["xliff"])
    path = tmp_path / ACCOUNT / "fr-FR.xlf"
    set_target(path, "account|CONSUMER_ASKED_URGENT_RESPONSE_TIME", "Votre conversation est urgente.")
    set_target(
        path,
        "account|CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME",
        "Bienvenue.",
        state="needs-review-translation",
    )
    report = run_import(settings, [path], apply=True)
    assert [d["key"] for d in report.to_json()["applied"]] == ["account|CONSUMER_ASKED_URGENT_RESPONSE_TIME"]
    # issue #26: an XLIFF state says "unfinished" (a changed text, still so marked, says that too)
    assert ("account|CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME", "unfinished-changed") in {
        (i.key, i.reason) for i in report.ignored
    }
    live = {
        (ctx, obj["id"], e["lang"]): e["msg"]
        for ctx, objs in emu.dump()["accounts"][ACCOUNT]["autoMessages"].items()
        for obj in objs
        for e in obj.get("data", [])
    }
    assert "Votre conversation est urgente." in live.values()
    assert "Bienvenue." not in live.values()
    assert run_import(settings, [path], apply=True, include_fuzzy=True).to_json()["applied"][0]["key"] == (
        "account|CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<xliff version="1.2"/>',
            "declares a DTD",
        ),
        ('<?xml version="1.0"?>\n<xliff version="1.2"><file', "not well-formed XML"),
        (f'<xliff version="1.2" xmlns="{NS}"></xliff>', "0 <file> elements"),
    ],
)
def test_hostile_or_broken_files_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "fr-FR.xlf"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError, match=message):
        read_xliff(path)


def test_inline_elements_in_a_target_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "ar.xlf"
    write_xliff(path, META, [unit(1, "Hello {agentNickname}", "")])
    text = path.read_text(encoding="utf-8").replace(
        '<target state="needs-translation"></target>', '<target state="translated">Hi\n<x id="1"/></target>'
    )
    path.write_text(text, encoding="utf-8")
    line = next(n for n, ln in enumerate(text.splitlines(), start=1) if '<x id="1"/>' in ln)
    with pytest.raises(FormatError) as err:
        read_xliff(path)
    assert err.value.line == line and "<x> inside <target>" in err.value.message
