"""Characters no document may hold: the one definition that imports clean on the way in and the
report renderers (reporting/report_model.py) clean on the way out.

XML 1.0, the format inside DOCX and XLSX, forbids the C0 controls other than tab, line feed
and carriage return (a vertical tab pasted from a terminal, a NUL from a broken export: Word
and Excel refuse the file, openpyxl raises ``IllegalCharacterError``), lone surrogates and
U+FFFE/U+FFFF. DEL and the C1 controls are allowed there but show as nothing or as boxes in
every viewer, so they go too. Separators (vertical tab, form feed, the information separators,
next line) become a space, so that the words they stood between stay apart; the rest is removed.
"""

from __future__ import annotations

import re

import numpy as np

UNSAFE_RANGES = ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0xD800, 0xDFFF), (0xFFFE, 0xFFFF))
SPACED = "\x0b\x0c\x1c\x1d\x1e\x1f\x85"
REPLACEMENT = "\ufffd"
_SURROGATES = (0xD800, 0xDFFF)


def _character_class(ranges, char) -> str:
    return "[" + "".join(char(lo) if lo == hi else f"{char(lo)}-{char(hi)}" for lo, hi in ranges) + "]"


_UNSAFE = re.compile(_character_class(UNSAFE_RANGES, chr))
# The same classes for DuckDB (RE2); its strings are valid UTF-8, so they never hold a surrogate.
UNSAFE_SQL = _character_class([r for r in UNSAFE_RANGES if r != _SURROGATES], lambda c: f"\\x{{{c:x}}}")
SPACED_SQL = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in SPACED) + "]"
_C1_IN_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")  # U+0080-U+009F


def _replace(match: re.Match) -> str:
    return " " if match.group() in SPACED else ""


def clean_text(text: str) -> str:
    """``text`` without the characters above (separators become a space)."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_replace, text)


def visible(text: str) -> str:
    """``text`` with each unsafe character shown, for a problem report: C0 controls and DEL as
    their control pictures (U+2400..U+2421: ␀ ␋ ␡), the others as U+FFFD."""

    def picture(match: re.Match) -> str:
        code = ord(match.group())
        return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else REPLACEMENT

    return _UNSAFE.sub(picture, text)


def clean_sql(expression: str) -> str:
    """SQL cleaning the text ``expression`` as ``clean_text`` does."""
    spaced = f"regexp_replace({expression}, '{SPACED_SQL}', ' ', 'g')"
    return f"regexp_replace({spaced}, '{UNSAFE_SQL}', '', 'g')"


def has_unsafe_utf8(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds any of the characters above, at a few milliseconds per
    100 MB (a regular expression over the text would take seconds): one vectorised comparison
    of every byte, the rest byte searches. Callers pass whole lines, so no character is split."""
    octets = np.frombuffer(data, np.uint8)
    controls = octets[octets < 0x20]
    if np.any((controls != 0x0A) & (controls != 0x0D) & (controls != 0x09)) or b"\x7f" in data:
        return True
    if b"\xc2" in data and _C1_IN_UTF8.search(data):
        return True
    if b"\xef" not in data:
        return False
    starts = np.flatnonzero(octets[:-2] == 0xEF)  # U+FFFE, U+FFFF: EF BF BE, EF BF BF
    return bool(np.any((octets[starts + 1] == 0xBF) & (octets[starts + 2] >= 0xBE)))
