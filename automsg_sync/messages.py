"""LivePerson's automatic messages: what each one is, when it is sent, which channel's rules apply.

One :class:`Entry` per message, each citing where LivePerson documents it. The
documents never connect their two vocabularies, so this catalog does, and says
so where it does (``Entry.inferred``):

- Messaging: the 21 event ids are LivePerson Functions' "Automatic Messages"
  event source (:data:`EVENT_SOURCE`); the names the UI shows, default texts
  and triggers are the Knowledge Center's messaging guide (:data:`MESSAGING_KC`).
  Which id is which name is our reading of the two. Five ids have no entry in
  the guide; their names here are ours, from the id and the Functions event
  it maps to.
- Chat (LivePerson's legacy chat product): names, default texts, triggers and
  placeholders ("dynamic text") are the Knowledge Center's chat page
  (:data:`CHAT_KC`). The API pages' examples give two chat ids, ``CHAT_STARTED``
  and ``On-hold message #1``; no other chat id is documented.

``aliases`` are other names a message is known by here: the Knowledge Center's
other wording, and the short names this tool's sample data uses as ids (not
LivePerson's). No document states a maximum length for any message.

>>> lookup("consumer_open_new_conversation").name
'Welcome message'
>>> lookup("Agents unavailable").channel
'chat'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MESSAGING = "messaging"
CHAT = "chat"
# The legacy Automatic Messages API, as lp.automessages.LEGACY names it: LivePerson's
# "legacy chat product" (its live overview's banner), so every message it holds is chat.
LEGACY_API = "auto-messages"

EVENT_SOURCE = (
    "developers.liveperson.com/liveperson-functions-event-sources-automatic-messages.html "
    "(LivePersonInc/developer-center pages/Documents/DeveloperTools/LivePersonFunctions/"
    "EventSources/automatic-messages.md)"
)
MESSAGING_KC = (
    "knowledge.liveperson.com/contact-center-management-messaging-operations-automatic-messages-"
    "automatic-messages-configuration.html (full text: LivePersonInc/knowledge-center-archive, "
    "contact-center-management-messaging-operations-automatic-messages-automatic-messages-"
    "configuration-guide.html, 2019)"
)
CHAT_KC = (
    "knowledge.liveperson.com/contact-center-management-live-chat-operations-automatic-messages.html "
    "(full text: LivePersonInc/knowledge-center-archive, same permalink, 2019)"
)
UAM_EXAMPLES = (
    "developers.liveperson.com/unified-automatic-messages-api-methods-get-unified-automatic-messages.html "
    "(pages/Documents/ContactCenterManagement/UnifiedAutomaticMessagesAPI/Methods/"
    "get-unified-automatic-messages.md)"
)
AM_EXAMPLES = (
    "LivePersonInc/developer-center pages/Documents/ContactCenterManagement/AutomaticMessagesAPI/"
    "Methods/get-automatic-messages.md"
)
CITATIONS = (EVENT_SOURCE, MESSAGING_KC, CHAT_KC, UAM_EXAMPLES, AM_EXAMPLES)


@dataclass(frozen=True)
class Entry:
    """One automatic message.

    ``event_id`` is the ``messageEventId`` LivePerson uses (None where no document
    gives one); ``name`` the name the UI shows (for the five messaging ids the
    Knowledge Center does not list, a name of ours); ``sent_when`` one short
    sentence; ``placeholders`` those the Knowledge Center names for the message
    (chat), or its documented default text holds (messaging: the guide lists
    ``{expectedResponseTime}`` and ``{agentNickname}`` for messages in general);
    ``limits`` what the documents limit; ``source`` the citations, ``; ``-separated;
    ``inferred`` what of the entry is our reading, not LivePerson's words.
    """

    event_id: str | None
    name: str
    sent_when: str
    channel: str
    source: str
    placeholders: tuple[str, ...] = ()
    default_text: str | None = None
    limits: tuple[str, ...] = ()
    inferred: str = ""
    aliases: tuple[str, ...] = ()


_MESSAGING_LIMITS = (
    "no HTML, no line breaks, none of < > \\ (the message may not be sent)",
    "not shown when the response time is overdue and the text holds {expectedResponseTime}",
)
_TIMER = "timer: at least 15 seconds; can differ per skill"
_CHAT_TIMEOUT = "timeout 180 seconds by default; can be disabled"
_MAPPED = "the id ↔ name mapping is our reading of the two documents"


def _messaging(
    event_id: str,
    name: str,
    when: str,
    default: str | None = None,
    *,
    limits: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    inferred: str = _MAPPED,
) -> Entry:
    return Entry(
        event_id=event_id,
        name=name,
        sent_when=when,
        channel=MESSAGING,
        source=f"{EVENT_SOURCE}; {MESSAGING_KC}" if default else EVENT_SOURCE,
        placeholders=tuple(dict.fromkeys(re.findall(r"\{[A-Za-z]+\}", default or ""))),
        default_text=default,
        limits=_MESSAGING_LIMITS + limits,
        inferred=inferred,
        aliases=aliases,
    )


def _unlisted(event_id: str, name: str, when: str, event: str) -> Entry:
    """A messaging id the Knowledge Center guide does not list: name and trigger are ours."""
    return _messaging(
        event_id,
        name,
        when,
        inferred=f"name and trigger are ours, from the id and its Functions event ({event})",
    )


def _chat(
    name: str,
    when: str,
    default: str,
    placeholders: tuple[str, ...] = (),
    *,
    event_id: str | None = None,
    source: str = CHAT_KC,
    limits: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    inferred: str = "",
) -> Entry:
    return Entry(event_id, name, when, CHAT, source, placeholders, default, limits, inferred, aliases)


_WAIT = ("{AvgWaitMinutes}", "{AvgWaitSeconds}", "{QueueLength}", "{PlaceInQ}")
_REQUEUED = (
    "There is a problem connecting with {name}. Please wait while your chat is transferred to another agent."
)

ENTRIES: tuple[Entry, ...] = (
    # ---------------------------------------------------------------- messaging, new conversations
    _messaging(
        "CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME",
        "First time welcome message",
        "a consumer opens a conversation for the first time ever, during working hours",
        "Welcome! We're excited to offer you messaging, allowing you to reply to us in your own time. "
        "An agent should reply within {expectedResponseTime}",
        aliases=("First-time welcome message",),
    ),
    _messaging(
        "CONSUMER_OPEN_NEW_CONVERSATION",
        "Welcome message",
        "a returning consumer opens a conversation during working hours",
        "Thank you for messaging us. An agent should reply within {expectedResponseTime}.",
    ),
    _unlisted(
        "CONSUMER_OPEN_NEW_CONVERSATION_AFTER_AUTOCLOSE",
        "Welcome message after auto close",
        "a consumer opens a new conversation after their last one was closed automatically",
        "Messaging new conversation",
    ),
    # ---------------------------------------------------------------- messaging, off hours
    _messaging(
        "CONSUMER_OPEN_NEW_CONVERSATION_FIRST_TIME_OFF_HOURS",
        "First time off hours welcome message",
        "a consumer opens a conversation for the first time ever, during off hours",
        "Welcome! Although our contact center is currently closed, we're excited to offer you messaging, "
        "allowing you to reply in your own time. An agent should reply within {expectedResponseTime}",
    ),
    _messaging(
        "CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS",
        "Off hours welcome message",
        "a returning consumer opens a conversation during off hours",
        "Thank you for messaging us. Our contact center is currently closed. "
        "An agent should reply within {expectedResponseTime}.",
        aliases=("Off-hours welcome message",),
    ),
    _messaging(
        "CONSUMER_SEND_MESSAGE_ON_OFFHOURS",
        "Off hours message mid conversation",
        "the consumer writes in an open conversation during off hours",
        "Sorry, our contact center is currently closed. An agent should reply within {expectedResponseTime}.",
        aliases=("Off-hours mid-conversation message",),
    ),
    # ---------------------------------------------------------------- messaging, time to respond
    _messaging(
        "AGENT_UPDATED_RESPONSE_TIME",
        "Manual response time update",
        "the agent sets the response time by hand",
        "An agent should respond within {expectedResponseTime}.",
    ),
    _messaging(
        "CONSUMER_ASKED_URGENT_RESPONSE_TIME",
        "Conversation marked as urgent",
        "the consumer marks the conversation as urgent",
        "You have marked this conversation as urgent. An agent should respond within {expectedResponseTime}.",
        aliases=("Marked urgent message",),
    ),
    _messaging(
        "CONSUMER_CANCELED_URGENT_RESPONSE_TIME",
        "Conversation no longer urgent",
        "the consumer dismisses the conversation's urgent state",
        "You have marked this conversation as not urgent. "
        "An agent should respond within {expectedResponseTime}.",
    ),
    # ---------------------------------------------------------------- messaging, non-responsive
    _messaging(
        "CONSUMER_NON_RESPONSIVE",
        "Consumer non-responsive message",
        "the consumer has not written for the set time since an agent last wrote",
        "We haven't heard from you in a while. Do you still need help with something?",
        limits=(_TIMER,),
    ),
    _messaging(
        "AGENT_NON_RESPONSIVE",
        "Agent non-responsive message",
        "the assigned agent has not replied for the set time since assignment or the consumer's message",
        "Sorry it's taking longer than expected to reply. Your agent will respond shortly.",
        limits=(_TIMER,),
    ),
    _messaging(
        "CONV_AWAITING_IN_QUEUE",
        "Waiting in queue message",
        "the conversation has waited unassigned in a queue for the set time",
        "Sorry our wait times are longer than expected. You will be connected to an agent shortly.",
        limits=(_TIMER,),
        aliases=("Time in queue",),
    ),
    # ---------------------------------------------------------------- messaging, transfers and agents
    _messaging(
        "ENGAGEMENT_TRANSFERED",  # sic: LivePerson's spelling
        "Conversation transferred to a different agent",
        "an agent transfers the conversation",
        "You are being transferred to another agent",
        aliases=("Transferred to a different agent message",),
    ),
    _messaging(
        "BACK_TO_QUEUE",
        "Conversation returned to queue",
        "the agent returns the conversation to the queue",
        "Sorry, your agent can't respond right now. "
        "Another agent will be with you in {expectedResponseTime}.",
    ),
    _messaging(
        "YOU_ARE_CONNECTED_TO",
        "Agent accepts conversation",
        "the conversation is assigned to an agent",
        "You are now connected to {agentNickname}.",
        aliases=("Agent accepts message",),
    ),
    _messaging(
        "ANOTHER_AGENT_JOINED_CONVERSATION",
        "Agent manager joins conversation",
        "an agent manager or another agent joins the conversation",
        "{agentNickname} joined the conversation.",
    ),
    _messaging(
        "JOINED_AGENT_LEFT_CONVERSATION",
        "Agent manager leaves conversation",
        "the agent manager or agent who joined leaves the conversation",
        "{agentNickname} left the conversation.",
    ),
    # ---------------------------------------------------------------- messaging, not in the guide
    _unlisted(
        "AGENT_END_CONVERSATION",
        "Conversation ended by the agent",
        "the agent ends the conversation",
        "Messaging conversation end",
    ),
    _unlisted(
        "CONSUMER_END_CONVERSATION",
        "Conversation ended by the consumer",
        "the consumer ends the conversation",
        "Messaging conversation end",
    ),
    _unlisted(
        "SYSTEM_END_CONVERSATION",
        "Conversation ended by the system",
        "the system ends the conversation",
        "Messaging conversation end",
    ),
    _unlisted(
        "CONSUMER_STEP_UP",
        "Consumer step up",
        "the consumer steps up in the conversation",
        "Messaging consumer step up",
    ),
    # ---------------------------------------------------------------- chat, system messages
    _chat(
        "Engagement disconnected by agent",
        "the agent closes or ends the chat",
        "Thank you for chatting with us.",
    ),
    _chat(
        "Routing chat to an agent",
        "before the chat starts, when the visitor is routed to an agent",
        "Thank you for choosing to chat with us. An agent will be with you shortly.",
        _WAIT,
        aliases=("Routing to an agent",),
    ),
    _chat(
        "Waiting for an available agent",
        "before the chat starts, while the visitor waits for an available agent",
        "All agents are currently assisting others. Your estimated wait time is {AvgWaitMinutes} minutes "
        "and {AvgWaitSeconds} seconds.  Thank you for your patience.",
        _WAIT,
    ),
    _chat(
        "Chat agents currently unavailable",
        "the visitor has waited for an available agent for the set time",
        "There are currently no agents available to chat. Please try again soon.",
        aliases=("Agents unavailable",),
    ),
    _chat(
        "Engagement transferred to a different skill",
        "the chat is transferred to a different skill",
        "Please wait while your chat is transferred to the appropriate group.",
        aliases=("Transferred to skill",),
    ),
    _chat(
        "Chat engagement not in progress",
        "the chat was disconnected",
        "You are not currently connected to an agent.",
    ),
    _chat(
        "Engagement transferred to a different agent",
        "the chat is transferred to a different agent",
        "Please wait while your chat is transferred to {name}.",
        ("{name}",),
        aliases=("Transferred to agent",),
    ),
    _chat(
        "Engagement transferred due to agent disconnection",
        "the chat is transferred to another agent because the assigned agent disconnected",
        _REQUEUED,
        ("{name}",),
    ),
    _chat(
        "Chat transcript requested by visitor",
        "the visitor asks for the chat's transcript",
        "The chat transcript will be sent to: {email} at the end of your chat.",
        ("{email}",),
    ),
    _chat(
        "Engagement re-queued by system",
        "the chat is transferred to another agent because the assigned one could not be reached",
        _REQUEUED,
        ("{name}",),
        aliases=("Re-queued",),
    ),
    _chat(
        "Agent accepts the engagement",
        "an agent accepts the chat",
        "You are now chatting with {name}.",
        ("{name}",),
        event_id="CHAT_STARTED",
        source=f"{CHAT_KC}; {UAM_EXAMPLES}; {AM_EXAMPLES}",
        aliases=("Agent accepts chat",),
        inferred="CHAT_STARTED is this message by its API example text, "
        '"You are chatting with {agent name}" (the examples\' placeholder is spaced)',
    ),
    _chat(
        "Engagement disconnected",
        "the chat has been disconnected",
        "Sorry, our chat session has ended unexpectedly. Come chat with us again for further assistance.",
        aliases=("Disconnected",),
    ),
    # ---------------------------------------------------------------- chat, non-responsive
    _chat(
        "Non-responsive Fair Warning",
        "the visitor has not responded for the timeout (the first of two warnings)",
        "We have not heard from you for some time.  Do you wish to continue to chat?",
        limits=(_CHAT_TIMEOUT,),
    ),
    _chat(
        "Non-responsive Final Warning",
        "the visitor still has not responded after the first warning; the chat then ends",
        "Since we have not heard from you for some time, we will now end this chat. "
        "Please contact us again if we can be of further assistance.",
        limits=(_CHAT_TIMEOUT,),
    ),
    # ---------------------------------------------------------------- chat, on hold
    _chat(
        "On-hold message #1",
        "the agent has not replied for the timeout (one of three, picked at random)",
        "I'll be right with you.",
        event_id="On-hold message #1",
        source=f"{CHAT_KC}; {UAM_EXAMPLES}; {AM_EXAMPLES}",
        limits=(_CHAT_TIMEOUT,),
    ),
    _chat(
        "On-hold message #2",
        "the agent has not replied for the timeout (one of three, picked at random)",
        "Thank you for waiting. I'll be with you in just a moment.",
        event_id="On-hold message #2",
        limits=(_CHAT_TIMEOUT,),
        inferred="the id, by the pattern of On-hold message #1's",
    ),
    _chat(
        "On-hold message #3",
        "the agent has not replied for the timeout (one of three, picked at random)",
        "I'm sorry for the delay. I'll be right with you.",
        event_id="On-hold message #3",
        limits=(_CHAT_TIMEOUT,),
        inferred="the id, by the pattern of On-hold message #1's",
    ),
)


def _fold(name: str) -> str:
    return name.strip().casefold()


def _index(entries: tuple[Entry, ...]) -> dict[str, Entry]:
    """Every id, name and alias, folded → its entry; a name that would mean two messages is refused."""
    index: dict[str, Entry] = {}
    for entry in entries:
        for name in {_fold(n) for n in (entry.event_id, entry.name, *entry.aliases) if n}:
            if name in index:
                raise ValueError(f"{name!r} names both {index[name].name!r} and {entry.name!r}")
            index[name] = entry
    return index


_BY_NAME = _index(ENTRIES)


def lookup(message_event_id: str) -> Entry | None:
    """The catalog's entry for an id, a UI name or an alias, in any case; None when unknown.

    >>> lookup("Welcome message").event_id
    'CONSUMER_OPEN_NEW_CONVERSATION'
    >>> lookup("chat_started").name, lookup("CHAT_STARTED").channel
    ('Agent accepts the engagement', 'chat')
    >>> lookup("Message 7") is None
    True
    """
    return _BY_NAME.get(_fold(message_event_id))
