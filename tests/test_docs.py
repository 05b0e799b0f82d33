"""The documentation is tested: the CLI and configuration references are complete,
the README is short and its links and the site's lead somewhere, and the README's
emulator walk runs as written.

The walk runner. Each ```console block in README.md preceded by ``<!-- walk -->``
is part of the walk; the blocks run in order in ONE bash session, so ``cd``,
``export`` and background jobs carry over. In a block:

- a line starting with ``$ `` is a command; a command holding a here-document
  (``<<'EOF'``) goes on to its terminator line, as a terminal takes it;
- the lines after a command, up to the next one, are its expected output
  (stdout and stderr together, trailing spaces ignored);
- a line that is only ``…`` stands for any number of lines (none included), and
  ``…`` within a line for any text on that line: the way to mark what varies
  from run to run (export and run ids, timestamps) and to trim long tables.

The session starts in a temporary folder that holds a symbolic link ``samples``
to the repository's samples (so the walk reads as run from the clone's root,
and nothing is copied), with ``automsg-sync`` and ``python`` on PATH running
this checkout, no ``AUTOMSG_*`` variable inherited, ``COLUMNS=100`` (the width
the README's tables were pasted at) and ``TMPDIR`` inside the test's folder.
Every ``8080`` in the commands and expected output is replaced by a free port.
A command ending in ``&`` is waited for until its expected lines have arrived
(the emulator's ``listening on`` line), never by sleeping. At the end the
session is told to exit; whatever is left of its process group is killed.

Why a runner of our own: mktestdocs and pytest-markdown-docs run a page's
Python (or bash) blocks but compare no output; pytest-console-scripts runs a
console script, not a Markdown page; cog writes generated text into a file
rather than checking it. None runs a walk whose steps share a shell, a
background server and a here-document, with output compared line by line.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click
import markdown
import mkdocs_click  # noqa: F401  # the extension the CLI reference is rendered with
import pytest
from conftest import ACCOUNT, USER, Emu, free_port

from automsg_sync.cli import main
from automsg_sync.config import reference

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
ELLIPSIS = "…"
WALK_MARK = "<!-- walk -->"
COMMAND_TIMEOUT = 120.0  # seconds for one command of the walk (each takes a few)


# ---------------------------------------------------------------- references


def _commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def _cli_reference_html() -> str:
    """docs/reference/cli.md as the site renders it (through the mkdocs-click extension)."""
    text = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    return str(markdown.markdown(text, extensions=["mkdocs-click", "tables", "attr_list", "toc"]))


def test_every_command_is_in_the_cli_reference_with_help() -> None:
    html = _cli_reference_html()
    commands = list(_commands(main))
    assert len(commands) >= 7
    for path, command in commands:
        title = " ".join(("automsg-sync", *path))
        assert title in html, f"{title} is not in the CLI reference"
        text = (command.help or command.short_help or "").strip()
        assert text, f"{title} has no help text"
        first = text.splitlines()[0]
        assert first.split(".")[0][:40] in html, f"the help of {title} is not in the CLI reference"


def test_every_config_key_is_in_the_configuration_reference() -> None:
    page = reference.markdown()
    keys = reference.keys()
    assert keys
    for key in keys:
        assert f"`{key.name}`" in page or key.name in page, f"{key.table}.{key.name} is not in the reference"
    source = (DOCS / "reference" / "configuration.md").read_text(encoding="utf-8")
    hooks = (DOCS / "hooks.py").read_text(encoding="utf-8")
    marker = re.search(r'MARKER = "([^"]+)"', hooks)
    assert marker and marker.group(1) in source, "the configuration page lost the hook's marker"


# ---------------------------------------------------------------- links


LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


def _markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def _without_code(text: str) -> str:
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines (at most 200: the rest belongs in docs/)"


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_existing_files(path: Path) -> None:
    broken = []
    for match in LINK.finditer(_without_code(path.read_text(encoding="utf-8"))):
        target = match.group(1) or match.group(2)
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        file = target.split("#", 1)[0]
        if not (path.parent / file).exists():
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)}: links to files that do not exist: {broken}"


def test_every_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")]
    assert pages
    missing = [p for p in pages if f": {p}" not in nav]
    assert not missing, f"pages not in mkdocs.yml's nav: {missing}"


# ---------------------------------------------------------------- the walk


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")


def walk_steps(text: str) -> list[Step]:
    """The commands and expected output of every ``<!-- walk -->`` console block, in order."""
    steps: list[Step] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != WALK_MARK:
            i += 1
            continue
        i += 1
        assert lines[i].startswith("```console"), f"README line {i + 1}: {WALK_MARK} must precede ```console"
        i += 1
        while not lines[i].startswith("```"):
            line = lines[i]
            if line.startswith("$ "):
                command = [line[2:]]
                heredoc = HEREDOC.search(line)
                if heredoc:
                    while True:
                        i += 1
                        command.append(lines[i])
                        if lines[i] == heredoc.group(2):
                            break
                steps.append(Step("\n".join(command)))
            else:
                assert steps, f"README line {i + 1}: output before any command in a walk block"
                steps[-1].expected.append(line.rstrip())
            i += 1
        i += 1
    return steps


def output_matches(expected: list[str], actual: list[str]) -> bool:
    parts = []
    for line in expected:
        if line.strip() == ELLIPSIS:
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append("[^\\n]*".join(re.escape(p) for p in line.split(ELLIPSIS)) + r"\n")
    text = "".join(line.rstrip() + "\n" for line in actual)
    return re.fullmatch("".join(parts), text) is not None


def test_output_matching_rules() -> None:
    assert output_matches(["a", "…", "z"], ["a", "b", "c", "z"])
    assert output_matches(["a", "…", "z"], ["a", "z"])
    assert output_matches(["Export 1-… (rev 1)"], ["Export 1-2026T01Z-ab (rev 1)"])
    assert not output_matches(["a"], ["a", "b"])
    assert not output_matches(["Export 1-… (rev 1)"], ["Export 1-x (rev 2)"])
    assert output_matches([], [])
    assert output_matches(["…"], ["anything", "at all"])


class Session:
    """One bash process; commands are written to its stdin, each followed by a marker."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            ["bash", "--noprofile", "--norc"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            text=True,
            start_new_session=True,  # its own process group: the emulator is killed with it
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.count = 0

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _next(self, deadline: float) -> str | None:
        try:
            return self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError("timed out waiting for output") from None

    def run(self, step: Step) -> list[str]:
        self.count += 1
        marker = f"__walk_step_{self.count}_done__"
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{step.command}\necho {shlex.quote(marker)}\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + COMMAND_TIMEOUT
        out: list[str] = []
        while True:
            line = self._next(deadline)
            if line is None:
                raise AssertionError(f"bash ended during {step.command!r}: {out}")
            if line.endswith(marker):
                if line[: -len(marker)]:
                    out.append(line[: -len(marker)])
                break
            out.append(line)
        if step.command.rstrip().endswith("&"):
            # a background job: its output comes when it comes; wait for what is expected
            deadline = time.monotonic() + 30
            while not output_matches(step.expected, out) and time.monotonic() < deadline:
                line = self._next(deadline)
                if line is None:
                    break
                out.append(line)
        return out

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.write("exit\n")
                self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.reader.join(timeout=10)  # the group is gone: its output ends, the reader with it
            if self.proc.stdout is not None:
                self.proc.stdout.close()


def test_the_readme_walk_runs_as_written(tmp_path: Path) -> None:
    steps = walk_steps(README.read_text(encoding="utf-8"))
    assert len(steps) >= 10
    port = str(free_port())
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shims = {
        "automsg-sync": f'PYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(sys.executable)} -m automsg_sync "$@"',
        "python": f'exec {shlex.quote(sys.executable)} "$@"',
    }
    for name, body in shims.items():
        shim = bin_dir / name
        shim.write_text(f"#!/bin/sh\n{body}\n")
        shim.chmod(0o755)
    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / "samples").symlink_to(ROOT / "samples")
    (tmp_path / "tmp").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOMSG_")}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        COLUMNS="100",
        TMPDIR=str(tmp_path / "tmp"),
        PYTHONPATH=str(ROOT),
    )
    session = Session(clone, env)
    try:
        for step in steps:
            step = Step(step.command.replace("8080", port), [e.replace("8080", port) for e in step.expected])
            out = session.run(step)
            assert output_matches(step.expected, out), (
                f"$ {step.command}\n--- expected ---\n"
                + "\n".join(step.expected)
                + "\n--- got ---\n"
                + "\n".join(out)
            )
    finally:
        session.close()


NAMED_PATH = re.compile(r"`((?:automsg_sync|tests|samples|bench)/[^`\s<>*]+)`")


def test_every_path_the_pages_name_exists() -> None:
    """A module, test or sample a page names in backquotes exists (a renamed room leaves no
    stale pointer in the README or the docs site)."""
    stale = {
        f"{page.relative_to(ROOT)}: {name}"
        for page in _markdown_files()
        for name in NAMED_PATH.findall(page.read_text(encoding="utf-8"))
        if not (ROOT / name.rstrip("/")).exists()
    }
    assert not stale, sorted(stale)


def test_the_library_example_runs_as_written(emu: Emu, tmp_path: Path) -> None:
    """The CLI reference's "Using it as a library" snippet, run against the emulator."""
    page = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    [snippet] = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOMSG_")}
    env.update(USER, AUTOMSG_CSDS_URL=emu.url, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", snippet], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "unified-auto-messages" and f'"{ACCOUNT}"' in snippet
    assert any(line.startswith("account fr-FR ") for line in lines), lines


def test_placeholders_in_the_cli_help_are_shown_as_text_in_the_site() -> None:
    """mkdocs-click puts `OUT/<account>/<language>.po` from a help text into the page as HTML;
    the hook shows it as text (a newcomer's walk saw `OUT//.po`)."""
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    assert spec is not None and spec.loader is not None
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    html = _cli_reference_html()
    assert "OUT/<account>/<language>.po" in html  # what the page would show as OUT//.po
    shown = hooks.escape_placeholders(html)
    assert "OUT/&lt;account&gt;/&lt;language&gt;.po" in shown and "<account>" not in shown
    assert "<code>" in shown and "<h2" in shown and "</p>" in shown  # real elements stay
