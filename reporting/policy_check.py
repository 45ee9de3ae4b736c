"""How a proposed SLA policy text is checked in the app: exactly as ``manage.py projects load``
checks a file (``domain.policy.parse_policy``, strict), and the text must keep the project's id.
A refusal (``PolicyRefused``, nothing written) names the key and, in the text, its line. Some
things only the KPI catalogue knows (a target for an id that is no KPI, a ratio written 95
instead of 0.95) are warnings (``Finding``): ``projects load`` accepts them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analytics.kpi_catalogue import CATALOGUE
from domain.policy import Policy, PolicyError, parse_policy
from locales import translate

MAX_POLICY_CHARS = 200_000  # a policy is a page of text; this is far beyond any real one


class PolicyRefused(ValueError):
    """The change was not saved; nothing was written. ``message(lang)`` says why."""

    key = "policy.refused.generic"

    def __init__(self, english: str, **values) -> None:
        super().__init__(english)
        self.values = values

    def message(self, lang: str) -> str:
        return translate(self.key, lang, **self.values)


class PolicyInvalid(PolicyRefused):
    """The text is not a valid policy (``error``: the PolicyError, ``line``: where, if known)."""

    def __init__(self, error: PolicyError, line: int | None) -> None:
        super().__init__(str(error))
        self.error, self.line = error, line

    def message(self, lang: str) -> str:
        return error_message(self.error, lang, self.line)


class WrongProject(PolicyRefused):
    key = "policy.refused.wrong_project"


class UnknownProject(PolicyRefused):
    key = "policy.refused.unknown_project"


class PolicyTooLong(PolicyRefused):
    key = "policy.refused.too_long"


class PolicyUnchanged(PolicyRefused):
    key = "policy.refused.unchanged"


class PolicyBusy(PolicyRefused):
    key = "policy.refused.busy"


@dataclass(frozen=True)
class Finding:
    """A warning about a valid policy: ``code`` (policy.warning.<code>), the key and its values."""

    code: str
    field: str
    values: dict

    def message(self, lang: str, line: int | None = None) -> str:
        text = translate(f"policy.warning.{self.code}", lang, field=self.field, **self.values)
        return translate("policy.at_line", lang, line=line, message=text) if line else text


@dataclass(frozen=True)
class Checked:
    policy: Policy
    warnings: tuple[Finding, ...]


def check(text: str, project_id: str) -> Checked:
    """The policy ``text`` as ``projects load`` would accept it for ``project_id``, with the
    catalogue's warnings; raises ``PolicyRefused`` (``PolicyInvalid`` naming key and line)."""
    if len(text) > MAX_POLICY_CHARS:
        raise PolicyTooLong(f"the policy has more than {MAX_POLICY_CHARS} characters", limit=MAX_POLICY_CHARS)
    try:
        policy = parse_policy(text)
    except PolicyError as exc:
        raise PolicyInvalid(exc, exc.values.get("line") or locate(text, exc.field)) from exc
    if policy.project_id != project_id:
        raise WrongProject(
            f"project.id is {policy.project_id!r}; this editor saves {project_id!r}",
            found=policy.project_id,
            project=project_id,
        )
    return Checked(policy, tuple(findings(policy)))


def findings(policy: Policy) -> list[Finding]:
    """What the KPI catalogue says about a valid policy: targets for ids that are no KPI (they
    do nothing), targets outside their unit's range (a ratio is written 0.95, not 95), and no
    SLA target at all (SLA attainment then has no value)."""
    found = []
    if not policy.has_sla_targets:
        found.append(Finding("no_sla_targets", "sla", {}))
    for key, value in policy.kpi_targets.items():
        field = f"targets.{key}"
        kpi = CATALOGUE.get(key)
        if kpi is None:
            found.append(Finding("unknown_kpi", field, {"value": key}))
        elif kpi.unit == "ratio" and not 0 <= value <= 1:
            found.append(Finding("ratio_range", field, {"value": value, "shown": f"{value / 100:g}"}))
        elif kpi.unit == "pct" and not 0 <= value <= 100:
            found.append(Finding("pct_range", field, {"value": value}))
        elif kpi.unit == "score" and not 1 <= value <= 5:
            found.append(Finding("score_range", field, {"value": value}))
        elif value < 0:
            found.append(Finding("negative", field, {"value": value}))
    return found


def error_message(error: PolicyError, lang: str, line: int | None = None) -> str:
    """A refusal in ``lang``: what is wrong with which key, and on which line of the text."""
    key = f"policy.error.{error.code}"
    values = {k: v for k, v in error.values.items() if k != "line"}
    try:
        text = translate(key, lang, field=error.field, line=error.values.get("line"), **values)
    except KeyError:  # a code without a message of its own: the English text names the key
        text = str(error)
    if line and error.code != "toml":  # a TOML syntax error says its line itself
        return translate("policy.at_line", lang, line=line, message=text)
    return text


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(
    r"^\s*((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+))*)\s*="
)
_PART = re.compile(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)")


def locate(text: str, field: str) -> int | None:
    """The 1-based line of ``text`` that holds the dotted key ``field`` (or the nearest table
    that holds it); None when the text does not mention it (a default was used)."""
    if not field:
        return None
    best, best_len = None, 0
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = tuple(_parts(header.group(1)))
            path = table
        else:
            key = _KEY.match(line)
            if not key:
                continue
            path = (*table, *_parts(key.group(1)))
        dotted = ".".join(path)  # as PolicyError names it: names with dots stay whole
        if dotted == field:
            return number
        if field.startswith(f"{dotted}.") and len(path) > best_len:
            best, best_len = number, len(path)
    return best


def _parts(dotted: str) -> list[str]:
    return [
        m.group(1) if m.group(1) is not None else m.group(2) or m.group(3) for m in _PART.finditer(dotted)
    ]
