"""Talking to a running emulator from the command line, through its test hooks
(:mod:`.routes.hooks`): ``automsg-sync emulator edit``, a human's edit in LivePerson's UI."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ..config import HttpSettings
from ..errors import ApiError, ConfigError
from ..jsonio import loads
from ..languages import check_language
from ..lp.http import HttpClient
from ..urls import is_loopback

EDIT_HTTP = HttpSettings(timeout=10.0, retry_waits=())  # sent once: a retry could edit twice


@dataclass(frozen=True)
class Edited:
    """What an edit did: on which emulator, the language as normalised, the new revision."""

    url: str
    language: str
    revision: str


def ui_edit(
    url: str | None, account_id: str | None, context: str, message: str, language: str, text: str
) -> Edited:
    """MESSAGE in LANGUAGE of ``context`` (``account`` or ``skill/ID``) becomes ``text`` on
    the emulator at ``url`` (loopback only), in a new revision; every refusal said in words."""
    url = _loopback_url(url)
    if not account_id:
        raise ConfigError("no account: give --account or set AUTOMSG_ACCOUNT")
    if context != "account" and not (context.startswith("skill/") and context[6:].isdigit()):
        raise ConfigError(f"--context {context}: write account or skill/ID (e.g. skill/7)")
    lang = check_language(language, "LANGUAGE")
    hook = f"{url}/_emulator/accounts/{quote(account_id, safe='')}/ui-edit"
    body = {"context": context, "messageEventId": message, "lang": lang, "msg": text}
    answer = HttpClient(EDIT_HTTP).request("POST", hook, json=body, ok=(200, 400, 404))
    if answer.status_code != 200:
        raise ApiError(f"the emulator at {url} {_refusal(answer.text, account_id, context, message)}")
    return Edited(url, lang, str(loads(answer.text).get("revision", "?")))


def _loopback_url(url: str | None) -> str:
    """``--url`` without its trailing ``/``, if it is an emulator on this machine; else a ConfigError."""
    if not url:
        raise ConfigError("no emulator: give --url or set AUTOMSG_CSDS_URL (e.g. http://127.0.0.1:8080)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not is_loopback(parts.hostname or ""):
        raise ConfigError(
            f"--url {url}: not an emulator on this machine; edit talks to a loopback address only"
        )
    return url.rstrip("/")


def _refusal(answer: str, account_id: str, context: str, message: str) -> str:
    """What the emulator's refusal means, in words (:func:`.routes.hooks.hook_ui_edit` says
    ``cannot edit: …``, with ``unknown account`` when there is no such account)."""
    try:
        said = str(loads(answer)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        said = answer.strip()
    if "unknown account" in said:
        return f"has no account {account_id}"
    if said.startswith("cannot edit"):
        return f"has no message {message} (context {context}, account {account_id})"
    return f"refused the edit: {said}"
