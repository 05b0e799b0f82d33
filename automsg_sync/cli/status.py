"""``automsg-sync status``: per context × language coverage, read live (:mod:`automsg_sync.status`)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from ..config import AccountSettings, Settings
from .options import account_options, comma_list, epilog, html_option
from .output import check_outputs, out, print_json, write_output


@click.command(
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
    # imported when the command runs, not at the top: `automsg-sync --help` loads every command module
    from ..lp import connect
    from ..render import print_status
    from ..status import account_status

    check_outputs(html_path)
    with connect(settings, account) as conn:
        result = account_status(conn, account, comma_list(languages), comma_list(skills))
    if settings.uses_git(account):
        from ..git.round import status_line  # load cost: only an account in git mode needs it

        result = dataclasses.replace(result, git=status_line(settings, account))
    if as_json:
        print_json(result.to_json())
    else:
        print_status(out(), result)
    if html_path is not None:
        from ..html import write_coverage_page  # load cost: Jinja2, only for --html

        sys.exit(
            0 if write_output("coverage page", html_path, lambda p: write_coverage_page(result, p)) else 1
        )
