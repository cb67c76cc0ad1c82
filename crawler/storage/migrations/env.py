"""Alembic environment: the engine comes from ``config.attributes`` (see crawler.storage.migrate)."""

from __future__ import annotations

from alembic import context

from crawler.storage import models  # noqa: F401  (registers the tables)
from crawler.storage.base import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from crawler.config import load_settings
    from crawler.storage.engine import make_engine

    engine = make_engine(load_settings().resolved_database_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
