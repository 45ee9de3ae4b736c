"""What the SLA policy editor keeps in the Streamlit session: the policy it started from (its
base), the proposed text (the draft), the preview computed for it, and the confirmation of a
save shown after the rerun; and what a save makes it forget."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import streamlit as st

from data.projects import Project
from reporting import policies
from ui import cached
from ui.confirmation import confirm_after_rerun
from ui.database import projects
from ui.i18n import current_language, t

_BASES, _DRAFT, _PREVIEW = "_policy_bases", "_policy_draft", "_policy_preview"


@dataclass(frozen=True)
class Base:
    text: str
    sha256: str

    @property
    def key(self) -> str:
        """Widget keys change with the base, so a reload or a save redraws the form from it."""
        return self.sha256[:12]


@dataclass(frozen=True)
class Draft:
    project_id: str
    base_sha256: str
    text: str


def base_for(stored: policies.StoredPolicy) -> Base:
    """The policy this session's editor shows for the project: the stored one when first opened,
    kept while others may save (the save is then refused instead of overwriting theirs)."""
    bases = st.session_state.setdefault(_BASES, {})
    if stored.project_id not in bases:
        bases[stored.project_id] = Base(stored.text, stored.sha256)
    return bases[stored.project_id]


def reload(project_id: str) -> None:
    """Forget this session's base and draft: the editor shows the stored policy again."""
    st.session_state.setdefault(_BASES, {}).pop(project_id, None)
    draft = st.session_state.get(_DRAFT)
    if draft is not None and draft.project_id == project_id:
        st.session_state.pop(_DRAFT, None)
    st.session_state.pop(_PREVIEW, None)


def offer_reload(stored: policies.StoredPolicy, base: Base, project: Project) -> None:
    """When another version was saved since this session's editor loaded ``base``: say who and
    when, with a button that shows the stored policy again (a save would be refused)."""
    if stored.sha256 == base.sha256:
        return
    last = stored.last_change
    st.warning(
        t(
            "policy.changed_meanwhile",
            who=last.who(current_language()),
            at=last.changed_at.astimezone(ZoneInfo(project.timezone)).strftime("%Y-%m-%d %H:%M"),
        )
        if last
        else t("policy.changed_meanwhile_unknown"),
        icon=":material/sync_problem:",
    )
    if st.button(t("policy.reload"), key="policy_reload"):
        reload(project.project_id)
        st.rerun()


def propose(project_id: str, base: Base, text: str) -> None:
    st.session_state[_DRAFT] = Draft(project_id, base.sha256, text)


def draft_for(project_id: str, base: Base) -> Draft | None:
    draft = st.session_state.get(_DRAFT)
    if draft is None or draft.project_id != project_id or draft.base_sha256 != base.sha256:
        return None
    return draft


def discard() -> None:
    """Forget the proposed text and its preview."""
    st.session_state.pop(_DRAFT, None)
    st.session_state.pop(_PREVIEW, None)


def held_preview(wanted: tuple) -> object | None:
    """The preview kept for ``wanted`` (what it was computed from), if any."""
    held = st.session_state.get(_PREVIEW)
    return held[1] if held is not None and held[0] == wanted else None


def hold_preview(wanted: tuple, computed: object) -> None:
    st.session_state[_PREVIEW] = (wanted, computed)


def after_saved(project_id: str, message: str) -> None:
    """Every figure may read the policy (targets, calendars, timezone): forget them all, and the
    project list that holds the parsed policies (DESIGN §2 rule 5); show ``message`` on the
    next run."""
    cached.clear()
    projects.clear()
    reload(project_id)
    confirm_after_rerun(message)
