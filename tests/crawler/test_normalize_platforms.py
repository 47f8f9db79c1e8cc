"""Normalization of what the AI-training platforms send: their referral parameters and pay words."""

from __future__ import annotations

import pytest

from crawler.normalize import canonical_url, normalize_pay_unit, parse_pay


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://work.mercor.com/jobs/list_AAABm4Xm5vZiwyWXybFBRJJN?referralCode=abc123&utm_source=share",
            "https://work.mercor.com/jobs/list_AAABm4Xm5vZiwyWXybFBRJJN",
        ),
        (
            "https://jobs.micro1.ai/post/5136fd03-6ff0-45c0-8e36-2126cc5b21c7?utm_source=micro1&utm_medium=job_portal",
            "https://jobs.micro1.ai/post/5136fd03-6ff0-45c0-8e36-2126cc5b21c7",
        ),
        (
            "https://jobs.micro1.ai/post/5136fd03-6ff0-45c0-8e36-2126cc5b21c7?referral_code=XYZ",
            "https://jobs.micro1.ai/post/5136fd03-6ff0-45c0-8e36-2126cc5b21c7",
        ),
        (
            "https://app.dataannotation.tech/workers/signup?worker_src=ai_jobs",
            "https://app.dataannotation.tech/workers/signup",
        ),
        (
            "https://app.alignerr.com/signin?job=583b0f74",
            "https://app.alignerr.com/signin?job=583b0f74",
        ),
    ],
)
def test_platform_referral_and_tracking_parameters_are_stripped_and_job_keys_kept(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("word", "unit"),
    [
        ("hourly", "hour"),  # Mercor payRateFrequency
        ("per-task", "task"),
        ("yearly", "year"),
        ("one-time", None),  # a single payment: no per-unit rate
        ("HOURLY", "hour"),  # Alignerr salaryType
        ("per task", "task"),  # micro1 post saying pay is output-based
        ("monthly", "month"),  # micro1 ideal_monthly_salary_*
    ],
)
def test_platform_pay_words_map_to_units(word, unit):
    assert normalize_pay_unit(word) == unit


def test_a_per_task_listing_never_gets_an_hourly_figure():
    pay = parse_pay("$30-50 per task", minimum=30, maximum=50, currency="USD", unit="per-task")
    assert (pay.unit, pay.hourly_min, pay.hourly_max) == ("task", None, None)


def test_a_one_time_payment_keeps_its_amount_without_a_unit():
    pay = parse_pay("$500 one-time", minimum=500, maximum=500, currency="USD", unit="one-time")
    assert (pay.min, pay.unit, pay.hourly_min) == (500.0, None, None)


def test_micro1_per_task_text_with_an_unpriced_hourly_figure_gives_no_amount():
    text = (
        "Compensation is output-based; experts are paid per task that meets the project "
        "specifications. micro1's job data also gives an ideal hourly rate of 80-90."
    )
    pay = parse_pay(text, unit="per task")
    assert (pay.min, pay.max, pay.unit, pay.hourly_min) == (None, None, "task", None)
