"""What --report and --html write, and where they will not (issue #24, points 7 and 9):
a symbolic link or a device is refused before any work; a report that cannot be
written after an apply loses no word of the summary and leaves nothing behind; a
reader that went away is not an internal error."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, USER, Emu

from automsg_sync.cli import main


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in the test's folder: their state store (./.automsg) is the test's own."""
    monkeypatch.chdir(tmp_path)


def cli(emu: Emu, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = dict(USER, AUTOMSG_CSDS_URL=emu.url, AUTOMSG_ACCOUNT=ACCOUNT)
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def translated(emu: Emu, tmp_path: Path) -> Path:
    code, _, err = cli(
        emu,
        tmp_path,
        "export-for-translation",
        "--languages",
        "fr-FR",
        "--format",
        "po",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0, err
    path = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    po = polib.pofile(str(path))
    for entry in po:
        entry.msgstr = entry.msgstr or f"(fr) {entry.msgid}"
    po.save(str(path))
    return path


@pytest.mark.parametrize("option", ["--report", "--html"])
def test_a_report_onto_a_symlink_is_refused_before_any_write(emu: Emu, tmp_path: Path, option: str) -> None:
    po = translated(emu, tmp_path)
    elsewhere = tmp_path / "precious.txt"
    elsewhere.write_text("keep me", encoding="utf-8")
    link = tmp_path / "report.out"
    link.symlink_to(elsewhere)
    before = emu.dump()
    code, _, err = cli(emu, tmp_path, "import-translations", str(po), "--apply", option, str(link))
    assert code == 2
    assert f"{link}: is a symbolic link; name the file itself" in err
    assert link.is_symlink() and os.readlink(link) == str(elsewhere)
    assert elsewhere.read_text(encoding="utf-8") == "keep me"
    assert emu.dump() == before  # refused before anything was written to LivePerson


def test_a_report_onto_a_device_is_refused(emu: Emu, tmp_path: Path) -> None:
    code, _, err = cli(emu, tmp_path, "status", "--html", "/dev/null")
    assert code == 2 and "/dev/null: is not a regular file" in err


def test_a_report_that_cannot_be_written_after_an_apply_keeps_the_summary(
    emu: Emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk when the report is written (the apply's own backup was written before)."""
    po = translated(emu, tmp_path)
    real_fsync = os.fsync
    reports = tmp_path / "reports"
    reports.mkdir()

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(reports)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr("automsg_sync.files.os.fsync", fsync)
    code, out, err = cli(
        emu, tmp_path, "import-translations", str(po), "--apply", "--report", str(reports / "applied.json")
    )
    assert code == 1
    assert "Applied — run" in out  # the summary, whole
    assert "Traceback" not in err and "internal error" not in err
    assert (
        f"error: the report could not be written to {reports / 'applied.json'} (No space left on device)"
        in err
    )
    assert list(reports.iterdir()) == []  # no report, no leftover temporary file


@pytest.mark.parametrize("output", [[], ["--json"]])  # rich's table, click's echo
def test_a_closed_stdout_is_not_an_internal_error(emu: Emu, tmp_path: Path, output: list[str]) -> None:
    env = dict(os.environ, **USER, AUTOMSG_CSDS_URL=emu.url, AUTOMSG_ACCOUNT=ACCOUNT)
    with subprocess.Popen(
        [sys.executable, "-m", "automsg_sync", "status", *output],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader is gone before the command prints anything
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 141, err
    assert "internal error" not in err and "Traceback" not in err
    assert "stdout was closed before the output was written; what the command did stands" in err
