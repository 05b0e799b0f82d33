"""Issue #25's Done-when: the whole cycle — export, apply, a human edit, the translator's
corrected second delivery (a conflict on the edited unit only), the same delivery again —
driven through the command line alone, with AUTOMSG_CLIENT_ID / AUTOMSG_CLIENT_SECRET and
nothing else, against LivePerson as the emulator serves it today (the default reading)
and in its 2026 reading: OAuth 2.0 client credentials only, tokens of a fraction of a
second, OAuth 1.0 refused as end of life, numeric ids required in write URLs (listed by
the Unified API, or only learnable from the contexted get-by-id answer, one object per
write)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polib
import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, KEYS, Emu, sample_data

from automsg_sync.cli import main
from automsg_sync.emulator import EmulatorServer, Store
from automsg_sync.emulator.store import READING_2026


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in the test's folder: their state store (./.automsg) is the test's own."""
    monkeypatch.chdir(tmp_path)


CLIENT = {"AUTOMSG_CLIENT_ID": "2c7e1f4a-automsg-sync-demo", "AUTOMSG_CLIENT_SECRET": "o2-demo-s3cret-9d1e"}

READINGS: dict[str, dict[str, Any]] = {
    "today": {},
    "2026": dict(READING_2026),
    "2026, ids only by get-by-id, one object a write": {
        **READING_2026,
        "unifiedIds": "hidden",
        "collectionArrays": False,
    },
}


@pytest.fixture(params=list(READINGS))
def reading(request: pytest.FixtureRequest) -> Iterator[tuple[str, Emu]]:
    data = sample_data()
    account = data["accounts"][ACCOUNT]
    account["behaviour"] = READINGS[request.param]
    if request.param != "today":
        account["oauthClients"][0]["tokenTtl"] = 0.3  # short-lived: renewed again and again
    with EmulatorServer(Store(data)) as server:
        yield request.param, Emu(server)


def cli(emu: Emu, tmp_path: Path, *args: str, extra: dict[str, str] | None = None) -> Any:
    env = {
        **CLIENT,
        "AUTOMSG_CSDS_URL": emu.url,
        "AUTOMSG_ACCOUNT": ACCOUNT,
        **(extra or {}),
    }
    return CliRunner().invoke(main, list(args), env=env)


def fr_texts(emu: Emu) -> dict[tuple[str, str], str]:
    out = {}
    for ctx, objects in emu.dump()["accounts"][ACCOUNT]["autoMessages"].items():
        for obj in objects:
            for entry in obj["data"]:
                if entry["lang"].lower() == "fr-fr":
                    out[(ctx, obj["messageEventId"])] = entry["msg"]
    return out


def test_export_apply_conflict_and_redelivery_through_the_cli(
    reading: tuple[str, Emu], tmp_path: Path
) -> None:
    name, emu = reading
    out = tmp_path / "out"
    done = cli(
        emu, tmp_path, "export-for-translation", "--languages", "fr-FR", "--format", "po", "--out", str(out)
    )
    assert done.exit_code == 0, done.output
    path = out / ACCOUNT / "fr-FR.po"
    po = polib.pofile(str(path))
    for entry in po:
        entry.msgstr = entry.msgstr or f"(fr) {entry.msgid}"
    po.save(str(path))

    applied = cli(emu, tmp_path, "import-translations", str(path), "--apply", "--json")
    assert applied.exit_code == 0, applied.output
    first = json.loads(applied.stdout)
    assert len(first["applied"]) == 13 and first["skipped"] == []
    live = fr_texts(emu)
    assert all(live[(d["context"], d["key"].split("|", 1)[1])] == d["new"] for d in first["applied"])

    # a human edits one unit in LivePerson's UI; the translator corrects every entry
    emu.ui_edit("skill/9", "CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR", "Bonjour des Ventes (humain)")
    po = polib.pofile(str(path))
    for entry in po:
        entry.msgstr += " (v2)"
    po.save(str(path))
    second = cli(emu, tmp_path, "import-translations", str(path), "--apply", "--json")
    assert second.exit_code == 3, second.output  # one conflict: needs a human
    report = json.loads(second.stdout)
    assert [(s["key"], s["reason"]) for s in report["skipped"]] == [
        ("skill/9|CONSUMER_OPEN_NEW_CONVERSATION", "conflict")
    ]
    assert len(report["applied"]) == len(po) - 1  # every other correction went live: no false conflict
    assert (
        fr_texts(emu)[("skill/9", "CONSUMER_OPEN_NEW_CONVERSATION")] == "Bonjour des Ventes (humain)"
    )  # never overwritten

    again = cli(emu, tmp_path, "import-translations", str(path), "--apply", "--json")
    assert (
        again.exit_code == 3 and json.loads(again.stdout)["applied"] == []
    )  # the same delivery: nothing new
    if name != "today":
        writes = [r for r in emu.requests() if r["method"] == "PUT" and r["status"] == 200]
        addressed = [r["path"].rsplit("/", 1)[-1] for r in writes if not r["path"].endswith("auto-messages")]
        assert all(a.isdigit() for a in addressed)  # never a messageEventId in a write URL
        tokens = [r for r in emu.requests() if r["path"].endswith("/app/token")]
        assert len(tokens) >= 3 and not [r for r in emu.requests() if "/vep/" in r["path"]]


def test_oauth1_keys_are_refused_in_words_on_the_2026_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("automsg_sync.lp.oauth1._warned_retired", set())  # a run of its own: warned once
    data = sample_data()
    data["accounts"][ACCOUNT]["behaviour"] = dict(READING_2026)
    with EmulatorServer(Store(data)) as server:
        emu = Emu(server)
        env = {"AUTOMSG_CSDS_URL": emu.url, "AUTOMSG_ACCOUNT": ACCOUNT, **KEYS}
        result = CliRunner().invoke(main, ["status"], env=env)
    assert result.exit_code == 1
    assert "end of life" in result.stderr and "Traceback" not in result.output
    assert "LivePerson retired OAuth 1.0" in result.stderr  # and how to move on
