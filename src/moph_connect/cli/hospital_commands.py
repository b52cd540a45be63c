"""`moph-connect hospital ...`: the operator's registry of hospitals."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from moph_connect.cli.common import open_database
from moph_connect.clock import SystemClock
from moph_connect.errors import MophConnectError
from moph_connect.hospitals.repository import HospitalRepository
from moph_connect.hospitals.service import register_hospital

app = typer.Typer(help="Hospitals and their API keys.", no_args_is_help=True)


@app.command()
def add(
    name: str = typer.Option(..., "--name", help='e.g. "โรงพยาบาลปทุมธานี"'),
    booking_url: str = typer.Option(
        ...,
        "--booking-url",
        help="The hospital's booking page; {regist} is replaced by the MOPH Connect ID "
        "(else ?regist=<id> is appended).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Register a hospital and print its production and test API keys (shown only once)."""
    database = open_database()
    try:
        with database.transaction() as session:
            new = register_hospital(session, name, booking_url, SystemClock().now())
    except MophConnectError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(2) from None
    finally:
        database.dispose()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "hospitalId": new.hospital_id,
                    "productionKey": new.production_key,
                    "testKey": new.test_key,
                },
                ensure_ascii=False,
            )
        )
        return
    console = Console()
    console.print(f"[green]Registered[/green] {new.name} as [bold]{new.hospital_id}[/bold]")
    console.print(f"  production key (for /api):      {new.production_key}")
    console.print(f"  test key       (for /test/api): {new.test_key}")
    console.print("[yellow]Keys are shown only now; we keep only their hashes.[/yellow]")


@app.command("list")
def list_hospitals(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List registered hospitals."""
    database = open_database()
    try:
        with database.transaction() as session:
            hospitals = [
                {
                    "hospitalId": h.id,
                    "name": h.name,
                    "bookingUrl": h.booking_url,
                    "active": h.active,
                    "createdAt": h.created_at.isoformat(),
                }
                for h in HospitalRepository(session).list_all()
            ]
    finally:
        database.dispose()
    if as_json:
        typer.echo(json.dumps(hospitals, ensure_ascii=False))
        return
    table = Table("id", "name", "booking URL", "active")
    for h in hospitals:
        table.add_row(
            str(h["hospitalId"]),
            str(h["name"]),
            str(h["bookingUrl"]),
            "yes" if h["active"] else "no",
        )
    Console().print(table)
