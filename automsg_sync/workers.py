"""Worker processes for the CPU-bound parts of large exports and imports.

One process per core the tool may use. Workers are forked, so they start in
microseconds and inherit what the parent built before the pool was opened (an
export's units) without pickling it; the tool runs on Linux, where fork is
the default. Callers keep small runs in their own process: starting a pool
costs more than it saves below a few thousand units.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def worker_count(tasks: int) -> int:
    """How many workers ``tasks`` independent tasks can use: one per usable core, at most one per task."""
    return min(len(os.sched_getaffinity(0)), tasks)


def process_pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=initializer, initargs=initargs
    )
