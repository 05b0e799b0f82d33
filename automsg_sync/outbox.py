"""An export's files in the outbox: written aside, then put in place.

Each language's files are written into a hidden ``.<export-id>.partial`` folder
beside the outbox — in worker processes for a large export (:func:`writing`) —
**while** the state store records the baseline (:func:`write_and_record`); the
baseline is committed only once every file is written, and only then does each
file take its place (:func:`put_in_place`). An interrupted export leaves no file
that cannot be imported, and what the outbox held is untouched.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import jsonio
from .catalog import Count, Origin, word_counts
from .formats import FILE_MODE, write_translation_file
from .formats.po import fuzzy_in_po
from .model import AutoMessage, Context, FileMeta, Unit, language_key
from .snapshot import Snapshot
from .state import StateStore
from .workers import process_pool, worker_count

Progress = Callable[[str, int, int], None]  # (language, done, total)


@dataclass
class Outbox:
    """What one export writes: the file jobs, each file written aside in ``stage`` and
    its place, the files of languages with nothing left to translate, the units of the
    baseline and the ``--dedupe`` groups."""

    stage: Path
    jobs: list[FileJob] = field(default_factory=list)
    placed: list[tuple[Path, Path]] = field(default_factory=list)  # (written aside, its place)
    removed: list[Path] = field(default_factory=list)
    exported: list[Unit] = field(default_factory=list)
    groups: list[tuple[str, str, str]] = field(default_factory=list)  # (language, member key, entry key)


@dataclass(frozen=True)
class FileJob:
    """One language's files to write, and its word counts (``units`` as exported,
    ``entries`` as written: fewer with --dedupe)."""

    meta: FileMeta
    units: list[Unit]
    entries: list[Unit]
    files: list[Path]
    skill_names: dict[str, str]
    mode: int = FILE_MODE

    memory: list[Unit] = field(default_factory=list)  # the language's units, for a TMX (formats.tmx)

    def run(self) -> tuple[str, dict[str, Count]]:
        for path in self.files:
            units = self.memory if path.suffix == ".tmx" else self.entries
            write_translation_file(path, self.meta, units, self.skill_names, mode=self.mode)
        return self.meta.language, word_counts(self.units, self.entries, fuzzy_in_po)


POOL_MIN_UNITS = 20_000  # below this, starting worker processes costs more than it saves
_jobs: list[FileJob] = []  # handed to forked workers by inheritance, not by pickling


@contextmanager
def writing(jobs: list[FileJob], units: int) -> Iterator[Iterator[tuple[str, dict[str, Count]]]]:
    """Write every job's files; the iterator yields each language (and its word counts) as it is done.

    Writing is per language and CPU-bound (XLSX above all: ~0.03 ms
    a row), so a large export writes in worker processes started on entry,
    while this process records the baseline in the state store. That keeps one
    core busy, so the pool has one worker per core less one; when this process
    is done with the state store and starts iterating, it takes the jobs no
    worker has started yet, from the far end of the list (``_take_back``). One
    worker fewer also means one copy fewer of the pages a worker touches: a
    300,000-unit PO export on 2 cores peaked at 540–616 MB with two workers and
    404 MB with one, and was faster (6.4 s against 6.8 s).

    The workers are forked after the units are built and find them in
    ``_jobs``: nothing is pickled but the job's index and, back, its language.
    A failure (a text gettext cannot hold) is raised by the iterator, wherever
    the job ran, before the baseline is committed.
    """
    if worker_count(len(jobs)) < 2 or units < POOL_MIN_UNITS:
        yield (job.run() for job in jobs)
        return
    _jobs[:] = jobs
    try:
        with process_pool(worker_count(len(jobs)) - 1) as pool:
            futures = [pool.submit(_run_job, index) for index in range(len(jobs))]
            yield _take_back(jobs, futures)
    finally:
        _jobs.clear()


def _take_back(
    jobs: list[FileJob], futures: list[Future[tuple[str, dict[str, Count]]]]
) -> Iterator[tuple[str, dict[str, Count]]]:
    """This process writes the last jobs itself while it can cancel them; then waits for the rest."""
    pending = list(zip(jobs, futures, strict=True))
    while pending and pending[-1][1].cancel():
        yield pending.pop()[0].run()
    for _job, future in pending:
        yield future.result()


def _run_job(index: int) -> tuple[str, dict[str, Count]]:
    return _jobs[index].run()


def write_and_record(
    outbox: Outbox,
    state: StateStore,
    meta: FileMeta,
    snapshot: Snapshot,
    units: list[Unit],
    origins: Mapping[tuple[str, str], Origin],
    contexts: dict[Context, list[AutoMessage]],
    progress: Progress | None,
) -> dict[str, dict[str, Count]]:
    """Write every file aside while the baseline is recorded, and commit the baseline once
    they are all written; returns each language's word counts. Anything that stops it
    removes what was written aside and records nothing."""
    jobs, exported = outbox.jobs, outbox.exported
    by_address = {(c.key, m.id): m for c, ms in contexts.items() for m in ms}
    one_a_message = {id(u.key): u for u in exported}.values()  # a message's units share one key object
    wanted = sorted({(u.key.context.key, u.message_id) for u in one_a_message})
    word_counts_of: dict[str, dict[str, Count]] = {}
    try:
        if jobs:
            outbox.stage.mkdir(parents=True, exist_ok=True)
        with writing(jobs, len(exported)) as written:

            def files_written() -> None:
                for done, (lang, counts) in enumerate(written, start=1):
                    word_counts_of[lang] = counts
                    if progress:
                        progress(lang, done, len(jobs))

            # the baseline is recorded while the files are written, and committed once they are
            state.record_export(
                export_id=meta.export_id,
                account=meta.account,
                revision=snapshot.revision,
                source_language=meta.source_language,
                api=snapshot.api,
                exported=exported,
                new_targets=[u for u in units if _new_target(u, origins)],
                objects=((c, m, jsonio.dumps_text(by_address[c, m].raw)) for c, m in wanted),  # one at a time
                groups=outbox.groups,
                before_commit=files_written,
            )
    except BaseException:
        # interrupted, killed by an error, out of disk: nothing was recorded, so nothing
        # written aside may take a place; what the outbox held is untouched
        shutil.rmtree(outbox.stage, ignore_errors=True)
        raise
    return word_counts_of


def put_in_place(outbox: Outbox) -> None:
    """Recorded: every file is importable from here on, and replaces what its place held."""
    for written_aside, place in outbox.placed:
        os.replace(written_aside, place)
    for path in outbox.removed:
        path.unlink(missing_ok=True)
    shutil.rmtree(outbox.stage, ignore_errors=True)


def _new_target(unit: Unit, origins: Mapping[tuple[str, str], Origin]) -> bool:
    if unit.state not in ("translated", "stale"):
        return False
    origin = origins.get((str(unit.key), language_key(unit.language)))
    return origin is None or origin.target != unit.target
