WITH periods(period, start_utc, end_utc, start_date, end_date) AS (VALUES
    (CAST($period_1 AS VARCHAR), CAST($start_utc_1 AS TIMESTAMPTZ), CAST($end_utc_1 AS TIMESTAMPTZ), CAST($start_date_1 AS DATE), CAST($end_date_1 AS DATE)),
    (CAST($period_2 AS VARCHAR), CAST($start_utc_2 AS TIMESTAMPTZ), CAST($end_utc_2 AS TIMESTAMPTZ), CAST($start_date_2 AS DATE), CAST($end_date_2 AS DATE)),
    (CAST($period_3 AS VARCHAR), CAST($start_utc_3 AS TIMESTAMPTZ), CAST($end_utc_3 AS TIMESTAMPTZ), CAST($start_date_3 AS DATE), CAST($end_date_3 AS DATE))
),
source AS (
    SELECT p.period, t.*
    FROM tickets AS t JOIN periods AS p ON t.created_at >= p.start_utc AND t.created_at < p.end_utc
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
      AND t.created_at >= $range_start_1 AND t.created_at < $range_end_2 AND ((t.created_at >= $range_start_1 AND t.created_at < $range_end_1) OR (t.created_at >= $range_start_2 AND t.created_at < $range_end_2))
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
           COALESCE(s.resolved_at, $as_of) AS resolution_end, ((s.created_at) AT TIME ZONE $tz) AS created_local, ((COALESCE(s.first_response_at, $as_of)) AT TIME ZONE $tz) AS response_end_local
    FROM source AS s
    LEFT JOIN sla_targets AS g ON g.kind = s.kind AND g.priority = s.priority
),
clocked AS (
    SELECT c.*,
           GREATEST(CASE WHEN c.on_24x7 THEN ((EXTRACT(EPOCH FROM (c.response_end)) - EXTRACT(EPOCH FROM (c.created_at))) / 60.0) ELSE (k_response.minutes_before + CASE WHEN k_response.working THEN LEAST(GREATEST(((EXTRACT(EPOCH FROM c.response_end_local) - EXTRACT(EPOCH FROM date_trunc('day', c.response_end_local))) / 60.0) - $shift_start_1, 0), $shift_minutes_1) + LEAST(GREATEST(((EXTRACT(EPOCH FROM c.response_end_local) - EXTRACT(EPOCH FROM date_trunc('day', c.response_end_local))) / 60.0) - $shift_start_2, 0), $shift_minutes_2) ELSE 0 END) - (kc.minutes_before + CASE WHEN kc.working THEN LEAST(GREATEST(((EXTRACT(EPOCH FROM c.created_local) - EXTRACT(EPOCH FROM date_trunc('day', c.created_local))) / 60.0) - $shift_start_1, 0), $shift_minutes_1) + LEAST(GREATEST(((EXTRACT(EPOCH FROM c.created_local) - EXTRACT(EPOCH FROM date_trunc('day', c.created_local))) / 60.0) - $shift_start_2, 0), $shift_minutes_2) ELSE 0 END) END, 0) AS response_used
    FROM clock_src AS c
    
    LEFT JOIN work_calendar AS kc ON kc.day = CAST(c.created_local AS DATE)
LEFT JOIN work_calendar AS k_response ON k_response.day = CAST(c.response_end_local AS DATE)
)
SELECT c.period, CASE WHEN GROUPING(c.priority) = 0 THEN 'priority' WHEN GROUPING(c.service) = 0 THEN 'service' END AS dimension, CASE WHEN GROUPING(c.priority) = 0 THEN CAST(c.priority AS VARCHAR) WHEN GROUPING(c.service) = 0 THEN CAST(c.service AS VARCHAR) END AS grp,
       COUNT(*) AS tickets_opened,
       COUNT(*) FILTER (WHERE c.kind = 'incident' AND c.major) AS major_incidents,
       AVG(((EXTRACT(EPOCH FROM (c.first_response_at)) - EXTRACT(EPOCH FROM (c.created_at))) / 60.0)) AS mtta_minutes,
       ((1.0 * (COUNT(*) FILTER (WHERE c.response_minutes IS NOT NULL AND (c.first_response_at IS NOT NULL OR (c.response_used > c.response_minutes AND COALESCE(c.status, '') <> 'cancelled')) AND NOT c.response_used > c.response_minutes))) / NULLIF(COUNT(*) FILTER (WHERE c.response_minutes IS NOT NULL AND (c.first_response_at IS NOT NULL OR (c.response_used > c.response_minutes AND COALESCE(c.status, '') <> 'cancelled'))), 0)) AS response_sla_rate
FROM clocked AS c
GROUP BY GROUPING SETS ((c.period, c.priority), (c.period, c.service))
