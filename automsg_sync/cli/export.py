"""``automsg-sync export-for-translation``: live texts → translator files and the baseline
(:mod:`automsg_sync.export`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from ..config import FORMATS, AccountSettings, Settings
from .options import account_options, comma_list, epilog, html_option
from .output import check_outputs, out, print_json, write_output


def _formats(_ctx: click.Context, _param: click.Parameter, value: str | None) -> list[str] | None:
    """``--format po,xliff``: a list of po, xlsx, xliff, tmx; ``both`` is po,xlsx."""
    if value is None:
        return None
    formats: list[str] = []
    for name in comma_list(value) or []:
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


@click.command(
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
    # imported when the command runs, not at the top: `automsg-sync --help` loads every command module
    from rich.progress import Progress

    from ..export import ExportRequest
    from ..export import export_for_translation as run_export
    from ..lp import connect
    from ..model import UNIT_STATES
    from ..render import print_export_result
    from ..state import StateStore

    check_outputs(html_path)
    out_dir = out_dir or settings.paths.outbox
    request = ExportRequest(
        out_dir=out_dir,
        formats=fmt or list(account.formats),
        languages=comma_list(languages),
        skills=comma_list(skills),
        only=frozenset(comma_list(only) or UNIT_STATES),
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
        print_json(result.to_json())
    else:
        print_export_result(console, result, out_dir)
    if html_path is not None:
        from ..html import write_export_page  # load cost: Jinja2, only for --html

        sys.exit(
            0
            if write_output("export page", html_path, lambda p: write_export_page(result, p, out_dir))
            else 1
        )
