"""``automsg-sync cron-run``: the scheduled run of every configured account (:mod:`automsg_sync.cron`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..config import load_settings
from .options import comma_list


@click.command("cron-run")
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
    # imported when the command runs, not at the top: `automsg-sync --help` loads every command module
    from ..cron import cron_run as run_cron

    settings = load_settings(config_path)  # cron_run registers every account's secrets first
    report = run_cron(settings, comma_list(accounts), wait=wait)
    for result in report.accounts:
        click.echo(result.summary())
    click.echo(f"report: {report.path}" if report.path else "report: not written (see the error above)")
    sys.exit(report.exit_code)
