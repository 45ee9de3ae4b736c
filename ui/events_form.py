"""事件标注 under the overview's trends: mark what happened on a day ("机房搬迁", a release) so
that every trend chart of the project shows it beside the holidays; remove a marked event."""

from __future__ import annotations

import streamlit as st

from data.projects import Project
from reporting import annotations
from reporting.roles import Actor
from ui import cached
from ui.database import database
from ui.errors import write_then_rerun
from ui.i18n import plain, t


def events_panel(user: Actor, project: Project) -> None:
    if not annotations.may_mark(user, project.project_id):
        return
    with st.expander(t("events.title"), icon=":material/event_note:"):
        st.caption(t("events.help"))
        with st.form("add_event", clear_on_submit=True, border=False):
            day_column, text_column = st.columns([1, 3])
            day = day_column.date_input(t("events.day"), value=None, format="YYYY-MM-DD")
            text = text_column.text_input(t("events.text"), max_chars=annotations.TEXT_LIMIT)
            if st.form_submit_button(t("events.add"), icon=":material/add:"):
                if day is None:
                    st.error(t("events.day_required"))
                else:
                    write_then_rerun(
                        then=cached.clear_events,
                        call=lambda: annotations.add_event(
                            user, project.project_id, day, text, db=database()
                        ),
                    )
        for event in annotations.list_events(user, project.project_id, db=database()):
            row = st.container(horizontal=True, vertical_alignment="center")
            row.markdown(f"{event.day:%Y-%m-%d}　{plain(event.text)}")
            if row.button(t("events.delete"), key=f"event-{event.annotation_id}", type="tertiary"):
                write_then_rerun(
                    then=cached.clear_events,
                    call=lambda e=event: annotations.delete_event(user, e.annotation_id, db=database()),
                )
