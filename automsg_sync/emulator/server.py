"""Run the emulator: in a background thread (tests, demo) or in the foreground (CLI)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import create_app
from .store import Store


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        # Dropped connections are injected on purpose; anything else still shows.
        if type == "error":
            logging.getLogger("automsg_sync.emulator").debug(message, *args)


class EmulatorServer:
    """A real HTTP server on loopback, serving the emulator on its own thread.

    >>> with EmulatorServer(Store({"accounts": {}})) as emu:  # doctest: +SKIP
    ...     requests.get(emu.url + "/_emulator/dump")
    """

    def __init__(
        self,
        store: Store | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token_ttl: float = 8 * 3600,
    ) -> None:
        self.store = store or Store()
        self.app = create_app(self.store, token_ttl=token_ttl)
        self.server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=_QuietHandler
        )
        self.server.daemon_threads = True  # type: ignore[attr-defined]
        self.host = host
        self.port = int(self.server.server_port)
        self._thread: threading.Thread | None = None

    @classmethod
    def from_file(cls, path: Path, **kwargs: Any) -> EmulatorServer:
        return cls(Store.from_file(path), **kwargs)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="automsg-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
