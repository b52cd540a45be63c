"""The satisfaction survey as a conversation: score, optional comment, recommendation;
each kept once; closed after the expiry; only hers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from moph_connect.appointments.schemas import SEED_EXAMPLE
from moph_connect.clock import BANGKOK
from moph_connect.db.models import Survey
from tests.chatbot.support import (
    accept_privacy,
    answer_to,
    event,
    new_user,
    postbacks,
    say,
    signed_post,
    tap,
    texts,
)
from tests.support.stack import Stack, find_uri


def surveyed(stack: Stack, name: str = "ครูเพ็ญศรี") -> tuple[str, str]:
    """A patient whose visit today was notified; her survey's token."""
    hospital = stack.register_hospital()
    user, _ = new_user(stack, name=name)
    accept_privacy(stack, user)
    [link] = tap(stack, user, f"action=pick&hospital={hospital.hospital_id}")
    regist = parse_qs(urlparse(find_uri(link, "regist=")).query)["regist"][0]
    today = stack.clock.now().astimezone(BANGKOK).date().isoformat()
    body = {**SEED_EXAMPLE, "userId": regist, "appointmentDate": today}
    response = stack.call("/api/queue/notify", hospital.production_key, body)
    assert response.status_code == 202, response.text
    with stack.database.transaction() as session:
        token = session.scalars(
            select(Survey.token).where(Survey.hospital_id == hospital.hospital_id)
        ).one()
    return user, token


def stored(stack: Stack, token: str) -> Survey:
    with stack.database.transaction() as session:
        survey = session.get(Survey, token)
        assert survey is not None
        return survey


def quick(message: dict[str, Any]) -> list[str]:
    return [item["action"].get("data", "") for item in message["quickReply"]["items"]]


def test_score_comment_recommend(stack: Stack) -> None:
    user, token = surveyed(stack)
    stack.wait_inbox(user, 4)  # "your queue is near"
    stack.clock.advance(timedelta(days=1, hours=3))  # 13:00 the next day: the card is out
    [card] = [e["message"] for e in stack.wait_inbox(user, 5)[4:]]
    assert f"action=survey&token={token}&score=4" in postbacks(card)

    [thanks] = tap(stack, user, f"action=survey&token={token}&score=4")
    assert "คุณให้คะแนน 4" in thanks["text"]
    assert quick(thanks) == [f"action=skip&token={token}"]
    comment = "ห้องน้ำสะอาด\nแต่ที่จอดรถน้อย " + "ก" * 600
    [question] = say(stack, user, comment)
    assert quick(question) == [f"action=recommend&token={token}&score={n}" for n in range(11)]
    [done] = tap(stack, user, f"action=recommend&token={token}&score=10")
    assert "ขอบคุณ" in done["text"]
    survey = stored(stack, token)
    assert (survey.score, survey.recommend) == (4, 10)
    assert survey.comment is not None
    assert survey.comment.startswith("ห้องน้ำสะอาด\nแต่ที่จอดรถน้อย")
    assert len(survey.comment) <= 500

    # Second answers keep the first, and say so.
    [again] = tap(stack, user, f"action=survey&token={token}&score=1")
    assert "คำตอบแรก" in again["text"] and "4" in again["text"]
    [again] = tap(stack, user, f"action=recommend&token={token}&score=0")
    assert "คำตอบแรก" in again["text"]
    # Typed text is no longer a comment: it is a search again.
    [search] = say(stack, user, "ปทุมธานี")
    assert "โรงพยาบาลปทุมธานี" in texts(search)
    assert stored(stack, token).recommend == 10


def test_skip_the_comment_typed_or_tapped(stack: Stack) -> None:
    user, token = surveyed(stack)
    tap(stack, user, f"action=survey&token={token}&score=5")
    [question] = say(stack, user, "ข้าม")
    assert len(question["quickReply"]["items"]) == 11
    assert stored(stack, token).comment is None
    [question] = tap(stack, user, f"action=skip&token={token}")  # tapped later: still fine
    tap(stack, user, f"action=recommend&token={token}&score=7")
    assert (stored(stack, token).comment, stored(stack, token).recommend) == (None, 7)


def test_a_sticker_while_we_wait_for_a_comment(stack: Stack) -> None:
    user, token = surveyed(stack)
    tap(stack, user, f"action=survey&token={token}&score=2")
    sticker = event(
        "message",
        user,
        timestamp_ms=int(stack.clock.now().timestamp() * 1000),
        message={"id": "1", "type": "sticker", "packageId": "446", "stickerId": "1988"},
    )
    assert signed_post(stack, "production", [sticker]) == 200
    [again] = answer_to(stack, user, "production", sticker["webhookEventId"])
    assert quick(again) == [f"action=skip&token={token}"]
    say(stack, user, "รอนานมาก 😞")
    assert stored(stack, token).comment == "รอนานมาก 😞"


def test_a_comment_typed_hours_later_is_a_new_request(stack: Stack) -> None:
    user, token = surveyed(stack)
    tap(stack, user, f"action=survey&token={token}&score=3")
    stack.clock.advance(timedelta(hours=2))
    [answer] = say(stack, user, "ปทุมธานี")
    assert "โรงพยาบาลปทุมธานี" in texts(answer)
    assert stored(stack, token).comment is None


def test_delete_my_data_typed_while_we_wait_for_a_comment(stack: Stack) -> None:
    user, token = surveyed(stack)
    tap(stack, user, f"action=survey&token={token}&score=3")
    [question] = say(stack, user, "ลบข้อมูล")
    assert any(p.startswith("action=erase_confirm") for p in postbacks(question))
    assert stored(stack, token).comment is None


def test_a_survey_closes_after_the_expiry(stack: Stack) -> None:
    user, token = surveyed(stack)
    # Due at 12:00 tomorrow; open for 7 days from then (`survey_expiry_days`).
    stack.clock.advance(timedelta(days=9, hours=1))
    [closed] = tap(stack, user, f"action=survey&token={token}&score=5")
    assert "ปิดรับคำตอบ" in closed["text"]
    assert stored(stack, token).score is None


def test_a_survey_set_to_expire_earlier(stack: Stack) -> None:
    user, token = surveyed(stack)
    with stack.database.transaction() as session:
        survey = session.get(Survey, token)
        assert survey is not None
        survey.expires_at = datetime.now(BANGKOK).replace(year=2000)
    [closed] = tap(stack, user, f"action=survey&token={token}&score=5")
    assert "ปิดรับคำตอบ" in closed["text"]


def test_someone_else_s_survey_is_not_hers_to_answer(stack: Stack) -> None:
    _owner, token = surveyed(stack)
    other, _ = new_user(stack, name="คนอื่น")
    [unknown] = tap(stack, other, f"action=survey&token={token}&score=1")
    assert "ไม่พบแบบประเมิน" in unknown["text"]
    [unknown] = tap(stack, other, f"action=recommend&token={token}&score=0")
    assert "ไม่พบแบบประเมิน" in unknown["text"]
    assert stored(stack, token).score is None


def test_a_comment_typed_with_a_nul_is_kept_without_it(stack: Stack) -> None:
    """PostgreSQL stores no NUL in text: typed ones are dropped before anything is kept."""
    user, token = surveyed(stack)
    stack.wait_inbox(user, 4)
    stack.clock.advance(timedelta(days=1, hours=3))
    stack.wait_inbox(user, 5)
    tap(stack, user, f"action=survey&token={token}&score=5")
    [question] = say(stack, user, "สะอาด\u0000มาก")
    assert quick(question)[0].startswith("action=recommend")
    assert stored(stack, token).comment == "สะอาดมาก"
