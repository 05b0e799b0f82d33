"""``automsg-sync languages``: the visitor languages LivePerson offers (:mod:`automsg_sync.languages`),
so that a message about a language can point at a command rather than at a source file."""

from __future__ import annotations

import click

from ..languages import SUPPORTED
from .output import print_json


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list of {tag, name}) instead of lines.")
def languages(as_json: bool) -> None:
    """List the visitor languages LivePerson offers for automatic messages: tag and name, one a line.

    These are the tags --languages and the config's languages and source_language accept
    (any case, with - or _); a language the account already holds is accepted too.
    """
    if as_json:
        print_json([{"tag": lang.tag, "name": lang.name} for lang in SUPPORTED])
        return
    width = max(len(lang.tag) for lang in SUPPORTED)
    for lang in SUPPORTED:
        click.echo(f"{lang.tag:<{width}}  {lang.name}")
