"""Streamlit helpers of the approval tab: who is viewing, workflow writes, report preview,
SMTP settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from analytics.kpis import unmet_kpis
from data.models import as_utc
from domain.periods import Period
from reporting import drafting, users, workflow
from reporting.outbox import SmtpConfig
from reporting.report_model import Chart, Paragraph, ReportContent, Subheading, Table
from reporting.roles import Actor, PermissionDenied
from ui import cached
from ui.confirmation import confirm_after_rerun
from ui.database import database, figures, projects
from ui.i18n import current_language, plain, t


def workflow_pages(user: Actor) -> list:
    """The approval tab for everyone signed in; user management and scheduled duties for admins."""
    pages = [
        st.Page("pages/approval.py", title=t("nav.approval"), icon=":material/approval:", url_path="approval")
    ]
    if user.role == "admin":
        pages.append(
            st.Page(
                "pages/users_admin.py", title=t("nav.users_admin"), icon=":material/group:", url_path="users"
            )
        )
        pages.append(
            st.Page("pages/duties.py", title=t("nav.duties"), icon=":material/schedule:", url_path="duties")
        )
    return pages


def smtp_config() -> SmtpConfig | None:
    """``[smtp]`` of .streamlit/secrets.toml, else the SERVICEREPORT_SMTP_* environment."""
    try:
        from_secrets = SmtpConfig.from_mapping(st.secrets.get("smtp"))
    except FileNotFoundError:  # no secrets file at all
        from_secrets = None
    return from_secrets or SmtpConfig.from_env()


@dataclass(frozen=True)
class Viewer:
    """Who looks at the approval tab, read once per run and handed to every panel: one user,
    language and day for the whole page, and the user table read once instead of per panel."""

    user: Actor
    lang: str
    today: date
    names: dict[str, str]  # user_id → display name
    zones: dict[str, ZoneInfo]  # project_id → the project's timezone

    @classmethod
    def read(cls, user: Actor) -> Viewer:
        zones = {p.project_id: ZoneInfo(p.timezone) for p in projects()}
        return cls(user, current_language(), date.today(), users.display_names(db=database()), zones)

    def local(self, moment: datetime, project_id: str) -> str:
        """Timestamps are stored in UTC; people read them in the project's timezone."""
        zone = self.zones.get(project_id, ZoneInfo("Asia/Shanghai"))
        return as_utc(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def run_write(action_label: str, call: Callable[[], object], *, changes_report_dates: bool = False) -> None:
    """Run a workflow call; on success rerun (clearing the figures that read report dates when
    ``changes_report_dates``), else show why nothing changed."""
    try:
        call()
    except workflow.ConcurrentEditError as exc:
        st.error(conflict_message(exc))
        return
    except (users.UserError, drafting.IncompleteReport) as exc:
        st.error(plain(exc.message(current_language())))
        return
    except (workflow.WorkflowError, PermissionDenied, ValueError) as exc:
        st.error(plain(str(exc)))
        return
    if changes_report_dates:
        cached.clear_report_dates()  # report_on_time_rate; the queues are read uncached
    confirm_after_rerun(t("workflow.done", action=action_label))
    st.rerun()


def conflict_message(exc: workflow.ConcurrentEditError) -> str:
    """Someone else acted first: who and what, in the user's language."""
    if exc.by is None:
        return t("common.write_conflict")
    action = t(f"workflow.action.{exc.action}") if exc.action else ""
    return t("workflow.conflict", who=exc.by, action=action)


@st.cache_data(ttl=3600, show_spinner=False)
def unmet(project_id: str, period: str) -> list[str]:
    """The ids of the KPIs below target: the narrative's analysis rows."""
    return [u.value.id for u in unmet_kpis(project_id, Period.parse(period), db=figures())]


def show_content(content: ReportContent) -> None:
    """The report as the document will read: sections with their text, tables and charts."""
    st.caption(" · ".join(plain(f"{label}: {value}") for label, value in content.cover.fields))
    for section in content.sections:
        st.subheader(plain(section.title))
        for block in section.blocks:
            if isinstance(block, Subheading):
                st.markdown(f"**{plain(block.text)}**")
            elif isinstance(block, Paragraph):
                text = plain(block.text).replace("\n", "  \n")  # keep the author's line breaks
                (st.caption if block.placeholder else st.markdown)(text)
            elif isinstance(block, Table):
                rows = block.display_rows(content.lang)
                st.dataframe(
                    {c.label: [r[i] for r in rows] for i, c in enumerate(block.columns)},
                    hide_index=True,
                    width="stretch",
                )
                if block.note:
                    st.caption(plain(block.note))
            elif isinstance(block, Chart):
                st.plotly_chart(block.figure, key=f"preview_{block.key}", width="stretch")
