"""automsg_sync.git.workingcopy (and the git runner under it) with real git, no mocks: a bare
repository in tmp_path is the remote, and a "platform" clone commits and pushes as another
author (issue #27)."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from test_git_pofiles import META, T1, T2, unit

from automsg_sync.errors import AutomsgError, ConfigError, LockHeld
from automsg_sync.git import (
    ChangedFile,
    GitError,
    GitPushRejected,
    WorkingCopy,
    merge_language,
    write_template,
)

TOOL = "automsg-sync <automsg-sync@localhost>"
PLATFORM = ("Weblate", "weblate@example.com")
PATH = "automatic-messages"
ACCOUNT = "70071528"


@pytest.fixture(autouse=True)
def git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git sees no system configuration and a HOME of its own: nobody's config is read or written."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)


def git(cwd: Path, *args: str, who: tuple[str, str] = PLATFORM) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": who[0],
        "GIT_AUTHOR_EMAIL": who[1],
        "GIT_COMMITTER_NAME": who[0],
        "GIT_COMMITTER_EMAIL": who[1],
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", str(bare)], check=True)
    return bare


class Platform:
    """A translation platform's clone: edits files, commits as itself, pushes."""

    def __init__(self, remote: Path, where: Path) -> None:
        self.remote, self.dir = remote, where
        subprocess.run(["git", "init", "-q", "--initial-branch=main", str(where)], check=True)
        git(where, "remote", "add", "origin", str(remote))

    def pull(self) -> None:
        git(self.dir, "fetch", "-q", "origin")
        if git(self.dir, "ls-remote", "--heads", "origin", "main"):
            git(self.dir, "reset", "-q", "--hard", "origin/main")

    def push(self, files: dict[str, str | None], message: str = "Translated using Weblate") -> str:
        """Write (or, for None, delete) ``files`` on top of the remote's main, commit, push."""
        self.pull()
        for name, text in files.items():
            target = self.dir / name
            if text is None:
                git(self.dir, "rm", "-q", "--", name)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                git(self.dir, "add", "--", name)
        git(self.dir, "commit", "-q", "-m", message)
        git(self.dir, "push", "-q", "origin", "HEAD:refs/heads/main")
        return git(self.dir, "rev-parse", "HEAD")


@pytest.fixture
def platform(remote: Path, tmp_path: Path) -> Platform:
    return Platform(remote, tmp_path / "platform")


@pytest.fixture
def copy(remote: Path, tmp_path: Path) -> WorkingCopy:
    return WorkingCopy(str(remote), "main", tmp_path / "state" / "git", TOOL, PATH)


def remote_head(remote: Path) -> str:
    return git(remote, "rev-parse", "refs/heads/main")


def test_author_path_and_branch_are_checked(remote: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="author"):
        WorkingCopy(str(remote), "main", tmp_path, "automsg-sync")
    with pytest.raises(ConfigError, match="path"):
        WorkingCopy(str(remote), "main", tmp_path, TOOL, "../outside")
    with pytest.raises(ConfigError, match="branch"):
        WorkingCopy(str(remote), "main..x", tmp_path, TOOL)
    assert WorkingCopy(str(remote), "main", tmp_path, TOOL, "./a/b/").path == "a/b"


# ------------------------------------------------------------------ sync, commit, push


def test_first_push_creates_the_branch_with_the_tool_as_author_and_committer(
    copy: WorkingCopy, remote: Path
) -> None:
    assert copy.sync() is None  # an empty remote
    folder = copy.directory(ACCOUNT)
    assert write_template(folder / "messages.pot", [unit("Welcome", "Hello")], META)
    pushed = copy.commit_and_push("run 1: 70071528 (1 file)", rebuild=pytest.fail)
    assert pushed is not None and pushed == remote_head(remote)
    assert (
        git(remote, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", "main")
        == f"{TOOL}|{TOOL}|run 1: 70071528 (1 file)"
    )
    assert git(remote, "ls-tree", "-r", "--name-only", "main") == f"{PATH}/{ACCOUNT}/messages.pot"
    assert copy.sync() == pushed


def test_nothing_changed_makes_no_commit(copy: WorkingCopy, remote: Path) -> None:
    copy.sync()
    assert copy.commit_and_push("nothing written", rebuild=pytest.fail) is None  # not even a folder
    write_template(copy.directory(ACCOUNT) / "messages.pot", [unit("Welcome", "Hello")], META, now=T1)
    first = copy.commit_and_push("run 1", rebuild=pytest.fail)
    assert copy.sync() == first
    assert not write_template(
        copy.directory(ACCOUNT) / "messages.pot", [unit("Welcome", "Hello")], META, now=T2
    )
    assert copy.commit_and_push("run 2", rebuild=pytest.fail) is None
    assert remote_head(remote) == first
    assert git(remote, "rev-list", "--count", "main") == "1"


def test_a_push_landing_between_fetch_and_push_is_survived_by_rebuilding(
    copy: WorkingCopy, remote: Path, platform: Platform
) -> None:
    copy.sync()
    pot = copy.directory(ACCOUNT) / "messages.pot"
    write_template(pot, [unit("Welcome", "Hello")], META)
    copy.commit_and_push("run 1", rebuild=pytest.fail)
    copy.sync()
    units = [unit("Welcome", "Hello"), unit("Bye", "Goodbye")]
    write_template(pot, units, META)
    # the platform pushes after the tool's fetch, before its push
    raced = platform.push({f"{PATH}/{ACCOUNT}/fr-FR.po": "translated meanwhile\n"})
    calls = []

    def rebuild() -> None:
        calls.append(pot.read_text(encoding="utf-8"))  # the working copy is the remote's again
        write_template(pot, units, META)

    pushed = copy.commit_and_push("run 2", rebuild)
    assert len(calls) == 1 and "Goodbye" not in calls[0]
    assert pushed == remote_head(remote)
    assert git(remote, "rev-parse", "main^") == raced  # built on the platform's commit, not merged
    assert git(remote, "show", f"main:{PATH}/{ACCOUNT}/fr-FR.po") == "translated meanwhile"
    assert 'msgid "Goodbye"' in git(remote, "show", f"main:{PATH}/{ACCOUNT}/messages.pot")


def test_a_push_a_hook_declines_is_a_git_error_not_a_race(
    copy: WorkingCopy, remote: Path, platform: Platform
) -> None:
    """A protected branch or a server rule refuses the tool's push ([remote rejected]):
    rebuilding would not help, and the message says what the server said."""
    base = platform.push({"README.md": "translations\n"})
    copy.sync()
    write_template(copy.directory(ACCOUNT) / "messages.pot", [unit("Welcome", "Hello")], META)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is protected: open a merge request' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(GitError) as refused:
        copy.commit_and_push("run 1", rebuild=pytest.fail)
    assert not isinstance(refused.value, GitPushRejected)
    assert "main is protected" in str(refused.value) and "pre-receive hook declined" in str(refused.value)
    assert remote_head(remote) == base
    hook.unlink()  # the rule lifted: the next run pushes
    copy.sync()
    write_template(copy.directory(ACCOUNT) / "messages.pot", [unit("Welcome", "Hello")], META)
    assert copy.commit_and_push("run 2", rebuild=pytest.fail) == remote_head(remote)


def test_three_refusals_in_a_row_need_a_human(copy: WorkingCopy, remote: Path, platform: Platform) -> None:
    platform.push({"README.md": "translations\n"})
    copy.sync()
    pot = copy.directory(ACCOUNT) / "messages.pot"
    write_template(pot, [unit("Welcome", "Hello")], META)
    platform.push({f"{PATH}/{ACCOUNT}/fr-FR.po": "0\n"})
    rebuilds = []

    def rebuild() -> None:
        rebuilds.append(1)
        write_template(pot, [unit("Welcome", "Hello")], META)
        platform.push({f"{PATH}/{ACCOUNT}/fr-FR.po": f"{len(rebuilds)}\n"})  # and it moves again

    with pytest.raises(GitPushRejected, match=r"refused 4 times in a row.*a human must look") as refused:
        copy.commit_and_push("run 1", rebuild, retries=3)
    assert isinstance(refused.value, AutomsgError) and isinstance(refused.value, GitError)
    assert len(rebuilds) == 3
    assert git(remote, "show", f"main:{PATH}/{ACCOUNT}/fr-FR.po") == "3"
    assert git(remote, "log", "-1", "--format=%ae", "main") == PLATFORM[1]


@pytest.mark.parametrize("scheme", ["http", "git"])
def test_an_unreachable_remote_is_a_git_error_with_the_url_redacted(scheme: str, tmp_path: Path) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"{scheme}://127.0.0.1:{port}/acme/lp.git"
    # a credential git itself puts into the URL (insteadOf, as some set-ups do): git 2.39's
    # own message for git:// then shows it ("unable to look up deploy:topsecret@…"); ours must not
    (tmp_path / "home" / ".gitconfig").write_text(
        f'[url "{scheme}://deploy:topsecret@127.0.0.1:{port}/"]\n\tinsteadOf = {scheme}://127.0.0.1:{port}/\n'
    )
    copy = WorkingCopy(url, "main", tmp_path / "git", TOOL, timeout=30)
    with pytest.raises(GitError) as failed:
        copy.sync()
    text = str(failed.value)
    assert text.startswith(f"git fetch ({url}, branch main) failed: fatal: unable to ")
    assert "topsecret" not in text and "topsecret" not in repr(failed.value)
    assert len(text) < 1000 and "\n" not in text
    assert not (tmp_path / "git" / "checkout").exists()  # nothing half-made left behind
    assert not list((tmp_path / "git").glob(".checkout-*"))


def test_a_missing_remote_repository_is_a_git_error(tmp_path: Path) -> None:
    copy = WorkingCopy(str(tmp_path / "nowhere.git"), "main", tmp_path / "git", TOOL)
    with pytest.raises(GitError, match="does not appear to be a git repository"):
        copy.sync()


def test_a_wrong_branch_name_on_a_remote_with_branches_is_said(
    remote: Path, platform: Platform, tmp_path: Path
) -> None:
    platform.push({"README.md": "x\n"})
    copy = WorkingCopy(str(remote), "master", tmp_path / "git", TOOL)
    with pytest.raises(GitError, match="has no branch 'master' \\(it has: main\\)"):
        copy.sync()


@pytest.mark.parametrize("damage", ["head", "index", "objects", "not-a-repository", "other-remote"])
def test_a_corrupt_working_copy_is_cloned_again(
    damage: str, copy: WorkingCopy, remote: Path, platform: Platform, tmp_path: Path
) -> None:
    head = platform.push({f"{PATH}/{ACCOUNT}/fr-FR.po": "x\n"})
    assert copy.sync() == head
    dot_git = copy.root / ".git"
    if damage == "head":
        (dot_git / "HEAD").write_text("garbage\n")
    elif damage == "index":  # the repository looks fine until the checkout reads it
        (dot_git / "index").write_bytes(b"DIRC garbage")
    elif damage == "objects":
        shutil.rmtree(dot_git / "objects")
        (dot_git / "objects").mkdir()
    elif damage == "not-a-repository":
        shutil.rmtree(dot_git)
        dot_git.mkdir()
        (dot_git / "junk").write_text("x")
    else:
        git(copy.root, "remote", "set-url", "origin", str(tmp_path / "elsewhere.git"))
    (copy.root / "leftover.txt").write_text("from a run that died")
    assert copy.sync() == head
    assert (copy.directory(ACCOUNT) / "fr-FR.po").read_text() == "x\n"
    assert not (copy.root / "leftover.txt").exists()
    assert git(copy.root, "config", "--get", "remote.origin.url") == str(remote)
    git(copy.root, "fsck", "--no-dangling")  # whole again


def test_sync_drops_what_a_failed_run_wrote(copy: WorkingCopy, platform: Platform) -> None:
    head = platform.push({f"{PATH}/{ACCOUNT}/fr-FR.po": "x\n"})
    copy.sync()
    (copy.directory(ACCOUNT) / "fr-FR.po").write_text("half written")
    (copy.directory(ACCOUNT) / ".fr-FR.po.1234.tmp").write_text("temp")
    git(copy.root, "commit", "-q", "-am", "never pushed", who=("automsg-sync", "automsg-sync@localhost"))
    assert copy.sync() == head
    assert (copy.directory(ACCOUNT) / "fr-FR.po").read_text() == "x\n"
    assert sorted(p.name for p in copy.directory(ACCOUNT).iterdir()) == ["fr-FR.po"]


def test_a_large_repository_checks_out_only_the_path(
    copy: WorkingCopy, remote: Path, platform: Platform
) -> None:
    unrelated: dict[str, str | None] = {f"src/module{i // 50}/file{i}.py": f"# {i}\n" for i in range(400)}
    unrelated |= {f"docs/page{i}.po": f"# not ours {i}\n" for i in range(50)}
    unrelated["README.md"] = "the product\n"
    platform.push(unrelated, "the product")
    platform.push({f"{PATH}/{ACCOUNT}/fr-FR.po": "x\n", "src/module0/file0.py": "# changed\n"})
    copy.sync()
    checked_out = sorted(str(p.relative_to(copy.root)) for p in copy.root.rglob("*") if ".git" not in p.parts)
    assert checked_out == ["README.md", PATH, f"{PATH}/{ACCOUNT}", f"{PATH}/{ACCOUNT}/fr-FR.po"]
    changed = copy.files_changed_since(None, ACCOUNT)
    assert [c.path for c in changed] == [f"{PATH}/{ACCOUNT}/fr-FR.po"]
    assert [c.path for c in copy.files_changed_since(None, "")] == [f"{PATH}/{ACCOUNT}/fr-FR.po"]
    write_template(copy.directory(ACCOUNT) / "messages.pot", [unit("Welcome", "Hello")], META)
    copy.commit_and_push("run 1", rebuild=pytest.fail)
    files = git(remote, "ls-tree", "-r", "--name-only", "main").splitlines()
    assert len(files) == 453 and "src/module7/file399.py" in files  # the rest is untouched


def test_the_whole_repository_when_path_is_the_root(remote: Path, platform: Platform, tmp_path: Path) -> None:
    platform.push({"src/a.py": "a\n", f"{ACCOUNT}/fr-FR.po": "x\n"})
    copy = WorkingCopy(str(remote), "main", tmp_path / "git", TOOL, ".")
    copy.sync()
    assert (copy.root / "src" / "a.py").exists()
    assert [c.path for c in copy.files_changed_since(None, ACCOUNT)] == [f"{ACCOUNT}/fr-FR.po"]


# ------------------------------------------------------------- what the platform changed


def test_files_changed_by_others_since_a_commit(copy: WorkingCopy, platform: Platform) -> None:
    folder = f"{PATH}/{ACCOUNT}"
    copy.sync()
    write_template(copy.directory(ACCOUNT) / "messages.pot", [unit("Welcome", "Hello")], META)
    merge_language(copy.directory(ACCOUNT) / "fr-FR.po", [unit("Welcome", "Hello")], META, {})
    merge_language(copy.directory(ACCOUNT) / "de-DE.po", [unit("Welcome", "Hello")], META, {})
    ours = copy.commit_and_push("run 1", rebuild=pytest.fail)
    assert copy.sync() == ours
    assert copy.files_changed_since(None, ACCOUNT) == []  # everything there is the tool's
    translated = (copy.directory(ACCOUNT) / "fr-FR.po").read_text()
    translated = translated.replace('msgid "Hello"\nmsgstr ""', 'msgid "Hello"\nmsgstr "Bonjour"')
    fr = platform.push({f"{folder}/fr-FR.po": translated, f"{folder}/notes.txt": "n\n", "other/x.po": "x\n"})
    first = platform.push({f"{folder}/ja-JP.xlf": "<xliff/>\n", f"{folder}/messages.pot": "changed\n"})
    de_deleted = platform.push({f"{folder}/de-DE.po": None})
    head = copy.sync()
    assert copy.files_changed_since(None, ACCOUNT) == [
        ChangedFile(f"{folder}/de-DE.po", de_deleted, deleted=True),
        ChangedFile(f"{folder}/fr-FR.po", fr),
        ChangedFile(f"{folder}/ja-JP.xlf", first),
    ]
    assert copy.files_changed_since(first, ACCOUNT) == [ChangedFile(f"{folder}/de-DE.po", de_deleted, True)]
    assert copy.files_changed_since(head, ACCOUNT) == []
    # the tool's own commit after the platform's is not the platform's change
    merge_language(copy.directory(ACCOUNT) / "fr-FR.po", [unit("Welcome", "Hello")], META, {})
    ours = copy.commit_and_push("run 2", rebuild=pytest.fail)
    copy.sync()
    assert copy.files_changed_since(head, ACCOUNT) == []
    # the same change counted by another author's email: the tool's commits count too
    assert [c.commit for c in copy.files_changed_since(head, ACCOUNT, "someone@else")] == [ours]
    assert copy.files_changed_since(head, ACCOUNT, TOOL) == []


def test_a_since_no_longer_in_the_history_reads_everything(
    copy: WorkingCopy, platform: Platform, caplog: pytest.LogCaptureFixture
) -> None:
    fr = platform.push({f"{PATH}/{ACCOUNT}/fr-FR.po": "x\n"})
    copy.sync()
    with caplog.at_level(logging.WARNING):
        changed = copy.files_changed_since("0123456789abcdef0123456789abcdef01234567", ACCOUNT)
    assert changed == [ChangedFile(f"{PATH}/{ACCOUNT}/fr-FR.po", fr)]
    assert "history rewritten" in caplog.text
    with pytest.raises(ValueError, match="not a commit"):
        copy.files_changed_since("--output=/tmp/x", ACCOUNT)


def test_no_files_changed_on_an_empty_remote(copy: WorkingCopy) -> None:
    assert copy.sync() is None
    assert copy.files_changed_since(None, ACCOUNT) == []


def test_the_working_copy_lock_is_held_by_one_run(copy: WorkingCopy) -> None:
    other = WorkingCopy(copy.remote, "main", copy.workdir, TOOL, PATH)
    with copy.locked(), pytest.raises(LockHeld, match="git working copy"), other.locked(wait=0.05):
        pass
    with other.locked():
        pass


def test_a_remote_that_does_not_answer_times_out(tmp_path: Path) -> None:
    with socket.socket() as server:  # accepts connections (the kernel does) and never answers
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        url = f"http://127.0.0.1:{server.getsockname()[1]}/acme/lp.git"
        copy = WorkingCopy(url, "main", tmp_path / "git", TOOL, timeout=1.5)
        with pytest.raises(
            GitError, match=r"git fetch with http://127\.0\.0\.1:\d+/acme/lp\.git took longer"
        ):
            copy.sync()
