"""The outbox under a 10,000-person broadcast: queueing, dispatcher overhead, pacing, memory.

python -m bench.outbox [--backend sqlite|postgresql] [--people 10000] [--rate 20]

Each figure is printed with the baseline it is compared against, measured in the same run:
- queueing: our broadcast (choose each person's address, skip the unreachable, insert) against
  a bare Core executemany of the same ready-made rows;
- overhead: the dispatcher over every message with an adapter that returns at once, against
  calling that adapter the same number of times in a plain loop;
- pacing: messages a second achieved with a limit of R, against R;
- memory: the worker's peak RSS while dispatching, against its RSS just before.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import delete, insert, select

from bench.servers import database
from bot.db import make_engine, make_session_factory, transaction
from bot.models import Address, Channel, Direction, Message, MessageStatus, Participant, utcnow
from bot.sending.broadcast import queue_broadcast
from bot.sending.dispatcher import Dispatcher
from bot.sending.envelope import Envelope
from bot.sending.pacing import Pacer
from bot.settings import DatabaseSettings, SendingSettings, Settings
from bot.time_windows import TimeWindow


class ZeroLatency:
    def send(self, envelope: Envelope) -> str:
        return f"SM{envelope.message_id:032x}"


def _status_mib(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mib() -> float:
    return _status_mib("VmRSS")


def peak_rss_mib() -> float:
    """The high-water mark of resident memory over the process's life (Linux VmHWM)."""
    return _status_mib("VmHWM")


def people(sessions, count: int, channel: Channel = Channel.SMS) -> list[int]:
    with transaction(sessions) as session:
        participants = [{"pseudonym": f"V-B{n:06d}", "language": "en"} for n in range(count)]
        session.execute(insert(Participant), participants)
        ids = list(session.scalars(select(Participant.id).order_by(Participant.id)))
        session.execute(
            insert(Address),
            [
                {"participant_id": pid, "channel": channel, "value": f"+447911{n:06d}"}
                for n, pid in enumerate(ids)
            ],
        )
    return ids


def clear_outbox(sessions) -> None:
    with transaction(sessions) as session:
        session.execute(delete(Message))


def measure_queueing(sessions, ids: list[int]) -> dict:
    clear_outbox(sessions)
    started = time.perf_counter()
    with transaction(sessions) as session:
        queued = queue_broadcast(
            session, ids, "Art is moving to Room 2.", kind="broadcast", key="q"
        )
    ours = time.perf_counter() - started
    with transaction(sessions) as session:
        addresses = session.execute(select(Address.participant_id, Address.id)).all()
    clear_outbox(sessions)
    now = utcnow()
    rows = [
        {
            "direction": Direction.OUTBOUND,
            "channel": Channel.SMS,
            "participant_id": pid,
            "address_id": aid,
            "body": "Art is moving to Room 2.",
            "kind": "broadcast",
            "status": MessageStatus.QUEUED,
            "send_key": f"broadcast:bare:{pid}",
            "urgent": False,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for pid, aid in addresses
    ]
    started = time.perf_counter()
    with transaction(sessions) as session:
        session.execute(insert(Message), rows)
    bare = time.perf_counter() - started
    return {"queued": queued, "seconds": ours, "bare_insert_seconds": bare, "ratio": ours / bare}


def measure_dispatch(sessions, settings: Settings, ids: list[int]) -> dict:
    clear_outbox(sessions)
    with transaction(sessions) as session:
        queue_broadcast(session, ids, "Art is moving to Room 2.", kind="broadcast", key="d")
    adapter = ZeroLatency()
    # Pacing is measured on its own below; here it would only measure the sleeps.
    unpaced = Pacer(settings.sending, sleep=lambda _: None)
    dispatcher = Dispatcher(sessions, settings, {Channel.SMS: adapter}, pacer=unpaced)
    before = rss_mib()
    started = time.perf_counter()
    report = dispatcher.run_once(limit=len(ids))
    ours = time.perf_counter() - started
    peak = peak_rss_mib()
    envelope = Envelope(1, Channel.SMS, "+447911000000", "Art is moving to Room 2.")
    started = time.perf_counter()
    for _ in range(len(ids)):
        adapter.send(envelope)
    floor = time.perf_counter() - started
    per_message_ms = (ours - floor) * 1000 / len(ids)
    return {
        "sent": report.sent,
        "seconds": ours,
        "adapter_only_seconds": floor,
        "overhead_ms_per_message": per_message_ms,
        "rss_before_mib": before,
        "peak_rss_mib": peak,
    }


def measure_pacing(sessions, settings: Settings, ids: list[int], rate: float) -> dict:
    clear_outbox(sessions)
    count = int(rate * 10)  # ten seconds of sending
    paced = replace(settings, sending=SendingSettings(sms_per_second=rate))
    with transaction(sessions) as session:
        queue_broadcast(session, ids[:count], "Paced.", kind="broadcast", key="p")
    dispatcher = Dispatcher(sessions, paced, {Channel.SMS: ZeroLatency()})
    started = time.perf_counter()
    report = dispatcher.run_once(limit=count)
    elapsed = time.perf_counter() - started
    # n sends at rate R are n-1 gaps apart: the rate achieved is (n-1)/elapsed.
    achieved = (report.sent - 1) / elapsed
    return {"limit": rate, "sent": report.sent, "achieved": achieved, "ratio": achieved / rate}


def run(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp, database(args.backend, Path(tmp)) as url:
        engine = make_engine(url)  # bench.servers.database has migrated it
        sessions = make_session_factory(engine)
        app = Settings().app
        settings = Settings(
            database=DatabaseSettings(url=url),
            app=replace(app, send_window=TimeWindow.parse("always")),
            sending=SendingSettings(sms_per_second=100),
        )
        ids = people(sessions, args.people)
        result = {
            "backend": args.backend,
            "people": args.people,
            "queueing": measure_queueing(sessions, ids),
            "dispatch": measure_dispatch(sessions, settings, ids),
            "pacing": measure_pacing(sessions, settings, ids, args.rate),
        }
        engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=20.0)
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
