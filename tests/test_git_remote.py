"""automsg_sync.git.remote: a remote URL with a password or token is refused and printed
nowhere; URLs in git's output are redacted (issue #27)."""

from __future__ import annotations

import doctest
import logging
from pathlib import Path

import pytest

from automsg_sync.errors import ConfigError
from automsg_sync.git import (
    WorkingCopy,
    check_remote,
    redact_text,
    redact_url,
)
from automsg_sync.git import remote as git_remote

TOOL = "automsg-sync <automsg-sync@localhost>"


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("https://user:secret@example.com/acme/lp.git", "secret"),
        ("ssh://git:hunter22@example.com:2222/acme/lp.git", "hunter22"),
        ("https://x-access-token:tok3n-value@github.com/acme/lp.git", "tok3n-value"),
        ("https://ghp_abcdefghijklmnop1234@github.com/acme/lp.git", "ghp_abcdefghijklmnop1234"),
        ("deploy:s3cr3t-pw@example.com:acme/lp.git", "s3cr3t-pw"),
    ],
)
def test_a_password_in_the_remote_is_refused_and_printed_nowhere(
    url: str, secret: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigError) as refused:
        check_remote(url, "[git] remote in automsg.toml")
    text = str(refused.value)
    assert text.startswith("[git] remote in automsg.toml: ")
    assert "credential helper" in text and "ssh" in text and "GIT_ASKPASS" in text
    with pytest.raises(ConfigError) as again:
        WorkingCopy(url, "main", tmp_path / "git", TOOL)
    assert "***" in str(again.value)
    for shown in (
        text,
        repr(refused.value),
        str(again.value),
        repr(again.value),
        caplog.text,
        redact_url(url),
    ):
        assert secret not in shown
    assert not (tmp_path / "git").exists()


@pytest.mark.parametrize(
    "url",
    [
        "git@example.com:acme/lp-translations.git",
        "https://user@example.com/acme/lp.git",
        "https://example.com/acme/lp.git",
        "ssh://git@example.com:2222/acme/lp.git",
        "file:///srv/git/lp.git",
        "/srv/git/lp.git",
        "https://example.com/a@b/lp.git",
    ],
)
def test_a_remote_without_credentials_is_accepted_and_shown_as_it_is(url: str) -> None:
    check_remote(url, "[git] remote")
    assert redact_url(url) == url


def test_redact_url_masks_the_password_only() -> None:
    assert redact_url("https://user:secret@example.com/x.git") == "https://user:***@example.com/x.git"
    assert redact_url("ssh://u:p%40ss@host/x") == "ssh://u:***@host/x"
    assert redact_url("https://glpat-abcdef123456@gitlab.com/x") == "https://***@gitlab.com/x"


@pytest.mark.parametrize("url", ["", "--upload-pack=touch /tmp/x", "https://example.com/a b.git"])
def test_a_remote_git_could_take_for_an_option_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match=r"^\[git\] remote: "):
        check_remote(url, "[git] remote")


def test_git_output_is_redacted_before_it_is_quoted() -> None:
    said = (
        "fatal: unable to look up deploy:topsecret@example.com (port 9418)\n"
        "fatal: unable to access 'https://user:hunter22@example.com/x.git/': 403\n"
        "warning: see https://docs.example.com/a:b@c"
    )
    redacted = redact_text(said)
    assert "topsecret" not in redacted and "hunter22" not in redacted
    assert "deploy:***@example.com" in redacted and "https://user:***@example.com/x.git/" in redacted


def test_the_doctests() -> None:
    result = doctest.testmod(git_remote)
    assert result.attempted and not result.failed
