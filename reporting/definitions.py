"""Report definitions agreed with the customer: goal, audience, data sources, sections, recipients.

One per project × report kind × period kind. A report without a definition still renders;
the document then says the defaults from the message catalogue.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from email.utils import parseaddr

from sqlmodel import select

from data.db import Database
from data.models import ReportDefinition
from domain.vocabulary import REPORT_KINDS, REPORT_SECTIONS, sections_for
from locales import DEFAULT_LANGUAGE, LANGUAGES
from reporting.export.template import check_template
from reporting.roles import Actor, require_admin

MAIL_FORMATS = ("pdf", "docx", "xlsx")
# One address as mail servers take it (a recipient may also be written "名称 <a@b.c>").
_EMAIL = re.compile(r"[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+")


def get_definition(
    project_id: str, report_kind: str, period_kind: str, *, db: Database
) -> ReportDefinition | None:
    with db.session() as s:
        row = s.exec(_one(project_id, report_kind, period_kind)).first()
        if row is not None:
            s.expunge(row)
        return row


def _one(project_id: str, report_kind: str, period_kind: str):
    return select(ReportDefinition).where(
        ReportDefinition.project_id == project_id,
        ReportDefinition.report_kind == report_kind,
        ReportDefinition.period_kind == period_kind,
    )


def list_definitions(*, db: Database) -> list[ReportDefinition]:
    with db.session() as s:
        rows = s.exec(select(ReportDefinition).order_by(ReportDefinition.project_id)).all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def recipients_text(definition: ReportDefinition | None) -> str:
    """A definition's recipients as a form shows them: comma-separated, "" without a definition."""
    return ", ".join(json.loads(definition.recipients or "[]")) if definition else ""


def parse_recipients(text: str) -> list[str]:
    """The recipients typed in a form, separated by commas; blanks and spaces around are dropped."""
    return [r.strip() for r in text.split(",") if r.strip()]


def save_definition(
    by: Actor,
    *,
    db: Database,
    project_id: str,
    report_kind: str,
    period_kind: str,
    goal: str,
    audience: str,
    data_sources: str,
    sections: Sequence[str] = (),
    recipients: Sequence[str] = (),
    remind_days: int = 3,
    language: str = DEFAULT_LANGUAGE,
    mail_formats: Sequence[str] = ("pdf",),
    confidentiality: str = "",
) -> None:
    """Create or replace the definition (admins only: it is agreed with the customer).

    ``recipients`` are the e-mail addresses the published report is sent to (reporting/schedule.py),
    in ``language`` with ``mail_formats`` attached; the author is reminded ``remind_days``
    working days before the deadline."""
    require_admin(by)
    if report_kind not in REPORT_KINDS:
        raise ValueError(f"report kind must be one of {', '.join(REPORT_KINDS)}")
    for address in recipients:
        if not _EMAIL.fullmatch(parseaddr(address)[1]):
            raise ValueError(f"recipient {address!r} is not an e-mail address (a@b.c or 名称 <a@b.c>)")
    if not 0 <= remind_days <= 20:
        raise ValueError(f"remind days must be between 0 and 20, not {remind_days}")
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    _check_sections(report_kind, sections)
    if not mail_formats or set(mail_formats) - set(MAIL_FORMATS):
        raise ValueError(f"mail formats must be some of {', '.join(MAIL_FORMATS)}")
    with db.session(write=True) as s:
        row = s.exec(_one(project_id, report_kind, period_kind)).first() or ReportDefinition(
            project_id=project_id, report_kind=report_kind, period_kind=period_kind
        )
        row.goal, row.audience, row.data_sources = goal, audience, data_sources
        row.sections = json.dumps(list(sections), ensure_ascii=False)
        row.recipients = json.dumps(list(recipients), ensure_ascii=False)
        row.remind_days, row.language = remind_days, language
        row.mail_formats = json.dumps([f for f in MAIL_FORMATS if f in mail_formats])
        row.confidentiality = confidentiality.strip() or None
        s.add(row)
        s.commit()


def set_template(
    by: Actor,
    *,
    db: Database,
    project_id: str,
    report_kind: str,
    period_kind: str,
    template: bytes | None,
    name: str = "",
) -> None:
    """Give the definition the customer's Word template (``template_docx``), or take it away
    (None: the default template again). A template the report cannot be laid out in is refused
    (``TemplateError``, saying why) and nothing changes. Admins only, like the definition."""
    require_admin(by)
    if template is not None:
        check_template(template, name or "template")
    with db.session(write=True) as s:
        row = s.exec(_one(project_id, report_kind, period_kind)).first()
        if row is None:
            raise ValueError(
                f"no report definition for {project_id} {report_kind} {period_kind}: save it first"
            )
        row.template_docx, row.template_name = template, (name or "template.docx") if template else None
        s.add(row)
        s.commit()


def _check_sections(report_kind: str, sections: Sequence[str]) -> None:
    """Known sections only; none for the department in the customer's report (its audience)."""
    unknown = [key for key in sections if key not in REPORT_SECTIONS]
    if unknown:
        raise ValueError(f"unknown sections {', '.join(unknown)}: choose from {', '.join(REPORT_SECTIONS)}")
    internal = [key for key in sections if key not in sections_for(report_kind)]
    if internal:
        raise ValueError(
            f"sections {', '.join(internal)} are for the department only: "
            f"a {report_kind} report may not show them"
        )


def defined_sections(definition: ReportDefinition | None) -> list[str]:
    """The sections a definition names, in document order; empty: every one (the default)."""
    return json.loads(definition.sections or "[]") if definition else []


def mail_formats(definition: ReportDefinition) -> list[str]:
    return json.loads(definition.mail_formats or '["pdf"]')


def recipient_addresses(definition: ReportDefinition) -> list[str]:
    return json.loads(definition.recipients or "[]")
