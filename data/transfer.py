"""Move a DuckDB file's data into PostgreSQL (``manage.py migrate-to``, DESIGN §9).

Every table the migrations create is copied whole, in one PostgreSQL transaction: a failure
leaves the target as it was. The target must be empty (a fresh database, migrated here), so
nothing is merged or overwritten. ``calendar_days`` is a cache that rebuilds itself and is
left out; the import batch ids go on from where the file left them.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from data.db import Database
from data.migrations import available
from data.sql import quote_ident

BATCH_ROWS = 200_000  # rows held in memory at a time, whatever the table's size
SKIPPED = ("schema_version", "calendar_days")
Progress = Callable[[float, str], None]


class TransferRefused(RuntimeError):
    """The source or target is not what a move needs; nothing was written."""


def tables(*, db: Database) -> list[str]:
    """The data tables of ``db``, in a stable order."""
    rows = db.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema IN ('main', 'public') AND table_type = 'BASE TABLE' ORDER BY table_name"
    ).fetchall()
    return [name for (name,) in rows if name not in SKIPPED]


def row_counts(names: list[str], *, db: Database) -> dict[str, int]:
    return {
        name: int(db.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchone()[0]) for name in names
    }


def move(*, source: Database, target: Database, progress: Progress | None = None) -> dict[str, int]:
    """Copy every table of the DuckDB ``source`` into the empty PostgreSQL ``target``; return
    the rows copied per table (checked against both sides' counts)."""
    report = progress or (lambda fraction, message: None)
    if source.backend != "duckdb" or target.backend != "postgresql":
        raise TransferRefused("migrate-to moves a DuckDB file (--db) into PostgreSQL (a postgresql:// URL)")
    latest = available()[-1][0]
    if source.schema_version() != latest or target.schema_version() != latest:
        raise TransferRefused(f"both databases must be at schema version {latest}")
    names = tables(db=source)
    expected = row_counts(names, db=source)
    already = {name: n for name, n in row_counts(names, db=target).items() if n}
    if already:
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(already.items()))
        raise TransferRefused(f"the target database is not empty: {listed}")
    total = max(sum(expected.values()), 1)
    done = 0
    with target.transaction() as tx:
        for name in names:
            reader = source.cursor().sql(f"SELECT * FROM {quote_ident(name)}").to_arrow_reader(BATCH_ROWS)
            for batch in reader:
                tx.append(name, pa.Table.from_batches([batch]))
                done += batch.num_rows
                report(0.9 * done / total, f"{name}: {batch.num_rows} rows")
        next_batch = "(SELECT coalesce(max(id), 0) + 1 FROM import_batches)"
        tx.execute(f"SELECT setval('import_batches_id_seq', {next_batch}, false)")
        copied = row_counts(names, db=tx)  # checked before COMMIT: a short copy is rolled back
        if copied != expected:
            differ = {n: (expected[n], copied[n]) for n in names if expected[n] != copied[n]}
            raise TransferRefused(f"row counts differ after the copy (source, target): {differ}")
    target.analyze(*names)
    report(1.0, "copied")
    return copied
