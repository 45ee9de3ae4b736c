-- Issue 12 item 4: an approved version is one sealed record, vouched for by a hash-chained
-- audit trail (reporting/archive.py explains what is hashed and why the chain is per report).
--
-- report_versions.seal_manifest: canonical JSON of what the approval froze (report, version,
--   project, period, kind, each format's sha256, the snapshot's and the narrative's sha256,
--   author, approver, approval time); seal_sha256: the sha256 of that text.
-- audit_events.seq: the event's place in its report's chain (1, 2, …); seal_sha256: the seal,
--   on an approve event; prev_hash: the previous event's event_hash ('' for the first, or a
--   digest of the report's events from before this migration); event_hash: sha256 of the
--   event's content with seq, seal_sha256 and prev_hash.
--
-- Rows already here keep NULL in every new column: a version approved before this migration
-- verifies as "sealed: no (approved before sealing)", checked against the sha256 it recorded;
-- its report's events get chained by the report's next event. They are not sealed here:
-- sealing now would vouch, with the approval's authority, for whatever the rows hold today.
ALTER TABLE report_versions ADD COLUMN seal_manifest VARCHAR;
ALTER TABLE report_versions ADD COLUMN seal_sha256 VARCHAR;
ALTER TABLE audit_events ADD COLUMN seq INTEGER;
ALTER TABLE audit_events ADD COLUMN seal_sha256 VARCHAR;
ALTER TABLE audit_events ADD COLUMN prev_hash VARCHAR;
ALTER TABLE audit_events ADD COLUMN event_hash VARCHAR;
