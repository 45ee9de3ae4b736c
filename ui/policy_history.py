"""The SLA policy editor's history tab: every recorded change of the project's policy (when,
who, from where, why, lines changed) and the diff of the one chosen."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from data.projects import Project
from reporting.policies import ChangeView
from ui.i18n import current_language, t, t_text


def show_history(changes: list[ChangeView], project: Project) -> None:
    lang = current_language()
    if not changes:
        st.info(t("policy.history.none"))
        return
    zone = ZoneInfo(project.timezone)
    rows = [
        {
            t_text("policy.history.when"): c.changed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            t_text("policy.history.who"): c.who(lang),
            t_text("policy.history.source"): t_text(f"policy.history.source.{c.source}"),
            t_text("policy.history.comment"): c.comment or "",
            t_text("policy.history.lines"): f"+{c.lines_changed[0]} −{c.lines_changed[1]}",
            t_text("policy.history.note"): t_text("policy.history.unrecorded") if c.unrecorded_before else "",
        }
        for c in changes
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="policy_history")
    chosen = st.selectbox(
        t("policy.history.show"),
        range(len(changes)),
        format_func=lambda i: f"{rows[i][t_text('policy.history.when')]} · {changes[i].who(lang)}",
        key=f"policy_history_pick_{project.project_id}",
    )
    st.code(changes[chosen].diff(lang) or t_text("policy.history.no_diff"), language="diff")
