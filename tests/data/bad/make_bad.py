"""Regenerate the fixed hostile inputs in this folder: ``python tests/data/bad/make_bad.py``.

Each file derives from a real export of the emulator sample (export id
``EXPORT_ID``, see ``tests/test_hostile.py``), damaged in one way. The
expected outcome of each is listed in ``tests/test_hostile.py``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE.parent.parent / "tests"))

EXPORT_ID = "70071528-20260101T000000Z-fixed0"


def export_good(out: Path) -> tuple[Path, Path]:
    from dataclasses import replace

    from conftest import ACCOUNT, FAST, USER, sample_data

    from automsg_sync.config import load_settings
    from automsg_sync.emulator import EmulatorServer, Store
    from automsg_sync.export import ExportRequest, export_for_translation
    from automsg_sync.lp import connect
    from automsg_sync.state import StateStore

    with EmulatorServer(Store(sample_data())) as emu:
        settings = replace(load_settings(None, USER, csds_url=emu.url, state_dir=out / "state"), http=FAST)
        request = ExportRequest(out_dir=out, languages=["fr-FR"], export_id=EXPORT_ID)
        export_for_translation(
            connect(settings, settings.account(ACCOUNT)),
            settings.account(ACCOUNT),
            request,
            StateStore(settings.state_dir),
        )
    return out / ACCOUNT / "fr-FR.po", out / ACCOUNT / "fr-FR.xlsx"


def rezip(
    src: Path, dest: Path, change: dict[str, bytes | None], extra: dict[str, bytes] | None = None
) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename in change:
                data = change[item.filename]
                if data is not None:
                    zout.writestr(item.filename, data)
            else:
                zout.writestr(item, zin.read(item.filename))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)


def main() -> None:
    import openpyxl

    with tempfile.TemporaryDirectory() as tmp:
        po, xlsx = export_good(Path(tmp))
        text = po.read_text(encoding="utf-8")
        lines = text.split("\n")

        def po_file(name: str, content: str | bytes) -> None:
            data = content.encode("utf-8") if isinstance(content, str) else content
            (HERE / name).write_bytes(data)

        def translate(entry_key: str, value: str, source: str = text) -> str:
            marker = f'msgctxt "{entry_key}"'
            head, _, rest = source.partition(marker)
            msgid_end = rest.index("msgstr")
            body_end = rest.index("\n\n", msgid_end) if "\n\n" in rest[msgid_end:] else len(rest)
            return head + marker + rest[:msgid_end] + f'msgstr "{value}"' + rest[body_end:]

        # cut inside a translation (a cut between entries leaves a valid, shorter file)
        po_file("truncated.po", text[: text.index('"Bienvenue') + 10])
        po_file("unterminated.po", text.replace('msgstr ""', 'msgstr "Bonjour', 2))
        po_file("garbage-line.po", "\n".join([*lines[:40], "<<<<<<< HEAD", *lines[40:]]))
        po_file("repeated-msgstr.po", text.replace('msgstr ""\n', 'msgstr ""\nmsgstr "x"\n', 2))
        po_file(
            "latin1-no-charset.po",
            text.replace("charset=UTF-8", "charset=").encode("utf-8").replace("é".encode(), b"\xe9"),
        )
        po_file("not-utf8-as-declared.po", text.encode("utf-8").replace("é".encode(), b"\xe9"))
        po_file("no-automsg-header.po", text.replace("X-Automsg-Export-Id", "X-Other-Id"))
        po_file(
            "duplicate-key.po",
            text + '\nmsgctxt "account|CONSUMER_OPEN_NEW_CONVERSATION"\nmsgid "x"\nmsgstr "y"\n',
        )
        po_file("unknown-key.po", text + '\nmsgctxt "account|No such message"\nmsgid "x"\nmsgstr "y"\n')
        po_file(
            "other-account.po", text.replace("X-Automsg-Account: 70071528", "X-Automsg-Account: 99999999")
        )
        po_file("nul.po", text.replace('msgid "Welcome!', 'msgid "Wel\x00come!', 1))
        po_file(
            "script-html.po",
            translate(
                "account|Agents unavailable",
                'Occupé. <b onmouseover=\\"steal()\\">Réessayez.</b><script>x()</script>',
            ),
        )
        po_file(
            "bidi-override.po",
            translate("account|CONSUMER_ASKED_URGENT_RESPONSE_TIME", "Votre conversation est \u202eurgente"),
        )
        po_file(
            "dropped-placeholder.po",
            translate("account|CONSUMER_OPEN_NEW_CONVERSATION_OFF_HOURS", "Nous sommes fermés."),
        )

        shutil.copy(po, HERE / "not-a-zip.xlsx")
        (HERE / "truncated.xlsx").write_bytes(xlsx.read_bytes()[: xlsx.stat().st_size // 2])
        rezip(xlsx, HERE / "zip-bomb.xlsx", {}, {"xl/media/bomb.bin": b"\0" * (64 << 20)})
        laughs = (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>'
        )
        rezip(xlsx, HERE / "billion-laughs.xlsx", {}, {"xl/sharedStrings.xml": laughs})
        with zipfile.ZipFile(xlsx) as z:
            sheet = z.read("xl/worksheets/sheet1.xml")
        body = sheet.split(b"?>", 1)[1] if sheet.startswith(b"<?xml") else sheet
        xxe = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + body
        rezip(xlsx, HERE / "xxe.xlsx", {"xl/worksheets/sheet1.xml": xxe})

        def workbook(name: str, change) -> None:  # type: ignore[no-untyped-def]
            wb = openpyxl.load_workbook(xlsx)
            change(wb)
            wb.save(HERE / name)

        def rows(wb):  # type: ignore[no-untyped-def]
            ws = wb["Translations"]
            return ws, {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}

        def formula(wb):  # type: ignore[no-untyped-def]
            ws, r = rows(wb)
            ws.cell(
                r["account|CONSUMER_ASKED_URGENT_RESPONSE_TIME"], 5
            ).value = '=HYPERLINK("https://evil.example","urgent")'

        def hidden(wb):  # type: ignore[no-untyped-def]
            ws, r = rows(wb)
            ws.cell(r["account|CONSUMER_ASKED_URGENT_RESPONSE_TIME"], 5).value = "Urgent (caché)"
            ws.row_dimensions[r["account|CONSUMER_ASKED_URGENT_RESPONSE_TIME"]].hidden = True

        def merged(wb):  # type: ignore[no-untyped-def]
            ws, _ = rows(wb)
            ws.merge_cells(start_row=5, start_column=5, end_row=6, end_column=5)

        def huge(wb):  # type: ignore[no-untyped-def]
            ws, r = rows(wb)
            ws.cell(r["account|CONSUMER_ASKED_URGENT_RESPONSE_TIME"], 5).value = "urgent " * 2000

        def no_meta(wb):  # type: ignore[no-untyped-def]
            del wb["automsg"]

        def renamed(wb):  # type: ignore[no-untyped-def]
            wb["Translations"].cell(1, 5).value = "Traduction"

        def duplicate(wb):  # type: ignore[no-untyped-def]
            ws, r = rows(wb)
            ws.cell(
                r["account|CONSUMER_ASKED_URGENT_RESPONSE_TIME"], 1
            ).value = "account|CONSUMER_OPEN_NEW_CONVERSATION"

        for name, change in [
            ("formula.xlsx", formula),
            ("hidden-row.xlsx", hidden),
            ("merged-cells.xlsx", merged),
            ("huge-cell.xlsx", huge),
            ("no-metadata-sheet.xlsx", no_meta),
            ("renamed-header.xlsx", renamed),
            ("duplicate-key.xlsx", duplicate),
        ]:
            workbook(name, change)


if __name__ == "__main__":
    main()
