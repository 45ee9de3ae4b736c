WITH periods(period, start_utc, end_utc, start_date, end_date) AS (VALUES
    (CAST($period_1 AS VARCHAR), CAST($start_utc_1 AS TIMESTAMPTZ), CAST($end_utc_1 AS TIMESTAMPTZ), CAST($start_date_1 AS DATE), CAST($end_date_1 AS DATE)),
    (CAST($period_2 AS VARCHAR), CAST($start_utc_2 AS TIMESTAMPTZ), CAST($end_utc_2 AS TIMESTAMPTZ), CAST($start_date_2 AS DATE), CAST($end_date_2 AS DATE)),
    (CAST($period_3 AS VARCHAR), CAST($start_utc_3 AS TIMESTAMPTZ), CAST($end_utc_3 AS TIMESTAMPTZ), CAST($start_date_3 AS DATE), CAST($end_date_3 AS DATE))
)
SELECT p.period, ((1.0 * (COUNT(*) FILTER (WHERE CAST(t.approved_at AT TIME ZONE $tz AS DATE) <= t.due_date))) / NULLIF(COUNT(*), 0)) AS report_on_time_rate
FROM reports AS t JOIN periods AS p ON t.due_date >= p.start_date AND t.due_date < p.end_date
WHERE t.project_id = $project_id
GROUP BY p.period
