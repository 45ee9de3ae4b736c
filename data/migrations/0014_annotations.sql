-- Issue 18: events a project's people mark on its timeline ("机房搬迁", a release), shown with
-- the statutory holidays as markers on trend charts in pages and documents.
CREATE TABLE annotations (
    annotation_id VARCHAR PRIMARY KEY,
    project_id    VARCHAR NOT NULL,
    day           DATE NOT NULL,        -- the project's local date
    text          VARCHAR NOT NULL,
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
