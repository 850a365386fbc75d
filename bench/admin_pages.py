"""The admin pages on a big database: dashboard, participant list, search, a conversation, and the
memory of a CSV export of every survey answer.

python -m bench.admin_pages [--backend sqlite|postgresql] [--participants 100000]
                            [--messages 1000000] [--answers 1000000] [--requests 50] [--quick]
                            [--drop-index NAME ...]

Seeds, with Core executemany inserts: `--participants` people (an SMS number each, some also on
WhatsApp or Telegram, some with a name), `--messages` messages spread with a skew (most people
have a few, 1% have hundreds, one has 2,000), 40% inbound, recent replies half unread and older
ones 1% unread; flags of every kind (most resolved); 40 courses with weekly sessions, some of
them today and tomorrow, with members and bookings; and `--answers` survey answers in runs of
1,000 people (for the export). On PostgreSQL the tables are then VACUUM ANALYZEd, as autovacuum
would have done long before a real database held this much. SQLite is left as the app leaves
it (the app never runs ANALYZE).

Pages are timed through the real Flask app (the test client, logged in through the login
form), in-process: after `--warmup` rounds, `--requests` rounds each GET every page once,
interleaved with the baseline, GET /healthz (a trivial route through the same app and
database). Reported: p50, p95 and max of each, and each page's p95 over the baseline's p95.
The conversation is the heaviest person's (2,000 messages: the page shows the newest 200); the
search is four characters from the middle of their pseudonym, which matches only them.

The export runs in a separate process (`--export-child`, started by this one): it builds the
app and logs in, reads its own resident memory (VmRSS: the baseline), resets the kernel's
high-water mark (/proc/self/clear_refs; the login's argon2 hash takes memory on purpose), streams
GET /admin/exports/responses.csv to /dev/null through the test client, and reports the peak
(VmHWM: no sample can miss it), the time to the first bytes, and rows a second. (Not
RUSAGE_CHILDREN's ru_maxrss: it also counts this process's pages in the child between fork and
exec, so it would show the seeding process, not the export.)

`--drop-index NAME` drops an index after migrating, for a "before" figure in the same code:
`--drop-index ix_messages_unread --drop-index ix_participants_search` is the schema before
migration 0006. Plans (EXPLAIN / EXPLAIN QUERY PLAN) of the heaviest queries are printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

from bench.load import Result
from bench.reminders import analyze
from bench.servers import database
from bench.worker_memory import status_mib
from bot.db import make_engine, make_session_factory, transaction
from bot.models import (
    Address,
    AddressStatus,
    Answer,
    Channel,
    Cohort,
    Course,
    CourseMembership,
    CourseSession,
    Direction,
    Enrolment,
    Flag,
    FlagKind,
    FlagStatus,
    Message,
    MessageStatus,
    Participant,
    ParticipantStatus,
    Rsvp,
    RunKind,
    Survey,
    SurveyRun,
    SurveyRunStatus,
)
from bot.settings import AppSettings, DatabaseSettings, Settings
from bot.staff import add_staff
from webhooks.app import create_app

ROOT = Path(__file__).resolve().parent.parent
ZONE = ZoneInfo("Europe/London")
NOW = datetime.now(UTC)  # the pages use the real clock: today's sessions must be today's
HISTORY = timedelta(days=730)
RECENT = timedelta(days=14)
CHUNK = 20_000  # rows an executemany
SEED = 20261123
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # bot/pseudonyms.py's
FIRST_NAMES = ("Ann", "Bilal", "Chen", "Dee", "Efe", "Fran", "Gus", "Hana", "Ivo", "Jo", "Kit")
SURNAMES = ("Adebayo", "Brown", "Costa", "Doyle", "Evans", "Fisher", "Gill", "Hughes", "Khan")
INBOUND_TEXTS = (
    "1",
    "2",
    "Yes",
    "Sorry I can't make it this week, my son is ill",
    "Thanks, see you Tuesday",
    "Can someone call me about getting there? The bus has changed",
    "4",
    "It was really good, I liked the group part best",
    "What time does it start?",
)
OUTBOUND_TEXTS = (
    "Hi! Art and wellbeing is tomorrow at 10:00 in Room 2. Reply 1 if you are coming, "
    "2 if you can't come, 3 if you need help getting there.",
    "Thanks for letting us know. We hope to see you next time.",
    "How was today's session? Reply with a number from 1 (not good) to 5 (very good).",
    "Art is moving to Room 2 from next week.",
    "Thank you. Someone from the team will call you today.",
)
# Flags of each kind, and the share of them still open.
FLAGS_PER_KIND, OPEN_SHARE = 1_000, 0.15
COURSES, WEEKS, MEMBERS, PER_SESSION = 40, 26, 400, 20
QUESTIONS = ("overall", "useful", "recommend", "liked", "change")
PER_RUN = 1_000
STAFF_EMAIL, STAFF_PASSWORD = "bench@college.example", "bench password 0123"


def pseudonyms(rng: random.Random, count: int) -> list[str]:
    """`count` different pseudonyms in the app's form, "V-7KQ4M"."""
    out = []
    for number in rng.sample(range(len(ALPHABET) ** 5), count):
        letters = []
        for _ in range(5):
            number, digit = divmod(number, len(ALPHABET))
            letters.append(ALPHABET[digit])
        out.append("V-" + "".join(letters))
    return out


def message_counts(rng: random.Random, people: int, messages: int) -> list[int]:
    """How many messages each person has: one has 2,000 (or 1% of all, if fewer), 1% have
    100-500, the rest share what is left with a long tail, everyone at least one."""
    heaviest = min(2_000, messages // 100)
    talkers = max(1, people // 100)
    # At most half the messages go to the talkers (only a small --messages is ever cut).
    cap = max(1, messages // (2 * talkers))
    counts = [heaviest] + [min(rng.randint(100, 500), cap) for _ in range(talkers)]
    rest = people - len(counts)
    left = messages - sum(counts)
    weights = [rng.expovariate(1.0) ** 2 for _ in range(rest)]
    scale = (left - rest) / sum(weights)
    tail = [1 + int(w * scale) for w in weights]
    short = left - sum(tail)
    for k in range(short):
        tail[k % rest] += 1
    counts += tail
    assert sum(counts) == messages and max(counts) == heaviest
    return counts


def seed(engine, args) -> dict:
    """Everything the pages and the export read; returns what the timing needs."""
    rng = random.Random(SEED)  # noqa: S311 (made-up data, made the same each run)
    started = time.perf_counter()
    people = args.participants
    names = pseudonyms(rng, people)
    with engine.begin() as conn:
        _insert(
            conn,
            Participant,
            (
                {
                    "id": n + 1,
                    "pseudonym": names[n],
                    "display_name": (
                        f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
                        if rng.random() < 0.4
                        else None
                    ),
                    "language": "en",
                    "easy_read": rng.random() < 0.3,
                    "status": (
                        ParticipantStatus.ACTIVE
                        if rng.random() < 0.9
                        else rng.choice((ParticipantStatus.PAUSED, ParticipantStatus.STOPPED))
                    ),
                    "created_at": NOW - HISTORY * rng.random(),
                }
                for n in range(people)
            ),
        )
        # Address ids: person n's SMS number is n; WhatsApp and Telegram ones follow.
        extra = {}
        rows = []
        for n in range(1, people + 1):
            rows.append(_address(n, n, Channel.SMS, f"+447911{n:06d}"))
            if rng.random() < 0.2:
                extra[n] = (people + len(extra) + 1, Channel.WHATSAPP)
                rows.append(_address(extra[n][0], n, Channel.WHATSAPP, f"+447911{n:06d}"))
            elif rng.random() < 0.06:
                extra[n] = (people + len(extra) + 1, Channel.TELEGRAM)
                rows.append(_address(extra[n][0], n, Channel.TELEGRAM, str(5_000_000_000 + n)))
        _insert(conn, Address, rows)
        counts = message_counts(rng, people, args.messages)
        inbound = _messages(conn, rng, counts, extra)
        _courses(conn, rng, people)
        _flags(conn, rng, people, args.messages)
        _answers(conn, rng, people, args.answers, inbound)
        _reset_sequences(conn)
    with transaction(make_session_factory(engine)) as session:
        add_staff(session, STAFF_EMAIL, STAFF_PASSWORD)
    analyze_all(engine)
    heaviest = names[0]
    return {
        "seconds": time.perf_counter() - started,
        "heaviest": heaviest,
        "heaviest_messages": counts[0],
        # Four characters from the middle of a pseudonym, typed in lower case.
        "search": heaviest[3:7].lower(),
    }


def _address(address_id: int, person: int, channel: Channel, value: str) -> dict:
    return {
        "id": address_id,
        "participant_id": person,
        "channel": channel,
        "value": value,
        "status": AddressStatus.ACTIVE,
        "created_at": NOW - HISTORY,
    }


def _insert(conn, model, rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            conn.execute(insert(model.__table__), batch)
            batch = []
    if batch:
        conn.execute(insert(model.__table__), batch)


def _messages(conn, rng: random.Random, counts: list[int], extra: dict) -> dict[int, list[int]]:
    """Each person's messages over two years, 40% inbound; returns their inbound message ids."""
    inbound: dict[int, list[int]] = {}

    def rows():
        message_id = 0
        for person, count in enumerate(counts, start=1):
            span = HISTORY * rng.uniform(0.05, 1.0)
            times = sorted(NOW - span * rng.random() for _ in range(count))
            for created_at in times:
                message_id += 1
                address, channel = person, Channel.SMS
                if person in extra and rng.random() < 0.7:
                    address, channel = extra[person]
                row = {
                    "id": message_id,
                    "channel": channel,
                    "participant_id": person,
                    "address_id": address,
                    "provider_id": f"P{message_id:031x}",
                    "created_at": created_at,
                    "status_changed_at": created_at,
                    "choices": None,
                    "error_text": None,
                    "send_key": None,
                    "read_at": None,
                }
                if rng.random() < 0.4:
                    inbound.setdefault(person, []).append(message_id)
                    recent = NOW - created_at < RECENT
                    unread = rng.random() < (0.5 if recent else 0.01)
                    row |= {
                        "direction": Direction.INBOUND,
                        "body": rng.choice(INBOUND_TEXTS),
                        "status": MessageStatus.RECEIVED,
                        "kind": "message",  # as bot/inbox.py stores a text
                        "segments": 1,
                        "read_at": None if unread else created_at + timedelta(hours=3),
                    }
                else:
                    kind = rng.choice(("reminder", "reply", "survey", "broadcast"))
                    luck = rng.random()
                    status = (
                        MessageStatus.DELIVERED
                        if luck < 0.86
                        else MessageStatus.SENT
                        if luck < 0.96
                        else MessageStatus.UNDELIVERED
                        if luck < 0.98
                        else MessageStatus.FAILED
                    )
                    row |= {
                        "direction": Direction.OUTBOUND,
                        "body": rng.choice(OUTBOUND_TEXTS),
                        "status": status,
                        "kind": kind,
                        "segments": 2,
                        "send_key": f"{kind}:{message_id}" if kind == "reminder" else None,
                        "error_text": "Unreachable destination handset"
                        if status in (MessageStatus.UNDELIVERED, MessageStatus.FAILED)
                        else None,
                    }
                yield row

    _insert(conn, Message, rows())
    return inbound


def _courses(conn, rng: random.Random, people: int) -> None:
    """Weekly courses, each with sessions from 20 weeks ago to 5 weeks ahead: half meet
    today and half tomorrow, so the dashboard has sessions to count."""
    today = NOW.astimezone(ZONE).date()
    _insert(
        conn,
        Course,
        (
            {
                "id": c,
                "code": f"C{c:03d}",
                "title": f"Course {c}",
                "location": f"Room {c % 7 + 1}",
                "created_at": NOW - HISTORY,
            }
            for c in range(1, COURSES + 1)
        ),
    )
    members = {
        c: rng.sample(range(1, people + 1), min(MEMBERS, people)) for c in range(1, COURSES + 1)
    }
    _insert(
        conn,
        CourseMembership,
        (
            {"course_id": c, "participant_id": p, "joined_at": NOW - HISTORY}
            for c, who in members.items()
            for p in who
        ),
    )
    sessions, bookings, session_id = [], [], 0
    for c in range(1, COURSES + 1):
        # Half the courses meet on today's weekday, half on tomorrow's, from 20 weeks ago.
        first: date = today + timedelta(days=c % 2, weeks=-20)
        for week in range(WEEKS):
            day = first + timedelta(weeks=week)
            local = datetime(day.year, day.month, day.day, 9 + c % 10, tzinfo=ZONE)
            session_id += 1
            starts = local.astimezone(UTC)
            sessions.append(
                {
                    "id": session_id,
                    "course_id": c,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "created_at": NOW - HISTORY,
                }
            )
            for p in rng.sample(members[c], min(PER_SESSION, len(members[c]))):
                bookings.append(
                    {
                        "session_id": session_id,
                        "participant_id": p,
                        "rsvp": rng.choice(list(Rsvp)),
                        "created_at": starts - timedelta(days=7),
                    }
                )
    _insert(conn, CourseSession, sessions)
    _insert(conn, Enrolment, bookings)


def _flags(conn, rng: random.Random, people: int, messages: int) -> None:
    _insert(
        conn,
        Flag,
        (
            {
                "kind": kind,
                "status": FlagStatus.OPEN if rng.random() < OPEN_SHARE else FlagStatus.RESOLVED,
                "urgent": kind is FlagKind.SAFEGUARDING or rng.random() < 0.05,
                "participant_id": rng.randint(1, people),
                "message_id": rng.randint(1, messages),
                "raised_at": NOW - HISTORY * rng.random(),
            }
            for kind in FlagKind
            for _ in range(FLAGS_PER_KIND)
        ),
    )


def _answers(
    conn, rng: random.Random, people: int, answers: int, inbound: dict[int, list[int]]
) -> None:
    """Runs of a survey (five questions) or an "ask the group" question (one), each put to
    1,000 people, until there are `answers` answers; each answer names the message it came in."""
    conn.execute(
        insert(Survey.__table__),
        [
            {"id": 1, "key": "post-session", "title": "After the session", "created_at": NOW},
            {"id": 2, "key": "end-of-course", "title": "End of course", "created_at": NOW},
        ],
    )
    runs, made, run_id = [], 0, 0
    plan = []
    while made < answers:
        run_id += 1
        asking = run_id % 5 == 0
        questions = QUESTIONS[:1] if asking else QUESTIONS
        size = min(PER_RUN, -(-(answers - made) // len(questions)), people)
        starts = NOW - HISTORY * rng.random()
        runs.append(
            {
                "id": run_id,
                "kind": RunKind.ASK if asking else RunKind.SURVEY,
                "survey_id": None if asking else run_id % 2 + 1,
                "ask_text": "What would make the sessions better?" if asking else None,
                "cohort": Cohort.LIST,
                "status": SurveyRunStatus.FINISHED,
                "starts_at": starts,
                "expires_at": starts + timedelta(days=14),
                "created_at": starts,
            }
        )
        plan.append((run_id, starts, questions, size))
        made += size * len(questions)
    _insert(conn, SurveyRun, runs)

    def rows():
        left = answers
        for run, starts, questions, size in plan:
            for person in rng.sample(range(1, people + 1), size):
                theirs = inbound.get(person)
                for number, question in enumerate(questions):
                    if not left:
                        return
                    left -= 1
                    score = str(rng.randint(1, 5))
                    free = question in ("liked", "change") or len(questions) == 1
                    yield {
                        "run_id": run,
                        "participant_id": person,
                        "question_key": question,
                        "raw_text": rng.choice(INBOUND_TEXTS) if free else score,
                        "parsed_value": None if free else score,
                        "message_id": rng.choice(theirs) if theirs else None,
                        "answered_at": starts + timedelta(hours=number, minutes=rng.random() * 60),
                    }

    _insert(conn, Answer, rows())


def _reset_sequences(conn) -> None:
    """Rows were given their ids: move PostgreSQL's id sequences past them."""
    if conn.dialect.name != "postgresql":
        return
    tables = ("participants", "addresses", "messages", "courses", "course_sessions")
    for table in (*tables, "surveys", "survey_runs"):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        )


def analyze_all(engine) -> None:
    """On PostgreSQL, what autovacuum would have done: statistics, and the visibility map that
    lets an index-only scan skip the table."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM"))
    analyze(engine)


# --- timing the pages ------------------------------------------------------------------------


def app_for(url: str):
    settings = Settings(database=DatabaseSettings(url=url), app=AppSettings(secure_cookies=False))
    app = create_app(settings)
    return app


def logged_in(app, email: str = STAFF_EMAIL):
    """A test client logged in as staff through the login form, as a person would be."""
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "the login page has no CSRF token"
    answer = client.post(
        "/admin/login",
        data={"email": email, "password": STAFF_PASSWORD, "csrf_token": token.group(1)},
    )
    assert answer.status_code == 302, "the bench could not log in"
    return client


def pages(seeded: dict) -> dict[str, str]:
    return {
        "healthz (baseline)": "/healthz",
        "dashboard": "/admin/",
        "participants": "/admin/participants",
        "search": f"/admin/participants?q={seeded['search']}",
        "conversation": f"/admin/participants/{seeded['heaviest']}",
    }


def time_pages(url: str, seeded: dict, requests: int, warmup: int) -> dict:
    app = app_for(url)
    client = logged_in(app)
    targets = pages(seeded)
    times: dict[str, list[float]] = {name: [] for name in targets}
    for round_ in range(warmup + requests):
        for name, path in targets.items():
            started = time.perf_counter()
            answer = client.get(path)
            body = answer.get_data()
            elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, (path, answer.status_code)
            if round_ >= warmup:
                times[name].append(elapsed)
    assert seeded["heaviest"].encode() in body
    app.extensions["voices"]["engine"].dispose()
    base = _latency(times["healthz (baseline)"])
    result = {}
    for name, latencies in times.items():
        figures = _latency(latencies)
        figures["p95_to_baseline_p95"] = round(figures["p95_ms"] / base["p95_ms"], 1)
        result[name] = figures
    return result


def _latency(latencies: list[float]) -> dict:
    measured = Result(len(latencies), len(latencies), sum(latencies) / 1000, latencies)
    return {
        "p50_ms": round(measured.percentile(50), 2),
        "p95_ms": round(measured.percentile(95), 2),
        "max_ms": round(max(latencies), 2),
    }


# --- what the database does --------------------------------------------------------------------


def query_plans(engine, seeded: dict) -> dict[str, str]:
    """The plans of the queries that read the most rows: by hand, as the pages build them."""
    pattern = f"%{seeded['search']}%"
    # direction is a parameter, as the app sends it: the partial index must still be chosen.
    queries = {
        "unread count": (
            "SELECT count(*) FROM messages WHERE direction = :inbound AND read_at IS NULL"
        ),
        "unread newest 20": (
            "SELECT messages.id, pseudonym, body FROM messages LEFT JOIN participants "
            "ON participants.id = participant_id "
            "WHERE direction = :inbound AND read_at IS NULL "
            "ORDER BY messages.created_at DESC, messages.id DESC LIMIT 20"
        ),
        "open flags": (
            "SELECT id FROM flags WHERE status = 'open' AND kind IN ('callback', "
            "'missed_session') ORDER BY urgent DESC, raised_at LIMIT 20"
        ),
        "participants page": (
            "SELECT id, pseudonym, display_name, status FROM participants "
            "ORDER BY pseudonym LIMIT 50"
        ),
        "participants count": "SELECT count(*) FROM participants",
        "search count": (
            "SELECT count(*) FROM participants WHERE lower(pseudonym) LIKE :p "
            "OR lower(display_name) LIKE :p"
        ),
        "search": (
            "SELECT id, pseudonym, display_name, status FROM participants "
            "WHERE lower(pseudonym) LIKE :p OR lower(display_name) LIKE :p "
            "ORDER BY pseudonym LIMIT 50"
        ),
        "thread newest 201": (
            "SELECT id FROM messages WHERE participant_id = 1 "
            "ORDER BY created_at DESC, id DESC LIMIT 201"
        ),
        "export order": (
            "SELECT answers.id FROM answers JOIN participants "
            "ON participants.id = answers.participant_id ORDER BY answered_at, answers.id"
        ),
    }
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    plans = {}
    with engine.connect() as conn:
        for name, sql in queries.items():
            rows = conn.execute(text(explain + sql), {"p": pattern, "inbound": "in"}).all()
            plans[name] = " | ".join(str(row[-1]).strip() for row in rows)
    return plans


# --- the export, in its own process ------------------------------------------------------------


def export_child(url: str) -> None:
    """In the child: build the app, note memory, stream the export to /dev/null, report."""
    app = app_for(url)
    client = logged_in(app)
    baseline = status_mib(os.getpid(), "VmRSS")
    # Logging in hashed a password (argon2 takes memory on purpose): start the high-water mark
    # again from here, so the peak is the export's.
    with open(f"/proc/{os.getpid()}/clear_refs", "w", encoding="ascii") as clear:
        clear.write("5")
    started = time.perf_counter()
    answer = client.get("/admin/exports/responses.csv", buffered=False)
    assert answer.status_code == 200 and answer.is_streamed
    lines = size = 0
    first = None
    with open(os.devnull, "wb") as sink:
        for chunk in answer.response:
            if first is None and chunk:
                first = time.perf_counter() - started
            lines += chunk.count(b"\n")
            size += len(chunk)
            sink.write(chunk)
    answer.close()
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rss_before_request_mib": round(baseline, 1),
                "peak_rss_mib": round(status_mib(os.getpid(), "VmHWM"), 1),
                "rows": lines - 1,  # the header; no answer text holds a line break
                "bytes": size,
                "seconds": round(seconds, 2),
                "first_bytes_after_s": round(first or 0.0, 2),
            }
        )
    )


def export_memory(url: str, answers: int) -> dict:
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.admin_pages",
            "--export-child",
            url,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(child.stdout.strip().splitlines()[-1])
    assert found["rows"] == answers, (found["rows"], answers)
    found["peak_to_before"] = round(found["peak_rss_mib"] / found["rss_before_request_mib"], 3)
    found["rows_per_second"] = round(found["rows"] / found["seconds"])
    return found


# --- the run -----------------------------------------------------------------------------------


def run(args) -> dict:
    result: dict = {
        "backend": args.backend,
        "participants": args.participants,
        "messages": args.messages,
        "answers": args.answers,
        "requests": args.requests,
        "dropped_indexes": args.drop_index,
    }
    with tempfile.TemporaryDirectory() as tmp, database(args.backend, Path(tmp)) as url:
        engine = make_engine(url)
        # For a "before" figure: the schema without an index a migration added.
        with engine.begin() as conn:
            for name in args.drop_index:
                conn.execute(text(f'DROP INDEX "{name}"'))
        seeded = seed(engine, args)
        with engine.connect() as conn:
            result["unread"] = conn.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.direction == Direction.INBOUND, Message.read_at.is_(None))
            )
            result["answers_in_table"] = conn.scalar(select(func.count()).select_from(Answer))
        result["seed_seconds"] = round(seeded["seconds"], 1)
        result["heaviest"] = {
            "pseudonym": seeded["heaviest"],
            "messages": seeded["heaviest_messages"],
        }
        result["search"] = seeded["search"]
        result["plans"] = query_plans(engine, seeded)
        engine.dispose()
        result["pages"] = time_pages(url, seeded, args.requests, args.warmup)
        result["export"] = export_memory(url, result["answers_in_table"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--quick", action="store_true", help="a tenth of the data and 20 requests a page"
    )
    parser.add_argument(
        "--drop-index",
        action="append",
        default=[],
        metavar="NAME",
        help="drop this index after migrating, to measure without it (repeatable)",
    )
    parser.add_argument("--export-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(args.export_child)
        return
    if args.quick:
        args.participants //= 10
        args.messages //= 10
        args.answers //= 10
        args.requests = min(args.requests, 20)
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    main()
