"""The Measures page: the DNA p-chart drawn on the server as SVG, with the same numbers in a table
after it, and the RSVP and survey response rates as tables."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.models import Attendance, InviteStatus, Rsvp, SurveyInvite
from tests.factories import (
    create_answer,
    create_course,
    create_course_session,
    create_enrolment,
    create_participant,
    create_survey_run,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"
# Missed out of marked, per weekly session, oldest first. The fifth is far above the rest.
SESSIONS = [(1, 10), (2, 10), (1, 10), (0, 10), (9, 10), (1, 10), (2, 10), (1, 10)]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def run_sessions(db, code: str, plan, *, first: datetime) -> None:
    course = create_course(db, code=code, title=f"Course {code}")
    for week, (missed, marked) in enumerate(plan):
        session = create_course_session(db, course, starts_at=first + timedelta(weeks=week))
        for n in range(marked):
            attendance = Attendance.MISSED if n < missed else Attendance.ATTENDED
            rsvp = Rsvp.COMING if n % 2 == 0 else Rsvp.NONE
            create_enrolment(db, session, attendance=attendance, rsvp=rsvp)
        # Someone not marked yet: booked, but not in the DNA rate.
        create_enrolment(db, session)
    db.commit()


def measures(client, query: str = "") -> str:
    answer = client.get(f"/admin/measures{query}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def chart_of(html: str) -> ET.Element:
    found = re.search(r'<svg class="chart" id="dna-chart".*?</svg>', html, re.S)
    assert found, "the page has no chart"
    # Our own page's markup: well-formed XML is part of what is being checked.
    return ET.fromstring(found.group(0))  # noqa: S314


def table_rows(html: str) -> list[list[str]]:
    body = re.search(
        r'<table class="table" id="dna-chart-table">.*?<tbody>(.*?)</tbody>', html, re.S
    )
    assert body, "the chart has no table after it"
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def centre_of(marker: ET.Element) -> tuple[float, float]:
    if marker.tag == f"{SVG}circle":
        return float(marker.get("cx")), float(marker.get("cy"))
    # A triangle: the middle of the box around it.
    corners = [tuple(map(float, c.split(","))) for c in marker.get("points").split()]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def test_the_p_chart_svg_and_its_table_agree(logged_in, db):
    run_sessions(db, "ART1", SESSIONS, first=NOW - timedelta(weeks=9))
    html = measures(logged_in)
    svg = chart_of(html)
    rows = table_rows(html)
    points = svg.findall(f"{SVG}g")
    assert len(points) == len(rows) == len(SESSIONS)

    # The y axis: the "0%" tick and the top tick give the scale.
    ticks = {t.text: float(t.get("y")) - 4 for t in svg.findall(f"{SVG}text") if "%" in t.text}
    top_label = max(ticks, key=lambda text: float(text.rstrip("%")))
    per_unit = (ticks["0%"] - ticks[top_label]) / (float(top_label.rstrip("%")) / 100)

    def steps(name: str) -> list[float]:
        line = svg.find(f"{SVG}polyline[@class='{name}']")
        corners = [float(c.split(",")[1]) for c in line.get("points").split()]
        return corners[::2]  # each session's limit spans its slot: two corners each

    limits = zip(steps("limit lower"), steps("limit upper"), strict=True)
    for (missed, marked), point, row, (lower_y, upper_y) in zip(
        SESSIONS, points, rows, limits, strict=True
    ):
        label, row_missed, row_marked, rate, lower, upper, special = row
        # The dashed limits are drawn where the table says they are (to its 0.1%).
        assert ticks["0%"] - lower_y == pytest.approx(per_unit * float(lower[:-1]) / 100, abs=0.3)
        assert ticks["0%"] - upper_y == pytest.approx(per_unit * float(upper[:-1]) / 100, abs=0.3)
        assert point.get("data-label") == label
        assert (int(row_missed), int(row_marked)) == (missed, marked)
        assert (int(point.get("data-missed")), int(point.get("data-marked"))) == (missed, marked)
        assert rate == f"{100 * missed / marked:.1f}%"
        assert float(point.get("data-rate")) == pytest.approx(missed / marked, abs=1e-4)
        marker = next(child for child in point if child.tag != f"{SVG}title")
        # Where the point is drawn is its rate on the chart's own scale.
        _, y = centre_of(marker)
        assert ticks["0%"] - y == pytest.approx(per_unit * missed / marked, abs=0.2)
        # Special cause is a different shape, not only a different colour, and said in words.
        if special.startswith("Yes"):
            assert marker.tag == f"{SVG}polygon"
            assert "special-high" in point.get("class")
        else:
            assert special == "No" and marker.tag == f"{SVG}circle"

    # The 90% session is far outside its limits; the rest are common cause.
    assert rows[4][6] == "Yes: outside the limits"
    assert [r[6] for r in rows].count("No") == len(SESSIONS) - 1
    # The centre line is the pooled rate: 17 missed of 80 marked.
    centre = svg.find(f"{SVG}line[@class='centre']")
    assert ticks["0%"] - float(centre.get("y1")) == pytest.approx(per_unit * 17 / 80, abs=0.2)
    assert "centre line 21.2%" in html


def test_the_chart_is_an_image_with_a_name_and_a_key_in_words(logged_in, db):
    run_sessions(db, "ART1", SESSIONS, first=NOW - timedelta(weeks=9))
    html = measures(logged_in)
    svg = chart_of(html)
    assert svg.get("role") == "img"
    assert "8 sessions, centre line 21.2%, 1 point showing special cause" in svg.get("aria-label")
    assert "Triangle up: special cause" in html and "Circle: common cause" in html
    # Upper and lower control limits are drawn.
    assert svg.find(f"{SVG}polyline[@class='limit upper']") is not None
    assert svg.find(f"{SVG}polyline[@class='limit lower']") is not None


def test_a_chart_for_one_course_shows_only_its_sessions(logged_in, db):
    run_sessions(db, "ART1", SESSIONS, first=NOW - timedelta(weeks=9))
    run_sessions(db, "MIND2", [(1, 4), (0, 4)], first=NOW - timedelta(weeks=3))
    everything = measures(logged_in)
    assert len(chart_of(everything).findall(f"{SVG}g")) == 10
    one = measures(logged_in, "?course=mind2")
    rows = table_rows(one)
    assert [r[0][:5] for r in rows] == ["MIND2", "MIND2"]
    assert "course MIND2" in one
    assert '<option value="MIND2" selected>' in one


def test_sessions_to_come_and_unmarked_sessions_are_not_on_the_chart(logged_in, db):
    run_sessions(db, "ART1", [(1, 4)], first=NOW - timedelta(days=2))
    run_sessions(db, "SOON", [(0, 0)], first=NOW + timedelta(days=2))
    course = create_course(db, code="NOMARK")
    create_enrolment(db, create_course_session(db, course, starts_at=NOW - timedelta(days=1)))
    db.commit()
    html = measures(logged_in)
    assert len(chart_of(html).findall(f"{SVG}g")) == 1
    assert "Not on the chart, with nobody marked came or missed yet: NOMARK" in html
    assert "SOON" not in html.split('id="rates"')[1].split("</section>")[0]


def test_with_nothing_marked_there_is_no_chart_and_the_page_says_why(logged_in):
    html = measures(logged_in)
    assert '<svg class="chart"' not in html
    assert "so there is no chart" in html


def test_rsvp_rates_by_course_are_a_table(logged_in, db):
    run_sessions(db, "ART1", [(1, 4), (0, 4)], first=NOW - timedelta(weeks=2))
    html = measures(logged_in)
    section = html.split('id="rates"')[1].split("</section>")[0]
    row = re.search(r'<th scope="row">ART1</th>(.*?)</tr>', section, re.S).group(1)
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    # 10 booked (4 + 1 unmarked, twice), 7 came, 1 missed, 2 unmarked; 4 of 10 said coming.
    assert cells == ["10", "7", "1", "0", "2", "12.5%", "40.0%", "–"]


def test_survey_response_rates_are_a_table(logged_in, db):
    run = create_survey_run(db, key="after-session", starts_at=NOW - timedelta(days=3))
    people = [create_participant(db) for _ in range(4)]
    for n, person in enumerate(people):
        db.add(
            SurveyInvite(
                run_id=run.id,
                participant_id=person.id,
                status=InviteStatus.DONE if n == 0 else InviteStatus.ASKING,
                asked_at=None if n == 3 else NOW - timedelta(days=3),
            )
        )
    create_answer(db, run, people[0])
    create_answer(db, run, people[0], question_key="q2")
    create_answer(db, run, people[1])
    db.commit()
    html = measures(logged_in)
    section = html.split('id="survey-rates"')[1].split("</section>")[0]
    row = re.search(r'<th scope="row">After the session</th>(.*?)</tr>', section, re.S).group(1)
    cells = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    ]
    # 4 invited, 3 asked, 2 answered (one of them twice), 1 finished: 2 of 3 asked.
    assert cells[1:] == ["4", "3", "2", "1", "66.7%"]
