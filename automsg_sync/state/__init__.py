"""The state store: a SQLite file (``<state-dir>/state.db``).

Tables:

- ``exports``: one row per export (id, account, revision, source language, API,
  time);
- ``baselines``: per export and language, the source and target text of each
  unit at export time — the ``base`` of the three-way diff;
- ``baseline_groups``: per export of ``--dedupe``, each unit that a file entry
  of another key stands for (``entry_key``); an import fans that entry out to
  its units from here, never from what the file says;
- ``baseline_objects``: the whole objects behind an export's units, so that an
  import whose revision check answers 304 can write without fetching them;
- ``runs`` and ``journal``: every apply or restore, and per object the
  languages it writes and whether the write happened (``pending``, ``written``);
- ``domains``: the Domain API's answer per account, reused for a day by
  unattended runs (so an unchanged account costs one request);
- ``checked``: per account, the revision the last export saw, for the
  conditional GET that tells a cron run nothing changed;
- ``pushed``: per account and language, for each unit the text our last write
  put there (what ``verify`` expects the consumer to see);
- ``origins``: per account and language, for each unit the source text the live
  target was translated from; an export records it when it first sees a target
  (or a target changed since), an import records it when it writes one. A
  target whose source has moved on since is ``stale``.

Every export is written in one transaction: a crash leaves either the whole
baseline or none of it.

**Per-unit data is one JSON document per language** (``baselines``, ``pushed``,
``origins``: a row per export or account and language, its ``units`` column a
JSON object from unit key to an array of the unit's fields), because it is only
ever read and written a language at a time: an import reads one language's
baseline per file and records what it wrote language by language, an export
records a whole baseline. A row per unit made a large account's export and
import spend ~7 s on 900,000 B-tree inserts and upserts; one document per
language is ~120 rows, each read or rewritten whole (a cron run that changed
one unit rewrites its language's document, ~1 MB). The documents are TEXT, so
SQLite's JSON functions read them in place, e.g. the texts we pushed in French::

    SELECT key, value ->> 0 FROM pushed, json_each(units)
    WHERE account = '12345678' AND language = 'fr-fr';

A state file of the earlier layout (a row per unit, tables ``baseline_units``,
``pushed`` and ``origins`` keyed by unit) is converted when it is first
opened, in one transaction (:mod:`.schema`).

The rooms of the package, one per table family, are one :class:`StateStore` on
one connection (each family's class is a :class:`~.connection.StateConnection`):

- :mod:`.connection`: opening the file, ``transaction()``, closing;
  :mod:`.checkpoints`: the WAL copied in beside the work, waited for at exit;
- :mod:`.schema`: the tables, and a file of an earlier version brought up to them;
- :mod:`.baselines`: ``exports``, ``baselines``, ``baseline_groups``,
  ``baseline_objects``, ``checked``;
- :mod:`.texts`: ``pushed`` and ``origins``;
- :mod:`.runs`: ``runs`` and ``journal``;
- :mod:`.git`: ``git_imported`` and ``git_files``;
- :mod:`.domains`: ``domains`` (:class:`DomainCache`);
- :mod:`.lock`: the per-account lock (:func:`account_lock`), a file beside the store.
"""

from __future__ import annotations

from .baselines import Baseline, Baselines, BaselineUnit
from .checkpoints import wait_for_checkpoints
from .clock import new_id, now_utc
from .connection import require_state, state_file
from .domains import DomainCache
from .git import GitCursors
from .lock import account_lock
from .runs import Runs
from .schema import UNIT_ROWS
from .texts import PushedAndOrigins

__all__ = [
    "UNIT_ROWS",
    "Baseline",
    "BaselineUnit",
    "DomainCache",
    "StateStore",
    "account_lock",
    "new_id",
    "now_utc",
    "require_state",
    "state_file",
    "wait_for_checkpoints",
]


class StateStore(Baselines, PushedAndOrigins, Runs, GitCursors):
    """The SQLite state file; one connection, used from one thread.

    Every table family's methods on that one connection: ``store.baseline(…)``,
    ``store.record_written(…)``, ``store.start_run(…)``, ``store.transaction()``."""
