"""The outbox's files written in worker processes (``automsg_sync.outbox``): a failing
job and the jobs this process takes back. That an interrupted export leaves the outbox
as it was is in ``tests/test_export_atomic.py``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import ACCOUNT

import automsg_sync.outbox as outbox_module
from automsg_sync.errors import FormatError
from automsg_sync.model import Context, FileMeta, Unit, UnitKey


@pytest.mark.parametrize("bad_job", [0, 7], ids=["in-a-worker", "in-this-process"])
def test_worker_failure_is_the_same_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad_job: int
) -> None:
    """A failing job is the same clear error whether a worker or this process ran it.

    Job 0 always goes to a worker (it is queued at once); the last of 8 jobs is
    almost always taken back by this process, and either way must fail the same.
    """
    monkeypatch.setattr(outbox_module, "POOL_MIN_UNITS", 0)
    monkeypatch.setattr(outbox_module, "worker_count", lambda tasks: 2)
    meta = FileMeta(ACCOUNT, "fr-FR", "x", "1", "en-US")
    good = Unit(
        UnitKey(Context.account(), "CONSUMER_OPEN_NEW_CONVERSATION"),
        "fr-FR",
        "Hi",
        "Salut",
        "translated",
        "1",
    )
    bad = dataclasses.replace(good, target="a\x00b")
    units = [[bad if n == bad_job else good] for n in range(8)]
    jobs = [outbox_module.FileJob(meta, u, u, [tmp_path / f"{n}.po"], {}) for n, u in enumerate(units)]
    with (
        pytest.raises(FormatError, match=r"NUL character in account\|CONSUMER_OPEN_NEW_CONVERSATION"),
        outbox_module.writing(jobs, 8) as written,
    ):
        list(written)


def test_this_process_takes_back_jobs_no_worker_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every job's file is written exactly once, whoever wrote it, and each language is reported once."""
    monkeypatch.setattr(outbox_module, "POOL_MIN_UNITS", 0)
    monkeypatch.setattr(outbox_module, "worker_count", lambda tasks: 2)
    langs = [f"fr-{n:02d}" for n in range(12)]
    key = UnitKey(Context.account(), "CONSUMER_OPEN_NEW_CONVERSATION")
    units = [[Unit(key, lang, "Hi there", f"Salut {lang}", "translated", "1")] for lang in langs]
    jobs = [
        outbox_module.FileJob(FileMeta(ACCOUNT, lang, "x", "1", "en-US"), u, u, [tmp_path / f"{lang}.po"], {})
        for lang, u in zip(langs, units, strict=True)
    ]
    with outbox_module.writing(jobs, 12) as written:
        done = list(written)
    assert sorted(lang for lang, _ in done) == langs
    assert all(counts["translated"].words == 2 for _, counts in done)  # counted wherever the job ran
    for lang in langs:
        assert f'msgstr "Salut {lang}"' in (tmp_path / f"{lang}.po").read_text(encoding="utf-8")
