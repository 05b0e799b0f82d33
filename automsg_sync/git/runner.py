"""Running the system ``git`` command for the working copy, and how its failures read.

The system ``git`` is the engine (what every platform's documentation assumes;
no Python git library), run with ``LC_ALL=C`` and ``GIT_TERMINAL_PROMPT=0`` (a
cron run never waits at a password prompt), without the variables that would
point it at another repository, and without touching anybody's git
configuration: the author is given to each command through the environment. A
fetch or push that outlasts its timeout is ended with its helpers (ssh,
remote-https). A failure is a :class:`GitError` quoting git's error output,
redacted (:func:`~automsg_sync.git.remote.redact_text`) and cut to a few lines.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

from ..errors import AutomsgError
from .remote import redact_text, redact_url

ERROR_LINES = 4  # lines of git's error output quoted in a GitError
ERROR_LINE_LENGTH = 200


class GitError(AutomsgError):
    """git failed: the remote cannot be reached, refused the credentials, or the
    working copy cannot be repaired. The text quotes git's error output, redacted."""


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


class GitRunner:
    """git for one remote and one author: every command of a :class:`WorkingCopy` goes
    through :meth:`run` (anywhere) or :meth:`in_copy` (in a working copy)."""

    def __init__(self, remote: str, branch: str, author_name: str, author_email: str, timeout: float) -> None:
        self.remote = remote
        self.display = redact_url(remote)
        self.branch = branch
        self.author_name = author_name
        self.author_email = author_email
        self.timeout = timeout  # seconds for one fetch or push

    def run(
        self,
        args: Sequence[str],
        *,
        cwd: Path | None = None,
        network: bool = False,
        stdin: bytes | None = None,
        check: bool = True,
        what: str = "",
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``args`` (``git …``); ``network``: a fetch or push, ended after ``timeout``
        seconds. ``check``: a non-zero exit is a GitError quoting git's error output."""
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
            raise self.failure(what or _verb(args), err)
        return done

    def in_copy(self, root: Path, *args: str, **options: object) -> subprocess.CompletedProcess[bytes]:
        """git in the working copy at ``root``, never in a repository around it."""
        command = ["git", f"--git-dir={root / '.git'}", f"--work-tree={root}", *args]
        return self.run(command, cwd=root, **options)  # type: ignore[arg-type]

    def failure(self, what: str, stderr: bytes) -> GitError:
        """The GitError of a failed git command: what failed, where, and git's own words."""
        return GitError(f"git {what} ({self.display}, branch {self.branch}) failed: {self._excerpt(stderr)}")

    def _excerpt(self, stderr: bytes) -> str:
        text = redact_text(stderr.decode("utf-8", "replace"), self.remote)
        lines = [line.strip() for line in text.splitlines()]
        lines = [line[:ERROR_LINE_LENGTH] for line in lines if line and not line.startswith("hint:")]
        return " / ".join(lines[-ERROR_LINES:]) or "no message"


def _verb(args: Sequence[str]) -> str:
    """The git command in ``args`` (after its global options)."""
    return next((a for a in args[1:] if not a.startswith("-")), "git")
