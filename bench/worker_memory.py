"""Memory of a real `voices worker` process through a 10,000-message broadcast.

python -m bench.worker_memory [--backend sqlite|postgresql] [--people 10000]

Starts `voices worker`, the production command in its own process, on an empty outbox, with
the demo simulator channel (no provider to wait for and no pacing, so the dispatcher works
flat out). After 3 s idle its resident memory is read from /proc (VmRSS: the baseline, same
run); then a broadcast to `--people` participants is queued from this process, and the
worker is left to send it all. Reported: the idle figure, the worker's peak (VmHWM, the
kernel's high-water mark over the process's whole life, so no sample can miss it), the ratio,
and how long it took to send everything.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.outbox import people
from bench.servers import database
from bot.db import make_engine, make_session_factory, transaction
from bot.models import Channel, Message, MessageStatus
from bot.sending.broadcast import queue_broadcast

ROOT = Path(__file__).resolve().parent.parent


def status_mib(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp, database(args.backend, Path(tmp)) as url:
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        ids = people(sessions, args.people, Channel.SIMULATOR)
        config = Path(tmp) / "voices.toml"
        config.write_text(
            f'[app]\nsend_window = "always"\n[database]\nurl = "{url}"\n', encoding="utf-8"
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "voices", "--config", str(config), "worker"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(3)  # started, imported, first (empty) passes done
            idle = status_mib(worker.pid, "VmRSS")
            with transaction(sessions) as session:
                queue_broadcast(session, ids, "Art is moving to Room 2.", kind="broadcast", key="m")
            started = time.monotonic()
            while True:
                with sessions() as session:
                    left = session.scalar(
                        select(func.count())
                        .select_from(Message)
                        .where(Message.status.in_((MessageStatus.QUEUED, MessageStatus.SENDING)))
                    )
                if not left or time.monotonic() - started > 600:
                    break
                time.sleep(0.05)
            drained = time.monotonic() - started
            peak = status_mib(worker.pid, "VmHWM")
            with sessions() as session:
                sent = session.scalar(
                    select(func.count())
                    .select_from(Message)
                    .where(Message.status == MessageStatus.SENT)
                )
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
            engine.dispose()
    return {
        "backend": args.backend,
        "people": args.people,
        "sent": sent,
        "seconds_to_send_all": drained,
        "idle_rss_mib": idle,
        "peak_rss_mib": peak,
        "peak_to_idle": peak / idle,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--people", type=int, default=10_000)
    print(json.dumps(run(parser.parse_args()), indent=2))


if __name__ == "__main__":
    main()
