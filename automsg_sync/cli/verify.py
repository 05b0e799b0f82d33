"""``automsg-sync verify``: a test conversation that checks what the consumer sees
(:mod:`automsg_sync.verify`)."""

from __future__ import annotations

import dataclasses
import sys

import click

from ..config import AccountSettings, Settings
from .options import account_options, epilog
from .output import out, print_json


@click.command(
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
    # imported when the command runs, not at the top: `automsg-sync --help` loads every command module
    from ..lp import connect
    from ..model import normalise_language
    from ..render import print_verify_result
    from ..state import StateStore
    from ..verify import verify as run_verify

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
        print_json(result.to_json())
    else:
        print_verify_result(out(), result)
    sys.exit(result.exit_code)
