"""A git repository as the exchange with a translation platform (issue #27).

Weblate, Crowdin, Lokalise, Phrase and Transifex all sync translation files with
a git repository; speaking git makes the tool a connector for each of them.

Modules
-------
:mod:`.remote`
    ``check_remote(url, where)``, ``parse_author(author)``: the ``[git]`` values
    checked before git runs (``config.py`` checks them when loading);
    ``redact_url(url)``, ``redact_text(text, *urls)``: URLs with their secrets masked.
:mod:`.runner`
    ``GitRunner``: the system ``git``, its environment and timeouts; ``GitError``.
:mod:`.workingcopy`
    ``WorkingCopy``: the tool's clone (lock, sync, what the platform changed,
    commit and push); ``ChangedFile``, ``GitPushRejected``.
:mod:`.pofiles`
    ``write_template``, ``merge_language``, ``check_no_conflict_markers``: the
    files the tool writes into the repository.
:mod:`.round`
    ``GitRound`` and ``status_line``: ``cron-run``'s round with the repository.
    It is not re-exported here: it reads the settings (``config.py``), and
    ``config.py`` imports this package for its checks; importing the round here
    would make that a circle. Import it as ``automsg_sync.git.round``.

Integration (``cron-run`` with ``[git]``, :mod:`.round`) — what the caller does, per run::

    copy = WorkingCopy(git.remote, git.branch, state_dir / "git", git.author, git.path)
    with copy.locked():                               # before any account starts
        head = copy.sync()                            # once per run, not per account
        for account in git_accounts:                  # reading may be concurrent
            for changed in copy.files_changed_since(state.last_imported(account), account):
                # changed.deleted: report it, nothing to import
                check_no_conflict_markers(copy.root / changed.path)
                # import copy.root / changed.path exactly as an inbox file, matched to
                # state.export_for_path(changed.path), reported with changed.commit
            state.set_last_imported(account, head)    # head from sync(): NOT the pushed commit
        def rebuild() -> None:                        # rewrites the tool's files from the state
            for account, language …:
                write_template(copy.directory(account) / "messages.pot", units, meta)
                merge_language(copy.directory(account) / f"{language}.po", units, meta, keep)
        rebuild()
        pushed = copy.commit_and_push(f"{run_id}: …", rebuild)
        if pushed: state.set_export_for_path(path, export_id) for every file written

The state store needs, per account: the last commit imported (``since``; the
commit :meth:`WorkingCopy.sync` returned, because commits the platform pushes
during the run, which a retried push builds on, are not imported yet and must
be next run's), and per repository path the export id (and so the baseline)
last committed there.
"""

from __future__ import annotations

from .pofiles import TEMPLATE_NAME, check_no_conflict_markers, merge_language, write_template
from .remote import check_remote, parse_author, redact_text, redact_url
from .runner import GitError
from .workingcopy import ChangedFile, GitPushRejected, WorkingCopy

__all__ = [
    "TEMPLATE_NAME",
    "ChangedFile",
    "GitError",
    "GitPushRejected",
    "WorkingCopy",
    "check_no_conflict_markers",
    "check_remote",
    "merge_language",
    "parse_author",
    "redact_text",
    "redact_url",
    "write_template",
]
