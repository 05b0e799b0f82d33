"""``cron-run`` with ``[git]``: one round of exchange with a translation platform's repository.

The repository replaces the inbox and the outbox for the accounts that use it
(an account may say ``git = false``). Per run (:class:`GitRound`):

1. **start** — the working copy (``<state_dir>/git/``) is synced once, under its
   lock: cloned, re-cloned if corrupt, fetched and reset to ``origin/<branch>``;
2. per account, **import** — every translator file under ``<path>/<account>/``
   changed by commits the tool did not make since the last commit it imported is
   imported as an inbox file is (QA, three-way diff, plan, apply when
   ``auto_apply``), matched by its path to the export the tool last committed
   there (:meth:`StateStore.export_for_path`: a platform's file needs none of our
   headers), reported with its path and commit; a file with merge-conflict
   markers is refused with the line; a deleted file is said;
3. per account, **export** — when the account changed since its last export,
   ``messages.pot`` (every unit) and ``<language>.po`` per language are written
   into the working copy as ``msgmerge`` would (:func:`~automsg_sync.git.pofiles.merge_language`):
   a translation in the repository that is not live (auto_apply off, a conflict,
   a QA refusal, the platform's work not imported yet) is kept, fuzzy with the old
   source when the source moved; units gone become obsolete ``#~`` entries;
4. **finish** — one commit for the run (its id, the accounts, the languages) and a
   push; a push refused because the platform pushed meanwhile: fetch, reset,
   rewrite the tool's files from the state (step 3 again, over the platform's new
   files, so its work is kept), push again — at most 3 times, then every git
   account of the run is reported as needing a human.

Git trouble (an unreachable remote, a refused push, a corrupt working copy that
cannot be cloned again) is reported on each git account as its error; accounts
without git are not touched by it.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..config import AccountSettings, GitSettings, Settings
from ..errors import AutomsgError, FormatError
from ..export import ExportRequest, export_for_translation
from ..formats.po import parse
from ..imports import ImportOptions, ImportReport, import_translations
from ..lp import Connection
from ..model import UNIT_STATES, FileMeta, Unit, language_key
from ..snapshot import fetch_snapshot
from ..state import StateStore
from .pofiles import TEMPLATE_NAME, check_no_conflict_markers, merge_language, write_template
from .remote import redact_url
from .workingcopy import GitPushRejected, WorkingCopy

log = logging.getLogger("automsg_sync.gitrun")  # its name before the git/ package: log filters keep working


@dataclass
class GitFile:
    """A translator file of the repository imported in this run, with its commit."""

    path: str  # relative to the repository's root
    commit: str
    report: ImportReport | None = None
    deleted: bool = False
    error: str | None = None


@dataclass
class GitRound:
    """One run's exchange through the repository (see the module docstring)."""

    settings: GitSettings
    copy: WorkingCopy
    head: str | None
    lock: threading.Lock = field(default_factory=threading.Lock)  # git commands, one at a time
    writers: dict[str, Callable[[], list[str]]] = field(default_factory=dict)  # account → rewrite
    written: dict[str, dict[str, str]] = field(default_factory=dict)  # account → {path: export id}
    languages: dict[str, list[str]] = field(default_factory=dict)
    pushed: str | None = None
    error: str | None = None
    needs_human: bool = False  # the push was refused again and again: a human must look
    held: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)  # the working copy's lock

    @property
    def remote(self) -> str:
        return redact_url(self.settings.remote)


def start(settings: Settings) -> GitRound:
    """Sync the working copy once for the run (it stays locked until :func:`finish`)."""
    assert settings.git is not None
    git = settings.git
    copy = WorkingCopy(git.remote, git.branch, settings.state_dir / "git", git.author, git.path)
    with contextlib.ExitStack() as stack:
        stack.enter_context(copy.locked())
        found = GitRound(git, copy, copy.sync())
        found.held = stack.pop_all()  # released by finish()
    return found


def status_line(settings: Settings, account: AccountSettings) -> str:
    """``status``'s line for an account with ``[git]``: the repository (redacted), the last
    commit imported, and whether the platform pushed since (``git ls-remote``, read only)."""
    assert settings.git is not None
    git = settings.git
    state = StateStore(settings.state_dir)
    try:
        commit, pushed = state.last_imported_commit(account.id), state.last_pushed_commit(account.id)
    finally:
        state.close()
    copy = WorkingCopy(git.remote, git.branch, settings.state_dir / "git", git.author, git.path)
    try:
        now = copy.remote_head()
        waiting = (
            "the platform pushed since: the next cron-run imports it"
            if now is not None and now not in (commit, pushed)
            else "nothing waiting"
        )
    except AutomsgError as exc:
        waiting = f"the remote could not be asked ({exc})"
    seen = commit[:12] if commit else "none yet"
    return f"{redact_url(git.remote)} ({git.branch}, {git.path}): last commit imported {seen}; {waiting}"


def import_account(
    round_: GitRound,
    settings: Settings,
    account: AccountSettings,
    conn: Connection,
    state: StateStore,
    options: ImportOptions,
) -> list[GitFile]:
    """Import the account's files the platform changed since the last commit imported."""
    with round_.lock:
        changed = round_.copy.files_changed_since(state.last_imported_commit(account.id), account.id)
    files: list[GitFile] = []
    for found in changed:
        rel = str(found.path)
        item = GitFile(rel, found.commit, deleted=found.deleted)
        files.append(item)
        if found.deleted:
            continue
        path = round_.copy.root / rel
        try:
            check_no_conflict_markers(path)
            meta = _meta_of(state, rel, account, path)
        except FormatError as exc:
            item.error = str(exc)
            continue
        item.report = import_translations(
            conn,
            account,
            [path],
            replace(options, meta_for={str(path): meta}),
            state,
            settings.state_dir / "backups",
        )
    if round_.head is not None:
        state.set_last_imported_commit(account.id, round_.head)
    return files


def _meta_of(state: StateStore, rel: str, account: AccountSettings, path: Path) -> FileMeta:
    """The metadata of a repository file: that of the export last committed at its path."""
    export_id = state.export_for_path(rel)
    baseline = state.baseline(export_id, path.stem) if export_id else None
    if baseline is None:
        raise FormatError(
            path,
            None,
            "this tool never committed a file at this path (no export is recorded for it): was it "
            "renamed or added on the platform? Language files are <path>/<account>/<language>.po",
        )
    return FileMeta(account.id, path.stem, export_id or "", baseline.revision, baseline.source_language)


def export_account(
    round_: GitRound, settings: Settings, account: AccountSettings, conn: Connection, state: StateStore
) -> list[str]:
    """Write the account's template and language files into the working copy when the account
    changed since its last export; returns the files written (repository paths)."""
    # a conditional read first, as cron's outbox export: an account unchanged since its last
    # export costs one request (304), not a full read — once its files are in the repository
    # (an account new to git mode, exported to an outbox before, is written whatever it costs)
    published = (round_.copy.directory(account.id) / TEMPLATE_NAME).exists()
    if_match = state.checked_revision(account.id) if published else None
    snapshot = fetch_snapshot(conn, account, if_match=if_match, hint=state.last_api(account.id))
    if snapshot is None:
        return []
    with tempfile.TemporaryDirectory(prefix="automsg-git-") as scratch:
        request = ExportRequest(
            out_dir=Path(scratch),
            formats=["po"],
            only=frozenset(UNIT_STATES),  # the platform's file holds every unit
            max_length=account.max_length,
            unless_unchanged=True,
            keep_units=True,
        )
        exported = export_for_translation(conn, account, request, state, snapshot=snapshot)
    if exported.unchanged or not exported.units:
        return []
    languages = [s.language for s in exported.languages if s.files]
    units = exported.units
    folder = round_.copy.directory(account.id)
    source_language = exported.source_language

    def write() -> list[str]:
        folder.mkdir(parents=True, exist_ok=True)
        written: list[str] = []
        meta = FileMeta(account.id, source_language, exported.export_id, exported.revision, source_language)
        if write_template(folder / TEMPLATE_NAME, units, meta):
            written.append(TEMPLATE_NAME)
        for language in languages:
            mine = [u for u in units if language_key(u.language) == language_key(language)]
            path = folder / f"{language}.po"
            lang_meta = FileMeta(account.id, language, exported.export_id, exported.revision, source_language)
            if merge_language(path, mine, lang_meta, _keep(path, mine)):
                written.append(path.name)
        return written

    with round_.lock:
        names = write()
    round_.writers[account.id] = write
    round_.languages[account.id] = languages
    prefix = round_.copy.directory(account.id).relative_to(round_.copy.root)
    round_.written[account.id] = {
        str(prefix / f"{language}.po"): exported.export_id for language in languages
    }
    return names


def _keep(path: Path, units: list[Unit]) -> dict[str, str]:
    """The repository's translations that are not live: a translator's work not applied yet
    (auto_apply off, a conflict, a QA refusal, or the platform's new work)."""
    if not path.exists():
        return {}
    try:
        _, entries = parse(path, path.read_text(encoding="utf-8-sig"), with_notes=False)
    except (OSError, UnicodeDecodeError, FormatError):
        return {}
    live = {u.key.name: u.target for u in units}
    return {e.key: e.target for e in entries if e.key and e.target and e.target != live.get(e.key)}


def finish(round_: GitRound, run_id: str, state_dir: Path) -> None:
    """One commit for the run, pushed (rebuilding the tool's files over a platform's push);
    the paths committed are recorded as the exports they came from. Releases the lock."""
    try:
        accounts = sorted(round_.written)
        if not accounts:
            return
        counts = ", ".join(f"{a}: {', '.join(round_.languages.get(a, [])) or 'template'}" for a in accounts)

        def rebuild() -> None:
            for write in round_.writers.values():
                write()

        message = f"automsg-sync {run_id}\n\nAccounts and languages: {counts}\n"
        with round_.lock:
            round_.pushed = round_.copy.commit_and_push(message, rebuild)
        if round_.pushed is not None:
            state = StateStore(state_dir)
            try:
                for account in accounts:
                    state.set_exports_for_paths(account, round_.written[account], round_.pushed)
            finally:
                state.close()
    except AutomsgError as exc:
        round_.error = f"git ({round_.remote}): {exc}"
        round_.needs_human = isinstance(exc, GitPushRejected)
    finally:
        round_.held.close()
