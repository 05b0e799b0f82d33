"""Headless Chromium for the page tests (tests/test_html*.py): the rendered DOM and screenshots.

Set ``AUTOMSG_UPDATE_SCREENSHOTS=1`` to copy the screenshots into ``docs/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
BROWSER_SECONDS = 90


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Chromium is required: `make tools` installs Debian's chromium"
    return path


def browse(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One bounded headless Chromium call (root needs --no-sandbox), with its own profile."""
    profile = tmp / "chromium-profile"
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_SECONDS,
        check=True,
    )


def dump_dom(tmp: Path, page: Path) -> lxml.html.HtmlElement:
    result = browse(tmp, "--virtual-time-budget=2000", "--dump-dom", page.as_uri())
    assert "<html" in result.stdout, result.stderr[-2000:]
    return lxml.html.document_fromstring(result.stdout)


def screenshot(tmp: Path, page: Path, name: str) -> Path:
    png = tmp / name
    browse(tmp, f"--screenshot={png}", "--window-size=1280,800", page.as_uri())
    assert png.is_file()
    if os.environ.get("AUTOMSG_UPDATE_SCREENSHOTS"):
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(png, ROOT / "docs" / name)
    return png


def not_blank(png: Path) -> tuple[float, int]:
    """The screenshot's pixel standard deviation (grey) and its number of colours."""
    from PIL import Image, ImageStat

    with Image.open(png) as image:
        assert image.size == (1280, 800)
        grey = image.convert("L")
        colours = image.convert("RGB").getcolors(1 << 20) or []
        return ImageStat.Stat(grey).stddev[0], len(colours)
