"""The two languages MOPH Connect speaks: Thai first, English for whoever asked LINE for it.

Builders take `lang: Lang = "th"`. A LINE profile's language is a BCP 47 tag ("th",
"en", "en-US", "ja", ...); only English tags switch a patient to English. Every other
language, and an unknown one, stays Thai: the service is run for people in Thailand, and
Thai is what its staff and hospitals write.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

Lang = Literal["th", "en"]
LANGS: Final[tuple[Lang, ...]] = get_args(Lang)


def lang_for(profile_language: str | None) -> Lang:
    """The language to write to a LINE user whose profile says `profile_language`."""
    if not profile_language:
        return "th"
    primary = profile_language.strip().lower().replace("_", "-").split("-", 1)[0]
    return "en" if primary == "en" else "th"
