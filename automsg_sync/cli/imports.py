"""``automsg-sync import-translations``: returned files → QA → three-way diff → plan (→ apply),
account by account (:mod:`automsg_sync.imports`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from ..config import Settings
from ..files import write_private_json
from .options import WAIT_OPTION, Accounts, epilog, file_account_options, html_option
from .output import check_outputs, out, print_json, write_output


@click.command(
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
    # imported when the command runs, not at the top: `automsg-sync --help` loads every command module
    from ..imports import files_by_account, import_files, translation_files
    from ..render import print_file_selection, print_import_runs

    check_outputs(report_path, html_path)
    selection = translation_files(files)
    print_file_selection(Console(stderr=True) if as_json else out(), selection)
    grouped = files_by_account(selection.files, accounts.override, settings.max_file_bytes)
    run = import_files(
        settings,
        grouped,
        accounts.get,
        wait,
        apply=do_apply,
        accept_stale=accept_stale,
        prefer_file=prefer_file,
        include_fuzzy=include_fuzzy,
        again=settings.again(),
    )
    if as_json:
        print_json(run.to_json())
    else:
        print_import_runs(out(), run, wide=wide)
    # after the summary: a report that cannot be written (a full disk) loses no word of it
    written = write_output("report", report_path, lambda p: write_private_json(p, run.to_json()))
    if html_path is not None:
        from ..html import write_plan_page  # load cost: Jinja2, only for --html

        written = write_output("plan page", html_path, lambda p: write_plan_page(run, p)) and written
    sys.exit(run.exit_code or (0 if written else 1))
