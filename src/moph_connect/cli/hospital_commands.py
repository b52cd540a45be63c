"""`moph-connect hospital ...`: the operator's registry of hospitals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from moph_connect.audit.repository import cli_actor
from moph_connect.cli import hospital_key_commands
from moph_connect.cli.common import in_transaction, open_database
from moph_connect.clock import SystemClock
from moph_connect.hospitals.access import (
    CLEAR_NETWORKS,
    CLEAR_ORIGINS,
    checked_auth_mode,
    keyless_calls_in_window,
    update_access,
)
from moph_connect.hospitals.importing import ImportRejected, import_hospitals, read_rows
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.hospitals.service import NewHospital, register_hospital

app = typer.Typer(help="Hospitals and their API keys.", no_args_is_help=True)

MAX_PROBLEMS_SHOWN = 200  # a file that is wrong throughout needs its first problems, not all
KEYS_WARNING = "Keys are shown only now; we keep only their hashes."


@app.command()
def add(
    name: str = typer.Option(..., "--name", help='e.g. "โรงพยาบาลปทุมธานี"'),
    booking_url: str = typer.Option(
        ...,
        "--booking-url",
        help="The hospital's booking page; {regist} is replaced by the MOPH Connect ID "
        "(else ?regist=<id> is appended).",
    ),
    province: str | None = typer.Option(
        None, "--province", help='Thai or English: "ปทุมธานี", "Pathum Thani".'
    ),
    district: str | None = typer.Option(None, "--district", help='e.g. "เมืองปทุมธานี"'),
    latitude: float | None = typer.Option(None, "--latitude", help="-90 to 90, e.g. 14.0208"),
    longitude: float | None = typer.Option(None, "--longitude", help="-180 to 180, e.g. 100.5250"),
    phone: str | None = typer.Option(None, "--phone", help='digits and dashes: "02-581-2345"'),
    auth: str = typer.Option(
        "key",
        "--auth",
        help="key: every call sends its API key (the default). legacy: calls without an "
        "Authorization header are accepted, named by the patient's MOPH Connect ID "
        "(systems in the field since 2018).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Register a hospital and print its production and test API keys (shown only once)."""

    def register(session: Session) -> NewHospital:
        checked_auth_mode(auth)
        new = register_hospital(
            session,
            name,
            booking_url,
            SystemClock().now(),
            province=province,
            district=district,
            latitude=latitude,
            longitude=longitude,
            phone=phone,
        )
        if auth != "key":
            update_access(
                session,
                new.hospital_id,
                auth=auth,
                allowed_networks=None,
                cors_origins=None,
                actor=cli_actor(),
                now=SystemClock().now(),
            )
        return new

    new = in_transaction(register)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "hospitalId": new.hospital_id,
                    "productionKey": new.production_key,
                    "testKey": new.test_key,
                    "auth": auth,
                },
                ensure_ascii=False,
            )
        )
        return
    console = Console()
    console.print(f"[green]Registered[/green] {new.name} as [bold]{new.hospital_id}[/bold]")
    console.print(f"  production key (for /api):      {new.production_key}")
    console.print(f"  test key       (for /test/api): {new.test_key}")
    if auth == "legacy":
        console.print("  auth: legacy (calls without a key are accepted; keys work too)")
    console.print(f"[yellow]{KEYS_WARNING}[/yellow]")


@app.command()
def update(
    hospital_id: Annotated[str, typer.Argument(help="e.g. h3f9c2a1b7d4e6f80")],
    auth: str | None = typer.Option(
        None, "--auth", help="key or legacy (see `hospital add --help`)."
    ),
    allow_ip: list[str] | None = typer.Option(
        None,
        "--allow-ip",
        help="A network (CIDR) keyless calls must come from; repeat for several. Given, it "
        f"replaces the list; `--allow-ip {CLEAR_NETWORKS}` empties it (from anywhere).",
    ),
    cors_origin: list[str] | None = typer.Option(
        None,
        "--cors-origin",
        help="A browser origin (scheme://host[:port]) allowed to call the API besides the "
        "booking URL's own; repeat for several. Given, it replaces the list; "
        f"`--cors-origin {CLEAR_ORIGINS}` empties it.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Change how a hospital's system may call the API (every change is audited)."""
    access = in_transaction(
        lambda session: update_access(
            session,
            hospital_id,
            auth=auth,
            allowed_networks=allow_ip,
            cors_origins=cors_origin,
            actor=cli_actor(),
            now=SystemClock().now(),
        )
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "hospitalId": access.hospital_id,
                    "auth": access.auth,
                    "allowedNetworks": access.allowed_networks,
                    "corsOrigins": access.cors_origins,
                },
                ensure_ascii=False,
            )
        )
        return
    console = Console()
    console.print(f"[green]Updated[/green] {access.name} ({access.hospital_id})")
    console.print(f"  auth: {access.auth}")
    console.print(f"  keyless calls from: {', '.join(access.allowed_networks) or 'anywhere'}")
    console.print(f"  extra CORS origins: {', '.join(access.cors_origins) or 'none'}")


@app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="UTF-8 CSV (BOM or not) with the header "
            "name,booking_url,province,district,latitude,longitude,phone",
        ),
    ],
    as_json: bool = typer.Option(
        False, "--json", help="Print a JSON array of {hospitalId, name, productionKey, testKey}."
    ),
) -> None:
    """Register every hospital in a CSV file, or none if any row is bad (see docs/hospitals.md).

    Prints each new hospital's id and its two API keys, shown only once.
    """
    errors = Console(stderr=True)  # progress and problems; stdout carries only the keys
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        typer.echo(f"error: {file} is not UTF-8 text (byte {error.start}); save as UTF-8", err=True)
        raise typer.Exit(2) from None
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,  # no bar (nor its blank line) in logs and pipes
    )
    database = None
    try:
        with progress:
            checking = progress.add_task("checking", total=text.count("\n") or None)
            rows = read_rows(text, on_row=lambda: progress.advance(checking))
            progress.update(checking, completed=len(rows), total=len(rows))
            writing = progress.add_task("importing", total=len(rows))
            database = open_database()
            with database.transaction() as session:
                created = import_hospitals(
                    session,
                    rows,
                    SystemClock().now(),
                    on_progress=lambda done: progress.advance(writing, done),
                )
    except ImportRejected as rejected:
        # Plain lines, never wrapped, so that they can be read and grepped as they are.
        for problem in rejected.problems[:MAX_PROBLEMS_SHOWN]:
            typer.echo(str(problem), err=True)
        hidden = len(rejected.problems) - MAX_PROBLEMS_SHOWN
        if hidden > 0:
            typer.echo(f"... and {hidden} more", err=True)
        typer.echo(f"error: {rejected.detail}", err=True)
        raise typer.Exit(2) from None
    finally:
        if database is not None:
            database.dispose()
    _print_created(created, as_json=as_json, errors=errors)


def _print_created(created: list[NewHospital], *, as_json: bool, errors: Console) -> None:
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "hospitalId": new.hospital_id,
                        "name": new.name,
                        "productionKey": new.production_key,
                        "testKey": new.test_key,
                    }
                    for new in created
                ],
                ensure_ascii=False,
            )
        )
        return
    # Tab-separated, one hospital a line, so that `> keys.tsv` keeps them for the hospitals.
    typer.echo("hospitalId\tname\tproductionKey\ttestKey")
    for new in created:
        typer.echo(f"{new.hospital_id}\t{new.name}\t{new.production_key}\t{new.test_key}")
    errors.print(
        f"[green]Imported {len(created)} hospitals.[/green] [yellow]{KEYS_WARNING}[/yellow]"
    )


@app.command("list")
def list_hospitals(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List registered hospitals."""
    database = open_database()
    try:
        with database.transaction() as session:
            keyless = keyless_calls_in_window(session, SystemClock().now())
            hospitals: list[dict[str, Any]] = [
                {
                    "hospitalId": h.id,
                    "name": h.name,
                    "province": h.province,
                    "district": h.district,
                    "latitude": h.latitude,
                    "longitude": h.longitude,
                    "phone": h.phone,
                    "bookingUrl": h.booking_url,
                    "active": h.active,
                    "createdAt": h.created_at.isoformat(),
                    "auth": h.auth_mode,
                    "allowedNetworks": list(h.allowed_networks or []),
                    "corsOrigins": list(h.cors_origins or []),
                    # Legacy hospitals only: who still has to move to keys.
                    "keylessCalls30d": keyless.get(h.id, 0) if h.auth_mode == "legacy" else None,
                }
                for h in HospitalRepository(session).list_all()
            ]
    finally:
        database.dispose()
    if as_json:
        typer.echo(json.dumps(hospitals, ensure_ascii=False))
        return
    table = Table("id", "name", "province", "booking URL", "auth", "keyless 30 d")
    for h in hospitals:
        allowed = h["allowedNetworks"]
        auth = str(h["auth"]) + (f" from {', '.join(allowed)}" if allowed else "")
        if not h["active"]:
            auth += " (inactive)"
        table.add_row(
            str(h["hospitalId"]),
            str(h["name"]),
            str(h["province"] or ""),
            str(h["bookingUrl"]),
            auth,
            "" if h["keylessCalls30d"] is None else str(h["keylessCalls30d"]),
        )
    console = Console()
    if not console.is_terminal:  # a pipe or a log: whole rows, not 80 columns
        console = Console(width=200)
    console.print(table)


hospital_key_commands.register(app)
