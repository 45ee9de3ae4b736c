-- Issue 12: failed sign-ins, so that guessing passwords is slowed down per account and per
-- client (reporting/sign_in.py). Only failures are kept: a success clears the account's.
CREATE TABLE sign_in_failures (
    username      VARCHAR NOT NULL,          -- as typed (trimmed): unknown names count too
    client        VARCHAR NOT NULL,          -- the browser's address as the server saw it
    failed_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_failures_username ON sign_in_failures (username);
CREATE INDEX sign_in_failures_client ON sign_in_failures (client);
