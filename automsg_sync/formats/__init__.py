"""Translator file formats: each a reader and a writer of the neutral model.

``write_x(path, meta, units)`` writes a file; ``read_x(path) -> TranslationFile``
reads one back; ``write_translation_file`` and ``read_translation_file`` choose
by extension. polib, xlsxwriter/calamine and lxml are imported only here. What the
formats share (:func:`atomic_path`, :func:`entry_notes`) is in :mod:`.common`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import FormatError
from ..model import FileMeta, TranslationFile, Unit
from .common import FILE_MODE, atomic_path, entry_notes
from .po import read_po, read_po_header, write_po
from .tmx import write_tmx
from .xliff import read_xliff, write_xliff
from .xlsx_read import read_xlsx, read_xlsx_meta
from .xlsx_write import write_xlsx

# what callers import from the package: the dispatch, and the shared writing of a file whole
__all__ = [
    "DEFAULT_MAX_BYTES",
    "EXTENSIONS",
    "FILE_MODE",
    "IMPORTABLE",
    "atomic_path",
    "entry_notes",
    "read_translation_file",
    "write_translation_file",
]

DEFAULT_MAX_BYTES = 20 << 20
# .sdlxliff (Trados Studio) and .mqxliff (memoQ) are XLIFF 1.2 with the tool's own namespaces,
# what a translator may send back in place of the .xlf
IMPORTABLE = (".po", ".xlsx", ".xlf", ".xliff", ".sdlxliff", ".mqxliff")
EXTENSIONS = {"po": ".po", "xlsx": ".xlsx", "xliff": ".xlf", "tmx": ".tmx"}  # export format → file extension


def write_translation_file(
    path: Path,
    meta: FileMeta,
    units: Sequence[Unit],
    skill_names: dict[str, str],
    mode: int = FILE_MODE,
) -> None:
    """Write a PO, XLSX or XLIFF file, chosen by its extension (see ``EXTENSIONS``), with
    file mode ``mode`` (the config's ``[paths] outbox_mode``, default 0640)."""
    suffix = path.suffix.lower()
    if suffix == ".tmx":  # the translator's memory: the units translated live (see formats.tmx)
        write_tmx(path, meta, units, mode)
    elif suffix == ".xlsx":
        write_xlsx(path, meta, units, skill_names, mode)  # the only format that names skills in a column
    elif suffix == ".po":
        write_po(path, meta, units, mode)
    elif suffix == ".xlf":
        write_xliff(path, meta, units, mode)
    else:
        raise ValueError(f"no writer for {path.suffix!r}")


def read_translation_file(
    path: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_unpacked: int | None = None,
    with_notes: bool = True,
    meta: FileMeta | None = None,
) -> TranslationFile:
    """Read a PO, XLSX or XLIFF file, chosen by its extension; larger than ``max_bytes`` is
    refused, and an XLSX whose parts unpack to more than ``max_unpacked`` (``max_xlsx_mb``).
    ``with_notes=False``: a PO file's entries without their translator notes (an import's
    reading, a quarter faster; see :func:`.po.parse`). ``meta``: a PO file's metadata from the
    state store (git mode: matched by the file's path, whatever its header says)."""

    def xlsx(path: Path) -> TranslationFile:
        return read_xlsx(path) if max_unpacked is None else read_xlsx(path, max_unpacked)

    readers: dict[str, Callable[[Path], TranslationFile]] = {
        ".po": lambda path: read_po(path, with_notes, meta),
        ".xlsx": xlsx,
        ".xlf": read_xliff,
        ".xliff": read_xliff,
        ".sdlxliff": read_xliff,
        ".mqxliff": read_xliff,
    }
    _check_file(path, max_bytes)
    reader = readers[path.suffix.lower()]
    return reader(path)


def read_file_meta(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> FileMeta:
    """A file's metadata (its account, language, export id) without reading its entries
    where the format allows: a PO file's header entry (its first bytes), an XLSX
    workbook's hidden sheet; an XLIFF file, or a PO file whose header cannot be read
    alone, is read whole. The checks and errors are :func:`read_translation_file`'s for
    what is read: an import that groups files by account then reads each file once."""
    _check_file(path, max_bytes)
    suffix = path.suffix.lower()
    if suffix == ".po":
        meta = read_po_header(path)
        if meta is not None:
            return meta
    elif suffix == ".xlsx":
        return read_xlsx_meta(path)
    return read_translation_file(path, max_bytes).meta


def _check_file(path: Path, max_bytes: int) -> None:
    """An importable file that exists and is within ``max_bytes``, else a FormatError."""
    if not path.exists() and not path.is_symlink():
        raise FormatError(path, None, "no such file or folder")
    suffix = path.suffix.lower()
    if suffix == ".tmx":
        raise FormatError(
            path, None, "a TMX is the translator's memory of what is live, not a file to import"
        )
    if suffix not in IMPORTABLE:
        raise FormatError(path, None, f"unknown file type (expected {', '.join(IMPORTABLE)})")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FormatError(path, None, f"cannot read: {exc.strerror}") from None
    if size > max_bytes:
        raise FormatError(path, None, f"{size} bytes, over the {max_bytes}-byte limit (max_file_mb)")
