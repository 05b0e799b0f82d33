"""The per-app state every emulator route reaches: one per ``create_app``, never a module global.

Tests run many emulators in one process at once, so a blueprint finds its store,
faults, tokens and connector through :func:`current` (the app answering the request),
not through anything imported.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Flask, current_app

from .auth import Tokens
from .connector import Connector
from .faults import Faults
from .store import Store

EXTENSION = "automsg.emulator"


@dataclass
class Emulator:
    """One emulator's state: the data, the injected faults, the sessions, the Connector
    side, and the log of the requests it was sent (guarded by ``log_lock``)."""

    store: Store
    faults: Faults
    tokens: Tokens
    connector: Connector
    request_log: list[dict[str, Any]] = field(default_factory=list)
    log_lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, app: Flask) -> None:
        """Attach to ``app``; ``app.extensions["automsg"]`` is the handle tests reach into."""
        app.extensions[EXTENSION] = self
        app.extensions["automsg"] = {
            "store": self.store,
            "faults": self.faults,
            "tokens": self.tokens,
            "connector": self.connector,
        }


def current() -> Emulator:
    """The state of the emulator answering the current request."""
    return cast(Emulator, current_app.extensions[EXTENSION])
