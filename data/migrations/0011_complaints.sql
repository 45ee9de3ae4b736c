-- Issue 16: customer complaints (投诉), recorded on the 投诉登记 page or imported with the native
-- template. An analytics table like the others: one row per complaint, keyed within its project
-- by the complaint number (complaint_id); the KPIs complaints and complaint_closure_rate read it.
CREATE TABLE complaints (
    project_id        VARCHAR NOT NULL,
    complaint_id      VARCHAR NOT NULL,     -- 投诉编号
    received_at       TIMESTAMPTZ NOT NULL,
    severity          VARCHAR NOT NULL DEFAULT 'normal' CHECK (severity IN ('major', 'normal')),
    ticket_id         VARCHAR,              -- the ticket it is about, if any
    complainant       VARCHAR,
    description       VARCHAR NOT NULL,
    root_cause        VARCHAR,
    handling          VARCHAR,
    follow_up_at      TIMESTAMPTZ,          -- the follow-up call (回访)
    follow_up_result  VARCHAR,
    closed_at         TIMESTAMPTZ
);
