"""The 投诉登记 page's form: one form for a new complaint and for the follow-up of a recorded one
(root cause, handling, the follow-up call, closing). reporting/complaints.py checks the role and
the values again; times are entered in the project's timezone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from domain.periods import Period
from reporting import complaints
from reporting.roles import Actor, PermissionDenied
from ui import cached
from ui.confirmation import confirm_after_rerun
from ui.database import database
from ui.i18n import current_language, plain, t


def complaint_form(
    user: Actor, project_id: str, timezone: str, period: Period, existing: dict | None
) -> None:
    """Record a new complaint (``existing`` None) or update the one given (a row of the list);
    the confirmation says so when it belongs to another period than the one shown."""
    zone = ZoneInfo(timezone)
    old = existing or {}
    key = f"complaint_{old.get('complaint_id', 'new')}"
    with st.form(key, clear_on_submit=existing is None):
        left, right = st.columns(2)
        received = _moment(left, "complaints.received_at", old.get("received_at"), zone, key, required=True)
        severity = right.selectbox(
            t("complaints.severity"),
            complaints.SEVERITIES,
            index=complaints.SEVERITIES.index(old.get("severity") or "normal"),
            format_func=lambda s: t(f"complaints.severity.{s}"),
        )
        ticket_id = left.text_input(t("complaints.ticket_id"), old.get("ticket_id") or "")
        complainant = right.text_input(t("complaints.complainant"), old.get("complainant") or "")
        description = st.text_area(t("complaints.description"), old.get("description") or "")
        root_cause = st.text_area(t("complaints.root_cause"), old.get("root_cause") or "")
        handling = st.text_area(t("complaints.handling"), old.get("handling") or "")
        left, right = st.columns(2)
        follow_up_at = _moment(left, "complaints.follow_up_at", old.get("follow_up_at"), zone, key)
        follow_up_result = right.text_input(
            t("complaints.follow_up_result"), old.get("follow_up_result") or ""
        )
        closed_at = _moment(st, "complaints.closed_at", old.get("closed_at"), zone, key)
        label = t("complaints.update" if existing else "complaints.record")
        if not st.form_submit_button(label, type="primary"):
            return
    try:
        number = old.get("complaint_id") or complaints.next_number(project_id, received, db=database())
        complaints.save_complaint(
            user,
            project_id,
            complaints.Complaint(
                complaint_id=number,
                received_at=received,
                description=description,
                severity=severity,
                ticket_id=ticket_id,
                complainant=complainant,
                root_cause=root_cause,
                handling=handling,
                follow_up_at=follow_up_at,
                follow_up_result=follow_up_result,
                closed_at=closed_at,
            ),
            new=existing is None,
            db=database(),
        )
    except (complaints.ComplaintError, PermissionDenied) as exc:
        st.error(plain(str(exc)))
        return
    cached.clear()  # the complaint KPIs changed
    if period.start <= received.date() < period.end:
        confirm_after_rerun(t("complaints.saved", number=number))
    else:
        elsewhere = Period.containing(received.date(), period.kind).display(current_language())
        confirm_after_rerun(t("complaints.saved_elsewhere", number=number, period=elsewhere))
    st.rerun()


def _moment(
    place, label_key: str, value, zone: ZoneInfo, key: str, *, required: bool = False
) -> datetime | None:
    """A date and a time in the project's timezone; an optional one may be left empty."""
    local = None if value is None or pd.isna(value) else pd.Timestamp(value).tz_convert(zone)
    day_col, time_col = place.columns(2)
    day = day_col.date_input(
        t(label_key),
        local.date() if local is not None else (date.today() if required else None),
        key=f"{key}_{label_key}_day",
    )
    moment = time_col.time_input(
        t("complaints.time"), local.time() if local is not None else time(9, 0), key=f"{key}_{label_key}_time"
    )
    if day is None:
        return None
    return datetime.combine(day, moment, tzinfo=zone)
