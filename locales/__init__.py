"""Message catalogues shared by the UI and the exported documents.

Each language is a folder of flat JSON files (one per area of the app, so that areas can be
edited independently); keys are dotted, e.g. ``overview.title``. Both languages must hold
the same keys: tests/test_locales.py fails on a key missing from either.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}  # each in its own language


@cache
def catalogue(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; one of {', '.join(LANGUAGES)}")
    merged: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.json")):
        entries = json.loads(path.read_text(encoding="utf-8"))
        clash = merged.keys() & entries.keys()
        if clash:
            raise ValueError(f"{path}: keys defined twice: {sorted(clash)}")
        merged.update(entries)
    return merged


def translate(key: str, lang: str = DEFAULT_LANGUAGE, **values) -> str:
    """The message for ``key``; a missing key raises, so no screen shows a raw key."""
    try:
        text = catalogue(lang)[key]
    except KeyError:
        raise KeyError(f"message {key!r} missing from the {lang} catalogue") from None
    return text.format(**values) if values else text


def standalone(text: str) -> str:
    """A name the catalogue writes for the middle of a sentence ("the service report (customer)
    is late") as it stands alone, in a heading, a menu or a table cell: its first letter in
    capitals. Chinese has none, and is unchanged."""
    return text[:1].upper() + text[1:]
