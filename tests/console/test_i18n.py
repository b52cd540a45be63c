"""Both languages complete: every word in Thai and English, every key a template uses in
the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

from moph_connect.console.i18n import CATALOGUE, LANGS, chosen_lang, translator
from moph_connect.console.pages import PACKAGE
from moph_connect.environments import ENVIRONMENTS
from moph_connect.hospitals.authentication import AUTH_MODES
from moph_connect.operators.service import ROLES
from moph_connect.scheduling.rules import MESSAGE_KINDS

KEY_IN_TEMPLATE = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")


def test_every_entry_has_both_languages() -> None:
    for key, texts in CATALOGUE.items():
        assert set(texts) == set(LANGS), key
        assert all(texts[lang].strip() for lang in LANGS), key
        if key not in ("console",):
            assert texts["th"] != texts["en"] or key.startswith("kind."), key


def test_every_key_the_templates_use_is_in_the_catalogue() -> None:
    used: set[str] = set()
    for template in Path(PACKAGE / "templates").glob("*.html"):
        used |= set(KEY_IN_TEMPLATE.findall(template.read_text(encoding="utf-8")))
    assert used, "the pattern found no keys"
    prefixes = {key for key in used if key.endswith(".")}  # t("kind." ~ row.kind)
    assert used - prefixes - set(CATALOGUE) == set()
    assert prefixes == set(DYNAMIC)


# What templates look up by prefix, and every value it can take.
DYNAMIC: dict[str, tuple[str, ...]] = {
    "env.": ENVIRONMENTS,
    "role.": ROLES,
    "mode.": AUTH_MODES,
    "kind.": (*MESSAGE_KINDS, "chat"),
    "status.": ("pending", "sending", "sent", "failed", "cancelled"),
    "key.": ("usable", "revoked", "expired"),
}


def test_every_value_a_prefix_can_take_has_its_words() -> None:
    for prefix, values in DYNAMIC.items():
        assert {f"{prefix}{value}" for value in values} <= set(CATALOGUE), prefix


def test_thai_unless_english_is_chosen() -> None:
    assert chosen_lang(None) == "th" and chosen_lang("fr") == "th" and chosen_lang("en") == "en"
    assert translator("en")("sign_in") == "Sign in"
    assert translator("th")("sign_in") == "เข้าสู่ระบบ"
