"""Both catalogues hold the same keys, and every key used in the code exists."""

from __future__ import annotations

import re
from pathlib import Path

from locales import LANGUAGES, catalogue, translate

ROOT = Path(__file__).resolve().parents[1]
# t("key") in pages/ui, translate("key", …) in reporting/: literal keys only, so they can be checked.
_USED = re.compile(r"""\b(?:t|translate)\(\s*["']([a-z0-9_]+(?:\.[a-z0-9_]+)+)["']""")


def test_catalogues_have_the_same_keys():
    zh, en = catalogue("zh_CN"), catalogue("en")
    assert len(zh) > 10
    assert sorted(zh.keys() - en.keys()) == [], "keys missing from en"
    assert sorted(en.keys() - zh.keys()) == [], "keys missing from zh_CN"


def test_every_key_used_in_code_exists():
    used = set()
    for folder in ("pages", "ui", "reporting", "analytics"):
        for path in (ROOT / folder).rglob("*.py"):
            used.update(_USED.findall(path.read_text(encoding="utf-8")))
    used.update(_USED.findall((ROOT / "app.py").read_text(encoding="utf-8")))
    assert used, "no translated strings found: the scan is broken"
    for lang in LANGUAGES:
        missing = sorted(used - catalogue(lang).keys())
        assert missing == [], f"{lang} lacks {missing}"


def test_missing_key_raises_instead_of_showing_it():
    try:
        translate("no.such.key", "en")
    except KeyError as exc:
        assert "no.such.key" in str(exc)
    else:
        raise AssertionError("a missing key must raise")
