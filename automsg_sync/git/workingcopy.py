"""The tool's working copy of the platform's repository: clone, sync, read, commit, push.

API
---
``WorkingCopy(remote, branch, workdir, author, path=".", *, timeout=300.0)``
    The tool's clone, at ``<workdir>/checkout`` (``workdir`` is ``<state_dir>/git``).
    Only ``path`` is checked out (a sparse checkout), so a repository much larger
    than ours costs little more than our folder. Git runs through
    :class:`~automsg_sync.git.runner.GitRunner` (its environment, timeouts, error texts).

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
``GitPushRejected`` (a GitError): the push was refused ``retries + 1`` times.

The only git configuration written is the working copy's own. Hooks of the
working copy are skipped (``--no-verify``); git's own signing settings
(``commit.gpgsign``) apply as the user configured them.

The class is one concern, the life of one clone, in four steps a run takes in
order (lock, sync, read what the platform changed, commit and push); running
git itself is :mod:`~automsg_sync.git.runner`'s.
"""

from __future__ import annotations

import logging
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from filelock import FileLock, Timeout

from ..errors import ConfigError, LockHeld
from ..formats import IMPORTABLE
from .remote import check_remote, parse_author, redact_url
from .runner import GitError, GitRunner

log = logging.getLogger("automsg_sync.gitsync")  # its name before the git/ package: log filters keep working

_COMMIT = re.compile(r"[0-9a-f]{7,64}")


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
        self.root = self.workdir / "checkout"
        self.git = GitRunner(remote, branch, self.author_name, self.author_email, timeout)
        done = self.git.run(["git", "check-ref-format", f"refs/heads/{branch}"], check=False)
        if done.returncode != 0 or branch.startswith("-"):
            raise ConfigError(f"[git] branch: {branch!r} is not a branch name")

    def __repr__(self) -> str:
        return f"WorkingCopy({self.display!r}, {self.branch!r}, path={self.path!r})"

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
            self.git.run(["git", "init", "-q", f"--initial-branch={self.branch}", "--", str(fresh)])
            for key, value in (
                ("remote.origin.url", self.remote),
                ("remote.origin.fetch", f"+refs/heads/{self.branch}:refs/remotes/origin/{self.branch}"),
                ("core.autocrlf", "false"),  # the bytes written are the bytes committed
                ("core.quotePath", "false"),
            ):
                self.git.in_copy(fresh, "config", key, value)
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
        if self.git.in_copy(root, "rev-parse", "--git-dir", check=False).returncode != 0:
            return False
        url = self.git.in_copy(root, "config", "--get", "remote.origin.url", check=False)
        return url.returncode == 0 and url.stdout.decode("utf-8", "replace").strip() == self.remote

    def _set_sparse(self, root: Path) -> None:
        """Check out ``path`` only (and the files at the root: git's cone mode)."""
        try:
            if self.path == ".":
                enabled = self.git.in_copy(root, "config", "--get", "core.sparseCheckout", check=False)
                if enabled.stdout.strip() == b"true":
                    self.git.in_copy(root, "sparse-checkout", "disable")
                return
            listed = self.git.in_copy(root, "sparse-checkout", "list", check=False)
            if listed.returncode != 0 or listed.stdout.decode("utf-8", "replace").splitlines() != [self.path]:
                self.git.in_copy(root, "sparse-checkout", "set", "--cone", "--", self.path)
        except GitError as exc:
            raise _LocalTrouble(exc) from None

    def _update(self, root: Path) -> str | None:
        """Fetch ``branch`` and make the working copy exactly ``origin/<branch>``."""
        branch, tracking = self.branch, f"refs/remotes/origin/{self.branch}"
        fetched = self.git.in_copy(
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
            error = self.git.failure("fetch", fetched.stderr)
            # the remote answers (ls-remote works): the fault is the working copy's
            reached = self.git.in_copy(
                root, "ls-remote", "-q", "--heads", "origin", network=True, check=False
            )
            raise _LocalTrouble(error) if reached.returncode == 0 else error
        try:
            if missing:
                self._unborn(root)
                return None
            self.git.in_copy(root, "checkout", "-q", "--force", "-B", branch, tracking, "--")
            self.git.in_copy(root, "clean", "-q", "-ffdx")  # what a failed run wrote and never committed
            return self._head(root)
        except GitError as exc:
            raise _LocalTrouble(exc) from None

    def _unborn(self, root: Path) -> None:
        """The remote has no ``branch``: fine for an empty remote (the first push creates it),
        an error for one with other branches (the configured name is likely wrong)."""
        heads = self.git.in_copy(root, "ls-remote", "-q", "--heads", "origin", network=True, what="ls-remote")
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
        self.git.in_copy(root, "update-ref", "-d", f"refs/remotes/origin/{self.branch}", check=False)
        self.git.in_copy(root, "symbolic-ref", "HEAD", f"refs/heads/{self.branch}")
        self.git.in_copy(root, "update-ref", "-d", f"refs/heads/{self.branch}", check=False)
        self.git.in_copy(root, "read-tree", "--empty")
        self.git.in_copy(root, "clean", "-q", "-ffdx")

    def _head(self, root: Path) -> str | None:
        done = self.git.in_copy(root, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False)
        if done.returncode != 0:
            return None  # no commit yet
        return done.stdout.decode("ascii").strip()

    def remote_head(self) -> str | None:
        """The remote's ``branch`` commit as the remote says it now (``git ls-remote``, read
        only, no working copy needed; None for a branch not there yet)."""
        done = self.git.run(
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
            known = self.git.in_copy(self.root, "cat-file", "-e", f"{since}^{{commit}}", check=False)
            if known.returncode == 0:
                revisions = f"{since}..HEAD"
            else:
                log.warning(
                    "commit %s is not in %s any more (history rewritten?): every file is read again",
                    since,
                    self.display,
                )
        logged = self.git.in_copy(
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
        present = self.git.in_copy(
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
        tracked = self.git.in_copy(root, "--literal-pathspecs", "ls-files", "-z", "--", self.path).stdout
        if not tracked and not self.directory().exists():
            return None
        self.git.in_copy(root, "--literal-pathspecs", "add", "-A", "--", self.path)
        staged = self.git.in_copy(root, "diff", "--cached", "--quiet", "--exit-code", check=False)
        if staged.returncode == 0:
            return None
        if staged.returncode != 1:
            raise self.git.failure("diff", staged.stderr)
        self.git.in_copy(
            root, "commit", "-q", "--no-verify", "--cleanup=whitespace", "-F", "-", stdin=message.encode()
        )
        return self._head(root)

    def _push(self) -> bool:
        """True once pushed; False when refused because the remote moved."""
        pushed = self.git.in_copy(
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
        raise self.git.failure("push", said)
