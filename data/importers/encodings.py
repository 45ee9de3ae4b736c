"""Which text encoding a CSV file is in, and which rows are not in it.

Files come as UTF-8 (with or without BOM) or as GBK/GB18030 (Excel in China; GB18030 is a
superset of GBK). A file that is UTF-8 in some rows and GBK in others (rows pasted together
from two exports) must be refused, not read: GB18030 decodes almost any byte sequence, so its
UTF-8 rows would be stored garbled without a word. How we tell:

- A first megabyte holding UTF-8 multi-byte characters settles UTF-8; DuckDB checks the rest
  as it reads, and a row that is not UTF-8 sends us back here to list every such row.
- Otherwise a file that decodes as UTF-8 to its end is UTF-8.
- Otherwise it is checked line by line while it is transcoded to UTF-8 (one streamed pass,
  chunk by chunk): a line with characters beyond U+07FF that is valid UTF-8 is UTF-8 (GBK
  text practically never is), a line that is not valid UTF-8 is GBK; a file with both kinds
  is refused, listing the rows that are not in the encoding of its first non-ASCII line, and
  so is a line valid in neither.
- UTF-16 (Excel's "Unicode text"; with or without BOM) is recognised by its byte-order mark
  or its zero bytes, and refused with a word on how to save the file.

Rows are numbered like every other problem's: the header is row 1, empty lines are not
counted, and a line break inside a quoted value continues its row.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import BinaryIO

import numpy as np

from data.importers.problems import MAX_PROBLEMS_PER_RULE, ImportRejected, Problem, rejected

UTF8, GB18030 = "utf-8", "gb18030"
CHUNK_BYTES = 1 << 20
# UTF-16 of CSV text has a zero byte in most code units (digits, delimiters, line ends, Latin
# letters; CJK characters have none): a quarter of the even or odd bytes is far beyond a stray NUL.
UTF16_ZERO_SHARE = 0.25
UTF16_SAMPLE_BYTES = 1 << 16
UTF16_MIN_PAIRS = 16  # a header row alone is longer; a tiny file with one NUL is not UTF-16
_SHOWN_CHARS = 200


@dataclass
class _Lines:
    """Physical lines (0-based) of one kind: how many, and the first ones."""

    count: int = 0
    first: list[int] = field(default_factory=list)

    def add(self, index: int) -> None:
        self.extend(index, [0])

    def extend(self, base: int, indices: list[int]) -> None:
        self.count += len(indices)
        room = MAX_PROBLEMS_PER_RULE - len(self.first)
        self.first.extend(base + i for i in indices[:room])


@dataclass
class _Scan:
    utf8: _Lines = field(default_factory=_Lines)  # valid UTF-8 with characters beyond U+07FF
    not_utf8: _Lines = field(default_factory=_Lines)
    not_gb18030: _Lines = field(default_factory=_Lines)
    non_ascii: int = 0
    first_valid_utf8: int | None = None  # the first non-ASCII line valid as UTF-8, of any characters
    unsafe: bool = False  # control characters (data.importers.text) in the decoded text


def sniff(path: Path, label: str) -> str:
    """UTF8 or GB18030 (still to be checked by ``transcode``); UTF-16 is refused."""
    with path.open("rb") as f:
        head = f.read(CHUNK_BYTES)
    refuse_utf16(head, label)
    try:
        head_text = codecs.getincrementaldecoder(UTF8)().decode(head)
    except UnicodeDecodeError:
        return GB18030
    if not head_text.isascii() or _decodes_as_utf8(path):
        return UTF8
    return GB18030


def refuse_utf16(head: bytes, label: str) -> None:
    sample = head[:UTF16_SAMPLE_BYTES]
    pairs = len(sample) // 2
    with_bom = sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    # One of the two bytes of a code unit: NULs padding a broken export fall on both alike.
    low, high = sorted((sample[0::2].count(0), sample[1::2].count(0)))
    if with_bom or (pairs >= UTF16_MIN_PAIRS and high >= UTF16_ZERO_SHARE * pairs and low * 4 <= high):
        raise rejected("the file is UTF-16", label, "utf16")


def line_chunks(f: BinaryIO) -> Iterator[bytes]:
    """About a megabyte at a time, each ending at a line end (or the end of the file)."""
    while chunk := f.read(CHUNK_BYTES):
        if not chunk.endswith(b"\n"):
            chunk += f.readline()
        yield chunk


def transcode(source: Path, target: Path, label: str, unsafe: Callable[[bytes], bool]) -> bool:
    """Write GB18030 ``source`` to ``target`` as UTF-8, checking every line on the way (see the
    module's description); refuse a file that mixes encodings. Whether the text holds
    characters that ``unsafe`` (UTF-8 bytes → bool) finds."""
    with source.open("rb") as src, target.open("wb") as dst:
        scan = _scan(src, dst, unsafe)
    if scan.utf8.count and scan.not_utf8.count:
        utf8_first = scan.utf8.first[0] < scan.not_utf8.first[0]
        raise _mixed(source, label, scan, UTF8 if utf8_first else GB18030)
    if scan.not_gb18030.count:
        if 2 * scan.not_gb18030.count > scan.non_ascii:  # not text in either: nothing to list
            raise rejected("unreadable encoding", label, "bad_encoding")
        raise _rows_rejected(
            source,
            label,
            f"neither UTF-8 nor GBK/GB18030 text in {scan.not_gb18030.count} line(s)",
            [("bad_encoding_line", scan.not_gb18030, UTF8)],
        )
    return scan.unsafe


def not_utf8_rows(path: Path, label: str) -> ImportRejected | None:
    """For a file read as UTF-8 in which DuckDB found invalid UTF-8: the refusal listing every
    row that is not UTF-8 (None if none is found, which should not happen)."""
    with path.open("rb") as f:
        scan = _scan(f, None, None)
    if not scan.not_utf8.count:
        return None
    return _mixed(path, label, scan, UTF8)


def _decodes_as_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder(UTF8)()
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _scan(src: BinaryIO, dst: BinaryIO | None, unsafe: Callable[[bytes], bool] | None) -> _Scan:
    """Classify every non-ASCII line, whole chunks at a time where possible (a Python loop per
    line would triple the time of a GBK import); with ``dst``, write the GB18030 text as UTF-8."""
    scan = _Scan()
    base = 0  # physical lines before this chunk
    for chunk in line_chunks(src):
        if chunk.isascii():
            if dst is not None:
                dst.write(chunk)
                scan.unsafe = scan.unsafe or unsafe(chunk)
            base += chunk.count(b"\n")
            continue
        _classify_utf8(chunk, base, scan)
        try:
            text = chunk.decode(GB18030)
        except UnicodeDecodeError:
            text = None
            for index, line in enumerate(chunk.split(b"\n")):
                try:
                    line.decode(GB18030)
                except UnicodeDecodeError:
                    scan.not_gb18030.add(base + index)
        if dst is not None and text is not None:
            data = text.encode(UTF8)
            dst.write(data)
            scan.unsafe = scan.unsafe or unsafe(data)
        base += chunk.count(b"\n")
    return scan


def _classify_utf8(chunk: bytes, base: int, scan: _Scan) -> None:
    """Note the chunk's non-ASCII lines that are valid UTF-8 and those that are not. Per-line
    tests run as C loops (``map``) into numpy flags: a Python loop over the million lines of a
    GBK file would cost seconds."""
    try:
        text, lossy = chunk.decode(UTF8), False
    except UnicodeDecodeError:
        # Invalid bytes become U+FFFD (never swallowing a line end), so the lines still align.
        text, lossy = chunk.decode(UTF8, "replace"), True
    lines = text.split("\n")
    non_ascii = ~np.fromiter(map(str.isascii, lines), bool, len(lines))
    scan.non_ascii += int(np.count_nonzero(non_ascii))
    if lossy:
        invalid = np.fromiter(map(str.__contains__, lines, repeat("\ufffd")), bool, len(lines))
        if b"\xef\xbf\xbd" in chunk:  # a U+FFFD written in the file itself is valid UTF-8
            raw = chunk.split(b"\n")
            for i in np.flatnonzero(invalid):
                invalid[i] = not _is_utf8(raw[i])
        scan.not_utf8.extend(base, np.flatnonzero(invalid).tolist())
        non_ascii &= ~invalid
    valid = np.flatnonzero(non_ascii).tolist()
    if valid and scan.first_valid_utf8 is None:
        scan.first_valid_utf8 = base + valid[0]
    scan.utf8.extend(base, [i for i in valid if max(lines[i]) > "\u07ff"])


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode(UTF8)
    except UnicodeDecodeError:
        return False
    return True


def _mixed(path: Path, label: str, scan: _Scan, chosen: str) -> ImportRejected:
    """A file in two encodings: the rows not in ``chosen``, the encoding of its first line."""
    if chosen == UTF8:
        first = scan.first_valid_utf8 or 0
        kinds = [("not_utf8_line", scan.not_utf8, GB18030)]
        message = f"the file mixes encodings: UTF-8, but not in {scan.not_utf8.count} line(s)"
    else:
        first = scan.not_utf8.first[0]
        kinds = [("utf8_in_gbk", scan.utf8, UTF8), ("bad_encoding_line", scan.not_gb18030, UTF8)]
        message = f"the file mixes encodings: GBK/GB18030, but UTF-8 in {scan.utf8.count} line(s)"
    return _rows_rejected(path, label, f"{message}: save the whole file as CSV UTF-8", kinds, first)


def _rows_rejected(path, label, message, kinds, first: int | None = None) -> ImportRejected:
    """One problem per row of the listed lines, showing the line as ``shown_as`` decodes it."""
    wanted = {index for _, lines, _ in kinds for index in lines.first}
    rows, texts = _rows_of(path, wanted | ({first} if first is not None else set()))
    params = {"first": str(rows[first])} if first is not None else {}
    problems, seen = [], set()
    for code, lines, shown_as in kinds:
        for index in lines.first:
            if rows[index] in seen:  # a quoted value spanning lines, or a line of two kinds
                continue
            seen.add(rows[index])
            shown = texts[index].decode(shown_as, "replace").rstrip("\r")[:_SHOWN_CHARS]
            problems.append(Problem(label, rows[index], None, shown, code, params))
    problems.sort(key=lambda p: p.row)
    return ImportRejected(message, problems)


def _rows_of(path: Path, wanted: set[int]) -> tuple[dict[int, int], dict[int, bytes]]:
    """The spreadsheet row and the bytes of each wanted physical line (a second pass, run only
    when a file is refused)."""
    rows, texts = {}, {}
    row, quoted = 0, False
    last = max(wanted, default=-1)
    with path.open("rb") as f:
        for index, line in enumerate(f):
            if index > last:
                break
            if not quoted and line.strip(b"\r\n"):
                row += 1
            if index in wanted:
                rows[index], texts[index] = row, line[: 4 * _SHOWN_CHARS].rstrip(b"\n")
            if line.count(b'"') % 2:
                quoted = not quoted
    return rows, texts
