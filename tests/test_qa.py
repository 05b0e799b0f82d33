"""Every QA check, with a failing and a passing case; the words each finding says."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from automsg_sync.diff import Proposal
from automsg_sync.imports import ImportReport
from automsg_sync.model import Context, UnitKey
from automsg_sync.qa import ERROR, WARNING, QAContext, check_translation
from automsg_sync.render import print_import_report

MESSAGING = "CONSUMER_OPEN_NEW_CONVERSATION"
CHAT = "Agents unavailable"


def checks(source: str, target: str, event: str = MESSAGING, **kw: object) -> dict[str, str]:
    ctx = QAContext("f.po", 3, f"account|{event}", "fr-FR", event, **kw)  # type: ignore[arg-type]
    return {f.check: f.severity for f in check_translation(source, target, ctx)}


CASES = [
    # check, source, failing target, passing target, message id, extra
    ("placeholders", "Hi {agentNickname}!", "Salut !", "Salut {agentNickname} !", MESSAGING, {}),
    (
        "placeholders",
        "Hi {agentNickname}!",
        "Salut {agentNickname} {agentNickname}",
        "Salut {agentNickname}",
        MESSAGING,
        {},
    ),
    (
        "placeholders",
        "Wait {expectedResponseTime}",
        "Attendez {tempsAttente}",
        "Attendez {expectedResponseTime}",
        MESSAGING,
        {},
    ),
    ("messaging-html", "Hello there", "Bonjour <b>toi</b>", "Bonjour toi", MESSAGING, {}),
    ("messaging-linebreak", "Hello there", "Bonjour\ntoi", "Bonjour toi", MESSAGING, {}),
    ("messaging-chars", "Hello there", "Bonjour -> toi", "Bonjour toi", MESSAGING, {}),
    ("messaging-chars", "Hello there", "Bonjour \\ toi", "Bonjour toi", MESSAGING, {}),
    ("chat-tags", "Busy. <b>Try later.</b>", "Occupé. Réessayez.", "Occupé. <b>Réessayez.</b>", CHAT, {}),
    (
        "unsafe-html",
        "Busy. <b>Try later.</b>",
        'Occupé. <b onclick="x()">Réessayez.</b>',
        "Occupé. <b>Réessayez.</b>",
        CHAT,
        {},
    ),
    (
        "unsafe-html",
        'Go <a href="https://x.example">here</a>',
        'Allez <a href="javascript:alert(1)">ici</a>',
        'Allez <a href="https://x.example">ici</a>',
        CHAT,
        {},
    ),
    ("unsafe-html", "Busy.", "Occupé.<script>alert(1)</script>", "Occupé.", CHAT, {}),
    ("control-chars", "Hello there", "Bonjour\x07 toi", "Bonjour toi", MESSAGING, {}),
    ("control-chars", "Hello there", "Bonjour \u202etoi", "Bonjour toi", MESSAGING, {}),
    ("max-length", "Hello there", "Bonjour à toi, cher client", "Bonjour", MESSAGING, {"max_length": 10}),
    ("unchanged", "Hello there", "Hello there", "Bonjour toi", MESSAGING, {}),
    ("whitespace", "Hello there", " Bonjour toi", "Bonjour toi", MESSAGING, {}),
    ("whitespace", "Hello there", "Bonjour toi ", "Bonjour toi", MESSAGING, {}),
    ("double-space", "Hello there", "Bonjour  toi", "Bonjour toi", MESSAGING, {}),
]


@pytest.mark.parametrize(("check", "source", "bad", "good", "event", "extra"), CASES)
def test_check_fails_and_passes(
    check: str, source: str, bad: str, good: str, event: str, extra: dict
) -> None:
    assert check in checks(source, bad, event, **extra)
    assert check not in checks(source, good, event, **extra)


@pytest.mark.parametrize(
    ("check", "severity"),
    [("placeholders", ERROR), ("messaging-html", ERROR), ("unchanged", WARNING), ("double-space", WARNING)],
)
def test_severities(check: str, severity: str) -> None:
    case = next(c for c in CASES if c[0] == check)
    assert checks(case[1], case[2], case[4], **case[5])[check] == severity


def test_chat_allows_line_breaks_and_safe_html() -> None:
    assert checks("Busy.\n<b>Try later.</b>", "Occupé.\n<b>Réessayez.</b>", CHAT) == {}


def test_a_clean_translation_has_no_findings() -> None:
    assert checks("Hi {agentNickname}, welcome!", "Salut {agentNickname}, bienvenue !") == {}


def test_rtl_marks_are_not_control_characters() -> None:
    assert "control-chars" not in checks("Hello {agentNickname}", "\u200fשלום {agentNickname}")


def test_finding_names_file_line_unit_language() -> None:
    ctx = QAContext("fr-FR.po", 12, "account|CONSUMER_OPEN_NEW_CONVERSATION", "fr-FR", MESSAGING)
    [finding] = [f for f in check_translation("Hi {x}", "Salut", ctx) if f.check == "placeholders"]
    assert (finding.file, finding.where, finding.key, finding.language) == (
        "fr-FR.po",
        12,
        "account|CONSUMER_OPEN_NEW_CONVERSATION",
        "fr-FR",
    )
    assert "{x}" in finding.message


def test_formula_cell_fails_and_text_cell_passes() -> None:
    assert checks("Hello there", "Bonjour toi", formula=True)["formula"] == ERROR
    assert "formula" not in checks("Hello there", "=Bonjour toi", formula=False)


PIECES = [
    "Hi",
    "hi",
    " ",
    "  ",
    "{name}",
    "{x}",
    "{",
    "}",
    "{a{b}",
    "{_.}",
    "<b>",
    "</b>",
    "!",
    ".",
    "Hello",
    "world",
    "\t",
    "é",
    "-",
]


def joined_pieces(pieces: list[str], most: int) -> st.SearchStrategy[list[str]]:
    """Texts for the property tests below: one to ``most`` pieces, joined by the test."""
    return st.lists(st.sampled_from(pieces), min_size=1, max_size=most)


@given(joined_pieces(PIECES, 6), joined_pieces(PIECES, 6))
def test_cheap_gates_never_hide_a_toolkit_failure(source: list[str], target: list[str]) -> None:
    """The speed gates in front of translate-toolkit's checks are necessary conditions."""
    from translate.filters import checks as tt

    from automsg_sync.qa import _checker, _may_fail

    s, t = "".join(source), "".join(target)
    for name in ("variables", "startwhitespace", "endwhitespace", "doublespacing", "unchanged"):
        try:
            getattr(_checker, name)(s, t)
        except tt.FilterFailure:
            assert _may_fail(name, s, t), (name, s, t)


# ------------------------------------------------------------------ the words of the messages


def messages(source: str, target: str, event: str = MESSAGING, **kw: object) -> dict[str, str]:
    ctx = QAContext("f.po", 3, f"account|{event}", "fr-FR", event, **kw)  # type: ignore[arg-type]
    return {f.check: f.message for f in check_translation(source, target, ctx)}


def test_a_dropped_placeholder_is_named() -> None:
    assert messages("Wait {expectedResponseTime}", "Attendez") == {
        "placeholders": "missing placeholder {expectedResponseTime}"
    }


def test_a_renamed_placeholder_is_missing_and_added() -> None:
    assert messages("Wait {expectedResponseTime}", "Attendez {tempsAttente}")["placeholders"] == (
        "missing placeholder {expectedResponseTime}; adds placeholder {tempsAttente} (not in the source)"
    )


def test_a_doubled_placeholder_is_a_repeat() -> None:
    assert messages("Hi {agentNickname}!", "Salut {agentNickname} {agentNickname}")["placeholders"] == (
        "repeats placeholder {agentNickname}"
    )


def test_an_added_tag_in_chat_is_named() -> None:
    assert messages("Busy. Try later.", "Occupé. <b>Réessayez.</b>", CHAT) == {
        "chat-tags": "adds HTML tag <b>"
    }


def test_a_dropped_tag_in_chat_is_named() -> None:
    source = 'Busy. <a href="https://x.example">Try later.</a>'
    assert messages(source, "Occupé. Réessayez.", CHAT) == {"chat-tags": "drops HTML tag <a>"}


def test_html_in_a_messaging_text_names_the_tags() -> None:
    assert messages("Hello there", "Bonjour <b>toi</b> <I>là</I>")["messaging-html"] == (
        "contains HTML tags <b>, <i> (messaging texts cannot hold HTML)"
    )


def test_a_line_break_in_a_messaging_text() -> None:
    assert messages("Hello there", "Bonjour\ntoi") == {
        "messaging-linebreak": "contains a line break (messaging texts cannot)"
    }


def test_too_long_gives_the_limit_and_the_length() -> None:
    found = messages("Hello there", "x" * 1234, max_length=1000)
    assert found["max-length"] == "longer than 1000 characters (1234)"


def test_messaging_characters_and_controls_are_named() -> None:
    assert messages("Hello there", "Bonjour -> toi")["messaging-chars"] == (
        "contains > (messaging texts cannot hold <, > or \\)"
    )
    assert messages("Hello there", "Bonjour \u202etoi\x07")["control-chars"] == (
        "contains control characters U+0007, U+202E RIGHT-TO-LEFT OVERRIDE"
    )


def test_warnings_say_what_differs() -> None:
    assert messages("Hello there", "Hello there") == {"unchanged": "same as the source text: not translated?"}
    assert messages("Hello there", "Bonjour toi ") == {
        "whitespace": "adds trailing whitespace the source does not have"
    }
    assert messages("Hello there", "Bonjour  toi") == {
        "double-space": "doubled space where the source has none"
    }


def test_the_report_and_the_terminal_carry_the_words() -> None:
    key = UnitKey(Context.parse("account"), MESSAGING)
    ctx = QAContext("fr-FR.po", 12, str(key), "fr-FR", MESSAGING)
    findings = check_translation("Wait {expectedResponseTime}", "Attendez  {tempsAttente}", ctx)
    proposal = Proposal(
        key, "fr-FR", "Attendez  {tempsAttente}", "", "Wait {expectedResponseTime}", "fr-FR.po", 12
    )
    report = ImportReport("run-1", "70071528", dry_run=True, qa=findings, qa_skipped=[proposal])

    [error] = [f for f in report.to_json()["qa"] if f["severity"] == ERROR]
    assert error["check"] == "placeholders"  # the machine field
    assert error["message"] == (
        "missing placeholder {expectedResponseTime}; adds placeholder {tempsAttente} (not in the source)"
    )

    console = Console(record=True, width=400, color_system=None)
    print_import_report(console, report)
    out = console.export_text()
    assert (
        "missing placeholder {expectedResponseTime}; adds placeholder {tempsAttente} (not in the source)"
        in out
    )
    assert (
        "warning fr-FR.po:12: account|CONSUMER_OPEN_NEW_CONVERSATION [fr-FR] doubled space where the source has none "
        "(double-space)" in out
    )


@given(
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6),
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=6),
)
def test_every_finding_says_what_is_wrong_in_words(source: list[str], target: list[str]) -> None:
    """The toolkit's own texts ("Do not translate: …", "Added variables: …") never show through."""
    s, t = "".join(source), "".join(target)
    for event in (MESSAGING, CHAT):
        for check, text in messages(s, t, event).items():
            assert text, (check, s, t)
            if check == "placeholders":
                assert text.startswith(
                    ("missing placeholder", "adds placeholder", "repeats placeholder", "placeholders not in")
                ), text
            if check == "chat-tags":
                assert text.startswith(("drops HTML tag", "adds HTML tag")), text
            assert not text.startswith(("Do not translate", "Added variables", "Different", "Consider")), text


# ------------------------------------------------------------------ the quick verdict on clean texts

QUICK_PIECES = [
    *PIECES,
    "\n",
    "<",
    ">",
    "\\",
    "\x07",
    "\u202e",
    "\u2028",
    "\x85",
    "İ",
    "ß",
    "Ü",
    "_",
    ".",
    "{_.}",
    "{a.b}",
    "{}",
    "<br>",
    "« fr »",
    "Message",
    "message",
    "MESSAGE",
    "3",
]


@given(joined_pieces(QUICK_PIECES, 7), joined_pieces(QUICK_PIECES, 7), st.sampled_from([None, 4, 12]))
def test_surely_clean_only_where_no_check_fires(
    source: list[str], target: list[str], max_length: int | None
) -> None:
    """The quick verdict in front of the checks never hides a finding, on either channel."""
    from automsg_sync.qa import surely_clean

    s, t = "".join(source), "".join(target)
    if surely_clean(s, t, max_length):
        for event in (MESSAGING, CHAT):
            assert checks(s, t, event, max_length=max_length) == {}, (s, t, event)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("Hi {agentNickname}, welcome!", "Salut {agentNickname}, bienvenue !"),
        (
            "Message 1 for account: thanks {agentNickname}.",
            "«fr-FR» Message 1 for account: thanks {agentNickname}.",
        ),
        ("Please wait.", "Merci de patienter."),
        ("Please wait.", "Patientez, s'il vous plaît."),  # same first letter: the letters are compared
        ("Wait {a} {b}", "{a} {b} attendez"),  # a placeholder before the first letter
    ],
)
def test_surely_clean_on_common_translations(source: str, target: str) -> None:
    """It does say so for the common case (else it would only cost time)."""
    from automsg_sync.qa import surely_clean

    assert surely_clean(source, target)
    assert checks(source, target) == {}


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("Hi {agentNickname}!", "Salut !"),
        ("Hello there", "hello, THERE"),
        ("Hello there", "Bonjour\ntoi"),
        ("Hello there", "Bonjour  toi"),
        ("Hello there", "Bonjour toi "),
        ("Busy. <b>Try later.</b>", "Occupé. <b>Réessayez.</b>"),
    ],
)
def test_surely_clean_leaves_the_rest_to_the_checks(source: str, target: str) -> None:
    from automsg_sync.qa import surely_clean

    assert not surely_clean(source, target)


@given(st.text(alphabet="{}_.a1 é-Ü<", max_size=16))
def test_quick_variables_are_the_toolkits(text: str) -> None:
    from automsg_sync.qa import _quick_variables, _variables

    assert _quick_variables(text) == _variables(text)


def test_removed_characters_lower_case_to_removed_characters() -> None:
    """What ``_may_be_unchanged`` relies on, for every code point of this Python's Unicode."""
    import re

    removed = re.compile(r"[\W_]")
    for code in range(0x110000):
        char = chr(code)
        if removed.fullmatch(char):
            assert all(removed.fullmatch(c) for c in char.lower()), hex(code)
