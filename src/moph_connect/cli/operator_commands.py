"""`moph-connect operator add / list / disable / reset-password`: who may sign in to the
console."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.table import Table

from moph_connect.audit.repository import cli_actor
from moph_connect.cli.common import in_transaction
from moph_connect.clock import SystemClock
from moph_connect.operators.password_changes import reset_password
from moph_connect.operators.passwords import MIN_LENGTH
from moph_connect.operators.service import (
    OperatorView,
    add_operator,
    disable_operator,
    list_operators,
)

app = typer.Typer(help="Console operators (ministry and hospital staff).", no_args_is_help=True)


def _read_password(from_stdin: bool) -> str:
    """From standard input (its first line), or asked twice without echo (on standard
    error, so that `--json` output stays one JSON object)."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = typer.prompt(f"Password (at least {MIN_LENGTH} characters)", hide_input=True, err=True)
    second = typer.prompt("Password again", hide_input=True, err=True)
    if first != second:
        typer.echo("error: the two passwords differ", err=True)
        raise typer.Exit(2)
    return str(first)


def _json(view: OperatorView) -> dict[str, object]:
    return {
        "operatorId": view.operator_id,
        "email": view.email,
        "role": view.role,
        "hospitalId": view.hospital_id,
        "disabled": view.disabled,
        "lockedUntil": None if view.locked_until is None else view.locked_until.isoformat(),
        "createdAt": view.created_at.isoformat(),
        "lastSignInAt": None if view.last_sign_in_at is None else view.last_sign_in_at.isoformat(),
    }


@app.command()
def add(
    email: str = typer.Option(..., "--email", help="What she signs in with."),
    role: str = typer.Option(
        ..., "--role", help="ministry: every hospital; hospital: only the one given."
    ),
    hospital: str | None = typer.Option(
        None, "--hospital", help="HOSPITAL_ID (as `hospital list` shows it), for --role hospital."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input's first line."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Add an operator who can sign in at /console (the password is never shown or logged)."""
    password = _read_password(password_stdin)
    view = in_transaction(
        lambda session: add_operator(
            session,
            email=email,
            role=role,
            hospital_id=hospital,
            password=password,
            now=SystemClock().now(),
            actor=cli_actor(),
        )
    )
    if as_json:
        typer.echo(json.dumps(_json(view)))
        return
    where = f" of hospital [bold]{view.hospital_id}[/bold]" if view.hospital_id else ""
    Console(highlight=False).print(
        f"[green]Added[/green] {view.role} operator {view.email}{where}; "
        "she signs in at /console/login."
    )


@app.command("list")
def list_command(as_json: bool = typer.Option(False, "--json", help="Print a JSON array.")) -> None:
    """Every operator: role, hospital, whether disabled or locked out, last sign-in."""
    views = in_transaction(list_operators)
    if as_json:
        typer.echo(json.dumps([_json(view) for view in views]))
        return
    table = Table("email", "role", "hospital", "state", "last sign-in")
    now = SystemClock().now()
    for view in views:
        state = "disabled" if view.disabled else "active"
        if not view.disabled and view.locked_until is not None and view.locked_until > now:
            state = "locked out"
        last = view.last_sign_in_at.isoformat(timespec="minutes") if view.last_sign_in_at else ""
        table.add_row(view.email, view.role, view.hospital_id or "", state, last)
    Console().print(table)


@app.command()
def disable(
    email: str = typer.Argument(..., help="The operator's e-mail."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Refuse her sign-ins from now on and end her open sessions."""
    view = in_transaction(
        lambda session: disable_operator(session, email, now=SystemClock().now(), actor=cli_actor())
    )
    if as_json:
        typer.echo(json.dumps(_json(view)))
        return
    Console(highlight=False).print(f"[red]Disabled[/red] {view.email}; her sessions are ended.")


@app.command("reset-password")
def reset_password_command(
    email: str = typer.Option(..., "--email", help="The operator's e-mail."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the new password from standard input's first line."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Give her a new password (asked twice, or from standard input): every session of
    hers ends and a lock-out is lifted; audited, never shown or logged."""
    password = _read_password(password_stdin)
    reset = in_transaction(
        lambda session: reset_password(
            session, email, password, now=SystemClock().now(), actor=cli_actor()
        )
    )
    if as_json:
        typer.echo(
            json.dumps(
                {
                    **_json(reset.operator),
                    "sessionsEnded": reset.sessions_ended,
                    "wasLockedOut": reset.was_locked_out,
                }
            )
        )
        return
    Console(highlight=False, soft_wrap=True).print(
        f"[green]New password set[/green] for {reset.operator.email}; "
        f"{reset.sessions_ended} open session(s) ended"
        + ("; her lock-out is lifted." if reset.was_locked_out else ".")
    )
