WITH periods(period, start_utc, end_utc, start_date, end_date) AS (VALUES
    (CAST($period_1 AS VARCHAR), CAST($start_utc_1 AS TIMESTAMPTZ), CAST($end_utc_1 AS TIMESTAMPTZ), CAST($start_date_1 AS DATE), CAST($end_date_1 AS DATE)),
    (CAST($period_2 AS VARCHAR), CAST($start_utc_2 AS TIMESTAMPTZ), CAST($end_utc_2 AS TIMESTAMPTZ), CAST($start_date_2 AS DATE), CAST($end_date_2 AS DATE)),
    (CAST($period_3 AS VARCHAR), CAST($start_utc_3 AS TIMESTAMPTZ), CAST($end_utc_3 AS TIMESTAMPTZ), CAST($start_date_3 AS DATE), CAST($end_date_3 AS DATE))
)
SELECT p.period,
       ((1.0 * (COUNT(*) FILTER (WHERE t.outcome = 'successful'))) / NULLIF(COUNT(*) FILTER (WHERE COALESCE(t.outcome, '') <> 'cancelled' AND COALESCE(t.status, '') <> 'cancelled'), 0)) AS change_success_rate,
       ((1.0 * (COUNT(*) FILTER (WHERE t.change_type = 'emergency'))) / NULLIF(COUNT(*), 0)) AS emergency_change_ratio
FROM tickets AS t JOIN periods AS p ON COALESCE(t.closed_at, t.resolved_at) >= p.start_utc AND COALESCE(t.closed_at, t.resolved_at) < p.end_utc
WHERE t.project_id = $project_id AND t.kind IN ($ticket_kind_1)
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
  AND COALESCE(t.closed_at, t.resolved_at) >= $range_start_1 AND COALESCE(t.closed_at, t.resolved_at) < $range_end_2 AND ((COALESCE(t.closed_at, t.resolved_at) >= $range_start_1 AND COALESCE(t.closed_at, t.resolved_at) < $range_end_1) OR (COALESCE(t.closed_at, t.resolved_at) >= $range_start_2 AND COALESCE(t.closed_at, t.resolved_at) < $range_end_2))
GROUP BY p.period
