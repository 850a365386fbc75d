"""`voices worker` and `voices send` as operators run them, against Prism serving Twilio's spec.

The fault tests start real worker processes, kill them with SIGKILL mid-send, and then count
what the stand-in received: no message may arrive twice, and none may be silently lost."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.db import make_engine, make_session_factory, reading_only, transaction
from bot.migrate import upgrade
from bot.models import Channel, Direction, Message, MessageStatus, utcnow
from bot.sending.sweeper import sweep
from bot.settings import load_settings
from tests.factories import create_address, create_message, create_participant
from tests.peers.counting_proxy import CountingProxy
from voices.cli import cli

ACCOUNT = "AC" + "0123456789abcdef" * 2
TOKEN = "worker-test-auth-token"  # made up, loopback only
ROOT = Path(__file__).resolve().parents[2]
# Everything a message can end as once the worker is done with it. Never queued or sending.
SETTLED = {MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.EXPIRED, MessageStatus.UNKNOWN}


@pytest.fixture
def database(empty_database_url):
    engine = make_engine(empty_database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def proxy(twilio_prism):
    stand_in = CountingProxy(twilio_prism.base_url)
    yield stand_in
    stand_in.stop()


@pytest.fixture
def config(tmp_path, database, proxy) -> Path:
    path = tmp_path / "voices.toml"
    url = database.url.render_as_string(hide_password=False)
    path.write_text(
        '[app]\npublic_url = "http://127.0.0.1:9"\nsend_window = "always"\n'
        f'[database]\nurl = "{url}"\n'
        f'[twilio]\nenabled = true\naccount_sid = "{ACCOUNT}"\n'
        f'from_number = "+447700900000"\napi_base_url = "{proxy.base_url}"\n'
        "[sending]\nsms_per_second = 20\nstuck_after_seconds = 60\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def twilio_token(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)


def run(config: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


def seed(database, count: int, channel: Channel = Channel.SMS) -> list[int]:
    with transaction(make_session_factory(database)) as session:
        ids = []
        for n in range(count):
            person = create_participant(session)
            value = f"+4479111{n:05d}" if channel is not Channel.SIMULATOR else f"demo-{n}"
            address = create_address(session, person, channel=channel, value=value)
            message = create_message(
                session,
                address,
                body=f"Reminder {n}: art is at 10:00.",
                direction=Direction.OUTBOUND,
                kind="reminder",
                next_attempt_at=utcnow() - timedelta(seconds=1),
            )
            ids.append(message.id)
    return ids


def statuses(database) -> dict[MessageStatus, int]:
    with make_session_factory(reading_only(database))() as session:
        rows = session.execute(
            select(Message.status, func.count())
            .where(Message.direction == Direction.OUTBOUND)
            .group_by(Message.status)
        ).all()
    return dict(rows)


def outbound(database) -> list[Message]:
    with make_session_factory(reading_only(database))() as session:
        return list(session.scalars(select(Message).where(Message.direction == Direction.OUTBOUND)))


def start_worker(config: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "voices", "--config", str(config), "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def test_worker_once_sends_each_due_message_through_twilio_and_records_the_sid(
    config, database, proxy
):
    seed(database, 3)
    result = run(config, "worker", "--once")
    assert result.exit_code == 0, result.output
    assert statuses(database) == {MessageStatus.SENT: 3}
    assert all(m.provider_id and m.provider_id.startswith("SM") for m in outbound(database))
    assert sorted(proxy.bodies.values()) == [1, 1, 1]
    assert proxy.refused == 0


def test_worker_once_delivers_demo_simulator_messages_without_any_provider(config, database):
    seed(database, 2, channel=Channel.SIMULATOR)
    assert run(config, "worker", "--once").exit_code == 0
    assert [m.provider_id for m in outbound(database)] == [f"SIM{m.id}" for m in outbound(database)]


def test_send_queues_a_one_off_message_and_tells_staff_the_segments_and_cost(config, database):
    with transaction(make_session_factory(database)) as session:
        create_address(
            session, create_participant(session, pseudonym="V-ANN01"), value="+447911123456"
        )
    result = run(config, "send", "--to", "07911 123456", "--text", "Hello Ann. See you soon.")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Queued message 1 to V-ANN01 by sms: 1 segment, about 4p.")
    (message,) = outbound(database)
    assert (message.body, message.kind, message.urgent) == (
        "Hello Ann. See you soon.",
        "staff",
        False,
    )


def test_send_check_shows_the_cost_of_a_long_message_and_queues_nothing(config, database):
    with transaction(make_session_factory(database)) as session:
        create_address(
            session, create_participant(session, pseudonym="V-BOB01"), value="+447911123457"
        )
    text = "Your art session is tomorrow at 10:00 in Room 2. " * 4  # 200 GSM-7 characters
    result = run(config, "send", "--to", "+447911123457", "--text", text, "--check")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Would send to V-BOB01 by sms: 2 segments, about 8p. Nothing was queued.\n"
    )
    assert outbound(database) == []


def test_send_to_an_unknown_address_is_refused_without_repeating_the_number(config, database):
    result = run(config, "send", "--to", "whatsapp:+447911123999", "--text", "Hello")
    assert result.exit_code == 1
    assert "nobody has this address" in result.output
    assert "123999" not in result.output
    assert outbound(database) == []


def test_a_worker_killed_mid_send_again_and_again_never_sends_twice_and_loses_nothing(
    config, database, proxy, tmp_path
):
    ids = seed(database, 60)
    proxy.delay = 0.05  # each send is in flight long enough for kills to land inside one
    log = tmp_path / "worker.log"
    chaos = random.Random(4)  # fixed seed: a failure can be replayed
    for _ in range(8):
        if not statuses(database).get(MessageStatus.QUEUED):
            break  # the kills so far took everything: nothing left to be in flight
        process = start_worker(config, log)
        # Kill while sends are under way: a random moment after this worker's first request
        # reaches the stand-in. Sends then run back to back, each held for `delay`, so the
        # kill almost always lands inside one, and some finish first. Timing from the start
        # instead missed every send on a loaded machine, where the worker started slowly.
        sent_before = sum(proxy.bodies.values())
        deadline = time.monotonic() + 20
        while sum(proxy.bodies.values()) == sent_before and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(chaos.uniform(0.05, 0.6))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    # Anything left `sending` by a kill is past the stuck timeout a minute later.
    settings = load_settings(config)
    with transaction(make_session_factory(database)) as session:
        sweep(session, settings, [Channel.SMS], utcnow() + timedelta(seconds=61))
    for _ in range(5):
        if not statuses(database).get(MessageStatus.QUEUED):
            break
        assert run(config, "worker", "--once").exit_code == 0
    messages = outbound(database)
    assert sorted(m.id for m in messages) == ids
    assert {m.status for m in messages} <= SETTLED, statuses(database)
    received = {m.body: proxy.bodies[m.body] for m in messages}
    assert max(received.values()) == 1, "a message reached the provider twice"
    assert proxy.refused == 0  # every request that arrived passed Prism's contract check
    for m in messages:
        if m.status is MessageStatus.SENT:
            assert received[m.body] == 1
    # The kills really did land mid-send at least once, or this test proved nothing.
    assert statuses(database).get(MessageStatus.UNKNOWN, 0) >= 1
    assert statuses(database).get(MessageStatus.SENT, 0) >= 1


def test_two_workers_started_at_once_only_one_dispatches(config, database, proxy, tmp_path):
    seed(database, 40)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    workers = [start_worker(config, log) for log in logs]
    try:
        deadline = time.monotonic() + 60
        while statuses(database).get(MessageStatus.SENT, 0) < 40 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            process.wait(timeout=20)
    assert statuses(database) == {MessageStatus.SENT: 40}
    assert sorted(proxy.bodies.values()) == [1] * 40
    assert proxy.refused == 0
    said = [log.read_text() for log in logs]
    assert sum("waiting on standby" in text for text in said) == 1, said
    # Only one ever sent anything. (The one on standby may take the lock as the other shuts
    # down, which is the failover working, so "this worker dispatches" can appear twice.)
    sent_something = [re.search(r"dispatch: PassReport\(claimed=[1-9]", text) for text in said]
    assert sum(found is not None for found in sent_something) == 1, said


def test_sigterm_finishes_the_send_in_hand_and_leaves_the_rest_queued_not_unknown(
    config, database, proxy, tmp_path
):
    slow = config.read_text().replace("sms_per_second = 20", "sms_per_second = 2")
    config.write_text(slow, encoding="utf-8")
    seed(database, 30)
    log = tmp_path / "worker.log"
    process = start_worker(config, log)
    deadline = time.monotonic() + 30
    while statuses(database).get(MessageStatus.SENT, 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0, log.read_text()
    left = statuses(database)
    assert set(left) == {MessageStatus.SENT, MessageStatus.QUEUED}, left
    assert sum(proxy.bodies.values()) == left[MessageStatus.SENT]


def test_a_worker_that_loses_its_postgresql_lock_stops_instead_of_dispatching_beside_another(
    config, database, tmp_path, backend
):
    if backend != "postgresql":
        pytest.skip("an flock cannot be lost while its process lives; only PostgreSQL's can")
    from sqlalchemy import text

    from scheduler.worker_lock import ADVISORY_KEY

    log = tmp_path / "worker.log"
    process = start_worker(config, log)
    try:
        holder = None
        deadline = time.monotonic() + 30
        while holder is None and time.monotonic() < deadline:
            with database.connect() as connection:
                holder = connection.scalar(
                    text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = :k"),
                    {"k": ADVISORY_KEY},
                )
            time.sleep(0.2)
        assert holder is not None, log.read_text()
        with database.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
        assert process.wait(timeout=20) == 1
    finally:
        if process.poll() is None:
            process.kill()
    assert "lost its lock" in log.read_text()
