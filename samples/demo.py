"""`make demo`: the embedded emulator on a free loopback port, and the tool against it.

Starts `automsg-sync emulator` seeded from samples/emulator-data.json, then
runs the real commands as a user would, with the sample's credentials in the
environment (never on the command line). Prints each command before its output.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import requests

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


CONNECTOR_APP, CONNECTOR_SECRET = "automsg-verify-0c4f2a", "w3bh00k-s1gning-secret"
ECONOMY = "70071530"  # the sample account whose skills repeat the account's texts
NEXT = """
Try it yourself — the demo's emulator has stopped; start your own on a fixed port:

  .venv/bin/automsg-sync emulator --port 8080 --data samples/emulator-data.json &
  export AUTOMSG_CSDS_URL=http://127.0.0.1:8080 AUTOMSG_ACCOUNT=70071528
  # the sample's OAuth 2.0 client:
  export AUTOMSG_CLIENT_ID=2c7e1f4a-automsg-sync-demo AUTOMSG_CLIENT_SECRET=o2-demo-s3cret-9d1e
  .venv/bin/automsg-sync status
  .venv/bin/automsg-sync export-for-translation --out outbox --languages fr-FR --format po
  # translate a few entries in outbox/70071528/fr-FR.po (Poedit, or any editor), then:
  .venv/bin/automsg-sync import-translations outbox/70071528/fr-FR.po            # the plan
  .venv/bin/automsg-sync import-translations outbox/70071528/fr-FR.po --apply    # the writes
  .venv/bin/automsg-sync export-for-translation --account 70071530 --out outbox --dedupe --prefill

The accounts: 70071528 (both APIs, read through Unified), 70071529 (legacy API only;
it has no user: use its API key, the four AUTOMSG_APP_* values in samples/emulator-data.json),
70071530 (Unified only, texts repeated across skills). The demo's own files are in demo-out/."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


WORK = HERE.parent / "demo-out"  # the demo's own working directory, made anew each run


def run(args: list[str], env: dict[str, str]) -> int:
    print(f"\n$ automsg-sync {shlex.join(args)}", flush=True)
    cmd = [sys.executable, "-m", "automsg_sync", *args]
    return subprocess.run(cmd, env=env, cwd=WORK, check=False).returncode


def pseudo(source: str, lang: str) -> str:
    """What the scripted translator writes: the source, marked, placeholders intact."""
    return f"[{lang}] {source}"


def translate_po(path: Path) -> int:
    import polib

    po = polib.pofile(str(path))
    missing = [e for e in po if not e.msgstr]
    for entry in missing:
        entry.msgstr = pseudo(entry.msgid, "fr")
    po.save(str(path))
    return len(missing)


def translate_xlsx(path: Path) -> int:
    """Fill the Translation column as a translator in Excel would (then Excel saves)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb["Translations"]
    header = [c.value for c in ws[1]]
    source, target = header.index("Source (en-US)") + 1, header.index("Translation (es-ES)") + 1
    count = 0
    for row in range(2, ws.max_row + 1):
        if not ws.cell(row, target).value:
            ws.cell(row, target).value = pseudo(str(ws.cell(row, source).value), "es")
            count += 1
    wb.save(path)
    return count


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    proc, url = start_emulator()
    print(f"emulator: {url} (seeded from samples/emulator-data.json)")
    env = dict(os.environ, **ENV, AUTOMSG_CSDS_URL=url, COLUMNS="100")
    try:
        out = WORK / "outbox" / ACCOUNT
        for step in (["status"], ["export-for-translation", "--out", "outbox", "--format", "both"]):
            if run(step, env) not in (0, 3):
                return 1
        print("\nfiles written under demo-out/outbox/:")
        for path in sorted(out.iterdir()):
            print(f"  {path.relative_to(WORK)}  ({path.stat().st_size} bytes)")
        filled = [translate_po(out / "fr-FR.po"), translate_xlsx(out / "es-ES.xlsx")]
        print(f"\nthe scripted translator filled {filled[0]} units in fr-FR.po and {filled[1]} in es-ES.xlsx")
        files = ["outbox/70071528/fr-FR.po", "outbox/70071528/es-ES.xlsx"]
        for step in (
            ["import-translations", *files, "--report", "plan.json"],
            ["import-translations", *files, "--apply", "--report", "applied.json"],
            ["status"],
        ):
            if run(step, env) not in (0, 3):
                return 1
        # close the loop: a test conversation sees the French welcome message we pushed
        port = free_port()
        hook = {"webhookUrl": f"http://127.0.0.1:{port}/webhook"}
        requests.put(
            f"{url}/_emulator/accounts/{ACCOUNT}/connector-apps/{CONNECTOR_APP}", json=hook, timeout=5
        )
        env.update(
            AUTOMSG_CONNECTOR_CLIENT_ID=CONNECTOR_APP, AUTOMSG_CONNECTOR_CLIENT_SECRET=CONNECTOR_SECRET
        )
        verify = ["verify", "--language", "fr-FR", "--skill", "9", "--listen", f"127.0.0.1:{port}"]
        verified = run(verify, env)
        # paying once per text: account 70071530 repeats its texts across skills and shares one object
        economy = ["export-for-translation", "--account", ECONOMY, "--out", "outbox", "--languages", "fr-FR"]
        if run([*economy, "--format", "po", "--dedupe", "--prefill"], env) not in (0, 3):
            return 1
        print(NEXT)
        return verified
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
