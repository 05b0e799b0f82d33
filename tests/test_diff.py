"""The three-way diff over many proposals decides each as :func:`decide` does alone."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from automsg_sync.diff import GONE, LiveView, Proposal, decide, three_way
from automsg_sync.model import AutoMessage, Context, UnitKey, shared_unit_key

TEXTS = ["", "a", "b", "c"]
LANGS = ["en-US", "fr-FR", "fr-fr", "de-DE", "ja-JP"]


def _entries(rng: random.Random) -> list[dict[str, Any]]:
    """A message's data: maybe no source, a text spelled twice, a malformed tag, a default."""
    out: list[dict[str, Any]] = []
    for lang in ("en-US", "fr-FR", "de-DE"):
        if rng.random() < 0.8:
            msg = rng.choice(TEXTS[1:] if lang == "en-US" and rng.random() < 0.9 else TEXTS)
            out.append({"lang": lang, "msg": msg, "isDefault": rng.random() < 0.2})
    if rng.random() < 0.15:
        out.append({"lang": "fr-fr", "msg": "twice"})  # fr-FR twice: left out
    if rng.random() < 0.1:
        out.append({"lang": "de-DE ", "msg": "malformed"})  # reads as de-DE: left out
    if rng.random() < 0.1:
        out.append({"lang": "ja-JP", "msg": 7})  # not a string: left out
    return out


def _live(rng: random.Random) -> LiveView:
    contexts: dict[Context, list[AutoMessage]] = {}
    for ctx in ("account", "skill/1"):
        if rng.random() < 0.95:
            contexts[Context.parse(ctx)] = [
                AutoMessage(
                    {
                        "id": f"{ctx}-{m}",
                        "messageEventId": m,
                        "deleted": rng.random() < 0.05,
                        "data": _entries(rng),
                    }
                )
                for m in ("m1", "m2", "m3")
                if rng.random() < 0.9
            ]
    return LiveView.from_listing(contexts, "7")


@given(
    st.randoms(use_true_random=False), st.integers(min_value=0, max_value=60), st.booleans(), st.booleans()
)
def test_three_way_decides_as_decide_does(
    rng: random.Random, n: int, accept_stale: bool, prefer_file: bool
) -> None:
    """Per-message lookups are shared between a message's languages; the outcomes are the same,
    also where keys alike are separate objects (one from ``shared_unit_key``, one parsed)."""
    live = _live(rng)
    proposals = []
    for _ in range(n):
        context = rng.choice(["account", "skill/1"]) if rng.random() < 0.95 else "skill/2"
        text = f"{context}|{rng.choice(['m1', 'm2', 'm3']) if rng.random() < 0.95 else 'm4'}"
        key = shared_unit_key(text) if rng.random() < 0.7 else UnitKey.parse(text)
        ours = rng.choice([None, *TEXTS])
        new, base, src0 = (rng.choice(TEXTS) for _ in range(3))
        proposals.append(Proposal(key, rng.choice(LANGS), new, base, src0, "f.po", 1, ours))
    options = {"accept_stale": accept_stale, "prefer_file": prefer_file}
    plan = three_way(proposals, live, "en-US", **options)
    assert plan.decisions == [decide(p, live, "en-US", **options) for p in proposals]
    assert plan.revision == "7"


def test_gone_says_why() -> None:
    live = LiveView.from_listing(
        {
            Context.account(): [
                AutoMessage({"id": "1", "messageEventId": "m1", "data": [{"lang": "fr-FR", "msg": "x"}]})
            ]
        },
        "1",
    )
    proposals = [
        Proposal(shared_unit_key(k), "fr-FR", "new", "old", "src", "f.po", 1)
        for k in ("account|m1", "account|m2", "skill/3|m1")
    ]
    plan = three_way(proposals, live, "en-US")
    assert [(d.outcome, d.detail) for d in plan.decisions] == [
        (GONE, "the source text no longer exists"),
        (GONE, "the message no longer exists"),
        (GONE, "the context no longer exists"),
    ]
