"""MkDocs hook (mkdocs.yml `hooks:`): the configuration reference from the code's schema.

`docs/reference/configuration.md` holds the marker below; at build time it is
replaced by `automsg_sync.config.reference.markdown()` (one section per TOML
table: each key, its type, default and description). Not a page: mkdocs.yml
excludes this file from the site.
"""

from __future__ import annotations

from typing import Any

MARKER = "<!-- configuration-reference -->"
PAGE = "reference/configuration.md"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise ValueError(f"{PAGE} lost its marker {MARKER}: the configuration reference has nowhere to go")
    from automsg_sync.config.reference import markdown as reference

    return markdown.replace(MARKER, reference())
