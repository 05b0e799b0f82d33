"""``automsg-sync restore``: put back what an apply saved (:mod:`automsg_sync.restore`)."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import click

from ..config import Settings
from .options import WAIT_OPTION, Accounts, epilog, file_account_options
from .output import out


@click.command(
    epilog=epilog("automsg-sync restore .automsg/backups/70071528-20261121T050301Z-afb226.json --apply")
)
@file_account_options
@click.argument(
    "backups", metavar="BACKUP", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
)
@click.option("--apply", "do_apply", is_flag=True, help="Write (default: dry run, nothing written).")
@WAIT_OPTION
def restore(
    settings: Settings, accounts: Accounts, backups: tuple[Path, ...], do_apply: bool, wait: float
) -> None:
    """Put back the pre-images an apply saved; a text changed since is a conflict, not overwritten.

    The account is the one the backup names (--account, if given, must be it).
    """
    # imported when the command runs, not at the top: `automsg-sync --help` loads every command module
    from ..backups import load_backup, one_backup
    from ..lp import connect
    from ..render import print_restore_report
    from ..restore import restore_backup
    from ..state import StateStore, account_lock

    backup = one_backup(backups)
    document = load_backup(backup)  # read once: it names the account to connect to
    # a --account that differs from the backup's is refused by restore_backup
    named = str(document.get("account") or "")
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
            document=document,
        )
    print_restore_report(out(), report)
    sys.exit(report.exit_code)
