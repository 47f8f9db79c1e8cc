"""The JobListing item: what every spider yields, one per posting.

Spiders fill the *source* fields (what the posting says, as close to the source as
possible); NormalizePipeline fills the *normalized* fields from them with the pure
functions of `crawler.normalize`; the store step adds the judgement (in batches). The raw archive
(`data/raw/<source>/<date>.jsonl`) keeps the item as the spider yielded it, so
`evaljobs rebuild` can replay it through the same pipelines.
"""

from __future__ import annotations

import scrapy


class JobListing(scrapy.Item):
    # --- identity and provenance (spider) ---
    source = scrapy.Field()  # source slug, e.g. "greenhouse"; same as the spider name
    source_id = scrapy.Field()  # the source's own id of the posting, as text
    url = scrapy.Field()  # the posting's page on the source (tracking parameters stripped later)
    apply_url = scrapy.Field()  # where to apply, when the source gives a separate link
    fetched_at = scrapy.Field()  # UTC ISO-8601 time the response was received
    board = scrapy.Field()  # ATS board token / search term / feed the posting came from
    attribution = scrapy.Field()  # text the source's terms ask us to show beside the listing

    # --- what the posting says (spider) ---
    title = scrapy.Field()  # job title as posted
    company = scrapy.Field()  # employer name as posted (the platform, for marketplaces)
    client = scrapy.Field()  # the end client named by a marketplace posting, if any
    description_html = scrapy.Field()  # description as HTML (entity-escaped HTML is fine)
    # Plain text: from the spider when the source gives text; normalized to clean text.
    description = scrapy.Field()
    location_raw = scrapy.Field()  # location text as posted, e.g. "Remote (US only)"
    countries_raw = scrapy.Field()  # list of country names/codes the source gives explicitly
    remote_raw = scrapy.Field()  # the source's own remote flag/label, if any (bool or text)
    pay_text = scrapy.Field()  # pay as stated, e.g. "$40-$60/hr"
    pay_min_raw = scrapy.Field()  # structured pay minimum from the source, if any
    pay_max_raw = scrapy.Field()  # structured pay maximum from the source, if any
    pay_currency_raw = scrapy.Field()  # structured pay currency from the source, if any
    pay_unit_raw = scrapy.Field()  # structured pay period from the source ("HOUR", "yearly", ...)
    employment_type = scrapy.Field()  # full-time / part-time / contract / ... as posted
    posted_raw = scrapy.Field()  # posting date as the source gives it (text, epoch or ISO)
    valid_through_raw = scrapy.Field()  # expiry date as the source gives it
    tags = scrapy.Field()  # list of the source's own tags / categories / departments
    evergreen = scrapy.Field()  # True for standing talent pools / referral pools, not openings
    assessment = scrapy.Field()  # "paid" / "unpaid" assessment when the listing says so

    # --- normalized (NormalizePipeline) ---
    id = scrapy.Field()  # "<source>:<source_id>"
    remote_scope = scrapy.Field()  # worldwide | countries | regions | hybrid | onsite | unknown
    countries = scrapy.Field()  # list of ISO 3166-1 alpha-2 codes eligible, [] when unknown
    regions = scrapy.Field()  # list of region / time-zone labels ("EMEA", "UTC-5..UTC+1")
    pay_min = scrapy.Field()  # float or None
    pay_max = scrapy.Field()  # float or None
    pay_currency = scrapy.Field()  # ISO 4217 or None
    pay_unit = scrapy.Field()  # hour | day | week | month | year | task | None (never guessed)
    pay_hourly_min = scrapy.Field()  # pay_min per hour where the unit allows it, else None
    pay_hourly_max = scrapy.Field()  # pay_max per hour where the unit allows it, else None
    posted_at = scrapy.Field()  # UTC ISO-8601 or None
    valid_through = scrapy.Field()  # UTC ISO-8601 or None
    employer_key = scrapy.Field()  # registry key of the employer when recognised, else None

    # --- judgement (StorePipeline, BatchJudge) ---
    judgement = scrapy.Field()  # dict from classifier.Judgement.to_dict()
