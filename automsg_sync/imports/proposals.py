"""Each returned file read, checked against its export's baseline and judged entry by
entry: the proposals the three-way diff decides on, QA's findings, the entries ignored.

A file is taken whole or not at all: an unknown export, another account, a key its
export does not hold, or a row whose source is not the exported one refuses the file,
naming the row. Large imports read their files in worker processes (:func:`read_files`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import repeat
from pathlib import Path

from ..config import AccountSettings
from ..diff import Proposal
from ..errors import FormatError
from ..formats import read_translation_file
from ..model import FileEntry, TranslationFile, language_key, shared_unit_key
from ..qa import ERROR, Finding, QAContext, check_translation, surely_clean
from ..state import Baseline, StateStore
from ..workers import process_pool, worker_count
from .report import Ignored, ImportOptions, Problem

_Row = tuple[str, str, str, str, int | None, str | None]  # unit key (text), new, base, src0, where, ours


@dataclass
class Proposed:
    """A file's proposals as rows of plain values; :meth:`proposals` makes the objects.

    Why rows: a large import reads its files in worker processes, and a file's
    5,000 proposals went back to the parent as objects, each pickled through a
    ``__reduce__`` of its own (~25 ms a file each way, where tuples of strings
    take ~5). The objects are now made once, in the process that diffs them,
    never in a worker.
    """

    file: str
    language: str
    rows: list[_Row] = field(default_factory=list)
    export_id: str = ""

    def proposals(self) -> list[Proposal]:
        """The proposals: one key object per message and one copy of each source (the
        same in every language's file), language and file name, across files."""
        intern, key_of = sys.intern, shared_unit_key
        language, file, export_id = intern(self.language), intern(self.file), intern(self.export_id)
        return [
            Proposal(key_of(key), language, new, base, intern(src0), file, where, ours, export_id)
            for key, new, base, src0, where, ours in self.rows
        ]


@dataclass
class FileResult:
    """One file read, checked and judged against its baseline, or its error."""

    proposed: Proposed = field(default_factory=lambda: Proposed("", ""))
    qa: list[Finding] = field(default_factory=list)
    qa_skipped: Proposed = field(default_factory=lambda: Proposed("", ""))  # kept out by a QA error
    ignored: list[Ignored] = field(default_factory=list)
    error: Problem | None = None
    header: Baseline | None = None  # the file's export, without units
    language: str = ""


POOL_MIN_BYTES = 4_000_000  # below this, starting worker processes costs more than it saves


def read_files(
    paths: Sequence[Path], account: AccountSettings, options: ImportOptions, state: StateStore
) -> Iterator[FileResult]:
    """Each file's result, in order.

    Reading, QA and the baseline lookup are per file and CPU-bound (~60 µs a
    unit), so a large import reads its files in a pool of worker processes,
    one per core: at 300,000 units on 2 cores that halves the longest part of
    an import. Each worker opens the state store itself (SQLite in WAL mode
    serves concurrent readers) and reads only its file's language of the
    baseline. Small imports stay in this process.
    """
    workers = options.workers
    if workers is None:
        size = sum(p.stat().st_size for p in paths if p.is_file())
        workers = worker_count(len(paths)) if size >= POOL_MIN_BYTES else 1
    if workers < 2 or len(paths) < 2:
        for path in paths:
            yield _read_file(path, account, options, state)
        return
    with process_pool(min(workers, len(paths)), _start_worker, (state.path.parent,)) as pool:
        yield from pool.map(_read_in_worker, paths, repeat(account), repeat(options))


_worker_state: StateStore | None = None


def _start_worker(state_dir: Path) -> None:
    global _worker_state
    _worker_state = StateStore(state_dir)


def _read_in_worker(path: Path, account: AccountSettings, options: ImportOptions) -> FileResult:
    assert _worker_state is not None
    return _read_file(path, account, options, _worker_state)


def _read_file(path: Path, account: AccountSettings, options: ImportOptions, state: StateStore) -> FileResult:
    try:
        tf = read_translation_file(
            path,
            options.max_file_bytes,
            options.max_xlsx_bytes,
            with_notes=False,
            meta=options.meta_for.get(str(path)),
        )
        baseline = _baseline(tf, account, state)
        ours = state.pushed_texts(account.id, tf.meta.language, baseline.export_id)
        result = _proposals(tf, baseline, options, ours)
    except FormatError as exc:
        return FileResult(error=Problem(exc.path, exc.line, exc.message))
    result.header, result.language = replace(baseline, units={}, groups={}), tf.meta.language
    return result


def _baseline(tf: TranslationFile, account: AccountSettings, state: StateStore) -> Baseline:
    """The file's language of its export's baseline."""
    meta = tf.meta
    if meta.account != account.id:
        raise FormatError(tf.path, None, f"the file is for account {meta.account}, not {account.id}")
    baseline = state.baseline(meta.export_id, meta.language)
    if baseline is None:
        raise FormatError(
            tf.path,
            None,
            f"unknown export id {meta.export_id!r} (not in {state.path.absolute()}): was it "
            "exported with another --config or --state-dir?",
        )
    if baseline.account != account.id:
        raise FormatError(tf.path, None, f"export {meta.export_id} belongs to account {baseline.account}")
    if not baseline.units:
        raise FormatError(tf.path, None, f"export {meta.export_id} has no {meta.language} units")
    return baseline


def _proposals(
    tf: TranslationFile, baseline: Baseline, options: ImportOptions, ours: Mapping[str, str]
) -> FileResult:
    """Each entry judged against its baseline unit; an entry of a ``--dedupe`` export
    also stands for the units the state store lists for it, each judged on its own
    (by the three-way diff: one of them changed live is a conflict, the others go).

    The entry's source (PO ``msgid``, XLSX Source cell, XLIFF ``<source>``) must be
    the export's source for its key: a row whose source differs — a sheet sorted
    with its hidden Key column left in place, a hand-edited msgid — would put its
    translation on another message, so the whole file is refused, naming the row.
    ``ours`` (unit key → the text this tool last wrote there from a file of this export,
    :meth:`StateStore.pushed_texts`) goes with each proposal.

    The loop runs once per entry of a file (300,000 in a large import): its checks
    stay inline where they pass, and call out only to refuse the file, to name why an
    entry is ignored, or to run QA.
    """
    lang = tf.meta.language
    lang_key = language_key(lang)
    units, groups, path = baseline.units, baseline.groups, tf.path
    max_length, include_fuzzy = options.max_length, options.include_fuzzy
    export_id = baseline.export_id
    result = FileResult(
        Proposed(path, lang, export_id=export_id), qa_skipped=Proposed(path, lang, export_id=export_id)
    )
    proposed = result.proposed.rows
    covered: dict[str, str] = {}  # with --dedupe groups: unit key → the key of the entry standing for it
    for entry in tf.entries:
        base = units.get((entry.key, lang_key))
        if base is None:
            raise FormatError(path, entry.where, f"key {entry.key!r} is not in export {baseline.export_id}")
        if entry.source != base.source and not same_but_line_ends(entry.source, base.source):
            raise _source_changed(path, entry, base.source)
        members = groups.get((entry.key, lang_key), ()) if groups else ()
        if groups:  # a unit may then be in the file itself and in a group
            _cover(path, entry, members, covered)
        try:
            key = shared_unit_key(entry.key)  # one key object per message, across languages
        except ValueError as exc:
            raise FormatError(path, entry.where, str(exc)) from None
        target = entry.target
        if target != base.target and same_but_line_ends(target, base.target):
            target = base.target  # the file's program re-wrote the line ends, nobody the text
        reason = _ignored(entry, target, base.source, base.target, include_fuzzy)
        if reason is not None:  # for the entry's key and every unit it stands for
            result.ignored += [Ignored(path, entry.where, k, lang, reason) for k in (entry.key, *members)]
            continue
        # a row left as exported sends nothing (the diff calls it untouched, or a no-op):
        # what it holds is LivePerson's text, not the translator's, so QA has nothing to judge
        # (a formula cell or a hidden row is still judged: it is how the file holds the text);
        # a text surely clean needs neither the checks nor the context only a finding uses
        rows = proposed
        changed = target != base.target
        if (
            entry.formula
            or (entry.hidden and changed)  # a hidden row as exported sends nothing (the AutoFilter)
            or (changed and not surely_clean(base.source, target, max_length))
        ):
            ctx = QAContext(
                path,
                entry.where,
                entry.key,
                lang,
                key.message,
                entry.formula,
                max_length,
                entry.hidden and changed,
                api=baseline.api,  # the legacy API's messages are chat
            )
            found = check_translation(base.source, target, ctx)
            result.qa += found
            if any(f.severity == ERROR for f in found):
                rows = result.qa_skipped.rows
        rows.append((entry.key, target, base.target, base.source, entry.where, ours.get(entry.key)))
        for member in members:
            mbase = units[(member, lang_key)]
            rows.append((member, target, mbase.target, mbase.source, entry.where, ours.get(member)))
    return result


def _source_changed(path: str, entry: FileEntry, exported: str) -> FormatError:
    """The refusal of a file whose row holds another source than the export's."""
    mine, theirs = _excerpts(entry.source, exported)
    why = "was the sheet sorted?" if path.endswith(".xlsx") else "was the source text edited?"
    return FormatError(
        path,
        entry.where,
        f"the source text of {entry.key!r} is not the exported one "
        f"(file: {mine}; export: {theirs}) — {why} Nothing of this file was imported",
    )


def _cover(path: str, entry: FileEntry, members: Sequence[str], covered: dict[str, str]) -> None:
    """Note the units ``entry`` stands for in ``covered``; a unit already there (in the
    file itself and in a ``--dedupe`` group, or in two groups) refuses the file."""
    for member in (entry.key, *members):
        if member in covered:
            raise FormatError(
                path,
                entry.where,
                f"unit {member!r} is in this file twice: also through entry {covered[member]!r}",
            )
        covered[member] = entry.key


def _ignored(entry: FileEntry, target: str, source: str, exported: str, include_fuzzy: bool) -> str | None:
    """Why an entry is not imported (a key of :data:`IGNORED_REASONS`), or None."""
    if not target and not entry.formula:
        return "empty"
    if target == source and target != exported and not entry.confirmed:
        # a CAT tool's copy of the source (an Okapi kit fills empty targets so, and leaves
        # them needs-translation), or a row left "to translate": English would go live as
        # French. Never written, --include-fuzzy or not.
        return "source-copy"
    if entry.fuzzy and not include_fuzzy:
        if entry.state is None:
            return "fuzzy"
        # an XLIFF state: what the tool meant by it, and whether the text moved anyway
        return "unfinished" if target == exported else "unfinished-changed"
    return None


def same_but_line_ends(a: str, b: str) -> bool:
    """Whether two texts differ only in how their lines end (``\\r\\n``, ``\\r``, ``\\n``).

    LibreOffice re-saves a cell's ``\\r\\n`` as ``\\n`` (a translator who only opened
    and saved the workbook changed no text), and an editor may do the same to a PO
    file: such a difference alone is no change, so the exported text stands (the live
    style is kept). A translation that changes words keeps the line ends it has."""
    return ("\r" in a or "\r" in b) and _LINE_END.sub("\n", a) == _LINE_END.sub("\n", b)


_LINE_END = re.compile("\r\n?")


def _excerpts(a: str, b: str, limit: int = 60) -> tuple[str, str]:
    """Both texts, cut to ``limit`` characters around where they first differ."""
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, at - limit // 2)

    def cut(text: str) -> str:
        part = text[start : start + limit]
        return repr(("…" if start else "") + part + ("…" if start + limit < len(text) else ""))

    return cut(a), cut(b)
