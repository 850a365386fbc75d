"""The `voices` command: every command listed, clear errors, no tracebacks for mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.db import make_engine, make_session_factory
from bot.migrate import head_revision, upgrade
from bot.models import AuditEvent, StaffRole, StaffUser
from bot.staff import password_matches
from voices.cli import cli

EVERY_COMMAND = [
    "action",
    "ask",
    "attendance",
    "course",
    "db",
    "demo",
    "export",
    "import",
    "init",
    "messages",
    "participant",
    "send",
    "serve",
    "staff",
    "survey",
    "telegram",
    "worker",
]


def write_config(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "voices.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    return path


@pytest.fixture
def migrated_config(tmp_path, empty_database_url) -> Path:
    engine = make_engine(empty_database_url)
    upgrade(engine)
    engine.dispose()
    return write_config(tmp_path, empty_database_url)


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_help_lists_every_command_with_one_line_each():
    result = run("--help")
    assert result.exit_code == 0
    listed = result.output.split("Commands:")[1].strip().splitlines()
    assert [line.split()[0] for line in listed] == EVERY_COMMAND
    assert all(len(line.split()) > 2 for line in listed)


def test_an_unknown_command_is_named_without_a_traceback():
    result = CliRunner().invoke(cli, ["launch"])
    assert result.exit_code == 2
    assert "No such command 'launch'" in result.output
    assert "Traceback" not in result.output


def test_a_bad_config_file_stops_the_command_with_the_file_key_and_fix(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[app]\nsend_window = "nine till five"\n', encoding="utf-8")
    result = run("--config", str(path), "db", "upgrade")
    assert result.exit_code == 1
    assert f"{path}: [app] send_window:" in result.output
    assert '"09:00-20:00"' in result.output


def test_the_installed_command_prints_no_traceback_for_a_bad_config(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[app]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    process = subprocess.run(
        [sys.executable, "-m", "voices", "--config", str(path), "serve"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 1
    assert "[app] timezone" in process.stderr
    assert "Traceback" not in process.stderr + process.stdout


def test_init_writes_a_starter_config_and_creates_the_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("init")
    assert result.exit_code == 0, result.output
    assert "Wrote config.toml" in result.output
    assert (tmp_path / "config.toml").read_text().startswith("# Many Voices settings.")
    assert (tmp_path / "voices.db").exists()
    again = run("init")
    assert "Keeping the existing config.toml" in again.output
    assert again.exit_code == 0


def test_db_upgrade_brings_an_empty_database_to_the_newest_schema(tmp_path, empty_database_url):
    config = write_config(tmp_path, empty_database_url)
    result = run("--config", str(config), "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"up to date (revision {head_revision()})" in result.output


def test_a_command_on_a_database_that_was_never_upgraded_says_what_to_run(
    tmp_path, empty_database_url
):
    config = write_config(tmp_path, empty_database_url)
    result = run("--config", str(config), "staff", "add", "a@example.org", input="x" * 20 + "\n")
    assert result.exit_code == 1
    assert "voices db upgrade" in result.output


def test_an_unreachable_database_is_reported_plainly(tmp_path):
    config = write_config(tmp_path, "postgresql://nobody@127.0.0.1:1/none")
    result = run("--config", str(config), "db", "upgrade")
    assert result.exit_code == 1
    assert "cannot reach the database" in result.output


def test_staff_add_reads_the_password_from_a_pipe_and_stores_only_an_argon2id_hash(
    migrated_config, empty_database_url
):
    result = run(
        "--config",
        str(migrated_config),
        "staff",
        "add",
        "Ann@Example.ORG",
        "--admin",
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(empty_database_url)
    with make_session_factory(engine)() as session:
        user = session.scalar(select(StaffUser))
        audit = session.scalars(select(AuditEvent.action)).all()
    engine.dispose()
    assert user.email == "ann@example.org"
    assert user.role is StaffRole.ADMIN
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert password_matches(user.password_hash, "correct horse battery")
    assert not password_matches(user.password_hash, "correct horse batteryX")
    assert audit == ["staff.created"]


def test_staff_add_refuses_a_short_password_and_a_second_account_for_one_email(migrated_config):
    short = run("--config", str(migrated_config), "staff", "add", "b@example.org", input="abc\n")
    assert short.exit_code == 1
    assert "at least 12 characters" in short.output
    first = run("--config", str(migrated_config), "staff", "add", "b@example.org", input="p" * 12)
    assert first.exit_code == 0
    second = run("--config", str(migrated_config), "staff", "add", "B@example.org", input="q" * 12)
    assert second.exit_code == 1
    assert "already exists" in second.output
