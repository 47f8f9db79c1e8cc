"""The Judgement: the classifier's answer about one listing, and its vocabulary.

This module owns the shape every room relies on (the catalogue stores it, the site shows
it, digests filter on it) and the slugs of TAXONOMY.md. It imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ROLE_TYPES: tuple[str, ...] = (
    "response-rating",
    "ab-comparison",
    "prompt-evaluation",
    "fact-checking",
    "annotation",
    "rewriting",
    "safety-review",
    "domain-expert-review",
)
DOMAINS: tuple[str, ...] = (
    "general",
    "coding",
    "math",
    "science",
    "medicine",
    "law",
    "finance",
    "education",
    "writing",
    "language",
    "marketing",
    "business",
)
RED_FLAGS: tuple[str, ...] = (
    "pay-to-apply",
    "deposit-to-unlock",
    "off-platform-contact",
    "sensitive-info-early",
    "too-good-to-be-true",
    "unnamed-employer",
    "impersonation",
    "money-mule",
    "urgency",
)
VERDICTS: tuple[str, ...] = ("clean", "review", "flagged")


@dataclass(frozen=True)
class RedFlag:
    """One sign of a scam and the sentence of the listing that raised it."""

    flag: str  # one of RED_FLAGS
    evidence: str  # the sentence (or link / address) quoted from the listing
    origin: str = "rule"  # "rule" or "model"


@dataclass
class Judgement:
    """What the judge says of one listing (the fields of TAXONOMY.md)."""

    relevant: bool
    relevance_score: float
    role_types: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    red_flags: list[RedFlag] = field(default_factory=list)
    verdict: str = "clean"
    scam_score: float = 0.0
    model_version: str = ""
    missing_fields: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)
