"""Projects and their policies: stored as the TOML text the user wrote, parsed on read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from domain.policy import Policy, parse_policy


@dataclass(frozen=True)
class Project:
    project_id: str
    name: str
    customer: str
    timezone: str
    policy: Policy


def save_project(con: duckdb.DuckDBPyConnection, policy_toml: str) -> Project:
    """Create or update a project from its policy TOML (refused whole if the policy is wrong)."""
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


def load_project_file(con: duckdb.DuckDBPyConnection, path: str | Path) -> Project:
    return save_project(con, Path(path).read_text(encoding="utf-8"))


def get_project(con: duckdb.DuckDBPyConnection, project_id: str) -> Project:
    row = con.execute("SELECT policy_toml FROM projects WHERE project_id = ?", [project_id]).fetchone()
    if row is None:
        raise KeyError(f"unknown project {project_id!r}")
    return _project(parse_policy(row[0]))


def get_policy_toml(con: duckdb.DuckDBPyConnection, project_id: str) -> str:
    row = con.execute("SELECT policy_toml FROM projects WHERE project_id = ?", [project_id]).fetchone()
    if row is None:
        raise KeyError(f"unknown project {project_id!r}")
    return row[0]


def list_projects(con: duckdb.DuckDBPyConnection) -> list[Project]:
    rows = con.execute("SELECT policy_toml FROM projects ORDER BY project_id").fetchall()
    return [_project(parse_policy(text)) for (text,) in rows]


def _project(policy: Policy) -> Project:
    return Project(policy.project_id, policy.name, policy.customer, policy.timezone, policy)
