"""The names every layer shares, each declared once (DESIGN §2): the database stores them,
importers map their synonyms onto them, analytics counts by them, reporting and the pages
show them (locales hold their display names).

A part of a vocabulary that means something to one module (the roles that see every project,
the states whose version is frozen) is declared in that module with ``subset``, which refuses
a name that is not in the vocabulary: a misspelt state fails on import instead of never matching.
"""

from __future__ import annotations

# Tickets (DESIGN §3)
KINDS = ("incident", "request", "problem", "change", "release")
PRIORITIES = ("P1", "P2", "P3", "P4")
TIERS = ("L1", "L2", "L3")  # support levels: L1 is the first line
SLA_CLOCKS = ("response", "resolution")  # what a policy sets a target for, per kind and priority
CHANGE_TYPES = ("standard", "normal", "emergency")
CHANGE_OUTCOMES = ("successful", "failed", "rolled_back", "cancelled")
STATUSES = ("new", "in_progress", "pending", "resolved", "closed", "cancelled")
FEEDBACK_KINDS = ("callback", "survey")
COMPLAINT_SEVERITIES = ("normal", "major")

# The report workflow (issue 6)
ROLES = ("admin", "author", "approver", "viewer", "quality")
REPORT_KINDS = ("external", "internal")
ORGANISATION_REPORT_KINDS = ("quality", "review")  # every project in one document, not per project
# The period report's sections in document order (DESIGN §1), each with its audience: "external"
# sections are in the customer's 服务报告 and the department's 服务总结; "internal" ones (people,
# teams, raw feedback, data quality) only in the 服务总结, whatever a report definition asks for.
REPORT_SECTIONS = {
    "summary": "external",
    "sla": "external",
    "progress": "external",
    "groups": "internal",
    "major_incidents": "external",
    "changes": "external",
    "workload": "external",
    "staff": "internal",
    "satisfaction": "external",
    "feedback": "internal",
    "complaints": "external",
    "complaint_review": "internal",
    "unmet": "external",
    "issues": "external",
    "plan": "external",
    "data_quality": "internal",
}


def sections_for(kind: str) -> list[str]:
    """The sections a report of ``kind`` may show, in document order."""
    return [key for key, audience in REPORT_SECTIONS.items() if kind == "internal" or audience == "external"]


REPORT_STATES = ("draft", "submitted", "returned", "approved", "published", "archived")
ACTION_STATUSES = ("open", "in_progress", "done", "cancelled")  # of a corrective action


def subset(vocabulary: tuple[str, ...], *names: str) -> tuple[str, ...]:
    """``names``, in the order given, once each is known to be a name of ``vocabulary``."""
    unknown = [name for name in names if name not in vocabulary]
    if unknown:
        raise ValueError(f"{', '.join(unknown)} not in {', '.join(vocabulary)}")
    return names


WITH_THE_AUTHOR = subset(REPORT_STATES, "draft", "returned")  # a report being written
