"""``verify``: prove the consumer sees the pushed text, through the Connector API.

1. The expected text: the automatic message LivePerson sends on a new
   conversation (``[verify] message``) for the language and skill, found as
   LivePerson picks it — the skill's override, then the account default, then
   the source language — and, where automsg-sync wrote that unit, the text it
   wrote (so a later edit in the UI shows as a mismatch, with both texts).
   Messages are found through the catalog (``messages.lookup``), so an object
   stored under LivePerson's event id and one stored under its UI name are the
   same message.

   **Which message.** LivePerson sends one of four on a new conversation:
   ``CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME`` to a consumer's first
   conversation ever, ``CONSUMER_OPEN_NEW_CONVERSATION`` to a returning
   consumer (and, as we read it, to a new one when the account has no
   first-time welcome), and their ``…_OFF_HOURS`` twins off hours. verify's
   consumer is new on every run (a fresh ``ext_consumer_id``), so it should
   get the first-time welcome — but verify cannot know the account's hours,
   nor whether LivePerson falls back to the plain welcome. So by default
   (``message = "welcome"``) any of the four is accepted: the received text is
   compared with the expected text of each (first-time, plain, first-time off
   hours, off hours, in that order) and passes if it matches one of them;
   ``received_message`` says which. ``…_AFTER_AUTOCLOSE`` is not among them:
   a new consumer has no auto-closed conversation. Set ``[verify] message``
   to one message (event id or UI name; an old ``"Welcome message"`` is
   ``CONSUMER_OPEN_NEW_CONVERSATION``) to accept that one only; a text that
   is another welcome's is then a mismatch, and the log says whose it is.
2. A webhook listener (:mod:`automsg_sync.webhook`), a real HTTP server that
   accepts only bodies whose ``x-liveperson-signature`` is right — ``sha1=`` (LivePerson's default) or
   ``sha256=`` (some accounts), compared in constant time; anything else gets
   401 — whose ``x-liveperson-account-id`` is the account being verified and
   whose ``x-liveperson-client-id`` is the connector app's client id (else
   403). Refusals are counted and logged, never taken as evidence.
3. An AppJWT, a ConsumerJWS, a conversation requested with the
   ``Client-Properties`` AUTO_MESSAGES header, a first message with the same
   header; then the first ``ContentEvent`` not sent by the consumer and
   visible to them (not ``messageAudience: AGENTS_AND_MANAGERS``) is the
   automatic message. "First" is by the changes' ``sequence``, as deliveries
   may repeat (counted once) or come out of order. Placeholders in the
   expected text match any text.
4. The conversation is closed. Exit 0 on a match, 3 on a mismatch or when
   nothing arrives in time, 1 on an error.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .catalog import PLACEHOLDER
from .config import ANY_WELCOME, AccountSettings, VerifySettings
from .errors import ApiError, ConfigError
from .lp import Connection
from .lp.automessages import AutoMessagesApi
from .lp.connector import (
    ConnectorClient,
)
from .messages import lookup
from .model import AutoMessage, Context, language_key
from .state import StateStore
from .webhook import WebhookListener

log = logging.getLogger("automsg_sync.verify")

PASS, MISMATCH, TIMEOUT, NOTHING_EXPECTED = "pass", "mismatch", "timeout", "no expected text"

# What LivePerson sends on a new conversation, in the order a new consumer's is picked: in working
# hours the first-time welcome, else (no such message) the plain one; off hours their twins.
NEW_CONVERSATION_WELCOMES = (
    "CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME",
    "CONSUMER_OPEN_NEW_CONVERSATION",
    "CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME_OFF_HOURS",
    "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS",
)


def message_id(name: str) -> str:
    """The catalog's id for a message named by event id, UI name or alias (any case); else ``name``.

    >>> message_id("Welcome message"), message_id("first-time welcome message")[-10:]
    ('CONSUMER_OPEN_NEW_CONVERSATION', 'FIRST_TIME')
    >>> message_id("Brand message 7")
    'Brand message 7'
    """
    entry = lookup(name)
    if entry is None:
        return name
    return entry.event_id or entry.name


def accepted_messages(message: str) -> tuple[str, ...]:
    """The messages ``[verify] message`` accepts, as :func:`message_id` gives them.

    >>> accepted_messages("welcome") == NEW_CONVERSATION_WELCOMES
    True
    >>> accepted_messages("Welcome message")
    ('CONSUMER_OPEN_NEW_CONVERSATION',)
    """
    wanted = message.strip()
    if not wanted or wanted.casefold() == ANY_WELCOME:
        return NEW_CONVERSATION_WELCOMES
    return (message_id(wanted),)


@dataclass(frozen=True)
class Expected:
    unit_key: str
    language: str
    text: str
    origin: str  # "pushed by automsg-sync (run …)" or "live"
    live: str
    message: str = ""  # the catalog id (message_id) of the unit's message


@dataclass(frozen=True)
class VerifyResult:
    account: str
    language: str
    skill: str | None
    message: str
    webhook_url: str
    conversation_id: str | None
    expected: Expected | None
    received: str | None
    status: str
    rejected_webhooks: int
    duplicate_webhooks: int = 0  # changes delivered more than once, counted once
    hidden_events: int = 0  # AGENTS_AND_MANAGERS ContentEvents, not what the consumer saw
    accepted_messages: tuple[str, ...] = ()  # the catalog ids a pass may be
    received_message: str | None = None  # whose expected text the received one matched, if any
    alternatives: tuple[Expected, ...] = ()  # the other accepted messages' expected texts

    @property
    def exit_code(self) -> int:
        return 0 if self.status == PASS else 3

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k not in ("expected", "alternatives")}
        out["expected"] = vars(self.expected) if self.expected else None
        out["accepted_messages"] = list(self.accepted_messages)
        out["alternatives"] = [vars(e) for e in self.alternatives]
        return out


def matches(expected: str, received: str) -> bool:
    """Does a received text match the expected one, placeholders matching any text?

    >>> matches("{agentNickname} has joined.", "Alex has joined.")
    True
    """
    parts = PLACEHOLDER.split(expected.strip())
    pattern = ".+?".join(re.escape(p) for p in parts)
    return re.fullmatch(pattern, received.strip(), re.S) is not None


def expected_texts(
    conn: Connection,
    account: AccountSettings,
    state: StateStore,
    messages: Sequence[str],
    language: str,
    skill: str | None,
) -> list[Expected]:
    """The text LivePerson should show for each of ``messages`` (catalog ids) it has one for, in order.

    Each as LivePerson picks it — the skill's override, then the account
    default; the language, then the source language — preferring what
    automsg-sync pushed. An object is a message's when its ``messageEventId``
    is that message through the catalog (an event id or a UI name alike).
    """
    listing = AutoMessagesApi(conn, account.api).list_by_context()
    assert listing.contexts is not None
    order = ([Context.skill(skill)] if skill else []) + [Context.account()]
    out: list[Expected] = []
    for message in dict.fromkeys(messages):
        found = _expected(listing.contexts, order, account, state, message, language)
        if found is not None:
            out.append(found)
    return out


def _expected(
    contexts: dict[Context, list[AutoMessage]],
    order: list[Context],
    account: AccountSettings,
    state: StateStore,
    message: str,
    language: str,
) -> Expected | None:
    for lang in (language, account.source_language):
        for context in order:
            found = next(
                (
                    m
                    for m in contexts.get(context, [])
                    if message_id(m.message_event_id) == message and not m.deleted and m.enabled
                ),
                None,
            )
            text = found.text(lang) if found is not None else None
            if found is None or text is None or not text.msg:
                continue
            key = f"{context.key}|{found.message_event_id}"
            pushed = state.pushed(account.id, key, lang)
            if pushed is not None:
                origin = f"pushed by automsg-sync (run {pushed[1]})"
                return Expected(key, lang, pushed[0], origin, text.msg, message)
            return Expected(key, lang, text.msg, "live", text.msg, message)
    return None


def verify(
    conn: Connection,
    account: AccountSettings,
    state: StateStore,
    options: VerifySettings,
    *,
    language: str,
    skill: str | None = None,
) -> VerifyResult:
    """One test conversation: did the consumer see the expected text of an accepted message?

    ``options.message`` says which messages are accepted (:func:`accepted_messages`;
    by default any of the four new-conversation welcomes, see the module's
    docstring). The result's ``expected`` is the matched message's expected
    text on a pass, else the first accepted message's that has one.

    The steps: the settings checked; the expected texts (:func:`expected_texts`);
    the conversation, heard through a :class:`WebhookListener`; the received text
    judged (:func:`_judged`).
    """
    if not account.connector_client_id or account.connector_client_secret is None:
        raise ConfigError(
            "verify needs the connector app's credentials: AUTOMSG_CONNECTOR_CLIENT_ID and "
            "AUTOMSG_CONNECTOR_CLIENT_SECRET (or the account's connector_client_*_env keys)"
        )
    host, _, port = options.listen.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"--listen: expected HOST:PORT, got {options.listen!r}")
    accepted = accepted_messages(options.message)
    if options.message.strip().casefold() != ANY_WELCOME and lookup(options.message) is None:
        log.info("[verify] message %r is not in the message catalog: matched as it is", options.message)
    # The other welcomes too, to say whose text arrived when it is not an accepted message's.
    known = expected_texts(conn, account, state, accepted + NEW_CONVERSATION_WELCOMES, language, skill)
    candidates = [e for e in known if e.message in accepted]
    client = ConnectorClient(
        conn.http, conn.domains, account.connector_client_id, account.connector_client_secret
    )
    with WebhookListener(
        host, int(port), account.connector_client_secret, account.id, account.connector_client_id
    ) as hook:
        url = options.public_url or hook.url
        log.info("webhook listener at %s (reachable as %s)", hook.url, url)
        client.login(f"automsg-verify-{secrets.token_hex(6)}")
        conversation = client.open_conversation(
            language=language, skill=skill, first_message="automsg-sync verify: hello"
        )
        received = hook.wait_for_automatic(conversation, options.timeout)
        try:
            client.close(conversation)
        except ApiError as exc:  # the result stands; an open test conversation times out by itself
            log.warning("could not close the test conversation %s: %s", conversation, exc)
        rejected, duplicates, hidden = hook.rejected, hook.duplicates, hook.hidden
    status, expected, matched = _judged(known, candidates, accepted, received, options.message)
    return VerifyResult(
        account.id,
        language,
        skill,
        options.message,
        url,
        conversation,
        expected,
        received,
        status,
        rejected,
        duplicates,
        hidden,
        accepted,
        matched.message if matched is not None else None,
        tuple(e for e in candidates if e is not expected),
    )


def _judged(
    known: list[Expected],
    candidates: list[Expected],
    accepted: tuple[str, ...],
    received: str | None,
    message: str,
) -> tuple[str, Expected | None, Expected | None]:
    """The status, the expected text to report, and the expected text the received one
    matched (any known message's, accepted or not; None if none)."""
    matched = next((e for e in known if received is not None and matches(e.text, received)), None)
    expected = candidates[0] if candidates else None
    if not candidates:
        status = NOTHING_EXPECTED
    elif received is None:
        status = TIMEOUT
    elif matched is not None and matched.message in accepted:
        status, expected = PASS, matched
    else:
        status = MISMATCH
        if matched is not None:
            log.warning(
                "the text received is %s's (%s), not an accepted message's (%s); [verify] message = %r",
                matched.message,
                matched.unit_key,
                ", ".join(accepted),
                message,
            )
    return status, expected, matched


def languages_to_verify(applied: Iterable[tuple[str, str]], message: str) -> list[tuple[str, str | None]]:
    """(language, skill) pairs where an apply wrote a message ``[verify] message`` accepts:
    what cron verifies after it."""
    accepted = set(accepted_messages(message))
    out = set()
    for key, language in applied:
        context, _, event = key.partition("|")
        if message_id(event) in accepted:
            skill = Context.parse(context).skill_id
            out.add((language, skill))
    return sorted(out, key=lambda x: (language_key(x[0]), x[1] or ""))
