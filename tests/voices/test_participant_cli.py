"""`voices participant erase` and `voices participant export` (subject access)."""

from __future__ import annotations

from datetime import UTC, datetime

from click.testing import CliRunner
from sqlalchemy import select

from bot.models import Address, AuditEvent, Channel, Direction, Participant, ParticipantStatus
from bot.staff import add_staff
from tests.bot.test_erasure import PHONE, somebody_with_history
from tests.factories import create_message
from tests.voices.test_attendance_cli import run
from voices.cli import cli

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)


def with_staff(db) -> None:
    add_staff(db, "admin@example.org", "a long enough password", admin=True)
    add_staff(db, "staff@example.org", "a long enough password")
    db.commit()


def test_export_writes_everything_held_in_a_readable_file_and_is_audited(config, db, tmp_path):
    with_staff(db)
    person = somebody_with_history(db)
    address = db.scalar(select(Address).where(Address.value == PHONE))
    create_message(db, address, body="Thanks, see you Tuesday", direction=Direction.INBOUND)
    db.commit()
    out = tmp_path / "sar.txt"

    result = run(
        config,
        "participant",
        "export",
        person.pseudonym,
        "--out",
        str(out),
        "--by",
        "staff@example.org",
        at=NOW,
    )

    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    for held in (
        person.pseudonym,
        "Bartholomew Quince",
        PHONE,
        "telegram: 880044",
        "my secret words zebra-7719",
        "Thanks, see you Tuesday",
        '"4 it was lovely" (read as 4)',
        'Why: "my mum is in hospital"',
        "Note: said yes on the phone to Jo",
        "What staff did: rang Bartholomew",
        "reminders: yes",
    ):
        assert held in text, held
    db.rollback()
    (event,) = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "participant.subject_access")
    )
    assert event.target_id == person.id


def test_erase_needs_an_admin_and_the_pseudonym_typed_or_yes(config, db):
    with_staff(db)
    person = somebody_with_history(db)

    by_staff = run(
        config,
        "participant",
        "erase",
        person.pseudonym,
        "--by",
        "staff@example.org",
        "--yes",
        at=NOW,
    )
    assert by_staff.exit_code == 1
    assert "only an admin can erase" in by_staff.output

    mistyped = erase_typing(config, person.pseudonym, "V-WRONG")
    assert mistyped.exit_code == 1
    assert "nothing was erased" in mistyped.output
    db.rollback()
    assert (
        db.get(Participant, person.id, populate_existing=True).status
        is not ParticipantStatus.ERASED
    )

    typed = erase_typing(config, person.pseudonym, person.pseudonym)
    assert typed.exit_code == 0, typed.output
    assert f"Erased {person.pseudonym}: 2 addresses removed" in typed.output
    db.rollback()
    assert db.get(Participant, person.id, populate_existing=True).status is ParticipantStatus.ERASED
    assert db.scalars(select(Address).where(Address.channel == Channel.SMS)).all() == []
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "participant.erase"))
    assert event.staff_user_id is not None


def test_erasing_someone_unknown_says_so_plainly(config, db):
    with_staff(db)
    result = run(config, "participant", "erase", "V-NOBODY", "--by", "admin@example.org", "--yes")
    assert result.exit_code == 1
    assert "there is no participant V-NOBODY" in result.output


def erase_typing(config, pseudonym: str, typed: str):
    """`voices participant erase` with `typed` given at the confirmation prompt."""
    args = ["--config", str(config), "participant", "erase", pseudonym, "--by", "admin@example.org"]
    return CliRunner().invoke(cli, args, input=typed + "\n")
