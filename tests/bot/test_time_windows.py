from datetime import time

import pytest

from bot.time_windows import TimeWindow


def test_a_window_includes_its_start_and_excludes_its_end():
    window = TimeWindow.parse("09:00-20:00")
    assert window.contains(time(9, 0))
    assert window.contains(time(19, 59))
    assert not window.contains(time(20, 0))
    assert not window.contains(time(8, 59))


def test_a_window_reads_back_the_way_it_was_written():
    assert str(TimeWindow.parse(" 9:30 - 17:00 ")) == "09:30-17:00"
    assert str(TimeWindow.parse("ALWAYS")) == "always"


@pytest.mark.parametrize("text", ["", "9-5", "09:00", "24:00-08:00", "09:61-10:00", "10:00-10:00"])
def test_a_window_that_does_not_parse_says_why(text):
    with pytest.raises(ValueError, match=r"window|clock|same time"):
        TimeWindow.parse(text)
