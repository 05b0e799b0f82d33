"""What every page shares: the Jinja2 environment, the inline style and script, the
Content-Security-Policy, and writing a page whole.

A page is one file: inline CSS, no external request of any kind (the CSP meta tag
forbids every fetch, and the only script allowed is the page's own search box, by
its hash), readable without JavaScript.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..files import write_atomic

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("automsg_sync.html", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _asset(name: str) -> str:
    loader = _env.loader
    assert loader is not None
    source, _, _ = loader.get_source(_env, name)
    return source


_SCRIPT = _asset("search.js").strip()
_STYLE = _asset("page.css")
# the page's only script, allowed by its hash; every other script, and every request, is refused
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
    f"script-src 'sha256-{base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()}'"
)


def render_page(template: str, **context: Any) -> str:
    """The HTML of ``template`` (in ``templates/``) with the shared style, script and CSP."""
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return _env.get_template(template).render(
        csp=_CSP, style=Markup(_STYLE), script=Markup(_SCRIPT), generated=generated, **context
    )


def write_page(path: Path, page: str, *, private: bool = True) -> Path:
    """The page written whole or not at all (:func:`files.write_atomic`); ``private``:
    readable by its owner only (0600), as cron's reports are."""
    return write_atomic(
        path, page.encode("utf-8", "backslashreplace"), private=private
    )  # a non-UTF-8 name stays readable
