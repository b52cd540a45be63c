"""`moph-connect registrations ...`: MOPH Connect IDs from the MOPH Connect that ran before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Final

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from moph_connect.audit.repository import AuditRepository, cli_actor
from moph_connect.cli.common import open_database
from moph_connect.clock import SystemClock
from moph_connect.errors import MophConnectError
from moph_connect.hospitals.importing import ImportRejected
from moph_connect.patients.importing import (
    COLUMNS,
    ImportProgress,
    check_file,
    import_registrations,
)

app = typer.Typer(
    help="MOPH Connect IDs issued by the MOPH Connect that ran before.", no_args_is_help=True
)

MAX_PROBLEMS_SHOWN: Final = 200  # a file wrong throughout needs its first problems, not all


class _Bars(ImportProgress):
    """The import's progress as Rich bars: checking the file, the database, writing."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.matching: TaskID | None = None
        self.importing: TaskID | None = None

    def start(self, rows: int) -> None:
        self.matching = self.progress.add_task("matching", total=rows)

    def checked(self, rows: int) -> None:
        if self.matching is not None:
            self.progress.advance(self.matching, rows)

    def writing(self, rows: int) -> None:
        self.importing = self.progress.add_task("importing", total=rows)

    def written(self, rows: int) -> None:
        if self.importing is not None:
            self.progress.advance(self.importing, rows)


def _newlines(file: Path) -> int:
    """About how many rows the file has, for the bar (one quick pass over its bytes)."""
    count = 0
    with file.open("rb") as data:
        while block := data.read(1 << 20):
            count += block.count(b"\n")
    return count


@app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help=f"UTF-8 CSV (BOM or not) with the header {','.join(COLUMNS)}",
        ),
    ],
    as_json: bool = typer.Option(False, "--json", help='Print {"imported": N, "alreadyThere": M}.'),
) -> None:
    """Load the IDs patients were given by the old MOPH Connect, or none if any row is bad
    (see docs/hospitals.md). Rows already loaded are counted and left as they are."""
    errors = Console(stderr=True)  # progress and problems; stdout carries only the summary
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        disable=not errors.is_terminal,  # no bar (nor its blank line) in logs and pipes
    )
    bars = _Bars(progress)
    now = SystemClock().now()
    database = None
    try:
        # Read as it goes: a national file is hundreds of megabytes.
        with progress, file.open(encoding="utf-8-sig", newline="") as lines:
            checking = progress.add_task("checking", total=_newlines(file) or None)
            rows, problems = check_file(lines, now, on_row=lambda: progress.advance(checking))
            if problems and not rows:
                raise ImportRejected(problems)  # nothing to compare with the database
            progress.update(checking, completed=len(rows), total=len(rows))
            bars.start(len(rows))
            database = open_database()
            with database.transaction() as session:
                # The rows' conflicts with the database are reported with the file's own.
                result = import_registrations(session, rows, now, bars, file_problems=problems)
                AuditRepository(session).record(
                    "registrations_imported",
                    actor=cli_actor(),
                    detail={
                        "imported": result.imported,
                        "alreadyThere": result.already_there,
                        "erased": result.erased,
                    },
                    now=now,
                )
    except UnicodeDecodeError:
        typer.echo(f"error: {file} is not UTF-8 text; save it as CSV UTF-8", err=True)
        raise typer.Exit(2) from None
    except ImportRejected as rejected:
        # Plain lines, never wrapped, so that they can be read and grepped as they are.
        for problem in rejected.problems[:MAX_PROBLEMS_SHOWN]:
            typer.echo(str(problem), err=True)
        hidden = len(rejected.problems) - MAX_PROBLEMS_SHOWN
        if hidden > 0:
            typer.echo(f"... and {hidden} more", err=True)
        typer.echo(f"error: {rejected.detail}", err=True)
        raise typer.Exit(2) from None
    except MophConnectError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        if database is not None:
            database.dispose()
    if as_json:
        typer.echo(json.dumps({"imported": result.imported, "alreadyThere": result.already_there}))
        return
    erased = (
        f" ({result.erased} of them deleted at the patient's request: they stay deleted)"
        if result.erased
        else ""
    )
    typer.echo(f"imported {result.imported}, already there {result.already_there}{erased}")
