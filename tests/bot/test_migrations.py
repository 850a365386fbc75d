"""The Alembic migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from bot.db import make_engine
from bot.migrate import current_revision, head_revision, is_up_to_date, upgrade
from bot.models import Base, Cohort, RunKind, SurveyRun


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


def test_survey_runs_made_before_revision_0005_keep_their_group_and_get_an_end(
    empty_database_url,
):
    engine = make_engine(empty_database_url)
    upgrade(engine, "0004")
    started = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO courses (id, code, title, created_at) VALUES (3, 'ART', 'Art', :t)"),
            {"t": started},
        )
        conn.execute(
            text(
                "INSERT INTO surveys (id, key, title, created_at) "
                "VALUES (1, 'post-session', 'After', :t)"
            ),
            {"t": started},
        )
        for run_id, cohort, expires in (
            (1, "course:3", None),
            (2, "session:17:attended", started),
            (3, "list", started),
        ):
            conn.execute(
                text(
                    "INSERT INTO survey_runs "
                    "(id, survey_id, cohort, status, starts_at, expires_at, created_at) "
                    "VALUES (:id, 1, :cohort, 'finished', :t, :expires, :t)"
                ),
                {"id": run_id, "cohort": cohort, "t": started, "expires": expires},
            )
    upgrade(engine)
    with Session(engine) as session:
        runs = {run.id: run for run in session.scalars(select(SurveyRun))}
        assert (runs[1].cohort, runs[1].course_id) == (Cohort.COURSE, 3)
        assert runs[1].expires_at == started + timedelta(days=7)
        # Session 17 is gone: the run keeps its kind of group, without a broken link.
        assert (runs[2].cohort, runs[2].session_id) == (Cohort.SESSION, None)
        assert (runs[3].cohort, runs[3].kind) == (Cohort.LIST, RunKind.SURVEY)
    engine.dispose()
