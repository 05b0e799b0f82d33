"""Fuzz what LivePerson sends: random and hostile automatic-message data served by the
emulator; every command works on the good part or fails the account with a clear
message — never a traceback, never a file outside ``--out``, never a unit written to
another unit's or language's place.

``make fuzz`` runs ``python tests/server_fuzz.py --inputs 2000``; ``tests/test_reliability.py``
runs a short version inside ``make test``. Loopback only; bounded.

Each input is the sample account (``samples/emulator-data.json``) with 1–4 seeded
mutations of its objects — odd language tags (``../../x``, ``fré``, ``fr\\n-CA``,
``fr-fr`` beside ``fr-FR``, overlong, empty, not strings), texts that are not strings
or are huge, ``data`` of the wrong type or missing, empty/missing/duplicate/odd
``messageEventId``, duplicated objects, skill contexts whose id is not a number, odd
``contexts``, ``attributes``, ``isDefault`` and ``deleted`` values — loaded with the
emulator's ``PUT /_emulator/load`` hook. Then ``status``, ``export-for-translation``
(PO and XLSX) and ``import-translations --apply`` of the exported fr-FR PO with every
entry translated. Checked after each input: no exception but the tool's own
(``AutomsgError``); no file outside the output folder, and every file there named
after a BCP 47 tag; the emulator's dump before and after the apply differs only in
fr-FR texts of messages the file translated.
"""

from __future__ import annotations

import copy
import logging
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import polib
import requests
from conftest import ACCOUNT, FAST, USER, sample_data
from fuzz import fuzz_main

from automsg_sync.config import load_settings
from automsg_sync.emulator import EmulatorServer, Store
from automsg_sync.errors import AutomsgError
from automsg_sync.export import ExportRequest, export_for_translation
from automsg_sync.imports import ImportOptions, import_translations
from automsg_sync.lp import connect
from automsg_sync.model import language_key, tag_problem
from automsg_sync.state import StateStore
from automsg_sync.status import account_status

Data = dict[str, Any]
TAGS: list[Any] = [
    "../../x",
    "fré",
    "fr\n-CA",
    "fr-fr",
    "FR-FR",
    "fr-FR ",
    " fr",
    "",
    "en-" + "-".join(["abcdefgh"] * 5),
    "x" * 5000,
    "fr-FR\x00",
    "en-US",
    "de/../../etc",
    "C:\\x",
    "zh-Hant-TW",
    "es_419",
    "ar",
    7,
    None,
    ["fr"],
    {"lang": "fr"},
    True,
]
ODD: list[Any] = [None, 5, 3.5, True, "", "x", [], [1, "a"], {}, {"a": {"b": []}}, "x" * 100_000]
EVENT_IDS: list[Any] = [
    "",
    None,
    5,
    " ",
    "a\nb",
    "x" * 300,
    "../x",
    "a|b",
    "\x00",
    "CONSUMER_OPEN_NEW_CONVERSATION",
    [],
    "é",
]
SKILL_IDS = ["abc", "../x", "-1", "7 ", "", "1e3", "٣", "99999999999999999999999", "7/8"]


@dataclass
class ServerFuzzResult:
    seed: int
    tried: int = 0
    worked: int = 0
    refused: int = 0  # a command failed the account with the tool's own error
    crashed: int = 0
    outside: int = 0  # files written outside the output folder (or named after no tag)
    misplaced: int = 0  # writes that changed what the file did not translate
    not_loaded: int = 0  # inputs the emulator itself would not take
    by_mutation: Counter[str] = field(default_factory=Counter)
    crash_kinds: Counter[str] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        replay = f"python tests/server_fuzz.py --seed {self.seed} --inputs {self.tried + self.not_loaded}"
        return [
            f"seed:              {self.seed}  (replay: {replay})",
            f"inputs tried:      {self.tried}  in {self.seconds:.1f} s  ({self.not_loaded} the emulator refused)",
            f"worked:            {self.worked}  (every command on the good part)",
            f"refused cleanly:   {self.refused}  (a command failed the account with a clear message)",
            f"crashed:           {self.crashed}"
            + "".join(f"\n    {n} × {kind}" for kind, n in self.crash_kinds.most_common()),
            f"outside --out:     {self.outside}",
            f"misplaced writes:  {self.misplaced}",
            "mutations:         " + ", ".join(f"{k} {v}" for k, v in sorted(self.by_mutation.items())),
        ]


def _objects(data: Data) -> list[tuple[str, Data]]:
    found: dict[str, list[Data]] = data["accounts"][ACCOUNT]["autoMessages"]
    return [(ctx, o) for ctx, objects in found.items() for o in objects if isinstance(o, dict)]


def _entries(obj: Data) -> list[Data]:
    data = obj.get("data")
    return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []


def _m_tag(rng: random.Random, data: Data) -> None:
    _ctx, obj = rng.choice(_objects(data))
    entries = _entries(obj)
    if entries and rng.random() < 0.5:
        rng.choice(entries)["lang"] = rng.choice(TAGS)
    elif isinstance(obj.get("data"), list):
        obj["data"].append({"lang": rng.choice(TAGS), "msg": "Texte égaré", "isDefault": False})


def _m_msg(rng: random.Random, data: Data) -> None:
    entries = [e for _, o in _objects(data) for e in _entries(o)]
    if entries:
        value = rng.choice([*ODD, "y" * rng.choice([10_000, 200_000]), "\x00\x07\u202e"])
        rng.choice(entries)["msg"] = value


def _m_field(rng: random.Random, data: Data) -> None:
    _ctx, obj = rng.choice(_objects(data))
    name = rng.choice(["data", "attributes", "deleted", "enabled", "id", "contexts", "templateId"])
    obj[name] = rng.choice([*ODD, {"SKILL": "7"}, {"SKILL": [None, "7"]}, {"ACCOUNT": 1}])


def _m_entry_field(rng: random.Random, data: Data) -> None:
    entries = [e for _, o in _objects(data) for e in _entries(o)]
    if entries:
        entry = rng.choice(entries)
        name = rng.choice(["lang", "msg", "isDefault"])
        if rng.random() < 0.5:
            entry.pop(name, None)
        else:
            entry[name] = rng.choice(ODD)


def _m_event_id(rng: random.Random, data: Data) -> None:
    _ctx, obj = rng.choice(_objects(data))
    if rng.random() < 0.2:
        obj.pop("messageEventId", None)
    else:
        obj["messageEventId"] = rng.choice(EVENT_IDS)


def _m_duplicate(rng: random.Random, data: Data) -> None:
    ctx, obj = rng.choice(_objects(data))
    twin = copy.deepcopy(obj)
    if rng.random() < 0.5:
        for entry in _entries(twin):
            if isinstance(entry.get("msg"), str):
                entry["msg"] += " (twin)"
    data["accounts"][ACCOUNT]["autoMessages"][ctx].append(twin)


def _m_skill(rng: random.Random, data: Data) -> None:
    _ctx, obj = rng.choice(_objects(data))
    data["accounts"][ACCOUNT]["autoMessages"][f"skill/{rng.choice(SKILL_IDS)}"] = [copy.deepcopy(obj)]


def _m_entries(rng: random.Random, data: Data) -> None:
    """Many language entries, some spelled twice: the shape of a big messy object."""
    _ctx, obj = rng.choice(_objects(data))
    if isinstance(obj.get("data"), list):
        for _ in range(rng.randint(1, 40)):
            lang = rng.choice(["fr-FR", "fr-fr", "de-DE", "ja-JP", "it", "pt-BR", *TAGS[:6]])
            obj["data"].append({"lang": lang, "msg": rng.choice(["a", "b", "{name}", ""])})
        rng.shuffle(obj["data"])


MUTATIONS: dict[str, Callable[[random.Random, Data], None]] = {
    "tag": _m_tag,
    "msg": _m_msg,
    "field": _m_field,
    "entry-field": _m_entry_field,
    "event-id": _m_event_id,
    "duplicate": _m_duplicate,
    "skill": _m_skill,
    "entries": _m_entries,
}


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _misplaced(before: Data, after: Data, translated: set[str]) -> list[str]:
    """What changed that the file did not translate: any object but those messages'
    fr-FR entries (changed in place, or added as one new entry)."""
    wrong: list[str] = []
    old = before["accounts"][ACCOUNT]["autoMessages"]
    new = after["accounts"][ACCOUNT]["autoMessages"]
    if set(old) != set(new):
        return [f"contexts {sorted(old)} → {sorted(new)}"]
    for ctx, objects in old.items():
        if len(objects) != len(new[ctx]):
            wrong.append(f"{ctx}: {len(objects)} objects → {len(new[ctx])}")
            continue
        for was, now in zip(objects, new[ctx], strict=True):
            if was == now:
                continue
            event_id = was.get("messageEventId") if isinstance(was, dict) else None
            if not isinstance(was, dict) or not isinstance(now, dict) or event_id not in translated:
                wrong.append(f"{ctx}|{event_id!r}: changed, not translated by the file")
                continue
            if {k: v for k, v in was.items() if k != "data"} != {k: v for k, v in now.items() if k != "data"}:
                wrong.append(f"{ctx}|{event_id}: a field other than data changed")
            old_data, new_data = was.get("data"), now.get("data")
            if not isinstance(old_data, list) or not isinstance(new_data, list):
                wrong.append(f"{ctx}|{event_id}: data changed shape")
                continue
            for index, entry in enumerate(new_data):
                prior = old_data[index] if index < len(old_data) else None
                # the Unified API never shows isDefault; the emulator re-derives it on a write
                if _shown(entry) == _shown(prior):
                    continue
                if not isinstance(entry, dict) or not _is_fr_fr(entry.get("lang")):
                    wrong.append(
                        f"{ctx}|{event_id}: entry {index} changed: {str(prior)[:80]} → {str(entry)[:80]}"
                    )
                elif prior is not None and (
                    not isinstance(prior, dict) or {**_shown(prior), "msg": 0} != {**_shown(entry), "msg": 0}
                ):
                    wrong.append(f"{ctx}|{event_id}: fr-FR entry {index} changed beyond its text")
    return wrong


def _shown(entry: Any) -> Any:
    return {k: v for k, v in entry.items() if k != "isDefault"} if isinstance(entry, dict) else entry


def _is_fr_fr(lang: Any) -> bool:
    return tag_problem(lang) is None and language_key(lang) == "fr-fr"


def _lang(entry: Any) -> str:
    return repr(entry.get("lang"))[:30] if isinstance(entry, dict) else "-"


def run_server_fuzz(inputs: int, seed: int, out: Callable[[str], None] | None = print) -> ServerFuzzResult:
    logging.getLogger("automsg_sync").setLevel(logging.CRITICAL)
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    result = ServerFuzzResult(seed)
    started = time.monotonic()
    rng = random.Random(seed)
    names = sorted(MUTATIONS)
    pristine = sample_data()
    with (
        EmulatorServer(Store(sample_data())) as emu,
        tempfile.TemporaryDirectory(prefix="automsg-server-fuzz-") as tmp,
    ):
        root = Path(tmp)
        for number in range(inputs):
            data = copy.deepcopy(pristine)
            applied = [names[number % len(names)]]
            applied += [rng.choice(names) for _ in range(rng.randint(0, 3))]
            for name in applied:
                MUTATIONS[name](rng, data)
                result.by_mutation[name] += 1
            loaded = requests.put(f"{emu.url}/_emulator/load", json=data, timeout=30)
            if loaded.status_code != 200:
                result.not_loaded += 1
                continue
            result.tried += 1
            work = root / f"input-{number}"
            outbox = work / "out"
            try:
                failed = _one_input(emu.url, work, outbox, result, f"input {number}: {'+'.join(applied)}")
                result.refused += failed
                result.worked += not failed
            except Exception as exc:
                result.crashed += 1
                frames = [f for f in traceback.extract_tb(exc.__traceback__) if "automsg_sync" in f.filename]
                where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
                result.crash_kinds[f"{type(exc).__module__}.{type(exc).__name__} at {where}"] += 1
                result.crashes.append(f"{'+'.join(applied)} (input {number})\n{traceback.format_exc()}")
            stray = [
                p
                for p in _files(root)
                if work not in p.parents
                or not any(base in p.parents for base in (outbox, work / "state", work / "backups"))
            ]
            named = [
                p for p in _files(outbox) if p.parent != outbox / ACCOUNT or tag_problem(p.stem) is not None
            ]
            if stray or named:
                result.outside += 1
                result.crashes.append(f"input {number}: files out of place: {[*stray, *named][:5]}")
            if out and (number + 1) % 200 == 0:
                out(f"  … {number + 1} inputs, {result.crashed} crashed")
            _remove(work)
    result.seconds = time.monotonic() - started
    return result


def _one_input(url: str, work: Path, outbox: Path, result: ServerFuzzResult, label: str = "") -> bool:
    """Status, export, translate and apply one input; True when a command refused cleanly."""
    settings = replace(load_settings(None, USER, csds_url=url, state_dir=work / "state"), http=FAST)
    account = settings.account(ACCOUNT)
    state = StateStore(settings.state_dir)
    refused = False
    try:
        with connect(settings, account, sleep=lambda _: None) as conn:
            try:
                account_status(conn, account)
            except AutomsgError:
                refused = True
            try:
                request = ExportRequest(out_dir=outbox, formats=("po", "xlsx"), languages=["fr-FR", "de-DE"])
                export_for_translation(conn, account, request, state)
            except AutomsgError:
                return True
            po = outbox / ACCOUNT / "fr-FR.po"
            if not po.exists():
                return refused
            catalog = polib.pofile(str(po))
            translated = set()
            for entry in catalog:
                entry.msgstr = f"Traduit : {entry.msgid}"
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                translated.add(str(entry.msgctxt).partition("|")[2])
            catalog.save()
            before = requests.get(f"{url}/_emulator/dump", timeout=30).json()
            try:
                import_translations(conn, account, [po], ImportOptions(apply=True), state, work / "backups")
            except AutomsgError:
                refused = True
            after = requests.get(f"{url}/_emulator/dump", timeout=30).json()
            wrong = _misplaced(before, after, translated)
            if wrong:
                result.misplaced += 1
                result.crashes.append(f"misplaced writes ({label}): " + "; ".join(wrong[:5]))
    except AutomsgError:
        return True
    return refused


def _remove(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def main() -> int:
    return fuzz_main(
        __doc__ or "",
        "server fuzz",
        2000,
        run_server_fuzz,
        lambda r: bool(r.crashed or r.outside or r.misplaced),
    )


if __name__ == "__main__":
    raise SystemExit(main())
