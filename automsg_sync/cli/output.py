"""What every command shares to say its result: the tables' console, ``--json``, the
``--report`` and ``--html`` files, and the one line for a reader of stdout gone away."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.console import Console

from ..files import OutputError, check_target


def out() -> Console:
    """Tables on stdout. Piped into a file or a log, rich would assume 80 columns and cut
    texts and file names; there the width is ``COLUMNS``, else 160."""
    width = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160
    return _Stdout(highlight=False, soft_wrap=True, width=width)


class _Stdout(Console):
    """rich's console on stdout; a reader gone away is said as for any output (:func:`stdout_gone`),
    where rich would exit 1 without a word."""

    def on_broken_pipe(self) -> None:
        stdout_gone()


def stdout_gone() -> None:
    """The reader of stdout went away (``| head`` ended, a closed pipe): one line on
    stderr and exit 141 (128 + SIGPIPE, as a shell reports a command a pipe ended),
    not ``internal error: BrokenPipeError``. Whatever the command did stands.
    Python's own advice: point stdout at devnull, so that the flush at exit is quiet."""
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    with contextlib.suppress(OSError):
        click.echo("stdout was closed before the output was written; what the command did stands", err=True)
    sys.exit(141)


def print_json(document: object) -> None:
    """``--json``: one document on stdout, for machines."""
    click.echo(json.dumps(document, ensure_ascii=False))


def check_outputs(*paths: Path | None) -> None:
    """``--report`` and ``--html`` named a symbolic link, a device or a folder: refused
    before any work (:func:`files.check_target`)."""
    for path in paths:
        if path is not None:
            check_target(path)


def write_output(what: str, path: Path | None, write: Callable[[Path], object]) -> bool:
    """Write a ``--report`` (owner-only and atomic, as backups are: it holds every text of
    the run; one line, ``jq .`` pretty-prints it) or an ``--html`` page, once the
    summary is printed; a failure is said in one line (False), nothing half-written."""
    if path is None:
        return True
    try:
        write(path)
    except OutputError as exc:
        click.echo(f"error: the {what} was not written: {exc}", err=True)
        return False
    except OSError as exc:
        click.echo(
            f"error: the {what} could not be written to {path} ({exc.strerror or exc}); "
            "everything above stands",
            err=True,
        )
        return False
    return True
