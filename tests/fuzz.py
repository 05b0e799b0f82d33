"""Fuzz the import with generated hostile inputs: every one ends clean, or rejected
with a message naming the file — never a crash, never a write.

``make fuzz`` runs ``python tests/fuzz.py --inputs 5000``; ``tests/test_reliability.py``
runs a short version inside ``make test``. Loopback only; bounded.

Inputs are mutations of a real export (PO and XLSX): byte flips, cuts,
insertions and deletions; PO lines shuffled, repeated, half-quoted; header
fields changed; random Unicode and control characters in translations; XLSX
parts damaged, removed, given a DTD, or re-zipped with their XML mangled;
spreadsheet edits (formulas, hidden rows, merged cells, numbers, dates,
renamed headers). Each is imported as a dry run against the emulator.
"""

from __future__ import annotations

import argparse
import io
import logging
import random
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conftest import ACCOUNT, FAST, USER, sample_data

from automsg_sync.config import load_settings
from automsg_sync.emulator import EmulatorServer, Store
from automsg_sync.errors import AutomsgError
from automsg_sync.export import ExportRequest, export_for_translation
from automsg_sync.imports import ImportOptions, import_translations
from automsg_sync.lp import connect
from automsg_sync.state import StateStore

CHARS = 'aé€👋🏽مשこ\u202e\u200f\x00\x07\x1e\r\n\t"\\<>{}&;=+-@_x0041_ '


@dataclass
class FuzzResult:
    seed: int
    tried: int = 0
    clean: int = 0
    rejected: int = 0
    crashed: int = 0
    by_mutation: Counter[str] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)
    crash_kinds: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return [
            f"seed:              {self.seed}  (replay: python tests/fuzz.py --seed {self.seed} --inputs {self.tried})",
            f"inputs tried:      {self.tried}  in {self.seconds:.1f} s",
            f"imported cleanly:  {self.clean}",
            f"rejected cleanly:  {self.rejected}  (an error or QA finding naming the file)",
            f"crashed:           {self.crashed}"
            + "".join(f"\n    {n} × {kind}" for kind, n in self.crash_kinds.most_common()),
            "mutations:         " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_mutation.items())),
        ]


def _bytes_mutation(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(max(len(data), 1))
        kind = rng.randrange(4)
        if kind == 0 and data:
            data[at] ^= 1 << rng.randrange(8)
        elif kind == 1:
            del data[at:]
        elif kind == 2:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif data:
            del data[at : at + rng.randint(1, 64)]
    return bytes(data)


def _po_lines(rng: random.Random, raw: bytes) -> bytes:
    lines = raw.decode("utf-8").split("\n")
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        kind = rng.randrange(6)
        if kind == 0:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif kind == 1:
            lines[i] = lines[i][: rng.randint(0, len(lines[i]))]
        elif kind == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == 3:
            lines[i] = rng.choice(
                ['msgstr "', "msgid", '"\\', "#, fuzzy", 'msgctxt "account|x"', 'msgstr[0] ""']
            )
        elif kind == 4:
            del lines[i]
        else:
            lines[i] = lines[i].replace("X-Automsg", rng.choice(["X-Other", "X-Automsg-X"]))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def _po_texts(rng: random.Random, raw: bytes) -> bytes:
    """Valid PO, hostile translations: what QA must catch."""
    import polib

    po = polib.pofile(raw.decode("utf-8"))
    for entry in po:
        if rng.random() < 0.3:
            entry.msgstr = "".join(rng.choice(CHARS) for _ in range(rng.randint(0, 40))).replace("\x00", "")
    return str(po).encode("utf-8")


def _xlsx_parts(rng: random.Random, raw: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    victim = rng.choice(src.namelist())
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            data = src.read(name)
            if name == victim:
                kind = rng.randrange(4)
                if kind == 0:
                    continue  # a part removed
                if kind == 1:
                    data = _bytes_mutation(rng, data)
                elif kind == 2:
                    data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "ee">]>' + data
                else:
                    data = data.replace(b"<c ", b'<c t="s" ', rng.randint(1, 5))
            z.writestr(name, data)
    return out.getvalue()


def _xlsx_cells(rng: random.Random, raw: bytes) -> bytes:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(raw))
    ws = wb["Translations"]
    for _ in range(rng.randint(1, 5)):
        row, col = rng.randint(1, ws.max_row + 2), rng.randint(1, 8)
        kind = rng.randrange(7)
        if kind == 0:
            ws.cell(row, col).value = rng.choice([42, 3.5, True, datetime(2026, 1, 1), None])
        elif kind == 1:
            ws.cell(row, 5).value = "=1+1"
        elif kind == 2:
            ws.row_dimensions[row].hidden = True
            ws.cell(row, 5).value = "caché"
        elif kind == 3 and row > 1:
            ws.merge_cells(start_row=row, start_column=col, end_row=row + 1, end_column=col)
        elif kind == 4:
            ws.cell(1, col).value = rng.choice(["Key", "Translation (fr-FR)", "Source", "", "Clé"])
        elif kind == 5:
            ws.cell(row, 5).value = "".join(rng.choice(CHARS.replace("\x00", "")) for _ in range(20))
        else:
            ws.delete_rows(row)
    if rng.random() < 0.1:
        del wb["automsg"]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


MUTATIONS: dict[str, tuple[str, Callable[[random.Random, bytes], bytes]]] = {
    "po-bytes": ("po", _bytes_mutation),
    "po-lines": ("po", _po_lines),
    "po-texts": ("po", _po_texts),
    "xlsx-bytes": ("xlsx", _bytes_mutation),
    "xlsx-parts": ("xlsx", _xlsx_parts),
    "xlsx-cells": ("xlsx", _xlsx_cells),
}


def run_fuzz(inputs: int, seed: int, out: Callable[[str], None] | None = print) -> FuzzResult:
    logging.getLogger("automsg_sync").setLevel(logging.CRITICAL)
    result = FuzzResult(seed)
    started = time.monotonic()
    rng = random.Random(seed)
    with (
        EmulatorServer(Store(sample_data())) as emu,
        tempfile.TemporaryDirectory(prefix="automsg-fuzz-") as tmp,
    ):
        work = Path(tmp)
        settings = replace(load_settings(None, USER, csds_url=emu.url, state_dir=work / "state"), http=FAST)
        account = settings.account(ACCOUNT)
        conn = connect(settings, account, sleep=lambda _: None)
        state = StateStore(settings.state_dir)
        export_for_translation(conn, account, ExportRequest(out_dir=work / "out", languages=["fr-FR"]), state)
        sources = {fmt: (work / "out" / ACCOUNT / f"fr-FR.{fmt}").read_bytes() for fmt in ("po", "xlsx")}
        names = sorted(MUTATIONS)
        for number in range(inputs):
            name = names[number % len(names)]
            fmt, mutate = MUTATIONS[name]
            try:
                data = mutate(rng, sources[fmt])
            except Exception:  # a mutation the generator itself cannot make (say, openpyxl refuses)
                data = _bytes_mutation(rng, sources[fmt])
            path = work / f"input-{number}.{fmt}"
            path.write_bytes(data)
            result.tried += 1
            result.by_mutation[name] += 1
            try:
                report = import_translations(conn, account, [path], ImportOptions(), state, work / "backups")
                if report.errors and not all(e.file == str(path) and e.message for e in report.errors):
                    raise AssertionError(f"an error that does not name the file: {report.errors}")
                if report.errors or report.qa:
                    result.rejected += 1
                else:
                    result.clean += 1
            except AutomsgError:
                result.rejected += 1
            except Exception as exc:
                result.crashed += 1
                frames = [f for f in traceback.extract_tb(exc.__traceback__) if "automsg_sync" in f.filename]
                where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
                result.crash_kinds[f"{type(exc).__module__}.{type(exc).__name__} at {where}"] += 1
                kept = work.parent / f"automsg-fuzz-crash-{seed}-{number}.{fmt}"
                kept.write_bytes(data)
                result.crashes.append(f"{name} → {kept}\n{traceback.format_exc()}")
            path.unlink()
            if out and (number + 1) % 1000 == 0:
                out(f"  … {number + 1} inputs, {result.crashed} crashed")
        if emu.store.dump()["accounts"][ACCOUNT]["revision"] != 1:
            result.crashed += 1
            result.crashes.append("the account was written to: a dry run must never write")
    result.seconds = time.monotonic() - started
    return result


def fuzz_main(
    doc: str, what: str, inputs: int, run: Callable[[int, int], Any], failed: Callable[[Any], bool]
) -> int:
    """The command line of a fuzz suite (``--inputs``, ``--seed``, by default from the clock):
    runs it, prints its lines and first crashes; 1 if ``failed(result)``."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=inputs)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    args = parser.parse_args()
    print(f"{what}: {args.inputs} inputs, seed {args.seed}")
    result = run(args.inputs, args.seed)
    for line in result.lines():
        print(line)
    for crash in result.crashes[:5]:
        print("CRASH", crash)
    return 1 if failed(result) else 0


def main() -> int:
    return fuzz_main(__doc__ or "", "fuzz", 5000, run_fuzz, lambda r: r.crashed)


if __name__ == "__main__":
    raise SystemExit(main())
