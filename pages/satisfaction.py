"""满意度 Satisfaction: CSAT trend, score distribution, callbacks within 24 h, surveys, comments."""

from __future__ import annotations

import streamlit as st

from analytics import charts
from ui import cached, widgets
from ui.filters import current
from ui.i18n import current_language, t

CSAT_KPIS = ("csat_avg", "csat_satisfied_rate", "callback_24h_rate")

filters = current()
lang = current_language()
project, period = filters.project.project_id, filters.period.label
events = cached.chart_events(project, period)  # holidays and marked events on the trends
widgets.page_header(t("satisfaction.title"), filters)

if widgets.section("satisfaction.trends"):
    with widgets.computing():
        series = cached.kpi_series(project, period, CSAT_KPIS)
    for column, kpi_id in zip(st.columns(3), CSAT_KPIS, strict=True):
        with column:
            widgets.chart(widgets.figure(charts.catalogue_trend, series, kpi_id, lang, events=events))

if widgets.section("satisfaction.scores"):
    with widgets.computing():
        scores = cached.score_distribution(project, period)
        surveys = cached.survey_summary(project, period)
    left, right = st.columns(2)
    with left:
        widgets.chart(
            widgets.figure(
                charts.bar_chart,
                scores.assign(score=scores["score"].astype(str)),
                x="score",
                y="responses",
                group="kind",
                stacked=False,
                title=t("satisfaction.distribution"),
                unit="count",
                lang=lang,
            )
        )
    with right:
        st.markdown(f"**{t('satisfaction.surveys')}**")
        if surveys.empty:
            st.info(t("satisfaction.no_surveys"))
        else:
            widgets.table(surveys, name=f"surveys-{project}-{period}")

if widgets.section("satisfaction.comments"):
    with widgets.computing():
        comments = cached.comments(project, period)
    widgets.table(comments, name=f"comments-{project}-{period}", height=360)
