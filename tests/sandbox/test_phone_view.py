"""The console's phone view (pure): our builders' messages drawn as nodes with classes,
colours only as checked hex, links only http(s); and what the sandbox keeps of a call."""

from __future__ import annotations

from datetime import date
from typing import Any

from moph_connect.console.phone_view import Node, colors_css, colors_query, draw
from moph_connect.messages.appointment import AppointmentView, alert, queue_card
from moph_connect.messages.flex import text_message, uri_action
from moph_connect.sandbox.recording import kept_answer, kept_request, regist_of

VIEW = AppointmentView(
    hospital_name="โรงพยาบาลปทุมธานี",
    origin="กระทรวงสาธารณสุข",
    queue_number="จุดคัดกรอง คิวที่ 1221",
    patient_name="นาย ประโยชน์ รุจิรา",
    appointment_date=date(2018, 4, 30),
    appointment_time="เวลานัดหมาย 09:00-09:15 น.",
    details_link="http://pth.ddns.net/",
    current_queue_link="http://pth.ddns.net/now",
)


def _walk(node: Node) -> list[Node]:
    return [node, *(n for child in node.children for n in _walk(child))]


def _all(nodes: list[Node]) -> list[Node]:
    return [n for node in nodes for n in _walk(node)]


def test_the_queue_card_is_drawn_as_a_bubble_with_its_texts_buttons_and_colours() -> None:
    drawing = draw([queue_card(VIEW)])
    nodes = _all(drawing.nodes)
    kinds = {node.kind for node in nodes}
    assert {"flex", "bubble", "block", "box", "text", "button", "action"} <= kinds
    texts = " ".join(node.text for node in nodes if node.kind == "text")
    assert "1221" in texts and "โรงพยาบาลปทุมธานี" in texts
    links = [node.href for node in nodes if node.kind == "action"]
    assert "http://pth.ddns.net/" in links and "http://pth.ddns.net/now" in links
    assert "00796B" in drawing.colors  # the ministry teal of its header
    header = next(n for n in nodes if n.kind == "block" and "fx-header" in n.classes)
    assert any(c.startswith("bg-") for c in _walk(header)[1].classes)
    assert all(" " not in c and '"' not in c for node in nodes for c in node.classes)


def test_a_hospital_colour_becomes_a_class_and_a_rule() -> None:
    drawing = draw([alert(VIEW, header="แจ้งเตือน", background_color="#123abc")])
    assert "123ABC" in drawing.colors
    css = colors_css(colors_query(drawing.colors))
    assert ".bg-123ABC{background-color:#123ABC}" in css


def test_untrusted_values_never_reach_a_class_link_or_the_stylesheet() -> None:
    hostile: dict[str, Any] = {
        "type": "flex",
        "altText": "x",
        "contents": {
            "type": "bubble",
            "size": 'huge" onload="x',
            "body": {
                "type": "box",
                "layout": "vertical",
                "backgroundColor": "red;}body{display:none",
                "paddingAll": "5px",
                "contents": [
                    {"type": "text", "text": "<script>alert(1)</script>", "size": 'x"y'},
                    {"type": "button", "action": uri_action("open", "javascript:alert(1)")},
                    {"type": "video"},
                ],
            },
        },
    }
    nodes = _all(draw([hostile]).nodes)
    classes = [c for node in nodes for c in node.classes]
    assert "fx-mega" in classes and not any("onload" in c or "red" in c for c in classes)
    assert all(node.href is None for node in nodes)
    assert any(node.text == "<script>alert(1)</script>" for node in nodes)  # Jinja escapes
    assert any(node.text == "[video]" for node in nodes)
    assert colors_css("00796B.}body{x.12345G.FFFFFF") == (
        ".bg-00796B{background-color:#00796B}.fg-00796B,.fx-button>.fg-00796B{color:#00796B}"
        ".bd-00796B{border-color:#00796B}.fx-button>.bg-00796B{background-color:#00796B}\n"
        ".bg-FFFFFF{background-color:#FFFFFF}.fg-FFFFFF,.fx-button>.fg-FFFFFF{color:#FFFFFF}"
        ".bd-FFFFFF{border-color:#FFFFFF}.fx-button>.bg-FFFFFF{background-color:#FFFFFF}\n"
    )


def test_a_text_message_keeps_its_line_breaks_and_quick_replies() -> None:
    message = text_message("บรรทัดแรก\nบรรทัดสอง", [uri_action("จองคิว", "https://pth.example/")])
    [node] = draw([message]).nodes
    assert node.kind == "text_message" and node.text == "บรรทัดแรก\nบรรทัดสอง"
    assert [(c.text, c.href) for c in node.children] == [("จองคิว", "https://pth.example/")]


def test_the_kept_request_has_no_name_and_lists_what_it_left_out() -> None:
    fields = {
        "userId": "5bedb40574d0504752f2173f",
        "patientName": "นาย ประโยชน์ รุจิรา",
        "queueNumber": "A" * 500,
        "appointmentDate": 20180430,
        "extra": {"nested": "นาย ประโยชน์"},
        "origin": ["a", "list"],
    }
    kept = kept_request(fields)
    assert kept == {
        "userId": "5bedb40574d0504752f2173f",
        "queueNumber": "A" * 200,
        "appointmentDate": 20180430,
        "origin": "(list)",
        "notKept": ["extra", "patientName"],
    }
    assert regist_of(fields) == "5bedb40574d0504752f2173f"
    assert regist_of({"userId": "ครูเพ็ญศรี"}) is None


def test_the_kept_answer_is_the_answer_or_the_problem() -> None:
    problem = {"type": "t", "title": "T", "status": 422, "detail": "d", "errors": [], "x": 1}
    assert kept_answer(problem) == {k: problem[k] for k in problem if k != "x"}
    answer = {"appointmentId": "a1", "environment": "test", "messages": [], "warnings": []}
    assert kept_answer(answer) == {"appointmentId": "a1", "messages": [], "warnings": []}
