"""Hostile and malformed inputs: each ends in a clear error or QA finding naming the
file and line/row — never a traceback, never a write. Fixed cases live in
``tests/data/bad/`` (regenerate with ``tests/data/bad/make_bad.py``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ACCOUNT, Emu
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_imports import run_import

from automsg_sync.config import Settings
from automsg_sync.export import ExportRequest, export_for_translation
from automsg_sync.lp import Connection
from automsg_sync.state import StateStore

BAD = Path(__file__).resolve().parent / "data" / "bad"
EXPORT_ID = "70071528-20260101T000000Z-fixed0"

# file → ("error", text in the message, has a line/row) or ("qa", check)
EXPECTED = {
    "truncated.po": ("error", "unterminated or malformed string", True),
    "unterminated.po": ("error", "unterminated or malformed string", True),
    "garbage-line.po": ("error", "not PO syntax: '<<<<<<< HEAD'", True),
    "repeated-msgstr.po": ("error", "msgstr where msgctxt or msgid was expected", True),
    "latin1-no-charset.po": ("error", "not valid utf-8 (assumed (no charset in the header))", True),
    "not-utf8-as-declared.po": ("error", "not valid UTF-8 (declared)", True),
    "no-automsg-header.po": ("error", "header X-Automsg-Export-Id is missing", True),
    "duplicate-key.po": ("error", "duplicate key 'account|CONSUMER_OPEN_NEW_CONVERSATION'", True),
    "unknown-key.po": ("error", "key 'account|No such message' is not in export", True),
    "other-account.po": ("error", "the file is for account 99999999, not 70071528", False),
    "nul.po": ("error", "NUL character", True),
    "script-html.po": ("qa", "unsafe-html"),
    "bidi-override.po": ("qa", "control-chars"),
    "dropped-placeholder.po": ("qa", "placeholders"),
    "not-a-zip.xlsx": ("error", "not an XLSX workbook (not a zip file)", False),
    "truncated.xlsx": ("error", "not an XLSX workbook", False),
    "zip-bomb.xlsx": ("error", "zip bomb?", False),
    "billion-laughs.xlsx": ("error", "declares a DTD: refused (entities)", False),
    "xxe.xlsx": ("error", "declares a DTD: refused (entities)", False),
    "formula.xlsx": ("qa", "formula"),
    "hidden-row.xlsx": ("qa", "hidden-row"),
    "merged-cells.xlsx": ("error", "merged cells E5:E6", True),
    "huge-cell.xlsx": ("qa", "max-length"),
    "no-metadata-sheet.xlsx": ("error", "the hidden sheet 'automsg' is missing", False),
    "renamed-header.xlsx": ("error", "no 'Translation' column in the header row", True),
    "duplicate-key.xlsx": ("error", "duplicate key 'account|CONSUMER_OPEN_NEW_CONVERSATION'", True),
}


@pytest.fixture
def baseline(conn: Connection, settings: Settings, tmp_path: Path) -> None:
    request = ExportRequest(out_dir=tmp_path / "out", languages=["fr-FR"], export_id=EXPORT_ID)
    export_for_translation(conn, settings.account(ACCOUNT), request, StateStore(settings.state_dir))


def test_every_fixed_case_is_listed() -> None:
    assert sorted(p.name for p in BAD.iterdir() if p.suffix in (".po", ".xlsx")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file(emu: Emu, settings: Settings, baseline: None, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    shutil.copy(BAD / name, path)
    report = run_import(settings, [path], apply=True)  # any exception escaping here fails the test
    writes = [r for r in emu.requests() if r["method"] == "PUT"]
    expected = EXPECTED[name]
    if expected[0] == "error":
        assert writes == [], "a refused file must write nothing"
        [error] = report.errors
        assert error.file == str(path) and expected[1] in error.message, error
        assert (error.where is not None) == expected[2], error
    else:
        findings = [f for f in report.qa if f.check == expected[1] and f.severity == "error"]
        assert findings and all(f.file == str(path) and f.where for f in findings)
        skipped = {s["key"] for s in report.to_json()["skipped"] if s["reason"] == "qa"}
        assert {f.key for f in findings} <= skipped
        written = {(d["key"]) for d in report.to_json()["applied"]}
        assert not written & skipped  # the refused unit was not written
        assert report.exit_code == 3


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_damage_never_crashes(
    emu: Emu, settings: Settings, baseline: None, tmp_path: Path, data: st.DataObject
) -> None:
    source = data.draw(st.sampled_from(["fr-FR.po", "fr-FR.xlsx"]))
    raw = bytearray((tmp_path / "out" / ACCOUNT / source).read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        at = data.draw(st.integers(0, max(len(raw) - 1, 0)))
        if kind == "flip" and raw:
            raw[at] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "cut":
            del raw[at:]
        elif kind == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=20))
        elif raw:
            del raw[at : at + data.draw(st.integers(1, 40))]
    path = tmp_path / f"damaged{Path(source).suffix}"
    path.write_bytes(bytes(raw))
    report = run_import(settings, [path])  # dry run; an escaping exception fails the test
    for error in report.errors:
        assert error.file == str(path) and error.message
