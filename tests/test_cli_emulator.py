"""``automsg-sync emulator`` (cli/emulator.py): the server in the foreground, and ``emulator edit``."""

from __future__ import annotations

import re
import subprocess
import sys

import requests
from conftest import ACCOUNT, ROOT, Emu, free_port
from test_cli import run

UNSET: dict[str, str | None] = {
    "AUTOMSG_CSDS_URL": None,
    "AUTOMSG_ACCOUNT": None,
}  # the tester's own are not used


def test_emulator_command_prints_listening_line_first() -> None:
    data = str(ROOT / "samples" / "emulator-data.json")
    cmd = [sys.executable, "-m", "automsg_sync", "emulator", "--port", "0", "--data", data]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", line)
            assert match, line
            dump = requests.get(match.group(1) + "/_emulator/dump", timeout=5).json()
            assert ACCOUNT in dump["accounts"]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert proc.returncode == 0


def live_text(emu: Emu, context: str, event_id: str, lang: str) -> tuple[str | None, str]:
    """The emulator's text of ``event_id`` in ``lang`` under ``context`` (None: none), and its revision."""
    account = emu.hook("GET", "dump")["accounts"][ACCOUNT]
    for obj in account["autoMessages"].get(context, []):
        if obj.get("messageEventId") == event_id:
            for entry in obj["data"]:
                if entry["lang"].lower() == lang.lower():
                    return entry["msg"], str(account["revision"])
    return None, str(account["revision"])


def test_edit_changes_one_text_as_the_ui_would_and_says_so(emu: Emu) -> None:
    env = {"AUTOMSG_CSDS_URL": emu.url + "/", "AUTOMSG_ACCOUNT": ACCOUNT}  # as the README's walk exports
    code, out, err = run(["emulator", "edit", "CONSUMER_OPEN_NEW_CONVERSATION", "fr_fr", "Salut ! (UI)"], env)
    assert code == 0 and err == ""
    assert (
        out
        == f"edited account/CONSUMER_OPEN_NEW_CONVERSATION fr-FR on {emu.url} (account {ACCOUNT}, revision 2)\n"
    )
    assert live_text(emu, "account", "CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR") == ("Salut ! (UI)", "2")
    args = ["--context", "skill/7", "--account", ACCOUNT, "--url", emu.url]
    code, out, _ = run(["emulator", "edit", "CONSUMER_OPEN_NEW_CONVERSATION", "de-DE", "Hallo", *args], UNSET)
    assert code == 0
    assert (
        out
        == f"edited skill/7/CONSUMER_OPEN_NEW_CONVERSATION de-DE on {emu.url} (account {ACCOUNT}, revision 3)\n"
    )
    assert live_text(emu, "skill/7", "CONSUMER_OPEN_NEW_CONVERSATION", "de-DE") == ("Hallo", "3")


def test_an_edit_the_emulator_refuses_is_said_in_one_line_in_words(emu: Emu) -> None:
    base = ["emulator", "edit", "--url", emu.url]
    code, out, err = run([*base, "--account", ACCOUNT, "NO_SUCH_MESSAGE", "fr-FR", "x"])
    assert (code, out) == (1, "")
    assert (
        err
        == f"error: the emulator at {emu.url} has no message NO_SUCH_MESSAGE (context account, account {ACCOUNT})\n"
    )
    code, _, err = run([*base, "--account", "1", "CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR", "x"])
    assert code == 1 and err == f"error: the emulator at {emu.url} has no account 1\n"
    code, _, err = run([*base, "--account", ACCOUNT, "CONSUMER_OPEN_NEW_CONVERSATION", "jp", "x"])
    assert code == 2
    assert err == (
        "error: LANGUAGE: 'jp' is not a visitor language LivePerson offers; "
        "did you mean ja-JP (Japanese)? (see `automsg-sync languages`)\n"
    )
    code, _, err = run(
        [*base, "--account", ACCOUNT, "--context", "skill", "CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR", "x"]
    )
    assert code == 2 and err == "error: --context skill: write account or skill/ID (e.g. skill/7)\n"
    assert live_text(emu, "account", "CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR")[1] == "1"  # nothing edited


def test_edit_talks_to_an_emulator_on_this_machine_only() -> None:
    edit = ["emulator", "edit", "--account", ACCOUNT, "CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR", "x"]
    for url in ("https://api.liveperson.net", "http://10.1.2.3:8080", "ftp://127.0.0.1"):
        code, out, err = run([*edit, "--url", url])
        assert (code, out) == (2, "")
        assert (
            err
            == f"error: --url {url}: not an emulator on this machine; edit talks to a loopback address only\n"
        )
    code, _, err = run(edit, {**UNSET, "AUTOMSG_CSDS_URL": "https://api.liveperson.net"})
    assert code == 2 and "not an emulator on this machine" in err
    code, _, err = run(edit, UNSET)
    assert (
        code == 2
        and err == "error: no emulator: give --url or set AUTOMSG_CSDS_URL (e.g. http://127.0.0.1:8080)\n"
    )
    code, _, err = run(["emulator", "edit", "--url", "http://127.0.0.1:9", "M", "fr-FR", "x"], UNSET)
    assert code == 2 and err == "error: no account: give --account or set AUTOMSG_ACCOUNT\n"
    code, _, err = run(["emulator", "--port", "8080", *edit[1:], "--url", "http://127.0.0.1:9"])
    assert (
        code == 2
        and err == "error: --port starts a server; `emulator edit` acts on a running one (its --url)\n"
    )


def test_edit_of_an_emulator_that_is_not_running_is_one_line() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, _, err = run(["emulator", "edit", "--url", url, "--account", ACCOUNT, "M", "fr-FR", "x"])
    assert code == 1 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert (
        err.startswith(f"error: POST {url}/_emulator/accounts/{ACCOUNT}/ui-edit: ")
        and "connection refused" in err
    )
