from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from automsg_sync.model import AutoMessage, Context, is_rtl, language_key, normalise_language


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("en-us", "en-US"),
        ("EN-US", "en-US"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es_419", "es-419"),
        ("ar", "ar"),
        ("he-il", "he-IL"),
        ("sr-latn", "sr-Latn"),
    ],
)
def test_normalise_language(tag: str, expected: str) -> None:
    assert normalise_language(tag) == expected


@pytest.mark.parametrize("tag", ["", "en--us", "français", "en us"])
def test_normalise_language_rejects_garbage(tag: str) -> None:
    with pytest.raises(ValueError, match="not a language tag"):
        normalise_language(tag)


def test_rtl() -> None:
    assert is_rtl("ar") and is_rtl("he-IL") and not is_rtl("ja-JP")


def test_context_parse_and_query() -> None:
    assert Context.parse("account") == Context.account()
    assert Context.parse("skill/7").query() == {"context_type": "SKILL", "context_id": "7"}
    with pytest.raises(ValueError):
        Context.parse("skill/")


RAW = {
    "id": 2,
    "deleted": False,
    "enabled": True,
    "messageEventId": "On-hold message #1",
    "data": [
        {"msg": "I'll be right with you.", "lang": "en-us", "isDefault": True, "x": 1},
        {"msg": "Je suis là.", "lang": "fr-FR"},
    ],
    "attributes": [{"timer": "60"}],
    "unknown": {"nested": [1, 2]},
}


def test_with_texts_changes_only_msg_and_isdefault() -> None:
    message = AutoMessage(RAW)
    changed = message.with_texts({"EN-US": "Back soon.", "de-de": "Gleich zurück."})
    raw = dict(changed.raw)
    assert raw["data"][0] == {"msg": "Back soon.", "lang": "en-us", "isDefault": False, "x": 1}
    assert raw["data"][1] == RAW["data"][1]
    assert raw["data"][2] == {"msg": "Gleich zurück.", "lang": "de-DE", "isDefault": False}
    assert {k: v for k, v in raw.items() if k != "data"} == {k: v for k, v in RAW.items() if k != "data"}
    assert message.raw["data"][0]["msg"] == "I'll be right with you."  # original untouched


def test_attributes_both_shapes() -> None:
    assert AutoMessage(RAW).attributes() == {"timer": "60"}
    named = dict(RAW, attributes=[{"name": "timer", "value": "90"}])
    assert AutoMessage(named).attributes() == {"timer": "90"}


def test_missing_isdefault_reads_as_custom() -> None:
    text = AutoMessage(RAW).text("fr-fr")
    assert text is not None and not text.is_default


@given(st.text(min_size=1))
def test_with_texts_round_trips_any_text(msg: str) -> None:
    changed = AutoMessage(RAW).with_texts({"fr-FR": msg})
    text = changed.text("FR-fr")
    assert text is not None and text.msg == msg and language_key(text.lang) == "fr-fr"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["account", "skill/2", "skill/10", "skill/x"]),
            st.sampled_from("abc"),
            st.sampled_from(["de-DE", "fr-FR", "ja-JP"]),
        ),
        unique=True,
        max_size=40,
    ),
    st.integers(min_value=1, max_value=12),
    st.randoms(use_true_random=False),
)
def test_plan_rows_are_the_first_in_order_and_counted_per_context(
    units: list[tuple[str, str, str]], limit: int, rng: random.Random
) -> None:
    """The terminal plan's rows: the same as sorting every update, though keys alike may be
    separate objects (the terminal groups by the key object's identity)."""
    from automsg_sync.diff import UPDATE, Decision, Proposal
    from automsg_sync.model import UnitKey
    from automsg_sync.render import _first_rows

    updates = []
    for ctx, message, lang in units:
        key = (
            UnitKey(Context.parse(ctx), message) if rng.random() < 0.5 else UnitKey.parse(f"{ctx}|{message}")
        )
        updates.append(
            Decision(Proposal(key, lang, "new", "old", "src", "f.po", 1), UPDATE, "old", "src", "1")
        )
    rng.shuffle(updates)
    per_context, shown = _first_rows(updates, limit)
    order = sorted(updates, key=lambda d: (d.key.context.sort_key(), d.key.message, d.language))
    assert [(d.key, d.language) for d in shown] == [(d.key, d.language) for d in order[:limit]]
    assert per_context == Counter(d.key.context for d in updates)


def test_jsonio_reads_and_writes_as_json_does_where_orjson_cannot() -> None:
    """orjson where it gives json's result; json for the rest; NaN is not JSON and is refused."""
    import json

    from automsg_sync import jsonio

    big = {"id": 2**70, "msg": "Grüße \u2028"}
    assert jsonio.loads(json.dumps(big)) == big  # an integer past 64 bits: json reads it
    assert json.loads(jsonio.dumps(big)) == big  # and writes it
    assert jsonio.loads('"\\ud800"') == "\ud800"  # a lone surrogate escape, as json reads it
    assert json.loads(jsonio.dumps({"t": "\ud800"})) == {"t": "\ud800"}  # written escaped, as requests does
    assert jsonio.dumps({"t": "é"}) == '{"t":"é"}'.encode()  # compact UTF-8
    for constant in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(ValueError, match="not a JSON value"):
            jsonio.loads(f'{{"x": {constant}}}')
    assert jsonio.copy(big) == big and jsonio.copy(big) is not big
    with pytest.raises(ValueError):
        jsonio.loads(b"{not json")


@pytest.mark.parametrize(
    ("entry", "text", "problem", "french_left_out"),
    [
        ({"lang": "fr-FR", "msg": "Bonjour"}, ("fr-FR", "Bonjour", False), None, False),
        ({"lang": "fr-FR", "msg": "Bonjour", "isDefault": True}, ("fr-FR", "Bonjour", True), None, False),
        ({"lang": "fr-FR", "msg": None, "isDefault": None}, ("fr-FR", "", False), None, False),
        ({"lang": "fr-FR"}, ("fr-FR", "", False), None, False),
        (
            {"lang": "fr-FR", "msg": "x", "isDefault": "yes"},
            None,
            "fr-FR: isDefault is not true or false",
            True,
        ),
        ({"lang": "fr-FR", "msg": "x", "isDefault": 1}, None, "fr-FR: isDefault is not true or false", True),
        ({"lang": "fr-FR", "msg": 7}, None, "fr-FR: the text is not a string (int)", True),
        # a malformed spelling that reads as French leaves French out
        ({"lang": " fr-FR", "msg": "x"}, None, "language tag ' fr-FR' has spaces or line breaks", True),
        ({"lang": True, "msg": "x"}, None, "language tag True is not a string (bool)", False),
        ({"lang": ["fr-FR"], "msg": "x"}, None, "language tag ['fr-FR'] is not a string (list)", False),
    ],
)
def test_each_data_entry_is_read_or_left_out_and_said(
    entry: dict[str, object], text: tuple[str, str, bool] | None, problem: str | None, french_left_out: bool
) -> None:
    """The usual entry's fast path in model._read_data and the checks beside it; a
    spelling read well before (the cache of good tags) lets no bad one through."""
    AutoMessage({"data": [{"lang": "fr-FR", "msg": "primed"}]}).text("fr-FR")
    message = AutoMessage({"data": [{"lang": "en-US", "msg": "Hello"}, entry]})
    found = message.text("fr-FR")
    assert (tuple(found) if found is not None else None) == text
    assert message.text("en-US") is not None and message.text("en-US").msg == "Hello"  # type: ignore[union-attr]
    problems = message.problems()
    assert problems[0].startswith(problem) if problem else problems == [], problems
    assert message.left_out("fr-FR") == french_left_out
