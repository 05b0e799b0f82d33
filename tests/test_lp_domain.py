"""lp/domain.py: the Domain API (CSDS) lookup, and its failures said in words (issue #29 point 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import USER, Emu
from test_cli import run


def test_a_url_that_is_not_the_domain_api_is_said_so_in_one_line(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["status", "--account", "70071528", "--csds-url", f"{emu.url}/nothing"], USER)
    assert code == 1
    assert err.splitlines() == [
        f"error: {emu.url}/nothing is not LivePerson's Domain API (GET …/service/baseURI.json answered 404: "
        'an HTML page ("404 Not Found"), not an API\'s answer) — did you mean https://api.liveperson.net? '
        "(--csds-url or AUTOMSG_CSDS_URL; unset for the default)"
    ]
    assert "<title>" not in out + err and not (tmp_path / ".automsg").exists()


def test_an_account_the_domain_api_does_not_know_is_said_so(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["status", "--account", "99999999", "--csds-url", emu.url], USER)
    assert code == 1
    assert err.splitlines() == [
        f"error: LivePerson's Domain API at {emu.url} does not know account 99999999 "
        "(404: unknown account 99999999): check the account id (--account or AUTOMSG_ACCOUNT)"
    ]


@pytest.mark.parametrize("status", [400, 401])
def test_the_documented_refusals_of_the_lookup_are_an_unknown_account(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, status: int
) -> None:
    """The Domain API page (APIGuidelines/domain-api.md) documents 400 "Problem with body or
    query parameters" and 401 "Bad Authentication (invalid site or agent)", and no 404 (the
    emulator's reading, above): each reading of an unknown account is said the same way, and
    a 401 from the Domain API, which is sent no credentials, never blames them."""
    monkeypatch.chdir(tmp_path)
    emu.faults(script=[{"match": "baseURI.json", "status": status, "times": 1}])
    code, _, err = run(["status", "--account", "70071528", "--csds-url", emu.url], USER)
    assert code == 1
    assert err.splitlines() == [
        f"error: LivePerson's Domain API at {emu.url} does not know account 70071528 "
        f"({status}: injected fault): check the account id (--account or AUTOMSG_ACCOUNT)"
    ]
