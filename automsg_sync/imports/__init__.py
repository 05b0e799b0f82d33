"""``import-translations``: returned files → QA → three-way diff → plan → apply.

A file is taken whole or not at all: an unreadable file, one from an unknown
export or another account, one whose language does not match, or one with a
key its export does not hold is an error naming the file (and the line or
row), and none of its units is imported. Fuzzy PO entries (unless
``include_fuzzy``) and empty translations are ignored. A unit failing a QA
error check is skipped (reason ``qa``); the others go to the diff.

Exit codes: 0 all done or nothing to do, 3 done but some units were skipped,
1 an error (a bad file, or a write that failed).

The rooms: :mod:`.selection` (which files, which account each is for),
:mod:`.proposals` (each file read and judged against its baseline),
:mod:`.run` (one account's import: read, live, diff, apply) and :mod:`.report`
(what an import reports). The names below are the package's public ones.
"""

from __future__ import annotations

from .report import (
    IGNORED_REASONS,
    Ignored,
    ImportOptions,
    ImportReport,
    ImportRun,
    Problem,
    unreadable_report,
)
from .run import import_files, import_translations
from .selection import FilesByAccount, FileSelection, file_account, files_by_account, translation_files

__all__ = [
    "IGNORED_REASONS",
    "FileSelection",
    "FilesByAccount",
    "Ignored",
    "ImportOptions",
    "ImportReport",
    "ImportRun",
    "Problem",
    "file_account",
    "files_by_account",
    "import_files",
    "import_translations",
    "translation_files",
    "unreadable_report",
]
