"""Events on a project's timeline (issue 18 item 5): what its people mark ("机房搬迁", a
release) and the statutory holidays of its calendar, shown as markers on the trend charts of
the pages and the documents.

Marking and removing: admins, approvers and the project's authors; everyone who sees the
project's figures sees its events.
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

from sqlmodel import select

from analytics.calendars import statutory_holidays
from data.db import Database
from data.models import Annotation
from data.projects import get_project
from domain.periods import Period
from domain.vocabulary import ROLES, subset
from locales import translate
from reporting.roles import Actor, PermissionDenied, require_live_view
from reporting.users import UserError

WRITER_ROLES = subset(ROLES, "admin", "approver", "author")
TEXT_LIMIT = 40  # characters: a marker's label, not a note
TREND_PERIODS = 12  # the periods a trend chart shows, the chosen one last


def may_mark(actor: Actor, project_id: str) -> bool:
    return not actor.is_customer and actor.role in WRITER_ROLES and actor.covers(project_id)


def add_event(actor: Actor, project_id: str, day: date, text: str, *, db: Database) -> Annotation:
    if not may_mark(actor, project_id):
        raise PermissionDenied(f"{actor.username} may not mark events of project {project_id}")
    text = " ".join(text.split())
    if not text:
        raise UserError("event_text_empty")
    if len(text) > TEXT_LIMIT or any(unicodedata.category(ch).startswith("C") for ch in text):
        raise UserError("event_text_invalid", limit=TEXT_LIMIT)
    with db.session(write=True, expire_on_commit=False) as s:
        event = Annotation(project_id=project_id, day=day, text=text, created_by=actor.user_id)
        s.add(event)
        s.commit()
        return event


def delete_event(actor: Actor, annotation_id: str, *, db: Database) -> None:
    with db.session(write=True) as s:
        event = s.get(Annotation, annotation_id)
        if event is None:
            raise UserError("event_unknown")
        if not may_mark(actor, event.project_id):
            raise PermissionDenied(f"{actor.username} may not remove events of project {event.project_id}")
        s.delete(event)
        s.commit()


def list_events(actor: Actor, project_id: str, *, db: Database) -> list[Annotation]:
    """The project's marked events, newest first."""
    require_live_view(actor, project_id)
    with db.session() as s:
        query = select(Annotation).where(Annotation.project_id == project_id)
        return list(s.exec(query.order_by(Annotation.day.desc(), Annotation.created_at.desc())).all())


def chart_events(
    project_id: str, period: Period, lang: str, *, db: Database, count: int = TREND_PERIODS
) -> tuple[tuple[str, str, bool], ...]:
    """``(period label, names, any marked by people)`` per period of ``period``'s trend (its
    last ``count`` periods) that holds holidays or marked events, in order; several in one
    period are joined ("国庆节、机房搬迁")."""
    periods = period.recent(count)
    first, end = periods[0].start, periods[-1].end  # end: the day after the last
    calendar = get_project(project_id, db=db).policy.calendar
    found = [
        (day, translate(f"holiday.{name}", lang), False)
        for day, name in statutory_holidays(calendar, first, end - timedelta(days=1))
    ]
    with db.session() as s:
        marked = s.exec(
            select(Annotation).where(
                Annotation.project_id == project_id, Annotation.day >= first, Annotation.day < end
            )
        ).all()
    found += [(event.day, event.text, True) for event in marked]
    by_period: dict[str, list[tuple[str, bool]]] = {}
    for day, text, by_people in sorted(found):
        holding = next(p for p in periods if p.start <= day < p.end)  # a custom range too
        by_period.setdefault(holding.label, []).append((text, by_people))
    separator = translate("chart.event_separator", lang)
    return tuple(
        (label, separator.join(dict.fromkeys(text for text, _ in named)), any(m for _, m in named))
        for label, named in by_period.items()
    )
