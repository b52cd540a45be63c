"""A patient on the LINE emulator's control API, for tests that run the service as a
process (where `Stack`'s helpers are not at hand)."""

from __future__ import annotations

from typing import Any

import httpx


class EmulatedPatient:
    def __init__(
        self,
        http: httpx.Client,
        emulator: str,
        channel: str = "production",
        name: str = "ครูเพ็ญศรี",
    ) -> None:
        self.http, self.emulator = http, emulator
        response = http.post(
            f"{emulator}/control/channels/{channel}/users", json={"displayName": name}
        )
        assert response.status_code == 201, response.text
        self.user_id: str = response.json()["userId"]

    def inbox(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.http.get(
            f"{self.emulator}/control/users/{self.user_id}/inbox"
        ).json()["messages"]
        return messages

    def postback(self, data: str) -> None:
        response = self.http.post(
            f"{self.emulator}/control/users/{self.user_id}/postback", json={"data": data}
        )
        assert response.status_code == 200, response.text
