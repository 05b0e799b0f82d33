"""A large, deterministic emulator account for the benchmark.

``LANGUAGES`` (60) × ``MESSAGES`` (50) × skill contexts (100 at full size)
that override every message: 300,000 units, plus the account default's 3,000.
Half the target languages already have a custom text; the rest are missing.
"""

from __future__ import annotations

import random
from typing import Any

ACCOUNT = "90000001"
SOURCE = "en-US"
LANGUAGES = [
    "ar",
    "bg-BG",
    "bs-BA",
    "ca-ES",
    "cs-CZ",
    "cy-GB",
    "da-DK",
    "de-AT",
    "de-CH",
    "de-DE",
    "el-GR",
    "en-AU",
    "en-GB",
    "es-ES",
    "es-MX",
    "et-EE",
    "eu-ES",
    "fa-IR",
    "fi-FI",
    "fr-BE",
    "fr-CA",
    "fr-CH",
    "fr-FR",
    "ga-IE",
    "gl-ES",
    "he-IL",
    "hi-IN",
    "hr-HR",
    "hu-HU",
    "hy-AM",
    "id-ID",
    "is-IS",
    "it-CH",
    "it-IT",
    "ja-JP",
    "ka-GE",
    "kk-KZ",
    "ko-KR",
    "lt-LT",
    "lv-LV",
    "mk-MK",
    "ms-MY",
    "mt-MT",
    "nb-NO",
    "nl-BE",
    "nl-NL",
    "pl-PL",
    "pt-BR",
    "pt-PT",
    "ro-RO",
    "ru-RU",
    "sk-SK",
    "sl-SI",
    "sq-AL",
    "sr-RS",
    "sv-SE",
    "th-TH",
    "tr-TR",
    "uk-UA",
    "zh-CN",
]
MESSAGES = 50
USER = {"username": "bench", "password": "bench-Passw0rd!"}
API_KEY = {
    "appKey": "b3nchb3nchb3nchb3nchb3nchb3nch01",
    "secret": "b3nch5ecret0001",
    "accessToken": "b3nchtok3nb3nchtok3nb3nchtok3n01",
    "accessTokenSecret": "b3nchtok3n5ecret1",
}


def bench_message(i: int, data: list[dict[str, Any]]) -> dict[str, Any]:
    """The legacy-shaped object of bench message ``i``."""
    return {
        "id": i + 1,
        "deleted": False,
        "enabled": True,
        "messageEventId": f"Bench message {i:02d}",
        "templateId": f"Bench message {i:02d}",
        "data": data,
    }


def message(rng: random.Random, i: int, skill: int | None) -> dict[str, Any]:
    placeholder = ["", " {agentNickname}", " {expectedResponseTime}"][i % 3]
    where = "account" if skill is None else f"skill {skill}"
    source = f"Message {i} for {where}: thanks for waiting{placeholder}, we are on it."
    data = [{"msg": source, "lang": SOURCE, "isDefault": False}]
    for lang in LANGUAGES:
        if rng.random() < 0.5:
            data.append({"msg": f"[{lang}] {source}", "lang": lang, "isDefault": rng.random() < 0.2})
    obj = bench_message(i, data)
    obj["attributes"] = [{"name": "timer", "value": str(30 + i)}]
    obj["benchExtra"] = {"kept": True}
    return obj


def build(skills: int, seed: int = 8) -> dict[str, Any]:
    """The emulator data file for an account with ``skills`` overriding skills."""
    rng = random.Random(seed)
    messages = {"account": [message(rng, i, None) for i in range(MESSAGES)]}
    for s in range(1, skills + 1):
        messages[f"skill/{s}"] = [message(rng, i, s) for i in range(MESSAGES)]
    return {
        "accounts": {
            ACCOUNT: {
                "users": [USER],
                "apiKeys": [API_KEY],
                "skills": [{"id": s, "name": f"Skill {s}", "deleted": False} for s in range(1, skills + 1)],
                "autoMessages": messages,
                "revision": 1,
            }
        }
    }


MANY_FIRST_ID = 91000001  # the small accounts' ids: 91000001, 91000002, …
MANY_LANGUAGES = ["de-DE", "fr-FR", "ja-JP"]
MANY_MESSAGES = 6


def many_ids(count: int) -> list[str]:
    return [str(MANY_FIRST_ID + i) for i in range(count)]


def build_many(count: int, seed: int = 18) -> dict[str, Any]:
    """The emulator data file for ``count`` small accounts: a handful of account-level
    messages each (``MANY_MESSAGES`` in ``SOURCE``, some translated into ``MANY_LANGUAGES``),
    no skills, every one reachable with ``API_KEY``."""
    rng = random.Random(seed)
    accounts: dict[str, Any] = {}
    for account in many_ids(count):
        messages = []
        for i in range(MANY_MESSAGES):
            source = f"Message {i} of account {account}: thanks for waiting, we are on it."
            data = [{"msg": source, "lang": SOURCE, "isDefault": False}]
            data += [
                {"msg": f"[{lang}] {source}", "lang": lang, "isDefault": False}
                for lang in MANY_LANGUAGES
                if rng.random() < 0.5
            ]
            messages.append(bench_message(i, data))
        accounts[account] = {
            "users": [],
            "apiKeys": [API_KEY],
            "skills": [],
            "autoMessages": {"account": messages},
            "revision": 1,
        }
    return {"accounts": accounts}
