"""The Messaging API's rich-menu endpoints, answering as LINE does.

LINE serves the image upload and download on `api-data.line.me`; the emulator serves
them on its one base URL. Bodies, statuses and error messages follow LINE's reference;
rich-menu aliases, bulk linking and LINE's per-hour limits on creating menus are not
emulated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from line_emulator.config import EmulatorChannel
from line_emulator.core import Emulator
from line_emulator.ids import USER_ID_PATTERN, new_request_id
from line_emulator.images import image_info
from line_emulator.messaging import AUTH_FAILED, NOT_FOUND
from line_emulator.responses import error_response, json_response
from line_emulator.richmenus import (
    MAX_IMAGE_BYTES,
    MAX_RICH_MENUS,
    RichMenuImage,
    rule_details,
)
from line_emulator.validation import ErrorDetail

NO_IMAGE: Final = "must upload richmenu image before applying it to user"
IMAGE_ALREADY_UPLOADED: Final = "An image has already been uploaded to the richmenu"
IMAGE_SIZE_NOT_ALLOWED: Final = "The image size is not allowed for richmenu"
IMAGE_TOO_LARGE: Final = f"The image must be at most {MAX_IMAGE_BYTES} bytes"
IMAGE_UNREADABLE: Final = "The image is not a readable JPEG or PNG"
UNSUPPORTED_MEDIA_TYPE: Final = "Content-Type must be image/jpeg or image/png"
TOO_MANY_MENUS: Final = f"The maximum number of rich menus ({MAX_RICH_MENUS}) has been reached"
INVALID_USER_ID: Final = "The value for the 'userId' parameter is invalid"
USER_HAS_NO_MENU: Final = "the user has no richmenu"
NO_DEFAULT_MENU: Final = "no default richmenu"
_IMAGE_TYPES: Final = frozenset({"image/jpeg", "image/png"})

Handler = Callable[[Request, EmulatorChannel, dict[str, str]], Awaitable[Response]]


def _error(
    status: int, message: str, headers: dict[str, str], *, empty_details: bool = False
) -> Response:
    # Some of LINE's rich-menu errors carry `"details": []`, most none at all.
    if empty_details:
        return json_response({"message": message, "details": []}, status, headers)
    return error_response(status, message, headers=headers)


class RichMenuApi:
    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._state = emulator.state
        self._menus = emulator.rich_menus

    def routes(self) -> list[Route]:
        # Fixed paths before the ones whose segment is a parameter.
        menu, user = "/v2/bot/richmenu", "/v2/bot/user"
        return [
            Route(menu, self._authed(self.create), methods=["POST"]),
            Route(f"{menu}/validate", self._authed(self.validate), methods=["POST"]),
            Route(f"{menu}/list", self._authed(self.list_menus), methods=["GET"]),
            Route(f"{menu}/{{menu_id}}/content", self._authed(self.upload), methods=["POST"]),
            Route(f"{menu}/{{menu_id}}/content", self._authed(self.download), methods=["GET"]),
            Route(f"{menu}/{{menu_id}}", self._authed(self.get), methods=["GET"]),
            Route(f"{menu}/{{menu_id}}", self._authed(self.delete), methods=["DELETE"]),
            Route(
                f"{user}/all/richmenu/{{menu_id}}", self._authed(self.set_default), methods=["POST"]
            ),
            Route(f"{user}/all/richmenu", self._authed(self.get_default), methods=["GET"]),
            Route(f"{user}/all/richmenu", self._authed(self.cancel_default), methods=["DELETE"]),
            Route(
                f"{user}/{{user_id}}/richmenu/{{menu_id}}",
                self._authed(self.link),
                methods=["POST"],
            ),
            Route(f"{user}/{{user_id}}/richmenu", self._authed(self.linked), methods=["GET"]),
            Route(f"{user}/{{user_id}}/richmenu", self._authed(self.unlink), methods=["DELETE"]),
        ]

    def _authed(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            headers = {"x-line-request-id": new_request_id()}
            channel = self._emulator.authenticate(request)
            if channel is None:
                self._state.unauthorized += 1
                return error_response(401, AUTH_FAILED, headers=headers)
            self._state.stats[channel.name].requests += 1
            response = await handler(request, channel, headers)
            if response.status_code == 400:
                self._state.stats[channel.name].bad_requests += 1
            return response

        return endpoint

    async def _menu_object(
        self, request: Request, headers: dict[str, str]
    ) -> dict[str, Any] | Response:
        """The request's rich menu object if LINE would accept it, else the 400 to answer."""
        try:
            payload = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            detail = ErrorDetail(f"The request body could not be parsed as JSON: {exc}")
            return error_response(400, "The request body has 1 error(s)", [detail], headers)
        details = self._emulator.validator.check("RichMenuRequest", payload)
        if not details:
            details = rule_details(payload)
        if details:
            message = f"The request body has {len(details)} error(s)"
            return error_response(400, message, details, headers)
        result: dict[str, Any] = payload
        return result

    async def create(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        payload = await self._menu_object(request, headers)
        if isinstance(payload, Response):
            return payload
        menu = self._menus.create(channel.name, payload)
        if menu is None:
            return error_response(400, TOO_MANY_MENUS, headers=headers)
        return json_response({"richMenuId": menu.rich_menu_id}, headers=headers)

    async def validate(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        payload = await self._menu_object(request, headers)
        return payload if isinstance(payload, Response) else json_response({}, headers=headers)

    async def list_menus(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        menus = [menu.to_json() for menu in self._menus.menus(channel.name)]
        return json_response({"richmenus": menus}, headers=headers)

    async def get(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        menu = self._menus.get(channel.name, request.path_params["menu_id"])
        if menu is None:
            return error_response(404, NOT_FOUND, headers=headers)
        return json_response(menu.to_json(), headers=headers)

    async def delete(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        if not self._menus.delete(channel.name, request.path_params["menu_id"]):
            return error_response(404, NOT_FOUND, headers=headers)
        self._state.changes.notify_all()
        return json_response({}, headers=headers)

    async def upload(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        menu = self._menus.get(channel.name, request.path_params["menu_id"])
        if menu is None:
            return error_response(404, NOT_FOUND, headers=headers)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in _IMAGE_TYPES:
            return error_response(415, UNSUPPORTED_MEDIA_TYPE, headers=headers)
        if menu.image is not None:
            return error_response(400, IMAGE_ALREADY_UPLOADED, headers=headers)
        data = await _read_at_most(request, MAX_IMAGE_BYTES)
        if data is None:
            return error_response(400, IMAGE_TOO_LARGE, headers=headers)
        info = image_info(data)
        if info is None or info.media_type != content_type:
            return error_response(400, IMAGE_UNREADABLE, headers=headers)
        if (info.width, info.height) != (menu.size["width"], menu.size["height"]):
            return error_response(400, IMAGE_SIZE_NOT_ALLOWED, headers=headers)
        # Re-checked: another upload may have finished while this body was streaming in.
        if menu.image is not None:
            return error_response(400, IMAGE_ALREADY_UPLOADED, headers=headers)
        menu.image = RichMenuImage(info.media_type, data)
        return json_response({}, headers=headers)

    async def download(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        menu = self._menus.get(channel.name, request.path_params["menu_id"])
        if menu is None or menu.image is None:
            return error_response(404, NOT_FOUND, headers=headers)
        return Response(menu.image.data, media_type=menu.image.media_type, headers=headers)

    async def set_default(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        menu = self._menus.get(channel.name, request.path_params["menu_id"])
        if menu is None:
            return error_response(404, NOT_FOUND, headers=headers)
        if menu.image is None:
            return _error(400, NO_IMAGE, headers, empty_details=True)
        self._menus.set_default(channel.name, menu)
        self._state.changes.notify_all()
        return json_response({}, headers=headers)

    async def get_default(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        menu = self._menus.default(channel.name)
        if menu is None:
            return _error(404, NO_DEFAULT_MENU, headers, empty_details=True)
        return json_response({"richMenuId": menu.rich_menu_id}, headers=headers)

    async def cancel_default(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        self._menus.set_default(channel.name, None)
        self._state.changes.notify_all()
        return json_response({}, headers=headers)

    async def link(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        user_id: str = request.path_params["user_id"]
        if USER_ID_PATTERN.fullmatch(user_id) is None:
            return error_response(400, INVALID_USER_ID, headers=headers)
        menu = self._menus.get(channel.name, request.path_params["menu_id"])
        if menu is None:
            return error_response(404, NOT_FOUND, headers=headers)
        if menu.image is None:
            return _error(400, NO_IMAGE, headers, empty_details=True)
        user = self._state.channel_user(channel.name, user_id)
        # LINE answers 200 but links nothing for users who are not (or no longer) friends.
        if user is not None and user.following:
            self._menus.link(user_id, menu)
            self._state.changes.notify(user_id)
        return json_response({}, headers=headers)

    async def linked(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        # Only the menu linked to this user: LINE does not fall back to the default here.
        user_id: str = request.path_params["user_id"]
        if USER_ID_PATTERN.fullmatch(user_id) is None:
            return error_response(400, INVALID_USER_ID, headers=headers)
        user = self._state.channel_user(channel.name, user_id)
        menu = self._menus.linked(channel.name, user_id)
        if user is None or not user.following or menu is None:
            return _error(404, USER_HAS_NO_MENU, headers, empty_details=True)
        return json_response({"richMenuId": menu.rich_menu_id}, headers=headers)

    async def unlink(
        self, request: Request, channel: EmulatorChannel, headers: dict[str, str]
    ) -> Response:
        user_id: str = request.path_params["user_id"]
        if USER_ID_PATTERN.fullmatch(user_id) is None:
            return error_response(400, INVALID_USER_ID, headers=headers)
        if self._state.channel_user(channel.name, user_id) is not None:
            self._menus.unlink(user_id)
            self._state.changes.notify(user_id)
        return json_response({}, headers=headers)


async def _read_at_most(request: Request, limit: int) -> bytes | None:
    """The request body, or None if it is longer than `limit` bytes (the rest is read
    and dropped, so that the client can finish sending and read our answer)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        else:
            chunks.clear()
    return b"".join(chunks) if size <= limit else None
