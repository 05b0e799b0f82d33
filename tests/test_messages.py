"""The catalog of LivePerson's automatic messages, and what it decides: channel, QA rules, notes."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from automsg_sync import catalog, messages
from automsg_sync.catalog import build_units, channel_of, placeholders
from automsg_sync.messages import CHAT, CITATIONS, ENTRIES, EVENT_SOURCE, MESSAGING, Entry, lookup
from automsg_sync.model import AutoMessage, Context
from automsg_sync.qa import ERROR, QAContext, check_translation, surely_clean

# LivePerson Functions' "Automatic Messages" event source, its whole table
MESSAGING_IDS = {
    "CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME_OFF_HOURS",
    "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS",
    "CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME",
    "CONSUMER_OPEN_NEW_CONVERSATION",
    "CONSUMER_OPEN_NEW_CONVERSATION_AFTER_AUTOCLOSE",
    "AGENT_END_CONVERSATION",
    "CONSUMER_END_CONVERSATION",
    "SYSTEM_END_CONVERSATION",
    "ENGAGEMENT_TRANSFERED",
    "YOU_ARE_CONNECTED_TO",
    "BACK_TO_QUEUE",
    "JOINED_AGENT_LEFT_CONVERSATION",
    "ANOTHER_AGENT_JOINED_CONVERSATION",
    "AGENT_UPDATED_RESPONSE_TIME",
    "CONSUMER_CANCELED_URGENT_RESPONSE_TIME",
    "CONSUMER_ASKED_URGENT_RESPONSE_TIME",
    "CONSUMER_SEND_MESSAGE_ON_OFFHOURS",
    "CONV_AWAITING_IN_QUEUE",
    "AGENT_NON_RESPONSIVE",
    "CONSUMER_NON_RESPONSIVE",
    "CONSUMER_STEP_UP",
}
# the names catalog.CHAT_MESSAGES held before the catalog (the sample data's ids)
FORMER_CHAT_NAMES = [
    "routing to an agent",
    "waiting for an available agent",
    "agents unavailable",
    "transferred to skill",
    "transferred to agent",
    "re-queued",
    "agent accepts chat",
    "disconnected",
    "non-responsive fair warning",
    "non-responsive final warning",
    "on-hold message #1",
    "on-hold message #2",
    "on-hold message #3",
]


# ------------------------------------------------------------------ the catalog


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_every_entry_cites_where_liveperson_documents_it(entry: Entry) -> None:
    cited = entry.source.split("; ")
    assert cited and all(c in CITATIONS for c in cited), entry.source
    assert entry.channel in (MESSAGING, CHAT)
    assert entry.name and entry.sent_when and not entry.sent_when.endswith(".")
    if entry.channel == MESSAGING:
        assert EVENT_SOURCE in cited  # where its id comes from
    for placeholder in entry.placeholders:
        assert placeholders(placeholder) == [placeholder]
        assert entry.default_text is None or entry.channel == CHAT or placeholder in entry.default_text


def test_the_21_messaging_event_ids_are_there() -> None:
    ids = {e.event_id for e in ENTRIES if e.channel == MESSAGING}
    assert ids == MESSAGING_IDS
    assert len(MESSAGING_IDS) == 21


def test_lookup_by_id_and_by_ui_name_in_any_case() -> None:
    welcome = lookup("CONSUMER_OPEN_NEW_CONVERSATION")
    assert welcome is not None and welcome.name == "Welcome message" and welcome.channel == MESSAGING
    assert lookup("consumer_open_new_conversation") is welcome
    assert lookup(" welcome MESSAGE ") is welcome
    started = lookup("chat_started")
    assert started is not None and started.event_id == "CHAT_STARTED" and started.channel == CHAT
    assert lookup("Agent accepts the engagement") is started
    assert lookup("CONSUMER_OPEN_NEW_CONVERSATION_AFTER_AUTOCLOSE") is not welcome
    assert lookup("Message 7") is None


def test_the_names_used_so_far_keep_their_channel() -> None:
    assert [lookup(name).channel for name in FORMER_CHAT_NAMES] == [CHAT] * len(FORMER_CHAT_NAMES)  # type: ignore[union-attr]
    assert lookup("Welcome message").channel == MESSAGING  # type: ignore[union-attr]


def test_a_name_that_would_mean_two_messages_is_refused() -> None:
    twin = Entry("OTHER", "welcome message", "never", MESSAGING, EVENT_SOURCE)
    with pytest.raises(ValueError, match="'welcome message' names both"):
        messages._index((*ENTRIES, twin))


def test_the_legacy_api_is_the_one_lp_names_so() -> None:
    from automsg_sync.lp.automessages import LEGACY

    assert messages.LEGACY_API == LEGACY


def test_the_doctests() -> None:
    for module in (messages, catalog):
        result = doctest.testmod(module)
        assert result.attempted and not result.failed, module


# ------------------------------------------------------------------ the channel


def test_channel_of_a_known_id_is_the_catalogs() -> None:
    # each source alone would be guessed the other way
    assert channel_of("CHAT_STARTED", "You are chatting with {agentNickname}") == CHAT
    assert channel_of("CONSUMER_OPEN_NEW_CONVERSATION", "Hi {name}") == MESSAGING


@pytest.mark.parametrize("event", ["CONSUMER_OPEN_NEW_CONVERSATION", "Welcome message", "Message 7"])
def test_every_message_read_through_the_legacy_api_is_chat(event: str) -> None:
    assert channel_of(event, "Hi {agentNickname}", api="auto-messages") == CHAT
    assert channel_of(event, "Hi {agentNickname}", api="unified-auto-messages") == MESSAGING


def test_an_unknown_id_is_guessed_from_its_placeholders() -> None:
    assert channel_of("Message 7", "Hi {name}, you are number {PlaceInQ}") == CHAT
    assert channel_of("Message 7", "Hi {name}, reply within {expectedResponseTime}") == MESSAGING
    assert channel_of("Message 7", "Hi") == MESSAGING


# ------------------------------------------------------------------ QA


def qa(source: str, target: str, event: str, api: str | None = None) -> dict[str, str]:
    ctx = QAContext("f.po", 3, f"account|{event}", "fr-FR", event, api=api)
    return {f.check: f.message for f in check_translation(source, target, ctx)}


def test_a_chat_text_may_keep_its_sources_tags() -> None:
    source, target = "Busy. <b>Try later.</b>", "Occupé. <b>Réessayez.</b>"
    assert qa(source, target, "CHAT_STARTED") == {}
    assert qa(source, target, "Message 7", api="auto-messages") == {}
    assert "messaging-html" in qa(source, target, "CONSUMER_OPEN_NEW_CONVERSATION")
    assert "messaging-html" in qa(source, target, "Message 7")
    assert qa(source, "Occupé. Réessayez.", "CHAT_STARTED") == {"chat-tags": "drops HTML tag <b>"}


def test_a_dropped_spaced_placeholder_is_an_error() -> None:
    source = "You are chatting with {agent name}"
    ctx = QAContext("f.po", 3, "account|CHAT_STARTED", "fr-FR", "CHAT_STARTED")
    [finding] = check_translation(source, "Vous discutez avec un agent", ctx)
    assert (finding.check, finding.severity, finding.message) == (
        "placeholders",
        ERROR,
        "missing placeholder {agent name}",
    )
    assert not surely_clean(source, "Vous discutez avec un agent")
    assert check_translation(source, "Vous discutez avec {agent name}", ctx) == []
    assert surely_clean(source, "Vous discutez avec {agent name}")


def test_translate_toolkit_does_not_see_spaced_placeholders() -> None:
    """Why the check is ours: the toolkit's ``variables`` passes a dropped ``{agent name}``."""
    from automsg_sync.qa import _checker

    assert _checker.variables("You are chatting with {agent name}", "Vous discutez avec")


def test_spaced_placeholders_added_renamed_repeated_and_moved() -> None:
    event = "CHAT_STARTED"
    assert qa("Hi {agent name}", "Salut {nombre del agente}", event) == {
        "placeholders": "missing placeholder {agent name}; adds placeholder {nombre del agente} (not in the source)"
    }
    assert qa("Hi", "Salut {agent name}", event) == {
        "placeholders": "adds placeholder {agent name} (not in the source)"
    }
    assert qa("Hi {agent name}", "Salut {agent name} {agent name}", event) == {
        "placeholders": "repeats placeholder {agent name}"
    }
    assert qa("Hi {a b} and {c d}", "Salut {c d} et {a b}", event) == {
        "placeholders": "placeholders not in the source's order ({a b}, {c d})"
    }


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("with {agent name}", ["{agent name}"]),
        ("{agentNickname} and {first_name 2}", ["{agentNickname}", "{first_name 2}"]),
        ("{ }, {agent  name}, { agent}, {agent }", []),
        ('{"agent": "name"}, {a: b}, {a, b}', []),
        ("{_}, {_ _}", []),
    ],
)
def test_what_counts_as_a_placeholder(text: str, found: list[str]) -> None:
    assert placeholders(text) == found


def test_verify_matches_a_spaced_placeholder_with_any_text() -> None:
    from automsg_sync.verify import matches

    assert matches("You are chatting with {agent name}", "You are chatting with Alex")


PIECES = [
    "Hi",
    "Salut",
    " ",
    "{agent name}",
    "{a b}",
    "{x}",
    "{ }",
    "{agent  name}",
    "{",
    "}",
    "<b>",
    "!",
    "é",
]


@given(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6),
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6),
)
def test_surely_clean_agrees_with_the_checks_on_spaced_placeholders(
    source: list[str], target: list[str]
) -> None:
    s, t = "".join(source), "".join(target)
    for event in ("CONSUMER_OPEN_NEW_CONVERSATION", "CHAT_STARTED"):
        found = qa(s, t, event)
        if surely_clean(s, t):
            assert found == {}, (s, t, event)
        if "placeholders" in found:
            assert found["placeholders"].startswith(
                ("missing placeholder", "adds placeholder", "repeats placeholder", "placeholders not in")
            ), found


# ------------------------------------------------------------------ notes for translators


def notes(event: str, source: str, api: str | None = None) -> tuple[str, ...]:
    message = AutoMessage({"id": 1, "messageEventId": event, "data": [{"lang": "en-US", "msg": source}]})
    units = build_units({Context.account(): [message]}, {}, "en-US", ["fr-FR"], {}, api=api)
    [unit] = units
    return unit.notes


def test_notes_give_the_ui_name_and_when_it_is_sent() -> None:
    got = notes(
        "CONSUMER_OPEN_NEW_CONVERSATION", "Thanks. An agent should reply within {expectedResponseTime}."
    )
    assert got[:2] == (
        "Message: CONSUMER_OPEN_NEW_CONVERSATION (Welcome message)",
        "Sent when: a returning consumer opens a conversation during working hours",
    )
    assert "Channel: messaging (no HTML, no line breaks, none of < > \\)" in got
    assert "Placeholders to keep: {expectedResponseTime}" in got


def test_notes_of_a_chat_message_known_by_its_ui_name() -> None:
    got = notes("Agents unavailable", "No agent now. <b>Try later.</b>")
    assert got[0] == "Message: Agents unavailable (Chat agents currently unavailable)"
    assert got[1] == "Sent when: the visitor has waited for an available agent for the set time"
    assert "Channel: chat (HTML allowed; keep the source's tags)" in got
    welcome = notes("Welcome message", "Thanks.")
    assert welcome[0] == "Message: Welcome message"  # the id is the name: said once
    assert "Placeholders to keep: {agent name}" in notes("CHAT_STARTED", "You are chatting with {agent name}")


def test_notes_say_when_the_channel_is_a_guess() -> None:
    got = notes("Message 7", "Hello")
    assert got[0] == "Message: Message 7"
    assert not any(n.startswith("Sent when") for n in got)
    assert (
        "Channel: messaging (guessed: not in LivePerson's catalog; no HTML, no line breaks, none of < > \\)"
        in got
    )
    legacy = notes("Message 7", "Hello", api="auto-messages")
    assert (
        "Channel: chat (read through LivePerson's legacy chat API; HTML allowed; keep the source's tags)"
        in legacy
    )
