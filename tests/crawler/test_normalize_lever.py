"""normalize.py on Lever's salaryRange intervals ("per-year-salary", "per-hour-wage", ...)."""

from __future__ import annotations

import pytest

from crawler.normalize import normalize_pay_unit


@pytest.mark.parametrize(
    ("interval", "unit"),
    [
        ("per-year-salary", "year"),
        ("per-month-salary", "month"),
        ("per-week-salary", "week"),
        ("per-day-wage", "day"),
        ("per-hour-wage", "hour"),
        ("one-time", None),
    ],
)
def test_a_lever_interval_maps_to_a_pay_unit(interval, unit):
    assert normalize_pay_unit(interval) == unit


def test_a_bare_salary_word_still_says_no_unit():
    assert normalize_pay_unit("salary") is None


def test_a_country_named_for_an_on_site_job_keeps_the_job_on_site():
    from crawler.normalize import parse_location

    location = parse_location("Bengaluru", countries=["IN"], remote="onsite")
    assert (location.remote_scope, location.countries) == ("onsite", ["IN"])


def test_a_country_named_for_a_remote_job_is_where_one_may_work_from():
    from crawler.normalize import parse_location

    location = parse_location("Jakarta", countries=["ID"], remote="remote")
    assert (location.remote_scope, location.countries) == ("countries", ["ID"])
