"""Digests over a real SMTP server on loopback: content, links, exactly-once, failures."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest
from digest_helpers import AFTERQUERY, BASE_URL, DAY1, DAY2, crawl, listing

from catalogue import digest as d
from catalogue.schema import open_catalogue
from evaljobs import mailer
from evaljobs.locks import hold_lock, lock_name_for

DATE2 = "2026-09-14"  # the digest of the day of DAY1's crawl (as of 23:59:59Z)
DATE3 = "2026-09-15"  # the next day's (after DAY2's crawl)


def add(path: Path, email: str, **filters) -> d.Subscription:
    db = open_catalogue(path)
    try:
        return d.subscribe(db, email, d.Filters(**filters), now=DAY1)
    finally:
        db.close()


def run(path: Path, date: str = DATE2, **kwargs) -> d.DigestReport:
    return mailer.digest_now(path, digest_date=date, base_url=BASE_URL, **kwargs)


def listing_links(html: str) -> list[str]:
    return re.findall(r'href="(' + re.escape(BASE_URL) + r'/catalogue/listings/[^"?]+)"', html)


def ids_in(received) -> list[str]:
    from datasette.utils import tilde_decode

    found = []
    for item in received:
        html = item.message.get_body(("html",)).get_content()
        found += [
            tilde_decode(urlparse(link).path.rsplit("/", 1)[1]) for link in listing_links(html)
        ]
    return found


def test_a_subscriber_gets_the_matching_new_listings_in_a_valid_multipart_message(
    catalogue_path, smtp_server
):
    add(catalogue_path, "lawyer@example.org", domains=("finance",))
    report = run(catalogue_path)
    assert report.sent == 1 and report.listings == 2
    [received] = smtp_server.to("lawyer@example.org")
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert (
        "Finance Expert (US/EU ONLY)" in text
        and "Corporate Development / M&amp;A Analyst Expert" in html
    )
    assert "Healthcare Analyst Expert" not in text  # medicine/business, not finance
    assert "$30–40/hour" in text and "domain-expert-review" in html and ">clean<" in html
    assert sorted(ids_in([received])) == ["greenhouse:aq-1", "greenhouse:aq-2"]
    assert message["Message-ID"] and message["List-Unsubscribe"].strip().startswith(
        f"<{BASE_URL}/-/unsubscribe/"
    )


def test_links_point_at_the_base_url_and_open_listing_pages_that_exist(catalogue_path, smtp_server):
    from datasette.app import Datasette

    add(catalogue_path, "any@example.org")
    run(catalogue_path)
    [received] = smtp_server.received
    html = received.message.get_body(("html",)).get_content()
    links = listing_links(html)
    assert len(links) == 4
    ds = Datasette([str(catalogue_path)])

    async def statuses() -> list[int]:
        return [(await ds.client.get(urlparse(link).path + ".json")).status_code for link in links]

    # On a thread of its own: a browser test earlier in the session may hold a running loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, statuses()).result() == [200] * len(links)
    db = open_catalogue(catalogue_path)
    for listing_id in ids_in([received]):
        assert db["listings"].get(listing_id)["relevant"] == 1


def test_the_footer_carries_the_unsubscribe_link_and_the_sources_attribution(
    catalogue_path, smtp_server
):
    from crawler.sources import source_rows

    db = open_catalogue(catalogue_path)
    db["sources"].insert_all(source_rows(), replace=True, alter=True)
    db.close()
    sub = add(catalogue_path, "any@example.org")
    run(catalogue_path)
    message = smtp_server.received[0].message
    text = message.get_body(("plain",)).get_content()
    assert f"Unsubscribe: {BASE_URL}/-/unsubscribe/{sub.token}" in text
    assert "Posted on the employer's Greenhouse job board" in text
    assert "Posted on the employer's Lever job site" in text


def test_the_unsubscribe_token_in_the_message_removes_the_subscription(catalogue_path, smtp_server):
    add(catalogue_path, "leaving@example.org")
    add(catalogue_path, "staying@example.org")
    run(catalogue_path)
    text = smtp_server.to("leaving@example.org")[0].message.get_body(("plain",)).get_content()
    token = re.search(r"/-/unsubscribe/(\S+)", text).group(1)
    db = open_catalogue(catalogue_path)
    assert d.unsubscribe_by_token(db, token) == "leaving@example.org"
    assert [s.email for s in d.list_subscriptions(db)] == ["staying@example.org"]
    assert (
        db.execute(
            "select count(*) from deliveries d join subscriptions s on s.id = d.subscription_id"
        ).fetchone()[0]
        > 0
    )
    assert d.unsubscribe_by_token(db, token) is None


def test_a_rerun_the_same_day_sends_nothing_new(catalogue_path, smtp_server):
    add(catalogue_path, "any@example.org")
    assert run(catalogue_path).sent == 1
    again = run(catalogue_path)
    assert again.sent == 0 and again.empty == 1
    assert len(smtp_server.received) == 1


def test_the_next_day_brings_only_listings_first_seen_since(catalogue_path, smtp_server):
    add(catalogue_path, "any@example.org")
    run(catalogue_path)
    fresh = listing(
        "aq-9",
        "Environmental Science Expert (US/EU ONLY)",
        "AfterQuery",
        hourly=(25, 40),
        role_types=("annotation", "domain-expert-review"),
        domains=("science",),
    )
    crawl(catalogue_path, "greenhouse", AFTERQUERY + [fresh], DAY2)
    run(catalogue_path, DATE3)
    assert ids_in(smtp_server.received[1:]) == ["greenhouse:aq-9"]


def test_nothing_to_say_sends_no_email(catalogue_path, smtp_server):
    add(catalogue_path, "nurse@example.org", domains=("medicine",), languages=("ja",))
    report = run(catalogue_path)
    assert report.sent == 0 and report.empty == 1 and smtp_server.received == []


def test_a_crash_between_two_sends_then_a_rerun_delivers_each_listing_exactly_once(
    catalogue_path, smtp_server, monkeypatch
):
    add(catalogue_path, "first@example.org")
    add(catalogue_path, "second@example.org", domains=("finance",))
    real_send = mailer.SmtpMailer.send
    calls = []

    def crash_on_second(self, message):
        calls.append(message.to)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed between two sends")
        return real_send(self, message)

    monkeypatch.setattr(mailer.SmtpMailer, "send", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        run(catalogue_path)
    monkeypatch.setattr(mailer.SmtpMailer, "send", real_send)
    report = run(catalogue_path)
    assert report.resent == 1
    first, second = smtp_server.to("first@example.org"), smtp_server.to("second@example.org")
    assert len(first) == 1 and len(second) == 1
    assert sorted(ids_in(first)) == sorted({*ids_in(first)}) and len(ids_in(first)) == 4
    assert sorted(ids_in(second)) == ["greenhouse:aq-1", "greenhouse:aq-2"]
    db = open_catalogue(catalogue_path)
    rows = list(
        db.query(
            "select subscription_id, listing_id, count(*) n, min(status) s from deliveries group by 1, 2"
        )
    )
    assert len(rows) == 6 and {r["n"] for r in rows} == {1} and {r["s"] for r in rows} == {"sent"}


def test_a_crash_after_the_server_accepted_resends_the_same_message_id_once(
    catalogue_path, smtp_server, monkeypatch
):
    add(catalogue_path, "any@example.org")
    real_mark = d._mark

    def crash(*args, **kwargs):
        raise SystemExit("killed after the SMTP server accepted, before the commit")

    monkeypatch.setattr(d, "_mark", crash)
    with pytest.raises(SystemExit):
        run(catalogue_path)
    monkeypatch.setattr(d, "_mark", real_mark)
    run(catalogue_path)
    copies = smtp_server.to("any@example.org")
    # SMTP cannot tell whether the first copy arrived: the resend carries the same
    # Message-ID, so the receiver keeps one; per listing, exactly one message holds it.
    assert len(copies) == 2 and len({c.message["Message-ID"] for c in copies}) == 1
    assert sorted(ids_in(copies[:1])) == sorted(ids_in(copies[1:]))
    db = open_catalogue(catalogue_path)
    assert db.execute(
        "select count(*), count(distinct listing_id) from deliveries where status = 'sent'"
    ).fetchone() == (4, 4)


def test_a_rejected_recipient_is_skipped_while_the_other_gets_mail(catalogue_path, smtp_server):
    smtp_server.refuse["gone@example.org"] = "550 5.1.1 No such user"
    add(catalogue_path, "gone@example.org")
    add(catalogue_path, "here@example.org")
    report = run(catalogue_path)
    assert report.rejected == 1 and report.sent == 1
    assert any("gone@example.org" in p and "550" in p for p in report.problems)
    assert len(smtp_server.to("here@example.org")) == 1 and smtp_server.to("gone@example.org") == []
    assert run(catalogue_path).sent == 0  # rejected is final: not retried


def test_a_temporary_failure_leaves_the_message_pending_for_the_next_run(
    catalogue_path, smtp_server
):
    smtp_server.refuse["full@example.org"] = "452 4.2.2 Mailbox full, try later"
    add(catalogue_path, "full@example.org")
    add(catalogue_path, "fine@example.org")
    first = run(catalogue_path)
    assert first.sent == 1 and first.temporary == 1
    db = open_catalogue(catalogue_path)
    [pending] = list(db.query("select * from digest_messages where status = 'pending'"))
    assert "452" in pending["last_error"]
    del smtp_server.refuse["full@example.org"]
    second = run(catalogue_path)
    assert second.resent == 1 and second.temporary == 0
    [received] = smtp_server.to("full@example.org")
    assert received.message["Message-ID"] == pending["message_id"] and len(ids_in([received])) == 4


def test_a_refused_connection_leaves_every_message_pending(catalogue_path, monkeypatch, locks):
    from digest_helpers import free_port

    monkeypatch.setenv("EVALJOBS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("EVALJOBS_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("EVALJOBS_SMTP_SECURITY", "none")
    add(catalogue_path, "a@example.org")
    add(catalogue_path, "b@example.org")
    report = run(catalogue_path)
    assert report.sent == 0 and report.stopped.startswith("mail server unavailable")
    db = open_catalogue(catalogue_path)
    assert (
        db.execute("select count(*) from digest_messages where status = 'pending'").fetchone()[0]
        == 2
    )


def test_two_digest_runs_at_once_cannot_both_send(catalogue_path, smtp_server):
    add(catalogue_path, "any@example.org")
    with hold_lock(lock_name_for("digest", catalogue_path), near=catalogue_path):
        with pytest.raises(mailer.DigestBusy, match="another digest run"):
            run(catalogue_path)
    assert smtp_server.received == []


def test_eml_files_are_written_when_no_smtp_host_is_set(catalogue_path, tmp_path, monkeypatch):
    from email import message_from_bytes, policy

    monkeypatch.delenv("EVALJOBS_SMTP_HOST", raising=False)
    add(catalogue_path, "any@example.org")
    with pytest.raises(mailer.MailerConfigError, match="--out"):
        run(catalogue_path)
    report = run(catalogue_path, out=tmp_path / "outbox")
    [path] = list((tmp_path / "outbox" / DATE2).glob("*.eml"))
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert report.sent == 1 and message["To"] == "any@example.org" and message.is_multipart()


def test_a_dry_run_renders_but_records_and_sends_nothing(catalogue_path, smtp_server, tmp_path):
    add(catalogue_path, "any@example.org")
    report = run(catalogue_path, dry_run=True, out=tmp_path / "preview")
    assert report.planned == 1 and smtp_server.received == []
    assert len(list((tmp_path / "preview").rglob("*.eml"))) == 1
    db = open_catalogue(catalogue_path)
    assert db.execute("select count(*) from deliveries").fetchone()[0] == 0
    assert d.list_subscriptions(db)[0].last_digest_at is None


def test_listing_text_is_escaped_in_html_and_kept_on_one_line_in_text(tmp_path, locks, smtp_server):
    path = tmp_path / "catalogue.db"
    evil = listing(
        "ev-1",
        '<script>alert("x")</script>\nUnsubscribe: https://evil.example/',
        "<b>Acme</b>",
        pay_text="<img src=x onerror=alert(1)>",
    )
    crawl(path, "greenhouse", [evil], DAY1)
    add(path, "any@example.org")
    run(path)
    message = smtp_server.received[0].message
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>Acme</b>" not in html
    assert "<img" not in html
    assert not any(line.startswith("Unsubscribe: https://evil") for line in text.splitlines())
    assert text.count("\nUnsubscribe: ") == 1
