"""`moph-connect`: run the service, its workers and the LINE emulator; manage hospitals."""

from __future__ import annotations

import typer

from moph_connect.cli import (
    db_commands,
    demo_commands,
    hospital_commands,
    line_commands,
    operator_commands,
    registration_commands,
    service_commands,
)

app = typer.Typer(
    name="moph-connect",
    help="MOPH Connect: the LINE chatbot that connects patients with hospital queue systems.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # locals may hold API keys or patient data
)
app.add_typer(db_commands.app, name="db")
app.add_typer(hospital_commands.app, name="hospital")
app.add_typer(line_commands.app, name="line")
app.add_typer(operator_commands.app, name="operator")
app.add_typer(registration_commands.app, name="registrations")
service_commands.register(app)
app.command()(demo_commands.demo)
