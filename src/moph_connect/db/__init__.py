"""Storage: engine set-up, the ORM tables, the unit of work and Alembic migrations."""
