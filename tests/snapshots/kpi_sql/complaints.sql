WITH periods(period, start_utc, end_utc, start_date, end_date) AS (VALUES
    (CAST($period_1 AS VARCHAR), CAST($start_utc_1 AS TIMESTAMPTZ), CAST($end_utc_1 AS TIMESTAMPTZ), CAST($start_date_1 AS DATE), CAST($end_date_1 AS DATE)),
    (CAST($period_2 AS VARCHAR), CAST($start_utc_2 AS TIMESTAMPTZ), CAST($end_utc_2 AS TIMESTAMPTZ), CAST($start_date_2 AS DATE), CAST($end_date_2 AS DATE)),
    (CAST($period_3 AS VARCHAR), CAST($start_utc_3 AS TIMESTAMPTZ), CAST($end_utc_3 AS TIMESTAMPTZ), CAST($start_date_3 AS DATE), CAST($end_date_3 AS DATE))
)
SELECT p.period, COUNT(*) AS complaints,
       ((1.0 * (COUNT(*) FILTER (WHERE t.closed_at < p.end_utc AND t.closed_at <= $as_of))) / NULLIF(COUNT(*), 0)) AS complaint_closure_rate
FROM complaints AS t JOIN periods AS p ON t.received_at >= p.start_utc AND t.received_at < p.end_utc
WHERE t.project_id = $project_id AND t.received_at >= $range_start_1 AND t.received_at < $range_end_2 AND ((t.received_at >= $range_start_1 AND t.received_at < $range_end_1) OR (t.received_at >= $range_start_2 AND t.received_at < $range_end_2))
GROUP BY p.period
