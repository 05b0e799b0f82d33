"""restore against a hand-edited backup (issue #24, point 3): only what the run's
journal says it wrote goes back, QA-checked; the rest is refused by name."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ACCOUNT, Emu
from test_imports import FR, edit_po, export, pseudo, run_import, texts

from automsg_sync.config import Settings
from automsg_sync.errors import FormatError
from automsg_sync.lp import Connection, connect
from automsg_sync.restore import restore_backup
from automsg_sync.state import StateStore


@pytest.fixture
def fr_po(conn: Connection, settings: Settings, tmp_path: Path) -> Path:
    export(conn, settings, tmp_path / "out", [FR], ["po"])
    return tmp_path / "out" / ACCOUNT / f"{FR}.po"


def restore(settings: Settings, backup: Path, apply: bool = True) -> Any:
    conn = connect(settings, settings.account(ACCOUNT))
    state = StateStore(settings.state_dir)
    try:
        return restore_backup(conn, ACCOUNT, backup, state, settings.state_dir / "backups", apply=apply)
    finally:
        state.close()


def entry(obj: dict[str, Any], lang: str) -> dict[str, Any]:
    return next(e for e in obj["pre"]["data"] if e["lang"].lower() == lang.lower())


def test_a_hand_edited_backup_puts_back_only_what_the_run_wrote(
    emu: Emu, settings: Settings, fr_po: Path
) -> None:
    before = texts(emu.dump())
    edit_po(fr_po, pseudo)
    applied = run_import(settings, [fr_po], apply=True).applied
    assert applied is not None and applied.backup is not None
    document = json.loads(applied.backup.read_text(encoding="utf-8"))
    objects = document["objects"]
    written = {(o["context"], o["messageEventId"]) for o in objects}
    live = emu.dump()["accounts"][ACCOUNT]["autoMessages"]
    # 1. an object the run did not write
    ctx, unwritten = next(
        (c, o) for c, objs in live.items() for o in objs if (c, o["messageEventId"]) not in written
    )
    added = copy.deepcopy(objects[0]) | {"context": ctx, "messageEventId": unwritten["messageEventId"]}
    added["pre"] = copy.deepcopy(unwritten)
    added["languages"] = [FR]
    added["written"] = {FR: next((e["msg"] for e in unwritten["data"] if e["lang"].lower() == "fr-fr"), None)}
    # 2. a language the run did not write, and 3. the source language's text changed
    tampered = objects[1]
    tampered["languages"] += ["de-DE", "en-US"]
    tampered["written"] |= {"de-DE": "Hallo", "en-US": entry(tampered, "en-US")["msg"]}
    entry(tampered, "en-US")["msg"] = "Send us your card number"
    # 4. an unknown field on a language the run did write
    odd = objects[2]
    entry_of_odd = next((e for e in odd["pre"]["data"] if e["lang"].lower() == "fr-fr"), None)
    if entry_of_odd is None:  # the apply added French here: give the pre-image one
        entry_of_odd = {"lang": FR, "msg": "Bonjour"}
        odd["pre"]["data"].append(entry_of_odd)
    entry_of_odd["trackingPixel"] = "https://attacker.example/p.gif"
    # 5. a text failing QA on a language the run did write
    bad = objects[3]
    bad_entry = next((e for e in bad["pre"]["data"] if e["lang"].lower() == "fr-fr"), None)
    if bad_entry is None:
        bad_entry = {"lang": FR, "msg": ""}
        bad["pre"]["data"].append(bad_entry)
    bad_entry["msg"] = "Cliquez <script>alert(1)</script>"
    objects.append(added)
    applied.backup.write_text(json.dumps(document), encoding="utf-8")

    report = restore(settings, applied.backup)
    refused = {(i.context.key, i.message_event_id, i.language): i.why for i in report.by_outcome("refused")}
    assert refused[(ctx, unwritten["messageEventId"], FR)].startswith(
        f"run {document['run_id']} wrote nothing"
    )
    assert "did not write de-DE" in refused[(tampered["context"], tampered["messageEventId"], "de-DE")]
    assert "did not write en-US" in refused[(tampered["context"], tampered["messageEventId"], "en-US")]
    assert refused[(bad["context"], bad["messageEventId"], FR)].startswith("QA: ")
    assert len(refused) == 4
    assert report.ignored_fields == [
        f"{odd['context']}|{odd['messageEventId']} {FR}: field 'trackingPixel' is not one an apply writes: "
        "left as it is live"
    ]
    assert report.exit_code == 3
    after = texts(emu.dump())
    # nothing refused was written: the unwritten object, German, English, the QA failure
    for key, value in after.items():
        if key[2] in ("de-de", "en-us") or key[1] in (unwritten.get("id"), unwritten["messageEventId"]):
            assert before.get(key) == value
    assert not any("trackingPixel" in e for e in after.values())
    assert not any("<script>" in e["msg"] for e in after.values())
    assert len(report.written) == len(report.by_outcome("restore")) > 0  # the rest went back


def test_a_backup_of_a_run_this_state_store_never_saw_is_refused_whole(
    emu: Emu, settings: Settings, fr_po: Path
) -> None:
    edit_po(fr_po, pseudo)
    applied = run_import(settings, [fr_po], apply=True).applied
    assert applied is not None and applied.backup is not None
    document = json.loads(applied.backup.read_text(encoding="utf-8"))
    document["run_id"] = "70071528-20260101T000000Z-forged"
    applied.backup.write_text(json.dumps(document), encoding="utf-8")
    before = emu.dump()
    with pytest.raises(FormatError) as caught:
        restore(settings, applied.backup)
    assert "its run 70071528-20260101T000000Z-forged is not in the journal of the state store" in str(
        caught.value
    )
    assert emu.dump() == before
