"""`make demo`: the embedded emulator on a free loopback port, and the tool against it.

Starts `automsg-sync emulator` seeded from samples/emulator-data.json, then
runs the real commands as a user would, with the sample's credentials in the
environment (never on the command line). Prints each command before its output.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ACCOUNT = "70071528"
ENV = {
    "AUTOMSG_USERNAME": "translation.manager",
    "AUTOMSG_PASSWORD": "demo-Passw0rd!",
    "AUTOMSG_ACCOUNT": ACCOUNT,
}


def start_emulator() -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "automsg_sync", "emulator", "--port", "0"]
    cmd += ["--data", str(HERE / "emulator-data.json")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return proc, line.removeprefix("listening on ")


WORK = HERE.parent / "demo-out"  # the demo's own working directory, made anew each run


def run(args: list[str], env: dict[str, str]) -> int:
    print(f"\n$ automsg-sync {shlex.join(args)}", flush=True)
    cmd = [sys.executable, "-m", "automsg_sync", *args]
    return subprocess.run(cmd, env=env, cwd=WORK, check=False).returncode


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    proc, url = start_emulator()
    print(f"emulator: {url} (seeded from samples/emulator-data.json)")
    env = dict(os.environ, **ENV, AUTOMSG_CSDS_URL=url, COLUMNS="100")
    try:
        out = Path("outbox")
        steps = [["status"], ["export-for-translation", "--out", str(out), "--format", "both"]]
        for step in steps:
            code = run(step, env)
            if code not in (0, 3):
                return code
        print(f"\nfiles written under demo-out/{out}/:")
        for path in sorted((WORK / out / ACCOUNT).iterdir()):
            print(f"  {path.relative_to(WORK)}  ({path.stat().st_size} bytes)")
        return 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
