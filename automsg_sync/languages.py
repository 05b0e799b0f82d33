"""The visitor languages LivePerson offers for automatic messages, and the check against them.

Source. LivePerson publishes no machine-readable list of the language codes
an automatic message may carry; the Automatic Messages API says a message
"can be translated to all the LE visitor languages". The list below
combines two LivePerson documents, and so is conservative rather than
complete:

* Knowledge Center, "Supported languages"
  (https://knowledge.liveperson.com/admin-settings-supported-languages.html,
  source ``pages/documents/Admin-Settings/Supported-languages.md`` in the
  public repository ``LivePersonInc/knowledge-center-archive``): the 44
  languages and dialects of the consumer experience, i.e. of the
  engagement window ("Languages supported on the visitor side"). It names
  languages in English only; the BCP 47 tags here are ours, in the
  language-REGION form of the APIs' examples (``en-US``, ``ca-ES``), except
  Arabic, plain ``ar`` (one tag for every Arabic-speaking region; the sample
  account holds it so), and Latin American Spanish, which BCP 47 writes
  ``es-419``.
* Developer Center, Automatic Messages API and Unified Automatic Messages
  API examples (``tests/data/lp-docs/automessages``): ``ca-ES`` (Catalan),
  which the Knowledge Center list lacks.

Tags are compared case-insensitively (:func:`automsg_sync.model.language_key`),
so ``en-us`` and ``EN_US`` are ``en-US``. ``--languages`` also accepts a
language the account already holds even when it is not listed: LivePerson
evidently offers it, and this list may lag behind LivePerson's. The config's
keys are read before any account is, so they are checked against the list only.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ConfigError
from .model import language_key, normalise_language


@dataclass(frozen=True)
class Language:
    """One visitor language: its BCP 47 tag, English name and writing direction."""

    tag: str
    name: str
    rtl: bool = False


SUPPORTED: tuple[Language, ...] = (
    Language("ar", "Arabic", rtl=True),
    Language("bg-BG", "Bulgarian"),
    Language("ca-ES", "Catalan"),
    Language("zh-CN", "Chinese (Simplified)"),
    Language("zh-HK", "Chinese (Traditional, Hong Kong)"),
    Language("zh-TW", "Chinese (Traditional, Taiwan)"),
    Language("hr-HR", "Croatian"),
    Language("cs-CZ", "Czech"),
    Language("da-DK", "Danish"),
    Language("nl-NL", "Dutch"),
    Language("en-US", "English (US)"),
    Language("en-GB", "English (UK)"),
    Language("et-EE", "Estonian"),
    Language("fi-FI", "Finnish"),
    Language("fr-FR", "French"),
    Language("fr-CA", "French (Canada)"),
    Language("de-DE", "German"),
    Language("el-GR", "Greek"),
    Language("he-IL", "Hebrew", rtl=True),
    Language("hi-IN", "Hindi"),
    Language("hu-HU", "Hungarian"),
    Language("id-ID", "Indonesian"),
    Language("it-IT", "Italian"),
    Language("ja-JP", "Japanese"),
    Language("ko-KR", "Korean"),
    Language("lv-LV", "Latvian"),
    Language("lt-LT", "Lithuanian"),
    Language("mk-MK", "Macedonian"),
    Language("ms-MY", "Malay (Malaysia)"),
    Language("no-NO", "Norwegian"),
    Language("pl-PL", "Polish"),
    Language("pt-BR", "Portuguese (Brazil)"),
    Language("pt-PT", "Portuguese (Portugal)"),
    Language("ro-RO", "Romanian"),
    Language("ru-RU", "Russian"),
    Language("sr-RS", "Serbian"),
    Language("sk-SK", "Slovak"),
    Language("sl-SI", "Slovenian"),
    Language("es-ES", "Spanish"),
    Language("es-419", "Spanish (Latin America)"),
    Language("sv-SE", "Swedish"),
    Language("th-TH", "Thai"),
    Language("tr-TR", "Turkish"),
    Language("uk-UA", "Ukrainian"),
    Language("vi-VN", "Vietnamese"),
)

BY_KEY: dict[str, Language] = {language_key(lang.tag): lang for lang in SUPPORTED}
# The Knowledge Center's visitor languages (the engagement window, where chat messages show):
# every tag above but Catalan, which only the API examples use.
VISITOR_KEYS = frozenset(key for key in BY_KEY if key != "ca-es")


def chat_language_warning(tag: str) -> str | None:
    """A line when chat messages are exported to ``tag`` and the Knowledge Center does not
    list it as a visitor language (``admin-settings-supported-languages.html``); None if it does.
    Messaging: "Messages are supported in all LivePerson languages" (connectors: one language
    each, set by the brand), so no language is warned about there."""
    if language_key(tag) in VISITOR_KEYS:
        return None
    return (
        f"{tag}: not a visitor language LivePerson's Knowledge Center lists for chat "
        "(admin-settings-supported-languages.html): the chat messages' texts in it may never be shown"
    )


_EXAMPLES = ("en-US", "fr-FR", "de-DE", "es-ES", "ja-JP")
# for suggestions only: withdrawn ISO 639 codes (Java still writes iw, in) and Norwegian's written forms
_RENAMED = {"iw": "he", "in": "id", "nb": "no", "nn": "no"}
# for suggestions only: a country's code typed for its language (jp for Japanese is the usual one)
_RENAMED |= {"jp": "ja", "cn": "zh", "kr": "ko", "gr": "el", "se": "sv", "dk": "da", "cz": "cs", "ua": "uk"}
_MAX_SUGGESTIONS = 5


def is_supported(tag: str) -> bool:
    """True if LivePerson offers ``tag`` (any case, ``_`` or ``-``) as a visitor language."""
    return language_key(tag) in BY_KEY


def suggest(wrong: str) -> list[str]:
    """The valid tags closest to ``wrong``, best first (at most five; empty if none is close).

    Same language (``fr-BE`` → ``fr-FR``, ``fr-CA``; ``iw-IL`` → ``he-IL``), and a
    word of the English name (``french``); failing both, near spellings of tags
    and names (``germn`` → ``de-DE``).

    >>> suggest("french"), suggest("es-mx"), suggest("klingon"), suggest("jp")
    (['fr-FR', 'fr-CA'], ['es-ES', 'es-419'], [], ['ja-JP'])
    """
    query = language_key(wrong)
    primary = query.split("-")[0]
    primary = _RENAMED.get(primary, primary)
    out: list[str] = [lang.tag for lang in SUPPORTED if language_key(lang.tag).split("-")[0] == primary]
    out += [lang.tag for lang in SUPPORTED if query in re.findall(r"[a-z]+", lang.name.lower())]
    if not out:
        by_text: dict[str, str] = {}
        for lang in SUPPORTED:
            by_text.setdefault(language_key(lang.tag), lang.tag)
            by_text.setdefault(lang.name.lower(), lang.tag)
        out = [by_text[m] for m in difflib.get_close_matches(query, list(by_text), n=_MAX_SUGGESTIONS)]
    return list(dict.fromkeys(out))[:_MAX_SUGGESTIONS]


def _unknown(where: str, tag: str) -> ConfigError:
    """The error for a tag LivePerson does not offer: the closest tags, and the command
    that lists them all (a user has the command, not necessarily this file)."""
    close = suggest(tag)
    if close:
        hint = "did you mean " + ", ".join(f"{t} ({BY_KEY[language_key(t)].name})" for t in close) + "?"
    else:
        hint = f"no close match; it offers {len(SUPPORTED)}, e.g. {', '.join(_EXAMPLES)}"
    return ConfigError(
        f"{where}: {tag!r} is not a visitor language LivePerson offers; {hint} (see `automsg-sync languages`)"
    )


def check_language(tag: str, where: str) -> str:
    """``tag`` normalised, if LivePerson offers it; else a :class:`ConfigError` naming ``where``."""
    try:
        normal = normalise_language(tag)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if not is_supported(normal):
        raise _unknown(where, tag)
    return normal


def check_languages(
    requested: Iterable[str], in_account: Iterable[str], where: str = "--languages"
) -> tuple[list[str], list[str]]:
    """Check requested languages: ``(valid normalised tags, warning lines)``.

    A tag that is neither offered by LivePerson nor held by the account raises
    :class:`ConfigError` (exit 2) naming ``where``, the tag and the closest valid
    tags. A valid tag the account has no text in yet gives a warning, not an error.
    Duplicates (in any case) are dropped; the order is kept.
    """
    held = {language_key(t) for t in in_account}
    tags: list[str] = []
    warnings: list[str] = []
    for tag in requested:
        try:
            normal = normalise_language(tag)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        key = language_key(normal)
        if key in {language_key(t) for t in tags}:
            continue
        if key not in held:
            if not is_supported(normal):
                raise _unknown(where, tag)
            warnings.append(
                f"{normal}: the account has no text in this language yet; "
                "its file will list every unit as missing"
            )
        tags.append(normal)
    return tags, warnings
