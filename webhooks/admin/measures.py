"""Measures: the DNA rate on a p-chart (every course, or one), drawn on the server as an SVG
with the same numbers in a table straight after it, and the RSVP and survey response rates.
The arithmetic is bot.dna_rates and bot.p_chart, as `voices attendance report` shows it."""

from __future__ import annotations

from flask import render_template, request

from bot.measures import course_codes, dna_measures, survey_rates
from bot.models import utcnow
from webhooks.admin import blueprint, in_nav
from webhooks.admin.courses import zone
from webhooks.admin.p_chart_svg import layout
from webhooks.context import unit_of_work

in_nav(40, "admin.measures", "Measures")


@blueprint.get("/measures")
def measures():
    now = utcnow()
    wanted = request.args.get("course", "").strip().upper() or None
    with unit_of_work() as db:
        codes = course_codes(db)
        if wanted not in codes:
            wanted = None  # an unknown code shows every course, never an error
        found = dna_measures(db, zone(), now, wanted)
        surveys = survey_rates(db, now)
    return render_template(
        "admin/measures.html",
        codes=codes,
        measures=found,
        chart=layout(found.chart),
        surveys=surveys,
    )
