"""The rich menu: its object is what LINE accepts, its image is readable and within
LINE's limits, and `moph-connect line setup-richmenu` puts it on a channel."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from line_contract.credentials import EMULATOR_CREDENTIALS
from line_contract.spec import validate
from line_emulator import EmulatorConfig, EmulatorServer
from moph_connect.messages import LANGS, Lang, parse_postback
from moph_connect.messages.limits import LABEL_MAX
from moph_connect.richmenu.image import FontMissing, find_thai_font, render_png
from moph_connect.richmenu.layout import HEIGHT, LOCATION_URI, WIDTH, rich_menu

# The command as `moph-connect line ...` will run it, before cli/main.py registers it.
CLI = (
    "import typer; from moph_connect.cli import line_commands; "
    "root = typer.Typer(); root.add_typer(line_commands.app, name='line'); root()"
)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("via", ["uri", "postback"])
def test_the_menu_object_is_what_line_accepts(lang: Lang, via: str) -> None:
    menu = rich_menu(lang, "uri" if via == "uri" else "postback")
    assert validate("messaging-api", "RichMenuRequest", menu) == []
    assert menu["size"] == {"width": WIDTH, "height": HEIGHT}
    assert 1 <= len(menu["chatBarText"]) <= 14
    covered = 0
    for area in menu["areas"]:
        bounds = area["bounds"]
        assert bounds["x"] + bounds["width"] <= WIDTH and bounds["y"] + bounds["height"] <= HEIGHT
        covered += bounds["width"] * bounds["height"]
        action = area["action"]
        assert 1 <= len(action["label"]) <= LABEL_MAX
        if action["type"] == "postback":
            assert parse_postback(action["data"]) is not None
        else:
            assert action["uri"] == LOCATION_URI
    assert covered == WIDTH * HEIGHT  # the four areas tile the image


@pytest.mark.parametrize("lang", LANGS)
def test_the_image(lang: Lang) -> None:
    png = render_png(lang, find_thai_font())
    assert len(png) <= 1024 * 1024
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    # Each tile is mostly teal with white ink: the label and icon were drawn.
    for x, y in ((625, 421), (1875, 421), (625, 1264), (1875, 1264)):
        tile = image.crop((x - 600, y - 400, x + 600, y + 400)).convert("L")
        histogram = tile.histogram()
        assert sum(histogram[240:]) > 20_000  # white strokes


def test_a_missing_font_is_said_clearly(tmp_path: Path) -> None:
    not_a_font = tmp_path / "font.ttf"
    not_a_font.write_bytes(b"not a font")
    with pytest.raises(FontMissing, match="fonts-thai-tlwg"):
        find_thai_font(str(not_a_font))
    with pytest.raises(FontMissing, match="fonts-thai-tlwg"):
        find_thai_font(str(tmp_path / "missing.ttf"))


@pytest.fixture
def emulator() -> Iterator[str]:
    with EmulatorServer(EmulatorConfig.default(webhook_base=None)) as server:
        yield server.base_url


def run(args: list[str], emulator: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MOPH_CONNECT_LINE_API_BASE_URL": emulator,
        "MOPH_CONNECT_DATABASE_URL": f"sqlite:///{tmp_path}/moph-connect.db",
    }
    return subprocess.run(
        [sys.executable, "-c", CLI, "line", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_setup_richmenu_creates_then_replaces(emulator: str, tmp_path: Path) -> None:
    first = run(["setup-richmenu", "--channel", "test", "--save-images", "img"], emulator, tmp_path)
    assert first.returncode == 0, first.stderr
    made = json.loads(first.stdout.strip().splitlines()[-1])
    assert made["channel"] == "test" and made["default"] == made["menus"]["th"]
    assert sorted(p.name for p in (tmp_path / "img").iterdir()) == [
        "richmenu-en.png",
        "richmenu-th.png",
    ]
    second = run(["setup-richmenu", "--channel", "test"], emulator, tmp_path)
    assert second.returncode == 0, second.stderr
    replaced = json.loads(second.stdout.strip().splitlines()[-1])
    assert sorted(replaced["deleted"]) == sorted(made["menus"].values())

    token = EMULATOR_CREDENTIALS["test"].access_token
    listed = httpx.get(
        f"{emulator}/v2/bot/richmenu/list", headers={"Authorization": f"Bearer {token}"}
    ).json()["richmenus"]
    assert sorted(m["richMenuId"] for m in listed) == sorted(replaced["menus"].values())
    default = httpx.get(
        f"{emulator}/v2/bot/user/all/richmenu", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert default["richMenuId"] == replaced["menus"]["th"]
    # The production channel was not touched.
    production = EMULATOR_CREDENTIALS["production"].access_token
    assert (
        httpx.get(
            f"{emulator}/v2/bot/richmenu/list",
            headers={"Authorization": f"Bearer {production}"},
        ).json()["richmenus"]
        == []
    )


def test_dry_run_and_bad_options(emulator: str, tmp_path: Path) -> None:
    dry = run(["setup-richmenu", "--dry-run", "--near-me", "uri"], emulator, tmp_path)
    assert dry.returncode == 0, dry.stderr
    menus = json.loads(dry.stdout)
    assert menus["th"]["areas"][2]["action"] == {
        "type": "uri",
        "label": "โรงพยาบาลใกล้ฉัน",
        "uri": LOCATION_URI,
    }
    bad = run(["setup-richmenu", "--channel", "staging"], emulator, tmp_path)
    assert bad.returncode == 2 and "production, test" in bad.stderr
    no_font = run(["setup-richmenu", "--font", "/nonexistent.ttf"], emulator, tmp_path)
    assert no_font.returncode == 2 and "fonts-thai-tlwg" in no_font.stderr
