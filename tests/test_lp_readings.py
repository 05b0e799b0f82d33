"""Every reading of LivePerson's documentation that lp-api.md names, end to end.

The sample account is served once per switch of the emulator (arrays refused
at the collection, contexts ignored, a stale write answered 409, 412 or 400,
``ETag`` instead of ``ac-revision``, one API only) and once with the client's
``put_override``. Each time the same cycle runs: export French, translate what
is missing, and import ``--apply`` while somebody edits a German text in the
LivePerson UI just before our first write. It must end with the right texts in
the right contexts and nothing else changed, and a second import writes nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import polib
import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, FAST, USER, Emu, Sleeps, sample_data
from test_lp_docs import run_import as run_import_into

from automsg_sync.cli import main
from automsg_sync.config import Settings, load_settings
from automsg_sync.emulator import EmulatorServer, Store
from automsg_sync.errors import ApiError
from automsg_sync.export import ExportRequest, export_for_translation
from automsg_sync.imports import ImportReport
from automsg_sync.lp import connect
from automsg_sync.lp.automessages import AutoMessagesApi
from automsg_sync.model import Context
from automsg_sync.state import StateStore

UI_EDIT = {
    "context": "account",
    "messageEventId": "CONSUMER_OPEN_NEW_CONVERSATION",
    "lang": "de-DE",
    "msg": "Hallo (UI)",
}
READINGS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # name: (emulator behaviour, account settings)
    "arrays refused": ({"collectionArrays": False}, {}),
    "contexts ignored": ({"contexts": "ignored"}, {}),
    "stale write 409": ({"staleWrite": 409}, {}),
    "stale write 412": ({"staleWrite": 412}, {}),
    "stale write 400": ({"staleWrite": 400}, {}),
    "ETag only": ({"revisionHeader": "eTag"}, {}),
    "Unified only": ({"apis": "unified"}, {}),
    "legacy only": ({"apis": "legacy"}, {}),
    "PUT blocked, override": ({}, {"put_override": True}),
    "documented (all at once)": (
        {"apis": "unified", "collectionArrays": False, "staleWrite": 412, "revisionHeader": "eTag"},
        {},
    ),
}


@pytest.fixture(params=list(READINGS), ids=list(READINGS))
def reading(request: pytest.FixtureRequest) -> Iterator[tuple[str, Emu, Settings]]:
    behaviour, account = READINGS[request.param]
    data = sample_data()
    data["accounts"][ACCOUNT]["behaviour"] = behaviour
    with EmulatorServer(Store(data)) as server:
        emu = Emu(server)
        tmp = Path(request.getfixturevalue("tmp_path"))
        settings = replace(load_settings(None, USER, csds_url=emu.url, state_dir=tmp / "state"), http=FAST)
        if account:
            one = replace(settings.account(ACCOUNT), **account)
            settings = replace(settings, accounts={ACCOUNT: one})
        yield request.param, emu, settings


def by_event(dump: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    """(context, messageEventId, lang key) → msg, for every text of the account."""
    out = {}
    for ctx, objects in dump["accounts"][ACCOUNT]["autoMessages"].items():
        for obj in objects:
            for entry in obj.get("data", []):
                out[(ctx, obj["messageEventId"], entry["lang"].lower())] = entry["msg"]
    return out


def run_import(settings: Settings, files: list[Path]) -> ImportReport:
    return run_import_into(settings, ACCOUNT, files)


def exported_and_translated(
    settings: Settings, tmp_path: Path, text: Callable[[polib.POEntry], str] | None = None
) -> Path:
    """The French PO of a fresh export, every entry given ``text(entry)`` (default: every
    missing entry translated, the others kept)."""
    conn = connect(settings, settings.account(ACCOUNT), sleep=Sleeps())
    request = ExportRequest(out_dir=tmp_path / "out", languages=["fr-FR"], formats=["po"])
    export_for_translation(conn, settings.account(ACCOUNT), request, StateStore(settings.state_dir))
    po_path = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    po = polib.pofile(str(po_path))
    for entry in po:
        entry.msgstr = text(entry) if text else entry.msgstr or f"(fr) {entry.msgid}"
    po.save(str(po_path))
    return po_path


def test_every_reading_ends_with_the_right_texts_in_the_right_contexts(
    reading: tuple[str, Emu, Settings], tmp_path: Path
) -> None:
    name, emu, settings = reading
    before = emu.dump()
    conn = connect(settings, settings.account(ACCOUNT), sleep=Sleeps())
    request = ExportRequest(out_dir=tmp_path / "out", languages=["fr-FR"], formats=["po"])
    exported = export_for_translation(
        conn, settings.account(ACCOUNT), request, StateStore(settings.state_dir)
    )
    po_path = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    po = polib.pofile(str(po_path))
    contexts = {e.msgctxt.split("|")[0] for e in po}
    if name == "contexts ignored":
        # the server showed no contexts: only the account level, said in one line
        assert contexts == {"account"} and len(exported.notices) == 1
        assert "only the account level" in exported.notices[0]
    else:
        assert contexts == {"account", "skill/7", "skill/9"} and exported.notices == []
    wanted: dict[tuple[str, str, str], str] = {}
    for entry in po:
        if not entry.msgstr:
            entry.msgstr = f"(fr) {entry.msgid}"
            context, event = entry.msgctxt.split("|", 1)
            wanted[(context, event, "fr-fr")] = entry.msgstr
    po.save(str(po_path))
    assert len(wanted) >= 10

    emu.clear_requests()
    method = "POST" if name.startswith("PUT blocked") else "PUT"
    emu.faults(script=[{"match": "auto-messages", "method": method, "times": 1, "uiEdit": UI_EDIT}])
    report = run_import(settings, [po_path])
    assert report.errors == [] and report.exit_code == 0, report.to_json()
    assert report.applied is not None and len(report.applied.written) == len(wanted)
    assert (
        report.applied.conflict_retries == 1
    )  # the UI edit moved the revision: re-read, re-decided, retried

    expected = by_event(before)
    expected.update(wanted)
    expected[("account", "CONSUMER_OPEN_NEW_CONVERSATION", "de-de")] = "Hallo (UI)"  # the human edit stands
    assert by_event(emu.dump()) == expected  # the right texts in the right contexts, nothing else
    after = copy.deepcopy(emu.dump()["accounts"][ACCOUNT])
    assert sorted(after["autoMessages"]) == sorted(before["accounts"][ACCOUNT]["autoMessages"])

    writes = [r for r in emu.requests() if r["method"] in ("PUT", "POST") and "auto-messages" in r["path"]]
    assert {r["method"] for r in writes} == {method}
    emu.clear_requests()
    again = run_import(settings, [po_path])
    assert again.exit_code == 0 and again.counts()["applied"] == 0 and again.counts()["noop"] == len(po)
    assert [
        r
        for r in emu.requests()
        if r["method"] == "PUT" or ("auto-messages" in r["path"] and r["method"] == "POST")
    ] == []


def test_skill_texts_never_land_on_the_account_default_when_contexts_go_unread(
    emu: Emu, settings: Settings, tmp_path: Path
) -> None:
    """Exported while contexts were understood, imported while the server ignores them."""
    po_path = exported_and_translated(settings, tmp_path, lambda entry: f"(fr) {entry.msgctxt}")
    data = emu.dump()
    data["accounts"][ACCOUNT]["behaviour"] = {"contexts": "ignored"}
    emu.hook("PUT", "load", data)
    before = by_event(emu.dump())
    report = run_import(settings, [po_path])
    gone = {d.key.context.key for d in report.decisions if d.outcome == "gone"}
    assert gone == {"skill/7", "skill/9"}  # not found where they were exported: skipped, reported
    after = by_event(emu.dump())
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed and all(ctx == "account" for ctx, _, _ in changed)
    assert all(after[k] == f"(fr) account|{k[1]}" for k in changed)  # each the account's own text


def test_a_write_naming_a_skill_needs_a_read_that_showed_contexts(emu: Emu, settings: Settings) -> None:
    data = emu.dump()
    data["accounts"][ACCOUNT]["behaviour"] = {"contexts": "ignored"}
    emu.hook("PUT", "load", data)
    api = AutoMessagesApi(connect(settings, settings.account(ACCOUNT), sleep=Sleeps()), writable=True)
    listing = api.list_by_context()
    assert not listing.contexts_proven and listing.contexts is not None
    assert list(listing.contexts) == [Context.account()]
    message = listing.contexts[Context.account()][0]
    emu.clear_requests()
    with pytest.raises(ApiError, match="refusing to write skill/7"):
        api.update(Context.skill(7), [message.with_texts({"fr-FR": "x"})], listing.revision)
    assert [r for r in emu.requests() if r["method"] == "PUT"] == []


def test_a_proxy_that_blocks_put_is_named(emu: Emu, settings: Settings, tmp_path: Path) -> None:
    po_path = exported_and_translated(settings, tmp_path)
    before = emu.dump()
    emu.faults(script=[{"match": "auto-messages", "method": "PUT", "times": 10, "status": 405}])
    report = run_import(settings, [po_path])
    [problem] = report.errors
    assert "nothing was changed" in problem.message and "put_override = true" in problem.message
    assert by_event(emu.dump()) == by_event(before)


def test_no_revision_header_at_all_is_a_clear_refusal(emu: Emu, settings: Settings, tmp_path: Path) -> None:
    """A server that sends neither ac-revision nor ETag: status works; an export (whose files
    could never be imported safely) and a write are refused in words, nothing written."""
    po_path = exported_and_translated(settings, tmp_path)
    data = emu.dump()
    data["accounts"][ACCOUNT]["behaviour"] = {"revisionHeader": "none"}
    emu.hook("PUT", "load", data)
    before = by_event(emu.dump())
    env = dict(USER, AUTOMSG_CSDS_URL=emu.url)
    common = ["--account", ACCOUNT, "--state-dir", str(tmp_path / "state")]
    runner = CliRunner()
    assert runner.invoke(main, ["status", *common], env=env).exit_code == 0
    out = tmp_path / "again"
    exported = runner.invoke(main, ["export-for-translation", *common, "--out", str(out)], env=env)
    assert exported.exit_code == 1 and "Traceback" not in exported.output
    assert "neither ac-revision nor ETag" in exported.output and not out.exists()
    result = runner.invoke(main, ["import-translations", *common, str(po_path), "--apply"], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "neither ac-revision nor ETag" in result.output and "refusing to write" in result.output
    assert by_event(emu.dump()) == before
