"""Customer satisfaction beyond the KPI figures: score distribution, surveys and comments.

csat_avg, csat_satisfied_rate and callback_24h_rate themselves come from analytics/kpis.py.
"""

from __future__ import annotations

import pandas as pd

from data.db import Database
from data.projects import get_project
from domain.periods import Period
from domain.vocabulary import FEEDBACK_KINDS

SCORES = (1, 2, 3, 4, 5)
SATISFIED_FROM = 4  # scores 4 and 5 count as satisfied (DESIGN §4, csat_satisfied_rate)


def score_distribution(project_id: str, period: Period, *, db: Database) -> pd.DataFrame:
    """Responses per kind (callback, survey) and score 1–5 in ``period``; absent scores are 0."""
    con = db.cursor()
    tz = get_project(project_id, db=db).timezone
    start, end = period.bounds_utc(tz)
    counted = con.execute(
        """
        SELECT kind, score, count(*) AS responses
        FROM satisfaction
        WHERE project_id = ? AND responded_at >= ? AND responded_at < ?
        GROUP BY kind, score
        """,
        [project_id, start, end],
    ).df()
    grid = pd.MultiIndex.from_product([FEEDBACK_KINDS, SCORES], names=["kind", "score"])
    return (
        counted.set_index(["kind", "score"])["responses"]
        .reindex(grid, fill_value=0)
        .astype("int64")
        .reset_index()
    )


def survey_summary(project_id: str, period: Period, *, db: Database) -> pd.DataFrame:
    """Periodic surveys answered in ``period`` by month: responses, mean score, satisfied share."""
    con = db.cursor()
    tz = get_project(project_id, db=db).timezone
    start, end = period.bounds_utc(tz)
    return con.execute(
        """
        SELECT substr(CAST(CAST(responded_at AT TIME ZONE $tz AS DATE) AS VARCHAR), 1, 7) AS month,
               count(*) AS responses,
               avg(score) AS mean_score,
               avg(CASE WHEN score >= $satisfied_from THEN 1.0 ELSE 0.0 END) AS satisfied_rate
        FROM satisfaction
        WHERE project_id = $project_id AND kind = 'survey' AND responded_at >= $start AND responded_at < $end
        GROUP BY 1 ORDER BY 1
        """,
        {"project_id": project_id, "start": start, "end": end, "tz": tz, "satisfied_from": SATISFIED_FROM},
    ).df()


def comments(project_id: str, period: Period, *, db: Database, limit: int = 500) -> pd.DataFrame:
    """Written feedback of ``period``, lowest scores first (what needs a follow-up), local times.

    Callback comments carry their ticket's id and title; survey comments have none.
    """
    con = db.cursor()
    tz = get_project(project_id, db=db).timezone
    start, end = period.bounds_utc(tz)
    return con.execute(
        """
        SELECT s.responded_at AT TIME ZONE $tz AS responded_at, s.kind, s.score,
               s.ticket_id, t.title, s.comment
        FROM satisfaction AS s
        LEFT JOIN tickets AS t ON t.project_id = s.project_id AND t.ticket_id = s.ticket_id
        WHERE s.project_id = $project_id AND s.responded_at >= $start AND s.responded_at < $end
          AND s.comment IS NOT NULL AND trim(s.comment) <> ''
        ORDER BY s.score, s.responded_at DESC
        LIMIT $limit
        """,
        {"project_id": project_id, "start": start, "end": end, "tz": tz, "limit": limit},
    ).df()
