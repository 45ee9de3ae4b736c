-- Issue 16: the quality department's read-only role ("quality"): every project's figures and
-- reports, no write. Neither backend can widen a CHECK constraint in place (DuckDB cannot drop
-- one), so the users table is rebuilt with the same rows; nothing references it by key.
CREATE TABLE users_new (
    user_id        VARCHAR PRIMARY KEY,
    username       VARCHAR NOT NULL UNIQUE,
    display_name   VARCHAR NOT NULL,
    email          VARCHAR,
    role           VARCHAR NOT NULL CHECK (role IN ('admin', 'author', 'approver', 'viewer', 'quality')),
    is_customer    BOOLEAN NOT NULL DEFAULT false,
    password_hash  VARCHAR,
    active         BOOLEAN NOT NULL DEFAULT true,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO users_new
SELECT user_id, username, display_name, email, role, is_customer, password_hash, active, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
