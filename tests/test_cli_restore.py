"""``automsg-sync restore`` (cli/restore.py): which backup, said in words (a newcomer's walk)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run


def test_several_backups_are_refused_naming_the_newest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`restore .automsg/backups/*.json` once a restore has backed up too: two files."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / ".automsg" / "backups"
    folder.mkdir(parents=True)
    older = folder / "70071528-20261207T100000Z-aaaaaa.json"
    newer = folder / "70071528-20261207T110000Z-bbbbbb.json"
    for path in (older, newer):
        path.write_text("{}", encoding="utf-8")
    code, out, err = run(["restore", str(newer), str(older), "--apply"])
    assert code == 2, out + err
    assert f"2 backups were given; name one — the newest is {newer}" in " ".join(err.split())
    assert "unexpected extra argument" not in err


def test_a_file_that_is_not_a_backup_is_said_so_without_a_parser_error(tmp_path: Path) -> None:
    po = tmp_path / "fr-FR.po"
    po.write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    code, _, err = run(["restore", str(po)])
    assert code == 1
    assert err.strip() == f"error: {po}: not a backup (not JSON): restore takes a file of .automsg/backups/"
