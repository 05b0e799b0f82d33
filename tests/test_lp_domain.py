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
