"""Projects and their policies: stored as the TOML text the user wrote, parsed on read.

Every change of a policy made through the app (reporting/policies.py) or ``manage.py projects
load`` is recorded in ``policy_changes`` with the texts before and after (migration 0007), in
the same transaction as the change itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from data.db import Database
from data.models import new_id, utcnow
from domain.policy import Policy, minimal_policy_toml, parse_policy

SOURCES = ("app", "file")  # where a recorded policy change came from


@dataclass(frozen=True)
class Project:
    project_id: str
    name: str
    customer: str
    timezone: str
    policy: Policy


def save_project(policy_toml: str, *, db: Database) -> Project:
    """Create or update a project from its policy TOML (refused whole if the policy is wrong)."""
    con = db.cursor()
    policy = parse_policy(policy_toml)
    con.execute(
        """
        INSERT INTO projects (project_id, name, customer, timezone, policy_toml, updated_at)
        VALUES (?, ?, ?, ?, ?, now())
        ON CONFLICT (project_id) DO UPDATE SET
            name = excluded.name, customer = excluded.customer, timezone = excluded.timezone,
            policy_toml = excluded.policy_toml, updated_at = excluded.updated_at
        """,
        [policy.project_id, policy.name, policy.customer, policy.timezone, policy_toml],
    )
    return _project(policy)


def load_project_file(path: str | Path, *, db: Database) -> Project:
    """``manage.py projects load``: save the file's policy and, when it changes what is stored,
    record the change (source "file", the file's name as the comment) in the same transaction."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    project_id = parse_policy(text).project_id  # refused here, before anything is written
    with db.transaction() as tx:
        old = stored_policy_text(project_id, db=tx)
        project = save_project(text, db=tx)
        if old != text:
            record_policy_change(
                project_id=project_id, old_toml=old, new_toml=text, source="file", comment=path.name, db=tx
            )
    return project


def record_policy_change(
    *,
    db: Database,
    project_id: str,
    old_toml: str | None,
    new_toml: str,
    source: str,
    actor_id: str | None = None,
    actor_name: str | None = None,
    comment: str | None = None,
    changed_at: datetime | None = None,
) -> str:
    """Append one change to ``policy_changes``; its id. Call it inside the change's transaction."""
    con = db.cursor()
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}")
    change_id = new_id()
    con.execute(
        """
        INSERT INTO policy_changes (change_id, project_id, changed_at, actor_id, actor_name, source,
                                    comment, old_toml, new_toml, old_sha256, new_sha256)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            change_id,
            project_id,
            changed_at or utcnow(),
            actor_id,
            actor_name,
            source,
            comment or None,
            old_toml,
            new_toml,
            None if old_toml is None else policy_sha256(old_toml),
            policy_sha256(new_toml),
        ],
    )
    return change_id


def policy_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_policy_text(project_id: str, *, db: Database) -> str | None:
    """The policy text as stored; None for a project that does not exist or has none."""
    con = db.cursor()
    row = con.execute("SELECT policy_toml FROM projects WHERE project_id = ?", [project_id]).fetchone()
    return None if row is None else row[0]


def get_project(project_id: str, *, db: Database) -> Project:
    con = db.cursor()
    row = con.execute(f"SELECT {_COLUMNS} FROM projects WHERE project_id = ?", [project_id]).fetchone()
    if row is None:
        raise KeyError(f"unknown project {project_id!r}")
    return _project(parse_policy(_policy_text(*row), strict=False))


def get_policy_toml(project_id: str, *, db: Database) -> str:
    """The project's policy text (for a project stored without one, the minimal policy it reads as)."""
    con = db.cursor()
    row = con.execute(f"SELECT {_COLUMNS} FROM projects WHERE project_id = ?", [project_id]).fetchone()
    if row is None:
        raise KeyError(f"unknown project {project_id!r}")
    return _policy_text(*row)


def list_projects(*, db: Database) -> list[Project]:
    con = db.cursor()
    rows = con.execute(f"SELECT {_COLUMNS} FROM projects ORDER BY project_id").fetchall()
    return [_project(parse_policy(_policy_text(*row), strict=False)) for row in rows]


# Stored policies are read as they were accepted (strict=False): a check added later must not
# lock a project out of every page. New texts are checked strictly when saved.
_COLUMNS = "project_id, name, customer, timezone, policy_toml"


def _policy_text(project_id: str, name: str, customer: str | None, timezone: str, text: str | None) -> str:
    if text is not None:
        return text
    return minimal_policy_toml(project_id, name, customer or "", timezone)


def _project(policy: Policy) -> Project:
    return Project(policy.project_id, policy.name, policy.customer, policy.timezone, policy)


def write_marks(*, db: Database) -> tuple[tuple, tuple]:
    """What other processes' writes move, read in one cheap statement: (the data's mark — the
    last import batch and the latest project change, which every import, demo load and policy
    change makes; the workflow's mark — the latest report change and the number of reports)."""
    row = db.execute(
        "SELECT (SELECT max(id) FROM import_batches), (SELECT max(updated_at) FROM projects),"
        " (SELECT max(updated_at) FROM reports), (SELECT count(*) FROM reports)"
    ).fetchone()
    return tuple(row[:2]), tuple(row[2:])
