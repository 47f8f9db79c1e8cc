"""The two pages a digest links to: unsubscribe, and a saved search's own Atom feed.

`/-/unsubscribe/<token>` shows a confirmation on GET (mail scanners follow links; a GET
must not unsubscribe anyone) and removes the subscription on POST — also the one-click
POST of the `List-Unsubscribe-Post` header that digests carry. It is the site's only
write, it is keyed by the subscription's unguessable token (so no CSRF token is needed)
and it goes through `catalogue.digest.unsubscribe_by_token` on its own connection.
`/-/subscription/<token>.atom` runs `catalogue.digest.subscription_feed_sql` for that
subscription: the same listings the digest would send, as a feed reader sees them.
"""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

import sqlite_utils
from datasette import hookimpl
from datasette.utils.asgi import Response

DATABASE = "catalogue"
_TOKEN = r"(?P<token>[A-Za-z0-9_\-]{16,100})"
UNSUBSCRIBE_PATH = re.compile(r"^/-/unsubscribe/[A-Za-z0-9_\-]{16,100}$")


def _db_path(datasette: Any) -> str:
    return datasette.get_database(DATABASE).path


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response.html(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{html.escape(title)} — evaljobs</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2933}"
        "button{font:inherit;padding:.5rem 1rem;border-radius:.4rem;border:0;background:#3b5bdb;color:#fff;cursor:pointer}"
        "a{color:#3b5bdb}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}<p><a href='/'>evaljobs</a></p></body></html>",
        status=status,
    )


def _unsubscribe(path: str, token: str) -> str | None:
    from catalogue.digest import unsubscribe_by_token

    db = sqlite_utils.Database(path)
    try:
        db.conn.execute("PRAGMA busy_timeout = 30000")
        return unsubscribe_by_token(db, token)
    finally:
        db.close()


def _subscription(path: str, token: str) -> Any:
    from catalogue.digest import subscription_by_token

    db = sqlite_utils.Database(path)
    try:
        return subscription_by_token(db, token)
    finally:
        db.close()


async def unsubscribe(datasette: Any, request: Any) -> Response:
    token = request.url_vars["token"]
    if request.method == "POST":
        email = await asyncio.to_thread(_unsubscribe, _db_path(datasette), token)
        if email is None:
            return _page(
                "Nothing to remove",
                "<p>This unsubscribe link is not (or no longer) known: there is no saved search to remove.</p>",
                404,
            )
        return _page(
            "Unsubscribed",
            f"<p>{html.escape(email)} will get no more digests for this saved search.</p>",
        )
    subscription = await asyncio.to_thread(_subscription, _db_path(datasette), token)
    if subscription is None:
        return _page(
            "Nothing to remove",
            "<p>This unsubscribe link is not (or no longer) known: there is no saved search to remove.</p>",
            404,
        )
    return _page(
        "Unsubscribe?",
        f"<p>Stop the daily digest of this saved search for {html.escape(subscription.email)}?</p>"
        f"<form method='post' action='{html.escape(request.path)}'><button type='submit'>Unsubscribe</button></form>",
    )


async def subscription_feed(datasette: Any, request: Any) -> Response:
    from feedgen.feed import FeedGenerator

    from catalogue.digest import subscription_feed_sql

    token = request.url_vars["token"]
    subscription = await asyncio.to_thread(_subscription, _db_path(datasette), token)
    if subscription is None:
        return Response.text("No such saved search.\n", status=404)
    sql, params = subscription_feed_sql(subscription)
    rows = (await datasette.get_database(DATABASE).execute(sql, params)).rows
    feed = FeedGenerator()
    feed.id(f"evaljobs:subscription:{token[:8]}")
    feed.title("evaljobs — your saved search")
    feed.link(href=datasette.absolute_url(request, request.path), rel="self")
    feed.updated(max((row["atom_updated"] for row in rows), default="2026-01-01T00:00:00Z"))
    for row in reversed(rows):
        entry = feed.add_entry()
        entry.id(f"evaljobs:{row['atom_id']}")
        entry.title(row["atom_title"] or "")
        entry.updated(row["atom_updated"])
        if row["atom_link"] and str(row["atom_link"]).startswith(("http://", "https://")):
            entry.link(href=row["atom_link"])
        entry.content((row["atom_content"] or "")[:4000], type="text")
        if row["atom_author_name"]:
            entry.author({"name": row["atom_author_name"]})
    return Response(feed.atom_str(pretty=True), content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (rf"^/-/unsubscribe/{_TOKEN}$", unsubscribe),
        (rf"^/-/subscription/{_TOKEN}\.atom$", subscription_feed),
    ]


@hookimpl
def skip_csrf(datasette: Any, scope: dict[str, Any]) -> bool:
    # The token in the path is the secret; one-click unsubscribe comes from mail clients.
    return bool(UNSUBSCRIBE_PATH.match(scope.get("path", "")))
