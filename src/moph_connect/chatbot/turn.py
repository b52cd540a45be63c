"""One event's worth of conversation: who she is, in which language, and the
repositories a flow may use. Flows query only through repositories; the records they
change are saved with the transaction the webhook processor opened around the turn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from moph_connect.appointments.repository import AppointmentRepository
from moph_connect.chatbot.config import ChatbotConfig
from moph_connect.chatbot.consent_rules import consented
from moph_connect.chatbot.conversation import Awaiting, Question, read_question
from moph_connect.chatbot.finder import HospitalFinder
from moph_connect.db.models import LineUser
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.messages import Lang, lang_for
from moph_connect.patients.repository import PatientRepository

Message = dict[str, Any]


@dataclass
class Turn:
    session: Session
    environment: str
    event_id: str
    user: LineUser
    now: datetime
    config: ChatbotConfig
    finder: HospitalFinder

    def __post_init__(self) -> None:
        self.patients = PatientRepository(self.session)
        self.hospitals = HospitalRepository(self.session)
        self.appointments = AppointmentRepository(self.session)

    @property
    def lang(self) -> Lang:
        return lang_for(self.user.language)

    @property
    def consented(self) -> bool:
        return consented(self.user.consent_version, self.config.notice_version)

    # -- the question she may be answering ---------------------------------------------------

    def question(self, awaiting: Awaiting) -> Question | None:
        """The open question of this kind, if she is within its answer window."""
        found = read_question(self.user.conversation)
        if found is None or found.awaiting != awaiting:
            return None
        window = (
            self.config.erase_window if awaiting == "erase_confirm" else self.config.answer_window
        )
        return found if found.open_at(self.now, window) else None

    def ask(self, awaiting: Awaiting, token: str) -> None:
        self.patients.set_conversation(self.user, Question(awaiting, token, self.now).to_json())

    def forget_question(self) -> None:
        if self.user.conversation is not None:
            self.patients.set_conversation(self.user, None)
