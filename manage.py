#!/usr/bin/env python
"""Command line of the Service Report Manager (DESIGN §6: a contract for automation).

Each sub-command parses its arguments here and calls the same functions the app uses.
Errors go to stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from data.db import DEFAULT_PATH, ENV_VAR, Database, DatabaseBusyError
from data.importers import PRESETS
from data.importers.native import TABLES
from data.transfer import TransferRefused
from domain.vocabulary import ORGANISATION_REPORT_KINDS, REPORT_KINDS, REPORT_STATES, ROLES
from locales import DEFAULT_LANGUAGE, LANGUAGES, translate
from reporting.export import DOCUMENT_FORMATS, FORMATS, rendering_in_this_process


def cmd_demo(args: argparse.Namespace) -> int:
    from data.demo import generate_demo

    db = Database.open(args.db)
    summary = generate_demo(tickets=args.tickets, seed=args.seed, progress=_print_progress, db=db)
    print(f"demo database {db.label}: " + ", ".join(f"{k}={v}" for k, v in summary.items()))
    return 0


def cmd_projects_load(args: argparse.Namespace) -> int:
    from data.projects import load_project_file

    project = load_project_file(args.file, db=Database.open(args.db))
    print(f"project {project.project_id} ({project.name}) saved")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from data.importers import ImportRejected, import_file, limit_memory

    database = Database.open(args.db)
    limit_memory(db=database)  # a one-shot process: a 200 MB file spills to disk instead of filling RAM
    try:
        result = import_file(
            args.file,
            preset=args.preset,
            project_id=args.project,
            timezone=args.timezone,
            table=args.table,
            mapping=args.mapping,
            valid_rows_only=args.valid_rows_only,
            user="cli",
            progress=_print_progress,
            create_project=args.create_project,
            db=database,
        )
    except ImportRejected as exc:
        for problem in exc.problems[:50]:
            print(problem.describe(), file=sys.stderr)
        if len(exc.problems) > 50:
            print(f"… {len(exc.problems) - 50} more problems", file=sys.stderr)
        print(f"import rejected, database unchanged: {exc}", file=sys.stderr)
        return 1
    print(result.describe())
    return 0


def cmd_kpis(args: argparse.Namespace) -> int:
    from analytics.kpis import CATALOGUE, compute_kpis
    from analytics.units import format_value
    from domain.periods import Period

    period = Period.parse(args.period)
    if args.all_projects:
        return _all_projects_kpis(period, args)
    values = compute_kpis(args.project, period, db=Database.open(args.db))
    if args.json:
        payload = {
            "project": args.project,
            "period": period.label,
            "kpis": {kpi_id: v.as_dict() for kpi_id, v in values.items()},
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    lang = DEFAULT_LANGUAGE
    verdicts = {True: translate("policy.preview.met", lang), False: translate("policy.preview.missed", lang)}
    for kpi_id, v in values.items():
        kpi = CATALOGUE[kpi_id]
        value = format_value(v.value, kpi.unit, lang, v.target)  # "无数据" without data
        target = "—" if v.target is None else format_value(v.target, kpi.unit, lang)
        print(f"{kpi_id:28} {kpi.name(lang):16} {value:>14} {target:>12} {verdicts.get(v.met, '')}")
    return 0


def _all_projects_kpis(period, args: argparse.Namespace) -> int:
    """Every KPI of every project (DESIGN §6: ``kpis --all-projects``)."""
    from analytics.kpi_catalogue import CATALOGUE
    from analytics.portfolio import portfolio
    from data.projects import list_projects

    db = Database.open(args.db)
    rows = sorted(
        portfolio(list_projects(db=db), period, list(CATALOGUE), trend_periods=0, db=db),
        key=lambda r: r.project.project_id,
    )
    if args.json:
        payload = {
            "period": period.label,
            "projects": {
                r.project.project_id: {
                    "name": r.project.name,
                    "kpis": {kpi_id: v.as_dict() for kpi_id, v in r.kpis.items()},
                }
                for r in rows
            },
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    missed_label = translate("policy.preview.missed", DEFAULT_LANGUAGE)
    for r in rows:
        missed = ", ".join(r.missed) or "—"
        print(f"{r.project.project_id:20} {r.project.name:20} {missed_label}: {missed}")
    return 0


def cmd_db_status(args: argparse.Namespace) -> int:
    from data.migrations import available

    db = Database.open(args.db)
    version, latest = db.schema_version(), available()[-1][0]
    print(f"backend: {db.backend}\nlocation: {db.label}\nschema version: {version} (latest {latest})")
    return 0


def cmd_migrate_to(args: argparse.Namespace) -> int:
    from data.transfer import move

    source, target = Database.open(args.db), Database.open(args.url)
    copied = move(source=source, target=target, progress=_print_progress)
    for table, rows in copied.items():
        print(f"{table:28} {rows:>10} rows")
    differences = _kpi_differences(source, target)
    for line in differences:
        print(f"KPI differs: {line}", file=sys.stderr)
    print(
        f"{sum(copied.values())} rows copied to {target.label}; counts equal; KPIs "
        + ("differ" if differences else "equal")
    )
    return 1 if differences else 0


def _kpi_differences(source: Database, target: Database) -> list[str]:
    """Every KPI of each project's latest month with tickets, computed on both databases."""
    import math
    from datetime import UTC, datetime

    from analytics.coverage import last_ticket_day
    from analytics.kpis import compute_kpis
    from data.projects import list_projects
    from domain.periods import Period

    as_of, found = datetime.now(UTC), []
    for project in list_projects(db=source):
        day = last_ticket_day(project.project_id, db=source)
        if day is None:
            continue
        period = Period.parse(day.strftime("%Y-%m"))
        before = compute_kpis(project.project_id, period, db=source, as_of=as_of)
        after = compute_kpis(project.project_id, period, db=target, as_of=as_of)
        for kpi_id, value in before.items():
            a, b = value.value, after[kpi_id].value
            if (a is None) != (b is None) or (
                a is not None and not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
            ):
                found.append(f"{project.project_id} {period.label} {kpi_id}: {a} → {b}")
    return found


def cmd_export(args: argparse.Namespace) -> int:
    from domain.periods import Period
    from reporting.documents import (
        COMMAND_LINE,
        ORGANISATION_KINDS,
        export_report,
        organisation_documents,
        write_files,
    )

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    template = None
    if args.template:
        from reporting.export.template import check_template

        template = Path(args.template).read_bytes()
        check_template(template, args.template)
    if args.kind in ORGANISATION_KINDS:  # every project in one document: no --project
        if args.project:
            raise ValueError(f"--kind {args.kind} covers every project: leave out --project")
        files = organisation_documents(
            COMMAND_LINE,
            args.kind,
            Period.parse(args.period),
            formats,
            args.lang,
            _print_progress,
            db=Database.open(args.db),
        )
        for path in write_files(files, Path(args.out)):
            print(path)
        return 0
    if not args.project:
        raise ValueError(f"--kind {args.kind} needs --project")
    written = export_report(
        project_id=args.project,
        period=Period.parse(args.period),
        kind=args.kind,
        formats=formats,
        out_dir=Path(args.out),
        lang=args.lang,
        progress=_print_progress,
        template=template,
        db=Database.open(args.db),
    )
    for path in written:
        print(path)
    return 0


def cmd_users_create_admin(args: argparse.Namespace) -> int:
    from reporting import users

    password = users.random_password()
    admin = users.create_user(
        username=args.username,
        display_name=args.name or args.username,
        role="admin",
        password=password,
        email=args.email,
        db=Database.open(args.db),
    )
    print(f"administrator {admin.username} created; password (shown once, change it after login): {password}")
    return 0


def cmd_users_add(args: argparse.Namespace) -> int:
    from reporting import users

    password = args.password or users.random_password()
    user = users.create_user(
        username=args.username,
        display_name=args.name or args.username,
        role=args.role,
        password=password,
        email=args.email,
        projects=args.project or (),
        is_customer=args.customer,
        by=users.first_admin(db=Database.open(args.db)),
        db=Database.open(args.db),
    )
    shown = "" if args.password else f"; password (shown once): {password}"
    print(f"user {user.username} ({user.role}) created{shown}")
    return 0


def cmd_reports_draft(args: argparse.Namespace) -> int:
    from domain.periods import Period
    from reporting import escalation, users, workflow
    from reporting.drafting import narrative_from_figures

    db = Database.open(args.db)
    author = users.project_author(args.project, args.author, db=db)
    narrative = narrative_from_figures(args.project, Period.parse(args.period), db=db)
    report = workflow.create_draft(author, args.project, args.period, args.kind, narrative, db=db)
    anomalies, delivery = escalation.escalate_anomalies(
        args.project, Period.parse(report.period), report.id, db=Database.open(args.db)
    )
    for anomaly in anomalies:
        print(f"anomaly {anomaly.kind}: {anomaly.detail}", file=sys.stderr)
    for error in delivery.errors:
        print(f"warning: {error}", file=sys.stderr)
    print(
        f"draft {report.id} {report.project_id} {report.period} {report.report_kind}, due {report.due_date}"
    )
    return 0


def _cli_actor(args: argparse.Namespace):
    """Who acts: ``--as USER``, checked and audited as in the app; a listing without it is
    an administrator's (whoever runs the command line already holds the database)."""
    from reporting import users

    if getattr(args, "as_user", None):
        return users.actor_by_username(args.as_user, db=Database.open(args.db))
    return users.first_admin(db=Database.open(args.db))


def _report_json(report) -> dict:
    from dataclasses import asdict

    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(report).items()}


def _report_line(report) -> str:
    return (
        f"{report.id}  {report.project_id}  {report.period:8} {report.report_kind:8} "
        f"{report.state:9} v{report.current_version}  due {report.due_date}"
    )


def cmd_reports_list(args: argparse.Namespace) -> int:
    from reporting import workflow

    found = [
        r
        for r in workflow.list_reports(_cli_actor(args), args.project, db=Database.open(args.db))
        if (args.period is None or r.period == args.period) and (args.state is None or r.state == args.state)
    ]
    if args.json:
        print(json.dumps([_report_json(r) for r in found], ensure_ascii=False, indent=2))
    else:
        print("\n".join(_report_line(r) for r in found) if found else "no reports")
    return 0


def cmd_reports_show(args: argparse.Namespace) -> int:
    from reporting import workflow

    actor, db = _cli_actor(args), Database.open(args.db)
    report = workflow.get_report(actor, args.id, db=db)
    trail = [] if actor.is_customer else workflow.audit_trail(actor, args.id, db=db)  # internal
    events = [
        {
            "at": e.occurred_at.isoformat(),
            "user": e.actor_id,
            "action": e.action,
            "to": e.to_state,
            "comment": e.comment,
        }
        for e in trail
    ]
    if args.json:
        print(json.dumps(_report_json(report) | {"events": events}, ensure_ascii=False, indent=2))
        return 0
    print(_report_line(report))
    for e in events:
        print(
            f"  {e['at']}  {e['user']}  {e['action']} → {e['to']}"
            + (f"  «{e['comment']}»" if e["comment"] else "")
        )
    return 0


def cmd_reports_act(args: argparse.Namespace) -> int:
    """submit, approve (rendering and freezing the documents), publish, archive or return, as
    ``--as USER`` with that user's role; refused with nothing changed when role, state or a
    concurrent change say no."""
    from reporting import drafting, workflow

    actor, db = _cli_actor(args), Database.open(args.db)
    current = workflow.get_report(actor, args.id, db=db)
    if args.action == "approve":
        report = drafting.approve(actor, args.id, current.lock_version, args.lang, db=db)
    elif args.action == "submit":
        report = drafting.submit(actor, args.id, current.lock_version, db=db)
    elif args.action == "edit":
        try:
            narrative = json.loads(Path(args.narrative).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{args.narrative}: not JSON ({exc})") from None
        report = workflow.transition(
            args.id, "edit", actor, expected_lock=current.lock_version, narrative=narrative, db=db
        )
    else:
        comment = getattr(args, "comment", None)
        report = workflow.transition(
            args.id, args.action, actor, expected_lock=current.lock_version, comment=comment, db=db
        )
    print(f"{report.id}: {current.state} → {report.state} (by {args.as_user})")
    return 0


def cmd_reports_deadlines(args: argparse.Namespace) -> int:
    """Every report the definitions expect: due date and status (done, late, overdue, open)."""
    from datetime import date

    from reporting.expected_reports import expected_reports

    today = date.fromisoformat(args.today) if args.today else date.today()
    found = [
        e for e in expected_reports(today, db=Database.open(args.db)) if args.project in (None, e.project_id)
    ]
    if args.json:
        print(json.dumps([_report_json(e) for e in found], ensure_ascii=False, indent=2))
        return 0
    for e in found:
        started = f"{e.report_id} {e.state}" if e.report_id else "not started"
        print(f"{e.project_id}  {e.report_kind:8} {e.period:8} due {e.due}  {e.status:7}  {started}")
    if not found:
        print("no expected reports: a report definition (用户管理 → 报告定义) sets what is expected")
    return 0


def cmd_schedule_run_due(args: argparse.Namespace) -> int:
    """Do every scheduled duty that has come due: drafts, reminders, escalations, anomalies,
    subscriptions and mail retries. Safe to run again and from several machines at once; exit 1
    when a duty failed (it is recorded and tried again by the next run)."""
    from dataclasses import asdict
    from datetime import UTC, datetime

    from reporting import schedule

    now = None
    if args.now:
        now = datetime.fromisoformat(args.now)
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    outcomes = schedule.run_due(now, db=Database.open(args.db))
    if args.json:
        print(json.dumps([asdict(o) for o in outcomes], ensure_ascii=False, indent=2))
    for o in [] if args.json else outcomes:
        print(f"{o.kind:12} {o.status:6} {o.key}  {o.detail}")
    if not outcomes and not args.json:
        print("nothing due")
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def cmd_reports_verify(args: argparse.Namespace) -> int:
    """Each frozen version against its seal, and the report's audit chain: exit 1 when anything
    is missing or changed. The chain head printed is what to compare with a copy kept elsewhere."""
    from reporting import archive

    result = archive.verify_report(args.id, db=Database.open(args.db))
    if args.json:
        print(
            json.dumps(
                {
                    "report": result.report_id,
                    "ok": result.ok,
                    "chain_head": result.chain_head,
                    "audit_problems": [p.text(args.lang) for p in result.audit],
                    "versions": [
                        {
                            "version": v.version,
                            "ok": v.ok,
                            "sealed": v.sealed,
                            "seal_sha256": v.seal_sha256,
                            "problems": [p.text(args.lang) for p in v.issues if p not in result.audit],
                        }
                        for v in result.versions
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0 if result.ok else 1
    for v in result.versions:
        print(f"V{v.version}: {'ok' if v.ok else 'FAILED'}; {v.status(args.lang)}")
        for problem in v.issues:
            if problem not in result.audit:
                print(f"  - {problem.text(args.lang)}")
    if not result.versions:
        print("no approved version")
    print(f"audit trail: {'ok' if not result.audit else 'FAILED'}; chain head {result.chain_head or '-'}")
    for problem in result.audit:
        print(f"  - {problem.text(args.lang)}")
    return 0 if result.ok else 1


def _print_progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py", description="Service Report Manager 服务报告管理")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--db",
            help=f"database file, or a PostgreSQL URL postgresql://user:password@host:5432/name"
            f" (default: ${ENV_VAR} or {DEFAULT_PATH})",
        )
        return p

    p = with_db(sub.add_parser("demo", help="create a seeded demo database"))
    p.add_argument("--tickets", type=int, default=None, help="approximate number of tickets in all")
    p.add_argument("--seed", type=int, default=20261121)
    p.set_defaults(func=cmd_demo)

    projects = sub.add_parser("projects", help="projects and their SLA policies")
    projects_sub = projects.add_subparsers(dest="projects_command", required=True)
    p = with_db(projects_sub.add_parser("load", help="create or update a project from a policy TOML"))
    p.add_argument("file")
    p.set_defaults(func=cmd_projects_load)

    p = with_db(sub.add_parser("import", help="import tickets and related data"))
    p.add_argument("file")
    p.add_argument("--preset", required=True, choices=PRESETS)
    p.add_argument("--project", required=True)
    p.add_argument("--timezone", help="timezone of timestamps without an offset (default: the project's)")
    p.add_argument(
        "--table",
        choices=list(TABLES),
        help="native preset: the table, when the header does not tell",
    )
    p.add_argument(
        "--mapping",
        help="event-log: column, status and support-level mapping; servicenow: the support-level column"
        " (and its value map); JSON text or a JSON file",
    )
    p.add_argument(
        "--valid-rows-only", action="store_true", help="import the valid rows instead of rejecting the file"
    )
    p.add_argument(
        "--create-project",
        action="store_true",
        help="create a minimal 24x7 project (no targets yet) when --project does not exist",
    )
    p.set_defaults(func=cmd_import)

    p = with_db(sub.add_parser("kpis", help="KPIs of a project (or of every project) and period"))
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--project")
    which.add_argument("--all-projects", action="store_true", help="every project side by side")
    p.add_argument("--period", required=True, help="2026-10, 2026-Q3, 2026-H1 or 2026")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_kpis)

    p = with_db(sub.add_parser("export", help="export the period report"))
    p.add_argument("--project", help="the project (not with --kind quality or review: every project)")
    p.add_argument("--period", required=True)
    p.add_argument("--kind", required=True, choices=(*REPORT_KINDS, *ORGANISATION_REPORT_KINDS))
    p.add_argument(
        "--format", default=",".join(DOCUMENT_FORMATS), help=f"comma-separated: {','.join(FORMATS)}"
    )
    p.add_argument("--out", required=True)
    p.add_argument("--lang", default=DEFAULT_LANGUAGE, choices=LANGUAGES)
    p.add_argument(
        "--template",
        help="a Word template (.docx) to lay the report in (default: the definition's, else the house one)",
    )
    p.set_defaults(func=cmd_export)
    users_cmd = sub.add_parser("users", help="user accounts and roles")
    users_sub = users_cmd.add_subparsers(dest="users_command", required=True)
    p = with_db(
        users_sub.add_parser("create-admin", help="first administrator, random password printed once")
    )
    p.add_argument("--username", default="admin")
    p.add_argument("--name", help="display name")
    p.add_argument("--email")
    p.set_defaults(func=cmd_users_create_admin)
    p = with_db(users_sub.add_parser("add", help="add a user (random password printed unless --password)"))
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--project", action="append", help="project id (repeat for several)")
    p.add_argument("--name", help="display name")
    p.add_argument("--email")
    p.add_argument("--password")
    p.add_argument("--customer", action="store_true", help="customer viewer: published external reports only")
    p.set_defaults(func=cmd_users_add)

    db_cmd = sub.add_parser("db", help="the database: backend and schema")
    db_sub = db_cmd.add_subparsers(dest="db_command", required=True)
    p = with_db(db_sub.add_parser("status", help="which backend, where, and its schema version"))
    p.set_defaults(func=cmd_db_status)
    p = with_db(
        sub.add_parser(
            "migrate-to", help="copy a DuckDB file (--db) into an empty PostgreSQL database, then compare"
        )
    )
    p.add_argument("url", help="postgresql://user:password@host:5432/name")
    p.set_defaults(func=cmd_migrate_to)
    reports_cmd = sub.add_parser("reports", help="report workflow")
    reports_sub = reports_cmd.add_subparsers(dest="reports_command", required=True)
    p = with_db(reports_sub.add_parser("draft", help="create a report draft"))
    p.add_argument("--project", required=True)
    p.add_argument("--period", required=True, help="2026-10, 2026-Q3, 2026-H1 or 2026")
    p.add_argument("--kind", required=True, choices=REPORT_KINDS)
    p.add_argument("--author", help="author's username (default: the project's only author)")
    p.set_defaults(func=cmd_reports_draft)
    p = with_db(reports_sub.add_parser("list", help="reports, newest period first"))
    p.add_argument("--project")
    p.add_argument("--period", help="2026-10, 2026-Q3, 2026-H1 or 2026")
    p.add_argument("--state", choices=REPORT_STATES)
    p.add_argument("--as", dest="as_user", help="list what this user may see (default: everything)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reports_list)
    p = with_db(reports_sub.add_parser("show", help="one report and its audit trail"))
    p.add_argument("id", help="report id")
    p.add_argument("--as", dest="as_user", help="show it as this user may see it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reports_show)
    for action, text in (
        ("edit", "write the narrative (analyses, corrective actions, plan) from a JSON file"),
        ("submit", "submit a draft for approval (refused while required narrative is empty)"),
        ("approve", "approve: render, freeze and seal the documents"),
        ("publish", "publish an approved report to the customer"),
        ("archive", "archive a published report"),
        ("return", "return a submitted report to its author"),
    ):
        p = with_db(reports_sub.add_parser(action, help=text))
        p.add_argument("id", help="report id")
        p.add_argument(
            "--as", dest="as_user", required=True, help="the user who acts (role checked, audited)"
        )
        if action == "return":
            p.add_argument("--comment", required=True, help="why it goes back")
        if action == "edit":
            p.add_argument(
                "--narrative", required=True, help="JSON: unmet_analysis, summary, next_plan, … (README)"
            )
        if action == "approve":
            p.add_argument(
                "--lang", default=DEFAULT_LANGUAGE, choices=LANGUAGES, help="the documents' language"
            )
        p.set_defaults(func=cmd_reports_act, action=action)
    p = with_db(reports_sub.add_parser("deadlines", help="expected reports: due, done, late, overdue, open"))
    p.add_argument("--project")
    p.add_argument("--today", help="the day to judge on, YYYY-MM-DD (default: today)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reports_deadlines)
    p = with_db(reports_sub.add_parser("verify", help="check approved versions and the audit trail"))
    p.add_argument("id", help="report id")
    p.add_argument("--json", action="store_true")
    p.add_argument("--lang", default="en", choices=LANGUAGES)
    p.set_defaults(func=cmd_reports_verify)

    schedule = sub.add_parser("schedule", help="scheduled duties (cron)").add_subparsers(
        dest="schedule_command", required=True
    )
    p = with_db(schedule.add_parser("run-due", help="do the duties that have come due; idempotent"))
    p.add_argument("--now", help="the instant to run at, ISO-8601 (default: now; no offset means UTC)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_schedule_run_due)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with rendering_in_this_process():
            return args.func(args)
    except (
        DatabaseBusyError,
        TransferRefused,
        ConnectionError,
        KeyError,
        ValueError,
        FileNotFoundError,
        PermissionError,
    ) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"error: {message}", file=sys.stderr)
        return 2
    finally:
        Database.open(getattr(args, "db", None)).close()
        if getattr(args, "url", None):
            Database.open(args.url).close()


if __name__ == "__main__":
    sys.exit(main())
