"""The Alembic migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import make_engine
from bot.migrate import current_revision, head_revision, is_up_to_date, upgrade
from bot.models import Base


def test_the_migrated_schema_equals_the_models(empty_database_url):
    engine = make_engine(empty_database_url)
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_upgrading_an_empty_database_creates_every_model_table(empty_database_url):
    engine = make_engine(empty_database_url)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrading_twice_is_harmless_and_lands_on_the_head(empty_database_url):
    engine = make_engine(empty_database_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert is_up_to_date(engine)
    engine.dispose()


def test_an_empty_database_is_not_up_to_date(empty_database_url):
    engine = make_engine(empty_database_url)
    assert current_revision(engine) is None
    assert not is_up_to_date(engine)
    engine.dispose()
