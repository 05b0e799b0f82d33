"""Hostile or broken data from LivePerson: each unusable object or entry is reported in
one line and left out, the rest of the account works; never a traceback, never a file
outside ``--out``, never a unit written to another unit's or language's place. Also
account ids, and XLSX workbooks that unpack past ``max_xlsx_mb``."""

from __future__ import annotations

import copy
import json
import random
import re
import resource
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polib
import pytest
from click.testing import CliRunner
from conftest import ACCOUNT, USER, Emu, sample_data

from automsg_sync.cli import main
from automsg_sync.config import Settings, check_account_id, load_settings
from automsg_sync.errors import ConfigError, FormatError
from automsg_sync.formats.xlsx_read import read_xlsx

Data = dict[str, Any]


def run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, env=USER, catch_exceptions=False)  # a traceback fails the test
    return result.exit_code, result.stdout, result.stderr


def messages(data: Data, context: str) -> list[Data]:
    found: list[Data] = data["accounts"][ACCOUNT]["autoMessages"][context]
    return found


def welcome(data: Data, context: str = "skill/7") -> Data:
    return next(o for o in messages(data, context) if o["messageEventId"] == "CONSUMER_OPEN_NEW_CONVERSATION")


def load(emu: Emu, change: Callable[[Data], None]) -> Data:
    data = sample_data()
    change(data)
    emu.hook("PUT", "load", data)
    return data


def status_notices(emu: Emu) -> list[str]:
    code, out, err = run(["status", "--account", ACCOUNT, "--csds-url", emu.url, "--json"])
    assert code == 0, err
    notices: list[str] = json.loads(out)["notices"]
    return notices


def export(emu: Emu, out: Path, fmt: str = "po") -> tuple[dict[str, Any], list[Path]]:
    args = ["export-for-translation", "--account", ACCOUNT, "--csds-url", emu.url, "--out", str(out)]
    code, stdout, err = run([*args, "--format", fmt, "--json"])
    assert code == 0, err
    files = sorted(p for p in out.parent.rglob("*") if p.is_file() and ".automsg" not in p.parts)
    assert all(out in p.parents for p in files), files  # nothing outside --out
    return json.loads(stdout), files


def po_keys(path: Path) -> set[str]:
    return {str(e.msgctxt) for e in polib.pofile(str(path))}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    ("tag", "reason"),
    [
        ("../../x", "is not a BCP 47 tag"),
        ("fré", "is not a BCP 47 tag"),
        ("fr\n-CA", "is not a BCP 47 tag"),
        ("en-" + "-".join(["abcdefgh"] * 4), "is longer than 35 characters"),
    ],
)
def test_a_bad_language_tag_is_left_out_and_said(emu: Emu, tmp_path: Path, tag: str, reason: str) -> None:
    load(emu, lambda d: welcome(d)["data"].append({"lang": tag, "msg": "Texte canadien", "isDefault": False}))
    notices = status_notices(emu)
    line = "skill/7|CONSUMER_OPEN_NEW_CONVERSATION: language tag "
    assert any(n.startswith(line) and reason in n and n.endswith(": left out") for n in notices), notices
    if len(tag) < 30:
        assert f"{line}{tag!r} {reason}: left out" in notices
    result, files = export(emu, tmp_path / "out")
    assert any(reason in n for n in result["notices"])
    names = {p.name for p in files}
    assert "fr-FR.po" in names and "de-DE.po" in names  # the rest of the account is exported
    assert all(p.parent == tmp_path / "out" / ACCOUNT for p in files)
    # the Canadian text never lands in a file, and no file is named after the bad tag
    assert not any("Texte canadien" in p.read_text(encoding="utf-8") for p in files)
    assert {p.stem for p in files} <= {lang["language"] for lang in result["languages"]}
    assert "skill/7|CONSUMER_OPEN_NEW_CONVERSATION" in po_keys(tmp_path / "out" / ACCOUNT / "fr-FR.po")


def test_fr_newline_ca_is_never_written_as_fr(emu: Emu, tmp_path: Path) -> None:
    def change(d: Data) -> None:
        welcome(d, "account")["data"].append(
            {"lang": "fr\n-CA", "msg": "Bonjour du Canada", "isDefault": False}
        )

    load(emu, change)
    result, _files = export(emu, tmp_path / "out")
    assert "fr" not in {lang["language"] for lang in result["languages"]}
    po = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    catalog = polib.pofile(str(po))
    for entry in catalog:
        entry.msgstr = entry.msgstr or f"FR {entry.msgid}"
    catalog.save()
    code, _, err = run(["import-translations", str(po), "--csds-url", emu.url, "--apply"])
    assert code in (0, 3), err
    after = welcome(emu.dump(), "account")["data"]
    assert {"lang": "fr\n-CA", "msg": "Bonjour du Canada", "isDefault": False} in after
    assert [e["lang"] for e in after].count("fr\n-CA") == 1
    assert not any(e["lang"] in ("fr", "fr-CA") for e in after)


def test_two_spellings_of_one_language_are_left_out_and_never_written(emu: Emu, tmp_path: Path) -> None:
    def change(d: Data) -> None:
        welcome(d)["data"].append({"lang": "fr-fr", "msg": "Autre texte", "isDefault": False})

    before = load(emu, change)
    notices = status_notices(emu)
    assert (
        "skill/7|CONSUMER_OPEN_NEW_CONVERSATION: language 'fr-fr' appears twice ('fr-FR', 'fr-fr'): left out"
        in notices
    )
    export(emu, tmp_path / "out")
    po = tmp_path / "out" / ACCOUNT / "fr-FR.po"
    assert "skill/7|CONSUMER_OPEN_NEW_CONVERSATION" not in po_keys(po)
    catalog = polib.pofile(str(po))
    for entry in catalog:
        entry.msgstr = f"FR {entry.msgid}"
    catalog.save()
    code, _, err = run(["import-translations", str(po), "--csds-url", emu.url, "--apply"])
    assert code in (0, 3), err
    assert welcome(emu.dump())["data"] == welcome(before)["data"]  # neither spelling touched


def test_duplicate_message_event_id_in_a_context_leaves_both_out(emu: Emu, tmp_path: Path) -> None:
    def change(d: Data) -> None:
        twin = copy.deepcopy(welcome(d))
        twin["id"] = 99
        messages(d, "skill/7").append(twin)

    load(emu, change)
    notices = status_notices(emu)
    assert (
        "skill/7|CONSUMER_OPEN_NEW_CONVERSATION: another object is also named 'CONSUMER_OPEN_NEW_CONVERSATION' in skill/7: left out"
        in notices
    )
    export(emu, tmp_path / "out")
    keys = po_keys(tmp_path / "out" / ACCOUNT / "fr-FR.po")
    assert "skill/7|CONSUMER_OPEN_NEW_CONVERSATION" not in keys
    assert "skill/7|YOU_ARE_CONNECTED_TO" in keys and "account|CONSUMER_OPEN_NEW_CONVERSATION" in keys


@pytest.mark.parametrize("event_id", ["", None, 42])
def test_empty_or_missing_message_event_id_leaves_the_object_out(
    emu: Emu, tmp_path: Path, event_id: object
) -> None:
    def change(d: Data) -> None:
        obj = welcome(d)
        if event_id is None:
            del obj["messageEventId"]
        else:
            obj["messageEventId"] = event_id

    load(emu, change)
    notices = status_notices(emu)
    assert any("messageEventId" in n and n.endswith(": left out") for n in notices), notices
    export(emu, tmp_path / "out")
    keys = po_keys(tmp_path / "out" / ACCOUNT / "fr-FR.po")
    assert "skill/7|YOU_ARE_CONNECTED_TO" in keys and not any(k.startswith("skill/7|4") for k in keys)


def test_a_skill_id_that_is_not_a_number_is_left_out(emu: Emu, tmp_path: Path) -> None:
    def change(d: Data) -> None:
        d["accounts"][ACCOUNT]["autoMessages"]["skill/../x"] = [copy.deepcopy(welcome(d))]

    load(emu, change)
    notices = status_notices(emu)
    assert any("skill id '../x' is not a number" in n and n.endswith("left out") for n in notices), notices
    _result, files = export(emu, tmp_path / "out")
    assert files and not any("../x" in str(f) for f in files)
    assert "skill/7|CONSUMER_OPEN_NEW_CONVERSATION" in po_keys(tmp_path / "out" / ACCOUNT / "fr-FR.po")


@pytest.mark.parametrize(
    ("mutation", "said"),
    [
        (lambda o: o.update(data={"lang": "fr-FR"}), "data is not a list (dict): left out"),
        (lambda o: o.update(data=None), "data is missing: left out"),
        (lambda o: o["data"][1].update(msg=["x"]), "fr-FR: the text is not a string (list): left out"),
        (lambda o: o["data"][1].update(lang=7), "language tag 7 is not a string (int): left out"),
        (lambda o: o["data"].append("fr-FR"), "data[2] is not an object: left out"),
    ],
)
def test_wrong_types_are_left_out_and_said(
    emu: Emu, tmp_path: Path, mutation: Callable[[Data], None], said: str
) -> None:
    load(emu, lambda d: mutation(welcome(d)))
    notices = status_notices(emu)
    assert any(n.endswith(said) for n in notices), notices
    result, _files = export(emu, tmp_path / "out", "po,xlsx")
    assert any(n.endswith(said) for n in result["notices"])
    assert "account|CONSUMER_OPEN_NEW_CONVERSATION" in po_keys(tmp_path / "out" / ACCOUNT / "fr-FR.po")


def test_many_problems_are_cut_to_twenty_lines(emu: Emu) -> None:
    def change(d: Data) -> None:
        for obj in messages(d, "account"):
            obj["data"].append({"lang": "../../x", "msg": "x"})
            obj["data"].append({"lang": "fré", "msg": "x"})

    load(emu, change)
    notices = status_notices(emu)
    assert len(notices) == 21 and re.fullmatch(r"and \d+ more problem\(s\) .*", notices[-1]), notices


def test_cron_goes_on_with_the_next_account(emu: Emu, tmp_path: Path) -> None:
    def change(d: Data) -> None:
        welcome(d, "account")["data"].append({"lang": "../../x", "msg": "x"})

    load(emu, change)
    config = tmp_path / "automsg.toml"
    config.write_text('[[accounts]]\nid = "70071528"\n[[accounts]]\nid = "70071530"\n', encoding="utf-8")
    config.chmod(0o600)
    result = CliRunner().invoke(
        main,
        ["cron-run", "--config", str(config)],
        env={**USER, "AUTOMSG_CSDS_URL": emu.url},
        catch_exceptions=False,
    )
    code, out, err = result.exit_code, result.stdout, result.stderr
    assert code in (0, 3), out + err
    assert "70071528: ok" in out and "70071530: ok" in out, out
    assert (tmp_path / "outbox" / "70071528" / "fr-FR.po").exists()
    assert not list(tmp_path.rglob("x.po")) and not (tmp_path.parent / "x.po").exists()


# --------------------------------------------------------------------------- account ids


@pytest.mark.parametrize("bad", ["../../x", "", "7007 1528", "a" * 21, "7007152é", "70071528\n"])
def test_account_ids_are_checked(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"--account: account id .* is not valid"):
        check_account_id(bad, "--account")
    assert check_account_id("le0Account9", "x") == "le0Account9"


def test_account_option_and_config_id_are_checked(emu: Emu, tmp_path: Path) -> None:
    code, _, err = run(["status", "--account", "../../x", "--csds-url", emu.url])
    assert code == 2 and "--account: account id '../../x' is not valid" in err
    settings: Settings = load_settings(None, {"AUTOMSG_ACCOUNT": "../etc"}, csds_url=emu.url)
    with pytest.raises(ConfigError, match="AUTOMSG_ACCOUNT: account id"):
        settings.account()
    config = tmp_path / "bad.toml"
    config.write_text('[[accounts]]\nid = "../../x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml: accounts\[0\].id: account id '../../x'"):
        load_settings(config, {})
    config.write_text("max_xlsx_mb = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="max_xlsx_mb"):
        load_settings(config, {})
    config.write_text("max_xlsx_mb = 2.5\n", encoding="utf-8")
    assert load_settings(config, {}).max_xlsx_bytes == int(2.5 * (1 << 20))


# --------------------------------------------------------------------------- xlsx size


def _bomb(path: Path, unpacked: int) -> None:
    """A workbook-shaped zip whose sheet is ``unpacked`` bytes of one repeated byte."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b" " * (1 << 20)
            for _ in range(unpacked >> 20):
                fh.write(block)


def test_an_xlsx_that_unpacks_past_the_limit_is_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    _bomb(path, 1000 << 20)  # 1 GB of spaces: about 1 MB packed
    assert path.stat().st_size < 2 << 20
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(FormatError, match=r"bomb\.xlsx: .*(zip bomb\?|over the 50 MB limit)"):
        read_xlsx(path)
    assert time.monotonic() - started < 2.0
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    assert grown_kb < 64 << 10  # never unpacked: well under 64 MB more at peak


def test_an_xlsx_over_max_xlsx_mb_is_refused_by_its_declared_sizes(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", random.Random(1).randbytes(3 << 20))  # ratio ~1: no bomb
    with pytest.raises(FormatError, match=r"big\.xlsx: the parts unpack to \d+ bytes, over the 2 MB limit"):
        read_xlsx(path, max_unpacked=2 << 20)


def test_an_xlsx_that_lies_about_its_sizes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "liar.xlsx"
    _bomb(path, 8 << 20)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    # the central directory and the local header both say 1 KB; the data unpacks to 8 MB
    for at in range(len(raw) - 4):
        if raw[at : at + 4] in (b"PK\x01\x02", b"PK\x03\x04"):
            name_at = at + (46 if raw[at + 3] == 2 else 30)
            if raw[name_at : name_at + len(info.filename)] == info.filename.encode():
                size_at = at + (24 if raw[at + 3] == 2 else 22)
                if raw[size_at : size_at + 4] != b"\xff\xff\xff\xff":
                    raw[size_at : size_at + 4] = (1024).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as z:
        assert sum(m.file_size for m in z.infolist()) < 4096  # the declared sizes pass the first check
    with pytest.raises(FormatError, match=r"liar\.xlsx"):
        read_xlsx(path, max_unpacked=4 << 20)


def test_a_file_naming_a_bad_account_id_is_refused_before_it_names_anything(emu: Emu, tmp_path: Path) -> None:
    _, files = export(emu, tmp_path / "out")
    po = next(p for p in files if p.name == "fr-FR.po")
    text = po.read_text(encoding="utf-8").replace(
        f"X-Automsg-Account: {ACCOUNT}", "X-Automsg-Account: ../../etc"
    )
    po.write_text(text, encoding="utf-8")
    code, out, err = run(["import-translations", str(po), "--csds-url", emu.url])
    assert code == 1 and "account" in out + err and "letters and digits" in out + err
    assert not (tmp_path / "etc").exists()


def test_max_xlsx_mb_reaches_the_import(emu: Emu, tmp_path: Path) -> None:
    _, files = export(emu, tmp_path / "out", "xlsx")
    xlsx = next(p for p in files if p.name == "fr-FR.xlsx")
    (tmp_path / "tiny.toml").write_text("max_xlsx_mb = 0.01\n")  # about 10 kB unpacked
    args = ["import-translations", str(xlsx), "--csds-url", emu.url, "--config", str(tmp_path / "tiny.toml")]
    code, out, err = run(args)
    assert code == 1 and "fr-FR.xlsx" in out and "max_xlsx_mb" in out
    code, out, err = run(["import-translations", str(xlsx), "--csds-url", emu.url])
    assert code == 0, out + err  # the default 50 MB takes it


def test_a_language_whose_live_entry_broke_after_the_export_is_gone(emu: Emu, tmp_path: Path) -> None:
    _, files = export(emu, tmp_path / "out")
    po_path = next(p for p in files if p.name == "fr-FR.po")
    po = polib.pofile(str(po_path))
    for entry in po:
        entry.msgstr = entry.msgstr or f"(fr) {entry.msgid}"
    po.save(str(po_path))

    def break_french(data: Data) -> None:  # the account's French Welcome text is now spelled twice
        welcome(data, "account")["data"].append({"msg": "Salut", "lang": "fr-fr"})

    before = load(emu, break_french)
    code, out, _ = run(["import-translations", str(po_path), "--csds-url", emu.url, "--apply", "--json"])
    report = json.loads(out)
    gone = [s for s in report["skipped"] if s["reason"] == "gone"]
    assert [g["key"] for g in gone] == ["account|CONSUMER_OPEN_NEW_CONVERSATION"] and code == 3
    assert "cannot be used" in gone[0]["detail"]
    assert welcome(emu.dump(), "account")["data"] == welcome(before, "account")["data"]
