"""Which files an ``import-translations`` call takes (folders expanded, as cron takes
its inbox) and which account each is for (read from the file itself)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..config import check_account_id
from ..errors import ConfigError, FormatError
from ..files import inbox_files
from ..formats import DEFAULT_MAX_BYTES, IMPORTABLE, read_file_meta
from .report import Problem


@dataclass(frozen=True)
class FileSelection:
    """The files an ``import-translations`` call names, folders expanded."""

    files: list[Path]
    empty_folders: list[Path] = field(default_factory=list)  # folders without any translator file
    left_alone: list[Path] = field(default_factory=list)  # in folders: not translator files


def translation_files(paths: Sequence[Path]) -> FileSelection:
    """Files as given; a folder stands for its translator files (``.po``, ``.xlsx``,
    ``.xlf``/``.xliff``) and those of its immediate subfolders (the
    ``OUT/<account>/<language>.po`` layout an export writes), no deeper.

    A folder is taken as cron takes its inbox (:func:`automsg_sync.files.inbox_files`):
    hidden files and uploads in progress (``*.part``, ``*.tmp`` …) are not
    touched, oldest first; hidden subfolders are skipped. Any other file in a
    folder (``*.errors.json``, notes) is left alone and listed in ``left_alone``.
    A path that is neither a folder nor an existing file is kept as given: its
    import reports it as unreadable.
    """
    selection = FileSelection([])
    for path in paths:
        if not path.is_dir():
            selection.files.append(path)
            continue
        subfolders = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
        folders = [path, *subfolders]
        found = [f for folder in folders for f in inbox_files(folder)]
        selection.files.extend(f for f in found if f.suffix.lower() in IMPORTABLE)
        selection.left_alone.extend(f for f in found if f.suffix.lower() not in IMPORTABLE)
        if not any(f.suffix.lower() in IMPORTABLE for f in found):
            selection.empty_folders.append(path)
    return selection


def file_account(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The account a translator file says it is for (``FileMeta.account``).

    Only what holds the metadata is read (:func:`formats.read_file_meta`: a PO file's
    header entry, a workbook's hidden sheet), so the import reads each file once; a
    file that cannot be read raises the :class:`FormatError` its import would report.
    """
    account = read_file_meta(path, max_bytes).account
    try:  # the id becomes a path and a URL: only letters and digits, as LivePerson's are
        return check_account_id(account, f"{path}: account")
    except ConfigError as exc:
        raise FormatError(path, None, str(exc).removeprefix(f"{path}: ")) from None


@dataclass(frozen=True)
class FilesByAccount:
    """Files grouped by the account they carry, in the order the accounts first came."""

    accounts: dict[str, list[Path]]
    unreadable: list[Problem] = field(default_factory=list)  # no account could be read from these


def files_by_account(
    paths: Sequence[Path], override: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> FilesByAccount:
    """Each file under the account it carries. ``override`` (``--account``) must be
    every readable file's account: a file of another account is a
    :class:`ConfigError` (exit 2) naming the file and both accounts. A file that
    cannot be read goes to ``override``'s import when there is one (which
    reports it as an import always did), else to ``unreadable``."""
    accounts: dict[str, list[Path]] = {}
    unreadable: list[Problem] = []
    for path in paths:
        try:
            account = file_account(path, max_bytes)
        except FormatError as exc:
            if override is not None:
                accounts.setdefault(override, []).append(path)
            else:
                unreadable.append(Problem(exc.path, exc.line, exc.message))
            continue
        if override is not None and account != override:
            raise ConfigError(
                f"{path}: the file is for account {account}, not {override} (--account); "
                "leave --account out to import each file into its own account"
            )
        accounts.setdefault(account, []).append(path)
    return FilesByAccount(accounts, unreadable)
