"""Cell values that break parsers: shared by the property tests and the inbox fuzz test."""

from __future__ import annotations

FULL_WIDTH_NIK = "".join(chr(0xFF10 + int(d)) for d in "3323011708750001")

# NIKs typed as text that SPEC §4.3 calls invalid: they never become a record.
BAD_NIK_TEXT = (
    "33230117O8750001",  # O for 0
    "3323011708750l01",  # l for 1
    "3323011708750I01",
    FULL_WIDTH_NIK,
    "332301170875000",  # 15 digits
    "33230117087500011",  # 17 digits
    "=1+1",
    "#REF!",
    "inf",
    "-inf",
    "3323011708750001😀",
)

NASTY: tuple[str, ...] = (
    *BAD_NIK_TEXT,
    # impossible and far-future dates
    "30-02-1975", "31-02-1980", "29-02-2001", "31-04-2001", "00-00-0000", "32/13/1999",
    "01-01-2999", "9999-12-31", "31 Desember 9999", "2958466", "99999999", "-1",
    # invisible and odd spaces
    "\u200b", "3323\u200b011708750001", "\u00a03323011708750001\u00a0", "\ufeffBUDI", "BUDI\u200bSANTOSO",
    " ", "\t", "\u3000",
    # formulas, long cells, emoji, spreadsheet error and float texts
    "=HYPERLINK(\"http://x\";\"klik\")", "+62812", "@SUM(A1)", "-", "'",
    "A" * 300, "😀", "BUDI 😀", "👨‍👩‍👧",
    "NaN", "nan", "NULL", "None", "#N/A", "#VALUE!", "#DIV/0!", "1e308", "1.7976931348623157E+308",
    # numbers where text is expected, text where numbers are
    "3.32301E+15", "3323011708750000", "3323011708750001.0", "'3323011708750001", "0", "1", "2", "5", "X",
    "\n", "a\nb", "\"", ";", ",", "\\",
)
