"""The Messaging API endpoints our service calls, answering as `api.line.me` does."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive

from line_emulator.config import EmulatorChannel
from line_emulator.core import Emulator
from line_emulator.ids import (
    RECIPIENT_ID_PATTERN,
    USER_ID_PATTERN,
    is_uuid,
    new_message_id,
    new_quote_token,
    new_request_id,
)
from line_emulator.responses import error_body, error_response, json_response
from line_emulator.state import AcceptedRequest, Fault, User, Via
from line_emulator.validation import ErrorDetail

AUTH_FAILED = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)
RATE_LIMITED = "The API rate limit has been exceeded. Try again later."
RETRY_KEY_ACCEPTED = "The retry key is already accepted"
INVALID_REPLY_TOKEN = "Invalid reply token"  # noqa: S105 (an error message, not a secret)
SEND_FAILED = "Failed to send messages"
SERVER_ERROR = "An internal server error occurred"
NOT_FOUND = "Not found"

_SCHEMAS: dict[Via, str] = {
    "push": "PushMessageRequest",
    "reply": "ReplyMessageRequest",
    "multicast": "MulticastRequest",
}
# Message types LINE returns a `quoteToken` for: the ones a later message can quote.
_QUOTABLE = frozenset({"text", "textV2", "sticker", "image", "video"})


def _invalid_property(name: str) -> str:
    # LINE's wording when a recipient ID is not an ID at all (e.g. a LINE ID or phone).
    return f"The property, '{name}', in the request body is invalid (line: -, column: -)"


def _sent_message(message: dict[str, Any]) -> dict[str, str]:
    sent = {"id": new_message_id()}
    if message.get("type") in _QUOTABLE:
        sent["quoteToken"] = new_quote_token()
    return sent


async def _until_disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def hold(read_body: Callable[[], Awaitable[bytes]], receive: Receive, seconds: float) -> None:
    """Keep a request unanswered for `seconds`, or until its client hangs up.

    The client is expected to time out first; stopping then means a held request costs
    nothing and does not keep the server from shutting down.
    """
    await read_body()  # once drained, the next ASGI message can only be a disconnect
    watcher = asyncio.create_task(_until_disconnected(receive))
    try:
        await asyncio.wait({watcher}, timeout=seconds)
    finally:
        watcher.cancel()


class Answer(NamedTuple):
    """A send endpoint's response, before it becomes a Starlette one."""

    status: int
    body: bytes  # JSON
    headers: dict[str, str]


def _error(
    status: int,
    message: str,
    headers: dict[str, str],
    details: list[ErrorDetail] | None = None,
    **extra: Any,
) -> Answer:
    return Answer(status, error_body(message, details, **extra), headers)


HeaderLookup = Callable[[str], "str | None"]
"""The first value of a request header, by its name in lower case."""


class MessagingApi:
    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._state = emulator.state

    def routes(self) -> list[Route]:
        return [
            Route("/v2/bot/message/push", self.push, methods=["POST"]),
            Route("/v2/bot/message/reply", self.reply, methods=["POST"]),
            Route("/v2/bot/message/multicast", self.multicast, methods=["POST"]),
            Route("/v2/bot/profile/{user_id}", self.profile, methods=["GET"]),
        ]

    async def push(self, request: Request) -> Response:
        return await self._routed(request, "push")

    async def reply(self, request: Request) -> Response:
        return await self._routed(request, "reply")

    async def multicast(self, request: Request) -> Response:
        return await self._routed(request, "multicast")

    async def _routed(self, request: Request, via: Via) -> Response:
        answer = await self.send(request, via)
        return Response(
            answer.body, answer.status, headers=answer.headers, media_type="application/json"
        )

    async def profile(self, request: Request) -> Response:
        headers = {"x-line-request-id": new_request_id()}
        channel = self._emulator.authenticate(request)
        if channel is None:
            self._state.unauthorized += 1
            return error_response(401, AUTH_FAILED, headers=headers)
        self._state.stats[channel.name].requests += 1
        user = self._state.channel_user(channel.name, request.path_params["user_id"])
        # LINE shows profiles only of users who have the account as a friend.
        if user is None or not user.following:
            return error_response(404, NOT_FOUND, headers=headers)
        body = {"userId": user.user_id, "displayName": user.display_name}
        if user.language is not None:
            body["language"] = user.language
        return json_response(body, headers=headers)

    async def send(self, request: Request, via: Via) -> Answer:
        """Push, reply or multicast."""
        header = request.headers.get
        admitted = self._admit(header, via)
        if isinstance(admitted, Answer):
            return admitted
        channel, headers, fault = admitted
        if fault is not None:
            return await self._fault(request, fault, headers)
        # The last await: from here to the response nothing yields to the event loop, so
        # no request with the same retry key (or reply token) can slip in between our
        # check and our record of it, and deliver twice.
        raw = await request.body()
        return self._counted(channel, self._deliver(raw, header, channel, via, headers))

    def _admit(
        self, header: HeaderLookup, via: Via
    ) -> Answer | tuple[EmulatorChannel, dict[str, str], Fault | None]:
        # Order as at LINE's front door: who is asking, is the platform up, are they
        # within their limit; only then is the request itself looked at.
        request_id = new_request_id()
        headers = {"x-line-request-id": request_id}
        channel = self._emulator.channel_for_authorization(header("authorization"))
        if channel is None:
            self._state.unauthorized += 1
            return _error(401, AUTH_FAILED, headers)
        stats = self._state.stats[channel.name]
        stats.requests += 1
        fault = self._state.take_fault(channel.name)
        if fault is not None:
            stats.faults_injected += 1
            return channel, headers, fault
        if not self._state.allow_request(channel.name):
            stats.rate_limited += 1
            return _error(429, RATE_LIMITED, headers)
        return channel, headers, None

    async def _fault(self, request: Request, fault: Fault, headers: dict[str, str]) -> Answer:
        if fault.kind == "429":
            return _error(429, RATE_LIMITED, headers)
        if fault.kind == "timeout":
            await hold(request.body, request.receive, fault.timeout_seconds)
        return _error(500, SERVER_ERROR, headers)

    def _counted(self, channel: EmulatorChannel, answer: Answer) -> Answer:
        stats = self._state.stats[channel.name]
        if answer.status == 400:
            stats.bad_requests += 1
        elif answer.status == 409:
            stats.conflicts += 1
        return answer

    def _deliver(
        self,
        raw: bytes,
        header: HeaderLookup,
        channel: EmulatorChannel,
        via: Via,
        headers: dict[str, str],
    ) -> Answer:
        # Reply has no retry key at LINE (a reply token is single-use already).
        retry_key = None if via == "reply" else header("x-line-retry-key")
        if retry_key is not None:
            if not is_uuid(retry_key):
                detail = ErrorDetail("must be a UUID", "X-Line-Retry-Key")
                return _error(400, "The retry key is invalid", headers, [detail])
            accepted = self._state.accepted_request(channel.name, retry_key)
            if accepted is not None:
                return self._conflict(accepted, headers)

        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            detail = ErrorDetail(f"The request body could not be parsed as JSON: {exc}")
            return _error(400, "The request body has 1 error(s)", headers, [detail])
        details = self._emulator.validator.check(_SCHEMAS[via], payload)
        if details:
            return _error(400, f"The request body has {len(details)} error(s)", headers, details)

        recipients = self._recipients(channel, via, payload, headers)
        if isinstance(recipients, Answer):
            return recipients

        messages: list[dict[str, Any]] = payload["messages"]
        request_id = headers["x-line-request-id"]
        self._state.deliver(recipients, messages, via, request_id, retry_key)
        self._state.stats[channel.name].accepted += 1
        if via == "multicast":
            body, sent = b"{}", None
        else:
            # Serialised once, for the answer and for a later 409 with the same retry key.
            sent = orjson.dumps([_sent_message(m) for m in messages])
            body = b'{"sentMessages":' + sent + b"}"
        if retry_key is not None:
            self._state.accept_retry_key(channel.name, retry_key, AcceptedRequest(request_id, sent))
        return Answer(200, body, headers)

    def _conflict(self, accepted: AcceptedRequest, headers: dict[str, str]) -> Answer:
        # LINE names the first request and, for push, repeats what it sent.
        extra: dict[str, Any] = {}
        if accepted.sent_messages is not None:
            extra["sentMessages"] = orjson.Fragment(accepted.sent_messages)
        headers = headers | {"x-line-accepted-request-id": accepted.request_id}
        return _error(409, RETRY_KEY_ACCEPTED, headers, **extra)

    def _recipients(
        self, channel: EmulatorChannel, via: Via, payload: dict[str, Any], headers: dict[str, str]
    ) -> list[User] | Answer:
        if via == "reply":
            user = self._state.redeem_reply_token(channel.name, payload["replyToken"])
            if user is None:
                return _error(400, INVALID_REPLY_TOKEN, headers)
            return [user]
        if via == "push":
            to: str = payload["to"]
            if RECIPIENT_ID_PATTERN.fullmatch(to) is None:
                return _error(400, _invalid_property("to"), headers)
            user = self._state.channel_user(channel.name, to)
            if user is None:
                # A well-formed ID that never added this account (or a group we lack).
                detail = ErrorDetail("The user hasn't added the LINE Official Account", "to")
                return _error(400, SEND_FAILED, headers, [detail])
            return [user]
        return self._multicast_recipients(channel, payload["to"], headers)

    def _multicast_recipients(
        self, channel: EmulatorChannel, ids: list[str], headers: dict[str, str]
    ) -> list[User] | Answer:
        for index, user_id in enumerate(ids):
            if USER_ID_PATTERN.fullmatch(user_id) is None:
                return _error(400, _invalid_property(f"to[{index}]"), headers)
        # Multicast skips IDs it cannot reach instead of failing the whole request; a
        # repeated ID gets the messages once.
        users = (self._state.channel_user(channel.name, uid) for uid in dict.fromkeys(ids))
        return [user for user in users if user is not None]
