"""Command line: parse options, call one library function, render the result.

No business logic lives here. Exit codes (DESIGN.md): 0 done, 1 error,
2 usage or config error, 3 finished but something needs a human, 4 another
run holds the account's lock.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import json
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from . import __version__
from .config import APIS, AccountSettings, Settings, load_settings
from .errors import AutomsgError
from .log import register_secrets, setup_logging

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("automsg_sync.cli")


def out() -> Console:
    return Console(highlight=False, soft_wrap=True)


class Ctx:
    """What the top-level options give every command."""

    def __init__(self, verbose: bool, log_format: str) -> None:
        self.verbose = verbose
        self.log_format = log_format


def account_options(f: F) -> F:
    """--account, --config, --csds-url, --api, --state-dir: shared by account commands."""

    @click.option("--account", "account_id", metavar="ID", help="LivePerson account id.")
    @click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="TOML config file (default: ./automsg.toml if present).",
    )
    @click.option(
        "--csds-url",
        metavar="URL",
        help="Domain API base URL (env AUTOMSG_CSDS_URL; default https://api.liveperson.net).",
    )
    @click.option(
        "--api",
        type=click.Choice(APIS),
        default=None,
        help="Automatic Messages API: auto (Unified, else legacy on a 404; the default), "
        "unified-auto-messages or auto-messages.",
    )
    @click.option(
        "--state-dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Where the state store lives (default .automsg/).",
    )
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        settings = load_settings(
            kwargs.pop("config_path"),
            csds_url=kwargs.pop("csds_url"),
            state_dir=kwargs.pop("state_dir"),
        )
        account = settings.account(kwargs.pop("account_id"))
        api = kwargs.pop("api")
        if api:
            account = dataclasses.replace(account, api=api)
        register_secrets(account.credentials.secrets())
        return f(*args, settings=settings, account=account, **kwargs)

    return wrapper  # type: ignore[return-value]


class _Group(click.Group):
    """Turns every AutomsgError into a one-line message and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AutomsgError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
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
    _tune_gc()


def _tune_gc() -> None:
    """Run the cycle collector 140 times less often than CPython's default.

    A large import holds millions of small objects (units, texts, proposals)
    and creates them in bursts; with the default threshold (a collection every
    700 allocations) the collector was a quarter of a 300,000-unit import.
    Those objects form no reference cycles (reference counting frees them),
    so collecting more rarely loses nothing; the collector stays on for what
    does form cycles (exceptions, HTTP sessions).
    """
    gc.set_threshold(100_000, 10, 10)


@main.command()
@account_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def status(settings: Settings, account: AccountSettings, as_json: bool) -> None:
    """Per context and language: custom-translated, LivePerson default, missing."""
    from .lp import connect
    from .render import print_status
    from .status import account_status

    with connect(settings, account) as conn:
        result = account_status(conn, account)
    if as_json:
        _print_json(result.to_json())
    else:
        print_status(out(), result)


def _csv(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [x.strip() for x in value.split(",") if x.strip()]


@main.command("export-for-translation")
@account_options
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory for the files (written to OUT/<account>/<language>.po|.xlsx|.xlf).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["po", "xlsx", "xliff", "both"]),
    default=None,
    help="File format: po, xlsx, xliff (XLIFF 1.2, for CAT tools), or both (po and xlsx); "
    "default: the config's formats, else both.",
)
@click.option("--languages", metavar="LIST", help="Target languages, e.g. fr-FR,de-DE.")
@click.option("--skills", metavar="LIST", help="Skill ids (7,9) or 'all' (default).")
@click.option(
    "--only",
    metavar="STATES",
    help="Unit states to export: missing,default,stale,translated (default: all).",
)
@click.option("--source-language", metavar="TAG", help="Source language (default en-US).")
@click.option(
    "--dedupe/--no-dedupe",
    default=None,
    help="Write a text repeated across contexts once per language; its translation goes to "
    "every unit (default: the config's dedupe, else off).",
)
@click.option(
    "--prefill/--no-prefill",
    default=None,
    help="Pre-fill a missing unit with the translation the same text has in another context, "
    "marked fuzzy / needs review (default: the config's prefill, else off).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (for machines).")
def export_for_translation(
    settings: Settings,
    account: AccountSettings,
    out_dir: Path,
    fmt: str | None,
    languages: str | None,
    skills: str | None,
    only: str | None,
    source_language: str | None,
    dedupe: bool | None,
    prefill: bool | None,
    as_json: bool,
) -> None:
    """Write PO/XLSX/XLIFF files per language for translators and record the baseline.

    The summary counts, per language, the units exported and the entries in
    each file, and the source words and characters a quote needs: new (first
    occurrence, untranslated), pre-filled, repeated (a text seen before in the
    language); words as translate-toolkit's pocount counts them.
    """
    from rich.progress import Progress

    from .export import ExportRequest
    from .export import export_for_translation as run_export
    from .lp import connect
    from .model import UNIT_STATES
    from .render import print_export_result
    from .state import StateStore

    formats = {"both": ["po", "xlsx"], None: list(account.formats)}.get(fmt, [fmt or "po"])
    request = ExportRequest(
        out_dir=out_dir,
        formats=formats,
        languages=_csv(languages),
        skills=_csv(skills),
        only=frozenset(_csv(only) or UNIT_STATES),
        source_language=source_language,
        dedupe=dedupe,
        prefill=prefill,
    )
    state = StateStore(settings.state_dir)
    console = out()
    with Progress(console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("exporting", total=None)

        def progress(language: str, done: int, total: int) -> None:
            bar.update(task, description=f"exporting {language}", completed=done, total=total)

        with connect(settings, account) as conn:
            result = run_export(conn, account, request, state, progress)
    if as_json:
        _print_json(result.to_json())
    else:
        print_export_result(console, result, out_dir)


@main.command("import-translations")
@account_options
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--apply", "do_apply", is_flag=True, help="Write the plan (default: dry run, nothing written).")
@click.option("--accept-stale", is_flag=True, help="Push units whose source changed since export.")
@click.option("--prefer-file", is_flag=True, help="Overwrite texts changed live since export.")
@click.option("--include-fuzzy", is_flag=True, help="Import fuzzy PO entries too.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the JSON report here.",
)
def import_translations(
    settings: Settings,
    account: AccountSettings,
    files: tuple[Path, ...],
    do_apply: bool,
    accept_stale: bool,
    prefer_file: bool,
    include_fuzzy: bool,
    report_path: Path | None,
) -> None:
    """Read returned PO/XLSX files, QA-check, diff three ways, and (--apply) write."""
    from .imports import ImportOptions
    from .imports import import_translations as run_import
    from .lp import connect
    from .render import print_import_report
    from .state import StateStore

    options = ImportOptions(
        do_apply, accept_stale, prefer_file, include_fuzzy, account.max_length, settings.max_file_bytes
    )
    state = StateStore(settings.state_dir)
    with connect(settings, account) as conn:
        report = run_import(conn, account, list(files), options, state, settings.state_dir / "backups")
    if report_path is not None:
        _write_json(report_path, report.to_json())
    print_import_report(out(), report)
    sys.exit(report.exit_code)


@main.command("cron-run")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("automsg.toml"),
    show_default=True,
    help="TOML config file with the accounts, directories and policies.",
)
@click.option("--accounts", metavar="LIST", help="Only these configured accounts (comma list).")
@click.option(
    "--wait", default=0.0, metavar="SECONDS", help="Wait this long for another run's lock (default: exit 4)."
)
def cron_run(config_path: Path, accounts: str | None, wait: float) -> None:
    """The scheduled run: import the inbox, export what is new, write a report."""
    from .cron import cron_run as run_cron

    settings = load_settings(config_path)
    for account in settings.accounts.values():
        register_secrets(account.credentials.secrets())
    report = run_cron(settings, _csv(accounts), wait=wait)
    for result in report.accounts:
        click.echo(result.summary())
    click.echo(f"report: {report.path}")
    sys.exit(report.exit_code)


@main.command()
@account_options
@click.argument("backup", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--apply", "do_apply", is_flag=True, help="Write (default: dry run, nothing written).")
def restore(settings: Settings, account: AccountSettings, backup: Path, do_apply: bool) -> None:
    """Put back the pre-images an apply saved; a text changed since is a conflict, not overwritten."""
    from .lp import connect
    from .render import print_restore_report
    from .restore import restore_backup
    from .state import StateStore

    state = StateStore(settings.state_dir)
    with connect(settings, account) as conn:
        report = restore_backup(
            conn,
            account.id,
            backup,
            state,
            settings.state_dir / "backups",
            apply=do_apply,
            put_override=account.put_override,
        )
    print_restore_report(out(), report)
    sys.exit(report.exit_code)


@main.command()
@account_options
@click.option("--language", required=True, metavar="TAG", help="The conversation's language, e.g. fr-FR.")
@click.option("--skill", metavar="ID", help="Route the conversation to this skill.")
@click.option("--listen", metavar="HOST:PORT", help="Webhook listener address (default [verify] listen).")
@click.option("--public-url", metavar="URL", help="Where LivePerson reaches the listener, if not --listen.")
@click.option("--timeout", type=float, help="Seconds to wait for the automatic message (default 30).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def verify(
    settings: Settings,
    account: AccountSettings,
    language: str,
    skill: str | None,
    listen: str | None,
    public_url: str | None,
    timeout: float | None,
    as_json: bool,
) -> None:
    """Open a test conversation (AUTO_MESSAGES) and check the consumer sees the pushed text."""
    from .lp import connect
    from .model import normalise_language
    from .render import print_verify_result
    from .state import StateStore
    from .verify import verify as run_verify

    if account.connector_client_secret is not None:
        register_secrets([account.connector_client_secret.reveal()])
    options = dataclasses.replace(
        settings.verify,
        listen=listen or settings.verify.listen,
        public_url=public_url or settings.verify.public_url,
        timeout=timeout if timeout is not None else settings.verify.timeout,
    )
    try:
        lang = normalise_language(language)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--language") from None
    with connect(settings, account) as conn:
        result = run_verify(
            conn, account, StateStore(settings.state_dir), options, language=lang, skill=skill
        )
    if as_json:
        _print_json(result.to_json())
    else:
        print_verify_result(out(), result)
    sys.exit(result.exit_code)


def _print_json(document: object) -> None:
    """``--json``: one document on stdout, for machines."""
    click.echo(json.dumps(document, ensure_ascii=False))


def _write_json(path: Path, document: object) -> None:
    # one line: json's C encoder; with an indent it falls back to Python, 20 s for the
    # report of a 300,000-unit import (``jq .`` pretty-prints it)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


@main.command()
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
    from .emulator import EmulatorServer, Store

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


if __name__ == "__main__":  # pragma: no cover
    main()
