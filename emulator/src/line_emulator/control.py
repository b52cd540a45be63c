"""The control API: what tests and demos use to play the patients and the platform.

Users are made and act here (follow, write, share a location, tap, block); each action
sends the webhook LINE would. Inboxes show what our service sent; faults make the next
sends fail; stats count what happened. Errors are `{"message": ...}` with a 4xx status.
"""

from __future__ import annotations

import math
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from line_emulator.core import Emulator
from line_emulator.responses import error_response, json_response
from line_emulator.state import FAULT_KINDS, Fault, FaultKind, User
from line_emulator.webhooks import (
    follow_event,
    location_message_event,
    postback_event,
    text_message_event,
    unfollow_event,
)

DEFAULT_FAULT_TIMEOUT_SECONDS = 30.0
_MAX_FAULT_TIMEOUT_SECONDS = 600.0


class ControlError(Exception):
    """A bad control request; answered as `{"message": ...}` with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def control_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ControlError)
    return error_response(exc.status, exc.message)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ControlError(400, f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise ControlError(400, "The request body must be a JSON object")
    return payload


def _required_text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise ControlError(400, f"'{key}' must be a non-empty string")
    return value


def _optional_text(payload: dict[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is not None and not isinstance(value, str):
        raise ControlError(400, f"'{key}' must be a string")
    return value


def _number(payload: dict[str, Any], key: str, low: float, high: float) -> float:
    value = payload.get(key)
    # bool is an int in Python, but `true` is no coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlError(400, f"'{key}' must be a number")
    if not (low <= value <= high and math.isfinite(value)):
        raise ControlError(400, f"'{key}' must be between {low} and {high}")
    return float(value)


def _said_location(message: dict[str, Any]) -> dict[str, Any]:
    # The location message as the chat shows it (without the webhook's message ID).
    return {key: value for key, value in message.items() if key != "id"}


def _params(payload: dict[str, Any]) -> dict[str, str] | None:
    params = payload.get("params")
    if params is None:
        return None
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise ControlError(400, "'params' must be an object of strings")
    return params


class ControlApi:
    """Handlers read their body first: after that they do not yield until the webhook is
    sent, so a user's state cannot change between being checked and being acted on."""

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._state = emulator.state

    def routes(self) -> list[Route]:
        users = "/control/users/{user_id}"
        return [
            Route("/control/health", self.health, methods=["GET"]),
            Route("/control/channels/{channel}/users", self.create_user, methods=["POST"]),
            Route("/control/channels/{channel}/users", self.list_users, methods=["GET"]),
            Route(f"{users}/text", self.send_text, methods=["POST"]),
            Route(f"{users}/location", self.send_location, methods=["POST"]),
            Route(f"{users}/postback", self.send_postback, methods=["POST"]),
            Route(f"{users}/unfollow", self.unfollow, methods=["POST"]),
            Route(f"{users}/follow", self.follow, methods=["POST"]),
            Route(f"{users}/inbox", self.inbox, methods=["GET"]),
            Route("/control/faults", self.add_fault, methods=["POST"]),
            Route("/control/faults", self.list_faults, methods=["GET"]),
            Route("/control/faults", self.clear_faults, methods=["DELETE"]),
            Route("/control/stats", self.stats, methods=["GET"]),
            Route("/control/reset", self.reset, methods=["POST"]),
        ]

    def _channel_name(self, request: Request) -> str:
        name: str = request.path_params["channel"]
        if self._emulator.channel(name) is None:
            raise ControlError(404, f"Unknown channel {name!r}")
        return name

    def _user(self, request: Request, *, following: bool | None = True) -> User:
        user = self._state.users.get(request.path_params["user_id"])
        if user is None:
            raise ControlError(404, "Unknown user")
        if following is True and not user.following:
            raise ControlError(409, "The user has blocked the channel; follow it again first")
        if following is False and user.following:
            raise ControlError(409, "The user already follows the channel")
        return user

    async def _emit(self, user: User, event: dict[str, Any], status: int = 200) -> Response:
        webhook_status = await self._emulator.send_webhook(user, event)
        return json_response(
            {
                "userId": user.user_id,
                "webhookStatus": webhook_status,
                "webhookEventId": event["webhookEventId"],
                "replyToken": event.get("replyToken"),
            },
            status,
        )

    async def health(self, request: Request) -> Response:
        return json_response({"status": "ok", "channels": sorted(self._emulator.config.channels)})

    async def create_user(self, request: Request) -> Response:
        channel = self._channel_name(request)
        payload = await _body(request)
        display_name = _required_text(payload, "displayName")
        # Our patients are Thai; `"language": null` models a user who has not consented
        # to LINE's privacy policy, whose profile then has no language.
        language = _optional_text(payload, "language") if "language" in payload else "th"
        user = self._state.create_user(channel, display_name, language)
        token = self._state.issue_reply_token(user)
        event = follow_event(user, self._emulator.timestamp_ms(), token, unblocked=False)
        return await self._emit(user, event, status=201)

    async def list_users(self, request: Request) -> Response:
        channel = self._channel_name(request)
        users = [user.summary() for user in self._state.channel_users(channel)]
        return json_response({"channel": channel, "users": users})

    async def send_text(self, request: Request) -> Response:
        payload = await _body(request)
        user = self._user(request)
        text = _required_text(payload, "text")
        token = self._state.issue_reply_token(user)
        event = text_message_event(user, self._emulator.timestamp_ms(), token, text)
        self._state.record_said(user, {"type": "text", "text": text})
        return await self._emit(user, event)

    async def send_location(self, request: Request) -> Response:
        payload = await _body(request)
        user = self._user(request)
        latitude = _number(payload, "latitude", -90.0, 90.0)
        longitude = _number(payload, "longitude", -180.0, 180.0)
        title = _optional_text(payload, "title")
        address = _optional_text(payload, "address")
        event = location_message_event(
            user,
            self._emulator.timestamp_ms(),
            self._state.issue_reply_token(user),
            latitude=latitude,
            longitude=longitude,
            title=title,
            address=address,
        )
        self._state.record_said(user, _said_location(event["message"]))
        return await self._emit(user, event)

    async def send_postback(self, request: Request) -> Response:
        payload = await _body(request)
        user = self._user(request)
        data = _required_text(payload, "data")
        params = _params(payload)
        # The action's displayText shows in the chat as hers; the webhook carries only
        # the postback, as at LINE.
        display_text = _optional_text(payload, "displayText")
        token = self._state.issue_reply_token(user)
        event = postback_event(user, self._emulator.timestamp_ms(), token, data, params)
        if display_text:
            self._state.record_said(user, {"type": "text", "text": display_text})
        return await self._emit(user, event)

    async def unfollow(self, request: Request) -> Response:
        user = self._user(request)
        user.following = False
        self._state.changes.notify(user.user_id)
        return await self._emit(user, unfollow_event(user, self._emulator.timestamp_ms()))

    async def follow(self, request: Request) -> Response:
        user = self._user(request, following=False)
        user.following = True
        self._state.changes.notify(user.user_id)
        token = self._state.issue_reply_token(user)
        event = follow_event(user, self._emulator.timestamp_ms(), token, unblocked=True)
        return await self._emit(user, event)

    async def inbox(self, request: Request) -> Response:
        user = self._user(request, following=None)
        return json_response(
            {
                "userId": user.user_id,
                "channel": user.channel,
                "messages": [entry.to_json() for entry in user.inbox],
                "deliveries": user.deliveries,
            }
        )

    async def add_fault(self, request: Request) -> Response:
        payload = await _body(request)
        channel = payload.get("channel")
        if channel is not None and (
            not isinstance(channel, str) or self._emulator.channel(channel) is None
        ):
            raise ControlError(400, f"Unknown channel {channel!r}")
        count = payload.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ControlError(400, "'count' must be a positive integer")
        kind = payload.get("kind")
        if kind not in FAULT_KINDS:
            raise ControlError(400, f"'kind' must be one of {list(FAULT_KINDS)}")
        timeout = DEFAULT_FAULT_TIMEOUT_SECONDS
        if payload.get("timeoutSeconds") is not None:
            timeout = _number(payload, "timeoutSeconds", 0.0, _MAX_FAULT_TIMEOUT_SECONDS)
        fault_kind: FaultKind = kind
        self._state.add_fault(Fault(channel, fault_kind, count, timeout))
        return json_response(self._faults_json(), 201)

    async def list_faults(self, request: Request) -> Response:
        return json_response(self._faults_json())

    async def clear_faults(self, request: Request) -> Response:
        self._state.faults.clear()
        return json_response(self._faults_json())

    def _faults_json(self) -> dict[str, Any]:
        return {"faults": [fault.to_json() for fault in self._state.faults]}

    async def stats(self, request: Request) -> Response:
        return json_response(self._state.stats_json())

    async def reset(self, request: Request) -> Response:
        self._state.reset()
        return json_response(self._state.stats_json())
