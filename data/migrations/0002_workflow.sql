-- Workflow records (DESIGN §3, issue 6): users, sessions, report definitions, reports and
-- their frozen versions, the append-only audit trail, corrective actions, notifications.
-- Ids are hex strings (uuid4): DuckDB has no SERIAL. Types are the ones both backends name alike. No foreign keys: DuckDB refuses to
-- update a parent row that is referenced, and reports change state; reporting/ checks links.
-- data/models.py mirrors these tables for SQLModel (no metadata.create_all).

CREATE TABLE users (
    user_id        VARCHAR PRIMARY KEY,
    username       VARCHAR NOT NULL UNIQUE,
    display_name   VARCHAR NOT NULL,
    email          VARCHAR,
    role           VARCHAR NOT NULL CHECK (role IN ('admin', 'author', 'approver', 'viewer')),
    is_customer    BOOLEAN NOT NULL DEFAULT false,  -- a customer viewer sees only published external reports
    password_hash  VARCHAR,                          -- argon2id; null for an OIDC-only account
    active         BOOLEAN NOT NULL DEFAULT true,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Projects a user works on: authors write their reports, viewers read them. Admins and
-- approvers (the department manager) cover every project.
CREATE TABLE user_projects (
    user_id     VARCHAR NOT NULL,
    project_id  VARCHAR NOT NULL,
    PRIMARY KEY (user_id, project_id)
);

-- Login sessions that survive a page refresh: only the sha256 of the token is stored.
CREATE TABLE sessions (
    token_sha256  VARCHAR PRIMARY KEY,
    user_id       VARCHAR NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL,
    revoked       BOOLEAN NOT NULL DEFAULT false
);

-- What each project's reports must be, as agreed with the customer.
CREATE TABLE report_definitions (
    definition_id  VARCHAR PRIMARY KEY,
    project_id     VARCHAR NOT NULL,
    report_kind    VARCHAR NOT NULL CHECK (report_kind IN ('external', 'internal')),
    period_kind    VARCHAR NOT NULL CHECK (period_kind IN ('month', 'quarter', 'half', 'year')),
    goal           VARCHAR,
    audience       VARCHAR,
    data_sources   VARCHAR,
    sections       VARCHAR,         -- JSON list of section ids
    recipients     VARCHAR,         -- JSON list of e-mail addresses
    UNIQUE (project_id, report_kind, period_kind)
);

-- One report per project × period × kind. approved_at is the FIRST approval (kept when a
-- later edit makes a new version), so report_on_time_rate = approved_at (in the project's
-- timezone) on or before due_date.
CREATE TABLE reports (
    id               VARCHAR PRIMARY KEY,
    project_id       VARCHAR NOT NULL,
    period           VARCHAR NOT NULL,                 -- Period label: 2026-10, 2026-Q3, 2026-H1, 2026
    period_kind      VARCHAR NOT NULL CHECK (period_kind IN ('month', 'quarter', 'half', 'year')),
    report_kind      VARCHAR NOT NULL CHECK (report_kind IN ('external', 'internal')),
    state            VARCHAR NOT NULL DEFAULT 'draft'
                     CHECK (state IN ('draft', 'submitted', 'returned', 'approved', 'published', 'archived')),
    due_date         DATE NOT NULL,                    -- local date in the project's calendar
    author_id        VARCHAR NOT NULL,
    approver_id      VARCHAR,                          -- who approved the current version
    current_version  INTEGER NOT NULL DEFAULT 1,
    lock_version     INTEGER NOT NULL DEFAULT 0,       -- optimistic lock: +1 on every write
    narrative        VARCHAR NOT NULL DEFAULT '{}',    -- JSON of the version being edited
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    submitted_at     TIMESTAMPTZ,
    approved_at      TIMESTAMPTZ,
    published_at     TIMESTAMPTZ,
    archived_at      TIMESTAMPTZ,
    UNIQUE (project_id, period, report_kind)
);

-- An approved version, frozen: the rendered document, the figures it shows, their sha256.
CREATE TABLE report_versions (
    report_id        VARCHAR NOT NULL,
    version          INTEGER NOT NULL,
    narrative        VARCHAR NOT NULL,                 -- JSON
    snapshot         VARCHAR NOT NULL,                 -- JSON of the figures in the document
    document         BYTEA NOT NULL,
    document_format  VARCHAR NOT NULL,                 -- docx, pdf, xlsx, zip
    sha256           VARCHAR NOT NULL,                 -- of the document bytes (what sha256sum prints)
    snapshot_sha256  VARCHAR NOT NULL,                 -- of the snapshot text
    author_id        VARCHAR NOT NULL,
    approver_id      VARCHAR NOT NULL,
    approved_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (report_id, version)
);

-- Append-only: reporting/workflow.py only ever inserts here, in the transaction of the change.
CREATE TABLE audit_events (
    event_id    VARCHAR PRIMARY KEY,
    report_id   VARCHAR NOT NULL,
    version     INTEGER NOT NULL,
    actor_id    VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,
    from_state  VARCHAR,
    to_state    VARCHAR NOT NULL,
    comment     VARCHAR,
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Corrective actions for unmet KPIs; they carry over until done, and each later report shows them.
CREATE TABLE corrective_actions (
    action_id     VARCHAR PRIMARY KEY,
    project_id    VARCHAR NOT NULL,
    report_id     VARCHAR NOT NULL,                    -- the report that raised it
    period        VARCHAR NOT NULL,
    kpi_id        VARCHAR NOT NULL,
    analysis      VARCHAR,
    action        VARCHAR NOT NULL,
    owner         VARCHAR,
    due_date      DATE,
    status        VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (report_id, kpi_id)
);

-- In-app notifications; dedupe_key stops the same anomaly being announced twice.
CREATE TABLE notifications (
    notification_id  VARCHAR PRIMARY KEY,
    user_id          VARCHAR NOT NULL,
    project_id       VARCHAR,
    report_id        VARCHAR,
    kind             VARCHAR NOT NULL,                 -- anomaly, submitted, returned, approved, overdue
    subject          VARCHAR NOT NULL,
    body             VARCHAR NOT NULL,
    dedupe_key       VARCHAR NOT NULL UNIQUE,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    read_at          TIMESTAMPTZ,
    emailed_at       TIMESTAMPTZ
);
