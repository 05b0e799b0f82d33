"""Exports that never leave an outbox a translator could be misled by (issue 15, points 4 and 8).

- An interrupted export (Ctrl-C, an error, a full disk) leaves no file whose
  export id was never recorded, and the outbox keeps what it held.
- An unattended export after a change rewrites only the languages whose units
  changed: vendors do not receive unchanged files as new work.
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from conftest import ACCOUNT, Emu
from test_cron import ENV, run, write_config
from test_imports import export, pseudo, run_import

from automsg_sync.config import Settings, load_settings
from automsg_sync.errors import FormatError
from automsg_sync.export import ExportRequest, export_for_translation
from automsg_sync.lp import Connection
from automsg_sync.state import StateStore

LANGS = ["de-DE", "fr-FR", "ja-JP"]


def outbox(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder``, hidden ones included, with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def export_id_of(path: Path) -> str:
    return str(polib.pofile(str(path)).metadata["X-Automsg-Export-Id"])


def test_an_interrupted_export_leaves_the_outbox_as_it_was(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = export(conn, settings, out, LANGS, ["po", "xlsx"])
    before = outbox(out)
    assert len(before) == 6

    def interrupt(language: str, done: int, total: int) -> None:
        if done == 2:  # two languages written (aside), the third not yet
            raise KeyboardInterrupt

    request = ExportRequest(out_dir=out, languages=LANGS, formats=["po", "xlsx"])
    with pytest.raises(KeyboardInterrupt):
        export_for_translation(
            conn, settings.account(ACCOUNT), request, StateStore(settings.state_dir), interrupt
        )
    assert outbox(out) == before  # nothing replaced, nothing half-written, nothing left aside
    assert StateStore(settings.state_dir).last_api(ACCOUNT) is not None
    # the files there are the first export's and still import
    po = out / ACCOUNT / "fr-FR.po"
    assert export_id_of(po) == first.export_id
    assert run_import(settings, [po]).errors == []


def test_an_export_that_fails_midway_records_nothing_and_replaces_nothing(
    emu: Emu, conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    export(conn, settings, out, LANGS, ["po"])
    before = outbox(out)
    emu.ui_edit("account", "CONSUMER_OPEN_NEW_CONVERSATION", "ja-JP", "NUL \x00 cannot go into a PO file")
    with pytest.raises(FormatError):
        export(conn, settings, out, LANGS, ["po"])
    assert outbox(out) == before
    assert not [p for p in (out / ACCOUNT).iterdir() if p.name.startswith(".")]


def test_cron_rewrites_only_the_languages_that_changed(emu: Emu, tmp_path: Path) -> None:
    settings = load_settings(write_config(tmp_path, emu), ENV)
    first = run(settings)
    assert first.exit_code == 0
    folder = settings.paths.outbox / ACCOUNT
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["de-DE.po", "fr-FR.po"]
    before = outbox(folder)
    ids = {name: export_id_of(folder / name) for name in files}
    # one UI edit in French: a missing French text is now translated
    emu.ui_edit("account", "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS", "fr-FR", "Nous sommes absents.")
    second = run(settings)
    mine = second.accounts[0]
    assert mine.export == "exported" and [Path(f).name for f in mine.exported] == ["fr-FR.po"]
    after = outbox(folder)
    assert after["de-DE.po"] == before["de-DE.po"]  # byte for byte: no new copy for the vendor
    assert export_id_of(folder / "fr-FR.po") != ids["fr-FR.po"]
    # and nothing changed since: nothing is written
    third = run(settings)
    assert third.accounts[0].export in ("unchanged", "nothing new") and outbox(folder) == after


def test_a_language_with_nothing_left_loses_its_file_only_after_the_record(
    conn: Connection, settings: Settings, tmp_path: Path, emu: Emu
) -> None:
    out = tmp_path / "out"
    export(conn, settings, out, ["fr-FR"], ["po"])
    po = out / ACCOUNT / "fr-FR.po"
    polib_file = polib.pofile(str(po))
    for entry in polib_file:
        pseudo(entry)
    polib_file.save(str(po))
    assert run_import(settings, [po], apply=True).exit_code == 0
    request = ExportRequest(out_dir=out, languages=["fr-FR"], formats=["po"], only=frozenset({"missing"}))
    result = export_for_translation(conn, settings.account(ACCOUNT), request, StateStore(settings.state_dir))
    assert result.languages[0].exported == 0 and not po.exists()


def test_an_export_with_nothing_to_send_says_why(
    conn: Connection, settings: Settings, tmp_path: Path
) -> None:
    store = StateStore(settings.state_dir)
    account = settings.account(ACCOUNT)
    done = ExportRequest(out_dir=tmp_path, languages=["fr-FR"], formats=["po"], only=frozenset({"stale"}))
    result = export_for_translation(conn, account, done, store)
    assert result.files == [] and result.notices[-1].startswith(
        "nothing to send: no unit is stale (the 20 units"
    )
    wrong = ExportRequest(out_dir=tmp_path, languages=["fr-FR"], formats=["po"], source_language="en-GB")
    result = export_for_translation(conn, account, wrong, store)
    assert result.files == [] and "source language en-GB" in result.notices[-1]
