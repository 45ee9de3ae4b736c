-- Issue 13 item 5: every change of a project's SLA policy, kept for the record
-- (reporting/policies.py writes it from the app, data/projects.py from `manage.py projects load`).
-- The policy texts are kept whole, before and after, so that any change can be shown as a diff
-- and any earlier policy restored. old_toml is NULL when the change created the project.
-- A change's old_sha256 equals the previous change's new_sha256, unless the policy was
-- written without a record in between (the demo generator, an import creating its project).
CREATE TABLE policy_changes (
    change_id     VARCHAR PRIMARY KEY,
    project_id    VARCHAR NOT NULL,
    changed_at    TIMESTAMPTZ NOT NULL,
    actor_id      VARCHAR,               -- the user; NULL for the command line
    actor_name    VARCHAR,               -- their display name at the time
    source        VARCHAR NOT NULL CHECK (source IN ('app', 'file')),
    comment       VARCHAR,               -- the reason given in the app; the file name for 'file'
    old_toml      VARCHAR,
    new_toml      VARCHAR NOT NULL,
    old_sha256    VARCHAR,
    new_sha256    VARCHAR NOT NULL
);
CREATE INDEX policy_changes_project ON policy_changes (project_id, changed_at);
