"""The p-chart against examples worked by hand (the working is in each test's comments)."""

from __future__ import annotations

import pytest

from bot.p_chart import Sample, p_chart


def chart_of(pairs):
    return p_chart([Sample(f"s{n}", events, size) for n, (events, size) in enumerate(pairs)])


def test_the_centre_is_pooled_and_each_session_has_limits_for_its_own_size():
    # 5+6+2+8 = 21 missed of 10+20+10+40 = 80 booked: centre 21/80 = 0.2625.
    # sigma(n) = sqrt(0.2625 × 0.7375 / n): n=10 → 0.139138, n=20 → 0.098385, n=40 → 0.069569.
    # Upper = 0.2625 + 3 sigma: 0.679914, 0.557656, 0.471207. Lower for n=40: 0.053793;
    # for n=10 and n=20 it would be negative, so it is cut to 0.
    chart = chart_of([(5, 10), (6, 20), (2, 10), (8, 40)])
    assert chart.centre == pytest.approx(0.2625)
    limits = [(p.lower, p.upper) for p in chart.points]
    assert limits == [
        pytest.approx((0.0, 0.679914), abs=1e-6),
        pytest.approx((0.0, 0.557656), abs=1e-6),
        pytest.approx((0.0, 0.679914), abs=1e-6),
        pytest.approx((0.053793, 0.471207), abs=1e-6),
    ]
    assert [p.proportion for p in chart.points] == [0.5, 0.3, 0.2, 0.2]
    assert all(p.signals == () for p in chart.points)


def test_a_session_far_above_the_rest_is_outside_its_limits():
    # Ten sessions of 4/20 and one of 16/20: centre 56/220 = 0.254545; sigma(20) = 0.097404;
    # upper limit 0.546758. 16/20 = 0.8 is above it; 4/20 = 0.2 is inside.
    chart = chart_of([(4, 20)] * 5 + [(16, 20)] + [(4, 20)] * 5)
    assert chart.points[5].upper == pytest.approx(0.546758, abs=1e-6)
    assert [p.signals for p in chart.points] == [()] * 5 + [("outside",)] + [()] * 5


def test_seven_sessions_in_a_row_below_the_centre_are_a_run_and_six_are_not():
    # 7 × 2/20 and 7 × 8/20: centre 70/280 = 0.25, both halves on one side each.
    seven = chart_of([(2, 20)] * 7 + [(8, 20)] * 7)
    assert [p.signals for p in seven.points] == [("run",)] * 14
    # 6 and 6 (centre 0.25 again): no run is long enough.
    six = chart_of([(2, 20)] * 6 + [(8, 20)] * 6)
    assert [p.signals for p in six.points] == [()] * 12


def test_a_session_exactly_on_the_centre_line_ends_a_run():
    # 6 × 0/10, one 2/10, 6 × 0/10, 3 × 10/10: 2 + 30 = 32 missed of 160 booked, centre 0.2.
    # The 2/10 sits exactly on the line, so the 12 points below it are two runs of 6, not 13.
    chart = chart_of([(0, 10)] * 6 + [(2, 10)] + [(0, 10)] * 6 + [(10, 10)] * 3)
    assert chart.centre == pytest.approx(0.2)
    assert chart.points[6].proportion == pytest.approx(chart.centre)
    assert not any("run" in p.signals for p in chart.points)
    # Move that one point below the line and the 13 become one run.
    below = chart_of([(0, 10)] * 6 + [(1, 10)] + [(0, 10)] * 6 + [(10, 10)] * 3)
    assert [("run" in p.signals) for p in below.points] == [True] * 13 + [False] * 3


def test_six_sessions_each_worse_than_the_last_are_a_trend_and_five_are_not():
    # DNA 1,2,3,4,5,6 of 40: six points, five rises. With 9 of 40 before and after, centre
    # (1+2+3+4+5+6+9+9)/320 = 39/320 = 0.121875; sigma(40) = 0.051726, limits 0 to 0.277052:
    # all inside.
    rising = chart_of([(9, 40), (1, 40), (2, 40), (3, 40), (4, 40), (5, 40), (6, 40), (9, 40)])
    # 9→1 falls, then 1..6 rise, then 6→9 rises too: 1,2,3,4,5,6,9 is a trend of seven.
    assert [("trend" in p.signals) for p in rising.points] == [False] + [True] * 7
    five = chart_of([(9, 40), (1, 40), (2, 40), (3, 40), (4, 40), (5, 40), (5, 40)])
    assert not any("trend" in p.signals for p in five.points)


def test_a_session_nobody_was_booked_on_is_left_out_and_impossible_counts_are_refused():
    chart = chart_of([(1, 10), (0, 0), (3, 10)])
    assert [p.label for p in chart.points] == ["s0", "s2"]
    assert chart.centre == pytest.approx(0.2)
    with pytest.raises(ValueError, match="between 0 and the sample size"):
        chart_of([(11, 10)])
    assert chart_of([]).points == ()
