"""Company name, logo and colours of exported documents, from ``branding.toml``.

Looked up in this order: the file named by ``$SERVICEREPORT_BRANDING``, ``branding.toml`` at
the repository root, then the defaults below. ``branding.example.toml`` documents every key.
A missing logo file is ignored (the cover simply has none) rather than failing an export.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "SERVICEREPORT_BRANDING"
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT / "branding.toml"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Branding:
    company_zh: str = "运维服务部"
    company_en: str = "IT Operations Services"
    logo: bytes | None = None  # the image's bytes: from the logo file, or a customer's template
    logo_type: str = "image/png"
    primary: str = "#1F4E79"  # headings, table headers
    accent: str = "#2E75B6"  # rules and highlights
    muted: str = "#7F7F7F"  # placeholders, footers
    font: str = ""  # a font to try before Noto CJK (a customer's template names one)

    def company(self, lang: str) -> str:
        return self.company_zh if lang.startswith("zh") else self.company_en


def load_branding(path: str | os.PathLike | None = None) -> Branding:
    chosen = Path(path or os.environ.get(ENV_VAR) or DEFAULT_FILE)
    if not chosen.exists():
        if path or os.environ.get(ENV_VAR):
            raise FileNotFoundError(f"branding file {chosen} not found")
        return Branding()
    raw = tomllib.loads(chosen.read_text(encoding="utf-8"))
    company = raw.get("company", {})
    colours = raw.get("colours", {})
    for key, value in colours.items():
        if not _COLOUR.match(str(value)):
            raise ValueError(f"{chosen}: colours.{key} = {value!r} must look like #1F4E79")
    logo = company.get("logo")
    logo_path = (chosen.parent / logo).resolve() if logo else None
    defaults = Branding()
    return Branding(
        company_zh=company.get("name_zh", defaults.company_zh),
        company_en=company.get("name_en", defaults.company_en),
        logo=logo_path.read_bytes() if logo_path and logo_path.is_file() else None,
        logo_type="image/png" if logo_path and logo_path.suffix.lower() == ".png" else "image/jpeg",
        primary=colours.get("primary", defaults.primary),
        accent=colours.get("accent", defaults.accent),
        muted=colours.get("muted", defaults.muted),
    )
