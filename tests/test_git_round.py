"""``cron-run`` with ``[git]`` (issue #27; ``automsg_sync.git.round``), through the command
line alone, against the emulator and a real bare repository as the platform's remote. The
"platform" clones it and edits files the way Weblate does (translate-toolkit's PO storage
re-saving the file) and the way Crowdin does (a file rebuilt with only msgctxt/msgid/msgstr
and its own header)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, Emu
from translate.storage import pypo

from automsg_sync.cli import main

PLATFORM = ("Weblate", "weblate@example.com")
CLIENT_ENV = {
    "AUTOMSG_CLIENT_ID": "2c7e1f4a-automsg-sync-demo",
    "AUTOMSG_CLIENT_SECRET": "o2-demo-s3cret-9d1e",
}


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """git with nobody's configuration: a HOME of its own, no system file."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    yield {"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str, author: tuple[str, str] = PLATFORM) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME=author[0],
        GIT_AUTHOR_EMAIL=author[1],
        GIT_COMMITTER_NAME=author[0],
        GIT_COMMITTER_EMAIL=author[1],
    )
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def config(tmp_path: Path, emu: Emu, remote: Path | str, auto_apply: bool = True) -> Path:
    path = tmp_path / "automsg.toml"
    path.write_text(
        f"""
csds_url = "{emu.url}"
settle_seconds = 0
[http]
retry_waits = [0.01, 0.01, 0.01]
[policies]
auto_apply = {str(auto_apply).lower()}
[git]
remote = "{remote}"
path = "automatic-messages"
[[accounts]]
id = "{ACCOUNT}"
languages = ["fr-FR", "de-DE"]
""",
        encoding="utf-8",
    )
    return path


def cron(cfg: Path, env: dict[str, str] | None = None) -> Any:
    """``cron-run``; the result, with ``report`` the run's JSON report (reports/<run-id>.json)."""
    before = set((cfg.parent / "reports").glob("*.json")) if (cfg.parent / "reports").exists() else set()
    result = CliRunner().invoke(main, ["cron-run", "--config", str(cfg)], env={**CLIENT_ENV, **(env or {})})
    new = (
        sorted(set((cfg.parent / "reports").glob("*.json")) - before)
        if (cfg.parent / "reports").exists()
        else []
    )
    result.report = json.loads(new[-1].read_text(encoding="utf-8")) if new else None
    return result


def bare_remote(tmp_path: Path) -> Path:
    """The platform's repository: a bare one on the local disk."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    return remote


def push_as_weblate(site: Path, message: str) -> None:
    git(site, "commit", "-qam", message)
    git(site, "push", "-q", "origin", "main")


def platform_clone(remote: Path, where: Path) -> Path:
    git(where.parent, "clone", "-q", str(remote), where.name)
    return where


def first_round(emu: Emu, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A bare remote, a config for it, the first cron run (asserted clean), and the
    platform's clone: (config, clone, the account's folder in the clone)."""
    remote = bare_remote(tmp_path)
    cfg = config(tmp_path, emu, remote)
    assert cron(cfg).exit_code == 0
    site = platform_clone(remote, tmp_path / "platform")
    return cfg, site, site / "automatic-messages" / ACCOUNT


def fr_live(emu: Emu) -> dict[str, str]:
    out = {}
    for ctx, objects in emu.dump()["accounts"][ACCOUNT]["autoMessages"].items():
        for obj in objects:
            for entry in obj["data"]:
                if entry["lang"].lower() == "fr-fr":
                    out[f"{ctx}|{obj['messageEventId']}"] = entry["msg"]
    return out


def test_a_round_through_the_platforms_repository(emu: Emu, tmp_path: Path, git_env: dict[str, str]) -> None:
    remote = bare_remote(tmp_path)
    cfg = config(tmp_path, emu, remote)

    # 1. the first run publishes the template and the language files in one commit
    first = cron(cfg)
    assert first.exit_code == 0, first.output
    site = platform_clone(remote, tmp_path / "platform")
    folder = site / "automatic-messages" / ACCOUNT
    assert sorted(p.name for p in folder.iterdir()) == ["de-DE.po", "fr-FR.po", "messages.pot"]
    assert git(site, "rev-list", "--count", "HEAD").strip() == "1"

    # 2. the platform translates an entry, saving the file through translate-toolkit, and pushes
    store = pypo.pofile.parsefile(str(folder / "fr-FR.po"))
    empty = next(u for u in store.units if not u.isheader() and not u.target)
    key = empty.getcontext()
    empty.target = "Traduit sur la plateforme"
    store.savefile(str(folder / "fr-FR.po"))
    push_as_weblate(site, "Translated using Weblate (French)")

    second = cron(cfg)
    assert second.exit_code == 0, second.output
    [account] = second.report["accounts"]
    [imported] = account["imported"]
    assert imported["name"].startswith(f"automatic-messages/{ACCOUNT}/fr-FR.po@")
    assert [tuple(w) for w in imported["written"]] == [(key, "fr-FR")]  # exactly that translation
    assert fr_live(emu)[key] == "Traduit sur la plateforme"

    # 3. nothing changed: nothing pushed
    git(site, "pull", "-q")
    before = git(site, "rev-parse", "HEAD")
    third = cron(cfg)
    assert third.exit_code == 0, third.output
    git(site, "pull", "-q")
    assert git(site, "rev-parse", "HEAD") == before
    assert third.report["git"]["pushed"] is None

    # 4. a Crowdin-style rebuilt file (only msgctxt/msgid/msgstr, its own header) imports
    lines = [
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"X-Crowdin-Project: acme\\n"',
        "",
    ]
    store = pypo.pofile.parsefile(str(folder / "fr-FR.po"))
    target_key = ""
    for unit in store.units:
        if unit.isheader():
            continue
        text = unit.target
        if not text and not target_key and not set("<{") & set(unit.source):  # plain text: QA-clean
            target_key, text = unit.getcontext(), "Reconstruit par Crowdin"
        lines += [f'msgctxt "{unit.getcontext()}"', f"msgid {_q(unit.source)}", f"msgstr {_q(text)}", ""]
    (folder / "fr-FR.po").write_text("\n".join(lines), encoding="utf-8")
    git(site, "commit", "-qam", "New translations fr-FR.po (French)", author=("Crowdin", "bot@crowdin.com"))
    git(site, "push", "-q", "origin", "main")
    fourth = cron(cfg)
    skipped = fourth.report["accounts"][0]["skipped"]
    assert fourth.exit_code == 0, [(s["key"], s["reason"], s.get("detail")) for s in skipped]
    assert fr_live(emu)[target_key] == "Reconstruit par Crowdin"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def test_a_remote_carrying_a_password_is_refused_and_the_secret_shown_nowhere(
    emu: Emu, tmp_path: Path, git_env: dict[str, str]
) -> None:
    cfg = config(tmp_path, emu, "https://translator:s3cr3t-pa55@git.example.com/acme/lp.git")
    result = cron(cfg)
    assert result.exit_code == 2
    assert "carries a password or token" in result.output
    assert "s3cr3t-pa55" not in result.output


def test_a_source_change_and_a_platform_push_in_one_round(
    emu: Emu, tmp_path: Path, git_env: dict[str, str]
) -> None:
    """LivePerson's source of a translated unit changes while the platform pushes a good
    translation and one QA refuses: the good one goes live, the changed source is fuzzy in
    every language file, and the refused translator text stays in the repository."""
    cfg, site, folder = first_round(emu, tmp_path)
    store = pypo.pofile.parsefile(str(folder / "fr-FR.po"))
    empties = [u for u in store.units if not u.isheader() and not u.target]
    good = next(u for u in empties if not set("<{") & set(u.source))
    bad = next(u for u in empties if "{" in u.source)
    good.target = "Bonne traduction"
    bad.target = "Traduction sans variable"  # drops the source's placeholder: QA refuses it
    store.savefile(str(folder / "fr-FR.po"))
    push_as_weblate(site, "Translated using Weblate (French)")
    changed = "CONSUMER_OPEN_NEW_CONVERSATION"
    emu.ui_edit("account", changed, "en-US", "Hello! An agent will answer within {expectedResponseTime}.")

    run = cron(cfg)
    assert run.exit_code == 3  # the refused text needs a human
    assert fr_live(emu)[good.getcontext()] == "Bonne traduction"
    assert bad.getcontext() not in fr_live(emu)
    git(site, "pull", "-q")
    for language in ("fr-FR", "de-DE"):
        units = {u.getcontext(): u for u in pypo.pofile.parsefile(str(folder / f"{language}.po")).units}
        unit = units[f"account|{changed}"]
        assert unit.isfuzzy(), language  # the source moved: its translation needs a look
        assert unit.source == "Hello! An agent will answer within {expectedResponseTime}."
    fr = {u.getcontext(): u for u in pypo.pofile.parsefile(str(folder / "fr-FR.po")).units}
    assert fr[bad.getcontext()].target == "Traduction sans variable"  # the translator's work is kept


def test_an_unreachable_remote_fails_the_git_accounts_only(
    emu: Emu, tmp_path: Path, git_env: dict[str, str]
) -> None:
    cfg = config(tmp_path, emu, tmp_path / "nowhere.git")
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(
        text + '\n[[accounts]]\nid = "70071530"\ngit = false\nauth = "bearer"\nlanguages = ["fr-FR"]\n',
        encoding="utf-8",
    )
    result = cron(cfg, {"AUTOMSG_USERNAME": "translation.manager", "AUTOMSG_PASSWORD": "demo-Passw0rd!"})
    assert result.exit_code == 1
    lines = {a["account"]: a for a in result.report["accounts"]}
    assert lines[ACCOUNT]["status"] == "error" and "git (" in lines[ACCOUNT]["errors"][0]
    assert lines["70071530"]["status"] == "ok", lines["70071530"]["errors"]  # not touched by git
    assert (tmp_path / "outbox" / "70071530" / "fr-FR.po").exists()


def test_status_names_the_repository_and_the_last_commit_imported(
    emu: Emu, tmp_path: Path, git_env: dict[str, str]
) -> None:
    remote = bare_remote(tmp_path)
    cfg = config(tmp_path, emu, remote)
    runner = CliRunner()
    before = runner.invoke(main, ["status", "--config", str(cfg)], env=CLIENT_ENV)
    assert (
        f"git: {remote} (main, automatic-messages): last commit imported none yet; nothing" in before.output
    )
    assert cron(cfg).exit_code == 0
    assert cron(cfg).exit_code == 0  # the second run imports from the first run's commit on
    after = runner.invoke(main, ["status", "--config", str(cfg)], env=CLIENT_ENV)
    head = subprocess.run(
        ["git", "--git-dir", str(remote), "rev-parse", "main"], capture_output=True, text=True
    )
    assert f"last commit imported {head.stdout.strip()[:12]}; nothing waiting" in after.output
    site = platform_clone(remote, tmp_path / "platform")  # the platform pushes: status says so
    (site / "automatic-messages" / ACCOUNT / "notes.txt").write_text(
        "a platform's commit\n", encoding="utf-8"
    )
    git(site, "add", ".")
    git(site, "commit", "-qm", "Weblate: a commit")
    git(site, "push", "-q", "origin", "main")
    later = runner.invoke(main, ["status", "--config", str(cfg)], env=CLIENT_ENV)
    assert "the platform pushed since: the next cron-run imports it" in later.output


def test_a_platform_push_racing_the_runs_own_push_is_survived(
    emu: Emu, tmp_path: Path, git_env: dict[str, str]
) -> None:
    """The platform pushes after the run fetched and before it pushes (the run is parked in
    the emulator meanwhile): the run's push is refused, it fetches, writes its files again over
    the platform's and pushes; the platform's work is in the result, never lost."""
    cfg, site, folder = first_round(emu, tmp_path)
    emu.ui_edit(
        "account", "CONSUMER_OPEN_NEW_CONVERSATION", "en-US", "Hello! Reply within {expectedResponseTime}."
    )
    # the run's export reads the account after the fetch: parked there until the platform pushed
    emu.faults(script=[{"match": "le-users/skills", "method": "GET", "hold": "race", "holdSeconds": 20}])
    outcome: list[Any] = []
    runner = threading.Thread(target=lambda: outcome.append(cron(cfg)))
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while not emu.hook("GET", "faults")["counts"].get("hold"):
            assert time.monotonic() < deadline, "the run never reached its export"
            threading.Event().wait(0.01)  # polled: the emulator tells when it parked the request
        store = pypo.pofile.parsefile(str(folder / "de-DE.po"))
        unit = next(
            u for u in store.units if not u.isheader() and not u.target and not set("<{") & set(u.source)
        )
        unit.target = "Von der Plattform, während des Laufs"
        store.savefile(str(folder / "de-DE.po"))
        push_as_weblate(site, "Translated using Weblate (German)")
    finally:
        emu.hook("POST", "release/race")
        runner.join(60)
    [result] = outcome
    assert result.exit_code == 0, result.output
    git(site, "pull", "-q")
    log = git(site, "log", "--format=%an %s")
    assert (
        log.splitlines()[0].startswith("automsg-sync ") and "Weblate Translated using Weblate (German)" in log
    )
    kept = {u.getcontext(): u.target for u in pypo.pofile.parsefile(str(folder / "de-DE.po")).units}
    assert kept[unit.getcontext()] == "Von der Plattform, während des Laufs"  # not overwritten


def test_a_platform_translation_refused_by_qa_is_reported_with_the_check_in_words(
    emu: Emu, tmp_path: Path, git_env: dict[str, str]
) -> None:
    """A newcomer's walk: the git-mode report said "qa" and not which check failed."""
    cfg, site, folder = first_round(emu, tmp_path)
    store = pypo.pofile.parsefile(str(folder / "de-DE.po"))
    unit = next(u for u in store.units if not u.isheader() and not u.target and "{" in u.source)
    unit.target = "Eine Übersetzung ohne die Variable"
    store.savefile(str(folder / "de-DE.po"))
    push_as_weblate(site, "Translated using Weblate (German)")
    run = cron(cfg)
    assert run.exit_code == 3
    [skipped] = run.report["accounts"][0]["skipped"]
    assert skipped["reason"] == "qa" and skipped["detail"].startswith("missing placeholder {")


def test_an_unchanged_account_costs_one_read_in_git_mode(
    emu: Emu, tmp_path: Path, git_env: dict[str, str]
) -> None:
    """As in outbox mode: after the first round, a run over an unchanged account reads it with one
    conditional request (304), writes nothing and pushes nothing."""
    cfg = config(tmp_path, emu, bare_remote(tmp_path))
    assert cron(cfg).exit_code == 0
    emu.clear_requests()
    again = cron(cfg)
    assert again.exit_code == 0 and again.report["git"]["pushed"] is None
    reads = [r for r in emu.requests() if "auto-messages" in r["path"]]
    assert [(r["method"], r["status"]) for r in reads] == [("GET", 304)]
