"""``cron-run``: both directions, unattended, for every configured account.

Accounts are served concurrently, ``max_parallel_accounts`` at a time (a
top-level key, default 8; 1 serves them one by one in the calling thread):
the work is network-bound, an account mostly waits for LivePerson. Each
account is one task of a thread pool, with its own lock, its own
:class:`~automsg_sync.lp.Connection` and its own
:class:`~automsg_sync.state.StateStore` (a SQLite connection belongs to the
thread that opened it; WAL mode and the busy timeout let the tasks read and
write the one state file side by side). The run's report and its lines hold
the accounts in the configured order, whatever order they finished in; each
account's line is also logged (``info``) the moment it finishes. Two steps
never overlap between accounts: writing an export (local work only — the
export's worker processes are forked from this process and take their jobs
from a module-level list, which one export at a time may own) and
``verify_after_apply`` (its webhook listener has one address). Ctrl-C: no
account starts after it; those already running finish, as each step of an
account is safe to end at.

For each account:

1. take the account's lock (``<state-dir>/locks/<account>.lock``); held by
   another run → that account is skipped with a one-line message (exit 4),
   or waited for up to ``wait`` seconds;
2. import every file of ``inbox/<account>/``, oldest first, each on its own:
   handled (applied, or planned when ``auto_apply`` is off) → moved to
   ``archive/<date>/<account>/``; unreadable or refused → moved to
   ``failed/<account>/`` with ``<name>.errors.json`` beside it (a human must
   look: exit 3, not an error of the run); a file whose import hit an API
   error stays in the inbox for the next run. A file is never deleted: moves
   are renames, and the error report is written before the file moves.
   Hidden files and ``*.part``/``*.tmp`` (uploads in progress) are left
   alone, and so is a file modified less than ``settle_seconds`` ago (judged
   by its modification time against the clock, never by sleeping: every
   write moves the modification time, so a file still growing never looks
   settled); it is reported as waiting and the next run takes it. Only
   regular files are read: a symlink, FIFO, socket, device or folder in the
   inbox is judged by ``lstat`` and never opened, followed, copied or moved;
   it is reported by name as left alone (a human must look: exit 3). Any
   file name works: one that is not UTF-8 is reported with its bytes
   escaped (``fr-\\xff.po``);
3. export the units in the ``export_only`` states to ``outbox/<account>/``
   when something changed: a conditional GET answered 304 (one request, with
   the Domain API's answer cached in the state store) means nothing did, and
   an export whose units equal the last export's writes no file;
4. write ``reports/<run-id>.json`` and print one line per account. Reports
   and errors files are written owner-only (0600), to a temporary file
   renamed into place; a failed write leaves no temporary file behind. A
   report that cannot be written is said on stderr; the exit code is still
   the accounts'.

Exit code: the worst over the accounts — 1 error (the account itself failed:
LivePerson unreachable or refusing, a login refused, a write that failed, the
state store unusable), 3 needs a human (a refused inbox file, or one left
alone as not a regular file; units skipped,
or a plan waiting because ``auto_apply`` is off), 4 an account was locked by
another run, 0 otherwise (files still being written only wait). One failing
account does not stop the others: whatever goes wrong in an account (an API
error, a full disk, a read-only or corrupt state store, a bug) makes that
account ``error`` with the exception's class and message in the report (the
traceback is logged at debug level), and the next account runs.

Error texts never carry a file's content beyond a short excerpt of the
offending line of a file that declares itself ours (``X-Automsg-*`` header),
with registered secrets masked.

Modules: :mod:`.run` (the run over accounts: locks, threads, the git round's
start and finish, verify and export), :mod:`.inbox` (each returned file imported
on its own, from the inbox or the repository), :mod:`.folders` (settled files,
moves to the archive and to ``failed/``, opening without following a link),
:mod:`.report` (the results, each account's line, the JSON report).
"""

from __future__ import annotations

from .report import AccountResult, CronReport, FileResult
from .run import cron_run

__all__ = ["AccountResult", "CronReport", "FileResult", "cron_run"]
