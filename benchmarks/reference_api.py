"""The reference the hospital API is measured against (issue 12): bare Starlette, pydantic
validating the seed's 9 fields, one SQLite insert, `async`. Nothing else: no
authentication, no outbox, no middleware. What a validated insert costs on this machine.

    .venv/bin/python benchmarks/reference_api.py DATABASE_FILE PORT

benchmarks/api.py (`--reference`) starts it as its own process and drives it exactly as
it drives `moph-connect serve`, alternating runs, so both figures come from the same
minutes of the same machine.
"""

from __future__ import annotations

import sqlite3
import sys

import orjson
import uvicorn
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL, hospital_name TEXT, origin TEXT, queue_number TEXT NOT NULL,
    patient_name TEXT, appointment_date TEXT NOT NULL, appointment_time TEXT,
    details_link TEXT, current_queue_link TEXT
)
"""


class Call(BaseModel):
    userId: str
    hospitalName: str
    origin: str
    queueNumber: str
    patientName: str
    appointmentDate: str
    appointmentTime: str
    detailsLink: str
    currentQueueLink: str


def build(path: str) -> Starlette:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")  # as moph-connect's SQLite engine
    connection.execute(SCHEMA)

    async def queue(request: Request) -> Response:
        try:
            call = Call.model_validate_json(await request.body())
        except ValidationError as error:
            body = orjson.dumps({"status": 422, "errors": error.errors(include_url=False)})
            return Response(body, status_code=422, media_type="application/problem+json")
        cursor = connection.execute(
            "INSERT INTO calls (user_id, hospital_name, origin, queue_number, patient_name, "
            "appointment_date, appointment_time, details_link, current_queue_link) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                call.userId,
                call.hospitalName,
                call.origin,
                call.queueNumber,
                call.patientName,
                call.appointmentDate,
                call.appointmentTime,
                call.detailsLink,
                call.currentQueueLink,
            ),
        )
        body = orjson.dumps({"id": cursor.lastrowid, "queueNumber": call.queueNumber})
        return Response(body, status_code=202, media_type="application/json")

    async def healthz(_request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    routes = [
        Route("/api/queue", queue, methods=["POST"]),
        Route("/api/queue/schedule", queue, methods=["POST"]),
        Route("/healthz", healthz),
    ]
    return Starlette(routes=routes)


def main() -> None:
    path, port = sys.argv[1], int(sys.argv[2])
    # The same HTTP server and settings as `moph-connect serve` (h11; uvloop when there).
    uvicorn.run(build(path), host="127.0.0.1", port=port, http="h11", log_level="warning")


if __name__ == "__main__":
    main()
