"""The backup an apply (or a restore) writes before its first write, and reading one back.

One JSON document per run, owner-only (``.automsg/backups/<run-id>.json``)::

    {"format": "automsg-sync backup 1", "run_id", "account", "api", "revision",
     "created_at", ["restores": the backup a restore undid,]
     "objects": [{"context", "messageEventId", "languages", "written", "pre"}]}

``pre`` is each object as LivePerson served it before the run; ``written`` what the run
set per language (a restore: what it puts back). :mod:`.restore` puts ``pre`` back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import jsonio
from .errors import ConfigError, FormatError
from .model import AutoMessage, Context
from .state import now_utc

FORMAT = "automsg-sync backup 1"


def backup_object(
    context: Context,
    event_id: str,
    languages: list[str],
    written: Mapping[str, str | None],
    pre: AutoMessage,
) -> dict[str, Any]:
    """One object of a backup: where it is, what the run writes, and the object before."""
    return {
        "context": context.key,
        "messageEventId": event_id,
        "languages": languages,
        "written": written,
        "pre": dict(pre.raw),
    }


def backup_document(
    run_id: str,
    account: str,
    flavour: str,
    revision: str,
    objects: list[dict[str, Any]],
    *,
    restores: str | None = None,
) -> dict[str, Any]:
    """A run's backup, its ``objects`` made by :func:`backup_object`; ``restores``: the
    backup a restore run undoes."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "run_id": run_id,
        "account": account,
        "api": flavour,
        "revision": revision,
        "created_at": now_utc(),
    }
    if restores is not None:
        document["restores"] = restores
    document["objects"] = objects
    return document


def one_backup(paths: Sequence[Path]) -> Path:
    """The one backup to restore. Several (a shell glob such as .automsg/backups/*.json once
    a restore has backed up too) are refused in words, naming the newest: backup names
    start with the account and the run's UTC time, so the newest sorts last."""
    if len(paths) == 1:
        return paths[0]
    newest = max(paths, key=lambda p: p.name)
    raise ConfigError(
        f"restore puts back one apply at a time, and {len(paths)} backups were given; name one — "
        f"the newest is {newest}"
    )


def load_backup(path: Path) -> dict[str, Any]:
    """The backup at ``path``, read once (it holds every object an apply changed: tens of
    MB for a large account); a file that is not one is refused with its name."""
    try:
        document = jsonio.loads(path.read_bytes())
    except FileNotFoundError:
        raise FormatError(path, None, "no such backup file") from None
    except ValueError:  # not JSON, or not UTF-8
        raise FormatError(
            path, None, "not a backup (not JSON): restore takes a file of .automsg/backups/"
        ) from None
    except OSError as exc:
        raise FormatError(path, None, f"not a readable backup: {exc.strerror or exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise FormatError(path, None, "not an automsg-sync backup")
    return document
