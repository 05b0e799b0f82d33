"""``automsg-sync emulator``: the embedded LivePerson-compatible server (:mod:`automsg_sync.emulator`),
and ``emulator edit``, a human's edit in LivePerson's UI made on a running one."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from ..errors import ConfigError

SERVER_OPTIONS = ("host", "port", "data_path", "token_ttl")
# a UI edit is a POST that bumps the revision: sent once, never retried (a retry could edit twice)


@click.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=0, show_default=True, help="Port (0: a free one).")
@click.option(
    "--data",
    "data_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Data file to seed the store (samples/emulator-data.json).",
)
@click.option("--token-ttl", default=8 * 3600.0, show_default=True, help="Bearer lifetime, s.")
@click.pass_context
def emulator(ctx: click.Context, host: str, port: int, data_path: Path | None, token_ttl: float) -> None:
    """Run the embedded LivePerson-compatible server until stopped.

    With a command, act on a running one instead: `automsg-sync emulator edit` makes a
    UI edit (see its --help).
    """
    if ctx.invoked_subcommand is None:
        _serve(host, port, data_path, token_ttl)
        return
    for name in SERVER_OPTIONS:
        if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT:
            option = "--data" if name == "data_path" else "--" + name.replace("_", "-")
            raise ConfigError(
                f"{option} starts a server; "
                f"`emulator {ctx.invoked_subcommand}` acts on a running one (its --url)"
            )


def _serve(host: str, port: int, data_path: Path | None, token_ttl: float) -> None:
    """The server in the foreground: ``listening on URL`` first, then until SIGTERM or Ctrl-C."""
    # imported when the command runs, not at the top: Flask is the heaviest import of all
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


@emulator.command(
    epilog="\b\nExample:\n"
    "  $ automsg-sync emulator edit CONSUMER_OPEN_NEW_CONVERSATION fr-FR 'Bonjour (édité à la main)'"
)
@click.argument("message")
@click.argument("language")
@click.argument("text")
@click.option(
    "--context",
    default="account",
    show_default=True,
    metavar="account|skill/ID",
    help="The account default or a skill's override.",
)
@click.option(
    "--account",
    "account_id",
    metavar="ID",
    envvar="AUTOMSG_ACCOUNT",
    help="Account id (env AUTOMSG_ACCOUNT).",
)
@click.option(
    "--url",
    metavar="URL",
    envvar="AUTOMSG_CSDS_URL",
    help="The running emulator, on this machine only "
    "(env AUTOMSG_CSDS_URL, as the README's walk exports it).",
)
def edit(
    message: str, language: str, text: str, context: str, account_id: str | None, url: str | None
) -> None:
    """Change one text on a running emulator as a human in LivePerson's UI would: MESSAGE
    (its messageEventId, e.g. CONSUMER_OPEN_NEW_CONVERSATION) in LANGUAGE becomes TEXT,
    in a new revision. The next import sees a text changed live since its export."""
    # imported when the command runs, not at the top: requests and tenacity, for this command only
    from ..emulator.client import ui_edit

    done = ui_edit(url, account_id, context, message, language, text)
    click.echo(
        f"edited {context}/{message} {done.language} on {done.url} "
        f"(account {account_id}, revision {done.revision})"
    )
