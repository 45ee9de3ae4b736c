-- Issue 14: PostgreSQL reads a project's period through indexes. DuckDB needs none (it skips
-- row groups by their min/max), so this file runs on PostgreSQL only.
--
-- The KPI queries select tickets by project and one of three instants, and join the status
-- history, callbacks and worklogs of those tickets. Without these indexes PostgreSQL, which
-- often cannot estimate how few tickets a period holds, joins by scanning whole tables once
-- per ticket.
CREATE INDEX tickets_created ON tickets (project_id, created_at);
CREATE INDEX tickets_resolved ON tickets (project_id, resolved_at);
CREATE INDEX tickets_closed ON tickets (project_id, closed_at);
CREATE INDEX ticket_status_history_ticket ON ticket_status_history (project_id, ticket_id);
CREATE INDEX satisfaction_responded ON satisfaction (project_id, responded_at);
CREATE INDEX satisfaction_ticket ON satisfaction (project_id, ticket_id);
CREATE INDEX outages_started ON outages (project_id, started_at);
CREATE INDEX worklogs_day ON worklogs (project_id, day);
