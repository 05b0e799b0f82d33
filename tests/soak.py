"""Fault soak: many export → translate → import --apply cycles under seeded faults.

``make soak`` runs ``python tests/soak.py --cycles 500``; ``tests/test_reliability.py``
runs a short version inside ``make test``. Loopback only, bounded, stops by itself.

Each cycle starts from the sample account and a fresh state store — served
as it is (both APIs; read through Unified), as the Unified API documents it
(no ``id``/``templateId``/``isDefault``, objects shared by several contexts,
arrays refused at the collection, so one PUT per object), or with arrays
refused only — exports 1–3
languages (PO or XLSX), lets a scripted translator fill a random part of them
(some texts failing QA, some equal to the live text), makes "UI edits" before
the import (to imported units, to others, to a source text), and then imports
with ``--apply`` under random faults: 500/503 bursts, 429 with Retry-After,
dropped connections, latency spikes beyond the client's timeout, UI edits
fired right before a context's write (a revision bump between the diff and
the write), and — every ``--kill-every`` cycles — the import process
SIGKILLed while a write is in flight. A run that ends in an error is run again
(faults off) until it completes.

After every cycle the invariant checker compares the emulator's dump with
what must hold:

- a unit a human edited holds the human's text (else: a **lost update**), and
  the report names it as a conflict unless the file agreed with the human;
- a unit the final report lists as applied or unchanged holds the file's text;
  one it lists as skipped, or as left untouched (a row the translator left as
  exported: never sent, a human's edit of it stands), holds the text it had;
  no row the translator changed is called untouched; no other unit changed; no
  conflict or stale is reported without a human edit behind it;
- no object lost a field, a language entry, a key of an entry, an attribute;
- the state store is whole (``PRAGMA integrity_check``) and holds the cycle's
  export, though **another process opened it in a loop** all the while (as a
  person's dry run by hand does beside cron: :data:`OPENER`; issue #24).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polib
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conftest import ACCOUNT, USER, sample_data

from automsg_sync.config import HttpSettings, Settings, load_settings
from automsg_sync.emulator import EmulatorServer, Store
from automsg_sync.export import ExportRequest, export_for_translation
from automsg_sync.imports import ImportOptions, ImportReport, import_translations
from automsg_sync.lp import connect
from automsg_sync.model import language_key
from automsg_sync.state import StateStore

LANGUAGES = ["fr-FR", "de-DE", "es-ES", "ar", "he-IL", "ja-JP", "zh-CN", "pt-BR"]
SOURCE = "en-us"
Unit = tuple[str, str, str]  # (context, messageEventId, language key)


@dataclass
class SoakResult:
    seed: int
    cycles: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    variants: Counter[str] = field(default_factory=Counter)  # how the account was served
    conflicts: int = 0
    untouched: int = 0  # rows left as exported (XLSX rows the translator did not change)
    lost_updates: int = 0
    concurrent_opens: int = 0  # of the state store, by another process, while cycles ran
    violations: list[str] = field(default_factory=list)
    reruns: int = 0
    kills: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items())) or "none"
        return [
            f"seed:                 {self.seed}  (replay: python tests/soak.py --seed {self.seed} --cycles {self.cycles})",
            f"cycles:               {self.cycles}  in {self.seconds:.1f} s",
            "account served:       " + ", ".join(f"{k} {v}" for k, v in sorted(self.variants.items())),
            f"faults injected:      {faults}",
            f"processes killed:     {self.kills}",
            f"conflicts detected:   {self.conflicts}",
            f"rows left untouched:  {self.untouched}",
            f"re-runs needed:       {self.reruns}",
            f"concurrent opens:     {self.concurrent_opens}  (state store, another process)",
            f"lost updates:         {self.lost_updates}",
            f"invariant violations: {len(self.violations)}",
        ]


def texts(dump: dict[str, Any]) -> dict[Unit, str]:
    out = {}
    for ctx, objects in dump["accounts"][ACCOUNT]["autoMessages"].items():
        for obj in objects:
            for entry in obj.get("data", []):
                out[(ctx, obj["messageEventId"], language_key(entry["lang"]))] = entry["msg"]
    return out


def objects(dump: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (ctx, str(obj["messageEventId"])): obj
        for ctx, objs in dump["accounts"][ACCOUNT]["autoMessages"].items()
        for obj in objs
    }


def documented(data: dict[str, Any]) -> dict[str, Any]:
    """The sample served as the Unified API documents it: no ids, templateIds or isDefault,
    attributes as {"timer": …}, arrays refused at the collection, and shared objects —
    two account messages shared with skill 12, skill 9's override shared with skill 12."""
    from automsg_sync.emulator.store import unified_view

    account = data["accounts"][ACCOUNT]
    account["behaviour"] = {"apis": "unified", "collectionArrays": False}
    messages = account["autoMessages"]
    for ctx, objs in messages.items():
        messages[ctx] = [unified_view(o) for o in objs]
    for obj in messages["account"]:
        if obj["messageEventId"] in ("CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS", "Agents unavailable"):
            obj["contexts"] = {"SKILL": ["12"], "ACCOUNT": [ACCOUNT]}
    for obj in messages["skill/9"]:
        obj["contexts"] = {"SKILL": ["9", "12"]}
    return data


def arrays_refused(data: dict[str, Any]) -> dict[str, Any]:
    data["accounts"][ACCOUNT]["behaviour"] = {"collectionArrays": False}
    return data


# Another process that opens the state store named in ``control`` (the current cycle's),
# reads, closes, over and over until ``stop`` exists (or 2 hours pass); prints its count.
OPENER = """
import sys, threading, time
from pathlib import Path
from automsg_sync.state import StateStore
control, stop = Path(sys.argv[1]), Path(sys.argv[2])
deadline = time.monotonic() + 7200
opened = 0
while not stop.exists() and time.monotonic() < deadline:
    try:
        state_dir = Path(control.read_text())
    except (OSError, ValueError):
        state_dir = None
    if state_dir is not None and (state_dir / "state.db").exists():
        state = StateStore(state_dir)
        state.baseline("no-such-export")
        state.close()
        opened += 1
    threading.Event().wait(0.005)  # paced: two cores are shared with the soak itself
print(opened)
"""


def start_opener(workdir: Path) -> tuple[subprocess.Popen[str], Path, Path]:
    control, stop = workdir / "opener-control", workdir / "opener-stop"
    proc = subprocess.Popen(
        [sys.executable, "-c", OPENER, str(control), str(stop)], stdout=subprocess.PIPE, text=True
    )
    return proc, control, stop


VARIANTS = {"sample": lambda d: d, "documented": documented, "arrays refused": arrays_refused}
WEIGHTS = [2, 1, 1]


class Soak:
    def __init__(self, seed: int, kill_every: int, workdir: Path) -> None:
        self.seed = seed
        self.kill_every = kill_every
        self.workdir = workdir
        self.result = SoakResult(seed)
        self.emu = EmulatorServer(Store(sample_data())).start()
        self.url = self.emu.url
        self.opener, self.opener_control, self.opener_stop = start_opener(workdir)

    def hook(self, method: str, path: str, body: Any = None) -> Any:
        r = requests.request(method, f"{self.url}/_emulator/{path}", json=body, timeout=30)
        r.raise_for_status()
        return r.json()

    def close(self) -> None:
        self.emu.stop()
        self.opener_stop.touch()
        out, _ = self.opener.communicate(timeout=60)
        if self.opener.returncode != 0:
            self.result.violations.append(f"the concurrent opener failed (exit {self.opener.returncode})")
        self.result.concurrent_opens = int(out or 0)

    def clear_faults(self) -> None:
        """Turn faults off, keeping the record of what was injected and which edits fired."""
        injected = self.hook("GET", "faults")
        self.result.faults.update(injected["counts"])
        self.fired += [f["uiEdit"] for f in injected["fired"]]
        self.hook("DELETE", "faults")

    # ------------------------------------------------------------------ one cycle

    def cycle(self, number: int) -> None:
        rng = random.Random(self.seed * 1_000_003 + number)
        self.hook("DELETE", "faults")
        self.fired: list[dict[str, Any]] = []
        self.runs: list[int] = []
        variant = rng.choices(list(VARIANTS), WEIGHTS)[0]
        self.result.variants[variant] += 1
        self.hook("PUT", "load", VARIANTS[variant](sample_data()))
        state_dir = self.workdir / f"cycle-{number}"
        timeout = rng.choice([5.0, 5.0, 0.3])
        settings = replace(
            load_settings(None, USER, csds_url=self.url, state_dir=state_dir),
            http=HttpSettings(timeout=timeout, retry_waits=(0.0, 0.001, 0.002), min_rate_limit_wait=0.0),
        )
        account = settings.account(ACCOUNT)
        langs = rng.sample(LANGUAGES, rng.randint(1, 3))
        fmt = rng.choice(["po", "xlsx"])
        conn = connect(settings, account, sleep=lambda _: None)
        self.opener_control.write_text(str(state_dir))  # the other process opens this cycle's store
        exported = export_for_translation(
            conn,
            account,
            ExportRequest(out_dir=state_dir / "out", languages=langs, formats=[fmt]),
            StateStore(settings.state_dir),
        )
        start = self.hook("GET", "dump")
        files, proposals = self.translate(rng, state_dir / "out" / ACCOUNT, langs, fmt)
        human: dict[Unit, str] = {}
        sources: set[tuple[str, str]] = set()
        for unit in self.pre_edits(rng, start, proposals):
            human[unit[0]] = unit[1]
            if unit[0][2] == SOURCE:
                sources.add(unit[0][:2])
        during = self.fault_script(rng, start, proposals)
        self.hook("PUT", "faults", during)
        killed = self.kill_every and number % self.kill_every == self.kill_every - 1
        if killed:
            self.killed_run(rng, settings, files)
            if rng.random() < 0.5:
                self.clear_faults()
        report = self.import_once(settings, files)
        self.runs = [report.exit_code]
        reruns = 0
        while report.exit_code == 1 and reruns < 5:
            reruns += 1
            self.clear_faults()
            report = self.import_once(settings, files)
            self.runs.append(report.exit_code)
        self.result.reruns += reruns
        self.clear_faults()
        for edit in self.fired:
            unit = (edit["context"], edit["messageEventId"], language_key(edit["lang"]))
            human[unit] = edit["msg"]
            if unit[2] == SOURCE:
                sources.add(unit[:2])
        if report.exit_code == 1:
            self.result.violations.append(f"cycle {number}: never completed: {report.errors[:1]}")
            return
        self.check(number, start, self.hook("GET", "dump"), proposals, human, report)
        state = StateStore(settings.state_dir)
        if state.db.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
            self.result.violations.append(f"cycle {number}: the state store failed its integrity check")
        if state.baseline(exported.export_id) is None:
            self.result.violations.append(
                f"cycle {number}: export {exported.export_id} lost from the state store"
            )
        state.close()
        self.result.cycles += 1

    def translate(
        self, rng: random.Random, folder: Path, langs: list[str], fmt: str
    ) -> tuple[list[Path], dict[Unit, str]]:
        """The scripted translator: fills a random part, with a few QA failures."""
        proposals: dict[Unit, str] = {}
        files = []
        for lang in langs:
            path = folder / f"{lang}.{fmt}"
            chosen: dict[str, str] = {}

            def text_for(key: str, source: str) -> str | None:
                roll = rng.random()
                if roll < 0.45:
                    return None
                if roll < 0.55:
                    return "Texte sans variables."  # drops placeholders when the source has some
                word = rng.choice(["Bonjour", "مرحبا", "שלום", "こんにちは", "Hallo", "👋🏽 Olá", "Привет"])
                return f"{word} {rng.randint(0, 999)}: {source}"

            if fmt == "po":
                po = polib.pofile(str(path))
                for entry in po:
                    new = text_for(entry.msgctxt, entry.msgid)
                    if new is not None:
                        entry.msgstr = new
                        entry.flags = [f for f in entry.flags if f != "fuzzy"]
                        chosen[entry.msgctxt] = new
                po.save(str(path))
            else:
                import openpyxl

                wb = openpyxl.load_workbook(path)
                ws = wb["Translations"]
                for row in range(2, ws.max_row + 1):
                    key, source = ws.cell(row, 1).value, ws.cell(row, 4).value
                    new = text_for(str(key), str(source))
                    if new is not None:
                        ws.cell(row, 5).value = new
                        chosen[str(key)] = new
                wb.save(path)
            for key, new in chosen.items():
                context, _, event = key.partition("|")
                proposals[(context, event, language_key(lang))] = new
            files.append(path)
        return files, proposals

    def pre_edits(
        self, rng: random.Random, start: dict[str, Any], proposals: dict[Unit, str]
    ) -> list[tuple[Unit, str]]:
        """Human edits in the UI between the export and the import."""
        edits: list[tuple[Unit, str]] = []
        pool = sorted(proposals)
        every = sorted(texts(start))
        for _ in range(rng.randint(0, 3)):
            unit = rng.choice(pool) if pool and rng.random() < 0.6 else rng.choice(every)
            if unit[2] == SOURCE and rng.random() < 0.7:
                continue
            edits.append((unit, f"edited by a human {rng.randint(0, 99999)}"))
        for unit, text in edits:
            ctx, event, lang = unit
            self.hook(
                "POST",
                f"accounts/{ACCOUNT}/ui-edit",
                {"context": ctx, "messageEventId": event, "lang": lang, "msg": text},
            )
        return edits

    def fault_script(
        self, rng: random.Random, start: dict[str, Any], proposals: dict[Unit, str]
    ) -> dict[str, Any]:
        """Random faults for the import, and UI edits fired just before a context's write."""
        spec: dict[str, Any] = {"seed": rng.randint(0, 1 << 30), "script": []}
        if rng.random() < 0.5:
            spec["error500"] = rng.choice([0.05, 0.15])
            spec["error503"] = rng.choice([0.05, 0.15])
        if rng.random() < 0.3:
            spec["drop"] = 0.1
        if rng.random() < 0.3:
            spec["latencyMs"], spec["latencyProbability"] = rng.choice([50, 400]), 0.2
        if rng.random() < 0.3:
            spec["script"].append(
                {"match": "auto-messages", "status": 429, "retryAfter": 1, "times": rng.randint(1, 2)}
            )
        if rng.random() < 0.3:
            spec["script"].append({"match": "auto-messages", "status": 503, "times": rng.randint(1, 5)})
        for _ in range(rng.randint(0, 2)):
            unit = (
                rng.choice(sorted(proposals))
                if proposals and rng.random() < 0.7
                else rng.choice(sorted(texts(start)))
            )
            ctx, event, lang = unit
            where = "context_type=ACCOUNT" if ctx == "account" else f"context_id={ctx.split('/')[1]}"
            spec["script"].append(
                {
                    "match": where,
                    "method": "PUT",
                    "uiEdit": {
                        "context": ctx,
                        "messageEventId": event,
                        "lang": lang,
                        "msg": f"edited during the import {rng.randint(0, 99999)}",
                    },
                }
            )
        return spec

    def import_once(self, settings: Settings, files: list[Path]) -> ImportReport:
        account = settings.account(ACCOUNT)
        conn = connect(settings, account, sleep=lambda _: None)
        return import_translations(
            conn,
            account,
            files,
            ImportOptions(apply=True),
            StateStore(settings.state_dir),
            settings.state_dir / "backups",
        )

    def killed_run(self, rng: random.Random, settings: Settings, files: list[Path]) -> None:
        """SIGKILL the import process while one of its writes is held in flight."""
        spec = self.hook("GET", "faults")["spec"]
        spec = dict(
            spec,
            script=[
                *spec.get("script", []),
                {
                    "match": "auto-messages",
                    "method": "PUT",
                    "skip": rng.randint(0, 2),
                    "hold": "kill",
                    "drop": rng.random() < 0.5,
                },
            ],
        )
        self.hook("PUT", "faults", spec)
        config = settings.state_dir / "soak.toml"
        config.write_text(f"[http]\nretry_waits = [0.0, 0.001, 0.002]\ntimeout = {settings.http.timeout}\n")
        env = dict(os.environ, **USER, AUTOMSG_CSDS_URL=self.url)
        cmd = [
            sys.executable,
            "-m",
            "automsg_sync",
            "import-translations",
            *map(str, files),
            "--apply",
            "--account",
            ACCOUNT,
            "--state-dir",
            str(settings.state_dir),
            "--config",
            str(config),
        ]
        with subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                if self.hook("GET", "faults")["counts"].get("hold"):
                    break
                time.sleep(0.01)  # polling for the held write, not a fixed wait
            if proc.poll() is None:
                proc.kill()
                self.result.kills += 1
            proc.wait(timeout=30)
        self.hook("POST", "release/kill")

    # ------------------------------------------------------------------ invariants

    def check(
        self,
        number: int,
        start: dict[str, Any],
        end: dict[str, Any],
        proposals: dict[Unit, str],
        human: dict[Unit, str],
        report: ImportReport,
    ) -> None:
        bad = self.result.violations
        data = report.to_json()

        def unit_of(item: dict[str, Any]) -> Unit:
            ctx, _, event = item["key"].partition("|")
            return (ctx, event, language_key(item["language"]))

        accepted = {unit_of(i) for i in data["applied"] + data["noop"]}
        # rows the translator left as exported: nothing sent, whatever the live text is now
        untouched = {unit_of(i) for i in data["untouched"]}
        self.result.untouched += len(untouched)
        skipped = {unit_of(i): i["reason"] for i in data["skipped"]}
        self.result.conflicts += sum(1 for r in skipped.values() if r == "conflict")
        before, after = texts(start), texts(end)
        for unit in sorted(set(before) | set(after) | set(proposals)):
            final = after.get(unit)
            if unit in human:
                if final != human[unit]:
                    self.result.lost_updates += 1
                    bad.append(f"cycle {number}: LOST UPDATE {unit}: human {human[unit]!r}, now {final!r}")
                elif unit in proposals and proposals[unit] != human[unit] and unit in accepted:
                    bad.append(f"cycle {number}: {unit} reported written but a human's text is there")
                continue
            if unit in proposals and unit in accepted:
                if final != proposals[unit]:
                    bad.append(f"cycle {number}: {unit} reported written, holds {final!r}")
            elif final != before.get(unit):
                said = skipped.get(unit, "not in the report")
                bad.append(
                    f"cycle {number}: {unit} changed from {before.get(unit)!r} to {final!r}; the report says {said!r}"
                    f" (runs: {self.runs})"
                )
            if unit in proposals and unit in untouched:
                bad.append(f"cycle {number}: {unit} was translated anew but reported as left untouched")
            if unit in proposals and unit not in accepted and unit not in skipped:
                bad.append(f"cycle {number}: {unit} from the file neither written nor reported")
            reason = skipped.get(unit)
            if reason == "conflict":
                bad.append(f"cycle {number}: {unit} reported as a conflict with no human edit")
            if reason == "stale" and not {k for k in human if k[:2] == unit[:2] and k[2] == SOURCE}:
                bad.append(f"cycle {number}: {unit} reported stale with no source edit")
        self.check_objects(number, start, end)

    def check_objects(self, number: int, start: dict[str, Any], end: dict[str, Any]) -> None:
        bad = self.result.violations
        after = objects(end)
        for key, obj in objects(start).items():
            now = after.get(key)
            if now is None:
                bad.append(f"cycle {number}: object {key} lost")
                continue
            for field_name, value in obj.items():
                if field_name != "data" and now.get(field_name) != value:
                    bad.append(f"cycle {number}: object {key} field {field_name} changed")
            entries = {language_key(e["lang"]): e for e in now.get("data", [])}
            for entry in obj.get("data", []):
                kept = entries.get(language_key(entry["lang"]))
                if kept is None:
                    bad.append(f"cycle {number}: object {key} lost language {entry['lang']}")
                    continue
                missing = set(entry) - set(kept)
                if missing or kept["lang"] != entry["lang"]:
                    bad.append(
                        f"cycle {number}: object {key} {entry['lang']} lost {sorted(missing) or 'its spelling'}"
                    )


def run_soak(cycles: int, seed: int, kill_every: int = 10, out: Any = print, first: int = 0) -> SoakResult:
    # the client logs every retry it makes; thousands of injected faults are expected here
    logging.getLogger("automsg_sync").setLevel(logging.CRITICAL)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="automsg-soak-") as tmp:
        soak = Soak(seed, kill_every, Path(tmp))
        try:
            for number in range(first, first + cycles):
                soak.cycle(number)
                if out and (number + 1) % 50 == 0:
                    out(f"  … {number + 1} cycles, {len(soak.result.violations)} violations")
        finally:
            soak.close()
    soak.result.seconds = time.monotonic() - started
    return soak.result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--kill-every", type=int, default=10, help="a real SIGKILL every N cycles (0: never)")
    parser.add_argument("--first", type=int, default=0, help="the first cycle's number (to replay one)")
    args = parser.parse_args()
    print(f"soak: {args.cycles} cycles, seed {args.seed}, a kill every {args.kill_every} cycles")
    result = run_soak(args.cycles, args.seed, args.kill_every, first=args.first)
    for line in result.lines():
        print(line)
    for violation in result.violations[:20]:
        print("VIOLATION", violation)
    return 1 if result.violations or result.lost_updates else 0


if __name__ == "__main__":
    raise SystemExit(main())
