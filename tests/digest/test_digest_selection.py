"""What goes into a digest: matching, sections, groups, caps, the saved-search commands."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from digest_helpers import AFTERQUERY, DAY1, DAY2, DAY3, crawl, listing

from catalogue import digest as d
from catalogue.schema import open_catalogue
from evaljobs.cli import main

AS_OF_1 = "2026-09-14T23:59:59Z"  # after DAY1's crawl
AS_OF_2 = "2026-09-15T23:59:59Z"  # after DAY2's crawl
AS_OF_3 = "2026-09-16T23:59:59Z"


class Recorder:
    """A Sender that keeps what it is given and says it was sent."""

    def __init__(self) -> None:
        self.sent: list[d.Outgoing] = []

    def send(self, message: d.Outgoing) -> d.SendOutcome:
        self.sent.append(message)
        return d.SendOutcome("sent", 250)


def digest(db, as_of: str, sender: Recorder | None = None) -> Recorder:
    sender = sender or Recorder()
    d.run_digest(
        db, sender, base_url="https://site.example", mail_from="digest@site.example", as_of=as_of
    )
    return sender


def selected(db, subscription: d.Subscription, as_of: str) -> dict[str, d.Section]:
    [found] = d.select_digests(db, [subscription], as_of=as_of, digest_date=as_of[:10])
    return found.sections


def shown(section: d.Section) -> list[str]:
    return [e.listing_id for e in section.entries]


def test_filters_combine_and_values_within_a_filter_are_alternatives(catalogue_path):
    db = open_catalogue(catalogue_path)
    sub = d.subscribe(
        db, "a@example.org", d.Filters(domains=("medicine", "general"), min_hourly_pay=50), now=DAY1
    )
    assert shown(selected(db, sub, AS_OF_1)["new"]) == [
        "lever:al-1",
        "greenhouse:aq-3",
    ]  # 120/h, 80/h


def test_flagged_listings_are_left_out_unless_asked_for(catalogue_path):
    db = open_catalogue(catalogue_path)
    plain = d.subscribe(db, "a@example.org", d.Filters(), now=DAY1)
    bold = d.subscribe(db, "b@example.org", d.Filters(include_flagged=True), now=DAY1)
    assert "lever:sc-1" not in shown(selected(db, plain, AS_OF_1)["new"])
    assert "lever:sc-1" in shown(selected(db, bold, AS_OF_1)["new"])


def test_not_relevant_listings_never_appear(catalogue_path):
    db = open_catalogue(catalogue_path)
    sub = d.subscribe(db, "a@example.org", d.Filters(include_flagged=True), now=DAY1)
    assert "greenhouse:cu-1" not in shown(selected(db, sub, AS_OF_1)["new"])


def test_at_most_three_listings_per_employer_with_a_count_of_the_rest_and_the_true_total(
    catalogue_path,
):
    db = open_catalogue(catalogue_path)
    sub = d.subscribe(db, "a@example.org", d.Filters(), now=DAY1)
    new = selected(db, sub, AS_OF_1)["new"]
    assert new.total == 6 and len(new.entries) == 4 and new.more == {"AfterQuery": 2}
    [message] = digest(db, AS_OF_1).sent
    text = message.parsed().get_body(("plain",)).get_content()
    assert "New roles (6, 4 shown)" in text and "+2 more from AfterQuery" in text


def test_a_job_seen_on_three_sources_is_one_entry_and_never_new_again(tmp_path, locks):
    path = tmp_path / "catalogue.db"
    for source in ("greenhouse", "lever", "ashby"):
        crawl(
            path,
            source,
            [
                listing(
                    "same-1",
                    "Legal Expert - AI Training",
                    "Mercor",
                    source=source,
                    domains=("law",),
                )
            ],
            DAY1,
        )
    db = open_catalogue(path)
    db.execute(
        "update listings set group_id = 'greenhouse:same-1', is_canonical = (id = 'greenhouse:same-1')"
    )
    sub = d.subscribe(db, "lawyer@example.org", d.Filters(domains=("law",)), now=DAY1)
    assert shown(selected(db, sub, AS_OF_1)["new"]) == ["greenhouse:same-1"]
    digest(db, AS_OF_1)
    # The group's canonical listing changes to another source the next day: still not new.
    db.execute("update listings set is_canonical = (id = 'lever:same-1')")
    assert shown(selected(db, d.list_subscriptions(db)[0], AS_OF_2)["new"]) == []
    sub_late = d.subscribe(db, "late@example.org", d.Filters(domains=("law",)), now=DAY1)
    assert shown(selected(db, sub_late, AS_OF_2)["new"]) == ["lever:same-1"]


def test_an_evergreen_pool_is_new_once_even_when_it_closes_and_reopens(tmp_path, locks):
    path = tmp_path / "catalogue.db"
    pool = listing("pool-1", "AI Trainer - Talent Pool (Evergreen)", "Outlier", evergreen=True)
    other = listing("x-1", "Math Expert", "Outlier", domains=("math",))
    crawl(path, "greenhouse", [pool, other], DAY1)
    db = open_catalogue(path)
    d.subscribe(db, "a@example.org", d.Filters(), now=DAY1)
    assert len(digest(db, AS_OF_1).sent) == 1
    crawl(path, "greenhouse", [other], DAY2)  # the pool disappears (closed) ...
    crawl(path, "greenhouse", [pool, other], DAY3)  # ... and comes back
    [sub] = d.list_subscriptions(db)
    assert shown(selected(db, sub, AS_OF_3)["new"]) == []


def test_changed_pay_and_closed_listings_go_only_to_those_who_got_them(catalogue_path):
    db = open_catalogue(catalogue_path)
    finance = d.subscribe(db, "finance@example.org", d.Filters(domains=("finance",)), now=DAY1)
    medicine = d.subscribe(db, "medicine@example.org", d.Filters(domains=("medicine",)), now=DAY1)
    digest(db, AS_OF_1)
    raised = listing("aq-1", "Finance Expert (US/EU ONLY)", "AfterQuery", hourly=(45, 60),
                     role_types=("prompt-evaluation", "rewriting", "domain-expert-review"), domains=("finance",))  # fmt: skip
    crawl(catalogue_path, "greenhouse", [raised, *AFTERQUERY[2:]], DAY2)  # aq-2 gone: closed
    subs = {s.email: s for s in d.list_subscriptions(db)}
    sections = selected(db, subs["finance@example.org"], AS_OF_2)
    assert shown(sections["changed"]) == ["greenhouse:aq-1"] and shown(sections["closed"]) == [
        "greenhouse:aq-2"
    ]
    changes = {
        name: (before, after) for name, before, after in sections["changed"].entries[0].changes
    }
    assert changes["pay_max"] == (40, 60) and changes["pay_min"] == (30, 45)
    other = selected(db, subs["medicine@example.org"], AS_OF_2)
    assert (
        shown(other["changed"]) == [] and shown(other["closed"]) == [] and shown(other["new"]) == []
    )
    sent = digest(db, AS_OF_2).sent
    assert [m.to for m in sent] == ["finance@example.org"]
    text = sent[0].parsed().get_body(("plain",)).get_content()
    assert (
        "Changed pay or remote terms (1)" in text
        and "pay: $30 - $40/hr -> $45 - $60/hr" in text
        and "Closed (1)" in text
    )
    assert digest(db, AS_OF_3).sent == []  # each change and closure is told once
    assert finance.id and medicine.id


def test_a_query_subscription_matches_full_text_and_tolerates_search_syntax(catalogue_path):
    db = open_catalogue(catalogue_path)
    health = d.subscribe(db, "a@example.org", d.Filters(query="healthcare"), now=DAY1)
    odd = d.subscribe(db, "b@example.org", d.Filters(query='"unbalanced AND OR ('), now=DAY1)
    assert shown(selected(db, health, AS_OF_1)["new"]) == ["greenhouse:aq-3"]
    assert shown(selected(db, odd, AS_OF_1)["new"]) == []


def test_a_country_filter_keeps_listings_open_to_that_country_or_to_anywhere(tmp_path, locks):
    path = tmp_path / "catalogue.db"
    crawl(path, "greenhouse", [
        listing("us", "Spanish Language Rater", "Welocalize", remote_scope="countries", countries=("US",)),
        listing("de", "German AI Tutor", "DataAnnotation", remote_scope="countries", countries=("DE", "AT")),
        listing("ww", "Generalist", "Alignerr", remote_scope="worldwide"),
        listing("na", "Writing Expert", "Mercor", remote_scope="unknown"),
    ], DAY1)  # fmt: skip
    db = open_catalogue(path)
    sub = d.subscribe(db, "a@example.org", d.Filters(countries=("DE",)), now=DAY1)
    assert sorted(shown(selected(db, sub, AS_OF_1)["new"])) == [
        "greenhouse:de",
        "greenhouse:na",
        "greenhouse:ww",
    ]


def test_the_feed_sql_selects_what_the_digest_would(catalogue_path):
    db = open_catalogue(catalogue_path)
    sub = d.subscribe(
        db, "a@example.org", d.Filters(domains=("finance", "medicine"), query="expert"), now=DAY1
    )
    sql, params = d.subscription_feed_sql(sub)
    rows = list(db.query(sql, params))
    assert {r["atom_id"] for r in rows} == {"greenhouse:aq-1", "greenhouse:aq-2", "greenhouse:aq-3"}
    assert {"atom_id", "atom_title", "atom_updated", "atom_link"} <= set(rows[0])
    assert d.subscription_feed_path(sub) == f"/-/subscription/{sub.token}.atom"


def test_listing_paths_are_tilde_encoded_as_datasette_expects():
    from datasette.utils import tilde_encode

    for listing_id in (
        "greenhouse:123",
        "hn_hiring:48747976",
        "jsonld:https://x.example/job?id=4 5",
        "ü:1",
    ):
        assert d.listing_path(listing_id) == "/catalogue/listings/" + tilde_encode(listing_id)


def test_tokens_are_unguessable_and_unique(catalogue_path):
    db = open_catalogue(catalogue_path)
    tokens = {d.subscribe(db, f"p{i}@example.org", d.Filters()).token for i in range(20)}
    assert len(tokens) == 20 and min(len(t) for t in tokens) >= 32


# ---------------------------------------------------------------------------- commands


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_subscribe_stores_a_saved_search_and_prints_its_links(catalogue_path):
    result = invoke("subscribe", "teacher@example.org", "--domain", "education", "--role-type", "response-rating",
                    "--language", "DE", "--country", "Germany", "--min-hourly-pay", "25", "--exclude-employer",
                    "Rate Stars Ltd", "--db", str(catalogue_path), "--base-url", "https://site.example")  # fmt: skip
    assert result.exit_code == 0, result.output
    [sub] = d.list_subscriptions(open_catalogue(catalogue_path))
    assert sub.filters.languages == ("de",) and sub.filters.countries == ("DE",)
    assert f"https://site.example/-/unsubscribe/{sub.token}" in result.output
    assert f"https://site.example/-/subscription/{sub.token}.atom" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-address"], "not an e-mail address"),
        (
            ["a@example.org", "--domain", "astrology"],
            "unknown domain 'astrology'; expected one of: general",
        ),
        (["a@example.org", "--role-type", "coding"], "unknown role type 'coding'"),
        (["a@example.org", "--language", "german"], "ISO 639-1"),
        (["a@example.org", "--country", "Atlantis"], "unknown country 'Atlantis'"),
        (["a@example.org", "--min-hourly-pay", "-5"], "out of range"),
    ],
)
def test_subscribe_refuses_bad_input_with_a_clear_error(catalogue_path, args, message):
    result = invoke("subscribe", *args, "--db", str(catalogue_path))
    assert result.exit_code == 2 and message in result.output
    assert d.list_subscriptions(open_catalogue(catalogue_path)) == []


def test_subscriptions_lists_and_unsubscribe_removes_by_token_or_email(catalogue_path):
    db = open_catalogue(catalogue_path)
    one = d.subscribe(db, "a@example.org", d.Filters(domains=("law",)))
    d.subscribe(db, "a@example.org", d.Filters(domains=("math",)))
    d.subscribe(db, "b@example.org", d.Filters())
    listing_out = invoke("subscriptions", "--db", str(catalogue_path))
    assert (
        listing_out.exit_code == 0
        and "domains: law" in listing_out.output
        and "b@example.org" in listing_out.output
    )
    assert invoke("unsubscribe", one.token, "--db", str(catalogue_path)).exit_code == 0
    assert invoke("unsubscribe", one.token, "--db", str(catalogue_path)).exit_code == 1
    removed = invoke("unsubscribe", "--email", "A@example.org", "--db", str(catalogue_path))
    assert removed.exit_code == 0 and "removed 1" in removed.output
    assert [s.email for s in d.list_subscriptions(db)] == ["b@example.org"]


def test_the_digest_command_writes_eml_files_and_a_rerun_writes_none(
    catalogue_path, tmp_path, monkeypatch
):
    monkeypatch.delenv("EVALJOBS_SMTP_HOST", raising=False)
    db = open_catalogue(catalogue_path)
    d.subscribe(db, "a@example.org", d.Filters(), now=DAY1)
    out = tmp_path / "outbox"
    first = invoke("digest", "--date", "2026-09-14", "--out", str(out), "--db", str(catalogue_path))
    assert first.exit_code == 0 and "1 sent" in first.output, first.output
    again = invoke("digest", "--date", "2026-09-14", "--out", str(out), "--db", str(catalogue_path))
    assert again.exit_code == 0 and "0 sent" in again.output
    assert len(list(out.rglob("*.eml"))) == 1
    assert invoke("digest", "--date", "14.09.2026", "--db", str(catalogue_path)).exit_code == 2


def test_deliveries_and_outbox_rows_record_what_was_sent(catalogue_path):
    db = open_catalogue(catalogue_path)
    sub = d.subscribe(db, "a@example.org", d.Filters(domains=("finance",)), now=DAY1)
    [message] = digest(db, AS_OF_1).sent
    rows = list(db.query("select * from deliveries order by listing_id"))
    assert [(r["listing_id"], r["section"], r["status"]) for r in rows] == [
        ("greenhouse:aq-1", "new", "sent"), ("greenhouse:aq-2", "new", "sent")]  # fmt: skip
    assert {r["message_id"] for r in rows} == {message.message_id}
    outbox = db["digest_messages"].get(message.message_id)
    assert outbox["status"] == "sent" and json.loads(outbox["summary"])["totals"]["new"] == 2
    assert (
        d.list_subscriptions(db)[0].last_digest_at == AS_OF_1
        and sub.id == rows[0]["subscription_id"]
    )


def test_a_change_reads_as_one_pay_line_and_one_remote_terms_line():
    row = {"pay_min": 30, "pay_max": 60, "pay_currency": "USD", "pay_unit": "hour",
           "remote_scope": "countries", "countries": '["US", "CA"]'}  # fmt: skip
    assert d.describe_changes([("pay_max", 40, 60)], row) == [
        {"field": "pay", "before": "USD 30–40/hour", "after": "USD 30–60/hour"}
    ]
    remote = d.describe_changes(
        [("remote_scope", "worldwide", "countries"), ("countries", "[]", '["US", "CA"]')], row
    )
    assert remote == [
        {"field": "remote terms", "before": "worldwide", "after": "countries, US, CA"}
    ]


def test_a_subscription_token_never_starts_with_a_dash_so_the_command_line_takes_it():
    from catalogue.digest import new_token

    assert all(not new_token().startswith("-") for _ in range(2000))
