"""The SLA policy editor's proposed policy: refused with the key and line that are wrong, or its
warnings, what changes (a diff) and what that does to the period's figures; then save (with a
comment) or discard. reporting/policies.py checks the role and the base again on saving."""

from __future__ import annotations

import streamlit as st

from data.projects import Project
from domain.periods import Period
from reporting import policies, policy_check
from reporting.roles import Actor, PermissionDenied
from ui import policy_preview, policy_session
from ui.database import database
from ui.i18n import current_language, plain, t, t_text
from ui.policy_session import Base, Draft


def show_draft(user: Actor, project: Project, period: Period, base: Base, draft: Draft) -> None:
    lang = current_language()
    pid = project.project_id
    st.subheader(t("policy.check.title"))
    try:
        checked = policy_check.check(draft.text, pid)
    except policy_check.PolicyRefused as exc:
        st.error(plain(exc.message(lang)), icon=":material/block:")
        st.caption(t("policy.check.nothing_saved"))
        _discard_button(pid)
        return
    for finding in checked.warnings:
        st.warning(plain(finding.message(lang, policy_check.locate(draft.text, finding.field))))
    diff = policies.diff_text(
        base.text, draft.text, t_text("policy.diff.before"), t_text("policy.diff.after")
    )
    if not diff:
        st.info(t("policy.check.unchanged"))
        return
    st.success(t("policy.check.valid"), icon=":material/check_circle:")
    st.code(diff, language="diff")
    policy_preview.show_preview(user, pid, draft, period)
    comment = st.text_input(t("policy.comment"), key=f"policy_comment_{base.key}", max_chars=500)
    left, right = st.columns([1, 3])
    if left.button(t("policy.save"), type="primary", key=f"policy_save_{base.key}"):
        try:
            change = policies.save_policy(
                user, pid, draft.text, base_sha256=base.sha256, comment=comment, db=database()
            )
        except (policy_check.PolicyRefused, PermissionDenied) as exc:
            message = exc.message(lang) if isinstance(exc, policy_check.PolicyRefused) else str(exc)
            st.error(plain(message))
            return
        added, removed = change.lines_changed
        policy_session.after_saved(pid, t("policy.saved", added=added, removed=removed))
        st.rerun()
    with right:
        _discard_button(pid)


def _discard_button(project_id: str) -> None:
    if st.button(t("policy.discard"), key=f"policy_discard_{project_id}"):
        policy_session.discard()
        st.rerun()
