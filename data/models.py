"""SQLModel mirrors of the workflow tables of migrations/0002_workflow.sql (and 0004, 0005).

The migration owns the schema (no ``metadata.create_all``); these classes only map rows.
Ids are uuid4 hex strings because DuckDB has no SERIAL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlmodel import Field, SQLModel

from locales import DEFAULT_LANGUAGE


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp as an aware UTC one: they are stored in UTC, and DuckDB's sessions
    hand them back naive."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class User(SQLModel, table=True):
    __tablename__ = "users"

    user_id: str = Field(default_factory=new_id, primary_key=True)
    username: str
    display_name: str
    email: str | None = None
    role: str
    is_customer: bool = False
    password_hash: str | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class UserProject(SQLModel, table=True):
    __tablename__ = "user_projects"

    user_id: str = Field(primary_key=True)
    project_id: str = Field(primary_key=True)


class LoginSession(SQLModel, table=True):
    __tablename__ = "sessions"

    token_sha256: str = Field(primary_key=True)
    user_id: str
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked: bool = False


class SignInFailure(SQLModel, table=True):
    __tablename__ = "sign_in_failures"

    # DuckDB needs no key for an append-only log; SQLAlchemy wants one to map rows.
    username: str = Field(primary_key=True)
    client: str = Field(primary_key=True)
    failed_at: datetime = Field(primary_key=True)


class ReportDefinition(SQLModel, table=True):
    __tablename__ = "report_definitions"

    definition_id: str = Field(default_factory=new_id, primary_key=True)
    project_id: str
    report_kind: str
    period_kind: str
    goal: str | None = None
    audience: str | None = None
    data_sources: str | None = None
    sections: str | None = None  # JSON list
    recipients: str | None = None  # JSON list
    # Migration 0009: the scheduler's reminder lead, and how a published report is mailed.
    remind_days: int = 3
    language: str = DEFAULT_LANGUAGE
    mail_formats: str = '["pdf"]'  # JSON list
    # Migration 0012: the customer's Word template (None: the default) and the cover's mark.
    template_docx: bytes | None = None
    template_name: str | None = None
    confidentiality: str | None = None


class Report(SQLModel, table=True):
    __tablename__ = "reports"

    id: str = Field(default_factory=new_id, primary_key=True)
    project_id: str
    period: str
    period_kind: str
    report_kind: str
    state: str = "draft"
    due_date: date
    author_id: str
    approver_id: str | None = None
    current_version: int = 1
    lock_version: int = 0
    narrative: str = "{}"  # JSON
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    approved_at: datetime | None = None  # first approval: report_on_time_rate uses it
    published_at: datetime | None = None
    archived_at: datetime | None = None


class ReportVersion(SQLModel, table=True):
    __tablename__ = "report_versions"

    report_id: str = Field(primary_key=True)
    version: int = Field(primary_key=True)
    narrative: str
    snapshot: str
    snapshot_sha256: str
    author_id: str
    approver_id: str
    approved_at: datetime
    # The seal (migration 0005; reporting/archive.py): canonical JSON of what the approval froze,
    # and its sha256. None on a version approved before sealing.
    seal_manifest: str | None = None
    seal_sha256: str | None = None


class ReportVersionDocument(SQLModel, table=True):
    """One format of a frozen version, as downloaded: its bytes and their sha256."""

    __tablename__ = "report_version_documents"

    report_id: str = Field(primary_key=True)
    version: int = Field(primary_key=True)
    format: str = Field(primary_key=True)
    document: bytes
    sha256: str


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_events"

    event_id: str = Field(default_factory=new_id, primary_key=True)
    report_id: str
    version: int
    actor_id: str
    action: str
    from_state: str | None = None
    to_state: str
    comment: str | None = None
    occurred_at: datetime = Field(default_factory=utcnow)
    # The report's hash chain (migration 0005; reporting/archive.py); None on events from before it.
    seq: int | None = None
    seal_sha256: str | None = None  # on an approve event: the seal of the version it froze
    prev_hash: str | None = None
    event_hash: str | None = None


class CorrectiveAction(SQLModel, table=True):
    __tablename__ = "corrective_actions"

    action_id: str = Field(default_factory=new_id, primary_key=True)
    project_id: str
    report_id: str
    period: str
    kpi_id: str
    analysis: str | None = None
    action: str
    owner: str | None = None
    due_date: date | None = None
    status: str = "open"
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"

    notification_id: str = Field(default_factory=new_id, primary_key=True)
    user_id: str
    project_id: str | None = None
    report_id: str | None = None
    kind: str
    subject: str
    body: str
    dedupe_key: str
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    emailed_at: datetime | None = None


class PolicyChange(SQLModel, table=True):
    """One change of a project's SLA policy (migration 0007): who, when, why, before and after."""

    __tablename__ = "policy_changes"

    change_id: str = Field(default_factory=new_id, primary_key=True)
    project_id: str
    changed_at: datetime = Field(default_factory=utcnow)
    actor_id: str | None = None  # None: the command line (manage.py projects load)
    actor_name: str | None = None
    source: str  # "app" or "file"
    comment: str | None = None
    old_toml: str | None = None  # None: the change created the project
    new_toml: str
    old_sha256: str | None = None
    new_sha256: str


class Duty(SQLModel, table=True):
    """One scheduled duty done or tried (migration 0009; reporting/duties.py)."""

    __tablename__ = "duties"

    duty_key: str = Field(primary_key=True)
    kind: str
    project_id: str | None = None
    report_id: str | None = None
    period: str | None = None
    recipients: str | None = None
    scheduled_at: datetime
    claimed_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = "running"
    attempts: int = 1
    detail: str | None = None


class OutboxMessage(SQLModel, table=True):
    """One e-mail, kept until sent or given up (migration 0009; reporting/outbox.py)."""

    __tablename__ = "outbox"

    message_id: str = Field(default_factory=new_id, primary_key=True)
    kind: str
    to_addrs: str  # JSON list
    bcc_addrs: str = "[]"  # JSON list
    subject: str
    body: str
    report_id: str | None = None
    version: int | None = None
    formats: str | None = None  # JSON list
    notification_id: str | None = None
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class SavedView(SQLModel, table=True):
    __tablename__ = "saved_views"

    view_id: str = Field(default_factory=new_id, primary_key=True)
    user_id: str
    name: str
    page: str  # the page's URL path ("" is the overview)
    query: str  # the view's query string: project, kind, period, compare, …
    is_start: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Annotation(SQLModel, table=True):
    __tablename__ = "annotations"

    annotation_id: str = Field(default_factory=new_id, primary_key=True)
    project_id: str
    day: date  # the project's local date
    text: str
    created_by: str
    created_at: datetime = Field(default_factory=utcnow)
