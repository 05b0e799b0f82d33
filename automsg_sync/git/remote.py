"""The ``[git]`` values checked before git ever runs, and the redaction of git URLs.

Credentials come from git's own mechanisms (ssh keys, credential helpers,
``GIT_ASKPASS``), never from the tool's configuration: :func:`check_remote`
refuses a URL carrying a password or token, and every URL the git package
prints, git's own error output included, is redacted first (:func:`redact_url`,
:func:`redact_text`). ``config.py`` checks ``[git] remote`` and ``author`` here
when the file is loaded; :class:`~automsg_sync.git.WorkingCopy` checks them
again when it is made.
"""

from __future__ import annotations

import re

from ..errors import ConfigError

MASK = "***"

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
# user names that are access tokens (GitHub, GitLab): a secret even without a password
_TOKEN_USER = re.compile(r"(?:gh[pousr]_|github_pat_|glpat-|gldt-|glcbt-)\w", re.IGNORECASE)
# a URL inside free text (git's error output): scheme, then user information up to "@"
_URL_USERINFO = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://)([^\s/@]+)@")
# user:password@host without a scheme (git 2.39: "unable to look up deploy:pw@host" for git://)
_BARE_USERINFO = re.compile(r"(?<![\w/.:%~+-])([\w.~%+-]+):([^\s/@'\"]+)@(?=[\w\[])")


def _mask_userinfo(userinfo: str) -> str:
    user, colon, _ = userinfo.partition(":")
    if _TOKEN_USER.match(user):
        user = MASK
    return f"{user}:{MASK}" if colon else user


def _userinfo(url: str) -> str | None:
    """The user information of a URL (``user:password``), or None."""
    scheme, sep, rest = url.partition("://")
    if sep and _SCHEME.fullmatch(scheme):
        netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
        userinfo, at, _ = netloc.rpartition("@")
        return userinfo if at else None
    head, at, _ = url.partition("@")  # scp-like: [user@]host:path
    return head if at and "/" not in head else None


def redact_url(url: str) -> str:
    """``url`` with a password, or a user name that is a token, masked.

    >>> redact_url("https://user:secret@example.com/a.git"), redact_url("git@example.com:a/b.git")
    ('https://user:***@example.com/a.git', 'git@example.com:a/b.git')
    """
    userinfo = _userinfo(url)
    if userinfo is None:
        return url
    masked = _mask_userinfo(userinfo)
    return url if masked == userinfo else url.replace(userinfo + "@", masked + "@", 1)


def redact_text(text: str, *urls: str) -> str:
    """Free text (git's output) with every URL's password masked, and each of ``urls``
    (spelled exactly, in whatever form) replaced by its redacted spelling."""
    for url in urls:
        if url:
            text = text.replace(url, redact_url(url))
    text = _URL_USERINFO.sub(lambda m: m.group(1) + _mask_userinfo(m.group(2)) + "@", text)
    return _BARE_USERINFO.sub(lambda m: _mask_userinfo(f"{m.group(1)}:{m.group(2)}") + "@", text)


def check_remote(url: str, where: str) -> None:
    """Refuse a remote URL that carries a password or a token (ConfigError naming ``where``),
    or that git could take for an option; the secret itself is never shown."""
    if not url.strip():
        raise ConfigError(f"{where}: the remote URL is empty")
    if url.startswith("-") or any(c.isspace() or ord(c) < 0x20 for c in url):
        raise ConfigError(
            f"{where}: {redact_url(url)!r} is not a remote URL (it starts with '-' or holds spaces)"
        )
    userinfo = _userinfo(url)
    if userinfo is not None and _mask_userinfo(userinfo) != userinfo:
        raise ConfigError(
            f"{where}: the remote URL {redact_url(url)} carries a password or token; credentials "
            "are never kept in the configuration: they come from git's own mechanisms (an ssh "
            "key, a credential helper, GIT_ASKPASS). Write the URL without it."
        )


_AUTHOR = re.compile(r"\s*([^<>]*?)\s*<([^<>\s]+@[^<>\s]+)>\s*")


def parse_author(author: str, where: str = "[git] author") -> tuple[str, str]:
    """``"Name <email>"`` → (name, email); ConfigError otherwise."""
    match = _AUTHOR.fullmatch(author)
    if not match or not match.group(1):
        raise ConfigError(f"{where}: {author!r} is not 'Name <email>'")
    return match.group(1), match.group(2)
