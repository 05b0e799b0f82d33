"""``automsg-sync emulator``: the embedded LivePerson-compatible server (:mod:`automsg_sync.emulator`)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=0, show_default=True, help="Port (0: a free one).")
@click.option(
    "--data",
    "data_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Data file to seed the store (samples/emulator-data.json).",
)
@click.option("--token-ttl", default=8 * 3600.0, show_default=True, help="Bearer lifetime, s.")
def emulator(host: str, port: int, data_path: Path | None, token_ttl: float) -> None:
    """Run the embedded LivePerson-compatible server until stopped."""
    # imported when the command runs, not at the top: `automsg-sync --help` loads every command module
    from ..emulator import EmulatorServer, Store

    try:
        store = Store.from_file(data_path) if data_path else Store()
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{data_path}: {exc}") from None
    server = EmulatorServer(store, host=host, port=port, token_ttl=token_ttl)
    click.echo(f"listening on {server.url}")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server.server_close()
