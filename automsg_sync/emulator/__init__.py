"""The LivePerson-compatible emulator (Flask): CSDS, login, OAuth 1.0a,
automatic messages (both APIs), skills, fault injection and test hooks."""

from __future__ import annotations

from .app import create_app
from .server import EmulatorServer
from .store import Store

__all__ = ["EmulatorServer", "Store", "create_app"]
