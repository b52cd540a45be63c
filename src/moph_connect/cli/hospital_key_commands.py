"""`moph-connect hospital rotate-key / revoke-key`: replacing a hospital's API key."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from moph_connect.audit.repository import cli_actor
from moph_connect.cli.common import in_transaction
from moph_connect.clock import SystemClock
from moph_connect.environments import Environment
from moph_connect.hospitals.key_rotation import (
    DEFAULT_GRACE_HOURS,
    MAX_GRACE_HOURS,
    RevokedKeys,
    RotatedKey,
    revoke_keys,
    rotate_key,
)
from moph_connect.scheduling.rules import bangkok_iso

T = TypeVar("T")

ENVIRONMENT_HELP = "Whose keys: production (/api) or test (/test/api)."
NEW_KEY_HINT = "issue a new one with rotate-key"


def rotate(
    hospital_id: str = typer.Argument(..., help="As `moph-connect hospital list` shows it."),
    environment: Environment = typer.Option(..., "--environment", help=ENVIRONMENT_HELP),
    grace_hours: int = typer.Option(
        DEFAULT_GRACE_HOURS,
        "--grace-hours",
        help=f"Hours the old keys keep working (0 to {MAX_GRACE_HOURS}; 0: refused at once).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Issue a new API key (shown only once); the old ones stop after the grace period."""
    rotated = in_transaction(
        lambda session: rotate_key(
            session,
            hospital_id,
            environment,
            grace_hours=grace_hours,
            now=SystemClock().now(),
            actor=cli_actor(),
        )
    )
    if as_json:
        typer.echo(json.dumps(_rotated_json(rotated)))
        return
    _print_rotated(rotated)


def revoke(
    hospital_id: str = typer.Argument(..., help="As `moph-connect hospital list` shows it."),
    environment: Environment = typer.Option(..., "--environment", help=ENVIRONMENT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Refuse every API key of the hospital in that environment, at once. Issues no new
    key: the hospital cannot call until `rotate-key` gives it one."""
    revoked = in_transaction(
        lambda session: revoke_keys(
            session, hospital_id, environment, now=SystemClock().now(), actor=cli_actor()
        )
    )
    hint = f"{revoked.hospital_id} has no usable {revoked.environment} key now; {NEW_KEY_HINT}."
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "hospitalId": revoked.hospital_id,
                    "environment": revoked.environment,
                    "keysAffected": revoked.keys_affected,
                    "revokedAt": revoked.revoked_at.isoformat(),
                }
            )
        )
        typer.echo(hint, err=True)  # stdout stays one JSON object
        return
    _print_revoked(revoked, hint)


def register(app: typer.Typer) -> None:
    app.command("rotate-key")(rotate)
    app.command("revoke-key")(revoke)


def _rotated_json(rotated: RotatedKey) -> dict[str, object]:
    expire_at = rotated.previous_keys_expire_at
    return {
        "hospitalId": rotated.hospital_id,
        "environment": rotated.environment,
        "key": rotated.key,
        "keyPrefix": rotated.key_prefix,
        "previousKeysExpireAt": None if expire_at is None else expire_at.isoformat(),
    }


def _print_rotated(rotated: RotatedKey) -> None:
    # Not coloured, so that the key stays plain text; never wrapped, so that it is copied
    # whole and the lines can be grepped.
    console = Console(highlight=False, soft_wrap=True)
    console.print(
        f"[green]New {rotated.environment} key[/green] for {escape(rotated.hospital_name)} "
        f"([bold]{rotated.hospital_id}[/bold]):"
    )
    console.print(f"  {rotated.key}")
    console.print(_previous_keys(rotated))
    console.print("[yellow]The key is shown only now; we keep only its hash.[/yellow]")


def _previous_keys(rotated: RotatedKey) -> str:
    ends: datetime | None = rotated.previous_keys_expire_at
    if ends is None:
        return f"There was no usable {rotated.environment} key to replace."
    if rotated.grace_hours == 0:
        return f"The previous {rotated.environment} key(s) are refused from now on."
    return (
        f"The previous {rotated.environment} key(s) keep working until {bangkok_iso(ends)} "
        f"(Asia/Bangkok), then are refused."
    )


def _print_revoked(revoked: RevokedKeys, hint: str) -> None:
    console = Console(highlight=False, soft_wrap=True)
    if revoked.keys_affected:
        console.print(
            f"[red]Revoked[/red] {revoked.keys_affected} {revoked.environment} key(s) of "
            f"{escape(revoked.hospital_name)} ([bold]{revoked.hospital_id}[/bold]); "
            "they are refused from now on."
        )
    else:
        console.print(f"{escape(revoked.hospital_name)} had no usable {revoked.environment} key.")
    console.print(f"[yellow]{hint}[/yellow]")
