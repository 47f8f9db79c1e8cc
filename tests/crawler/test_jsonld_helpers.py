"""The JSON-LD helpers on real careers pages and on the shapes real pages wrap them in."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.jsonld import (
    extract_job_postings,
    find_job_postings,
    job_posting_fields,
    read_json_ld_blocks,
)

FOLDER = Path(__file__).parent.parent / "fixtures" / "jsonld"
FERMI = FOLDER / "paylocity-fermi-4248451-job-page.html"
SENDCUTSEND = FOLDER / "paylocity-sendcutsend-4272751-job-page.html"
_BLOCK = re.compile(r'(<script type="application/ld\+json">)(.*?)(</script>)', re.S)


def page(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def real_posting(path: Path = SENDCUTSEND) -> dict:
    return json.loads(_BLOCK.search(page(path)).group(2))


def with_block(path: Path, text: str) -> str:
    """The real page with its JSON-LD block's content replaced by `text`."""
    return _BLOCK.sub(lambda m: m.group(1) + text + m.group(3), page(path), count=1)


def test_a_real_careers_page_gives_its_one_job_posting():
    (posting,) = extract_job_postings(page(FERMI))
    assert posting["title"] == "Corporate Tax Director"


def test_bytes_are_accepted_as_well_as_text():
    assert len(extract_job_postings(SENDCUTSEND.read_bytes())) == 1


def test_fields_of_a_real_posting_with_hourly_pay():
    fields = job_posting_fields(real_posting(SENDCUTSEND))
    assert fields["title"] == "Production Technician - Swing Shift"
    assert fields["company"] == "SendCutSend Inc"
    assert fields["posted_raw"] == "2026-06-22T17:56:03-05:00"
    assert (fields["pay_min_raw"], fields["pay_max_raw"]) == (22.0, 40.0)
    assert (fields["pay_currency_raw"], fields["pay_unit_raw"]) == ("USD", "HOUR")
    assert fields["location_raw"] == "Paris, KY, US"
    assert fields["description_html"].startswith("<p>Description</p>")


def test_a_posting_without_salary_has_no_pay_fields():
    fields = job_posting_fields(real_posting(FERMI))
    assert not any(key.startswith("pay_") for key in fields)
    assert fields["location_raw"] == "Dallas, TX, US"


def test_absent_facts_are_left_out_not_set_to_none():
    fields = job_posting_fields(real_posting(FERMI))
    assert "valid_through_raw" not in fields and "remote_raw" not in fields
    assert None not in fields.values()


def test_a_cdata_wrapped_block_is_read():
    text = "//<![CDATA[\n" + json.dumps(real_posting()) + "\n//]]>"
    assert len(extract_job_postings(with_block(SENDCUTSEND, text))) == 1


def test_postings_inside_a_graph_are_found():
    graph = {"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, real_posting()]}
    assert len(extract_job_postings(with_block(SENDCUTSEND, json.dumps(graph)))) == 1


def test_a_block_holding_a_list_gives_every_posting():
    both = [real_posting(FERMI), real_posting(SENDCUTSEND)]
    titles = [p["title"] for p in extract_job_postings(with_block(FERMI, json.dumps(both)))]
    assert titles == ["Corporate Tax Director", "Production Technician - Swing Shift"]


def test_a_posting_nested_in_a_web_page_is_found():
    nested = {"@type": "WebPage", "mainEntity": real_posting()}
    assert find_job_postings(nested)[0]["title"] == "Production Technician - Swing Shift"


@pytest.mark.parametrize(
    "type_", ["JobPosting", ["JobPosting"], "http://schema.org/JobPosting", "schema:JobPosting"]
)
def test_the_type_is_recognised_in_every_spelling(type_):
    assert find_job_postings({**real_posting(), "@type": type_})


def test_other_schema_types_are_not_postings():
    assert find_job_postings({"@type": "Organization", "name": "Mercor"}) == []


def test_a_broken_block_is_reported_and_the_others_still_read():
    broken = '<script type="application/ld+json">{"@type": "JobPosting", "title": </script>'
    html = page(SENDCUTSEND).replace("</head>", broken + "</head>", 1)
    blocks = read_json_ld_blocks(html)
    assert len(blocks.errors) == 1 and len(blocks.job_postings) == 1


def test_raw_newlines_inside_strings_and_trailing_commas_are_tolerated():
    text = '{"@type": "JobPosting", "title": "Rater\n(remote)", "datePosted": "2026-07-01",}'
    (posting,) = extract_job_postings(with_block(FERMI, text))
    assert posting["title"] == "Rater\n(remote)"


def test_a_page_without_json_ld_gives_no_postings():
    assert extract_job_postings("<html><body><h1>Careers</h1></body></html>") == []
    assert extract_job_postings("") == []


def test_telecommute_and_applicant_countries_give_remote_and_countries():
    posting = {
        **real_posting(),
        "jobLocationType": "TELECOMMUTE",
        "applicantLocationRequirements": [{"@type": "Country", "name": "US"}, "Canada"],
    }
    fields = job_posting_fields(posting)
    assert fields["remote_raw"] == "TELECOMMUTE"
    assert fields["countries_raw"] == ["US", "Canada"]


def test_remote_posting_without_place_gets_a_location_from_its_countries():
    posting = {
        **real_posting(),
        "jobLocationType": "TELECOMMUTE",
        "applicantLocationRequirements": {"@type": "Country", "name": "US"},
    }
    del posting["jobLocation"]
    assert job_posting_fields(posting)["location_raw"] == "Remote (US)"


def test_identifier_url_validity_and_employment_type_are_read():
    posting = {
        **real_posting(),
        "identifier": {"@type": "PropertyValue", "name": "Moonlight", "value": "list_AAAB"},
        "url": "https://work.example/jobs/list_AAAB",
        "validThrough": "2026-03-05T06:17:34.777Z",
        "employmentType": ["PART_TIME", "CONTRACTOR"],
    }
    fields = job_posting_fields(posting)
    assert fields["source_id"] == "list_AAAB"
    assert fields["url"] == "https://work.example/jobs/list_AAAB"
    assert fields["valid_through_raw"] == "2026-03-05T06:17:34.777Z"
    assert fields["employment_type"] == "PART_TIME, CONTRACTOR"


def test_a_single_salary_value_gives_equal_min_and_max():
    posting = {
        **real_posting(),
        "baseSalary": {
            "@type": "MonetaryAmount",
            "currency": "USD",
            "value": {"value": 50, "unitText": "HOURLY"},
        },
    }
    fields = job_posting_fields(posting)
    assert (fields["pay_min_raw"], fields["pay_max_raw"], fields["pay_unit_raw"]) == (
        50,
        50,
        "HOURLY",
    )
