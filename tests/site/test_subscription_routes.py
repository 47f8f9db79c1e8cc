"""The digest's two links on the site: unsubscribe (the only write) and a saved search's feed."""

from __future__ import annotations

import shutil

import feedparser
import pytest
from site_client import SiteClient

from catalogue.digest import Filters, list_subscriptions, subscribe
from catalogue.schema import open_catalogue
from catalogue.site_app import make_datasette


@pytest.fixture
def own_catalogue(catalogue, tmp_path):
    """A copy of the session catalogue with one saved search (unsubscribing writes)."""
    path = tmp_path / "catalogue.db"
    shutil.copy(catalogue["path"], path)
    db = open_catalogue(path)
    subscription = subscribe(db, "reader@example.org", Filters(), now="2026-09-15T12:00:00Z")
    db.close()
    client = SiteClient(make_datasette(path))
    yield path, subscription, client
    client.close()


def remaining(path):
    db = open_catalogue(path)
    try:
        return [s.email for s in list_subscriptions(db)]
    finally:
        db.close()


def test_opening_the_unsubscribe_link_only_asks_for_confirmation(own_catalogue):
    path, subscription, client = own_catalogue
    response = client.get(f"/-/unsubscribe/{subscription.token}")
    assert response.status_code == 200 and "<form method='post'" in response.text
    assert remaining(path) == ["reader@example.org"]


def test_posting_to_the_unsubscribe_link_removes_the_subscription(own_catalogue):
    path, subscription, client = own_catalogue
    response = client.post(f"/-/unsubscribe/{subscription.token}")
    assert response.status_code == 200 and "reader@example.org" in response.text
    assert remaining(path) == []


def test_an_unknown_unsubscribe_token_removes_nothing(own_catalogue):
    path, _, client = own_catalogue
    response = client.post("/-/unsubscribe/" + "x" * 32)
    assert response.status_code == 404
    assert remaining(path) == ["reader@example.org"]


def test_other_posts_are_still_refused(own_catalogue):
    _, _, client = own_catalogue
    assert client.post("/catalogue/listings").status_code == 405


def test_a_saved_search_has_its_own_atom_feed_of_open_relevant_listings(own_catalogue):
    path, subscription, client = own_catalogue
    response = client.get(f"/-/subscription/{subscription.token}.atom")
    assert response.status_code == 200
    feed = feedparser.parse(response.text)
    assert feed.version == "atom10" and not feed.bozo
    db = open_catalogue(path)
    expected = db.execute(
        "select count(*) from listings where relevant = 1 and closed_at is null and coalesce(is_canonical, 1) = 1 "
        "and coalesce(verdict, '') != 'flagged'"
    ).fetchone()[0]
    db.close()
    assert len(feed.entries) == min(expected, 100) and expected > 0


def test_an_unknown_feed_token_is_not_found(own_catalogue):
    _, _, client = own_catalogue
    assert client.get("/-/subscription/" + "y" * 32 + ".atom").status_code == 404
