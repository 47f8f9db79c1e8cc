"""The greenhouse spider on real recorded board and job responses, field by field."""

from __future__ import annotations

import pytest

BOARD = "anthropic-jobs-content-trimmed4-2026-07.json"
BOARD_URL = "https://boards-api.greenhouse.io/v1/boards/anthropic/jobs?content=true"
JOB = "codepath-job-4426707007-questions-2024-08-05.json"
JOB_URL = (
    "https://boards-api.greenhouse.io/v1/boards/codepath/jobs/4426707007?pay_transparency=true"
)


@pytest.fixture
def board(parse_capture):
    return parse_capture("greenhouse", BOARD, url=BOARD_URL)


def test_a_board_answer_gives_one_listing_per_job(board):
    assert [listing["source_id"] for listing in board] == [
        "5215052008",
        "5023394008",
        "5183044008",
        "5101378008",
    ]


def test_a_listing_keeps_title_employer_url_and_board(board):
    first = board[0]
    assert first["id"] == "greenhouse:5215052008"
    assert first["title"] == "Amazon GTM Partnership, Startups"
    assert first["company"] == "Anthropic"
    assert first["url"] == "https://job-boards.greenhouse.io/anthropic/jobs/5215052008"
    assert first["board"] == "anthropic"


def test_entity_escaped_content_becomes_text_with_paragraphs(board):
    description = board[0]["description"]
    assert description.startswith("About Anthropic\n\nAnthropic’s mission is to create reliable")
    assert "&lt;" not in description and "<p>" not in description


def test_posted_date_is_first_published_in_utc(board):
    assert board[0]["posted_at"] == "2026-05-11T21:58:31Z"


def test_fetch_time_is_the_frozen_now(board):
    assert board[0]["fetched_at"] == "2026-09-15T12:00:00Z"


def test_several_offices_give_several_eligible_countries(board):
    fellows = board[1]
    assert fellows["location_raw"].startswith("London, UK; Ontario, CAN")
    assert set(fellows["countries"]) == {"US", "GB", "CA"}


def test_location_type_metadata_says_on_site(board):
    assert board[0]["remote_raw"] == "On-Site"
    assert board[0]["remote_scope"] == "onsite"


def test_departments_become_tags(board):
    assert board[0]["tags"] == ["Sales"]


def test_a_single_job_answer_gives_its_pay_range_without_guessing_the_unit(parse_capture):
    (job,) = parse_capture("greenhouse", JOB, url=JOB_URL)
    assert job["board"] == "codepath"
    assert (job["pay_min"], job["pay_max"], job["pay_currency"]) == (120000.0, 160000.0, "USD")
    assert job["pay_unit"] is None and job["pay_hourly_min"] is None


def test_user_metadata_is_never_kept(fixtures_dir):
    # xAI's board exposes recruiters as metadata of value_type "user" (SOURCES-NOTES §1): the
    # real first job of the capture, given such an entry beside its own metadata.
    import json

    from scrapy.http import TextResponse

    from crawler.spiders.greenhouse import GreenhouseSpider

    job = json.loads((fixtures_dir / "greenhouse" / BOARD).read_text())["jobs"][0]
    recruiter = {"name": "Ada Recruiter", "email": "ada.recruiter@example.com"}
    job["metadata"] = [
        *job["metadata"],
        {"id": 1, "name": "Recruiter", "value": recruiter, "value_type": "user"},
    ]
    response = TextResponse(url=BOARD_URL, body=b"{}")
    item = GreenhouseSpider().listing_from_job(job, "anthropic", response)
    stored = json.dumps(dict(item), default=str)
    assert "ada.recruiter@example.com" not in stored and "Ada Recruiter" not in stored
    assert item["remote_raw"] == "On-Site"  # the job's other metadata is still read
