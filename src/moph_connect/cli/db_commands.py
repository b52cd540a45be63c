"""`moph-connect db ...`"""

from __future__ import annotations

import typer
from rich.console import Console

from moph_connect.settings import get_settings

app = typer.Typer(help="The database.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations (SQLite under ./var by default; MOPH_CONNECT_DATABASE_URL otherwise)."""
    from moph_connect.db.migrate import upgrade as upgrade_database  # alembic: slow import

    url = get_settings().database_url
    upgrade_database(url, revision)
    Console().print(f"[green]Database is at {revision}.[/green]")
