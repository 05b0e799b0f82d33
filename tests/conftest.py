"""Shared fixtures: a real emulator on 127.0.0.1:0 in a background thread."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from automsg_sync.config import HttpSettings, Settings, load_settings
from automsg_sync.emulator import EmulatorServer, Store
from automsg_sync.lp import Connection, connect

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "emulator-data.json"
ACCOUNT = "70071528"
USER = {"AUTOMSG_USERNAME": "translation.manager", "AUTOMSG_PASSWORD": "demo-Passw0rd!"}
KEYS = {
    "AUTOMSG_APP_KEY": "3f1c9b7e2a6d4c8b9e0f1a2b3c4d5e6f",
    "AUTOMSG_APP_SECRET": "6b2e9d1c4a7f3e8d",
    "AUTOMSG_ACCESS_TOKEN": "a9d8c7b6e5f4a3b2c1d0e9f8a7b6c5d4",
    "AUTOMSG_ACCESS_TOKEN_SECRET": "1e2d3c4b5a697887",
}
CONNECTOR = {
    "AUTOMSG_CONNECTOR_CLIENT_ID": "automsg-verify-0c4f2a",
    "AUTOMSG_CONNECTOR_CLIENT_SECRET": "w3bh00k-s1gning-secret",
}
FAST = HttpSettings(timeout=5.0, retry_waits=(0.01, 0.01, 0.01), min_rate_limit_wait=0.0)


def free_port() -> int:
    """A loopback port nobody listens on (for a webhook listener the emulator must be told of)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sample_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


class Emu:
    """The running emulator plus helpers for its test hooks."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.url = server.url
        self.store = server.store

    def hook(self, method: str, path: str, body: Any = None) -> Any:
        r = requests.request(method, f"{self.url}/_emulator/{path}", json=body, timeout=10)
        r.raise_for_status()
        return r.json()

    def requests(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.hook("GET", "requests")
        return result

    def clear_requests(self) -> None:
        self.hook("DELETE", "requests")

    def faults(self, **spec: Any) -> None:
        self.hook("PUT", "faults", spec)

    def ui_edit(self, context: str, event_id: str, lang: str, msg: str) -> None:
        body = {"context": context, "messageEventId": event_id, "lang": lang, "msg": msg}
        self.hook("POST", f"accounts/{ACCOUNT}/ui-edit", body)

    def connector_app(self, client_id: str, **fields: Any) -> None:
        """Set fields of the account's Connector app ``client_id`` (``webhookUrl``, …)."""
        self.hook("PUT", f"accounts/{ACCOUNT}/connector-apps/{client_id}", fields)

    def webhook_port(self, client_id: str) -> int:
        """A free loopback port, made the webhook of Connector app ``client_id``; returned."""
        port = free_port()
        self.connector_app(client_id, webhookUrl=f"http://127.0.0.1:{port}/webhook")
        return port

    def dump(self) -> dict[str, Any]:
        result: dict[str, Any] = self.hook("GET", "dump")
        return result


@pytest.fixture
def emu() -> Iterator[Emu]:
    with EmulatorServer(Store(sample_data())) as server:
        yield Emu(server)


@pytest.fixture
def env() -> dict[str, str]:
    return dict(USER)


@pytest.fixture
def settings(emu: Emu, env: dict[str, str], tmp_path: Path) -> Settings:
    base = load_settings(None, env, csds_url=emu.url, state_dir=tmp_path / "state")
    return replace(base, http=FAST)


class Sleeps(list[float]):
    """A recording stand-in for time.sleep, injected through the client's constructor."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def conn(settings: Settings, sleeps: Sleeps) -> Connection:
    return connect(settings, settings.account(ACCOUNT), sleep=sleeps)


def export_po(settings: Settings, out: Path, languages: Sequence[str] = ("fr-FR",), **request: Any) -> Any:
    """An export of the sample account to PO files (or ``formats=[…]``) in ``out`` (its own
    connection and store)."""
    from automsg_sync.export import ExportRequest, export_for_translation
    from automsg_sync.state import StateStore

    account = settings.account(ACCOUNT)
    state = StateStore(settings.state_dir)
    try:
        request.setdefault("formats", ["po"])
        with connect(settings, account, sleep=Sleeps()) as conn:
            return export_for_translation(
                conn, account, ExportRequest(out, languages=list(languages), **request), state
            )
    finally:
        state.close()


def fill_po(path: Path, prefix: str = "(fr) ") -> Path:
    """The scripted translator: every empty entry gets ``prefix`` + its source."""
    import polib

    po = polib.pofile(str(path))
    for entry in po:
        entry.msgstr = entry.msgstr or f"{prefix}{entry.msgid}"
    po.save(str(path))
    return path


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> pytest.LogCaptureFixture:
    """caplog that sees the package's records raw (a CLI test may have set up its own handler)."""
    import logging

    logger = logging.getLogger("automsg_sync")
    monkeypatch.setattr(logger, "propagate", True)
    monkeypatch.setattr(logger, "handlers", [])
    caplog.set_level(logging.DEBUG, logger="automsg_sync")
    return caplog
