"""The hot path's shortcuts answer exactly as the general code (issue 12: each schedule call
reads nine fields and renders two reminders, a million times a night)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from moph_connect.appointments import fields
from moph_connect.messages import palette, reminder_day_before, reminder_same_day
from moph_connect.messages._text import clip, utf16_len
from tests.messages.support import SEED

ANY_TEXT = st.text(alphabet=st.characters(codec=None), max_size=40)


@given(ANY_TEXT, st.booleans())
def test_reading_printable_text_answers_as_the_general_reading(text: str, multiline: bool) -> None:
    # `_read_any_text` is the general reading; `read_text` skips it for printable text.
    assert fields.read_text(text, multiline=multiline) == fields._read_any_text(
        text, multiline=multiline
    )


def test_the_general_reading_still_reports_what_it_changed() -> None:
    read = fields.read_text(" คิว\t1\r\n\x07", multiline=False)
    assert read.value == "คิว 1"
    assert set(read.changes) == {
        "tabs replaced by spaces",
        "line breaks replaced by spaces",
        "control characters removed",
    }


# What `clip` is given: text `clean` tidied, so never a lone surrogate (UTF-16 has none).
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40), st.integers(1, 90))
def test_clip_keeps_exactly_the_texts_that_fit(text: str, limit: int) -> None:
    clipped = clip(text, limit)
    assert (clipped == text) == (utf16_len(text) <= limit)
    assert utf16_len(clipped) <= limit


@given(st.from_regex(r"#[0-9A-F]{6}", fullmatch=True))
def test_the_cached_text_colour_is_the_more_contrasting_one(background: str) -> None:
    on = palette.text_color_on(background)
    other = palette.TEXT if on == palette.ON_COLOR else palette.ON_COLOR
    assert palette.contrast_ratio(on, background) >= palette.contrast_ratio(other, background)


VIEW = SEED


def test_a_corrected_view_is_rendered_anew_not_from_the_cache() -> None:
    before = reminder_day_before(VIEW)
    corrected = replace(VIEW, appointment_time="13:00-13:15 น.")
    after = reminder_day_before(corrected)
    assert "13:00-13:15 น." in str(after) and "13:00-13:15 น." not in str(before)
    assert reminder_day_before(VIEW) == before  # the first view still renders as it did
    assert "เวลานัดหมาย 09:00-09:15 น." in str(reminder_same_day(VIEW))
    assert "13:00-13:15 น." in str(reminder_same_day(corrected))
