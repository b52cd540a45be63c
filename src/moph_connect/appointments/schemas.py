"""The hospital API's JSON: the seed's contract, field for field, plus our responses.

Limits are what a LINE Flex bubble can show and LINE accepts (URIs up to 1,000
characters); every field is a string, as the seed's hospitals send them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

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


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(
        strict=True, strip_whitespace=True, min_length=1, max_length=max_length
    )


Text20 = Annotated[str, _text(20)]
Text100 = Annotated[str, _text(100)]
Text200 = Annotated[str, _text(200)]
Text300 = Annotated[str, _text(300)]


HttpUrlText = Annotated[
    str,
    StringConstraints(
        strict=True, strip_whitespace=True, max_length=1000, pattern=r"^https?://[^\s]+$"
    ),
]


class QueueCall(BaseModel):
    """Body of `/api/queue`, `/api/queue/schedule` and `/api/queue/notify`."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [SEED_EXAMPLE]})

    userId: Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9a-f]{24}$")] = Field(
        description="The patient's MOPH Connect ID, from `?regist=` on your booking page."
    )
    hospitalName: Text200
    origin: Text200
    queueNumber: Text100
    patientName: Text200
    appointmentDate: Annotated[
        str, StringConstraints(strict=True, pattern=r"^\d{4}-\d{2}-\d{2}$")
    ] = Field(description="The appointment day, YYYY-MM-DD (Asia/Bangkok).")
    appointmentTime: Text300
    detailsLink: HttpUrlText
    currentQueueLink: HttpUrlText

    @field_validator("appointmentDate")
    @classmethod
    def _real_date(cls, value: str) -> str:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError("is not a real calendar date") from None
        return value

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
