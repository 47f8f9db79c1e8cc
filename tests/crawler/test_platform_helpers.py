"""Platform helpers: evergreen pools, assessments, per-task pay, pay words, blocks, the request queue."""

from __future__ import annotations

import pytest

from crawler.platform import (
    PlatformQueue,
    amount_text,
    assessment_statement,
    block_reason,
    evergreen_evidence,
    markdown_to_text,
    per_task_statement,
    platform_pay_unit,
    rebase_url,
)

MERCOR = "mercor/job-page-list_AAABm4Xm5vZiwyWXybFBRJJN-generalist-writer-rendered-2026-02-03.html"
CHALLENGE = (
    b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
    b"<script>window._cf_chl_opt={cvId:'3'};</script></body></html>"
)


@pytest.mark.parametrize(
    ("kwargs", "evidence"),
    [
        ({"listing_type": "evergreen"}, "listingType: evergreen"),
        ({"title": "[REF ONLY] Physics Expert"}, "[REF ONLY]"),
        ({"title": "Finance Experts Talent Pool"}, "Talent Pool"),
        (
            {"text": "This is a standing listing for experts. It is not a specific job opening."},
            "This is a standing listing for experts.",
        ),
        (
            {"text": "<p>Apply once — we'll reach out when projects open in your field.</p>"},
            "Apply once — we'll reach out when projects open in your field.",
        ),
    ],
)
def test_evergreen_pools_are_recognised_from_the_field_or_explicit_words(kwargs, evidence):
    assert evergreen_evidence(**kwargs) == evidence


@pytest.mark.parametrize(
    "kwargs",
    [
        {"listing_type": "standard", "title": "Generalist Writer"},
        {"text": "We are hiring 150 biology experts for a new project starting Monday."},
        {"text": "Join a pool party planning team."},
        {},
    ],
)
def test_an_opening_that_says_nothing_of_a_pool_is_not_evergreen(kwargs):
    assert evergreen_evidence(**kwargs) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("You will complete a paid assessment (about 1 hour).", "paid"),
        ("The trial task is paid at your hourly rate.", "paid"),
        ("You'll be compensated for completing the qualification task.", "paid"),
        ("There is an unpaid skills test before onboarding.", "unpaid"),
        ("Note: the assessment is not paid.", "unpaid"),
        ("You will not be paid for the screening task. Later trial tasks are paid.", "unpaid"),
        ("Selected applicants will be invited to complete a brief sample task.", None),
        ("This is paid evaluation work on AI responses.", None),  # the job, not a test
        ("", None),
    ],
)
def test_paid_or_unpaid_assessment_only_when_stated(text, expected):
    found = assessment_statement(text)
    assert (found[0] if found else None) == expected


def test_assessment_evidence_is_the_sentence_that_says_it():
    assert assessment_statement("Apply today. There is an unpaid skills test. Good luck!") == (
        "unpaid",
        "There is an unpaid skills test.",
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            "<p>Compensation is output-based; experts are paid per task that meets the specs.</p>",
            True,
        ),
        ("Contributors are paid per submission.", True),
        ("Pay: $40-60 per hour, paid weekly.", False),
        (None, False),
    ],
)
def test_per_task_pay_is_read_from_explicit_words(text, found):
    assert (per_task_statement(text) is not None) is found


@pytest.mark.parametrize(
    ("platform", "word", "expected"),
    [
        ("mercor", "hourly", (True, "hour")),
        ("mercor", "per-task", (True, "task")),
        ("mercor", "one-time", (True, None)),
        ("mercor", "yearly", (True, "year")),
        ("mercor", "fortnightly", (False, None)),
        ("alignerr", "HOURLY", (True, "hour")),
        ("alignerr", "hourly", (True, "hour")),
        ("alignerr", "per-task", (False, None)),  # Mercor's word means nothing on Alignerr
        ("micro1", "per task", (True, "task")),
        ("nobody", "hourly", (False, None)),
        ("mercor", None, (False, None)),
    ],
)
def test_pay_words_are_read_per_platform_and_never_across_platforms(platform, word, expected):
    assert platform_pay_unit(platform, word) == expected


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (35, 45, "35-45"),
        (500, 500, "500"),
        (12.5, None, "12.50"),
        (None, None, None),
        (1000, 2000.0, "1,000-2,000"),
    ],
)
def test_amount_text(low, high, text):
    assert amount_text(low, high) == text


@pytest.mark.parametrize(
    ("status", "headers", "body", "blocked"),
    [
        (403, {"Server": "cloudflare"}, CHALLENGE, True),
        (200, {}, CHALLENGE, True),  # a challenge page served with 200 is still a block
        (503, {"cf-mitigated": "challenge"}, b"", True),
        (403, {}, b"Forbidden", True),
        (401, {}, b"", True),
        (200, {}, b"<title>Attention Required! | Cloudflare</title>", True),
        (404, {}, b"<html>Not found</html>", False),
        (
            200,
            {},
            b"<script>window.__CF$cv$params={r:'9a'};a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'"
            b"</script>",
            False,  # Cloudflare's bot-detection script on a normal page
        ),
        (500, {}, b"oops", False),
        (
            200,
            {},
            b"<html><script src='https://www.google.com/recaptcha/api.js'></script></html>",
            False,
        ),
    ],
)
def test_block_reason(status, headers, body, blocked):
    assert (block_reason(status, headers, body) is not None) is blocked


def test_a_real_mercor_page_with_its_recaptcha_script_is_not_a_block(fixtures_dir):
    assert block_reason(200, {}, (fixtures_dir / MERCOR).read_bytes()) is None


def test_markdown_description_becomes_text():
    markdown = "**1\\. Role Overview**\nWe pay.\n\n- Write prompts\n    \n- Review *answers*\n\n## Apply\nSee [site](https://x.y)"
    assert markdown_to_text(markdown) == (
        "1. Role Overview\nWe pay.\n\n• Write prompts\n• Review answers\n\nApply\n\nSee site (https://x.y)"
    )


def test_the_queue_sends_nothing_after_it_is_stopped():
    queue = PlatformQueue()
    queue.add(["a", "b", "c"])
    assert queue.next_request(lambda r: r) == "a"
    assert queue.stop("blocked") == 2
    assert queue.next_request(lambda r: r) is None
    queue.add(["d"])
    assert queue.next_request(lambda r: r) is None and queue.stopped == "blocked"


def test_a_spent_budget_stops_the_queue():
    queue = PlatformQueue()
    queue.add(["a", "b"])
    assert queue.next_request(lambda r: None) is None
    assert queue.stopped == "request budget spent" and not queue.pending


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://work.mercor.com/sitemap-jobs.xml",
            "http://127.0.0.1:8000/mercor/sitemap-jobs.xml",
        ),
        ("https://work.mercor.com", "http://127.0.0.1:8000/mercor/"),
        ("https://evil.example/sitemap.xml", None),
        ("ftp://work.mercor.com/x", None),
    ],
)
def test_sitemap_urls_are_rebased_on_the_spider_base_and_never_leave_the_platform(url, expected):
    assert rebase_url(url, "http://127.0.0.1:8000/mercor", ["work.mercor.com"]) == expected
