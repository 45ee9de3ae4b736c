SELECT a.period,
       AVG(a.availability_pct) FILTER (WHERE a.target IS NOT NULL) AS availability_pct
FROM (WITH periods(period, start_utc, end_utc, start_date, end_date) AS (VALUES
    (CAST($period_1 AS VARCHAR), CAST($start_utc_1 AS TIMESTAMPTZ), CAST($end_utc_1 AS TIMESTAMPTZ), CAST($start_date_1 AS DATE), CAST($end_date_1 AS DATE)),
    (CAST($period_2 AS VARCHAR), CAST($start_utc_2 AS TIMESTAMPTZ), CAST($end_utc_2 AS TIMESTAMPTZ), CAST($start_date_2 AS DATE), CAST($end_date_2 AS DATE)),
    (CAST($period_3 AS VARCHAR), CAST($start_utc_3 AS TIMESTAMPTZ), CAST($end_utc_3 AS TIMESTAMPTZ), CAST($start_date_3 AS DATE), CAST($end_date_3 AS DATE))
),
service_targets(service, target) AS (VALUES
    (CAST($service_1 AS VARCHAR), CAST($target_1 AS DOUBLE PRECISION)),
    (CAST($service_2 AS VARCHAR), CAST($target_2 AS DOUBLE PRECISION))
),
down AS (
    SELECT p.period, t.service,
           COALESCE(SUM(((EXTRACT(EPOCH FROM (LEAST(COALESCE(t.ended_at, $as_of), p.end_utc))) - EXTRACT(EPOCH FROM (GREATEST(t.started_at, p.start_utc)))) / 60.0)) FILTER (WHERE NOT t.planned), 0) AS unplanned_minutes,
           COALESCE(SUM(((EXTRACT(EPOCH FROM (LEAST(COALESCE(t.ended_at, $as_of), p.end_utc))) - EXTRACT(EPOCH FROM (GREATEST(t.started_at, p.start_utc)))) / 60.0)) FILTER (WHERE t.planned), 0) AS planned_minutes
    FROM outages AS t JOIN periods AS p
      ON t.started_at < p.end_utc AND COALESCE(t.ended_at, $as_of) > p.start_utc
    WHERE t.project_id = $project_id AND NOT (COALESCE(t.ended_at < t.started_at, false))
    GROUP BY p.period, t.service
),
listed AS (
    SELECT p.period, g.service FROM periods AS p CROSS JOIN service_targets AS g
    UNION
    SELECT d.period, d.service FROM down AS d
)
SELECT l.period, l.service, g.target,
       CASE WHEN ((EXTRACT(EPOCH FROM (LEAST(p.end_utc, $as_of))) - EXTRACT(EPOCH FROM (p.start_utc))) / 60.0) > 0
            THEN 100.0 * GREATEST(0, 1 - COALESCE(d.unplanned_minutes, 0) / ((EXTRACT(EPOCH FROM (LEAST(p.end_utc, $as_of))) - EXTRACT(EPOCH FROM (p.start_utc))) / 60.0))
       END AS availability_pct,
       COALESCE(d.unplanned_minutes, 0) AS unplanned_minutes,
       COALESCE(d.planned_minutes, 0) AS planned_minutes
FROM listed AS l
JOIN periods AS p ON p.period = l.period
LEFT JOIN down AS d ON d.period = l.period AND d.service = l.service
LEFT JOIN service_targets AS g ON g.service = l.service) AS a GROUP BY a.period
