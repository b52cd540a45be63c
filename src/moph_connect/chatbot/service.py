"""The conversation: what MOPH Connect answers to each LINE event.

Answers are outbox rows carrying the event's reply token (priority 0), so they are sent by
the dispatcher like every other message: once, and retried if LINE is briefly away.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from moph_connect import messages
from moph_connect.appointments.repository import AppointmentRepository
from moph_connect.db.models import OutboxMessage
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.hospitals.service import booking_link
from moph_connect.messages import BookAction, HospitalChoice, PickAction, SurveyAction
from moph_connect.outbox.repository import OutboxRepository
from moph_connect.patients.repository import PatientRepository

log = logging.getLogger(__name__)

BOT_NAMES = {"production": "MOPH Connect", "test": "[TEST] MOPH Connect"}
CHAT_PRIORITY = 0
MAX_HOSPITALS_SHOWN = 12  # LINE's carousel limit
BOOK_WORDS = ("จอง", "นัด", "คิว", "โรงพยาบาล", "book", "queue", "hospital")


class ChatbotService:
    def __init__(self, session: Session, environment: str) -> None:
        self.session = session
        self.environment = environment
        self.patients = PatientRepository(session)
        self.hospitals = HospitalRepository(session)
        self.outbox = OutboxRepository(session)
        self.appointments = AppointmentRepository(session)

    def handle(self, event: Mapping[str, Any], now: datetime) -> None:
        source = event.get("source") or {}
        user_id = source.get("userId") if isinstance(source, dict) else None
        if source.get("type") != "user" or not isinstance(user_id, str):
            return  # groups and rooms are not part of MOPH Connect
        kind = event.get("type")
        if kind == "unfollow":
            self._unfollow(user_id, now)
            return
        self.patients.follow(self.environment, user_id, now)
        answer = self._answer(kind, event, user_id, now)
        if answer is not None:
            self._reply(event, user_id, answer, now)

    def _answer(
        self, kind: Any, event: Mapping[str, Any], user_id: str, now: datetime
    ) -> dict[str, Any] | None:
        if kind == "follow":
            return messages.welcome(BOT_NAMES.get(self.environment, "MOPH Connect"))
        if kind == "postback":
            data = (event.get("postback") or {}).get("data")
            action = messages.parse_postback(data) if isinstance(data, str) else None
            return self._postback(action, user_id, now)
        if kind == "message":
            message = event.get("message") or {}
            text = message.get("text") if message.get("type") == "text" else None
            if isinstance(text, str) and any(w in text.lower() for w in BOOK_WORDS):
                return self._hospital_picker()
            return messages.not_understood()
        return None  # other events (read receipts, ...) need no answer

    def _postback(
        self, action: BookAction | PickAction | SurveyAction | None, user_id: str, now: datetime
    ) -> dict[str, Any]:
        if isinstance(action, BookAction):
            return self._hospital_picker()
        if isinstance(action, PickAction):
            return self._pick(action.hospital_id, user_id, now)
        if isinstance(action, SurveyAction):
            return self._survey_answer(action, now)
        return messages.not_understood()

    def _hospital_picker(self) -> dict[str, Any]:
        hospitals = self.hospitals.list_active(limit=MAX_HOSPITALS_SHOWN)
        return messages.hospital_picker(
            [HospitalChoice(hospital_id=h.id, name=h.name, province=None) for h in hospitals]
        )

    def _pick(self, hospital_id: str, user_id: str, now: datetime) -> dict[str, Any]:
        hospital = self.hospitals.get(hospital_id)
        if hospital is None or not hospital.active:
            return self._hospital_picker()
        user = self.patients.follow(self.environment, user_id, now)
        registration = self.patients.registration_for(user, hospital.id, now)
        return messages.booking_link(
            hospital.name, booking_link(hospital.booking_url, registration.regist_id)
        )

    def _survey_answer(self, action: SurveyAction, now: datetime) -> dict[str, Any]:
        survey = self.appointments.survey(action.token)
        if survey is None:
            return messages.not_understood()
        if survey.score is not None:
            return messages.survey_already_answered()
        survey.score = action.score
        survey.answered_at = now
        return messages.survey_thanks(action.score)

    def _unfollow(self, user_id: str, now: datetime) -> None:
        self.patients.unfollow(self.environment, user_id, now)
        cancelled = self.outbox.cancel_open_for_user(
            self.environment, user_id, "the patient blocked MOPH Connect"
        )
        if cancelled:
            log.info("unfollow cancelled %d pending message(s)", cancelled)

    def _reply(
        self, event: Mapping[str, Any], user_id: str, message: dict[str, Any], now: datetime
    ) -> None:
        reply_token = event.get("replyToken")
        self.outbox.add(
            OutboxMessage(
                environment=self.environment,
                appointment_id=None,
                line_user_id=user_id,
                kind="chat",
                priority=CHAT_PRIORITY,
                dedup_key=f"event:{self.environment}:{event.get('webhookEventId')}",
                payload=orjson.dumps([message]).decode("utf-8"),
                reply_token=reply_token if isinstance(reply_token, str) else None,
                status="pending",
                due_at=now,
                available_at=now,
                attempts=0,
                retry_key=str(uuid.uuid4()),
                created_at=now,
            )
        )
