"""Who may do what: the authorisation matrix, checked server-side by every reporting/ action.

Roles (issue 6): admin; author (project manager, per project); approver (ops-service
department manager, every project); viewer (per project; a customer viewer sees only the
published external reports of its own projects); quality (the quality department, issue 16:
reads every project, writes nothing). Separation of duties: admins run the
system but neither write nor approve reports, and nobody approves a version they wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.vocabulary import REPORT_STATES, ROLES, subset

# Actions on reports, and the roles that may attempt them. The state machine in
# workflow.py then decides whether the action fits the report's state.
PERMISSIONS: dict[str, frozenset[str]] = {
    "create": frozenset(subset(ROLES, "author")),
    "edit": frozenset(subset(ROLES, "author")),
    "submit": frozenset(subset(ROLES, "author")),
    "return": frozenset(subset(ROLES, "approver")),
    "approve": frozenset(subset(ROLES, "approver")),
    "publish": frozenset(subset(ROLES, "author", "approver")),
    "archive": frozenset(subset(ROLES, "approver", "admin")),
    "comment": frozenset(subset(ROLES, "author", "approver", "admin")),
    "update_action": frozenset(subset(ROLES, "author", "approver")),
    "confirm": frozenset(subset(ROLES, "viewer")),  # a customer account only (CUSTOMER_ACTIONS)
}
# What only the customer does: confirm the report it received.
CUSTOMER_ACTIONS = frozenset({"confirm"})
ALL_PROJECTS_ROLES = frozenset(subset(ROLES, "admin", "approver", "quality"))
# Admins and project managers (报告编制人, role "author") bring data into the projects they cover.
IMPORT_ROLES = frozenset(subset(ROLES, "admin", "author"))
CUSTOMER_VISIBLE_STATES = frozenset(subset(REPORT_STATES, "published", "archived"))


class PermissionDenied(PermissionError):
    """The user's role or project does not allow the action; nothing was changed."""


@dataclass(frozen=True)
class Actor:
    """The acting user as the checks need it: role and the projects assigned to them."""

    user_id: str
    username: str
    display_name: str
    role: str
    is_customer: bool
    projects: frozenset[str]

    def covers(self, project_id: str) -> bool:
        return self.covers_all or project_id in self.projects

    @property
    def covers_all(self) -> bool:
        """Sees every project: the department's view and the organisation's documents."""
        return self.role in ALL_PROJECTS_ROLES and not self.is_customer


def make_actor(
    user_id: str, username: str, display_name: str, role: str, is_customer: bool, projects: Iterable[str]
) -> Actor:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    return Actor(user_id, username, display_name, role, bool(is_customer), frozenset(projects))


def may(actor: Actor, action: str, project_id: str) -> bool:
    """True when the role allows ``action`` on reports of ``project_id``."""
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}")
    if action in CUSTOMER_ACTIONS and not actor.is_customer:
        return False
    return actor.role in PERMISSIONS[action] and actor.covers(project_id)


def require(actor: Actor, action: str, project_id: str) -> None:
    if not may(actor, action, project_id):
        raise PermissionDenied(
            f"{actor.username} ({actor.role}) may not {action} reports of project {project_id}"
        )


def can_view(actor: Actor, project_id: str, report_kind: str, state: str) -> bool:
    if not actor.covers(project_id):
        return False
    if actor.is_customer:
        return report_kind == "external" and state in CUSTOMER_VISIBLE_STATES
    return True


def require_live_view(actor: Actor, project_id: str) -> None:
    """Figures computed from current data (dashboards, exports, previews) are for the project's
    staff; a customer reads only the published versions (reporting/published.py)."""
    if actor.is_customer or not actor.covers(project_id):
        raise PermissionDenied(f"{actor.username} may not see the live figures of project {project_id}")


def may_import(actor: Actor, project_id: str) -> bool:
    return actor.role in IMPORT_ROLES and actor.covers(project_id)


def require_import(actor: Actor, project_id: str) -> None:
    if not may_import(actor, project_id):
        raise PermissionDenied(
            f"{actor.username} ({actor.role}) may not import data into project {project_id}"
        )


def require_admin(actor: Actor) -> None:
    if actor.role != "admin":
        raise PermissionDenied(f"{actor.username} ({actor.role}) is not an administrator")
