"""Issue 12 item 4: an approved version is one sealed record, vouched for by the report's
hash-chained audit trail. Each tampering below is done the way someone with write access to
the database file would (plain SQL on a real DuckDB file, after a real approval through the
workflow): verification names it, no download hands the version out, export refuses instead
of rendering live data, and publishing or archiving refuses and writes nothing."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import duckdb
import pytest
from cli import manage
from workflow_helpers import PROJECT, act, report_in_state, seed

from data import migrations
from data.db import Database
from data.projects import load_project_file
from domain.periods import Period
from reporting import archive, audit_chain, digests, workflow
from reporting.archive import Rendition, TamperedVersion
from reporting.digests import sha256_hex
from reporting.documents import FrozenCopy, export_documents, frozen_documents
from reporting.export import FORMATS
from reporting.roles import make_actor
from reporting.workflow import TamperedReport, WorkflowError

ROOT = Path(__file__).resolve().parents[1]
OCT = Period.parse("2026-10")
# Every format an approval freezes, as real approvals do (drafting.approve renders them all).
FULL = Rendition(
    {
        "docx": b"PK\x03\x04 approved docx",
        "pdf": b"%PDF-1.7 approved pdf",
        "xlsx": b"PK\x03\x04 approved xlsx",
        "zip": b"PK\x03\x04 approved charts",
    },
    {"kpis": {"csat_avg": {"value": 4.2}}},
)
TABLES = ("reports", "report_versions", "report_version_documents", "audit_events", "corrective_actions")


def approve_with_comment(path, cast, period: Period, kind: str, state: str):
    """create, submit, comment, approve (with every format) and, for "published", publish."""
    report = workflow.create_draft(cast.author, PROJECT, period, kind, db=Database.open(path))
    report = act(path, cast, report, "submit", "author")
    report = act(path, cast, report, "comment", "approver", comment="数据已核对")
    report = act(path, cast, report, "approve", "approver", rendition=FULL)
    if state == "published":
        report = act(path, cast, report, "publish", "approver")
    assert report.state == state
    return report


@pytest.fixture
def world(db_path):
    cast = seed(db_path)
    approved = approve_with_comment(db_path, cast, OCT, "external", "approved")  # 4 events
    published = approve_with_comment(db_path, cast, OCT, "internal", "published")  # 5 events
    return db_path, cast, approved, published


def dump(path: Path) -> dict[str, list]:
    """Every row of the workflow tables: what "nothing written" is compared with."""
    con = Database.open(path)
    return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in TABLES}


# --- tamperings: (name, SQL-level change, the problem verification must name, or a callable) ----


def _sql(statement: str):
    def run(path, report_id):
        Database.open(path).execute(statement, [report_id])

    return run


def _replace_document(path, report_id):
    con = Database.open(path)
    forged = b"%PDF-1.7 forged, with its own sha256"
    con.execute(
        "UPDATE report_version_documents SET document = ?, sha256 = ? WHERE report_id = ? AND format = 'pdf'",
        [forged, sha256_hex(forged), report_id],
    )


def _replace_snapshot(path, report_id):
    con = Database.open(path)
    (snapshot,) = con.execute(
        "SELECT snapshot FROM report_versions WHERE report_id = ?", [report_id]
    ).fetchone()
    forged = snapshot.replace("4.2", "4.9")
    con.execute(
        "UPDATE report_versions SET snapshot = ?, snapshot_sha256 = ? WHERE report_id = ?",
        [forged, sha256_hex(forged), report_id],
    )


def _reseal_after_narrative_change(path, report_id):
    """Change the narrative and recompute the manifest and the seal on the version row."""
    con = Database.open(path)
    (manifest,) = con.execute(
        "SELECT seal_manifest FROM report_versions WHERE report_id = ?", [report_id]
    ).fetchone()
    narrative = json.dumps({"next_plan": "伪造的计划"}, ensure_ascii=False)
    fields = json.loads(manifest) | {"narrative_sha256": sha256_hex(narrative)}
    forged = digests.canonical_json(fields)
    con.execute(
        "UPDATE report_versions SET narrative = ?, seal_manifest = ?, seal_sha256 = ? WHERE report_id = ?",
        [narrative, forged, sha256_hex(forged), report_id],
    )


def _rehash_altered_comment(path, report_id):
    """Alter the comment and recompute that event's own hash: the next event's link breaks."""
    con = Database.open(path)
    con.execute(
        "UPDATE audit_events SET comment = '无异议' WHERE report_id = ? AND action = 'comment'", [report_id]
    )
    with Database.open(path).session() as s:
        event = next(e for e in audit_chain.report_events(s, report_id) if e.action == "comment")
        event_id, digest = event.event_id, audit_chain.event_digest(event)
    con.execute("UPDATE audit_events SET event_hash = ? WHERE event_id = ?", [digest, event_id])


TAMPERINGS = {
    "pdf row deleted": (
        _sql("DELETE FROM report_version_documents WHERE format = 'pdf' AND report_id = ?"),
        "PDF document missing",
    ),
    "document and its sha256 replaced": (
        _replace_document,
        "PDF document replaced since approval (the document and its sha256 were changed together)",
    ),
    "document bytes changed": (
        _sql(
            "UPDATE report_version_documents SET document = 'forged'::BLOB"
            " WHERE format = 'xlsx' AND report_id = ?"
        ),
        "XLSX document bytes differ from the sha256 recorded at approval",
    ),
    "document added": (
        _sql(
            "INSERT INTO report_version_documents SELECT report_id, version, 'zip', document, sha256"
            " FROM report_version_documents WHERE format = 'docx' AND report_id = ?"
        ),
        "constraint",  # the key (report, version, format) already holds a zip: see below
    ),
    "narrative changed": (
        _sql('UPDATE report_versions SET narrative = \'{"next_plan": "改过的计划"}\' WHERE report_id = ?'),
        "narrative changed since approval",
    ),
    "approver changed": (
        _sql("UPDATE report_versions SET approver_id = 'someone-else' WHERE report_id = ?"),
        "approver changed since approval",
    ),
    "approval time changed": (
        _sql("UPDATE report_versions SET approved_at = approved_at - INTERVAL 3 DAY WHERE report_id = ?"),
        "approval time changed since approval",
    ),
    "author changed": (
        _sql("UPDATE report_versions SET author_id = 'someone-else' WHERE report_id = ?"),
        "author changed since approval",
    ),
    "period changed": (
        _sql("UPDATE reports SET period = '2026-11' WHERE id = ?"),
        "project, period or report kind changed since approval",
    ),
    "snapshot changed": (
        _sql("UPDATE report_versions SET snapshot = replace(snapshot, '4.2', '4.9') WHERE report_id = ?"),
        "figure snapshot differs from the sha256 recorded at approval",
    ),
    "snapshot and its sha256 replaced": (
        _replace_snapshot,
        "figure snapshot replaced since approval (the snapshot and its sha256 were changed together)",
    ),
    "manifest and seal recomputed": (
        _reseal_after_narrative_change,
        "the seal of V1 differs from the one the audit trail recorded at approval",
    ),
    "seal stripped to look legacy": (
        _sql("UPDATE report_versions SET seal_manifest = NULL, seal_sha256 = NULL WHERE report_id = ?"),
        "the seal record of V1 was changed",
    ),
    "audit row deleted": (
        _sql("DELETE FROM audit_events WHERE action = 'submit' AND report_id = ?"),
        "audit event 2 of {total} missing",
    ),
    "audit comment altered": (
        _sql("UPDATE audit_events SET comment = '无异议' WHERE action = 'comment' AND report_id = ?"),
        "audit event 3 of {total} altered",
    ),
    "audit comment altered and rehashed": (_rehash_altered_comment, "audit event 3 of {total} altered"),
    "approve event's seal altered": (
        _sql(
            "UPDATE audit_events SET seal_sha256 = repeat('0', 64) WHERE action = 'approve' AND report_id = ?"
        ),
        "audit event 4 of {total} altered",
    ),
    "newest audit row deleted": (
        _sql(
            "DELETE FROM audit_events WHERE report_id = $1 AND seq = "
            "(SELECT max(seq) FROM audit_events WHERE report_id = $1)"
        ),
        "audit event {total} of {total} missing",
    ),
}


@pytest.mark.parametrize("name", [n for n in TAMPERINGS if n != "document added"])
def test_each_tampering_is_named_and_blocks_download_export_publish_and_archive(world, name):
    path, cast, approved, published = world
    tamper, expected = TAMPERINGS[name]
    for report in (approved, published):
        tamper(path, report.id)
    for report, total in ((approved, 4), (published, 5)):
        wanted = expected.format(total=total)
        check = archive.verify(report.id, 1, db=Database.open(path))
        assert not check.ok and wanted in check.problems, check.problems
        assert check.sealed, "a sealed version never passes for one approved before sealing"
        with pytest.raises(TamperedVersion) as refused:
            archive.verified_version(report.id, 1, db=Database.open(path))
        assert wanted in refused.value.problems
        assert "未通过完整性校验" in str(refused.value) and wanted in str(refused.value)
        assert not archive.checked_version(report.id, 1, db=Database.open(path)).documents
        assert not archive.verify_report(report.id, db=Database.open(path)).ok

    if name != "period changed":  # the export looks the report up by its (changed) period
        with pytest.raises(TamperedVersion, match="failed verification"):
            frozen_documents(PROJECT, OCT, "external", db=Database.open(path))

    before = dump(path)
    with pytest.raises(TamperedReport, match="not published") as refused:
        act(path, cast, approved, "publish", "approver")
    assert isinstance(refused.value, WorkflowError) and wanted_in(expected, 4, refused.value)
    with pytest.raises(TamperedReport, match="not archived"):
        act(path, cast, published, "archive", "approver")
    assert dump(path) == before, "a refused publish or archive writes nothing"


def wanted_in(expected: str, total: int, error: TamperedVersion) -> bool:
    return expected.format(total=total) in error.problems


def test_a_second_row_for_a_sealed_format_is_refused_by_the_key_and_a_new_format_is_named(world):
    path, _, approved, _ = world
    con = Database.open(path)
    with pytest.raises(duckdb.ConstraintException):
        TAMPERINGS["document added"][0](path, approved.id)
    con.execute("DELETE FROM report_version_documents WHERE report_id = ? AND format = 'zip'", [approved.id])
    con.execute(
        "UPDATE report_version_documents SET format = 'zip' WHERE report_id = ? AND format = 'xlsx'",
        [approved.id],
    )
    problems = archive.verify(approved.id, 1, db=Database.open(path)).problems
    assert "XLSX document missing" in problems
    assert (
        "ZIP document replaced since approval (the document and its sha256 were changed together)" in problems
    )


def test_an_untampered_version_verifies_downloads_exports_publishes_and_archives(world, caplog):
    path, cast, approved, published = world
    check = archive.verify(approved.id, 1, db=Database.open(path))
    assert check.ok and check.problems == () and check.sealed
    assert check.status("en") == f"Sealed at approval; seal SHA-256 {check.seal_sha256}"
    con = Database.open(path)
    rows = con.execute(
        "SELECT seq, action, seal_sha256, prev_hash, event_hash FROM audit_events"
        " WHERE report_id = ? ORDER BY seq",
        [approved.id],
    ).fetchall()
    assert [(seq, action) for seq, action, *_ in rows] == [
        (1, "create"), (2, "submit"), (3, "comment"), (4, "approve"),
    ]  # fmt: skip
    assert rows[3][2] == check.seal_sha256, "the approve event carries the seal"
    assert rows[0][3] == "" and all(rows[i][3] == rows[i - 1][4] for i in range(1, 4)), (
        "each links to the last"
    )
    assert check.chain_head == rows[-1][4]
    (manifest,) = con.execute(
        "SELECT seal_manifest FROM report_versions WHERE report_id = ?", [approved.id]
    ).fetchone()
    sealed = json.loads(manifest)
    assert sha256_hex(manifest) == check.seal_sha256
    assert sealed["formats"] == {fmt: sha256_hex(data) for fmt, data in FULL.documents.items()}
    assert (sealed["project_id"], sealed["period"], sealed["report_kind"]) == (PROJECT, "2026-10", "external")
    assert sealed["approver_id"] == cast.approver.user_id and sealed["author_id"] == cast.author.user_id

    assert archive.verified_version(approved.id, 1, db=Database.open(path)).documents == FULL.documents
    assert frozen_documents(PROJECT, OCT, "external", db=Database.open(path)) == FrozenCopy(1, FULL.documents)
    for data in FULL.documents.values():
        assert archive.matches_file(approved.id, data, db=Database.open(path)) == 1

    with caplog.at_level(logging.INFO, logger="servicereport.audit"):
        after = act(path, cast, approved, "publish", "approver")
        act(path, cast, after, "archive", "approver")
    heads = [r.getMessage() for r in caplog.records if r.name == "servicereport.audit"]
    assert len(heads) == 2 and "(publish, V1)" in heads[0] and "(archive, V1)" in heads[1]
    final = archive.verify_report(approved.id, db=Database.open(path))
    assert final.ok and final.chain_head in heads[1], "the logged head is the chain's head"
    assert archive.verify_report(published.id, db=Database.open(path)).ok


def test_a_new_version_is_sealed_and_the_earlier_one_stays_verified(world):
    path, cast, approved, _ = world
    report = act(path, cast, approved, "edit", "author", narrative={"next_plan": "第二版"})
    report = act(path, cast, report, "submit", "author")
    report = act(path, cast, report, "approve", "approver", rendition=FULL)
    first, second = (
        archive.verify(report.id, 1, db=Database.open(path)),
        archive.verify(report.id, 2, db=Database.open(path)),
    )
    assert first.ok and second.ok and first.seal_sha256 != second.seal_sha256
    assert second.chain_head == first.chain_head, "one chain per report"


def test_a_sealed_version_without_every_format_is_not_exported_from_live_data(db_path):
    """Only a version approved before every format was frozen may have formats rendered live."""
    cast = seed(db_path)
    partial = Rendition({"docx": FULL.documents["docx"]}, FULL.snapshot)
    report = report_in_state(db_path, cast, "submitted", OCT)
    act(db_path, cast, report, "approve", "approver", rendition=partial)
    assert archive.verify(report.id, 1, db=Database.open(db_path)).ok
    assert archive.verified_version(report.id, 1, db=Database.open(db_path)).documents == partial.documents
    with pytest.raises(TamperedVersion, match="PDF was not frozen at approval"):
        frozen_documents(PROJECT, OCT, "external", db=Database.open(db_path))


def test_the_formats_approval_freezes_are_the_export_formats():
    assert set(archive.FROZEN_FORMATS) == set(FORMATS)


def test_problems_read_in_chinese_too(world):
    path, cast, approved, _ = world
    Database.open(path).execute(
        "DELETE FROM report_version_documents WHERE report_id = ? AND format = 'pdf'", [approved.id]
    )
    check = archive.verify(approved.id, 1, db=Database.open(path))
    assert digests.problems_text(check.issues, "zh_CN") == "PDF 文件缺失"
    with pytest.raises(TamperedReport) as refused:
        act(path, cast, approved, "publish", "approver")
    assert "未发布" in str(refused.value) and "not published" in str(refused.value)


# --- the command line -------------------------------------------------------------------------------


def test_reports_verify_and_export_on_the_command_line(world, tmp_path):
    path, _, approved, _ = world
    Database.open(path).execute(
        "UPDATE audit_events SET comment = '无异议' WHERE action = 'comment' AND report_id = ?", [approved.id]
    )
    done = manage("reports", "verify", approved.id, "--db", str(path))
    assert done.returncode == 1, done.stderr
    assert "audit event 3 of 4 altered" in done.stdout and "FAILED" in done.stdout

    out = tmp_path / "out"
    done = manage(
        "export", "--db", str(path), "--project", PROJECT, "--period", OCT.label, "--kind", "external",
        "--format", "pdf", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 2 and "audit event 3 of 4 altered" in done.stderr
    assert "Traceback" not in done.stderr and not out.exists(), "refused, not rendered from live data"

    _, _, _, published = world
    done = manage("reports", "verify", published.id, "--db", str(path), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["ok"] and result["versions"][0]["sealed"] and len(result["chain_head"]) == 64


# --- a database from before sealing -----------------------------------------------------------------


def _database_before(
    tmp_path: Path, monkeypatch, first_missing: int
) -> tuple[Path, duckdb.DuckDBPyConnection]:
    older = tmp_path / f"before_{first_missing:04d}"
    older.mkdir()
    for version, _, source in migrations.available():
        if version < first_missing:
            shutil.copy(source, older / source.name)
    real = migrations.MIGRATIONS_DIR
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", older)
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    migrations.apply_migrations(con)
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", real)
    return path, con


def _legacy_approved_report(con, report_id: str, period: str, documents: dict[str, bytes]) -> None:
    """An approved report as the workflow wrote it between migrations 0004 and 0005."""
    con.execute(
        "INSERT INTO reports (id, project_id, period, period_kind, report_kind, state, due_date,"
        " author_id, approver_id, lock_version, approved_at)"
        " VALUES (?, ?, ?, 'month', 'external', 'approved', '2026-10-12', 'pm', 'boss', 2, now())",
        [report_id, PROJECT, period],
    )
    for action, before, after, who in (
        ("create", None, "draft", "pm"),
        ("submit", "draft", "submitted", "pm"),
        ("approve", "submitted", "approved", "boss"),
    ):
        con.execute(
            "INSERT INTO audit_events (event_id, report_id, version, actor_id, action, from_state, to_state)"
            " VALUES (?, ?, 1, ?, ?, ?, ?)",
            [f"{report_id}-{action}", report_id, who, action, before, after],
        )
    snapshot = '{"kpis":{}}'
    con.execute(
        "INSERT INTO report_versions (report_id, version, narrative, snapshot, snapshot_sha256, author_id,"
        " approver_id, approved_at) VALUES (?, 1, '{}', ?, ?, 'pm', 'boss', now())",
        [report_id, snapshot, sha256_hex(snapshot)],
    )
    for fmt, data in documents.items():
        con.execute(
            "INSERT INTO report_version_documents VALUES (?, 1, ?, ?, ?)",
            [report_id, fmt, data, sha256_hex(data)],
        )


def test_an_older_database_keeps_its_versions_unsealed_and_chains_their_events_from_then_on(
    tmp_path, monkeypatch
):
    path, con = _database_before(tmp_path, monkeypatch, 5)
    _legacy_approved_report(con, "old", "2026-09", FULL.documents)
    _legacy_approved_report(con, "gap", "2026-08", {f: FULL.documents[f] for f in ("docx", "xlsx", "zip")})
    assert migrations.apply_migrations(con)[0] == 5
    con.close()
    try:
        check = archive.verify("old", 1, db=Database.open(path))
        assert check.ok and not check.sealed and check.seal_sha256 is None
        assert check.status("en").startswith("Sealed: no (approved before sealing)")
        assert check.status("zh_CN").startswith("封存：否")
        assert archive.verified_version("old", 1, db=Database.open(path)).documents == FULL.documents
        # frozen at approval but gone now: missing, not rendered again
        assert archive.verify("gap", 1, db=Database.open(path)).problems == ("PDF document missing",)

        boss = make_actor("boss", "boss", "Boss", "approver", False, ())
        workflow.transition("old", "publish", boss, expected_lock=2, db=Database.open(path))
        published = archive.verify("old", 1, db=Database.open(path))
        assert published.ok and not published.sealed and published.chain_head
        (seq, prev) = (
            Database.open(path)
            .execute("SELECT seq, prev_hash FROM audit_events WHERE report_id = 'old' AND action = 'publish'")
            .fetchone()
        )
        assert seq == 4 and len(prev) == 64, "the first chained event links to the events before sealing"

        Database.open(path).execute("DELETE FROM audit_events WHERE event_id = 'old-submit'")
        assert archive.verify("old", 1, db=Database.open(path)).problems == (
            "audit events 1 to 3 of 4 (recorded before sealing) missing or altered",
        )
        with pytest.raises(TamperedVersion):
            archive.verified_version("old", 1, db=Database.open(path))
    finally:
        Database.open(path).close()


def test_a_version_from_before_0004_still_has_its_other_formats_rendered(tmp_path, monkeypatch):
    path, con = _database_before(tmp_path, monkeypatch, 4)
    docx = FULL.documents["docx"]
    con.execute(
        "INSERT INTO reports (id, project_id, period, period_kind, report_kind, state, due_date,"
        " author_id, approver_id, lock_version, approved_at)"
        " VALUES ('r0', ?, '2026-09', 'month', 'external', 'approved', '2026-10-12', 'pm', 'boss', 0, now())",
        [PROJECT],
    )
    con.execute(
        "INSERT INTO audit_events (event_id, report_id, version, actor_id, action, to_state)"
        " VALUES ('r0-create', 'r0', 1, 'pm', 'create', 'approved')"
    )
    con.execute(
        "INSERT INTO report_versions VALUES ('r0', 1, '{}', '{}', ?, 'docx', ?, ?, 'pm', 'boss', now())",
        [docx, sha256_hex(docx), sha256_hex("{}")],
    )
    migrations.apply_migrations(con)
    con.close()
    try:
        assert archive.verify("r0", 1, db=Database.open(path)).ok
        load_project_file(ROOT / "data" / "demo_projects" / f"{PROJECT}.toml", db=Database.open(path))
        september = Period.parse("2026-09")
        assert frozen_documents(PROJECT, september, "external", db=Database.open(path)) == FrozenCopy(
            1, {"docx": docx}
        )
        files = export_documents(
            project_id=PROJECT,
            period=september,
            kind="external",
            formats=["docx", "xlsx"],
            db=Database.open(path),
        )
        assert [(f.fmt, f.name) for f in files] == [
            ("docx", f"{PROJECT}_2026-09_服务报告_V1.docx"),  # the frozen file, with its version
            ("xlsx", f"{PROJECT}_2026-09_服务报告.xlsx"),  # rendered now: no version of its own
        ]
        assert files[0].data == docx and files[1].data[:2] == b"PK"
    finally:
        Database.open(path).close()


def test_a_version_unsealed_after_sealing_began_is_refused(db_path):
    """A version row written without the workflow (no seal, no approve event in the chain)."""
    cast = seed(db_path)
    report = report_in_state(db_path, cast, "submitted", OCT)
    con = Database.open(db_path)
    con.execute(
        "INSERT INTO report_versions (report_id, version, narrative, snapshot, snapshot_sha256, author_id,"
        " approver_id, approved_at) VALUES (?, 1, '{}', '{}', ?, 'pm', 'boss', now())",
        [report.id, sha256_hex("{}")],
    )
    con.execute(
        "INSERT INTO report_version_documents VALUES (?, 1, 'docx', 'x'::BLOB, ?)",
        [report.id, sha256_hex(b"x")],
    )
    problems = archive.verify(report.id, 1, db=Database.open(db_path)).problems
    assert "V1 has no seal although it was approved after sealing began" in problems


def test_a_frozen_version_keeps_its_number_in_its_file_name_whatever_the_project_id():
    from reporting.export import file_name

    assert (
        file_name("demo-erp", "2026-10", "external", "zh_CN", "zip", 2)
        == "demo-erp_2026-10_服务报告_V2.charts.zip"
    )
    assert file_name("demo-erp", "2026-10", "internal", "en", "pdf") == "demo-erp_2026-10_Service_Summary.pdf"
    long_id = "p" * 64
    names = {file_name(long_id, "2026-10", "external", "zh_CN", "pdf", v) for v in (1, 2)}
    assert len(names) == 2 and all(name.endswith(("_V1.pdf", "_V2.pdf")) for name in names)
