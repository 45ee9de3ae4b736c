"""Issue 12 items 6 and 8 through the command line, as a user runs it: control characters are
cleaned with a warning per row and column; a file mixing UTF-8 and GBK, UTF-16 without a
byte-order mark, an unclosed quote and a 20 MB value are refused in our words, saying where,
and leave the database byte-identical; dates before 1990 or over a year ahead are warned
about and imported."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from cli import manage
from fixtures_import import PROJECT, PROJECT_TOML, TICKET_HEADER, make_project, write_csv

from data.importers import import_file
from data.importers.encodings import CHUNK_BYTES
from data.importers.readers import column_values, file_columns

HEADER = ",".join(TICKET_HEADER) + "\n"


@pytest.fixture(scope="module")
def seeded_db(tmp_path_factory) -> Path:
    """A database with the project and one imported ticket, copied for each test."""
    folder = tmp_path_factory.mktemp("awkward")
    path = folder / "seed.duckdb"
    (folder / "p.toml").write_text(PROJECT_TOML, encoding="utf-8")
    assert manage("projects", "load", str(folder / "p.toml"), "--db", str(path)).returncode == 0
    seed = write_csv(
        folder / "seed.csv",
        [TICKET_HEADER, ["OLD-1", "incident", "P1", "closed", "旧工单", "2026-09-01", ""]],
    )
    assert run_import(seed, path).returncode == 0
    assert not Path(f"{path}.wal").exists()
    return path


@pytest.fixture
def db_file(seeded_db, tmp_path) -> Path:
    return Path(shutil.copyfile(seeded_db, tmp_path / "test.duckdb"))


def run_import(path: Path, db_file: Path) -> subprocess.CompletedProcess:
    return manage("import", str(path), "--preset", "native", "--project", PROJECT, "--db", str(db_file))


def digest(db_file: Path) -> str:
    """The database's bytes (and its write-ahead log, if one was left)."""
    wal = Path(f"{db_file}.wal")
    data = db_file.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    return hashlib.sha256(data).hexdigest()


def refused(path: Path, db_file: Path) -> str:
    """Import ``path``; assert it is refused and nothing changed; the error output."""
    before = digest(db_file)
    done = run_import(path, db_file)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "import rejected, database unchanged" in done.stderr
    assert "Traceback" not in done.stderr and "CSV Error" not in done.stderr, "DuckDB's words, not ours"
    assert digest(db_file) == before
    return done.stderr


def stored(db_file: Path, columns: str) -> dict:
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        rows = con.execute(
            f"SELECT ticket_id, {columns} FROM tickets WHERE project_id = ?", [PROJECT]
        ).fetchall()
    finally:
        con.close()
    return {row[0]: row[1:] for row in rows}


def ascii_rows(count: int, first: int = 0) -> str:
    return "".join(
        f"A-{i},incident,P3,new,plain title {i},2026-10-01 09:00,\n" for i in range(first, first + count)
    )


def test_control_characters_are_cleaned_with_a_warning_per_row_and_column(db_file, tmp_path):
    """Item 6: a vertical tab, NUL and others import cleaned, each reported where it was."""
    rows = [
        TICKET_HEADER,
        ["C-1", "incident", "P2", "new", "数据库\x0b主库宕机", "2026-10-01 09:00", ""],
        ["C-2", "incident", "P2", "new", "正常标题", "2026-10-01 09:00", ""],
        ["C-3\x00", "request", "P3\x1f", "new", "磁盘\x0c写满\x7f告警\x85处理", "2026-10-02 09:00", ""],
    ]
    done = run_import(write_csv(tmp_path / "ctrl.csv", rows), db_file)
    assert done.returncode == 0, done.stderr
    assert "3 inserted" in done.stdout and "0 rejected" in done.stdout
    warning = "control characters (shown here as ␀ ␋ …) removed, or replaced by a space"
    for where in (
        "ctrl.csv:2 [title] '数据库␋主库宕机'",
        "ctrl.csv:4 [ticket_id] 'C-3␀'",
        "ctrl.csv:4 [priority] 'P3␟'",
        "ctrl.csv:4 [title] '磁盘␌写满␡告警\x85处理'".replace("\x85", "�"),
    ):
        assert f"warning: {where}: {warning}" in done.stdout, done.stdout
    assert "ctrl.csv:3" not in done.stdout
    titles = stored(db_file, "title, priority")
    assert titles["C-1"] == ("数据库 主库宕机", "P2")
    assert titles["C-3"] == ("磁盘 写满告警 处理", "P3")


def test_control_character_warnings_reach_the_import_page_in_both_languages(tmp_path, con):
    """The page lists ``ImportResult.problems`` (warnings included) in the user's language."""
    make_project(con)
    path = write_csv(
        tmp_path / "ctrl.csv", [TICKET_HEADER, ["C-1", "incident", "P2", "", "a\x0bb", "2026-10-01", ""]]
    )
    result = import_file(path, preset="native", project_id=PROJECT, user="t", db=con)
    [warning] = result.warnings
    assert (warning.row, warning.column, warning.value) == (2, "title", "a␋b")
    assert warning.reason_in("zh_CN").startswith("含有控制字符")


@pytest.mark.parametrize("first", ["gbk", "utf-8"])
def test_a_file_mixing_gbk_and_utf8_after_an_ascii_megabyte_is_refused_with_its_rows(
    db_file, tmp_path, first
):
    """Item 8a: the first megabyte is ASCII; then rows in GBK and rows in UTF-8. GB18030 would
    decode the UTF-8 rows into garbage without a word: refused, naming the rows that are not in
    the encoding of the file's first Chinese row."""
    second = "utf-8" if first == "gbk" else "gbk"
    plain = ascii_rows(20_000)
    assert len(HEADER + plain) > CHUNK_BYTES
    head = len(plain.splitlines()) + 1  # the last ASCII row
    chinese = [
        (first, "M-1,事件,P1,新建,数据库故障,2026-10-01 09:00,\n"),  # row head + 1
        (second, "M-2,事件,P1,新建,网络中断,2026-10-01 10:00,\n"),  # head + 2
        (first, "M-3,事件,P1,新建,存储告警,2026-10-01 11:00,\n"),  # head + 3
        (second, 'M-4,事件,P1,新建,"应用\n超时",2026-10-01 12:00,\n'),  # head + 4, over two lines
        (first, "M-5,事件,P1,新建,备份失败,2026-10-01 13:00,\n"),  # head + 5
    ]
    data = (HEADER + plain).encode() + b"".join(text.encode(enc) for enc, text in chinese)
    (tmp_path / "mixed.csv").write_bytes(data)
    errors = refused(tmp_path / "mixed.csv", db_file)
    if first == "gbk":
        reason = f"this row is UTF-8 text, though the file is GBK/GB18030 before it (row {head + 1})"
    else:
        reason = f"this row is not UTF-8 text (GBK?), though the file is UTF-8 before it (row {head + 1})"
    listed = [line for line in errors.splitlines() if line.startswith("error:")]
    assert len(listed) == 2, errors
    assert (
        listed[0].startswith(f"error: mixed.csv:{head + 2} 'M-2,事件,P1,新建,网络中断")
        and reason in listed[0]
    )
    assert listed[1].startswith(f"error: mixed.csv:{head + 4} 'M-4,") and reason in listed[1]
    assert "save it all as CSV UTF-8" in listed[0]


def test_utf16_without_a_byte_order_mark_is_refused_in_our_words(db_file, tmp_path):
    """Item 8b: Excel's "Unicode text" without its BOM (every other byte a zero)."""
    path = tmp_path / "unicode.csv"
    path.write_bytes((HEADER + "U-1,事件,P1,新建,数据库故障,2026-10-01 09:00,\n").encode("utf-16-le"))
    errors = refused(path, db_file)
    assert "error: unicode.csv: the file is UTF-16 text" in errors
    assert "neither UTF-8 nor GBK/GB18030: save it as CSV UTF-8" in errors


def test_an_unclosed_quote_is_refused_with_its_row_and_column(db_file, tmp_path):
    """Item 8c: without the closing quote the rest of the file would be one title."""
    path = tmp_path / "quote.csv"
    text = HEADER + ascii_rows(3) + 'Q-1,incident,P1,new,"磁盘告警,2026-10-01 09:00,\n' + ascii_rows(3, 10)
    path.write_bytes(text.encode())
    errors = refused(path, db_file)
    assert "error: quote.csv:5 [title] '\"磁盘告警,2026-10-01 09:00,': a quote (\") opens a value" in errors
    assert "never closed" in errors and "a quote is never closed" in errors


def test_a_20_mb_value_is_refused_with_its_row_column_and_size(db_file, tmp_path):
    """Item 8d: one title of 20 MB (the limit per row is 16 MB)."""
    path = tmp_path / "huge.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER + ascii_rows(2))
        f.write('H-1,incident,P1,new,"' + "长" * (7 << 20) + '",2026-10-01 09:00,\n')
        f.write(ascii_rows(2, 10))
    assert path.stat().st_size > 20 << 20
    errors = refused(path, db_file)
    assert "error: huge.csv:4 [title]: this row is 21.0 MB long, more than the 16 MB a row may have" in errors


def test_dates_before_1990_or_over_a_year_ahead_are_imported_with_a_warning(db_file, tmp_path):
    """Item 8e: suspicious but storable, so imported; each reported with its row and column."""
    today = datetime.now(UTC).date()
    future = f"{today.year + 2}-{today.month:02d}-01 09:00"
    rows = [
        TICKET_HEADER,
        ["D-1", "incident", "P3", "resolved", "占位日期", "1900-01-01 00:00", "1900-01-02 00:00"],
        ["D-2", "incident", "P3", "new", "正常", "2026-10-01 09:00", ""],
        ["D-3", "incident", "P3", "resolved", "年份写错", "2026-10-01 09:00", future],
        ["D-4", "incident", "P3", "new", "1989 年", "1989-12-30 09:00", ""],
    ]
    done = run_import(write_csv(tmp_path / "dates.csv", rows), db_file)
    assert done.returncode == 0, done.stderr
    assert "4 inserted" in done.stdout and "0 rejected" in done.stdout
    early = "before 1990-01-01: imported as is; check it"
    latest = today.replace(year=today.year + 1, day=28 if (today.month, today.day) == (2, 29) else today.day)
    late = f"after {latest.isoformat()}, more than a year from today: imported as is"
    for where, reason in (
        ("dates.csv:2 [created_at] '1900-01-01 00:00'", early),
        ("dates.csv:2 [resolved_at] '1900-01-02 00:00'", early),
        (f"dates.csv:4 [resolved_at] '{future}'", late),
        ("dates.csv:5 [created_at] '1989-12-30 09:00'", early),
    ):
        assert f"warning: {where}: {reason}" in done.stdout, done.stdout
    assert "dates.csv:3" not in done.stdout
    assert set(stored(db_file, "title")) == {"OLD-1", "D-1", "D-2", "D-3", "D-4"}


def test_headers_named_key_and_value_are_read_as_two_columns(tmp_path):
    """read_csv's column list is a bound STRUCT; bound as a plain dict, exactly these two names
    would have turned it into a MAP and crashed DuckDB."""
    path = write_csv(tmp_path / "kv.csv", [["key", "value"], ["a", "1"], ["b", "1"]])
    assert file_columns(path, "kv.csv") == ["key", "value"]
    assert column_values(path, "kv.csv", "value") == ["1"]
