"""LINE messages MOPH Connect sends, built as JSON-ready dicts (pure functions, no I/O).

Every builder returns one LINE message object that validates as `Message` against
LINE's OpenAPI spec (`line_contract.spec`) and keeps within LINE's documented limits
(`check_limits`). Texts are Thai, short and polite; every builder also takes
`lang="en"` for patients whose LINE is set to English (`lang_for`).
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
from moph_connect.messages.chat import booking_link, help_message, not_understood, welcome
from moph_connect.messages.dates import long_date, short_date, short_datetime
from moph_connect.messages.flex import normalize_link
from moph_connect.messages.hospitals import (
    HospitalChoice,
    hospital_picker,
    location_request,
    no_nearby,
    no_results,
    search_prompt,
)
from moph_connect.messages.i18n import LANGS, Lang, lang_for
from moph_connect.messages.limits import LimitViolation, assert_within_limits, check_limits
from moph_connect.messages.menu import menu_quick_replies, menu_words
from moph_connect.messages.my_appointments import (
    NextMessage,
    UpcomingAppointment,
    my_appointments,
)
from moph_connect.messages.postback import (
    AppointmentsAction,
    BookAction,
    ConsentAction,
    EraseAction,
    EraseCancelAction,
    EraseConfirmAction,
    HelpAction,
    NearbyAction,
    PickAction,
    PostbackAction,
    PrivacyAction,
    RecommendAction,
    SkipCommentAction,
    SurveyAction,
    build_book,
    build_pick,
    build_survey,
    parse_postback,
)
from moph_connect.messages.privacy import (
    NOTICE_VERSION,
    consent_recorded,
    erase_expired,
    erase_kept,
    erase_question,
    erased,
    privacy_details,
    privacy_notice,
)
from moph_connect.messages.survey_chat import (
    COMMENT_MAX,
    comment_again,
    recommend_already_answered,
    recommend_question,
    survey_already_answered,
    survey_expired,
    survey_finished,
    survey_thanks,
    survey_unknown,
)
from moph_connect.messages.thai_dates import thai_long_date, thai_short_date

__all__ = [
    "COMMENT_MAX",
    "LANGS",
    "NOTICE_VERSION",
    "AppointmentView",
    "AppointmentsAction",
    "BookAction",
    "ConsentAction",
    "EraseAction",
    "EraseCancelAction",
    "EraseConfirmAction",
    "HelpAction",
    "HospitalChoice",
    "Lang",
    "LimitViolation",
    "NearbyAction",
    "NextMessage",
    "PickAction",
    "PostbackAction",
    "PrivacyAction",
    "RecommendAction",
    "SkipCommentAction",
    "SurveyAction",
    "UpcomingAppointment",
    "alert",
    "appointment_cancelled",
    "appointment_moved",
    "assert_within_limits",
    "booking_link",
    "build_book",
    "build_pick",
    "build_survey",
    "check_limits",
    "comment_again",
    "consent_recorded",
    "erase_expired",
    "erase_kept",
    "erase_question",
    "erased",
    "help_message",
    "hospital_picker",
    "lang_for",
    "location_request",
    "long_date",
    "menu_quick_replies",
    "menu_words",
    "my_appointments",
    "no_nearby",
    "no_results",
    "normalize_link",
    "not_understood",
    "parse_postback",
    "privacy_details",
    "privacy_notice",
    "queue_card",
    "queue_near",
    "recommend_already_answered",
    "recommend_question",
    "reminder_day_before",
    "reminder_same_day",
    "search_prompt",
    "short_date",
    "short_datetime",
    "survey",
    "survey_already_answered",
    "survey_expired",
    "survey_finished",
    "survey_thanks",
    "survey_unknown",
    "thai_long_date",
    "thai_short_date",
    "welcome",
]
