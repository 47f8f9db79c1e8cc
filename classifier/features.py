"""Features of a listing: from a raw mapping to the cleaned document and the sparse matrix.

This module owns two steps. `prepare` turns any listing mapping (a crawler item, a labelled
line, a line of `evaljobs judge` input, garbage) into a `Doc`: the five text fields as clean,
capped strings, plus which fields were missing. `build_features` makes the scikit-learn
`FeatureUnion` the models share: word and character n-gram TF-IDF of the title (weighted up:
titles matter most and many labelled listings are title-only marketplace posts), word
n-grams of the company, of the whole text (title, company, capped description, location,
pay) and a few metadata features (has a description, title only, pay unit). `domain_hints`
adds a small block of prior knowledge from TAXONOMY.md: which field a title names (so an
unseen profession still lands in its domain), what kind of job the title reads as, and which
kinds of work the description mentions. Every function used inside a union is module-level so
fitted pipelines pickle.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from classifier.phrases import PhraseSet
from classifier.text import MAX_CHARS, clean_text

FIELDS: tuple[str, ...] = ("title", "company", "description", "location", "pay_text")

# Caps keep one huge posting (a 1 MB description, a pasted binary) from costing more than a
# normal one. The red-flag rules read the raw listing themselves (a scam sign can sit at the
# bottom); what is prepared here feeds the models, the scam model and the language reader,
# which need only the head of a posting (RAW_CAP), and the models only its first
# DESCRIPTION_CAP characters, which say what the job is (the rest is benefits and legal text).
RAW_CAP = 8_000
# A description longer than RAW_CAP also keeps its last characters (as "description_end"): the
# scam model reads a text's two ends, and EMSCAD-style texts put title and place at the end.
END_CAP = 3_000
DESCRIPTION_CAP = 3_000
FIELD_CAP = 400

Doc = dict[str, str]


def _clean(value: Any, cap: int) -> str:
    # The shared cleaner strips tags and entities, drops control characters and garbage, and
    # bounds the cost of a huge input; non-string JSON values (numbers, lists) become text.
    if isinstance(value, (list, tuple)):
        value = " ".join(str(v) for v in value if v is not None)
    elif isinstance(value, Mapping):
        value = " ".join(str(v) for v in value.values() if v is not None)
    return clean_text(value, max_chars=cap)


# Typographic punctuation -> its ASCII form. Every one is a non-word character either way, so
# word tokens do not change; the point is that most postings then are pure ASCII, which every
# regex and tokeniser downstream reads several times faster (and fast paths need).
_TYPOGRAPHIC: tuple[tuple[str, str], ...] = (
    ("’", "'"),
    ("‘", "'"),
    ("“", '"'),
    ("”", '"'),
    ("—", "-"),
    ("–", "-"),
    ("‐", "-"),
    ("\u2011", "-"),
    ("…", "..."),
    ("•", "*"),
    ("·", "*"),
)


def ascii_punctuation(text: str) -> str:
    """`text` with typographic quotes, dashes, ellipses and bullets in their ASCII form."""
    if text.isascii():
        return text
    for char, plain in _TYPOGRAPHIC:
        if char in text:
            text = text.replace(char, plain)
    return text


def raw_field(listing: Mapping[str, Any], name: str) -> Any:
    """A field's raw value, with the other names crawlers and sources use for it."""
    value = listing.get(name)
    if value in (None, "") and name == "description":
        value = listing.get("description_text") or listing.get("description_md")
    if value in (None, "") and name == "pay_text":
        value = listing.get("pay") or listing.get("salary")
    return value


# The link fields: the red-flag rules read them (impersonation checks their hosts).
LINK_FIELDS: tuple[str, ...] = ("url", "apply_url")


def clean_fields(listing: Mapping[str, Any] | Any) -> dict[str, str]:
    """Every field the judge reads, cleaned once and whole (up to text.MAX_CHARS): the red-flag
    rules read these as they are (a scam sign can sit at the bottom of a posting); `doc_of`
    caps them for the models. Never raises."""
    if not isinstance(listing, Mapping):
        listing = {}
    fields = {name: _clean(raw_field(listing, name), MAX_CHARS) for name in FIELDS}
    for name in LINK_FIELDS:
        value = listing.get(name)
        fields[name] = clean_text(value) if isinstance(value, str) else ""
    return fields


def doc_of(fields: Mapping[str, str]) -> Doc:
    """The models' view of cleaned fields: capped (see RAW_CAP), typographic punctuation in
    ASCII form, and the end of a description longer than the cap as "description_end"."""
    doc: Doc = {}
    for name in FIELDS:
        doc[name] = ascii_punctuation(
            fields[name][: RAW_CAP if name == "description" else FIELD_CAP]
        )
    description = fields["description"]
    if len(description) > RAW_CAP:
        doc["description_end"] = description[-END_CAP:]
    return doc


def prepare(listing: Mapping[str, Any] | Any) -> Doc:
    """The listing's five text fields, cleaned (HTML stripped) and capped (see RAW_CAP).

    Accepts labelled lines ("description"), crawler items ("description" / "description_md"
    / "description_text") and anything else; never raises.
    """
    return doc_of(clean_fields(listing))


def missing_fields(doc: Doc) -> list[str]:
    return [name for name in FIELDS if not doc.get(name)]


def prepare_many(listings: Iterable[Mapping[str, Any]]) -> list[Doc]:
    return [prepare(listing) for listing in listings]


# --- selectors used inside the FeatureUnion (module-level so they pickle) ---------------------

_DASH_RE = re.compile(r"[\u2010-\u2015\u2212]")


def _norm_title(title: str) -> str:
    return _DASH_RE.sub("-", title.lower())


def select_title(docs: Sequence[Doc]) -> list[str]:
    return [_norm_title(d.get("title", "")) for d in docs]


def select_company(docs: Sequence[Doc]) -> list[str]:
    return [d.get("company", "").lower() for d in docs]


def select_body(docs: Sequence[Doc], cap: int = DESCRIPTION_CAP) -> list[str]:
    return [
        " ".join(
            (
                d.get("title", ""),
                d.get("company", ""),
                d.get("description", "")[:cap],
                d.get("location", ""),
                d.get("pay_text", ""),
            )
        )
        for d in docs
    ]


def select_body_short(docs: Sequence[Doc]) -> list[str]:
    return select_body(docs, cap=1_500)


# Matched against lower-cased text: a case-insensitive pattern costs ~2x in `re`.
_HOUR_RE = re.compile(r"/\s*h(?:ou)?r|per\s+hour|hourly|an\s+hour|/hr")
_YEAR_RE = re.compile(r"/\s*y(?:ea)?r|per\s+year|annual|/yr|per\s+annum")
_YEAR_K_RE = re.compile(r"\d\s*k\b")  # "120k": starts with a digit class, which `re` skips to
_MONEY_RE = re.compile(r"[$€£]|\b(?:usd|eur|gbp)\b")
_MONEY_SIGNS = ("$", "€", "£", "usd", "eur", "gbp")
_META_NAMES = (
    "has_description",
    "title_only",
    "short_description",
    "pay_hourly",
    "pay_yearly",
    "has_money",
    "no_company",
)


def meta_features(docs: Sequence[Doc]) -> sparse.csr_matrix:
    """A few facts about the listing's shape: marketplace posts are title-only and hourly."""
    rows = np.zeros((len(docs), len(_META_NAMES)), dtype=np.float32)
    for i, d in enumerate(docs):
        desc = d.get("description", "")
        pay = (d.get("pay_text", "") + " " + desc[:600]).lower()
        rows[i, 0] = bool(desc)
        rows[i, 1] = not desc
        rows[i, 2] = 0 < len(desc) < 400
        # Each pattern runs only when a substring it cannot match without is present (a
        # regex alternation tries every branch at every position; `in` is a C scan).
        rows[i, 3] = ("/" in pay or "hour" in pay) and bool(_HOUR_RE.search(pay))
        rows[i, 4] = bool(_YEAR_K_RE.search(pay)) or (
            ("/" in pay or "year" in pay or "annu" in pay) and bool(_YEAR_RE.search(pay))
        )
        rows[i, 5] = any(sign in pay for sign in _MONEY_SIGNS) and bool(_MONEY_RE.search(pay))
        rows[i, 6] = not d.get("company")
    return sparse.csr_matrix(rows)


def _branch(selector, vectorizer) -> Pipeline:
    return Pipeline([("select", FunctionTransformer(selector)), ("tfidf", vectorizer)])


# Feature variants compared by cross-validation in train.py, cheapest first (the body's word
# n-grams dominate the cost: unigrams of 1,500 characters ~0.08 ms a listing, with bigrams
# ~0.14 ms, with bigrams of 3,000 characters ~0.25 ms); a dearer variant is chosen only when it
# is clearly better. The choice is in the model card; the 3,000-character variant
# ("words+chars+meta") never was, so the selection no longer tries it.
FEATURE_VARIANTS: tuple[str, ...] = ("uni+chars+meta", "short+chars+meta")


def build_features(variant: str = "uni+chars+meta", title_weight: float = 2.0) -> FeatureUnion:
    """The shared FeatureUnion for one variant (see FEATURE_VARIANTS)."""
    body_selector = select_body_short if variant.startswith(("short", "uni")) else select_body
    # "uni": the body's words without bigrams (about half the cost); titles keep their bigrams.
    body_ngrams = (1, 1) if variant.startswith("uni") else (1, 2)
    parts: list[tuple[str, Any]] = [
        (
            "title_words",
            _branch(
                select_title,
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32),
            ),
        ),
        ("company", _branch(select_company, TfidfVectorizer(ngram_range=(1, 1), dtype=np.float32))),
        (
            "body_words",
            _branch(
                body_selector,
                TfidfVectorizer(
                    ngram_range=body_ngrams,
                    min_df=2,
                    max_features=60_000,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
        ),
    ]
    weights = {"title_words": title_weight, "company": 0.5, "body_words": 1.0}
    if "chars" in variant:
        parts.append(
            (
                "title_chars",
                _branch(
                    select_title,
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, dtype=np.float32
                    ),
                ),
            )
        )
        weights["title_chars"] = title_weight
    if "meta" in variant:
        parts.append(("meta", FunctionTransformer(meta_features)))
        weights["meta"] = 0.5
    return FeatureUnion(parts, transformer_weights=weights)


# --- field hints ---------------------------------------------------------------------------------
# Words that name a field, per domain of TAXONOMY.md (word prefixes, matched at a word start).
# The labelled titles cover a few hundred professions; real listings name thousands ("Pulmonologist",
# "SolidWorks Specialist", "General Counsel"). These hints carry the taxonomy's own mapping of
# fields to domains (engineering -> science, compliance -> law, HR -> business, ...) so an unseen
# profession still lands in its domain; the models learn how much to trust each hint.
DOMAIN_HINTS: dict[str, str] = {
    "coding": r"software|develop|programm|coder|coding|code\b|python|java\b|javascript|typescript|"
    r"c\+\+|c#|golang|rust\b|sql\b|backend|back-end|frontend|front-end|full[- ]?stack|devops|"
    r"cyber|security engineer|data engineer|data scien|machine learning|\bml\b|swe\b|\bgit\b|"
    r"web dev|ios\b|android|kotlin|swift\b|php\b|ruby|scala\b|react|node|api\b|cloud|aws\b|"
    r"linux|database|computer science|algorithm|sysadmin|system administrator|network|"
    r"shopify|html|css\b|compiler|kubernetes|terraform|qa engineer|it support|computer|"
    r"llm|operating system|code review|ai evaluation|evaluation engineer|eval engineer|ai engineer|prompt engineer",
    "math": r"math|statistic|algebra|calculus|geometr|probabilit|olympiad|imo\b|latex|actuar|"
    r"quantitative|number theory|combinator|topolog|trigonometr|arithmetic|proof|theorem|"
    r"differential equation|linear algebra|discrete math",
    "science": r"physic(?!ian)|chemi|biolog|biochem|scien|geolog|geoscien|astronom|astrophys|ecolog|"
    r"environment|engineering|(?:mechanical|electrical|civil|chemical|structural|"
    r"aerospace|industrial|petroleum|biomedical|nuclear|process|hardware) engineer|"
    r"mechanical|electrical|civil|aerospace|materials|"
    r"robotic|cad\b|solidworks|freecad|autocad|\bgis\b|qgis|survey|architect|hvac|stem\b|"
    r"neuroscien|genetic|genomic|molecular|proteomic|phylogen|agricultur|climate|energy|"
    r"nuclear|optic|lab\b|laborator|biotech|zoolog|botan|oceanograph|meteorolog|quantum|"
    r"relativity|thermodynamic|fluid dynamic|mechanics|electromagnet|drug discovery|"
    r"meche\b|plant scien|horticult|forestry|entomolog|microbiolog|virolog|ecolog|semiconductor",
    "medicine": r"medic|clinic|physician|doctor|\bmd\b|nurs|pharma|health|hospital|surg|radiolog|"
    r"cardio|oncolog|neurolog|pediatr|paediatr|psychiatr|dermatolog|dentist|dental|"
    r"therap|patient|ob/gyn|obstetr|gynec|anesthe|anaesthe|pulmonolog|intensiv|hospitalist|"
    r"epidemiolog|veterinar|optometr|nutrition|dietitian|patholog|immunolog|biomedical|"
    r"mental health|paramedic|midwi|audiolog|clinician|icu\b|emergency medicine|"
    r"\brn\b|physiotherap|urolog|endocrin|gastro|ophthalm|orthop|psychologist|counsel+or|"
    r"immuno|home care|caregiv|practitioner|diagnost|drug|vaccin|pharmacolog|toxicolog|rehab",
    "law": r"\blaw\b|legal|lawyer|attorney|counsel\b|paralegal|litigat|complian|regulat|judge|"
    r"jurist|court|patent|intellectual property|e-discovery|ediscovery|contract|\brisk|"
    r"policy|policies|juris|solicitor|barrister|notary|privacy|gdpr|surveillance|tax law",
    "finance": r"financ|accounting|accountant|\bcpa\b|audit|\btax|bank|invest|econom|equity|trading|"
    r"trader|quant\b|fp&a|wealth|equit|insurance|actuar|credit|loan|portfolio|hedge|\bcfa\b|"
    r"securities|treasury|bookkeep|payroll|private equity|venture capital|fintech|"
    r"crypto|asset management|valuation|billing",
    "education": r"teacher|teaching|educat|instructor|professor|curricul|pedagog|lecturer|"
    r"test prep|\bsat\b|gmat|k-12|\bk12\b|school|classroom|homework|tutoring|academic advis",
    "writing": r"writer|writing|editor|editing|copywrit|journalis|author|screenwrit|scriptwrit|"
    r"playwright|poet|literature|literary|novel|fiction|proofread|storytell|essay|"
    r"grammar|prose|creative writ|content creat|humou?r|comedy|comedian|joke|satire",
    "language": r"bilingual|multilingual|translat|locali[sz]|linguist|dialect|accent|native speaker|"
    r"interpret|fluent|fluency|language expert|language specialist|voice actor",
    "marketing": r"marketing|marketer|\bseo\b|advertis|brand|social media|growth|\bgtm\b|"
    r"go[- ]to[- ]market|public relations|\bpr\b|communications|campaign|"
    r"e-?commerce|media buy|influencer",
    "business": r"business|management|manager|operations|\bhr\b|human resources|recruit|consult|"
    r"strateg|supply chain|logistic|real estate|property|sales|customer|procurement|"
    r"project manag|product manag|entrepreneur|administrat|executive|\bmba\b|retail|"
    r"hospitality|travel|construction|automotive|industrial|excel\b|office|"
    r"manufactur|dispatch|insurance|public admin|workflow|air traffic|zendesk|"
    r"customer support|help ?desk|scheduler|scheduling",
    "general": r"political scien|social scien|humanit|histor|philosoph|\bart\b|artist|design|music|film|sociolog|anthropolog|"
    r"generalist|rubric|religio|theolog|archaeolog|fashion|culinary|chef|sport|gaming|"
    r"video game|photograph|animat",
}
HINT_DOMAINS: tuple[str, ...] = tuple(DOMAIN_HINTS)
# Matched against the lower-cased title (the patterns are lower-case; IGNORECASE costs ~2x).
# One leading \b for all the groups, not one per group: the same matches (a group can only
# start where \b holds), a quarter faster since the word boundary is tested once a position.
_HINT_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<{name}>{pattern})" for name, pattern in DOMAIN_HINTS.items()) + ")"
)
_HINT_INDEX = {name: i for i, name in enumerate(HINT_DOMAINS)}


# What a title says about the kind of job, from TAXONOMY.md's hard cases: AI-training work
# ("AI Tutor", "Rater", "Annotator", "... Expert"), versus paid surveys and research studies,
# plain staff hires (engineer, developer, manager, recruiter, sales, designer) and model building
# (ML engineer, researcher). Marketplace titles are short; these cues let the models weigh them.
TITLE_CUES: dict[str, str] = {
    "ai_work": r"ai (?:tutor|trainer|training|rater|evaluat|annotat|red|data)|rlhf|\brater|annotat|"
    r"label+(?:er|ing)|evaluator|red[- ]team|prompt|rubric|human data|fact[- ]check|"
    r"transcri|data contributor|voice (?:talent|actor)|recording",
    "expert": r"expert|specialist|generalist|professional|consultant|tutor|reviewer|advisor|\bphd\b",
    "survey_study": r"survey|study|studies|participant|interview|trial|focus group|panel",
    "staff": r"engineer|developer|manager|recruit|sales|designer|coordinator|success|community|"
    r"marketing manager|account executive|administrator|analyst|director|head of|\blead\b",
    "model_building": r"machine learning engineer|ml engineer|\bml\b|research(?:er| scientist| engineer)|"
    r"data scientist|computer vision|applied scientist|ai engineer",
    "translation": r"translat|interpret|locali[sz]|transcreat|subtitl",
}
# Phrases of a description that say what the work is (plain substrings of the lower-cased text:
# `in` runs in C, ~40 checks cost far less than one regular expression over a long posting).
# A full posting from a general job board names its AI-training part somewhere in the text,
# often after the company blurb; the word n-grams only see the head.
BODY_CUES: dict[str, tuple[str, ...]] = {
    "ai_training": (
        "train ai",
        "training ai",
        "ai training",
        "ai trainer",
        "ai tutor",
        "rlhf",
        "human feedback",
        "large language model",
        "llm",
        "generative ai",
        "chatbot",
        "ai model",
        "ai-generated",
        "ai generated",
        "model responses",
        "model outputs",
        "improve ai",
        "ai systems",
        "train models",
        "training data",
    ),
    "judging": (
        "evaluate",
        "evaluating",
        "rate ",
        "rating",
        "rank ",
        "ranking",
        "rubric",
        "review responses",
        "assess the quality",
        "score ",
    ),
    "labelling": (
        "annotat",
        "labeling",
        "labelling",
        "transcri",
        "data collection",
        "tagging",
        "recordings",
        "bounding box",
        "record yourself",
        "record your voice",
    ),
    # The kinds of work of TAXONOMY.md's role types, as descriptions name them.
    "comparing": (
        "compare",
        "comparing",
        "comparison",
        "preference",
        "side-by-side",
        "which response",
        "better response",
        "pairwise",
    ),
    "fact_checking": (
        "fact-check",
        "fact check",
        "verify claims",
        "verify facts",
        "accuracy of",
        "cite sources",
        "citations",
        "factual",
    ),
    "prompting": (
        "write prompts",
        "writing prompts",
        "create prompts",
        "craft prompts",
        "prompt writing",
        "design prompts",
        "challenging prompts",
        "questions that",
    ),
    "rewriting": (
        "rewrite",
        "rewriting",
        "ideal response",
        "ideal answer",
        "golden",
        "demonstration",
        "solve problems",
        "write solutions",
        "step-by-step solutions",
        "model answers",
    ),
    "safety": (
        "red team",
        "red-team",
        "jailbreak",
        "adversarial",
        "harmful",
        "unsafe",
        "safety",
        "toxic",
        "bias",
    ),
    "model_building": (
        "pytorch",
        "tensorflow",
        "mlops",
        "deploy models",
        "model training",
        "distributed training",
        "inference",
        "kubernetes",
        "production ml",
        "ml pipeline",
        "build models",
        "architect",
        "algorithm",
        "pretrain",
        "publish",
        "papers",
        "novel ",
        "state-of-the-art",
    ),
    "staff": (
        "quota",
        "sales",
        "customer success",
        "account executive",
        "recruiting",
        "pipeline generation",
        "stakeholders",
    ),
}
HINT_NAMES: tuple[str, ...] = (
    *HINT_DOMAINS,
    "names_language",
    *(f"cue_{k}" for k in TITLE_CUES),
    *(f"body_{k}" for k in BODY_CUES),
)
BODY_CUE_CHARS = 5_000  # the median posting is ~4,700 characters; the cost is linear in this
_CUE_RES = [re.compile(r"\b(?:" + pattern + ")") for pattern in TITLE_CUES.values()]


def _phrase_set(groups: Mapping[str, Sequence[str]]) -> PhraseSet[tuple[Any, ...]]:
    """Every group's phrases in one PhraseSet: one pass over a text finds them all (the same
    plain substring matches as `phrase in text`). A phrase's value is the phrase and the
    indexes of its groups (the phrase rides along so that repeated matches count once)."""
    owners: dict[str, list[int]] = {}
    for k, phrases in enumerate(groups.values()):
        for phrase in phrases:
            owners.setdefault(phrase, []).append(k)
    return PhraseSet((phrase, (phrase, *ks)) for phrase, ks in owners.items())


_BODY_CUE_PHRASES = _phrase_set(BODY_CUES)


def domain_hints(docs: Sequence[Doc]) -> sparse.csr_matrix:
    """Per listing, from its title: which domains' field words it names (0/1), whether it names
    a language of the work, and which kind-of-job cues it carries (TITLE_CUES).

    Titles only: matching these patterns costs ~0.05 ms a title but ~2 ms on a description
    head, and cross-validation scored title hints alone higher (descriptions already reach
    the models through their word n-grams).
    """
    from classifier.languages import languages_in_title

    n_domains = len(HINT_DOMAINS)
    body_start = n_domains + 1 + len(TITLE_CUES)
    rows = np.zeros((len(docs), len(HINT_NAMES)), dtype=np.float32)
    for i, d in enumerate(docs):
        title = d.get("title", "")
        low_title = title.lower()
        for match in _HINT_RE.finditer(low_title):
            rows[i, _HINT_INDEX[match.lastgroup]] = 1.0
        if languages_in_title(title):
            rows[i, n_domains] = 1.0
        for k, cue in enumerate(_CUE_RES):
            if cue.search(low_title):
                rows[i, n_domains + 1 + k] = 1.0
        description = d.get("description", "")
        if description:
            low = description[:BODY_CUE_CHARS].lower()
            # How many of each group's phrases occur (0..n), squashed: presence matters most.
            found = _BODY_CUE_PHRASES.present(low)
            hits = [0] * len(BODY_CUES)
            for phrase_and_groups in found:
                for k in phrase_and_groups[1:]:
                    hits[k] += 1
            for k, count in enumerate(hits):
                if count:
                    rows[i, body_start + k] = math.log1p(count) / 2.0
    return sparse.csr_matrix(rows)


def with_hints(features: Any, hint_weight: float = 1.0) -> FeatureUnion:
    """The shared features plus the title hints (see `domain_hints`), weighted."""
    return FeatureUnion(
        [("shared", features), ("hints", FunctionTransformer(domain_hints))],
        transformer_weights={"hints": hint_weight},
    )
