"""Command line: parse options, call one library function, render the result.

No business logic lives here. This module is the group (``automsg-sync`` and its
global options), the turning of errors into one line and an exit code, and the
process's end (:func:`run`); each command is a module of its own beside it
(``export.py``, ``imports.py``, ``cron.py``, ``status.py``, ``restore.py``,
``verify.py``, ``emulator.py``, ``languages.py``), sharing ``options.py`` and
``output.py``.

Exit codes: 0 done, 1 error, 2 usage or config error, 3 finished but something
needs a human, 4 another run holds the account's lock; 130 interrupted, 141 stdout
closed.
"""

from __future__ import annotations

import atexit
import contextlib
import difflib
import gc
import logging
import os
import sys
from typing import Any

import click

from .. import __version__
from ..errors import AutomsgError
from ..log import setup_logging
from .cron import cron_run
from .emulator import emulator
from .export import export_for_translation
from .imports import import_translations
from .languages import languages
from .output import stdout_gone
from .restore import restore
from .status import status
from .verify import verify

log = logging.getLogger("automsg_sync.cli")


class Ctx:
    """What the top-level options give every command."""

    def __init__(self, verbose: bool, log_format: str) -> None:
        self.verbose = verbose
        self.log_format = log_format


def _verbose_after_command(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``automsg-sync status -v``: the top-level ``--verbose``, given after the command."""
    top = ctx.find_object(Ctx)
    if value and top is not None and not top.verbose:
        top.verbose = True
        setup_logging(top.log_format, True)


class _Group(click.Group):
    """Turns every AutomsgError into a one-line message and its exit code; gives every
    command ``-v``/``--verbose`` too, so it works after the command's name as before it."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.params.append(
            click.Option(
                ["-v", "--verbose"],
                is_flag=True,
                expose_value=False,
                callback=_verbose_after_command,
                help="Log debug detail (never secrets); same as before the command.",
            )
        )
        super().add_command(cmd, name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """An unknown command name suggests the commands it begins, or the closest one
        (``export`` → ``export-for-translation``), as click does for options."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError:
            name = args[0] if args else ""
            known = self.list_commands(ctx)
            close = [c for c in known if c.startswith(name)] or difflib.get_close_matches(name, known, n=1)
            if not name or name.startswith("-") or not close:
                raise
            raise click.UsageError(
                f"No such command {name!r}. Did you mean {' or '.join(close)}?", ctx
            ) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AutomsgError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            stdout_gone()
        except KeyboardInterrupt:
            # what was done stays done and is safe: an export places its files only once
            # recorded, an apply logged what it had written; a re-run finishes the rest
            click.echo(
                "interrupted (exit 130): anything already recorded or written stays so and is safe; "
                "run the same command again to finish",
                err=True,
            )
            sys.exit(130)
        except Exception as exc:  # the last line of defence: never a bare traceback
            log.debug("internal error", exc_info=True)
            click.echo(
                f"internal error: {type(exc).__name__}: {exc} (run with --verbose for details)",
                err=True,
            )
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="automsg-sync")
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail (never secrets).")
@click.option(
    "--log-format",
    type=click.Choice(["auto", "text", "json"]),
    default="auto",
    help="Log lines on stderr: text on a terminal, JSON lines otherwise (auto).",
)
@click.pass_context
def main(ctx: click.Context, verbose: bool, log_format: str) -> None:
    """Keep LivePerson Automatic Messages translations in sync with translators."""
    setup_logging(log_format, verbose)
    ctx.obj = Ctx(verbose, log_format)
    _tune_gc(ctx)


LONG_RUNNING = ("cron-run", "emulator")  # commands that keep the cycle collector on


def run() -> None:
    """The console script (and ``python -m automsg_sync``): :func:`main`, then a hard exit.

    A large import ends holding a few million small objects (its plan, the
    proposals and texts behind it); freeing them one by one when the process
    exits took ~0.5 s of a 300,000-unit apply, after the report was printed.
    The process is ended instead by ``os._exit``, as mypy's ``hard_exit`` does,
    once everything a normal exit does that matters is done: the state stores
    are closed and their checkpoints waited for (the WAL folded in and removed),
    the ``atexit`` functions run (logging's flush among them), and stdout and
    stderr flushed. Only one-shot commands end so (``cron-run`` and the emulator,
    whose threads a normal exit waits for, exit normally), and only from this
    entry point: a test calling :func:`main` through click's runner gets the
    normal ``SystemExit``.
    """
    global _hard_exit_armed
    _hard_exit_armed = True
    try:
        main()
        code: object = 0
    except SystemExit as exc:  # every command ends in one (click's standalone mode)
        if not _hard_exit_armed:
            raise
        code = exc.code
    _hard_exit(code)


_hard_exit_armed = False  # by run(), for a one-shot command: it ends without freeing its objects


def _hard_exit(code: object) -> None:
    """End the process with ``code`` as ``sys.exit(code)`` would, without freeing objects."""
    # load cost: sqlite3 and the store, needed only once a command has ended
    from ..state import wait_for_checkpoints

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): printed, exit 1
        sys.stderr.write(f"{code}\n")
        status = 1
    atexit._run_exitfuncs()  # closes the state stores still open, among others
    wait_for_checkpoints()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a reader gone (``| head``): nothing more reaches it
            stream.flush()
    os._exit(status)


def _tune_gc(ctx: click.Context) -> None:
    """The cycle collector: off for a one-shot command, rare for the long-running ones.

    A large export or import holds millions of small objects (units, texts,
    proposals, decisions) and creates them in bursts. Those form no reference
    cycles (reference counting frees them), yet every 700 allocations (CPython's
    default) the collector walks the young ones, and every tenth walk a larger
    share: a quarter of a 300,000-unit import at the default threshold, and still
    ~1 s of an export and of an import at 100,000. A one-shot command runs
    with the collector off, as Mercurial's ``nogc`` does for the same reason:
    what little forms cycles (an exception's traceback, an HTTP session) lives
    until the command ends, and the collector is back on when it does (a test
    calling the CLI in its own process gets it back; a process ended by
    :func:`run`'s hard exit has no use for it). ``cron-run`` (hundreds
    of accounts in one process) and the emulator keep it, only run less often.
    """
    global _hard_exit_armed
    if ctx.invoked_subcommand in LONG_RUNNING:
        gc.set_threshold(100_000, 10, 10)
        _hard_exit_armed = False
    elif gc.isenabled():
        gc.disable()
        if not _hard_exit_armed:  # a process that goes on (a test's): its collector back
            ctx.call_on_close(gc.enable)


for _command in (
    export_for_translation,
    import_translations,
    cron_run,
    status,
    restore,
    verify,
    emulator,
    languages,
):
    main.add_command(_command)
