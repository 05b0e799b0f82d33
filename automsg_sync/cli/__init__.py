"""Command line: parse options, call one library function, render the result.

No business logic lives here. Exit codes (DESIGN.md): 0 done, 1 error,
2 usage or config error, 3 finished but something needs a human, 4 another
run holds the account's lock.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import gc
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from .. import __version__
from ..config import APIS, FORMATS, AccountSettings, Settings, load_settings
from ..errors import AutomsgError
from ..files import OutputError, check_target, write_private_json
from ..log import register_secrets, setup_logging

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("automsg_sync.cli")


def out() -> Console:
    """Tables on stdout. Piped into a file or a log, rich would assume 80 columns and cut
    texts and file names; there the width is ``COLUMNS``, else 160."""
    width = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 160
    return _Stdout(highlight=False, soft_wrap=True, width=width)


class _Stdout(Console):
    """rich's console on stdout; a reader gone away is said as for any output (:func:`_stdout_gone`),
    where rich would exit 1 without a word."""

    def on_broken_pipe(self) -> None:
        _stdout_gone()


class Ctx:
    """What the top-level options give every command."""

    def __init__(self, verbose: bool, log_format: str) -> None:
        self.verbose = verbose
        self.log_format = log_format


CREDENTIALS_HELP = (
    "Credentials come from the environment (never the command line), or from the config file's "
    "[[accounts]]: AUTOMSG_CLIENT_ID and AUTOMSG_CLIENT_SECRET (OAuth 2.0 client credentials, "
    "LivePerson's recommended method), or AUTOMSG_USERNAME and AUTOMSG_PASSWORD (Login Service), or "
    "the retired OAuth 1.0 API key's AUTOMSG_APP_KEY, AUTOMSG_APP_SECRET, AUTOMSG_ACCESS_TOKEN and "
    "AUTOMSG_ACCESS_TOKEN_SECRET. `status` says which one is used. AUTOMSG_ACCOUNT is the default "
    "account, AUTOMSG_CSDS_URL the Domain API base URL."
)


def epilog(*examples: str) -> str:
    """A command's help epilog: where credentials come from, and example command lines."""
    lines = "\n".join(f"  $ {e}" for e in examples)
    return f"{CREDENTIALS_HELP}\n\n\b\nExample:\n{lines}"


@dataclasses.dataclass(frozen=True)
class Accounts:
    """For commands whose files carry their account: ``--account`` (an override, or
    None) and the settings of any account a file names."""

    settings: Settings
    override: str | None
    api: str | None

    def get(self, account_id: str, origin: str | None = None) -> AccountSettings:
        return _account_settings(self.settings, account_id, self.api, origin)


def _account_settings(
    settings: Settings, account_id: str | None, api: str | None, origin: str | None = None
) -> AccountSettings:
    account = settings.account(account_id, origin=origin)
    if api:
        account = dataclasses.replace(account, api=api)
    register_secrets(account.credentials.secrets())
    return account


def account_options(f: F) -> F:
    """--account, --config, --csds-url, --api, --state-dir: shared by account commands."""
    return _account_options(f, from_files=False)


def file_account_options(f: F) -> F:
    """``account_options`` for commands whose files name their account: the command gets
    ``accounts`` (an :class:`Accounts`) instead of one account; ``--account`` only overrides."""
    return _account_options(f, from_files=True)


def _account_options(f: F, *, from_files: bool) -> F:
    account_help = (
        "LivePerson account id; default: the account each file names (given, it must match them)."
        if from_files
        else "LivePerson account id (env AUTOMSG_ACCOUNT)."
    )

    @click.option("--account", "account_id", metavar="ID", help=account_help)
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
        account_id, api = kwargs.pop("account_id"), kwargs.pop("api")
        if from_files:
            return f(*args, settings=settings, accounts=Accounts(settings, account_id, api), **kwargs)
        return f(*args, settings=settings, account=_account_settings(settings, account_id, api), **kwargs)

    return wrapper  # type: ignore[return-value]


def _verbose_after_command(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``automsg-sync status -v``: the top-level ``--verbose``, given after the command."""
    top = ctx.find_object(Ctx)
    if value and top is not None and not top.verbose:
        top.verbose = True
        setup_logging(top.log_format, True)


def html_option(what: str) -> Callable[[F], F]:
    """``--html FILE``: also write a self-contained HTML page (``what`` it holds)."""
    return click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), help=what)


WAIT_OPTION = click.option(
    "--wait",
    default=0.0,
    metavar="SECONDS",
    help="With --apply: wait this long for another run's lock on the account (default: exit 4).",
)


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

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AutomsgError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            _stdout_gone()
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


def _stdout_gone() -> None:
    """The reader of stdout went away (``| head`` ended, a closed pipe): one line on
    stderr and exit 141 (128 + SIGPIPE, as a shell reports a command a pipe ended),
    not ``internal error: BrokenPipeError``. Whatever the command did stands.
    Python's own advice: point stdout at devnull, so that the flush at exit is quiet."""
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    with contextlib.suppress(OSError):
        click.echo("stdout was closed before the output was written; what the command did stands", err=True)
    sys.exit(141)


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


@main.command(
    epilog=epilog(
        "automsg-sync status --account 70071528 --languages fr-FR,de-DE --skills 7,9",
    )
)
@account_options
@click.option("--languages", metavar="LIST", help="Only these languages' rows, e.g. fr-FR,de-DE.")
@click.option(
    "--skills",
    metavar="LIST",
    help="The account default and only these skills' overrides, e.g. 7,9 (default: all).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@html_option("Also write a coverage page here: a self-contained HTML heat map, context × language.")
def status(
    settings: Settings,
    account: AccountSettings,
    languages: str | None,
    skills: str | None,
    as_json: bool,
    html_path: Path | None,
) -> None:
    """Per context and language: custom-translated, LivePerson default, missing, and
    the percentage done (custom of all)."""
    from ..lp import connect
    from ..render import print_status
    from ..status import account_status

    _check_outputs(html_path)
    with connect(settings, account) as conn:
        result = account_status(conn, account, _csv(languages), _csv(skills))
    if settings.git is not None and account.git:
        from ..gitrun import status_line

        result = dataclasses.replace(result, git=status_line(settings, account))
    if as_json:
        _print_json(result.to_json())
    else:
        print_status(out(), result)
    if html_path is not None:
        from ..html import write_coverage_page

        sys.exit(
            0 if _write_output("coverage page", html_path, lambda p: write_coverage_page(result, p)) else 1
        )


def _csv(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [x.strip() for x in value.split(",") if x.strip()]


def _formats(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[str] | None:
    """``--format po,xliff``: a list of po, xlsx, xliff, tmx; ``both`` is po,xlsx."""
    if value is None:
        return None
    formats: list[str] = []
    for name in _csv(value) or []:
        for fmt in ["po", "xlsx"] if name.lower() == "both" else [name.lower()]:
            if fmt not in FORMATS:
                raise click.BadParameter(
                    f"{name!r} is not a format (po, xlsx, xliff, tmx, or both = po,xlsx)",
                    param_hint="--format",
                )
            if fmt not in formats:
                formats.append(fmt)
    if not formats:
        raise click.BadParameter("no format given", param_hint="--format")
    return formats


@main.command(
    "export-for-translation",
    epilog=epilog(
        "automsg-sync export-for-translation --account 70071528 --format po,xliff --languages fr-FR"
    ),
)
@account_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory for the files (written to OUT/<account>/<language>.po|.xlsx|.xlf); "
    "default: the config's outbox ([paths] outbox, else ./outbox).",
)
@click.option(
    "--format",
    "fmt",
    metavar="LIST",
    callback=_formats,
    help="File formats, a comma list of po, xlsx, xliff (XLIFF 1.2, for CAT tools), tmx (a translation "
    "memory of what is translated live, for the CAT tool); both = po,xlsx; "
    "default: the config's formats, else po,xlsx.",
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
@html_option("Also write the summary as a self-contained HTML page here.")
def export_for_translation(
    settings: Settings,
    account: AccountSettings,
    out_dir: Path | None,
    fmt: list[str] | None,
    languages: str | None,
    skills: str | None,
    only: str | None,
    source_language: str | None,
    dedupe: bool | None,
    prefill: bool | None,
    as_json: bool,
    html_path: Path | None,
) -> None:
    """Write PO/XLSX/XLIFF files per language for translators and record the baseline.

    The summary counts, per language, the units exported and the entries in
    each file, and the source words and characters a quote needs: new (first
    occurrence, untranslated), pre-filled, repeated (a text seen before in the
    language); words as translate-toolkit's pocount counts them.
    """
    from rich.progress import Progress

    from ..export import ExportRequest
    from ..export import export_for_translation as run_export
    from ..lp import connect
    from ..model import UNIT_STATES
    from ..render import print_export_result
    from ..state import StateStore

    _check_outputs(html_path)
    out_dir = out_dir or settings.paths.outbox
    request = ExportRequest(
        out_dir=out_dir,
        formats=fmt or list(account.formats),
        languages=_csv(languages),
        skills=_csv(skills),
        only=frozenset(_csv(only) or UNIT_STATES),
        source_language=source_language,
        dedupe=dedupe,
        prefill=prefill,
        file_mode=settings.paths.outbox_mode,
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
    if html_path is not None:
        from ..html import write_export_page

        sys.exit(
            0
            if _write_output("export page", html_path, lambda p: write_export_page(result, p, out_dir))
            else 1
        )


@main.command(
    "import-translations",
    epilog=epilog(
        "automsg-sync import-translations outbox/70071528/fr-FR.po returned/ --apply --report applied.json"
    ),
)
@file_account_options
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
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
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report instead of tables.")
@click.option("--wide", is_flag=True, help="Show whole texts in the plan (not cut at 60 characters).")
@html_option(
    "Also write the plan as a self-contained HTML page here: old and new texts side by side, "
    "conflicts with all three texts, QA findings at the unit."
)
@WAIT_OPTION
def import_translations(
    settings: Settings,
    accounts: Accounts,
    files: tuple[Path, ...],
    do_apply: bool,
    accept_stale: bool,
    prefer_file: bool,
    include_fuzzy: bool,
    report_path: Path | None,
    as_json: bool,
    wide: bool,
    html_path: Path | None,
    wait: float,
) -> None:
    """Read returned PO/XLSX/XLIFF files (or every one in a folder), QA-check, diff three
    ways, and (--apply) write.

    Each file is imported into the account it names (PO header X-Automsg-Account, the
    XLSX metadata sheet, the XLIFF header); files of several accounts are imported
    account by account, and the worst exit code wins. A folder stands for its translator
    files and those of its subfolders (OUT/<account>/<language>.po), taken as cron takes
    its inbox: hidden files and *.part/*.tmp uploads are left alone.
    """
    from ..imports import ImportOptions, ImportRun, files_by_account, translation_files, unreadable_report
    from ..imports import import_translations as run_import
    from ..lp import connect
    from ..render import print_file_selection, print_import_runs
    from ..state import StateStore, account_lock

    _check_outputs(report_path, html_path)
    selection = translation_files(files)
    print_file_selection(Console(stderr=True) if as_json else out(), selection)
    grouped = files_by_account(selection.files, accounts.override, settings.max_file_bytes)
    run = ImportRun()
    for account_id, paths in grouped.accounts.items():
        state = StateStore(settings.state_dir)  # opened only when there is something to import
        account = accounts.get(account_id)
        options = ImportOptions(
            do_apply,
            accept_stale,
            prefer_file,
            include_fuzzy,
            account.max_length,
            settings.max_file_bytes,
            max_xlsx_bytes=settings.max_xlsx_bytes,
        )
        # a write takes the account's lock, as cron-run does; a dry run only reads
        lock = account_lock(settings.state_dir, account_id, wait) if do_apply else nullcontext()
        with lock, connect(settings, account) as conn:
            run.reports.append(
                run_import(conn, account, paths, options, state, settings.state_dir / "backups")
            )
    if grouped.unreadable:
        run.reports.append(unreadable_report(grouped.unreadable, dry_run=not do_apply))
    if as_json:
        _print_json(run.to_json())
    else:
        print_import_runs(out(), run, wide=wide)
    # after the summary: a report that cannot be written (a full disk) loses no word of it
    written = _write_output("report", report_path, lambda p: write_private_json(p, run.to_json()))
    if html_path is not None:
        from ..html import write_plan_page

        written = _write_output("plan page", html_path, lambda p: write_plan_page(run, p)) and written
    sys.exit(run.exit_code or (0 if written else 1))


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
    from ..cron import cron_run as run_cron

    settings = load_settings(config_path)
    for account in settings.accounts.values():
        register_secrets(account.credentials.secrets())
    report = run_cron(settings, _csv(accounts), wait=wait)
    for result in report.accounts:
        click.echo(result.summary())
    click.echo(f"report: {report.path}" if report.path else "report: not written (see the error above)")
    sys.exit(report.exit_code)


@main.command(
    epilog=epilog("automsg-sync restore .automsg/backups/70071528-20261121T050301Z-afb226.json --apply")
)
@file_account_options
@click.argument("backup", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--apply", "do_apply", is_flag=True, help="Write (default: dry run, nothing written).")
@WAIT_OPTION
def restore(settings: Settings, accounts: Accounts, backup: Path, do_apply: bool, wait: float) -> None:
    """Put back the pre-images an apply saved; a text changed since is a conflict, not overwritten.

    The account is the one the backup names (--account, if given, must be it).
    """
    from ..lp import connect
    from ..render import print_restore_report
    from ..restore import load_backup, restore_backup
    from ..state import StateStore, account_lock

    # the backup names its account; a --account that differs is refused by restore_backup
    named = str(load_backup(backup).get("account") or "")
    account = accounts.get(accounts.override or named, None if accounts.override else f"{backup}: account")
    state = StateStore(settings.state_dir)
    lock = account_lock(settings.state_dir, account.id, wait) if do_apply else nullcontext()
    with lock, connect(settings, account) as conn:
        report = restore_backup(
            conn,
            account.id,
            backup,
            state,
            settings.state_dir / "backups",
            apply=do_apply,
            put_override=account.put_override,
            source_language=account.source_language,
        )
    print_restore_report(out(), report)
    sys.exit(report.exit_code)


@main.command(
    epilog=epilog(
        "automsg-sync verify --account 70071528 --language fr-FR --skill 7 --listen 0.0.0.0:8787 "
        "--public-url https://hooks.example.com/automsg"
    )
    + "\n\nThe connector app's AUTOMSG_CONNECTOR_CLIENT_ID and AUTOMSG_CONNECTOR_CLIENT_SECRET "
    "come from the environment too."
)
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
    from ..lp import connect
    from ..model import normalise_language
    from ..render import print_verify_result
    from ..state import StateStore
    from ..verify import verify as run_verify

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


def _check_outputs(*paths: Path | None) -> None:
    """``--report`` and ``--html`` named a symbolic link, a device or a folder: refused
    before any work (:func:`files.check_target`)."""
    for path in paths:
        if path is not None:
            check_target(path)


def _write_output(what: str, path: Path | None, write: Callable[[Path], object]) -> bool:
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


if __name__ == "__main__":  # pragma: no cover
    main()
