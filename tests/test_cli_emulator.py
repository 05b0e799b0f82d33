"""``automsg-sync emulator`` (cli/emulator.py): the server in the foreground."""

from __future__ import annotations

import re
import subprocess
import sys

import requests
from conftest import ACCOUNT, ROOT


def test_emulator_command_prints_listening_line_first() -> None:
    data = str(ROOT / "samples" / "emulator-data.json")
    cmd = [sys.executable, "-m", "automsg_sync", "emulator", "--port", "0", "--data", data]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            match = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)\n", line)
            assert match, line
            dump = requests.get(match.group(1) + "/_emulator/dump", timeout=5).json()
            assert ACCOUNT in dump["accounts"]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert proc.returncode == 0
