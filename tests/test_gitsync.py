"""automsg_sync.gitsync with real git, no mocks: a bare repository in tmp_path is the
remote, and a "platform" clone commits and pushes as another author (issue #27)."""

from __future__ import annotations

import doctest
import logging
import os
import shutil
import socket
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from automsg_sync import gitsync
from automsg_sync.errors import AutomsgError, ConfigError, FormatError, LockHeld
from automsg_sync.formats.po import read_po
from automsg_sync.gitsync import (
    ChangedFile,
    GitError,
    GitPushRejected,
    WorkingCopy,
    check_no_conflict_markers,
    check_remote,
    merge_language,
    redact_text,
    redact_url,
    write_template,
)
from automsg_sync.model import Context, FileMeta, Unit, UnitKey

TOOL = "automsg-sync <automsg-sync@localhost>"
PLATFORM = ("Weblate", "weblate@example.com")
PATH = "automatic-messages"
ACCOUNT = "70071528"
META = FileMeta(ACCOUNT, "fr-FR", f"{ACCOUNT}-20261121T000000Z-abc123", "7", "en-US")
T1 = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 22, 6, 30, tzinfo=UTC)


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


def unit(message: str, source: str, target: str = "", *, skill: str | None = None, **kw: object) -> Unit:
    context = Context.skill(skill) if skill else Context.account()
    made = Unit(
        key=UnitKey(context, message),
        language="fr-FR",
        source=source,
        target=target,
        state="translated" if target else "missing",
        message_id=message,
        notes=(f"Message: {message}", "Channel: messaging"),
    )
    return replace(made, **kw) if kw else made  # type: ignore[arg-type]


def msgfmt_check(path: Path) -> None:
    found = shutil.which("msgfmt")
    assert found, "gettext's msgfmt is required: `make test` installs it"
    done = subprocess.run([found, "-c", "-o", os.devnull, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------------ URLs and secrets


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("https://user:secret@example.com/acme/lp.git", "secret"),
        ("ssh://git:hunter22@example.com:2222/acme/lp.git", "hunter22"),
        ("https://x-access-token:tok3n-value@github.com/acme/lp.git", "tok3n-value"),
        ("https://ghp_abcdefghijklmnop1234@github.com/acme/lp.git", "ghp_abcdefghijklmnop1234"),
        ("deploy:s3cr3t-pw@example.com:acme/lp.git", "s3cr3t-pw"),
    ],
)
def test_a_password_in_the_remote_is_refused_and_printed_nowhere(
    url: str, secret: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigError) as refused:
        check_remote(url, "[git] remote in automsg.toml")
    text = str(refused.value)
    assert text.startswith("[git] remote in automsg.toml: ")
    assert "credential helper" in text and "ssh" in text and "GIT_ASKPASS" in text
    with pytest.raises(ConfigError) as again:
        WorkingCopy(url, "main", tmp_path / "git", TOOL)
    assert "***" in str(again.value)
    for shown in (
        text,
        repr(refused.value),
        str(again.value),
        repr(again.value),
        caplog.text,
        redact_url(url),
    ):
        assert secret not in shown
    assert not (tmp_path / "git").exists()


@pytest.mark.parametrize(
    "url",
    [
        "git@example.com:acme/lp-translations.git",
        "https://user@example.com/acme/lp.git",
        "https://example.com/acme/lp.git",
        "ssh://git@example.com:2222/acme/lp.git",
        "file:///srv/git/lp.git",
        "/srv/git/lp.git",
        "https://example.com/a@b/lp.git",
    ],
)
def test_a_remote_without_credentials_is_accepted_and_shown_as_it_is(url: str) -> None:
    check_remote(url, "[git] remote")
    assert redact_url(url) == url


def test_redact_url_masks_the_password_only() -> None:
    assert redact_url("https://user:secret@example.com/x.git") == "https://user:***@example.com/x.git"
    assert redact_url("ssh://u:p%40ss@host/x") == "ssh://u:***@host/x"
    assert redact_url("https://glpat-abcdef123456@gitlab.com/x") == "https://***@gitlab.com/x"


@pytest.mark.parametrize("url", ["", "--upload-pack=touch /tmp/x", "https://example.com/a b.git"])
def test_a_remote_git_could_take_for_an_option_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match=r"^\[git\] remote: "):
        check_remote(url, "[git] remote")


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


def test_git_output_is_redacted_before_it_is_quoted() -> None:
    said = (
        "fatal: unable to look up deploy:topsecret@example.com (port 9418)\n"
        "fatal: unable to access 'https://user:hunter22@example.com/x.git/': 403\n"
        "warning: see https://docs.example.com/a:b@c"
    )
    redacted = redact_text(said)
    assert "topsecret" not in redacted and "hunter22" not in redacted
    assert "deploy:***@example.com" in redacted and "https://user:***@example.com/x.git/" in redacted


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


# ------------------------------------------------------------------ conflict markers


@pytest.mark.parametrize(("marker", "line"), [("<<<<<<< HEAD", 9), ("=======", 9), (">>>>>>> 3f1c9b7", 9)])
def test_conflict_markers_are_refused_with_their_line(marker: str, line: int, tmp_path: Path) -> None:
    path = tmp_path / "fr-FR.po"
    merge_language(path, [unit("A", "Hello", "Bonjour"), unit("B", "Bye", "Salut")], META, {})
    check_no_conflict_markers(path)  # a clean file passes
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(line - 1, marker)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(FormatError) as refused:
        check_no_conflict_markers(path)
    assert (refused.value.path, refused.value.line) == (str(path), line)
    assert "conflict marker" in str(refused.value) and str(refused.value).startswith(f"{path}:{line}: ")
    with pytest.raises(FormatError, match="conflict marker"):  # and nothing is written over it
        merge_language(path, [unit("A", "Hello", "Bonjour")], META, {})


def test_marker_like_text_inside_a_string_is_not_a_conflict(tmp_path: Path) -> None:
    path = tmp_path / "fr-FR.po"
    merge_language(path, [unit("A", "=======\n<<<<<<< x", "=======\n>>>>>>> y")], META, {})
    check_no_conflict_markers(path)


# ------------------------------------------------------------------ the files written


def test_the_template_lists_every_unit_once_in_a_stable_order(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    units = [
        unit("Welcome", "Hello", skill="10"),
        unit("Welcome", "Hello", skill="7"),
        unit("Welcome", 'Say "hi"\nthen wait', "Bonjour"),
        replace(unit("Welcome", "Hello", skill="7"), language="de-DE"),
    ]
    assert write_template(pot, units, META, now=T1)
    text = pot.read_text(encoding="utf-8")
    msgfmt_check(pot)
    assert [line for line in text.split("\n") if line.startswith("msgctxt")] == [
        'msgctxt "account|Welcome"',
        'msgctxt "skill/7|Welcome"',
        'msgctxt "skill/10|Welcome"',
    ]
    assert '"POT-Creation-Date: 2026-11-21 05:00+0000\\n"' in text
    assert "#. Message: Welcome\n#. Channel: messaging\n" in text
    assert 'msgid ""\n"Say \\"hi\\"\\n"\n"then wait"\nmsgstr ""\n' in text
    assert "Bonjour" not in text and "X-Automsg-Account: 70071528" in text
    assert "Export-Id" not in text and "X-Automsg-Language" not in text and "X-Automsg-Revision" not in text
    assert write_template(pot, list(reversed(units)), META, now=T1) is False  # order given does not matter


def test_an_unchanged_file_is_not_rewritten_and_keeps_its_date(tmp_path: Path) -> None:
    po, pot = tmp_path / "fr-FR.po", tmp_path / "messages.pot"
    units = [unit("A", "Hello", "Bonjour"), unit("B", "Bye", "")]
    assert merge_language(po, units, META, {}, now=T1)
    assert write_template(pot, units, META, now=T1)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in (po, pot)}
    assert merge_language(po, list(reversed(units)), META, {}, now=T2) is False
    assert write_template(pot, units, META, now=T2) is False
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in (po, pot)} == before
    # a real change: written, with the new date
    assert merge_language(po, [*units, unit("C", "New", "")], META, {}, now=T2)
    assert '"PO-Revision-Date: 2026-11-22 06:30+0000\\n"' in po.read_text(encoding="utf-8")
    assert write_template(pot, [*units, unit("C", "New", "")], META, now=T2)
    assert '"POT-Creation-Date: 2026-11-22 06:30+0000\\n"' in pot.read_text(encoding="utf-8")


def test_a_language_file_round_trips_through_read_po_and_passes_msgfmt(tmp_path: Path) -> None:
    po = tmp_path / "fr-FR.po"
    units = [
        unit("A", "Hello", "Bonjour"),
        unit("B", "Line one\nline two", "Ligne un\nligne deux"),
        unit("C", "Hello", "Salut", state="default"),  # stock text: fuzzy, as an export writes it
        unit("D", "New source", "Old translation", state="stale", previous_source="Old source"),
        unit("E", "Untranslated"),
    ]
    merge_language(po, units, META, {})
    msgfmt_check(po)
    read = read_po(po)
    assert read.meta == META
    assert [(e.key, e.source, e.target, e.fuzzy, e.previous_source) for e in read.entries] == [
        ("account|A", "Hello", "Bonjour", False, None),
        ("account|B", "Line one\nline two", "Ligne un\nligne deux", False, None),
        ("account|C", "Hello", "Salut", True, None),
        ("account|D", "New source", "Old translation", True, "Old source"),
        ("account|E", "Untranslated", "", False, None),
    ]
    assert read.entries[0].notes == ("Message: A", "Channel: messaging")


def test_merge_keeps_unapplied_translations_marks_changed_sources_fuzzy_and_obsoletes_removed_units(
    tmp_path: Path,
) -> None:
    po = tmp_path / "fr-FR.po"
    exported = [
        unit("A", "Hello", ""),
        unit("B", "Bye", ""),
        unit("C", "Removed soon", ""),
        unit("D", "Edited live", "Texte vivant"),
        unit("E", "Stays", ""),
    ]
    merge_language(po, exported, META, {}, now=T1)
    # the platform translates (as Weblate saves a file: its own header, reflowed); none applied live yet
    text = po.read_text(encoding="utf-8")
    for key, source, old, target in (
        ("A", "Hello", "", "Bonjour"),
        ("B", "Bye", "", "Au revoir"),
        ("C", "Removed soon", "", "Bientôt parti"),
        ("D", "Edited live", "Texte vivant", "Traducteur"),
    ):
        entry = f'msgctxt "account|{key}"\nmsgid "{source}"\nmsgstr "{{}}"\n'
        assert entry.format(old) in text
        text = text.replace(entry.format(old), entry.format(target))
    text = text.replace('"X-Automsg-Export-Id: ', '"X-Generator: Weblate 5.8\\n"\n"X-Automsg-Export-Id: ', 1)
    po.write_text(text, encoding="utf-8")
    assert read_po(po).entries[0].target == "Bonjour"
    # the next export: A's source changed live, C was deleted, F is new; A, B, C await applying
    live = [
        unit("A", "Hello there", ""),
        unit("B", "Bye", ""),
        unit("D", "Edited live", "Texte vivant"),  # D's repository text is not kept: not in keep
        unit("E", "Stays", "Reste"),
        unit("F", "Brand new", ""),
    ]
    keep = {"account|A": "Bonjour", "account|B": "Au revoir", "account|C": "Bientôt parti"}
    assert merge_language(po, live, META, keep, now=T2)
    msgfmt_check(po)
    written = po.read_text(encoding="utf-8")
    assert (
        '#. Message: A\n#. Channel: messaging\n#, fuzzy\n#| msgid "Hello"\n'
        'msgctxt "account|A"\nmsgid "Hello there"\nmsgstr "Bonjour"\n'
    ) in written
    assert '#~ msgctxt "account|C"\n#~ msgid "Removed soon"\n#~ msgstr "Bientôt parti"\n' in written
    assert written.endswith('#~ msgstr "Bientôt parti"\n')  # obsolete entries last
    assert "Weblate" not in written  # the header is ours again
    entries = {e.key: e for e in read_po(po).entries}
    assert [(k, e.target, e.fuzzy, e.previous_source) for k, e in entries.items()] == [
        ("account|A", "Bonjour", True, "Hello"),
        ("account|B", "Au revoir", False, None),
        ("account|D", "Texte vivant", False, None),
        ("account|E", "Reste", False, None),
        ("account|F", "", False, None),
    ]
    # merged again with nothing new: the same bytes, not rewritten; the obsolete entry stays
    assert merge_language(po, live, META, keep, now=datetime(2027, 1, 1, tzinfo=UTC)) is False
    # A's source changes once more: the #| stays the source the translation was made from
    again = [replace(live[0], source="Hello again"), *live[1:]]
    merge_language(po, again, META, keep, now=T2)
    assert '#| msgid "Hello"\nmsgctxt "account|A"\nmsgid "Hello again"\nmsgstr "Bonjour"\n' in po.read_text(
        "utf-8"
    )
    msgfmt_check(po)


def test_merge_takes_keep_when_the_platform_rebuilt_the_file_without_it(tmp_path: Path) -> None:
    po = tmp_path / "fr-FR.po"
    po.write_text(  # Crowdin-style: its own header, msgctxt/msgid/msgstr only
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: fr_FR\\n"\n\n'
        'msgctxt "account|B"\nmsgid "Bye"\nmsgstr "Salut"\n',
        encoding="utf-8",
    )
    keep = {"account|A": "Bonjour", "account|B": "Au revoir"}
    merge_language(po, [unit("A", "Hello"), unit("B", "Bye")], META, keep)
    assert [(e.key, e.target, e.fuzzy) for e in read_po(po).entries] == [
        ("account|A", "Bonjour", False),  # not in the file: the state's copy
        ("account|B", "Salut", False),  # the repository's newer text wins over the state's
    ]
    msgfmt_check(po)


def test_a_broken_repository_file_is_refused_not_overwritten(tmp_path: Path) -> None:
    po = tmp_path / "fr-FR.po"
    po.write_text('msgid ""\nmsgstr ""\n\nmsgctxt "account|A"\nmsgid "Hello\nmsgstr "x"\n', encoding="utf-8")
    before = po.read_bytes()
    with pytest.raises(FormatError, match=r"fr-FR\.po:5"):
        merge_language(po, [unit("A", "Hello")], META, {})
    assert po.read_bytes() == before


def test_a_file_weblate_resaved_merges_keeping_its_translations(tmp_path: Path) -> None:
    """translate-toolkit's PO store (Weblate saves through it) re-saves the tool's file with a
    long translation wrapped at 77 columns; the next merge reads it, keeps what ``keep`` names."""
    from translate.storage import pypo

    po = tmp_path / "fr-FR.po"
    units = [unit("A", "Hello"), unit("B", "Bye")]
    merge_language(po, units, META, {}, now=T1)
    long = "Bonjour, " + "merci de votre patience pendant que nous cherchons un conseiller " * 3
    store = pypo.pofile.parsefile(str(po))  # type: ignore[no-untyped-call]
    for entry in store.units:
        if entry.getcontext() == "account|A":
            entry.target = long
        if entry.getcontext() == "account|B":
            entry.target = "Au revoir"
    store.savefile(str(po))
    assert any(
        line.startswith('"merci') or line.startswith('"Bonjour') for line in po.read_text().split("\n")
    )
    assert merge_language(po, units, META, {"account|A": long}, now=T2)
    assert [(e.key, e.target) for e in read_po(po).entries] == [("account|A", long), ("account|B", "")]
    msgfmt_check(po)


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


def test_the_doctests() -> None:
    result = doctest.testmod(gitsync)
    assert result.attempted and not result.failed
