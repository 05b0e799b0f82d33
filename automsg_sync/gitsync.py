"""A git repository as the exchange with a translation platform (issue #27): the core.

Weblate, Crowdin, Lokalise, Phrase and Transifex all sync translation files with
a git repository; speaking git makes the tool a connector for each of them. The
system ``git`` command is the engine (what every platform's documentation
assumes; no Python git library), run with ``LC_ALL=C`` and
``GIT_TERMINAL_PROMPT=0`` (a cron run never waits at a password prompt), and
without touching anybody's git configuration: the author is given to each
commit, and the only configuration written is the working copy's own.

Credentials come from git's own mechanisms (ssh keys, credential helpers,
``GIT_ASKPASS``), never from the tool's configuration: :func:`check_remote`
refuses a URL carrying a password or token, and every URL this module prints,
git's own error output included, is redacted first (:func:`redact_url`, :func:`redact_text`).

API
---
``check_remote(url, where)``
    ConfigError when ``url`` carries a password or a token, naming ``where``.
``redact_url(url) -> str``
    The URL with a password (or a token given as the user name) masked as ``***``.
``redact_text(text, *urls) -> str``
    Free text (git's output) with every ``user:password@`` in it masked.
``parse_author(author) -> (name, email)``
    ``"Name <email>"`` split; ConfigError otherwise.
``WorkingCopy(remote, branch, workdir, author, path=".", *, timeout=300.0)``
    The tool's clone, at ``<workdir>/checkout`` (``workdir`` is ``<state_dir>/git``).
    Only ``path`` is checked out (a sparse checkout), so a repository much larger
    than ours costs little more than our folder.

    ``.locked(wait=0.0)``
        Context manager: the working copy's lock (``<workdir>/checkout.lock``);
        LockHeld when another run holds it. Every method below wants it held.
    ``.sync() -> str | None``
        Clone when missing, re-clone when corrupt or cloned from another URL,
        fetch, hard-reset (and clean) to ``origin/<branch>``; the HEAD commit, or
        None for a remote without any branch (the first push creates ``branch``).
    ``.directory(folder="") -> Path``
        Where the files of ``<path>/<folder>`` are in the working copy
        (``.root`` is the repository's root; ``.head()`` its HEAD commit).
    ``.files_changed_since(since, folder, tool_author=None) -> list[ChangedFile]``
        The translator files under ``<path>/<folder>`` changed by commits not
        made by the tool since commit ``since``: path, last such commit, deleted.
    ``.commit_and_push(message, rebuild, retries=3) -> str | None``
        One commit of ``path`` as the author, pushed; None when nothing changed.
        A push refused because the remote moved: fetch, reset, ``rebuild()``,
        commit, push again, ``retries`` times, then GitPushRejected.
``write_template(path, units, meta, *, now=None) -> bool``
    ``messages.pot``: every unit once, msgctxt = unit key, notes as ``#.``.
``merge_language(path, units, meta, keep, *, now=None) -> bool``
    ``<language>.po`` rewritten as ``msgmerge`` would, keeping the repository's
    unapplied translations (``keep``); False, file untouched, when unchanged.
``check_no_conflict_markers(path)``
    FormatError naming the line of a ``<<<<<<<``/``=======``/``>>>>>>>`` line.
``GitError`` (an AutomsgError): git failed (remote unreachable, authentication, …),
    with git's error output redacted and cut to a few lines.
``GitPushRejected`` (a GitError): the push was refused ``retries + 1`` times.

Files, written deterministically so that a commit shows only real changes:
entries ordered by unit key (account first, then skills by number), no line
wrapping, no tool version in the header, and one date (``POT-Creation-Date``
and ``PO-Revision-Date`` alike) that is the existing file's as long as the
rest of the file is unchanged, and the time of writing once it is not. The
language files keep the ``X-Automsg-*`` header fields that
:func:`automsg_sync.formats.po.read_po` reads, but platforms regenerate files
and may drop or change them: in git mode a file is matched by its path to the
export the tool last committed there. The template carries only the account,
the source language and the format version (a platform may copy its header into
a new language's file: an export id or language there would be wrong).

Integration (``cron-run`` with ``[git]``) — what the caller does, per run::

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
last committed there. ``keep`` is, per language, the unit key → translation of
every translator text not applied live (auto_apply off, a conflict, a QA
refusal); in ``rebuild`` after a refused push it must also hold the keys whose
msgstr in the freshly fetched file differs from the baseline last committed for
that path (the platform's new work, not imported yet), or that work is lost.
Call :func:`merge_language` for a language only when its units changed (or in
``rebuild``): any difference in bytes rewrites a file a platform reformatted.
Hooks of the working copy are skipped (``--no-verify``); git's own signing
settings (``commit.gpgsign``) apply as the user configured them.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from filelock import FileLock, Timeout

from .errors import AutomsgError, ConfigError, FormatError, LockHeld
from .formats import IMPORTABLE, atomic_path, entry_notes
from .formats.po import HEADER_PREFIX, _decode, entry_text, fuzzy_in_po, meta_fields, parse
from .model import FileEntry, FileMeta, Unit, UnitKey

log = logging.getLogger("automsg_sync.gitsync")

MASK = "***"
ERROR_LINES = 4  # lines of git's error output quoted in a GitError
ERROR_LINE_LENGTH = 200
TEMPLATE_NAME = "messages.pot"


class GitError(AutomsgError):
    """git failed: the remote cannot be reached, refused the credentials, or the
    working copy cannot be repaired. The text quotes git's error output, redacted."""


class GitPushRejected(GitError):
    """The remote refused the push each time because it had moved meanwhile."""


@dataclass(frozen=True)
class ChangedFile:
    """A translator file changed in the repository by someone other than the tool.

    ``path`` is relative to the repository's root (``/``-separated); ``commit`` is
    the last commit not made by the tool that changed it; ``deleted``: the file
    is not in HEAD (the platform deleted it; nothing to import).
    """

    path: str
    commit: str
    deleted: bool = False


# --------------------------------------------------------------------------- URLs


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
# user names that are access tokens (GitHub, GitLab): a secret even without a password
_TOKEN_USER = re.compile(r"(?:gh[pousr]_|github_pat_|glpat-|gldt-|glcbt-)\w", re.IGNORECASE)
# a URL inside free text (git's error output): scheme, then user information up to "@"
_URL_USERINFO = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://)([^\s/@]+)@")
# user:password@host without a scheme (git 2.39: "unable to look up deploy:pw@host" for git://)
_BARE_USERINFO = re.compile(r"(?<![\w/.:%~+-])([\w.~%+-]+):([^\s/@'\"]+)@(?=[\w\[])")


def _mask_userinfo(userinfo: str) -> str:
    user, colon, _ = userinfo.partition(":")
    if _TOKEN_USER.match(user):
        user = MASK
    return f"{user}:{MASK}" if colon else user


def _userinfo(url: str) -> str | None:
    """The user information of a URL (``user:password``), or None."""
    scheme, sep, rest = url.partition("://")
    if sep and _SCHEME.fullmatch(scheme):
        netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
        userinfo, at, _ = netloc.rpartition("@")
        return userinfo if at else None
    head, at, _ = url.partition("@")  # scp-like: [user@]host:path
    return head if at and "/" not in head else None


def redact_url(url: str) -> str:
    """``url`` with a password, or a user name that is a token, masked.

    >>> redact_url("https://user:secret@example.com/a.git"), redact_url("git@example.com:a/b.git")
    ('https://user:***@example.com/a.git', 'git@example.com:a/b.git')
    """
    userinfo = _userinfo(url)
    if userinfo is None:
        return url
    masked = _mask_userinfo(userinfo)
    return url if masked == userinfo else url.replace(userinfo + "@", masked + "@", 1)


def redact_text(text: str, *urls: str) -> str:
    """Free text (git's output) with every URL's password masked, and each of ``urls``
    (spelled exactly, in whatever form) replaced by its redacted spelling."""
    for url in urls:
        if url:
            text = text.replace(url, redact_url(url))
    text = _URL_USERINFO.sub(lambda m: m.group(1) + _mask_userinfo(m.group(2)) + "@", text)
    return _BARE_USERINFO.sub(lambda m: _mask_userinfo(f"{m.group(1)}:{m.group(2)}") + "@", text)


def check_remote(url: str, where: str) -> None:
    """Refuse a remote URL that carries a password or a token (ConfigError naming ``where``),
    or that git could take for an option; the secret itself is never shown."""
    if not url.strip():
        raise ConfigError(f"{where}: the remote URL is empty")
    if url.startswith("-") or any(c.isspace() or ord(c) < 0x20 for c in url):
        raise ConfigError(
            f"{where}: {redact_url(url)!r} is not a remote URL (it starts with '-' or holds spaces)"
        )
    userinfo = _userinfo(url)
    if userinfo is not None and _mask_userinfo(userinfo) != userinfo:
        raise ConfigError(
            f"{where}: the remote URL {redact_url(url)} carries a password or token; credentials "
            "are never kept in the configuration: they come from git's own mechanisms (an ssh "
            "key, a credential helper, GIT_ASKPASS). Write the URL without it."
        )


# ---------------------------------------------------------------------- running git

# variables that would point git at another repository than the one named
# (``git rev-parse --local-env-vars``): a run started from a git hook has some
_LOCATION_VARIABLES = frozenset(
    {
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_CONFIG",
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG_PARAMETERS",
        "GIT_DIR",
        "GIT_GRAFT_FILE",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_NAMESPACE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_OBJECT_DIRECTORY",
        "GIT_PREFIX",
        "GIT_REPLACE_REF_BASE",
        "GIT_SHALLOW_FILE",
        "GIT_WORK_TREE",
    }
)
_COMMIT = re.compile(r"[0-9a-f]{7,64}")
_AUTHOR = re.compile(r"\s*([^<>]*?)\s*<([^<>\s]+@[^<>\s]+)>\s*")


def parse_author(author: str, where: str = "[git] author") -> tuple[str, str]:
    """``"Name <email>"`` → (name, email); ConfigError otherwise."""
    match = _AUTHOR.fullmatch(author)
    if not match or not match.group(1):
        raise ConfigError(f"{where}: {author!r} is not 'Name <email>'")
    return match.group(1), match.group(2)


def _checked_path(path: str, where: str) -> str:
    """A folder inside the repository, ``/``-separated and normalised ("." for the root)."""
    pure = PurePosixPath(path.strip().replace("\\", "/") or ".")
    parts = [p for p in pure.parts if p != "."]
    if pure.is_absolute() or any(p in ("..", ".git") for p in parts) or any(c < " " for c in path):
        raise ConfigError(f"{where}: {path!r} is not a folder inside the repository")
    return "/".join(parts) or "."


class _LocalTrouble(Exception):
    """The working copy itself failed (not the remote): re-clone."""

    def __init__(self, error: GitError) -> None:
        super().__init__(str(error))
        self.error = error


class WorkingCopy:
    """The tool's clone of the platform's repository (see the module's docstring)."""

    def __init__(
        self,
        remote: str,
        branch: str,
        workdir: Path,
        author: str,
        path: str = ".",
        *,
        timeout: float = 300.0,
    ) -> None:
        check_remote(remote, "[git] remote")
        self.remote = remote
        self.display = redact_url(remote)
        self.branch = branch
        self.workdir = Path(workdir)
        self.author = author
        self.author_name, self.author_email = parse_author(author)
        self.path = _checked_path(path, "[git] path")
        self.timeout = timeout  # seconds for one fetch or push
        self.root = self.workdir / "checkout"
        done = self._run(["git", "check-ref-format", f"refs/heads/{branch}"], check=False)
        if done.returncode != 0 or branch.startswith("-"):
            raise ConfigError(f"[git] branch: {branch!r} is not a branch name")

    def __repr__(self) -> str:
        return f"WorkingCopy({self.display!r}, {self.branch!r}, path={self.path!r})"

    # -- running git

    def _run(
        self,
        args: Sequence[str],
        *,
        cwd: Path | None = None,
        network: bool = False,
        stdin: bytes | None = None,
        check: bool = True,
        what: str = "",
    ) -> subprocess.CompletedProcess[bytes]:
        env = {k: v for k, v in os.environ.items() if k not in _LOCATION_VARIABLES}
        env.update(
            LC_ALL="C",
            LANGUAGE="C",
            GIT_TERMINAL_PROMPT="0",
            GIT_EDITOR=":",
            GIT_AUTHOR_NAME=self.author_name,
            GIT_AUTHOR_EMAIL=self.author_email,
            GIT_COMMITTER_NAME=self.author_name,
            GIT_COMMITTER_EMAIL=self.author_email,
        )
        try:
            # a session of its own: a timeout ends git and its helpers (ssh, remote-https) together
            process = subprocess.Popen(
                list(args),
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise GitError(f"cannot run git ({exc.strerror}): is it installed?") from None
        try:
            out, err = process.communicate(stdin, timeout=self.timeout if network else None)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise GitError(
                f"git {what or _verb(args)} with {self.display} took longer than {self.timeout:g} s: "
                "the remote does not answer"
            ) from None
        done = subprocess.CompletedProcess(list(args), process.returncode, out, err)
        if check and done.returncode != 0:
            raise self._failure(what or _verb(args), err)
        return done

    def _git(self, root: Path, *args: str, **options: object) -> subprocess.CompletedProcess[bytes]:
        """git in the working copy at ``root``, never in a repository around it."""
        command = ["git", f"--git-dir={root / '.git'}", f"--work-tree={root}", *args]
        return self._run(command, cwd=root, **options)  # type: ignore[arg-type]

    def _failure(self, what: str, stderr: bytes) -> GitError:
        return GitError(f"git {what} ({self.display}, branch {self.branch}) failed: {self._excerpt(stderr)}")

    def _excerpt(self, stderr: bytes) -> str:
        text = redact_text(stderr.decode("utf-8", "replace"), self.remote)
        lines = [line.strip() for line in text.splitlines()]
        lines = [line[:ERROR_LINE_LENGTH] for line in lines if line and not line.startswith("hint:")]
        return " / ".join(lines[-ERROR_LINES:]) or "no message"

    # -- the lock

    @contextmanager
    def locked(self, wait: float = 0.0) -> Iterator[None]:
        """Hold the working copy's lock (two runs never fetch, write or push in it at once);
        held by another run: wait up to ``wait`` seconds, then LockHeld."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.workdir / "checkout.lock"), timeout=wait)
        try:
            lock.acquire()
        except Timeout:
            raise LockHeld(f"another run holds the git working copy's lock ({self.workdir})") from None
        try:
            yield
        finally:
            lock.release()

    # -- sync

    def directory(self, folder: str = "") -> Path:
        """Where ``<path>/<folder>`` is in the working copy."""
        inside = _checked_path(folder, "folder") if folder else "."
        return self.root.joinpath(*(p for p in (self.path, inside) if p != "."))

    def sync(self) -> str | None:
        """Bring the working copy to the remote's ``branch`` exactly; its HEAD commit, or None
        when the remote has no branch at all (``branch`` is created by the first push)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        for leftover in self.workdir.glob(".checkout-*"):  # of a run that died mid-clone
            shutil.rmtree(leftover, ignore_errors=True)
        if self._usable(self.root):
            try:
                self._set_sparse(self.root)
                return self._update(self.root)
            except _LocalTrouble as exc:
                log.warning("git working copy %s: %s; cloning it again", self.root, exc)
        elif self.root.exists():
            log.warning("git working copy %s: damaged, or of another remote; cloning it again", self.root)
        fresh = self.workdir / f".checkout-{uuid.uuid4().hex[:12]}"
        try:
            self._run(["git", "init", "-q", f"--initial-branch={self.branch}", "--", str(fresh)])
            for key, value in (
                ("remote.origin.url", self.remote),
                ("remote.origin.fetch", f"+refs/heads/{self.branch}:refs/remotes/origin/{self.branch}"),
                ("core.autocrlf", "false"),  # the bytes written are the bytes committed
                ("core.quotePath", "false"),
            ):
                self._git(fresh, "config", key, value)
            self._set_sparse(fresh)
            head = self._update(fresh)
        except _LocalTrouble as exc:
            shutil.rmtree(fresh, ignore_errors=True)
            raise exc.error from None
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        old = self.workdir / f".checkout-old-{uuid.uuid4().hex[:12]}"
        if self.root.exists() or self.root.is_symlink():
            self.root.rename(old)
        fresh.rename(self.root)
        shutil.rmtree(old, ignore_errors=True)
        return head

    def _usable(self, root: Path) -> bool:
        if not (root / ".git").is_dir():
            return False
        if self._git(root, "rev-parse", "--git-dir", check=False).returncode != 0:
            return False
        url = self._git(root, "config", "--get", "remote.origin.url", check=False)
        return url.returncode == 0 and url.stdout.decode("utf-8", "replace").strip() == self.remote

    def _set_sparse(self, root: Path) -> None:
        """Check out ``path`` only (and the files at the root: git's cone mode)."""
        try:
            if self.path == ".":
                enabled = self._git(root, "config", "--get", "core.sparseCheckout", check=False)
                if enabled.stdout.strip() == b"true":
                    self._git(root, "sparse-checkout", "disable")
                return
            listed = self._git(root, "sparse-checkout", "list", check=False)
            if listed.returncode != 0 or listed.stdout.decode("utf-8", "replace").splitlines() != [self.path]:
                self._git(root, "sparse-checkout", "set", "--cone", "--", self.path)
        except GitError as exc:
            raise _LocalTrouble(exc) from None

    def _update(self, root: Path) -> str | None:
        """Fetch ``branch`` and make the working copy exactly ``origin/<branch>``."""
        branch, tracking = self.branch, f"refs/remotes/origin/{self.branch}"
        fetched = self._git(
            root,
            "fetch",
            "-q",
            "--no-tags",
            "--no-write-fetch-head",
            "origin",
            f"+refs/heads/{branch}:{tracking}",
            network=True,
            check=False,
            what="fetch",
        )
        missing = b"couldn't find remote ref" in fetched.stderr
        if fetched.returncode != 0 and not missing:
            error = self._failure("fetch", fetched.stderr)
            # the remote answers (ls-remote works): the fault is the working copy's
            reached = self._git(root, "ls-remote", "-q", "--heads", "origin", network=True, check=False)
            raise _LocalTrouble(error) if reached.returncode == 0 else error
        try:
            if missing:
                self._unborn(root)
                return None
            self._git(root, "checkout", "-q", "--force", "-B", branch, tracking, "--")
            self._git(root, "clean", "-q", "-ffdx")  # what a failed run wrote and never committed
            return self._head(root)
        except GitError as exc:
            raise _LocalTrouble(exc) from None

    def _unborn(self, root: Path) -> None:
        """The remote has no ``branch``: fine for an empty remote (the first push creates it),
        an error for one with other branches (the configured name is likely wrong)."""
        heads = self._git(root, "ls-remote", "-q", "--heads", "origin", network=True, what="ls-remote")
        names = [
            line.split("\t", 1)[1].removeprefix("refs/heads/")
            for line in heads.stdout.decode("utf-8", "replace").splitlines()
            if "\t" in line
        ]
        if names:
            shown = ", ".join(sorted(names)[:10])
            raise GitError(
                f"{self.display} has no branch {self.branch!r} (it has: {shown}); check [git] branch"
            )
        self._git(root, "update-ref", "-d", f"refs/remotes/origin/{self.branch}", check=False)
        self._git(root, "symbolic-ref", "HEAD", f"refs/heads/{self.branch}")
        self._git(root, "update-ref", "-d", f"refs/heads/{self.branch}", check=False)
        self._git(root, "read-tree", "--empty")
        self._git(root, "clean", "-q", "-ffdx")

    def _head(self, root: Path) -> str | None:
        done = self._git(root, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
        if done.returncode != 0:
            return None  # no commit yet
        return done.stdout.decode("ascii").strip()

    def remote_head(self) -> str | None:
        """The remote's ``branch`` commit as the remote says it now (``git ls-remote``, read
        only, no working copy needed; None for a branch not there yet)."""
        done = self._run(
            ["git", "ls-remote", "--heads", "--", self.remote, f"refs/heads/{self.branch}"],
            network=True,
            what="ls-remote",
        )
        line = done.stdout.decode("utf-8", "replace").split("\n", 1)[0]
        return line.split("\t", 1)[0] or None if "\t" in line else None

    def head(self) -> str | None:
        """The working copy's HEAD commit (None before the first commit)."""
        return self._head(self.root)

    # -- what the platform changed

    def files_changed_since(
        self, since: str | None, folder: str, tool_author: str | None = None
    ) -> list[ChangedFile]:
        """The translator files (``.po``, ``.xlf``, ``.xliff``, ``.xlsx`` …) under
        ``<path>/<folder>`` changed by commits whose author email is not
        ``tool_author``'s (default: this working copy's author), after commit
        ``since`` (None: ever), ordered by path.

        A ``since`` that is not in the repository (the platform rewrote the
        branch's history) counts as None, with a warning: every file is then
        imported again, which changes nothing already applied. Merge commits'
        own changes are not looked at (their parents' commits are).
        """
        spec = str(self.directory(folder).relative_to(self.root).as_posix())
        head = self.head()
        if head is None:
            return []
        tool = self.author_email
        if tool_author:
            tool = parse_author(tool_author)[1] if "<" in tool_author else tool_author.strip()
        tool = tool.lower()
        revisions = "HEAD"
        if since is not None:
            if not _COMMIT.fullmatch(since):
                raise ValueError(f"not a commit id: {since!r}")
            known = self._git(self.root, "cat-file", "-e", f"{since}^{{commit}}", check=False)
            if known.returncode == 0:
                revisions = f"{since}..HEAD"
            else:
                log.warning(
                    "commit %s is not in %s any more (history rewritten?): every file is read again",
                    since,
                    self.display,
                )
        logged = self._git(
            self.root,
            "--literal-pathspecs",
            "log",
            "-z",
            "--no-renames",
            "--name-status",
            "--format=%x01%H%x02%ae",
            revisions,
            "--",
            spec,
        ).stdout.decode("utf-8", "surrogateescape")
        last: dict[str, str] = {}
        for record in logged.split("\x01")[1:]:
            header, _, changes = record.partition("\x00")
            commit, _, email = header.partition("\x02")
            if email.strip().lower() == tool:
                continue
            fields = changes.lstrip("\n").split("\x00")
            for status, name in zip(fields[0::2], fields[1::2], strict=False):
                if status and name.lower().endswith(IMPORTABLE):
                    last.setdefault(name, commit)  # newest first: the first seen is the last change
        if not last:
            return []
        present = self._git(
            self.root, "--literal-pathspecs", "ls-tree", "-r", "-z", "--name-only", "HEAD", "--", spec
        ).stdout.decode("utf-8", "surrogateescape")
        exists = set(present.split("\x00"))
        return [ChangedFile(name, last[name], name not in exists) for name in sorted(last)]

    # -- commit and push

    def commit_and_push(self, message: str, rebuild: Callable[[], None], retries: int = 3) -> str | None:
        """Commit ``path`` as the author and push it; the commit pushed, or None when nothing
        changed (no empty commits).

        A push refused because the remote moved (the platform pushed since
        :meth:`sync`): fetch, hard-reset to the new ``origin/<branch>``, call
        ``rebuild()`` (the caller writes its files again from its state: text is
        never merged), commit and push again; ``retries`` times at most, then
        GitPushRejected. Any other failure is a GitError; what was committed and
        not pushed is dropped by the next :meth:`sync`.
        """
        if not message.strip():
            raise ValueError("a commit needs a message")
        for attempt in range(retries + 1):
            if attempt:
                log.info(
                    "push to %s refused: the remote moved; building on it (retry %d)", self.display, attempt
                )
                try:
                    self._update(self.root)
                except _LocalTrouble as exc:
                    raise exc.error from None
                rebuild()
            commit = self._commit(message)
            if commit is None:
                return None
            if self._push():
                return commit
        raise GitPushRejected(
            f"push to {self.display} (branch {self.branch}) refused {retries + 1} times in a row: the "
            "remote moved each time (the platform keeps pushing, or rewrote the branch). Nothing "
            "was pushed; a human must look (the next run tries again)"
        )

    def _commit(self, message: str) -> str | None:
        root = self.root
        tracked = self._git(root, "--literal-pathspecs", "ls-files", "-z", "--", self.path).stdout
        if not tracked and not self.directory().exists():
            return None
        self._git(root, "--literal-pathspecs", "add", "-A", "--", self.path)
        staged = self._git(root, "diff", "--cached", "--quiet", "--exit-code", check=False)
        if staged.returncode == 0:
            return None
        if staged.returncode != 1:
            raise self._failure("diff", staged.stderr)
        self._git(
            root, "commit", "-q", "--no-verify", "--cleanup=whitespace", "-F", "-", stdin=message.encode()
        )
        return self._head(root)

    def _push(self) -> bool:
        """True once pushed; False when refused because the remote moved."""
        pushed = self._git(
            self.root,
            "push",
            "--porcelain",
            "-q",
            "--no-verify",
            "origin",
            f"HEAD:refs/heads/{self.branch}",
            network=True,
            check=False,
            what="push",
        )
        if pushed.returncode == 0:
            return True
        refused = [line for line in pushed.stdout.decode("utf-8", "replace").splitlines() if line[:1] == "!"]
        if refused and all("[rejected]" in line for line in refused):
            return False
        # a hook's or a protected branch's refusal ("[remote rejected]"), auth, network
        said = pushed.stderr + b"\n" + "\n".join(refused).replace("\t", " ").encode()
        raise self._failure("push", said)


def _verb(args: Sequence[str]) -> str:
    """The git command in ``args`` (after its global options)."""
    return next((a for a in args[1:] if not a.startswith("-")), "git")


# --------------------------------------------------------------------- conflict markers

_MARKERS = ("<<<<<<<", "=======", ">>>>>>>", "|||||||")


def check_no_conflict_markers(path: Path) -> None:
    """FormatError(path, line, …) for the first line that is a merge's conflict marker:
    a merge the platform (or somebody) made badly and left unresolved."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FormatError(path, None, f"cannot read: {exc.strerror}") from None
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        line = raw.rstrip(b"\r").decode("latin-1")
        marker = line[:7]
        if marker in _MARKERS and (len(line) == 7 or (line[7] == " " and marker != "=======")):
            raise FormatError(
                path,
                number,
                f"a merge conflict marker ({marker}): a merge left unresolved in the repository; "
                "resolve it there (the file is not imported)",
            )


# --------------------------------------------------------------------------- files


def _order(key: str) -> tuple[tuple[int, int, str], str, str]:
    """Unit keys in a stable, readable order: the account first, then skills by number."""
    try:
        unit_key = UnitKey.parse(key)
    except ValueError:
        return ((2, 0, ""), key, key)
    return (unit_key.context.sort_key(), unit_key.message, key)


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return escaped.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _header(fields: Mapping[str, str]) -> str:
    lines = "".join(f'"{_quoted(f"{name}: {value}")}\\n"\n' for name, value in fields.items())
    return f'msgid ""\nmsgstr ""\n{lines}'


def _stamp(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d %H:%M+0000")


def _common_fields(title: str, language: str, stamp: str) -> dict[str, str]:
    return {
        "Project-Id-Version": title,
        "POT-Creation-Date": stamp,
        "PO-Revision-Date": stamp,
        "Last-Translator": "",
        "Language-Team": "",
        "Language": language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "X-Generator": "automsg-sync",  # no version: an upgrade would rewrite every file
    }


_DATE_LINE = re.compile(rb'^"PO-Revision-Date: ([^"\\\n]*)\\n"\r?$', re.MULTILINE)


def _write_if_changed(
    path: Path, old: bytes | None, render: Callable[[str], str], now: datetime | None
) -> bool:
    """Write ``render(date)`` unless the file holds it already. The date is the existing
    file's as long as nothing else changes, so an unchanged file is never rewritten."""
    if old is not None:
        found = _DATE_LINE.search(old[:8192])
        if found and render(found.group(1).decode("utf-8", "replace")).encode("utf-8") == old:
            return False
    data = render(_stamp(now)).encode("utf-8")
    if data == old:
        return False
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return True


def _read_old(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FormatError(path, None, f"cannot read: {exc.strerror}") from None


def _no_nul(path: Path, *texts: str) -> None:
    if any("\x00" in text for text in texts):
        raise FormatError(path, None, "NUL character in a unit: gettext cannot hold it")


def write_template(path: Path, units: Sequence[Unit], meta: FileMeta, *, now: datetime | None = None) -> bool:
    """``messages.pot``: every unit's key once (the first unit of a key gives its source and
    notes: units of any language will do), msgstr empty; True when the file was written,
    False when it already held exactly this (left untouched).

    Of ``meta`` only the account, the source language and the format version are
    written (see the module's docstring).
    """
    seen: dict[str, Unit] = {}
    for unit in units:
        seen.setdefault(unit.key.name, unit)
    body = []
    for name in sorted(seen, key=_order):
        unit = seen[name]
        _no_nul(path, name, unit.source, *unit.notes)
        body.append(entry_text(name, unit.source, "", notes=entry_notes(unit)))
    extra = {
        f"{HEADER_PREFIX}Account": meta.account,
        f"{HEADER_PREFIX}Source-Language": meta.source_language,
        f"{HEADER_PREFIX}Format-Version": meta.format_version,
    }

    def render(stamp: str) -> str:
        title = f"LivePerson automatic messages, account {meta.account}"
        header = _header({**_common_fields(title, "", stamp), **extra})
        return "\n".join([header, *body])

    return _write_if_changed(Path(path), _read_old(Path(path)), render, now)


def _breaks_differ(source: str, target: str) -> bool:
    """Line breaks at the ends differ (``msgfmt -c`` refuses such an entry unless fuzzy)."""
    if not target:
        return False
    starts = source.startswith("\n") != target.startswith("\n")
    return starts or source.endswith("\n") != target.endswith("\n")


def _existing_entries(path: Path, old: bytes) -> tuple[dict[str, FileEntry], dict[str, FileEntry]]:
    """The repository file's entries and its obsolete (``#~``) entries, by unit key.
    A file that cannot be read is a FormatError: it is not rewritten over."""
    check_no_conflict_markers(path)
    text = _decode(path, old)
    _, entries = parse(path, text)
    obsolete_lines = [
        line[2:].removeprefix(" ")
        for line in text.split("\n")
        if line.startswith("#~") and not line.startswith("#~|")
    ]
    try:
        _, obsolete = parse(path, "\n".join(obsolete_lines) + "\n") if obsolete_lines else ({}, [])
    except FormatError as exc:
        raise FormatError(path, None, f"obsolete (#~) entries unreadable: {exc.message}") from None
    return (
        {e.key: e for e in entries if e.key},
        {e.key: e for e in obsolete if e.key},
    )


def merge_language(
    path: Path,
    units: Sequence[Unit],
    meta: FileMeta,
    keep: Mapping[str, str],
    *,
    now: datetime | None = None,
) -> bool:
    """Rewrite ``<language>.po`` for ``units`` as ``msgmerge`` would; True when written,
    False when the file already held exactly this (then it is not even rewritten).

    Per unit (msgctxt = its key): the live target, fuzzy as an export writes it
    (:func:`automsg_sync.formats.po.fuzzy_in_po`) — except for a key in
    ``keep`` (translator work not applied live): the repository's msgstr is kept
    (``keep[key]`` when the repository has none, e.g. the file was rebuilt
    without it), and if the repository entry's source differs from the unit's
    the entry becomes fuzzy with ``#| msgid "<the source it was translated
    from>"``. Repository entries whose unit is gone are written obsolete
    (``#~``) when they hold a translation, as are obsolete entries already
    there. An existing file that cannot be read (conflict markers, broken
    syntax) raises FormatError and is left as it is.
    """
    path = Path(path)
    old = _read_old(path)
    live, obsolete = _existing_entries(path, old) if old is not None else ({}, {})
    body = []
    names = set()
    for unit in sorted(units, key=lambda u: _order(u.key.name)):
        name = unit.key.name
        if name in names:
            raise ValueError(f"unit {name} given twice for {path.name}")
        names.add(name)
        previous: str | None
        existing = live.get(name) or obsolete.get(name)
        if name in keep and ((existing is not None and existing.target) or keep[name]):
            if existing is not None and existing.target:
                target, fuzzy = existing.target, existing.fuzzy
                previous = existing.previous_source if existing.fuzzy else None
                if existing.source != unit.source:
                    fuzzy = True
                    if previous is None:
                        previous = existing.source
            else:
                target, fuzzy, previous = keep[name], False, None
            fuzzy = fuzzy or _breaks_differ(unit.source, target)
        else:
            target, fuzzy, previous = unit.target, fuzzy_in_po(unit), unit.previous_source
        notes = entry_notes(unit)
        _no_nul(path, name, unit.source, target, *notes)
        flags = ("fuzzy",) if fuzzy else ()
        body.append(entry_text(name, unit.source, target, notes=notes, flags=flags, previous_msgid=previous))
    gone = {**obsolete, **live}
    for name in sorted(set(gone) - names, key=_order):
        entry = gone[name]
        if entry.target:
            text = entry_text(name, entry.source, entry.target)
            body.append("".join(f"#~ {line}\n" for line in text.split("\n")[:-1]))
    extra = meta_fields(meta)

    def render(stamp: str) -> str:
        title = f"LivePerson automatic messages, account {meta.account}"
        header = _header({**_common_fields(title, meta.language.replace("-", "_"), stamp), **extra})
        return "\n".join([header, *body])

    return _write_if_changed(path, old, render, now)
