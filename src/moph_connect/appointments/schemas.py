"""The hospital API's JSON: the seed's contract, field for field, plus our responses.

Limits are what a LINE Flex bubble can show and LINE accepts (URIs up to 1,000
characters), counted on the text as sent. Every field is text, as the seed's hospitals
send it (a number is read as its text).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from moph_connect.appointments import fields
from moph_connect.appointments.outbox_rows import AnyKind
from moph_connect.messages import normalize_link

SEED_EXAMPLE: dict[str, Any] = {
    "userId": "5bedb40574d0504752f2173f",
    "hospitalName": "โรงพยาบาลปทุมธานี",
    "origin": "กระทรวงสาธารณสุข",
    "queueNumber": "จุดคัดกรอง คิวที่ 1221",
    "patientName": "นาย ประโยชน์ รุจิรา",
    "appointmentDate": "2018-04-30",
    "appointmentTime": "เวลานัดหมาย 09:00-09:15 น. กรุณามาก่อนเวลา 10 นาที",
    "detailsLink": "http://pth.ddns.net/",
    "currentQueueLink": "http://pth.ddns.net/",
}


class FieldWarning(BaseModel):
    """Something the server changed or ignored in an accepted call."""

    field: str
    reason: str


def _note(info: ValidationInfo, reasons: tuple[str, ...], field: str | None = None) -> None:
    """Collect what reading a field changed, when the caller asked (validation context)."""
    warnings = (info.context or {}).get("warnings")
    if isinstance(warnings, list):
        name = field or info.field_name or "body"
        warnings.extend(FieldWarning(field=name, reason=reason) for reason in reasons)


def _reader(*, multiline: bool, max_length: int) -> BeforeValidator:
    def read(value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        try:
            read = fields.read_text(value, multiline=multiline)
        except fields.FieldUnreadable as error:
            raise ValueError(str(error)) from None
        # The limit counts the text as sent, as the schema's maxLength does: 301
        # characters are refused even when trimming or removing controls leaves 300.
        if len(value if isinstance(value, str) else read.value) > max_length:
            raise ValueError(f"must be at most {max_length} characters")
        if read.changes:
            _note(info, read.changes)
        return read.value

    return BeforeValidator(read)


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(strict=True, min_length=1, max_length=max_length)


def _string_or_number(max_length: int) -> WithJsonSchema:
    # Documented as the values it accepts: numbers too, read as their text.
    return WithJsonSchema({"type": ["string", "number"], "minLength": 1, "maxLength": max_length})


# Text the patient reads: line breaks kept, other control characters removed.
Text20 = Annotated[str, _text(20), _reader(multiline=True, max_length=20), _string_or_number(20)]
Text100 = Annotated[
    str, _text(100), _reader(multiline=True, max_length=100), _string_or_number(100)
]
Text200 = Annotated[
    str, _text(200), _reader(multiline=True, max_length=200), _string_or_number(200)
]
Text300 = Annotated[
    str, _text(300), _reader(multiline=True, max_length=300), _string_or_number(300)
]


HttpUrlText = Annotated[
    str,
    StringConstraints(strict=True, max_length=1000, pattern=r"^https?://[^\s]+$"),
    _reader(multiline=False, max_length=1000),
]

DATE_FORMS = (
    "`YYYY-MM-DD` (Asia/Bangkok). Also read: `YYYY-MM-DD HH:MM[:SS]` and ISO 8601 "
    "date-times (`T`, optional `Z` or offset), of which the Bangkok calendar date counts; "
    "a year of 2400 or more is a Buddhist-era year (2569 is 2026). The answer's `warnings` "
    "say how a date other than `YYYY-MM-DD` was read."
)


class QueueCall(BaseModel):
    """Body of `/api/queue`, `/api/queue/schedule` and `/api/queue/notify`.

    Validated with `model_validate(fields, context={"warnings": [...]})` so that what was
    changed or ignored is reported in the answer.
    """

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [SEED_EXAMPLE]})

    userId: Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{24}$")] = Field(
        description="The patient's MOPH Connect ID, from `?regist=` on your booking page."
    )
    # Any value is accepted (what is not text is ignored with a warning), and so
    # documented: the empty schema.
    hospitalName: Annotated[str | None, WithJsonSchema({})] = Field(
        default=None,
        description="Optional, not shown to the patient: every message carries the "
        "hospital's registered name (a warning says so when this differs).",
    )
    origin: Text200
    queueNumber: Text100
    patientName: Text200
    appointmentDate: str = Field(description=DATE_FORMS)
    appointmentTime: Text300
    detailsLink: HttpUrlText
    currentQueueLink: HttpUrlText

    @model_validator(mode="before")
    @classmethod
    def _unknown_fields(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict):
            unknown = [key for key in data if key not in cls.model_fields]
            for key in unknown[:20]:  # a body of 1,000 junk keys needs no 1,000 warnings
                _note(info, ("is not a field of this call; ignored",), field=str(key)[:100])
        return data

    @field_validator("hospitalName", mode="before")
    @classmethod
    def _informational_name(cls, value: Any, info: ValidationInfo) -> str | None:
        """Only compared with the registry, so never a reason to refuse a call."""
        if value is None:
            return None
        try:
            read = fields.read_text(value)
        except fields.FieldUnreadable:
            _note(info, ("is not text; ignored",))
            return None
        _note(info, read.changes)
        if not read.value or len(read.value) > 200:
            _note(info, ("is empty or longer than 200 characters; ignored",))
            return None
        return read.value

    @field_validator("userId", mode="before")
    @classmethod
    def _trimmed_id(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("appointmentDate", mode="before")
    @classmethod
    def _read_date(cls, value: Any, info: ValidationInfo) -> str:
        try:
            read = fields.read_appointment_date(value)
        except fields.FieldUnreadable as error:
            raise ValueError(str(error)) from None
        if read.changes:
            _note(info, read.changes)
        return read.value.isoformat()

    @field_validator("detailsLink", "currentQueueLink")
    @classmethod
    def _openable_link(cls, value: str) -> str:
        if normalize_link(value) is None:
            raise ValueError("is not a link LINE can open (http/https with a host, no credentials)")
        return value

    @property
    def appointment_date(self) -> date:
        return date.fromisoformat(self.appointmentDate)


class AlertCall(QueueCall):
    """Body of `/api/alert`: a queue call plus how the alert should look."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    **SEED_EXAMPLE,
                    "header": "ห้องตรวจ 5 เรียกคิวแล้ว",
                    "backgroundColor": "#C62828",
                    "detailsLinkLabel": "รายละเอียด",
                    "currentQueueLinkLabel": "ดูคิว",
                }
            ]
        },
    )

    header: Text100 | None = None
    backgroundColor: (
        Annotated[str, StringConstraints(strict=True, pattern=r"^#[0-9A-Fa-f]{6}$")] | None
    ) = None
    # LINE shows at most 20 characters on a button.
    detailsLinkLabel: Text20 | None = None
    currentQueueLinkLabel: Text20 | None = None

    @field_validator("backgroundColor", mode="before")
    @classmethod
    def _trimmed_color(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


MessageStatus = Literal["pending", "sending", "sent", "failed", "cancelled"]


class PlannedMessageOut(BaseModel):
    kind: AnyKind
    status: MessageStatus
    dueAt: str = Field(description="ISO 8601, Asia/Bangkok (+07:00).")
    sentAt: str | None = None


class SkippedMessageOut(BaseModel):
    kind: AnyKind
    reason: str


class AppointmentOut(BaseModel):
    appointmentId: str
    environment: Literal["production", "test"]
    status: Literal["active", "cancelled"]
    appointmentDate: str
    queueNumber: str
    messages: list[PlannedMessageOut]
    skipped: list[SkippedMessageOut] = Field(
        default_factory=list, description="Messages this call did not plan, and why."
    )
    warnings: list[FieldWarning] = Field(
        default_factory=list,
        description="What the server changed or ignored in this call (a date read from "
        "another form, control characters removed, unknown fields, the registered hospital "
        "name used): the call was accepted, but the developer should look.",
    )


ProblemDocument = Annotated[
    dict[str, Any], WithJsonSchema({"$ref": "#/components/schemas/Problem"})
]


class BatchItemOut(BaseModel):
    index: int = Field(description="The item's place in the batch, from 0.")
    status: int = Field(
        description="202 when the item was accepted (as one call would be answered), else "
        "the status of its problem."
    )
    appointment: AppointmentOut | None = Field(
        default=None, description="The accepted item's answer, as one call gets it."
    )
    problem: ProblemDocument | None = Field(
        default=None, description="Why the item was refused (problem+json, as one call)."
    )


class BatchOut(BaseModel):
    accepted: int
    refused: int
    results: list[BatchItemOut] = Field(description="One per item, in the batch's order.")
