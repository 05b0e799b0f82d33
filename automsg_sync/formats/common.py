"""What every translator file format shares: writing a file whole (:func:`atomic_path`),
the notes a file shows for a unit, the characters XML cannot hold."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..model import Unit

FILE_MODE = 0o640  # translator files: the owner writes, its group (an upload account) reads

# characters XML 1.0 cannot hold (a regex character class): XLSX escapes them, XLIFF refuses them
NOT_XML_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff"


@contextmanager
def atomic_path(path: Path, mode: int = FILE_MODE) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it, with ``mode``, only if the block succeeds.

    A reader (a translator, a cron run) never sees a half-written file. The
    mode is set exactly (the umask does not narrow it) before the file takes
    its place, so nobody ever sees it with another. Not :func:`files.write_atomic`:
    that one writes bytes through the ``O_EXCL`` descriptor it made; the format
    libraries (polib, xlsxwriter, lxml) open a path by name, which this hands them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def entry_notes(unit: Unit) -> tuple[str, ...]:
    """The notes a file shows for a unit: its own, and for a ``--dedupe`` entry the
    other units its translation goes to (PO and XLIFF; XLSX has a column for them)."""
    if not unit.also:
        return unit.notes
    return (
        *unit.notes,
        f"Translated once for {len(unit.also) + 1} units; the translation also goes to:",
        *(f"  {key}" for key in unit.also),
    )
