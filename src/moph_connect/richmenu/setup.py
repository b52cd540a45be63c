"""Putting the rich menus on a channel: one per language, Thai as everyone's default,
English linked to each follower whose LINE is in English.

The new menus are created (with their images) and made the default before the old ones
are deleted, so the chat is never without a menu; a failure part-way deletes what this
run created and leaves the old menus as they were.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from moph_connect.line.api import LineApi, LineApiError
from moph_connect.messages import LANGS, Lang
from moph_connect.richmenu.image import render_png
from moph_connect.richmenu.layout import NearbyVia, is_ours, rich_menu

log = logging.getLogger(__name__)

LINK_CONCURRENCY = 16


@dataclass(frozen=True)
class SetupResult:
    menus: dict[Lang, str]  # language -> rich menu id
    default: str
    deleted: list[str] = field(default_factory=list)
    linked: int = 0
    link_failures: int = 0


def menu_images(font: Path) -> dict[Lang, bytes]:
    return {lang: render_png(lang, font) for lang in LANGS}


async def setup_rich_menus(
    api: LineApi,
    channel: str,
    images: dict[Lang, bytes],
    *,
    nearby_via: NearbyVia,
    english_users: Sequence[str] = (),
) -> SetupResult:
    old = [
        m["richMenuId"]
        for m in await api.rich_menus(channel)
        if is_ours(m.get("name")) and isinstance(m.get("richMenuId"), str)
    ]
    created: dict[Lang, str] = {}
    try:
        for lang in LANGS:
            menu_id = await api.create_rich_menu(channel, rich_menu(lang, nearby_via))
            created[lang] = menu_id
            await api.upload_rich_menu_image(channel, menu_id, images[lang])
        await api.set_default_rich_menu(channel, created["th"])
    except LineApiError:
        for menu_id in created.values():
            try:
                await api.delete_rich_menu(channel, menu_id)
            except LineApiError as error:
                log.warning("could not delete rich menu %s made by this run: %s", menu_id, error)
        raise
    linked, failures = await _link_all(api, channel, created["en"], english_users)
    deleted: list[str] = []
    for menu_id in old:
        try:
            await api.delete_rich_menu(channel, menu_id)
            deleted.append(menu_id)
        except LineApiError as error:
            log.warning("could not delete the old rich menu %s: %s", menu_id, error)
    return SetupResult(created, created["th"], deleted, linked, failures)


async def _link_all(
    api: LineApi, channel: str, menu_id: str, user_ids: Sequence[str]
) -> tuple[int, int]:
    slots = asyncio.Semaphore(LINK_CONCURRENCY)

    async def link(user_id: str) -> bool:
        async with slots:
            try:
                await api.link_rich_menu(channel, user_id, menu_id)
            except LineApiError:
                return False  # she blocked us since, or LINE said no: the default applies
            return True

    results = await asyncio.gather(*(link(u) for u in user_ids))
    done = sum(results)
    return done, len(results) - done
