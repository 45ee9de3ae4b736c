-- Issue 18: saved views. A user names the page they are on with its filters and period (the
-- URL's path and query string), opens it again from the sidebar, shares it as a link, and may
-- make one their start page (at most one per user: reporting/saved_views.py keeps it so).
CREATE TABLE saved_views (
    view_id     VARCHAR PRIMARY KEY,
    user_id     VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    page        VARCHAR NOT NULL,   -- the page's URL path ("" is the overview)
    query       VARCHAR NOT NULL,   -- project=…&kind=…&period=…&compare=…
    is_start    BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, name)
);
