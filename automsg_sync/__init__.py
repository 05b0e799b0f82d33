"""automsg-sync: keep LivePerson Automatic Messages translations in sync with translators."""

from __future__ import annotations

__version__ = "0.1.0"
