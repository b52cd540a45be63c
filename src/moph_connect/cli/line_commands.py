"""`moph-connect line ...`: the LINE channels themselves (their rich menu)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer
from rich.console import Console

from moph_connect.cli.common import configure_logging, open_database
from moph_connect.environments import ENVIRONMENTS, Environment
from moph_connect.settings import LINE_API_DEFAULT_BASE_URL, Settings, get_settings

if TYPE_CHECKING:
    from moph_connect.richmenu.layout import NearbyVia

# Drawing (Pillow) and the LINE client (pyreqwest) are imported inside the command, so that
# other commands and `--help` start quickly.

app = typer.Typer(help="The LINE channels: the rich menu.", no_args_is_help=True)

NEARBY_CHOICES = ("auto", "uri", "postback")


@app.callback()
def line() -> None:
    """The LINE channels: the rich menu."""


def _channel(value: str) -> Environment:
    for environment in ENVIRONMENTS:
        if value == environment:
            return environment
    raise typer.BadParameter(f"must be one of {', '.join(ENVIRONMENTS)}", param_hint="--channel")


def _nearby_via(value: str, settings: Settings) -> Literal["uri", "postback"]:
    if value == "uri":
        return "uri"
    if value == "postback":
        return "postback"
    if value != "auto":
        raise typer.BadParameter(
            f"must be one of {', '.join(NEARBY_CHOICES)}", param_hint="--near-me"
        )
    # LINE opens its location picker from a link; the emulator answers a postback instead.
    real_line = settings.resolved_line_api_base_url() == LINE_API_DEFAULT_BASE_URL
    return "uri" if real_line else "postback"


def _english_followers(settings: Settings, channel: Environment) -> list[str]:
    from moph_connect.patients.repository import PatientRepository

    database = open_database(settings)
    try:
        with database.transaction() as session:
            return list(PatientRepository(session).followers_speaking(channel, "en"))
    finally:
        database.dispose()


@app.command("setup-richmenu")
def setup_richmenu(
    channel: str = typer.Option("production", "--channel", help="production or test."),
    font: Path | None = typer.Option(
        None, "--font", help="A Thai font file (default: Debian's fonts-thai-tlwg)."
    ),
    near_me: str = typer.Option(
        "auto",
        "--near-me",
        help='How "hospitals near me" asks for her location: uri (LINE\'s location picker), '
        "postback (the bot asks), or auto (uri on LINE, postback on the emulator).",
    ),
    save_images: Path | None = typer.Option(
        None, "--save-images", help="Also write the menu images (PNG) to this folder."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Draw and print the menus; change nothing on LINE."
    ),
) -> None:
    """Create the MOPH Connect rich menus (Thai default, English for English-speaking
    followers) on a LINE channel, replacing older MOPH Connect menus."""
    from moph_connect.line.api import LineApi, LineApiError
    from moph_connect.messages import LANGS
    from moph_connect.richmenu.image import FontMissing, find_thai_font
    from moph_connect.richmenu.layout import rich_menu
    from moph_connect.richmenu.setup import menu_images, setup_rich_menus

    settings = get_settings()
    configure_logging(settings)
    environment = _channel(channel)
    via: NearbyVia = _nearby_via(near_me, settings)
    console = Console(stderr=True)
    try:
        images = menu_images(find_thai_font(str(font) if font is not None else None))
    except FontMissing as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if save_images is not None:
        save_images.mkdir(parents=True, exist_ok=True)
        for lang, image in images.items():
            (save_images / f"richmenu-{lang}.png").write_bytes(image)
    if dry_run:
        menus = {lang: rich_menu(lang, via) for lang in LANGS}
        typer.echo(json.dumps(menus, ensure_ascii=False, indent=2))
        return
    english = _english_followers(settings, environment)
    api = LineApi.from_settings(settings)

    async def run() -> Any:
        async with api:
            return await setup_rich_menus(
                api, environment, images, nearby_via=via, english_users=english
            )

    try:
        result = asyncio.run(run())
    except LineApiError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    console.print(
        f"[green]Rich menus set up on the {environment} channel[/green] "
        f"({settings.resolved_line_api_base_url()})"
    )
    typer.echo(
        json.dumps(
            {
                "channel": environment,
                "menus": result.menus,
                "default": result.default,
                "deleted": result.deleted,
                "englishLinked": result.linked,
                "englishLinkFailures": result.link_failures,
            },
            ensure_ascii=False,
        )
    )
