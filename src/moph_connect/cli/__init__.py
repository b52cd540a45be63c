"""The `moph-connect` command line (Typer)."""
