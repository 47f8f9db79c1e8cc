"""normalize.py on Lever's salaryRange intervals ("per-year-salary", "per-hour-wage", ...)."""

from __future__ import annotations

import pytest

from crawler.normalize import normalize_pay_unit


@pytest.mark.parametrize(
    ("interval", "unit"),
    [("per-year-salary", "year"), ("per-month-salary", "month"), ("per-week-salary", "week"),
     ("per-day-wage", "day"), ("per-hour-wage", "hour"), ("one-time", None)],
)
def test_a_lever_interval_maps_to_a_pay_unit(interval, unit):
    assert normalize_pay_unit(interval) == unit


def test_a_bare_salary_word_still_says_no_unit():
    assert normalize_pay_unit("salary") is None
