"""Translator economics: --dedupe, --prefill and word counts, against the emulator.

The emulator sample is loaded with a few overrides a large brand has:

- "On-hold message #2" overridden in skills 7, 9 and 12 with the account
  default's own English text (4 units of one text per language, none in French);
- skill 12 overrides "CONSUMER_OPEN_NEW_CONVERSATION" with the account's English text, which
  the account has in French (a pre-fill candidate);
- skills 7 and 12 override "Routing to an agent" with the account's English
  text; skill 7 has its own French for it, skill 12 none (two differing candidates).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import polib
import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, USER, Emu, sample_data
from lxml import etree
from test_imports import edit_po, run_import, texts
from translate.tools.pocount import calcstats

from automsg_sync.cli import main
from automsg_sync.config import Settings
from automsg_sync.export import ExportRequest, ExportResult, export_for_translation
from automsg_sync.formats.xlsx_read import read_xlsx
from automsg_sync.lp import Connection
from automsg_sync.state import StateStore

FR = "fr-FR"
HOLD, WELCOME, ROUTING = 15, 1, 11  # message ids in the sample
SKILLS_WITH_HOLD = ("skill/7", "skill/9", "skill/12")
ROUTING_FR_7 = "Un instant, je vous transfère à un conseiller."


def _account_text(data: dict[str, Any], message_id: int, lang: str) -> str:
    [obj] = [o for o in data["accounts"][ACCOUNT]["autoMessages"]["account"] if o["id"] == message_id]
    return str(next(e["msg"] for e in obj["data"] if e["lang"].lower() == lang.lower()))


def _override(data: dict[str, Any], context: str, message_id: int, texts: dict[str, str]) -> None:
    messages = data["accounts"][ACCOUNT]["autoMessages"]
    [obj] = [copy.deepcopy(o) for o in messages["account"] if o["id"] == message_id]
    obj["data"] = [{"msg": msg, "lang": lang, "isDefault": False} for lang, msg in texts.items()]
    bucket = messages.setdefault(context, [])
    bucket[:] = [o for o in bucket if o["id"] != message_id] + [obj]


def repeated_data() -> dict[str, Any]:
    data = sample_data()
    hold = _account_text(data, HOLD, "en-US")
    for context in SKILLS_WITH_HOLD:
        _override(data, context, HOLD, {"en-US": hold})
    _override(data, "skill/12", WELCOME, {"en-US": _account_text(data, WELCOME, "en-US")})
    routing = _account_text(data, ROUTING, "en-US")
    _override(data, "skill/7", ROUTING, {"en-US": routing, FR: ROUTING_FR_7})
    _override(data, "skill/12", ROUTING, {"en-US": routing})
    return data


@pytest.fixture
def data(emu: Emu) -> dict[str, Any]:
    loaded = repeated_data()
    emu.hook("PUT", "load", loaded)
    return loaded


def export(
    conn: Connection, settings: Settings, out: Path, *, languages: list[str], **options: Any
) -> ExportResult:
    request = ExportRequest(out_dir=out, languages=languages, **options)
    return export_for_translation(conn, settings.account(ACCOUNT), request, StateStore(settings.state_dir))


def by_key(path: Path) -> dict[str, polib.POEntry]:
    return {e.msgctxt: e for e in polib.pofile(str(path))}


def export_missing_french(
    conn: Connection, settings: Settings, tmp_path: Path, **options: Any
) -> tuple[ExportResult, Path, dict[str, polib.POEntry]]:
    """The missing French units as PO: the export, its file and the file's entries by key."""
    out = tmp_path / "out"
    result = export(
        conn, settings, out, languages=[FR], formats=["po"], only=frozenset({"missing"}), **options
    )
    path = out / ACCOUNT / "fr-FR.po"
    return result, path, by_key(path)


def test_dedupe_writes_a_repeated_text_once_and_fans_its_translation_out(
    emu: Emu, data: dict[str, Any], conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    hold = _account_text(data, HOLD, "en-US")
    result, path, entries = export_missing_french(conn, settings, tmp_path, dedupe=True)
    holding = [e for e in entries.values() if e.msgid == hold]
    assert len(holding) == 1 and holding[0].msgctxt == "account|On-hold message #2"
    for context in SKILLS_WITH_HOLD:
        assert f"{context}|On-hold message #2" not in entries
        assert f"  {context}|On-hold message #2" in holding[0].comment.split("\n")
    [summary] = result.languages
    assert summary.exported == summary.entries + 3  # 4 units, one entry
    # the grouping is the state store's, with the baseline of every unit
    baseline = StateStore(settings.state_dir).baseline(result.export_id, FR)
    assert baseline is not None
    members = baseline.groups[("account|On-hold message #2", "fr-fr")]
    assert sorted(members) == sorted(f"{c}|On-hold message #2" for c in SKILLS_WITH_HOLD)
    assert all(baseline.units[(k, "fr-fr")].target == "" for k in members)

    translated = "Merci de patienter, {name}. Je vérifie toujours."
    edit_po(path, lambda e: setattr(e, "msgstr", translated) if e.msgid == hold else None)
    edited = "Merci pour votre patience, {name} (modifié dans LivePerson)."
    emu.ui_edit("account", "On-hold message #2", FR, edited)  # meanwhile, in the UI

    report = run_import(settings, [path], apply=True)
    now = texts(emu.dump())
    for context in SKILLS_WITH_HOLD:
        assert now[(context, str(HOLD), "fr-fr")]["msg"] == translated
    assert now[("account", str(HOLD), "fr-fr")]["msg"] == edited  # the human edit stands
    assert [(s["key"], s["reason"]) for s in report.to_json()["skipped"]] == [
        ("account|On-hold message #2", "conflict")
    ]
    assert sorted(str(d.key) for d in report.applied.written) == sorted(  # type: ignore[union-attr]
        f"{c}|On-hold message #2" for c in SKILLS_WITH_HOLD
    )
    assert report.exit_code == 3  # done, with something left for a human


def test_dedupe_keeps_texts_with_different_live_translations_apart(
    data: dict[str, Any], conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    """Same source, different targets: one translation typed over both would replace one."""
    export(conn, settings, tmp_path / "out", languages=[FR], formats=["po"], dedupe=True)
    entries = by_key(tmp_path / "out" / ACCOUNT / "fr-FR.po")
    assert entries["account|Routing to an agent"].msgstr == _account_text(data, ROUTING, FR)
    assert entries["skill/7|Routing to an agent"].msgstr == ROUTING_FR_7
    assert entries["skill/12|Routing to an agent"].msgstr == ""  # missing: a third, separate entry


def test_a_unit_both_in_a_group_and_on_its_own_is_a_clear_error(
    data: dict[str, Any], conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    export(conn, settings, tmp_path / "out", languages=[FR], formats=["po"], dedupe=True)
    path = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    po = polib.pofile(str(path))
    hold = next(e for e in po if e.msgctxt == "account|On-hold message #2")
    po.append(polib.POEntry(msgctxt="skill/9|On-hold message #2", msgid=hold.msgid, msgstr="x {name}"))
    po.save(str(path))
    report = run_import(settings, [path], apply=True)
    assert report.exit_code == 1 and report.applied is None
    [error] = report.errors
    assert "'skill/9|On-hold message #2' is in this file twice" in error.message
    assert error.where is not None and error.file == str(path)


def test_prefill_fills_a_missing_unit_fuzzy_and_import_leaves_it_out_until_confirmed(
    emu: Emu, data: dict[str, Any], conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    welcome_fr, routing_fr = _account_text(data, WELCOME, FR), _account_text(data, ROUTING, FR)
    result, path, entries = export_missing_french(conn, settings, tmp_path, prefill=True)
    welcome = entries["skill/12|CONSUMER_OPEN_NEW_CONVERSATION"]
    assert welcome.msgstr == welcome_fr and "fuzzy" in welcome.flags
    assert "Pre-filled from account|CONSUMER_OPEN_NEW_CONVERSATION: confirm or correct it" in welcome.comment
    routing = entries["skill/12|Routing to an agent"]
    assert routing.msgstr == routing_fr and "fuzzy" in routing.flags  # a tie: the first context's
    assert "Other translations of this text in use:" in routing.comment
    assert f"{ROUTING_FR_7} — skill/7|Routing to an agent" in routing.comment
    assert entries["skill/7|On-hold message #1"].msgstr == ""  # no candidate: nothing filled
    # the baseline keeps the live text: nothing
    baseline = StateStore(settings.state_dir).baseline(result.export_id, FR)
    assert (
        baseline is not None
        and baseline.units[("skill/12|CONSUMER_OPEN_NEW_CONVERSATION", "fr-fr")].target == ""
    )

    report = run_import(settings, [path], apply=True)
    assert ("skill/12|CONSUMER_OPEN_NEW_CONVERSATION", "fuzzy") in {(i.key, i.reason) for i in report.ignored}
    assert report.applied is None or not report.applied.written
    assert (("skill/12", str(WELCOME), "fr-fr")) not in texts(emu.dump())

    def confirm(entry: polib.POEntry) -> None:  # the translator accepts one pre-fill
        if entry.msgctxt == "skill/12|CONSUMER_OPEN_NEW_CONVERSATION":
            entry.flags.remove("fuzzy")

    edit_po(path, confirm)
    report = run_import(settings, [path], apply=True)
    now = texts(emu.dump())
    assert now[("skill/12", str(WELCOME), "fr-fr")]["msg"] == welcome_fr
    assert ("skill/12", str(ROUTING), "fr-fr") not in now  # still fuzzy: still left out
    assert [str(d.key) for d in report.applied.written] == ["skill/12|CONSUMER_OPEN_NEW_CONVERSATION"]  # type: ignore[union-attr]


def test_xlsx_and_xliff_show_prefill_and_dedupe(
    emu: Emu, data: dict[str, Any], conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    export(
        conn,
        settings,
        tmp_path / "out",
        languages=[FR],
        formats=["xlsx", "xliff"],
        only=frozenset({"missing"}),
        prefill=True,
        dedupe=True,
    )
    book = tmp_path / "out" / ACCOUNT / "fr-FR.xlsx"
    import openpyxl

    ws = openpyxl.load_workbook(book)["Translations"]
    header = [c.value for c in ws[1]]
    assert header[5] == "Status" and header[-1] == "Also used in"
    rows = {r[0].value: [c.value for c in r] for r in ws.iter_rows(min_row=2)}
    assert rows["skill/12|CONSUMER_OPEN_NEW_CONVERSATION"][5] == "needs review"
    assert rows["account|On-hold message #2"][-1].split("\n") == [
        f"{c}|On-hold message #2" for c in SKILLS_WITH_HOLD
    ]
    fuzzy = {e.key: e.fuzzy for e in read_xlsx(book).entries}
    assert fuzzy["skill/12|CONSUMER_OPEN_NEW_CONVERSATION"] and not fuzzy["account|On-hold message #2"]

    # the translator confirms the pre-fill by clearing its Status, and translates the on-hold text
    wb = openpyxl.load_workbook(book)
    sheet = wb["Translations"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "skill/12|CONSUMER_OPEN_NEW_CONVERSATION":
            row[5].value = None
        if row[0].value == "account|On-hold message #2":
            row[4].value = "Merci de patienter, {name}."
    wb.save(book)
    report = run_import(settings, [book], apply=True)
    assert report.exit_code == 0, report.errors
    written = sorted(str(d.key) for d in report.applied.written)  # type: ignore[union-attr]
    assert written == sorted(
        [
            "skill/12|CONSUMER_OPEN_NEW_CONVERSATION",
            *(f"{c}|On-hold message #2" for c in ("account", *SKILLS_WITH_HOLD)),
        ]
    )

    xlf = etree.parse(str(tmp_path / "out" / ACCOUNT / "fr-FR.xlf"))
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    [unit] = xlf.findall(".//x:trans-unit[@id='skill/12|Routing to an agent']", ns)
    assert unit.find("x:target", ns).get("state") == "needs-review-translation"
    [hold] = xlf.findall(".//x:trans-unit[@id='account|On-hold message #2']", ns)
    notes = [n.text for n in hold.findall("x:note", ns)]
    assert "  skill/9|On-hold message #2" in notes


@pytest.mark.parametrize("dedupe", [False, True], ids=["all-entries", "dedupe"])
def test_word_counts_match_pocount(
    data: dict[str, Any], conn: Connection, settings: Settings, tmp_path: Path, dedupe: bool
) -> None:
    langs = [FR, "de-DE", "es-ES", "ja-JP"]
    result = export(
        conn, settings, tmp_path / "out", languages=langs, formats=["po"], prefill=True, dedupe=dedupe
    )
    assert [s.language for s in result.languages] == langs
    for summary in result.languages:
        [path] = summary.files
        stats = calcstats(str(path))
        counts = summary.counts
        assert counts["total"].units == stats["total"] == summary.entries
        assert counts["total"].words == stats["totalsourcewords"]
        for column in ("translated", "fuzzy", "untranslated"):
            assert counts[column].units == stats[column], (summary.language, column)
            assert counts[column].words == stats[f"{column}sourcewords"], (summary.language, column)
    fr = result.languages[0].counts
    assert fr["prefilled"].units == 2  # skill/12's welcome and routing texts
    assert fr["repeated"].units >= 3  # the on-hold text in three skills (and the pre-filled repeats)
    assert fr["new"].units + fr["prefilled"].units + fr["repeated"].units <= result.languages[0].exported


def test_cli_json_summary_and_config_keys(emu: Emu, data: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "automsg.toml").write_text(
        f'[[accounts]]\nid = "{ACCOUNT}"\nauth = "bearer"\nlanguages = ["fr-FR"]\ndedupe = true\nprefill = true\n'
    )
    args = ["export-for-translation", "--config", str(tmp_path / "automsg.toml"), "--account", ACCOUNT]
    args += ["--csds-url", emu.url, "--state-dir", str(tmp_path / "state"), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, [*args, "--format", "po", "--json"], env=USER, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    [fr] = body["languages"]
    assert fr["language"] == FR and fr["units"] == fr["entries"] + 3  # dedupe from the config
    assert fr["counts"]["prefilled"]["units"] == 2  # prefill from the config
    assert set(fr["counts"]["new"]) == {"units", "words", "chars"}
    assert body["total"]["total"] == fr["counts"]["total"]
    # the flags win over the config
    result = CliRunner().invoke(
        main, [*args, "--format", "po", "--no-dedupe"], env=USER, catch_exceptions=False
    )
    assert result.exit_code == 0, result.stderr
    assert "new" in result.stdout and "Source words:" in result.stdout
    entries = by_key(tmp_path / "out" / ACCOUNT / "fr-FR.po")
    assert all(f"{c}|On-hold message #2" in entries for c in SKILLS_WITH_HOLD)
