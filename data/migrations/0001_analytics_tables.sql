-- Analytics tables of DESIGN §3. Timestamps are UTC TIMESTAMPTZ; periods are cut in the
-- project's timezone by analytics/. Enumerations are checked here so that no importer can
-- store a value the KPIs do not know.

CREATE TABLE projects (
    project_id   VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    customer     VARCHAR,
    timezone     VARCHAR NOT NULL DEFAULT 'Asia/Shanghai',
    policy_toml  VARCHAR,            -- the SLA policy as written (DESIGN §5)
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE tickets (
    project_id        VARCHAR NOT NULL,
    ticket_id         VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL CHECK (kind IN ('incident', 'request', 'problem', 'change', 'release')),
    title             VARCHAR,
    category          VARCHAR,
    service           VARCHAR,
    priority          VARCHAR NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    status            VARCHAR CHECK (status IN ('new', 'in_progress', 'pending', 'resolved', 'closed', 'cancelled')),
    major             BOOLEAN NOT NULL DEFAULT false,
    tier              VARCHAR CHECK (tier IN ('L1', 'L2', 'L3')),
    escalated         BOOLEAN NOT NULL DEFAULT false,
    assignment_group  VARCHAR,
    assignee          VARCHAR,
    created_at        TIMESTAMPTZ NOT NULL,
    first_response_at TIMESTAMPTZ,
    resolved_at       TIMESTAMPTZ,
    closed_at         TIMESTAMPTZ,
    reopen_count      INTEGER NOT NULL DEFAULT 0,
    change_type       VARCHAR CHECK (change_type IN ('standard', 'normal', 'emergency')),
    outcome           VARCHAR CHECK (outcome IN ('successful', 'failed', 'rolled_back', 'cancelled')),
    effort_hours      DOUBLE PRECISION,
    problem_id        VARCHAR,        -- the problem an incident is linked to
    source            VARCHAR,        -- where the row came from: demo, native, servicenow, …
    PRIMARY KEY (project_id, ticket_id)
);

CREATE TABLE ticket_status_history (
    project_id  VARCHAR NOT NULL,
    ticket_id   VARCHAR NOT NULL,
    status      VARCHAR NOT NULL CHECK (status IN ('new', 'in_progress', 'pending', 'resolved', 'closed', 'cancelled')),
    started_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ          -- null while the ticket is still in this status
);

CREATE TABLE satisfaction (
    project_id    VARCHAR NOT NULL,
    ticket_id     VARCHAR,           -- null for periodic surveys
    kind          VARCHAR NOT NULL CHECK (kind IN ('callback', 'survey')),
    responded_at  TIMESTAMPTZ NOT NULL,
    score         INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment       VARCHAR
);

CREATE TABLE outages (
    project_id  VARCHAR NOT NULL,
    service     VARCHAR NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ,         -- null while still down
    planned     BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE worklogs (
    project_id  VARCHAR NOT NULL,
    person      VARCHAR NOT NULL,
    day         DATE NOT NULL,
    hours       DOUBLE PRECISION NOT NULL CHECK (hours >= 0),
    ticket_id   VARCHAR
);

CREATE TABLE staff_capacity (
    project_id       VARCHAR NOT NULL,
    person           VARCHAR NOT NULL,
    month            DATE NOT NULL,  -- first day of the month
    hours_available  DOUBLE PRECISION NOT NULL CHECK (hours_available >= 0),
    PRIMARY KEY (project_id, person, month)
);
