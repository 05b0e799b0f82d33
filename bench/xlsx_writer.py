"""Micro-benchmark of the XLSX writer alone (issue 18): ``write_xlsx`` per language.

Builds the bench account's units (``bench/account.py``: 60 languages × ~5,050
units at full size) in process, with the export's own ``build_units``, and times
``write_xlsx`` for each language, one after the other in this process, then
reads one file back with ``read_xlsx`` as a check. No emulator, no state store.

    .venv/bin/python bench/xlsx_writer.py            # all 60 languages
    .venv/bin/python bench/xlsx_writer.py --languages 6 --skills 100
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import account  # bench/account.py, beside this script

from automsg_sync.catalog import build_units
from automsg_sync.formats.xlsx_read import read_xlsx
from automsg_sync.formats.xlsx_write import write_xlsx
from automsg_sync.model import AutoMessage, Context, FileMeta, Unit


def units_by_language(skills: int) -> tuple[dict[str, list[Unit]], dict[str, str]]:
    data = account.build(skills)["accounts"][account.ACCOUNT]
    contexts = {
        Context.parse(ctx): [AutoMessage(raw) for raw in objs] for ctx, objs in data["autoMessages"].items()
    }
    skill_names = {str(s["id"]): s["name"] for s in data["skills"]}
    units = build_units(contexts, skill_names, account.SOURCE, account.LANGUAGES, origins={})
    by_lang: dict[str, list[Unit]] = defaultdict(list)
    for u in units:
        by_lang[u.language].append(u)
    return by_lang, skill_names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skills", type=int, default=100)
    parser.add_argument("--languages", type=int, default=len(account.LANGUAGES))
    args = parser.parse_args()
    by_lang, skill_names = units_by_language(args.skills)
    langs = list(by_lang)[: args.languages]
    total_units = sum(len(by_lang[lang]) for lang in langs)
    print(f"{len(langs)} languages, {total_units} units")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang in langs:
            meta = FileMeta(account.ACCOUNT, lang, "bench-export", "1", account.SOURCE)
            path = Path(tmp) / f"{lang}.xlsx"
            start = time.perf_counter()
            write_xlsx(path, meta, by_lang[lang], skill_names)
            times.append(time.perf_counter() - start)
            print(f"{lang:6} {len(by_lang[lang]):6} units {times[-1]:6.3f} s {path.stat().st_size:9} bytes")
        first = langs[0]
        back = read_xlsx(Path(tmp) / f"{first}.xlsx")
        expected = [(str(u.key), u.source, u.target) for u in by_lang[first]]
        assert [(e.key, e.source, e.target) for e in back.entries] == expected, "round trip failed"
    times.sort()
    print(
        f"total {sum(times):.2f} s; per file: median {times[len(times) // 2]:.3f} s, "
        f"min {times[0]:.3f} s, max {times[-1]:.3f} s; {sum(times) / total_units * 1e6:.1f} µs a unit"
    )


if __name__ == "__main__":
    main()
