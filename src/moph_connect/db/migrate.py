"""Applying migrations: `moph-connect db upgrade`, and automatically when `serve` starts."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from moph_connect.db.engine import normalise_url


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "moph_connect.db:migrations")
    # ConfigParser interpolation would choke on '%' in a password.
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def make_revision(url: str, message: str) -> None:
    """Developer helper: autogenerate a migration from the models' current shape."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
