"""PO and XLSX writers and readers: round trips of arbitrary text, golden checks."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automsg_sync.errors import FormatError
from automsg_sync.formats import read_translation_file
from automsg_sync.formats.po import read_po, write_po
from automsg_sync.formats.po_parse import parse_lines, parse_regular
from automsg_sync.formats.xlsx import escape
from automsg_sync.formats.xlsx_read import read_xlsx
from automsg_sync.formats.xlsx_write import write_xlsx
from automsg_sync.model import Context, FileMeta, Unit, UnitKey

ACCOUNT_CONTEXT = Context.account()
META = FileMeta("70071528", "ar", "70071528-20261121T000000Z-abc123", "7", "en-US")
TRICKY = [
    "=SUM(A1:A3)",
    "+33 1 23 45 67",
    "-5 %",
    "@agent",
    "  leading",
    "trailing  ",
    "two\nlines",
    "_x0041_",
    "_x005F_x0041_",
    "_x0041__x0042_",
    "__x0041_",
    "a\rb",
    "tab\there",
    "bell\x07",
    "emoji 👋🏽 ok",
    "مرحبا {agentNickname}",
    "שלום",
    "日本語のテキスト",
    "\u202eRTL override",
    "x" * 5000,
    '"quoted" \\ backslash',
    "#, fuzzy",
    'msgid "x"',
    "\n",
    "\ufeffbom",
]


def unit(i: int, source: str, target: str, context: Context = ACCOUNT_CONTEXT) -> Unit:
    return Unit(
        key=UnitKey(context, f"Message {i} #x|y"),
        language=META.language,
        source=source,
        target=target,
        state="translated" if target else "missing",
        message_id=str(i),
        notes=("Message: test", "Channel: messaging"),
    )


def msgfmt() -> str:
    found = shutil.which("msgfmt")
    assert found, "gettext's msgfmt is required: `make test` installs it"
    return found


# an XLSX cell holds every character but the noncharacters U+FFFE and U+FFFF (refused, see below)
texts = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\ufffe\uffff"), max_size=300
)
po_texts = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=300)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(po_texts.filter(bool), po_texts), min_size=1, max_size=8))
def test_po_round_trip(tmp_path: Path, pairs: list[tuple[str, str]]) -> None:
    units = [unit(i, s, t) for i, (s, t) in enumerate(pairs)]
    path = tmp_path / "x.po"
    write_po(path, META, units)
    back = read_po(path)
    assert back.meta == META
    assert [(e.key, e.source, e.target) for e in back.entries] == [
        (str(u.key), u.source, u.target) for u in units
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(texts.filter(bool), texts), min_size=1, max_size=8))
def test_xlsx_round_trip(tmp_path: Path, pairs: list[tuple[str, str]]) -> None:
    units = [unit(i, s, t, Context.skill(7)) for i, (s, t) in enumerate(pairs)]
    path = tmp_path / "x.xlsx"
    write_xlsx(path, META, units, {"7": "Billing"})
    back = read_xlsx(path)
    assert back.meta == META
    assert [(e.key, e.source, e.target) for e in back.entries] == [
        (str(u.key), u.source, u.target) for u in units
    ]


@pytest.mark.parametrize("fmt", ["po", "xlsx"])
def test_tricky_texts_round_trip(tmp_path: Path, fmt: str) -> None:
    units = [unit(i, f"source {i}", t) for i, t in enumerate(TRICKY)]
    units += [unit(100 + i, t, "") for i, t in enumerate(TRICKY) if t]
    path = tmp_path / f"x.{fmt}"
    if fmt == "po":
        write_po(path, META, units)
    else:
        write_xlsx(path, META, units, {})
    back = read_translation_file(path)
    assert [(e.source, e.target) for e in back.entries] == [(u.source, u.target) for u in units]


def test_po_is_msgfmt_clean_and_has_translator_comments(tmp_path: Path) -> None:
    units = [unit(1, "Hello {agentNickname}", "مرحبا {agentNickname}"), unit(2, "Line\n", "no break")]
    stale = replace(unit(3, "New source", "Old translation"), state="stale", previous_source="Old source")
    path = tmp_path / "ar.po"
    write_po(path, META, [*units, stale])
    result = subprocess.run([msgfmt(), "-c", "-o", "/dev/null", str(path)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""
    text = path.read_text(encoding="utf-8")
    assert (
        '"Language: ar\\n"' in text and '"X-Automsg-Export-Id: 70071528-20261121T000000Z-abc123\\n"' in text
    )
    assert "#. Message: test\n#. Channel: messaging\n" in text
    assert '#, fuzzy\n#| msgid "Old source"\nmsgctxt "account|Message 3 #x|y"' in text
    back = read_po(path)
    assert [e.fuzzy for e in back.entries] == [False, True, True]  # the break mismatch is flagged


def test_xlsx_layout(tmp_path: Path) -> None:
    path = tmp_path / "ar.xlsx"
    write_xlsx(path, META, [unit(1, "=1+1", "مرحبا", Context.skill(7))], {"7": "Billing"})
    wb = openpyxl.load_workbook(path)
    ws = wb["Translations"]
    assert [c.value for c in ws[1]] == [
        "Key",
        "Skill",
        "Message",
        "Source (en-US)",
        "Translation (ar)",
        "Status",
        "Notes",
    ]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G2"  # a translator can show only the rows to do
    assert ws["F2"].value == "translated"
    assert ws.protection.sheet and not ws.protection.password
    assert ws.sheet_view.rightToLeft
    assert ws.column_dimensions["A"].hidden
    assert [c.protection.locked for c in ws[2]] == [True, True, True, True, False, False, True]
    assert ws["D2"].data_type == "s" and ws["D2"].value == "=1+1"
    assert ws["B2"].value == "Billing (7)"
    assert all(c.alignment.wrap_text for c in ws[2])
    assert wb["automsg"].sheet_state == "hidden"
    frame = pd.read_excel(path, engine="calamine", sheet_name="Translations", dtype=str)
    assert frame.loc[0, "Source (en-US)"] == "=1+1"
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere


def test_xlsx_columns_found_by_header_name(tmp_path: Path) -> None:
    """A translator may reorder and add columns."""
    path = tmp_path / "ar.xlsx"
    write_xlsx(path, META, [unit(1, "Hi", "")], {})
    wb = openpyxl.load_workbook(path)
    ws = wb["Translations"]
    ws.move_range("E1:E2", cols=3)
    ws["E1"] = "My notes"
    ws["H2"] = "مرحبا"
    ws.insert_cols(1)
    wb.save(path)
    [entry] = read_xlsx(path).entries
    assert (entry.source, entry.target) == ("Hi", "مرحبا")


def test_escape_examples() -> None:
    assert escape("a_x0041_b\x07\r") == "a_x005F_x0041_b_x0007__x000D_"
    assert escape("_x005F_x0041_") == "_x005F_x005F_x005F_x0041_"
    assert escape("plain _x12_ text") == "plain _x12_ text"


def test_unknown_extension(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b\n")
    with pytest.raises(FormatError, match=r"x\.csv: unknown file type"):
        read_translation_file(path)


@pytest.mark.parametrize("char", ["\ufffe", "\uffff"])
def test_a_noncharacter_cannot_go_into_xlsx_and_the_export_says_which_unit(tmp_path: Path, char: str) -> None:
    """No XLSX cell holds U+FFFE or U+FFFF: written as ``_xFFFE_``, it would come back as
    those seven characters. The export refuses, naming the file and unit; PO holds them."""
    units = [unit(1, "source", "fine"), unit(2, "source", f"a{char}b")]
    with pytest.raises(FormatError, match=rf"x\.xlsx: U\+{ord(char):04X} in account\|Message 2 #x\|y \[ar\]"):
        write_xlsx(tmp_path / "x.xlsx", META, units, {})
    assert not (tmp_path / "x.xlsx").exists()
    with pytest.raises(
        FormatError, match=r"U\+FFFE in account\|Message 1"
    ):  # a long text takes xlsxwriter's path
        write_xlsx(tmp_path / "x.xlsx", META, [unit(1, "s" * 20000, "\ufffe" + "t" * 20000)], {})
    write_po(tmp_path / "x.po", META, units)
    assert read_po(tmp_path / "x.po").entries[1].target == f"a{char}b"


def test_nul_cannot_go_into_po_but_round_trips_in_xlsx(tmp_path: Path) -> None:
    """gettext forbids NUL in PO strings; the export says so instead of writing a broken file."""
    with pytest.raises(FormatError, match=r"NUL character in account\|Message 1"):
        write_po(tmp_path / "x.po", META, [unit(1, "source", "a\x00b")])
    assert not (tmp_path / "x.po").exists()
    write_xlsx(tmp_path / "x.xlsx", META, [unit(1, "source", "a\x00b")], {})
    assert read_xlsx(tmp_path / "x.xlsx").entries[0].target == "a\x00b"


@settings(max_examples=300)
@given(
    fields=st.tuples(po_texts, po_texts, po_texts),
    notes=st.lists(po_texts, max_size=3),
    references=st.lists(st.text(alphabet="abc:|-0123456789", min_size=1, max_size=20), max_size=3),
    fuzzy=st.booleans(),
    previous=st.one_of(st.none(), po_texts),
)
def test_entry_text_writes_what_polib_writes(
    fields: tuple[str, str, str],
    notes: list[str],
    references: list[str],
    fuzzy: bool,
    previous: str | None,
) -> None:
    """The fast entry writer is byte-equal to polib's own (wrapwidth 0)."""
    import polib

    from automsg_sync.formats.po import entry_text

    msgctxt, msgid, msgstr = fields
    flags = ["fuzzy"] if fuzzy else []
    reference = polib.POEntry(
        msgctxt=msgctxt,
        msgid=msgid,
        msgstr=msgstr,
        comment="\n".join(notes),
        occurrences=[(r, "") for r in references],
        flags=flags,
        previous_msgid=previous,
    ).__unicode__(wrapwidth=0)
    mine = entry_text(
        msgctxt, msgid, msgstr, notes=notes, references=references, flags=flags, previous_msgid=previous
    )
    assert mine == reference


po_entries = st.lists(
    st.tuples(
        st.tuples(po_texts.filter(bool), po_texts.filter(bool), po_texts),  # msgctxt, msgid, msgstr
        st.lists(po_texts, max_size=3),  # notes
        st.booleans(),  # fuzzy
        st.one_of(st.none(), po_texts),  # previous msgid
    ),
    max_size=6,
)
edits = st.lists(
    st.tuples(st.integers(min_value=0), st.sampled_from(['"', "\n", "\\", "#", " ", "\r", "x", ""]))
)


@settings(max_examples=400, deadline=None)
@given(entries=po_entries, wrap=st.sampled_from([0, 40, 78]), edits=edits)
def test_fast_po_parser_reads_what_the_line_parser_reads(
    entries: list[tuple[tuple[str, str, str], list[str], bool, str | None]],
    wrap: int,
    edits: list[tuple[int, str]],
) -> None:
    """The regular-shape fast path either declines or gives exactly the line parser's result,
    on files as this tool and polib (wrapped, as Poedit does) write them, and on damaged ones."""
    import polib

    po = polib.POFile(wrapwidth=wrap)
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "X-Automsg-Account": "1"}
    for (msgctxt, msgid, msgstr), notes, fuzzy, previous in entries:
        po.append(
            polib.POEntry(
                msgctxt=msgctxt,
                msgid=msgid,
                msgstr=msgstr,
                comment="\n".join(notes),
                flags=["fuzzy"] if fuzzy else [],
                previous_msgid=previous,
            )
        )
    text = po.__unicode__()
    path = Path("x.po")
    clean = parse_regular(path, text)
    assert clean is not None or not entries, text  # a clean file of entries: the fast path takes it
    assert clean == parse_lines(path, text) or not entries
    for position, char in edits:  # damage: insert or delete characters
        at = position % (len(text) + 1)
        text = text[:at] + char + text[at:] if char else text[:at] + text[at + 1 :]
    fast = parse_regular(path, text)
    if fast is not None:
        assert fast == parse_lines(path, text)
    for parser in (parse_regular, parse_lines):  # an import's reading: the same, without notes
        try:
            full = parser(path, text)
        except FormatError as exc:
            with pytest.raises(FormatError) as bare_error:
                parser(path, text, with_notes=False)
            assert (bare_error.value.line, bare_error.value.message) == (exc.line, exc.message)
            continue
        bare = parser(path, text, with_notes=False)
        assert bare == (None if full is None else (full[0], [replace(e, notes=()) for e in full[1]]))


def test_fast_po_parser_takes_the_files_this_tool_writes(tmp_path: Path) -> None:
    units = [unit(i, s, s[::-1]) for i, s in enumerate(t for t in TRICKY if "\x00" not in t)]
    write_po(tmp_path / "x.po", META, units)
    parsed = parse_regular(tmp_path / "x.po", (tmp_path / "x.po").read_text(encoding="utf-8"))
    assert parsed is not None and len(parsed[1]) == len(units)


def test_xlsx_texts_past_the_fast_row_writer_round_trip(tmp_path: Path) -> None:
    """A text over 16,383 characters takes xlsxwriter's own cell writer: same file, same text."""
    long_source = "Bonjour {name} _x0041_ \r\n" + "é" * 20_000
    long_target = "مرحبا \u202e _x005F_x0041_ " + "x" * 30_000
    units = [unit(1, long_source, long_target), unit(2, "short", "court")]
    path = tmp_path / "fr-FR.xlsx"
    write_xlsx(path, META, units, {})
    entries = {e.key: e for e in read_xlsx(path).entries}
    assert entries[str(units[0].key)].source == long_source
    assert entries[str(units[0].key)].target == long_target
    assert entries[str(units[1].key)].target == "court"


@pytest.mark.parametrize("padding", [20, 17_000])  # through the fast row writer, and xlsxwriter's own
def test_a_text_shaped_as_rich_text_xml_comes_back_as_it_went(tmp_path: Path, padding: int) -> None:
    """Issue #24: xlsxwriter writes a string starting ``<r>`` and ending ``</r>`` as raw
    rich-text XML. A live text so shaped came back as ``Vous êtes dans la file(EVIL)``
    and an unchanged import wrote that live; every cell is escaped the same way now."""
    evil = f"<r><t>Vous êtes dans la file</t></r><!--{'p' * padding}--><r><t> (EVIL)</t></r>"
    units = [unit(1, evil, evil), unit(2, "short", evil)]
    path = tmp_path / "fr-FR.xlsx"
    write_xlsx(path, META, units, {})
    entries = {e.key: e for e in read_xlsx(path).entries}
    assert entries[str(units[0].key)].source == evil and entries[str(units[0].key)].target == evil
    assert entries[str(units[1].key)].target == evil
    sheet = openpyxl.load_workbook(path, read_only=True)["Translations"]
    assert [row[4].value for row in sheet.iter_rows(min_row=2)] == [evil, evil]  # as Excel shows it


def _po_with_target(tmp_path: Path, quoted_target: str, previous: str = "") -> Path:
    """A file this tool wrote, its one translation replaced by ``quoted_target`` as typed."""
    path = tmp_path / "ar.po"
    write_po(path, META, [unit(1, "Hello", "x")])
    text = path.read_text(encoding="utf-8").replace('msgstr "x"', f'msgstr "{quoted_target}"')
    path.write_text(text.replace('msgctxt "account', previous + 'msgctxt "account'), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ('a\\\\b \\"q\\" \\t\\nz', 'a\\b "q" \t\nz'),  # the C escapes
        ("\\101\\x42\\103", "ABC"),  # octal and hex, as gettext reads them
        ("caf\\x65", "cafe"),
    ],
)
def test_po_escapes_are_read_as_gettext_reads_them(tmp_path: Path, typed: str, read: str) -> None:
    path = _po_with_target(tmp_path, typed)
    assert subprocess.run([msgfmt(), "-o", "/dev/null", str(path)], capture_output=True).returncode == 0
    [entry] = read_po(path).entries
    assert entry.target == read


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("Êtes-vous \\q là ?", "invalid escape '\\\\q' (msgfmt refuses it"),
        ("back\\ slash", "invalid escape '\\\\ '"),
        ("\\u00e9", "invalid escape '\\\\u'"),
        ("nul \\0 here", "is a NUL character"),
        ("\\303\\251", "stands for a byte, not a character: write the character itself"),
    ],
)
def test_a_po_escape_gettext_refuses_is_an_error_naming_the_line(
    tmp_path: Path, typed: str, said: str
) -> None:
    """Never a quiet import of another text: ``\\q`` was read as ``q`` and written to LivePerson."""
    path = _po_with_target(tmp_path, typed)
    line = 1 + next(i for i, x in enumerate(path.read_text(encoding="utf-8").split("\n")) if typed in x)
    with pytest.raises(FormatError) as caught:
        read_po(path)
    assert caught.value.line == line and said in caught.value.message, caught.value.message
    if "NUL" not in said and "byte" not in said:  # msgfmt reads those (as bytes) but refuses the others
        assert subprocess.run([msgfmt(), "-o", "/dev/null", str(path)], capture_output=True).returncode != 0


def test_a_previous_msgid_with_an_odd_escape_does_not_stop_an_import(tmp_path: Path) -> None:
    """``#|`` lines are never imported: read as before, backslash dropped."""
    path = _po_with_target(tmp_path, "fine", previous='#, fuzzy\n#| msgid "old \\q"\n')
    [entry] = read_po(path).entries
    assert entry.target == "fine" and entry.previous_source == "old q"
