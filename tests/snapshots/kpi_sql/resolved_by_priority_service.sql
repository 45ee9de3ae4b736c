WITH periods(period, start_utc, end_utc, start_date, end_date) AS (VALUES
    (CAST($period_1 AS VARCHAR), CAST($start_utc_1 AS TIMESTAMPTZ), CAST($end_utc_1 AS TIMESTAMPTZ), CAST($start_date_1 AS DATE), CAST($end_date_1 AS DATE)),
    (CAST($period_2 AS VARCHAR), CAST($start_utc_2 AS TIMESTAMPTZ), CAST($end_utc_2 AS TIMESTAMPTZ), CAST($start_date_2 AS DATE), CAST($end_date_2 AS DATE)),
    (CAST($period_3 AS VARCHAR), CAST($start_utc_3 AS TIMESTAMPTZ), CAST($end_utc_3 AS TIMESTAMPTZ), CAST($start_date_3 AS DATE), CAST($end_date_3 AS DATE))
),
source AS (
    SELECT p.period, t.*
    FROM tickets AS t JOIN periods AS p ON t.resolved_at >= p.start_utc AND t.resolved_at < p.end_utc
    WHERE t.project_id = $project_id AND t.kind IN ($ticket_kind_1, $ticket_kind_2)
      AND NOT (COALESCE(t.resolved_at < t.created_at, false)
         OR COALESCE(t.first_response_at < t.created_at, false)
         OR COALESCE(t.closed_at < t.resolved_at, false)
         OR COALESCE(t.kind IN ('incident', 'request', 'problem') AND t.status IN ('resolved', 'closed') AND t.resolved_at IS NULL, false)
         OR COALESCE(t.kind IN ('change', 'release') AND t.status = 'closed' AND t.closed_at IS NULL AND t.resolved_at IS NULL, false)
         OR COALESCE(t.created_at > $as_of, false)
         OR COALESCE(t.resolved_at > $as_of, false)
         OR COALESCE(t.created_at < $earliest, false)
         OR COALESCE(t.effort_hours < 0, false)
         OR COALESCE(t.reopen_count < 0, false))
      AND t.resolved_at >= $range_start_1 AND t.resolved_at < $range_end_2 AND ((t.resolved_at >= $range_start_1 AND t.resolved_at < $range_end_1) OR (t.resolved_at >= $range_start_2 AND t.resolved_at < $range_end_2))
),
work_calendar AS (SELECT day, working, minutes_before FROM calendar_days WHERE calendar_key = $calendar_key),
sla_targets(kind, priority, response_minutes, resolution_minutes, on_24x7) AS (VALUES
    (CAST($kind_1 AS VARCHAR), CAST($priority_1 AS VARCHAR), CAST($response_minutes_1 AS DOUBLE PRECISION), CAST($resolution_minutes_1 AS DOUBLE PRECISION), CAST($on_24x7_1 AS BOOLEAN)),
    (CAST($kind_2 AS VARCHAR), CAST($priority_2 AS VARCHAR), CAST($response_minutes_2 AS DOUBLE PRECISION), CAST($resolution_minutes_2 AS DOUBLE PRECISION), CAST($on_24x7_2 AS BOOLEAN)),
    (CAST($kind_3 AS VARCHAR), CAST($priority_3 AS VARCHAR), CAST($response_minutes_3 AS DOUBLE PRECISION), CAST($resolution_minutes_3 AS DOUBLE PRECISION), CAST($on_24x7_3 AS BOOLEAN))
),
clock_src AS (
    SELECT s.*, g.response_minutes, g.resolution_minutes,
           COALESCE(g.on_24x7, $project_24x7) AS on_24x7,
           COALESCE(s.first_response_at, $as_of) AS response_end,
           COALESCE(s.resolved_at, $as_of) AS resolution_end, ((s.created_at) AT TIME ZONE $tz) AS created_local, ((COALESCE(s.resolved_at, $as_of)) AT TIME ZONE $tz) AS resolution_end_local
    FROM source AS s
    LEFT JOIN sla_targets AS g ON g.kind = s.kind AND g.priority = s.priority
),
pause_spans AS (
    SELECT c.ticket_id, GREATEST(t.started_at, c.created_at) AS span_start, LEAST(COALESCE(t.ended_at, COALESCE(c.resolved_at, $as_of)), COALESCE(c.resolved_at, $as_of)) AS span_end
           , ((GREATEST(t.started_at, c.created_at)) AT TIME ZONE $tz) AS span_start_local, ((LEAST(COALESCE(t.ended_at, COALESCE(c.resolved_at, $as_of)), COALESCE(c.resolved_at, $as_of))) AT TIME ZONE $tz) AS span_end_local
    FROM ticket_status_history AS t
    JOIN source AS c ON c.ticket_id = t.ticket_id
    WHERE t.project_id = $project_id AND t.status IN ($pause_status_1)
      AND NOT (COALESCE(t.ended_at < t.started_at, false))
      AND t.started_at < COALESCE(c.resolved_at, $as_of) AND COALESCE(t.ended_at, COALESCE(c.resolved_at, $as_of)) > c.created_at
),
pauses AS (
    SELECT ps.ticket_id, SUM((pb.minutes_before + CASE WHEN pb.working THEN LEAST(GREATEST(((EXTRACT(EPOCH FROM ps.span_end_local) - EXTRACT(EPOCH FROM date_trunc('day', ps.span_end_local))) / 60.0) - $shift_start_1, 0), $shift_minutes_1) + LEAST(GREATEST(((EXTRACT(EPOCH FROM ps.span_end_local) - EXTRACT(EPOCH FROM date_trunc('day', ps.span_end_local))) / 60.0) - $shift_start_2, 0), $shift_minutes_2) ELSE 0 END) - (pa.minutes_before + CASE WHEN pa.working THEN LEAST(GREATEST(((EXTRACT(EPOCH FROM ps.span_start_local) - EXTRACT(EPOCH FROM date_trunc('day', ps.span_start_local))) / 60.0) - $shift_start_1, 0), $shift_minutes_1) + LEAST(GREATEST(((EXTRACT(EPOCH FROM ps.span_start_local) - EXTRACT(EPOCH FROM date_trunc('day', ps.span_start_local))) / 60.0) - $shift_start_2, 0), $shift_minutes_2) ELSE 0 END)) AS paused_business,
           SUM(((EXTRACT(EPOCH FROM (ps.span_end)) - EXTRACT(EPOCH FROM (ps.span_start))) / 60.0)) AS paused_wall
    FROM pause_spans AS ps
    LEFT JOIN work_calendar AS pa ON pa.day = CAST(ps.span_start_local AS DATE)
LEFT JOIN work_calendar AS pb ON pb.day = CAST(ps.span_end_local AS DATE)
    GROUP BY ps.ticket_id
),
clocked AS (
    SELECT c.*,
           GREATEST(CASE WHEN c.on_24x7 THEN ((EXTRACT(EPOCH FROM (c.resolution_end)) - EXTRACT(EPOCH FROM (c.created_at))) / 60.0) ELSE (k_resolution.minutes_before + CASE WHEN k_resolution.working THEN LEAST(GREATEST(((EXTRACT(EPOCH FROM c.resolution_end_local) - EXTRACT(EPOCH FROM date_trunc('day', c.resolution_end_local))) / 60.0) - $shift_start_1, 0), $shift_minutes_1) + LEAST(GREATEST(((EXTRACT(EPOCH FROM c.resolution_end_local) - EXTRACT(EPOCH FROM date_trunc('day', c.resolution_end_local))) / 60.0) - $shift_start_2, 0), $shift_minutes_2) ELSE 0 END) - (kc.minutes_before + CASE WHEN kc.working THEN LEAST(GREATEST(((EXTRACT(EPOCH FROM c.created_local) - EXTRACT(EPOCH FROM date_trunc('day', c.created_local))) / 60.0) - $shift_start_1, 0), $shift_minutes_1) + LEAST(GREATEST(((EXTRACT(EPOCH FROM c.created_local) - EXTRACT(EPOCH FROM date_trunc('day', c.created_local))) / 60.0) - $shift_start_2, 0), $shift_minutes_2) ELSE 0 END) END - CASE WHEN c.on_24x7 THEN COALESCE(p.paused_wall, 0) ELSE COALESCE(p.paused_business, 0) END, 0) AS resolution_used
    FROM clock_src AS c
    LEFT JOIN pauses AS p ON p.ticket_id = c.ticket_id
    LEFT JOIN work_calendar AS kc ON kc.day = CAST(c.created_local AS DATE)
LEFT JOIN work_calendar AS k_resolution ON k_resolution.day = CAST(c.resolution_end_local AS DATE)
),
callbacks AS (
    SELECT DISTINCT r.ticket_id
    FROM satisfaction AS f JOIN source AS r ON r.ticket_id = f.ticket_id
    WHERE f.project_id = $project_id AND f.kind = 'callback'
      AND f.responded_at >= $callbacks_from
      AND f.responded_at <= $callbacks_until
      AND f.responded_at >= r.resolved_at
      AND f.responded_at <= r.resolved_at + INTERVAL '24 hours'
)
SELECT c.period, CASE WHEN GROUPING(c.priority) = 0 THEN 'priority' WHEN GROUPING(c.service) = 0 THEN 'service' END AS dimension, CASE WHEN GROUPING(c.priority) = 0 THEN CAST(c.priority AS VARCHAR) WHEN GROUPING(c.service) = 0 THEN CAST(c.service AS VARCHAR) END AS grp,
       COUNT(*) AS tickets_resolved,
       ((1.0 * (COUNT(*) FILTER (WHERE c.resolution_minutes IS NOT NULL AND NOT c.resolution_used > c.resolution_minutes))) / NULLIF(COUNT(*) FILTER (WHERE c.resolution_minutes IS NOT NULL), 0)) AS resolution_sla_rate,
       AVG(((EXTRACT(EPOCH FROM (c.resolved_at)) - EXTRACT(EPOCH FROM (c.created_at))) / 60.0) / 60.0) AS mttr_hours,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY ((EXTRACT(EPOCH FROM (c.resolved_at)) - EXTRACT(EPOCH FROM (c.created_at))) / 60.0) / 60.0)
           AS mttr_hours_median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY ((EXTRACT(EPOCH FROM (c.resolved_at)) - EXTRACT(EPOCH FROM (c.created_at))) / 60.0) / 60.0)
           AS mttr_hours_p90,
       AVG(c.resolution_used) / 60.0 AS mttr_business_hours,
       ((1.0 * (COUNT(*) FILTER (WHERE c.tier = 'L1' AND NOT c.escalated))) / NULLIF(COUNT(*), 0)) AS fcr_rate,
       ((1.0 * (COUNT(*) FILTER (WHERE c.escalated))) / NULLIF(COUNT(*), 0)) AS escalation_rate,
       ((1.0 * (COUNT(*) FILTER (WHERE c.reopen_count > 0))) / NULLIF(COUNT(*), 0)) AS reopen_rate,
       ((1.0 * (COUNT(*) FILTER (WHERE b.ticket_id IS NOT NULL))) / NULLIF(COUNT(*), 0)) AS callback_24h_rate,
       SUM(c.effort_hours) AS effort_hours
FROM clocked AS c LEFT JOIN callbacks AS b ON b.ticket_id = c.ticket_id
GROUP BY GROUPING SETS ((c.period, c.priority), (c.period, c.service))
