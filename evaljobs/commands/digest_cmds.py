"""Commands for saved searches and their daily digests: subscribe, subscriptions, unsubscribe, digest.

They parse and check what a person types, then call `catalogue.digest` (selection,
rendering, the outbox) and `evaljobs.mailer` (SMTP or .eml files); a digest run holds
the catalogue's digest lock so two runs cannot both send.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import click

from evaljobs.paths import default_db_path

DEFAULT_BASE_URL = "http://localhost:8001"

_db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Catalogue path.",
)


def base_url_default() -> str:
    return os.environ.get("EVALJOBS_BASE_URL", DEFAULT_BASE_URL)


def _open(db_path: Path | None):  # -> sqlite_utils.Database
    from catalogue.schema import open_catalogue

    return open_catalogue(db_path or default_db_path())


def _country_codes(values: tuple[str, ...]) -> tuple[str, ...]:
    from crawler.normalize import country_code

    codes = []
    for value in values:
        code = country_code(value)
        if code is None:
            raise click.BadParameter(
                f"unknown country {value!r} (a name or ISO code, e.g. DE)", param_hint="--country"
            )
        codes.append(code)
    return tuple(codes)


@click.command()
@click.argument("email")
@click.option(
    "--role-type",
    "role_types",
    multiple=True,
    help="Role type slug (repeatable), e.g. response-rating.",
)
@click.option("--domain", "domains", multiple=True, help="Domain slug (repeatable), e.g. law.")
@click.option(
    "--language", "languages", multiple=True, help="ISO 639-1 language code (repeatable), e.g. de."
)
@click.option(
    "--min-hourly-pay",
    type=float,
    default=None,
    help="Only listings paying at least this per hour.",
)
@click.option(
    "--country",
    "countries",
    multiple=True,
    help="Country you work from (repeatable): name or ISO code.",
)
@click.option("--employer", "employers", multiple=True, help="Only these employers (repeatable).")
@click.option(
    "--exclude-employer",
    "exclude_employers",
    multiple=True,
    help="Never these employers (repeatable).",
)
@click.option("--query", default=None, help="Full-text search terms; all must appear.")
@click.option("--include-flagged", is_flag=True, help="Also send listings flagged as likely scams.")
@_db_option
@click.option("--base-url", default=None, help="Site URL for the feed and unsubscribe links shown.")
def subscribe(
    email: str,
    role_types: tuple[str, ...],
    domains: tuple[str, ...],
    languages: tuple[str, ...],
    min_hourly_pay: float | None,
    countries: tuple[str, ...],
    employers: tuple[str, ...],
    exclude_employers: tuple[str, ...],
    query: str | None,
    include_flagged: bool,
    db_path: Path | None,
    base_url: str | None,
) -> None:
    """Save a search for EMAIL; its new matches arrive in the daily digest."""
    from catalogue import digest as d

    filters = d.Filters(
        role_types=role_types,
        domains=domains,
        languages=languages,
        min_hourly_pay=min_hourly_pay,
        countries=_country_codes(countries),
        employers=employers,
        exclude_employers=exclude_employers,
        query=query,
        include_flagged=include_flagged,
    )
    try:
        d.validate_email(email)
        d.validate_filters(filters)
    except d.SubscriptionError as error:
        raise click.UsageError(str(error)) from None
    db = _open(db_path)
    subscription = d.subscribe(db, email, filters)
    site = (base_url or base_url_default()).rstrip("/")
    click.echo(
        f"subscribed {subscription.email} (#{subscription.id}): {subscription.filters.describe()}"
    )
    click.echo(f"feed:        {site}{d.subscription_feed_path(subscription)}")
    click.echo(f"unsubscribe: {site}{d.unsubscribe_path(subscription.token)}")


@click.command()
@click.option("--email", default=None, help="Only this address's subscriptions.")
@click.option("--show-tokens", is_flag=True, help="Show each subscription's token.")
@_db_option
def subscriptions(email: str | None, show_tokens: bool, db_path: Path | None) -> None:
    """List saved searches."""
    from catalogue import digest as d

    db = _open(db_path)
    found = d.list_subscriptions(db, email)
    for s in found:
        token = f"  token={s.token}" if show_tokens else ""
        last = s.last_digest_at or "never"
        click.echo(f"#{s.id} {s.email}  last digest: {last}{token}\n    {s.filters.describe()}")
    click.echo(f"{len(found)} subscription(s)", err=True)


@click.command()
@click.argument("token", required=False)
@click.option("--email", default=None, help="Remove every subscription of this address.")
@_db_option
def unsubscribe(token: str | None, email: str | None, db_path: Path | None) -> None:
    """Remove a saved search by its TOKEN, or all of an address's with --email."""
    from catalogue import digest as d

    if bool(token) == bool(email):
        raise click.UsageError("give either a TOKEN or --email EMAIL")
    db = _open(db_path)
    if token:
        removed = d.unsubscribe_by_token(db, token)
        if removed is None:
            raise click.ClickException("no subscription has that token")
        click.echo(f"unsubscribed {removed}")
    else:
        count = d.unsubscribe_email(db, email or "")
        if not count:
            raise click.ClickException(f"no subscription for {email}")
        click.echo(f"removed {count} subscription(s) of {email}")


def _valid_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-09-15") from None


@click.command()
@click.option(
    "--date",
    "digest_date",
    callback=_valid_date,
    default=None,
    help="Digest of this UTC day (YYYY-MM-DD); default today.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Select and render, send and record nothing (with --out: write .eml previews).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write .eml files here when no SMTP host is set.",
)
@_db_option
@click.option(
    "--base-url",
    default=None,
    help="Site URL used in links (default $EVALJOBS_BASE_URL or http://localhost:8001).",
)
def digest(
    digest_date: str | None,
    dry_run: bool,
    out: Path | None,
    db_path: Path | None,
    base_url: str | None,
) -> None:
    """Send each saved search its new, changed and closed listings (each listing once)."""
    from evaljobs.mailer import DigestBusy, MailerConfigError, digest_now

    try:
        report = digest_now(
            db_path or default_db_path(),
            digest_date=digest_date,
            dry_run=dry_run,
            out=out,
            base_url=base_url or base_url_default(),
        )
    except MailerConfigError as error:
        raise click.UsageError(str(error)) from None
    except DigestBusy as error:
        raise click.ClickException(str(error)) from None
    for line in report.lines():
        click.echo(line)
    if report.stopped or report.temporary:
        raise SystemExit(75)  # EX_TEMPFAIL: some mail waits for the next run


COMMANDS = [subscribe, subscriptions, unsubscribe, digest]
