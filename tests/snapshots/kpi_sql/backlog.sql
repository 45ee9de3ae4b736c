WITH periods(period, start_utc, end_utc, start_date, end_date) AS (VALUES
    (CAST($period_1 AS VARCHAR), CAST($start_utc_1 AS TIMESTAMPTZ), CAST($end_utc_1 AS TIMESTAMPTZ), CAST($start_date_1 AS DATE), CAST($end_date_1 AS DATE)),
    (CAST($period_2 AS VARCHAR), CAST($start_utc_2 AS TIMESTAMPTZ), CAST($end_utc_2 AS TIMESTAMPTZ), CAST($start_date_2 AS DATE), CAST($end_date_2 AS DATE)),
    (CAST($period_3 AS VARCHAR), CAST($start_utc_3 AS TIMESTAMPTZ), CAST($end_utc_3 AS TIMESTAMPTZ), CAST($start_date_3 AS DATE), CAST($end_date_3 AS DATE))
),
open_tickets AS (
    SELECT t.kind, t.created_at, t.resolved_at, COALESCE(t.resolved_at, CASE WHEN t.status = 'cancelled' THEN COALESCE(t.closed_at, t.created_at) END) AS left_at
    FROM tickets AS t
    WHERE t.project_id = $project_id AND t.kind IN ($ticket_kind_1, $ticket_kind_2, $ticket_kind_3)
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
      AND t.created_at < $span_end
      AND ((t.kind = 'problem' AND (t.resolved_at IS NULL OR t.resolved_at >= $span_start))
           OR t.resolved_at IS NULL OR (t.created_at < $end_utc_1 AND t.resolved_at >= $end_utc_1) OR (t.created_at < $end_utc_2 AND t.resolved_at >= $end_utc_2) OR (t.created_at < $end_utc_3 AND t.resolved_at >= $end_utc_3))
)
SELECT p.period,
       COUNT(*) FILTER (WHERE o.kind IN ($ticket_kind_1, $ticket_kind_2) AND o.created_at < p.end_utc AND (o.left_at IS NULL OR o.left_at >= p.end_utc)) AS backlog_end,
       ((1.0 * (COUNT(*) FILTER (WHERE o.kind = 'problem' AND o.resolved_at >= p.start_utc AND o.resolved_at < p.end_utc))) / NULLIF(COUNT(*) FILTER (WHERE o.kind = 'problem' AND o.created_at < p.start_utc AND (o.resolved_at IS NULL OR o.resolved_at >= p.start_utc)) + COUNT(*) FILTER (WHERE o.kind = 'problem' AND o.created_at >= p.start_utc AND o.created_at < p.end_utc), 0)) AS problem_resolution_rate
FROM open_tickets AS o CROSS JOIN periods AS p
GROUP BY p.period
