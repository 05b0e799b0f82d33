"""XLSX workbooks for translators with Excel or LibreOffice.

Written with xlsxwriter in ``constant_memory`` mode (a row at a time, strings
inline; :mod:`.xlsx_write`, and :mod:`.xlsx_sheet` for the two internals replaced);
read with python-calamine (fast, and it decodes the escapes below as Excel does;
:mod:`.xlsx_read`). This module holds what both sides agree on: the sheets' names,
the Status words, and the escaping of a cell's text (:func:`escape`).

Sheet ``Translations``: a frozen header row with named columns (Key, Skill,
Message, Source (<lang>), Translation (<lang>), Notes), sized and wrapped;
only Translation and Status cells are unlocked and the sheet is protected
without a password; right-to-left for RTL languages. The Key column is hidden. A hidden
sheet ``automsg`` holds the file's metadata. The reader finds columns by
header name, so a translator may reorder or add columns.

``Status`` (after Translation, editable) says what each row needs:
``to translate`` (no text yet), ``needs review`` (the rows PO writes fuzzy:
LivePerson's stock text, a source changed since the translation, a
``--prefill`` suggestion — the spreadsheet's equivalent of PO's fuzzy flag;
an import leaves such a row out unless ``--include-fuzzy``; the translator
confirms a row by changing or clearing its Status: anything but ``needs
review`` counts as confirmed), or ``translated``. The header row carries an
AutoFilter, so a translator can show only the rows to do. ``Also used in``
(last) appears when ``--dedupe`` folded units: the keys of the other units
the row's translation goes to, one per line (shown only; the import takes the
grouping from the state store).

Every cell is written as a typed string, never a formula, so ``=``, ``+``,
``-``, ``@`` at the start stay text with nothing added. Text is escaped the way
the OOXML standard escapes strings (ECMA-376 ST_Xstring, what Excel itself
does): a character XML 1.0 cannot hold, and ``\\r`` (which XML parsers fold
into ``\\n``), is written ``_xHHHH_``; a literal ``_xHHHH_`` in the text gets
its underscore escaped as ``_x005F_``. Excel, LibreOffice and calamine decode
this, so the translator sees, and we read back, exactly the original text.
"""

from __future__ import annotations

import re

from .common import NOT_XML_CHARS

SHEET = "Translations"
META_SHEET = "automsg"
_ILLEGAL = re.compile(f"[{NOT_XML_CHARS}\r]")  # and \r, which XML parsers fold into \n
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
NEEDS_REVIEW = "needs review"  # a Status cell that marks a row fuzzy
TO_TRANSLATE, TRANSLATED = "to translate", "translated"


def escape(text: str) -> str:
    """OOXML string escaping; see the module docstring.

    >>> escape("a\\rb_x0041_")
    'a_x000D_b_x005F_x0041_'
    """
    if "\ufffe" in text or "\uffff" in text:
        raise NoncharacterError("\ufffe" if "\ufffe" in text else "\uffff")
    text = _LITERAL_ESCAPE.sub("_x005F_", text)
    return _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


class NoncharacterError(ValueError):
    """U+FFFE or U+FFFF in a text: no XLSX cell can hold them. XML has no such
    characters, and the ``_xFFFE_`` escape is left undecoded by calamine, so the
    text would come back changed (and be written to LivePerson so)."""
