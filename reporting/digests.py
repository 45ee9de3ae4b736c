"""The digests behind the seal and the audit chain: canonical JSON, sha256, UTC time text,
and the problems a verification finds, said in either language."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from data.models import as_utc
from locales import translate


def canonical_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def utc_text(moment: datetime) -> str:
    """A timestamp as the seal and the chain hash it: UTC, to the microsecond."""
    return as_utc(moment).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Problem:
    """One thing about a frozen version that no longer holds; ``text(lang)`` says it plainly."""

    key: str
    values: tuple[tuple[str, str | int], ...] = ()

    def text(self, lang: str = "en") -> str:
        values = {
            name: translate(f"workflow.state.{value}", lang) if name in ("state", "trail") else value
            for name, value in self.values
        }
        return translate(f"workflow.versions.problem.{self.key}", lang, **values)


def problem(key: str, **values: str | int) -> Problem:
    return Problem(key, tuple(values.items()))


def problems_text(issues, lang: str = "en") -> str:
    return translate("common.list_separator", lang).join(p.text(lang) for p in issues)
