"""parse_hn_comment on the real recorded posts and on the headline shapes posters use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.hn import comment_lines, fallback_title, parse_hn_comment

FOLDER = Path(__file__).parent.parent / "fixtures" / "hn_hiring"
ITEM = FOLDER / "item-48747976-who-is-hiring-july-2026-trimmed4.json"
SEARCH = FOLDER / "search-comments-story47219668-hpp3-2026-03-28.json"


def real_comment(comment_id: int) -> str:
    item = json.loads(ITEM.read_text(encoding="utf-8"))
    return next(c["text"] for c in item["children"] if c["id"] == comment_id)


def real_hit(object_id: str) -> str:
    search = json.loads(SEARCH.read_text(encoding="utf-8"))
    return next(h["comment_text"] for h in search["hits"] if h["objectID"] == object_id)


def test_a_pipe_headline_gives_employer_pay_remote_and_apply_link():
    post = parse_hn_comment(real_comment(48748003))
    assert post.employer == "SmarterDx"
    assert post.pay == "150-250k+ + equity + benefits"
    assert post.remote == "Remote (US only)" and post.location == "Remote (US only)"
    assert post.apply_url == "https://smarterdx.com/careers"
    assert post.titles == ["Multiple roles"]


def test_roles_listed_in_the_body_replace_a_generic_headline_title():
    post = parse_hn_comment(real_comment(48747990))
    assert post.employer == "We The Flywheel"
    assert post.titles == ["Agentic Engineer", "Sr Agentic Engineer", "Agentic Operator"]
    assert post.remote == "REMOTE (worldwide)"
    assert post.employment_type == "Contract / Part-time (10–40 hrs/wk)"


def test_a_dash_headline_with_a_parenthesised_location():
    post = parse_hn_comment(real_comment(48748007))
    assert post.employer == "PrairieLearn"
    assert post.location == "Remote US"
    assert post.titles == ["Full-Stack Software Engineer"]
    assert post.apply_url is None  # only the home page is linked


def test_key_value_lines_give_every_fact_and_the_apply_link_on_the_next_line():
    post = parse_hn_comment(real_hit("47398997"))
    assert post.employer == "Faqta"
    assert post.location == "Utrecht, Netherlands (Hybrid Tue/Thu)"
    assert post.remote == "No (NL-based)"
    assert post.employment_type == "Full-time"
    assert post.pay == "€3000–€3525/month + 8% holiday pay"
    assert post.titles == ["Medior Backend Developer (Node.js / TypeScript)"]
    assert post.apply_url == "https://vacatures.faqta.nl/vacature-medior-backend-developer"


def test_a_post_without_structure_keeps_its_text_and_an_unknown_employer():
    post = parse_hn_comment(real_comment(48747987))
    assert post.employer is None and post.titles == [] and not post.structured
    assert post.text.startswith("CaseLight is looking for a U.S.-based developer")
    assert (
        fallback_title(post)
        == "CaseLight is looking for a U.S.-based developer for a 20–25% equity partnership."
    )


def test_a_long_first_sentence_is_cut_at_a_word_for_a_title():
    post = parse_hn_comment("We are " + "a very small team " * 10 + "hiring.")
    title = fallback_title(post)
    assert len(title) <= 91 and title.endswith("…") and not title.endswith(" …")


def test_entities_and_links_become_text():
    lines, links = comment_lines(
        'A &amp; B<p>See <a href="https:&#x2F;&#x2F;x.io&#x2F;jobs" rel="nofollow">https:&#x2F;&#x2F;x.io&#x2F;jobs</a>'
    )
    assert lines == ["A & B", "See https://x.io/jobs"]
    assert links == ["https://x.io/jobs"]


@pytest.mark.parametrize(
    ("headline", "employer", "titles", "location", "remote", "pay", "apply_url"),
    [
        (
            "Acme AI | AI Trainer (Math) | Remote (US, Canada) | $40-60/hr | https://acme.ai/careers",
            "Acme AI",
            ["AI Trainer (Math)"],
            "Remote (US, Canada)",
            "Remote (US, Canada)",
            "$40-60/hr",
            "https://acme.ai/careers",
        ),
        (
            "Labelly | Data Annotator, QA Engineer | REMOTE | Full-time | labelly.com",
            "Labelly",
            ["Data Annotator", "QA Engineer"],
            None,
            "REMOTE",
            None,
            "https://labelly.com",
        ),
        (
            "Foo Corp (foo.com) | Berlin, Germany | ONSITE | Senior Backend Engineer | €80k–€100k",
            "Foo Corp",
            ["Senior Backend Engineer"],
            "Berlin, Germany",
            "ONSITE",
            "€80k–€100k",
            "https://foo.com",
        ),
        (
            "Bar | New York, NY | Hybrid | Staff Engineer and Product Designer | VISA",
            "Bar",
            ["Staff Engineer", "Product Designer"],
            "New York, NY",
            "Hybrid",
            None,
            None,
        ),
    ],
)
def test_headline_shapes(headline, employer, titles, location, remote, pay, apply_url):
    post = parse_hn_comment(headline + "<p>We build things.")
    assert (post.employer, post.titles, post.location, post.remote, post.pay, post.apply_url) == (
        employer,
        titles,
        location,
        remote,
        pay,
        apply_url,
    )


@pytest.mark.parametrize("markup", [None, "", "<p>", "|||", "<a href=", "Company:", "x" * 5000])
def test_odd_input_never_raises(markup):
    post = parse_hn_comment(markup)
    assert isinstance(post.text, str)
