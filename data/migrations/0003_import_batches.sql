-- One row per completed import (DESIGN §3 workflow records): who brought which file, when,
-- and what it changed. A rejected file changes nothing, so it leaves no row either.
CREATE SEQUENCE import_batches_id_seq;

CREATE TABLE import_batches (
    id            BIGINT PRIMARY KEY DEFAULT nextval('import_batches_id_seq'),
    project_id    VARCHAR NOT NULL,
    preset        VARCHAR NOT NULL CHECK (preset IN ('native', 'servicenow', 'jira', 'event-log')),
    target_table  VARCHAR NOT NULL,   -- tickets, satisfaction, … (tickets for the ticket presets)
    file_name     VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    user_name     VARCHAR NOT NULL,   -- "user" is reserved in PostgreSQL (DESIGN §9)
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ NOT NULL,
    rows_read     BIGINT NOT NULL,
    inserted      BIGINT NOT NULL,
    updated       BIGINT NOT NULL,
    unchanged     BIGINT NOT NULL,
    rejected      BIGINT NOT NULL,    -- rows left out ("import the valid rows")
    warnings      BIGINT NOT NULL,
    status        VARCHAR NOT NULL CHECK (status IN ('complete', 'partial'))
);
