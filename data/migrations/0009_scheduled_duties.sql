-- Issue 15: scheduled duties (reporting/schedule.py) and the mail they send (reporting/outbox.py).
--
-- duties: every duty the scheduler has done or tried, one row per duty key (e.g.
-- draft:demo-erp:external:2026-10, remind:…, overdue:…:w0, subscription:<report>:v2). The key
-- is the primary key, so two servers or cron jobs running the same duty at once cannot both
-- claim it; a failed duty is tried again on later runs until MAX_ATTEMPTS.
CREATE TABLE duties (
    duty_key     VARCHAR PRIMARY KEY,
    kind         VARCHAR NOT NULL,      -- draft, remind, overdue, anomalies, subscription
    project_id   VARCHAR,
    report_id    VARCHAR,
    period       VARCHAR,
    recipients   VARCHAR,               -- whom it told, as text
    scheduled_at TIMESTAMPTZ NOT NULL,  -- the run's "now" (cron's clock or --now)
    claimed_at   TIMESTAMPTZ NOT NULL,  -- wall clock: a running claim older than the lease is stale
    finished_at  TIMESTAMPTZ,
    status       VARCHAR NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 1,
    detail       VARCHAR
);

-- outbox: every e-mail, written before it is sent, so a failed send is retried with back-off
-- and, after the last attempt, shown to administrators instead of being lost. Attachments are
-- the sealed documents of a report version, read (and verified) when the mail is sent.
CREATE TABLE outbox (
    message_id      VARCHAR PRIMARY KEY,
    kind            VARCHAR NOT NULL,          -- a notification's kind, or subscription
    to_addrs        VARCHAR NOT NULL,          -- JSON list
    bcc_addrs       VARCHAR NOT NULL,          -- JSON list: subscribers never see each other
    subject         VARCHAR NOT NULL,
    body            VARCHAR NOT NULL,
    report_id       VARCHAR,
    version         INTEGER,
    formats         VARCHAR,                   -- JSON list of attached formats
    notification_id VARCHAR,                   -- whose emailed_at a successful send sets
    status          VARCHAR NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      VARCHAR,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Per definition: remind the author this many working days before the deadline; mail the
-- published report to its recipients in this language, attaching these formats.
ALTER TABLE report_definitions ADD COLUMN remind_days INTEGER NOT NULL DEFAULT 3;
ALTER TABLE report_definitions ADD COLUMN language VARCHAR NOT NULL DEFAULT 'zh_CN';
ALTER TABLE report_definitions ADD COLUMN mail_formats VARCHAR NOT NULL DEFAULT '["pdf"]';

-- Reports published before the scheduler existed were delivered by hand: never mail them now.
INSERT INTO duties (duty_key, kind, project_id, report_id, scheduled_at, claimed_at, finished_at, status, detail)
SELECT DISTINCT 'subscription:' || e.report_id || ':v' || CAST(e.version AS VARCHAR), 'subscription',
       r.project_id, e.report_id, now(), now(), now(), 'done', 'published before scheduled duties'
FROM audit_events e JOIN reports r ON r.id = e.report_id
WHERE e.action = 'publish';
