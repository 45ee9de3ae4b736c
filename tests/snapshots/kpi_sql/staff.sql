WITH periods(period, start_utc, end_utc, start_date, end_date) AS (VALUES
    (CAST($period_1 AS VARCHAR), CAST($start_utc_1 AS TIMESTAMPTZ), CAST($end_utc_1 AS TIMESTAMPTZ), CAST($start_date_1 AS DATE), CAST($end_date_1 AS DATE)),
    (CAST($period_2 AS VARCHAR), CAST($start_utc_2 AS TIMESTAMPTZ), CAST($end_utc_2 AS TIMESTAMPTZ), CAST($start_date_2 AS DATE), CAST($end_date_2 AS DATE)),
    (CAST($period_3 AS VARCHAR), CAST($start_utc_3 AS TIMESTAMPTZ), CAST($end_utc_3 AS TIMESTAMPTZ), CAST($start_date_3 AS DATE), CAST($end_date_3 AS DATE))
),
logged AS (
    SELECT p.period, SUM(t.hours) AS hours FROM worklogs AS t
    JOIN periods AS p ON t.day >= p.start_date AND t.day < p.end_date
    WHERE t.project_id = $project_id GROUP BY p.period
),
available AS (
    SELECT p.period, SUM(t.hours_available) AS hours FROM staff_capacity AS t
    JOIN periods AS p ON t.month >= p.start_date AND t.month < p.end_date
    WHERE t.project_id = $project_id GROUP BY p.period
)
SELECT p.period, ((1.0 * (COALESCE(l.hours, 0))) / NULLIF(a.hours, 0)) AS staff_utilisation
FROM periods AS p
LEFT JOIN logged AS l ON l.period = p.period
LEFT JOIN available AS a ON a.period = p.period
