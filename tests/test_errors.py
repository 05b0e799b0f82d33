"""errors.py: an error answer is quoted in words (issue #29 point 4)."""

from __future__ import annotations

import doctest

import pytest

from automsg_sync import errors
from automsg_sync.errors import answer_words


def test_the_doctests() -> None:
    assert doctest.testmod(errors).failed == 0


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"error":{"code":404,"message":"unknown account 99999999"}}', "unknown account 99999999"),
        (
            '{"error": "invalid_client", "error_description": "client authentication failed"}',
            "client authentication failed",
        ),
        ('{"message": "Forbidden"}', "Forbidden"),
        ('{"error": "login blocked"}', "login blocked"),
        ('[{"message": "first problem"}, {"message": "second"}]', "first problem"),
        ('{"code": "40102", "message": "the AppJWT has expired"}', "40102: the AppJWT has expired"),
        ('{"status": "weird"}', '{"status": "weird"}'),
        ("{not json", "{not json"),
        ("plain words", "plain words"),
        (
            "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>",
            'an HTML page ("404 Not Found"), not an API\'s answer',
        ),
        ("<html><body>oops</body></html>", "an HTML page, not an API's answer"),
    ],
)
def test_an_answer_is_quoted_in_words(body: str, words: str) -> None:
    assert answer_words(body) == words


def test_a_secret_in_an_answer_is_redacted_in_words_too() -> None:
    said = answer_words(
        '{"error": {"message": "bad token Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}}'
    )
    assert "eyJhbGciOiJIUzI1NiJ9" not in said and said.startswith("bad token")
