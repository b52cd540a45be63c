"""LINE messages MOPH Connect sends, built as JSON-ready dicts (pure functions, no I/O).

Every builder returns one LINE message object that validates as `Message` against
LINE's OpenAPI spec (`moph_connect.line.spec`) and keeps within LINE's documented limits
(`check_limits`). Texts are Thai, short and polite.
"""

from moph_connect.messages.appointment import (
    AppointmentView,
    alert,
    appointment_cancelled,
    appointment_moved,
    queue_card,
    queue_near,
    reminder_day_before,
    reminder_same_day,
    survey,
)
from moph_connect.messages.chat import (
    HospitalChoice,
    booking_link,
    hospital_picker,
    not_understood,
    survey_already_answered,
    survey_thanks,
    welcome,
)
from moph_connect.messages.flex import normalize_link
from moph_connect.messages.limits import LimitViolation, assert_within_limits, check_limits
from moph_connect.messages.postback import (
    BookAction,
    PickAction,
    PostbackAction,
    SurveyAction,
    build_book,
    build_pick,
    build_survey,
    parse_postback,
)
from moph_connect.messages.thai_dates import thai_long_date, thai_short_date

__all__ = [
    "AppointmentView",
    "BookAction",
    "HospitalChoice",
    "LimitViolation",
    "PickAction",
    "PostbackAction",
    "SurveyAction",
    "alert",
    "appointment_cancelled",
    "appointment_moved",
    "assert_within_limits",
    "booking_link",
    "build_book",
    "build_pick",
    "build_survey",
    "check_limits",
    "hospital_picker",
    "normalize_link",
    "not_understood",
    "parse_postback",
    "queue_card",
    "queue_near",
    "reminder_day_before",
    "reminder_same_day",
    "survey",
    "survey_already_answered",
    "survey_thanks",
    "thai_long_date",
    "thai_short_date",
    "welcome",
]
