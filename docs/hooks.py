"""MkDocs hooks (mkdocs.yml `hooks:`): the generated references.

`docs/reference/configuration.md` holds the marker below; at build time it is
replaced by `automsg_sync.config.reference.markdown()` (one section per TOML
table: each key, its type, default and description). The command-line
reference is made by mkdocs-click from the commands' help, which names
placeholders the way a terminal shows them (`OUT/<account>/<language>.po`):
HTML would take those for tags and drop them, so the built page shows them as
text. Not a page: mkdocs.yml excludes this file from the site.
"""

from __future__ import annotations

import re
from typing import Any

from automsg_sync.config.reference import markdown as reference

# the elements a help text or our Markdown may really mean; any other <word> is a placeholder
HTML_TAGS = frozenset(
    "a abbr b blockquote br code dd del details div dl dt em h1 h2 h3 h4 h5 h6 hr i img input "
    "kbd label li mark ol p pre s small span strong sub summary sup table tbody td th thead tr u "
    "ul nav header footer section article aside main figure figcaption svg path button".split()
)
PLACEHOLDER = re.compile(r"<(/?)([a-z][a-z0-9_-]*)>")
CLI_PAGE = "reference/cli.md"


def escape_placeholders(html: str) -> str:
    """``<account>`` → ``&lt;account&gt;`` for every bare ``<word>`` that is no HTML element."""

    def shown(match: re.Match[str]) -> str:
        if match.group(1) or match.group(2) in HTML_TAGS:
            return match.group(0)
        return f"&lt;{match.group(2)}&gt;"

    return PLACEHOLDER.sub(shown, html)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    return escape_placeholders(html) if page.file.src_uri == CLI_PAGE else html


MARKER = "<!-- configuration-reference -->"
PAGE = "reference/configuration.md"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"{PAGE} lost its marker {MARKER}: the configuration reference has nowhere to go")
    return markdown.replace(MARKER, reference())
