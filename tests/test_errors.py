"""errors.py: an error answer is quoted in words (issue #29 point 4)."""

from __future__ import annotations

import doctest

import pytest

from automsg_sync import errors
from automsg_sync.errors import answer_words


def test_the_doctests() -> None:
    assert doctest.testmod(errors).failed == 0


# Each body as the page it comes from documents it: the Login Service's error (LoginServiceAPI
# Methods/refresh.md and logout.md, quoted in docs/liveperson.md §4: "CSRF token invalid!",
# internalCode 10), OAuth 2.0's token error (RFC 6749 §5.2, the example `{"error":
# "invalid_request"}` and the optional error_description), and, for the rest, what a
# server that is not LivePerson's API sends (a web server's HTML 404 as Flask/werkzeug
# writes it, a plain text, a JSON of another shape).
@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            '{"error": {"time": 1733571000000, "message": "CSRF token invalid! Please check that you have the '
            'correct CSRF token", "internalCode": 10, "responseStatus": 401}}',
            "CSRF token invalid! Please check that you have the correct CSRF token",
        ),
        ('{"error":{"code":404,"message":"unknown account 99999999"}}', "unknown account 99999999"),
        (
            '{"error": "invalid_client", "error_description": "client authentication failed"}',
            "client authentication failed",
        ),
        ('{"error": "invalid_request"}', "invalid_request"),
        ('{"status": "weird"}', '{"status": "weird"}'),
        ("[1, 2]", "[1, 2]"),
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
