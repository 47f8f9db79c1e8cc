"""normalize.py on Ashby's compensation intervals ("1 YEAR", "1 HOUR", "NONE")."""

from __future__ import annotations

import pytest

from crawler.normalize import normalize_pay_unit, parse_pay


@pytest.mark.parametrize(
    ("interval", "unit"),
    [
        ("1 YEAR", "year"),
        ("1 MONTH", "month"),
        ("1 WEEK", "week"),
        ("1 DAY", "day"),
        ("1 HOUR", "hour"),
        ("NONE", None),
        ("2 WEEK", None),
    ],
)
def test_an_ashby_interval_maps_to_a_pay_unit_only_when_it_is_one_period(interval, unit):
    assert normalize_pay_unit(interval) == unit


def test_an_ashby_yearly_salary_gets_hourly_figures():
    pay = parse_pay("£60K – £95K", minimum=60000, maximum=95000, currency="GBP", unit="1 YEAR")
    assert (pay.unit, pay.hourly_min, pay.hourly_max) == ("year", 28.85, 45.67)
