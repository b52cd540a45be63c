"""A small sample hospital booking site, as a hospital's own queue system would be.

It plays the hospital's side of the seed: its booking page reads `?regist=` (the MOPH Connect
ID), lets the patient pick a slot, and its queue system calls the MOPH Connect API over HTTP
(`/api/queue`, then `/api/queue/schedule` from its nightly job and `/api/queue/notify` when
the patient's turn is near). Hospital developers can read it as a worked example.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from moph_connect.clock import BANGKOK, Clock
from moph_connect.demo.http import Answer, post_json

SLOTS = ("09:00-09:15", "09:15-09:30", "10:00-10:15", "13:00-13:15")


@dataclass
class Booking:
    regist: str
    patient_name: str
    appointment_date: date
    slot: str
    queue_number: str

    def payload(self, hospital_name: str, site_base: str) -> dict[str, str]:
        """The seed's JSON body, as this hospital's queue system sends it."""
        return {
            "userId": self.regist,
            "hospitalName": hospital_name,
            "origin": "กระทรวงสาธารณสุข",
            "queueNumber": self.queue_number,
            "patientName": self.patient_name,
            "appointmentDate": self.appointment_date.isoformat(),
            "appointmentTime": f"เวลานัดหมาย {self.slot} น. กรุณามาก่อนเวลา 10 นาที",
            "detailsLink": f"{site_base}/queue/details?q={self.queue_number.split()[-1]}",
            "currentQueueLink": f"{site_base}/queue/current",
        }


@dataclass
class HospitalSite:
    """The site's state and its calls to MOPH Connect."""

    hospital_name: str
    api_base: str  # e.g. http://127.0.0.1:8000/api (or /test/api)
    api_key: Callable[[], str]
    clock: Clock
    site_base: str = ""
    bookings: dict[str, Booking] | None = None

    def __post_init__(self) -> None:
        self.bookings = {}
        self._numbers = itertools.count(1221)

    async def call(self, path: str, booking: Booking) -> Answer:
        return await post_json(
            f"{self.api_base}{path}",
            booking.payload(self.hospital_name, self.site_base),
            {"Authorization": f"Bearer {self.api_key()}"},
        )

    def book(self, regist: str, patient_name: str, day: date, slot: str) -> Booking:
        assert self.bookings is not None
        booking = Booking(regist, patient_name, day, slot, f"จุดคัดกรอง คิวที่ {next(self._numbers)}")
        self.bookings[regist] = booking
        return booking

    def today(self) -> date:
        return self.clock.now().astimezone(BANGKOK).date()


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"""<!doctype html><html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:30rem;margin:1rem auto;padding:0 1rem;color:#1f2933}}
h1{{color:#00796B;font-size:1.3rem}} label{{display:block;margin:.6rem 0 .2rem}}
select,input,button{{font-size:1rem;padding:.4rem;width:100%}} button{{background:#00796B;
color:#fff;border:0;border-radius:.4rem;margin-top:1rem}} .note{{color:#5f6b7a}}</style>
</head><body>{body}</body></html>"""
    )


def create_hospital_site(site: HospitalSite) -> Starlette:
    async def register_page(request: Request) -> Response:
        regist = request.query_params.get("regist", "")
        if len(regist) != 24:
            return _page("จองคิว", "<h1>ลิงก์ไม่ถูกต้อง</h1><p>กรุณาเปิดจาก MOPH Connect</p>")
        days = [site.today() + timedelta(days=n) for n in range(1, 8)]
        options = "".join(f"<option>{d.isoformat()}</option>" for d in days)
        slots = "".join(f"<option>{s}</option>" for s in SLOTS)
        return _page(
            "จองคิว",
            f"""<h1>{html.escape(site.hospital_name)}: จองคิว</h1>
<p class="note">เชื่อมต่อกับ MOPH Connect แล้ว บัตรคิวจะส่งไปที่ LINE ของคุณ</p>
<form method="post" action="book">
<input type="hidden" name="regist" value="{html.escape(regist)}">
<label>ชื่อ-นามสกุล</label><input name="patient_name" value="นาง เพ็ญศรี ใจดี">
<label>วันนัด</label><select name="date">{options}</select>
<label>เวลา</label><select name="slot">{slots}</select>
<button type="submit">ยืนยันการจอง</button></form>""",
        )

    async def book(request: Request) -> Response:
        form = await request.form()
        regist = str(form.get("regist", ""))
        try:
            day = date.fromisoformat(str(form.get("date", "")))
        except ValueError:
            return _page("จองคิว", "<h1>วันที่ไม่ถูกต้อง</h1>")
        slot = str(form.get("slot", SLOTS[0]))
        name = str(form.get("patient_name", "")).strip() or "ผู้ป่วย"
        booking = site.book(regist, name, day, slot)
        response = await site.call("/queue", booking)
        if response.status != 202:
            return _page("จองคิว", f"<h1>จองไม่สำเร็จ</h1><pre>{html.escape(response.text)}</pre>")
        return _page(
            "จองสำเร็จ",
            f"""<h1>จองสำเร็จ</h1><p>{html.escape(booking.queue_number)}</p>
<p>บัตรคิวถูกส่งไปที่ LINE MOPH Connect ของคุณแล้ว</p>""",
        )

    async def job(request: Request) -> Response:
        """The queue system's own jobs: `schedule` (nightly) and `notify` (turn near)."""
        kind = request.path_params["kind"]
        if kind not in ("schedule", "notify"):
            return JSONResponse({"error": "unknown job"}, status_code=404)
        assert site.bookings is not None
        results: list[dict[str, Any]] = []
        for booking in list(site.bookings.values()):
            response = await site.call(f"/queue/{kind}", booking)
            results.append({"queueNumber": booking.queue_number, "status": response.status})
        return JSONResponse({"job": kind, "calls": results})

    async def details(request: Request) -> Response:
        return _page(
            "รายละเอียด", f"<h1>{html.escape(site.hospital_name)}</h1><p>รายละเอียดการนัด</p>"
        )

    async def current(request: Request) -> Response:
        return _page("คิวปัจจุบัน", "<h1>คิวปัจจุบัน</h1><p>จุดคัดกรอง: คิวที่ 1218</p>")

    return Starlette(
        routes=[
            Route("/queue/que_register.php", register_page),
            Route("/queue/book", book, methods=["POST"]),
            Route("/queue/details", details),
            Route("/queue/current", current),
            Route("/jobs/{kind}", job, methods=["POST"]),
        ]
    )
