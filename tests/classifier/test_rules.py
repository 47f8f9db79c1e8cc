"""Red-flag rules, text cleanup and the verdict policy: one behaviour per test.

Real sentences come from tests/classifier/fixtures/scam_sentences.json (see its PROVENANCE.md);
task-scam messages are written in the style of real ones, as that file explains.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import pytest

from classifier.judgement import RED_FLAGS, RedFlag
from classifier.rules import RULES, build_context, decide_verdict, find_red_flags
from classifier.text import clean_text, split_sentences

FIXTURES = json.loads((Path(__file__).parent / "fixtures/scam_sentences.json").read_text("utf-8"))

EMPLOYERS = [
    {
        "key": "mercor",
        "name": "Mercor",
        "aliases": [],
        "domains": ["mercor.com", "work.mercor.com"],
    },
    {"key": "outlier", "name": "Outlier", "aliases": ["Outlier AI"], "domains": ["outlier.ai"]},
    {
        "key": "dataannotation",
        "name": "DataAnnotation",
        "aliases": ["Data Annotation"],
        "domains": ["dataannotation.tech"],
    },
]


def flags_of(description: str, **fields: object) -> dict[str, str]:
    listing = {"description": description, **fields}
    return {f.flag: f.evidence for f in find_red_flags(listing, EMPLOYERS)}


# ---------------------------------------------------------------- text.py


def test_split_sentences_keeps_abbreviations_and_splits_bullets() -> None:
    text = "About us\n• We pay $40/hr, e.g. for coding tasks. Dr. Smith leads the U.S. team!\n- 3.5 years needed."
    assert split_sentences(text) == [
        "About us",
        "We pay $40/hr, e.g. for coding tasks.",
        "Dr. Smith leads the U.S. team!",
        "3.5 years needed.",
    ]


def test_split_sentences_breaks_glued_html_sentences() -> None:
    assert split_sentences("We employ 28,000 people in 30 countries.Go to our site") == [
        "We employ 28,000 people in 30 countries.",
        "Go to our site",
    ]


def test_clean_text_unescapes_html_and_collapses_space() -> None:
    assert (
        clean_text("&lt;p&gt;Pay:&nbsp;$40/hr&lt;/p&gt;\r\n\r\n  Remote\x00")
        == "Pay: $40/hr\nRemote"
    )


def test_clean_text_accepts_none_bytes_and_objects() -> None:
    assert clean_text(None) == ""
    assert clean_text(b"caf\xc3\xa9") == "café"
    assert clean_text(42) == "42"


def test_one_megabyte_text_is_split_and_judged_without_crashing() -> None:
    # Speed is measured by bench/bench_rules.py; tests never assert on wall-clock time.
    big = "Earn money now. " * 70_000  # ~1.1 MB
    sentences = split_sentences(big)
    flags = find_red_flags({"description": big})
    assert sentences and all(len(s) <= 400 for s in sentences)
    assert isinstance(flags, list)


def test_binary_garbage_never_crashes() -> None:
    garbage = os.urandom(200_000)
    assert isinstance(split_sentences(garbage), list)
    assert isinstance(find_red_flags({"description": garbage, "title": garbage[:50]}), list)
    assert isinstance(find_red_flags({"description": garbage.decode("latin-1")}), list)


@pytest.mark.parametrize(
    "listing",
    [
        {},
        {"description": None},
        {"title": "", "company": None, "url": None, "apply_url": ""},
        {"description": "   \n\n  "},
        {"company": 12, "description": ["not", "text"]},
    ],
)
def test_empty_or_missing_fields_give_no_flags(listing: dict) -> None:
    assert find_red_flags(listing) == []


def test_one_rule_per_taxonomy_flag() -> None:
    assert tuple(RULES) == RED_FLAGS


# ---------------------------------------------------------------- each flag raised, with its sentence

SCAM_SENTENCES = [
    (
        "pay-to-apply",
        "A refundable registration fee of $45 is required before your training starts.",
    ),
    ("pay-to-apply", "New hires must purchase the starter software from our approved vendor."),
    ("deposit-to-unlock", "Deposit 100 USDT to unlock the next set of tasks."),
    (
        "deposit-to-unlock",
        "Your account shows a negative balance, recharge it to withdraw your commission.",
    ),
    (
        "off-platform-contact",
        "Add our hiring manager on WhatsApp +1 (555) 201-7788 for a quick chat interview.",
    ),
    ("off-platform-contact", "The interview will be conducted via Google Hangouts."),
    ("sensitive-info-early", "Send a copy of your ID and your SSN to apply."),
    (
        "sensitive-info-early",
        "Include your bank account details and date of birth with your resume.",
    ),
    ("too-good-to-be-true", "Earn $300 per day from home, no experience needed!"),
    ("too-good-to-be-true", "Guaranteed income of $1,500 every week for simple rating tasks."),
    ("unnamed-employer", "Our client, a leading tech company, is hiring remote AI raters."),
    (
        "money-mule",
        "Receive parcels at your home address and reship them to our international customers.",
    ),
    (
        "money-mule",
        "Accept customer payments into your personal bank account and transfer the rest via Western Union.",
    ),
    ("urgency", "Limited spots available - reply within 24 hours to secure your place."),
]


@pytest.mark.parametrize(("flag", "sentence"), SCAM_SENTENCES)
def test_scam_sentence_raises_its_flag_with_the_sentence_as_evidence(
    flag: str, sentence: str
) -> None:
    found = flags_of(f"Remote AI rater wanted.\n{sentence}\nThank you.")
    assert found.get(flag) == sentence


def test_telegram_starter_kit_message_raises_off_platform_and_pay_to_apply() -> None:
    sentence = "contact our recruiter on Telegram to pay the $60 starter-kit fee"
    found = flags_of(sentence)
    assert found["off-platform-contact"] == sentence
    assert found["pay-to-apply"] == sentence


@pytest.mark.parametrize(
    "case", [c for c in FIXTURES["emscad_fraud"] if c["flag"]], ids=lambda c: c["job_id"]
)
def test_real_emscad_fraud_sentence_raises_its_flag(case: dict) -> None:
    assert flags_of(case["text"]).get(case["flag"]) == case["text"]


def test_telegram_link_is_off_platform_contact() -> None:
    assert flags_of("Join via t.me/outlier_tasks_hr today")["off-platform-contact"] == (
        "Join via t.me/outlier_tasks_hr today"
    )


def test_an_urgent_need_for_security_is_not_urgency() -> None:
    sentence = (
        "The rise in AI adoption, exemplified by platforms like ChatGPT, highlights the"
        " urgent need for security."
    )
    assert "urgency" not in flags_of(sentence)
    # An urgent need for people is still a hiring rush.
    scam = "We have an urgent need for remote data entry workers."
    assert flags_of(scam)["urgency"] == scam
    assert flags_of("Urgently needed: chat moderators.")["urgency"] == (
        "Urgently needed: chat moderators."
    )


def test_whatsapp_named_as_a_product_is_not_off_platform_contact() -> None:
    sentence = (
        "Channels team builds the core message passing services to power Twilio\u2019s"
        " Whatsapp, Facebook Messenger, and other messaging providers."
    )
    assert "off-platform-contact" not in flags_of(sentence)
    found = flags_of("Urgent hiring! Message our recruiter on WhatsApp")
    assert found["off-platform-contact"] == "Message our recruiter on WhatsApp"
    assert found["urgency"] == "Urgent hiring!"
    assert "off-platform-contact" in flags_of("Send a message via Telegram to get started.")


def test_a_list_under_we_do_not_ask_candidates_to_is_negated() -> None:
    sentence = (
        "We do not conduct interviews via text or instant message and we do not ask candidates"
        " to download software, to purchase equipment through us, or to provide sensitive"
        " personally identifiable information, such as bank accounts or social security numbers."
    )
    assert "sensitive-info-early" not in flags_of(sentence)
    # A clause that turns ends the list: the request after it is asked.
    scam = (
        "We do not ask candidates to interview, but to apply please provide your social"
        " security number."
    )
    assert flags_of(scam)["sensitive-info-early"] == scam


# ---------------------------------------------------------------- not raised by legitimate platform text

LEGIT_SENTENCES = [
    ("pay-to-apply", "We will never ask you to pay for training, equipment or to apply."),
    ("pay-to-apply", "There is no application fee, and we never charge contributors."),
    ("pay-to-apply", "Complete a paid assessment to get started; it is paid at your project rate."),
    ("deposit-to-unlock", "Complete the starter assessment to unlock higher-paying projects."),
    ("deposit-to-unlock", "Earnings are paid weekly via direct deposit or PayPal."),
    ("off-platform-contact", "Experience annotating WhatsApp-style chat conversations is a plus."),
    (
        "sensitive-info-early",
        "After you accept an offer, you will verify your identity with a government-issued ID.",
    ),
    (
        "sensitive-info-early",
        "We will never ask for your bank details or SSN during the application.",
    ),
    ("sensitive-info-early", "You will need a PayPal or Stripe account to receive payouts."),
    ("too-good-to-be-true", "Software Engineer: $75 – $150+ / hr, depending on task difficulty."),
    ("money-mule", "Fact-check model answers about Western Union fees and payment processing."),
    ("urgency", "Applications are reviewed on a rolling basis. Apply now."),
]


@pytest.mark.parametrize(("flag", "sentence"), LEGIT_SENTENCES)
def test_legitimate_platform_sentence_does_not_raise(flag: str, sentence: str) -> None:
    assert flag not in flags_of(
        sentence, company="Outlier", apply_url="https://app.outlier.ai/apply"
    )


@pytest.mark.parametrize("case", FIXTURES["legit_platform"], ids=lambda c: c["source"][-30:])
def test_real_platform_sentence_raises_nothing(case: dict) -> None:
    assert flags_of(case["text"], company=case.get("company", "Mercor")) == {}


def test_real_emscad_negation_raises_no_pay_to_apply() -> None:
    case = next(c for c in FIXTURES["emscad_fraud"] if c["flag"] is None)
    assert "pay-to-apply" not in flags_of(case["text"])


def test_generic_company_field_is_unnamed_employer_but_a_named_platform_client_is_not() -> None:
    assert (
        flags_of("Rate AI answers.", company="Confidential")["unnamed-employer"]
        == "Company: Confidential"
    )
    assert "unnamed-employer" not in flags_of(
        "Our client, a leading AI lab, needs reviewers.", company="Mercor"
    )


def test_hourly_expert_pay_with_part_time_is_not_too_good() -> None:
    assert flags_of("Up to $160/hr. Flexible hours, part-time, fully remote.") == {}


# ---------------------------------------------------------------- impersonation


def test_known_company_with_apply_link_on_other_domain_is_impersonation() -> None:
    found = flags_of(
        "Rate AI answers.", company="Outlier", apply_url="https://outlier-jobs.example.net/apply"
    )
    assert found["impersonation"] == "https://outlier-jobs.example.net/apply"


def test_known_company_with_own_domain_link_is_not_impersonation() -> None:
    found = flags_of(
        "Rate AI answers.",
        company="Outlier",
        apply_url="https://app.outlier.ai/en/expert/opportunities/123",
    )
    assert "impersonation" not in found


def test_ats_hosted_posting_of_known_company_is_not_impersonation() -> None:
    found = flags_of(
        "Rate AI answers. Questions: acquisition-latam@outlier.ai",
        company="Outlier",
        url="https://job-boards.greenhouse.io/outlier/jobs/123",
    )
    assert "impersonation" not in found


def test_a_job_boards_copy_of_a_platform_posting_with_its_own_apply_link_is_not_impersonation():
    # remotewlb.com republishes real postings; its text ends "CLICK TO [APPLY](<its page>)".
    found = flags_of(
        "Train AI models on code. CLICK TO [APPLY](https://www.remotewlb.com/apply/ai-developer-part-time)",
        company="Outlier",
    )
    assert "impersonation" not in found


def test_an_image_in_a_markdown_posting_is_not_impersonation() -> None:
    found = flags_of(
        "![](https://outlier-assets.example-cdn.net/uploads/logo.png) Apply on our site.",
        company="Outlier",
    )
    assert "impersonation" not in found


def test_a_look_alike_apply_link_in_the_text_is_still_impersonation() -> None:
    found = flags_of(
        "Train AI models. CLICK TO [APPLY](https://outlier-jobs.example.net/apply)",
        company="Outlier",
    )
    assert "impersonation" in found


def test_recruiting_on_behalf_of_known_platform_from_other_domain_is_impersonation() -> None:
    found = flags_of(
        "We are recruiting for DataAnnotation. Register at https://da-workers.example.org/join now.",
        company="Remote Talent Ltd",
    )
    assert found["impersonation"] == "Register at https://da-workers.example.org/join now."


def test_gmail_recruiter_is_impersonation() -> None:
    sentence = "Email your CV to outlier.recruiting.team@gmail.com"
    assert flags_of(sentence, company="Outlier")["impersonation"] == sentence


def test_lookalike_domain_of_known_platform_is_impersonation_without_company() -> None:
    assert "impersonation" in flags_of(
        "Apply today at dataannotation-tech-jobs.com for $40/hr tasks."
    )


# ---------------------------------------------------------------- decide_verdict


def flag(name: str) -> RedFlag:
    return RedFlag(flag=name, evidence="...")


@pytest.mark.parametrize(
    ("score", "flags", "verdict"),
    [
        (0.0, [], "clean"),
        (0.5, [], "clean"),
        (0.79, [], "clean"),
        (0.8, [], "review"),
        (0.99, [], "review"),
        (0.1, [flag("urgency")], "review"),
        (0.7, [flag("urgency")], "flagged"),
        (0.1, [flag("urgency"), flag("unnamed-employer")], "flagged"),
        (0.1, [flag("urgency"), flag("urgency")], "review"),
        (0.0, [flag("pay-to-apply")], "flagged"),
        (0.0, [flag("deposit-to-unlock")], "flagged"),
        (0.0, [flag("money-mule")], "flagged"),
        (0.0, [flag("impersonation")], "flagged"),
        (0.0, [flag("sensitive-info-early")], "flagged"),
        (float("nan"), [], "clean"),
    ],
)
def test_decide_verdict_table(score: float, flags: list[RedFlag], verdict: str) -> None:
    assert decide_verdict(score, flags) == verdict


def test_a_job_board_page_of_a_known_platform_is_not_impersonation():
    # The real Himalayas listing of a Mercor job: its only link is the board's own page.
    board_page = "https://himalayas.app/companies/mercor/jobs/audio-engineer-fully-remote-upto-14-hr-6932578128"
    listing = {
        "title": "Audio Engineer",
        "company": "Mercor",
        "description": "Fully remote.",
        "url": board_page,
        "apply_url": board_page,
    }
    employers = [
        {
            "key": "mercor",
            "name": "Mercor",
            "aliases": [],
            "domains": ["mercor.com", "work.mercor.com"],
        }
    ]
    assert [f.flag for f in find_red_flags(listing, employers)] == []


# --- speed rewrites keep their answers (bench/rules_equivalence.py checks whole listings) ---


def _fuzz_texts(vocabulary: str, n: int, seed: int) -> list[str]:
    """Random sentences from the words of a pattern, with its punctuation and odd spacing."""
    import random
    import re

    words = sorted(set(re.findall(r"[a-z']+|[*(\[)\]!$%]", vocabulary))) + [
        "24",
        "3",
        ".",
        ",",
        "\n",
        "  ",
    ]
    rng = random.Random(seed)
    return [
        " ".join(rng.choice(words) for _ in range(rng.randint(1, 14))).replace(" \n ", "\n")
        for _ in range(n)
    ]


def test_urgency_guard_keeps_every_match() -> None:
    from classifier.rules import _URGENCY_PLAIN_RE, _URGENCY_RE

    texts = _fuzz_texts(_URGENCY_PLAIN_RE.pattern, 4000, 1)
    texts += [item["text"].lower() for group in FIXTURES.values() for item in group]
    texts += [
        "urgent",
        "*urgent*",
        "[urgent] hiring",
        "hiring urgently!",
        "first-come first-served",
    ]
    for t in texts:
        plain = [m.span() for m in _URGENCY_PLAIN_RE.finditer(t)]
        assert [m.span() for m in _URGENCY_RE.finditer(t)] == plain, t


def test_claim_search_around_the_name_is_the_whole_text_search() -> None:
    import re

    from classifier.rules import _claim_re, _claims, build_context

    base = _fuzz_texts(
        "on behalf of recruiting for hiring for partnered with official authorized "
        "representing agent for recruiter at team at i am from we are with working for "
        "onboarding for this is the outlier ai outlier hr recruiter team support "
        "coordinator talent manager",
        3000,
        2,
    )
    for name in ("outlier", "outlier ai"):
        rx = _claim_re(name)
        plain = re.compile(rx.pattern.split("(?:", 1)[1][:-1])  # without the zero-width guard
        for t in base + ["x" * 70 + " we are with outlier ai hr team" + " y" * 40]:
            ctx = build_context({"description": t})
            low = ctx.lower
            expected = plain.search(low) is not None
            assert (rx.search(low) is not None) == expected, t
            if name in low:  # the rule asks only then
                assert _claims(ctx, name, rx) == expected, t


def test_surely_clean_misses_no_garbage_character() -> None:
    from classifier.text import _GARBAGE_RE, _surely_clean

    for cp in range(0x110000):
        c = chr(cp)
        if _GARBAGE_RE.match(c):
            assert not _surely_clean("ab" + c + "\n"), hex(cp)


def test_word_tokens_are_the_regex_tokens() -> None:
    import random

    from classifier.rules import _TOKEN_RE, build_context

    rng = random.Random(3)
    for _ in range(2000):
        t = "".join(rng.choice("abZ9_-.é中\n\t\u2028ß İ") for _ in range(rng.randint(0, 30)))
        ctx = build_context({"description": t})
        assert ctx.words == frozenset(_TOKEN_RE.findall(ctx.lower)), repr(t)


# --- the pre-scan (rules.Needs) and the fast cleaner keep every answer ---


def _sample_matches(pattern: re.Pattern[str], n: int, seed: int) -> list[str]:
    """Strings built from the parse tree of `pattern` (every alternative taken at random),
    assertions ignored; most of them match it and exercise each of its alternatives."""
    from re import _constants as C  # noqa: N812 - the regex engine's own parse tree
    from re import _parser

    pool = list("abcdefghijklmnopqrstuvwxyz") + [" "] * 6 + list("0123456789-',$%&/@:_")
    categories = {
        C.CATEGORY_DIGIT: "0123456789",
        C.CATEGORY_WORD: "abcxyz09",
        C.CATEGORY_SPACE: " ",
        C.CATEGORY_NOT_SPACE: "abc.$",
        C.CATEGORY_NOT_WORD: " .,-",
        C.CATEGORY_NOT_DIGIT: "ab ",
    }

    def in_set(items: list, ch: str) -> bool:
        return any(
            (op is C.LITERAL and ord(ch) == av)
            or (op is C.RANGE and av[0] <= ord(ch) <= av[1])
            or (op is C.CATEGORY and ch in categories[av])
            for op, av in items
        )

    def gen(seq: object, out: list[str]) -> None:
        for op, av in seq:  # type: ignore[attr-defined]
            if op is C.LITERAL:
                out.append(chr(av))
            elif op is C.NOT_LITERAL:
                out.append(rng.choice([c for c in pool if ord(c) != av]))
            elif op is C.ANY:
                out.append(rng.choice(pool))
            elif op is C.IN:
                items = [(o, a) for o, a in av if o is not C.NEGATE]
                if len(items) < len(av):  # negated class
                    out.append(rng.choice([c for c in pool if not in_set(items, c)]))
                else:
                    o, a = rng.choice(items)
                    if o is C.LITERAL:
                        out.append(chr(a))
                    elif o is C.RANGE:
                        out.append(chr(rng.randint(a[0], min(a[1], a[0] + 25))))
                    else:
                        out.append(rng.choice(categories[a]))
            elif op is C.BRANCH:
                gen(rng.choice(av[1]), out)
            elif op is C.SUBPATTERN:
                gen(av[-1], out)
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
                lo, hi, sub = av
                for _ in range(rng.randint(lo, lo + 3 if hi is C.MAXREPEAT else min(hi, lo + 3))):
                    gen(sub, out)
            elif op not in (C.AT, C.ASSERT, C.ASSERT_NOT):
                raise NotImplementedError(op)

    rng = random.Random(seed)
    tree = _parser.parse(pattern.pattern, pattern.flags)
    samples = []
    for _ in range(n):
        out: list[str] = []
        gen(tree, out)
        samples.append("".join(out))
    return samples


def test_needs_hold_wherever_their_pattern_matches_a_sentence() -> None:
    # A rule skips its sentence search when its Needs do not hold: they must hold on every
    # text where the pattern matches a sentence (or, for the low-bar patterns, the text).
    from classifier import rules as R

    pairs = [
        (R._PAY_TO_APPLY_RE, R._PAY_NEEDS, "sentence"),
        (R._DEPOSIT_RE, R._DEPOSIT_NEEDS, "sentence"),
        (R._OFF_PLATFORM_RE, R._OFF_PLATFORM_NEEDS, "sentence"),
        (R._SENSITIVE_RE, R._SENSITIVE_NEEDS, "sentence"),
        (R._TOO_GOOD_RE, R._TOO_GOOD_NEEDS, "sentence"),
        (R._LOW_BAR_RE, R._LOW_BAR_NEEDS, "text"),
        (R._STRONG_LOW_BAR_RE, R._LOW_BAR_NEEDS, "text"),
        (R._CLIENT_PHRASE_RE, R._CLIENT_PHRASE_NEEDS, "cased sentence"),
        (R._MULE_RE, R._MULE_NEEDS, "sentence"),
        (R._URGENCY_PLAIN_RE, R._URGENCY_NEEDS, "sentence"),
    ]
    rng = random.Random(7)
    around = ["we", "The", "and", "x", "-", "*", "1.", "Apply", "_", "\n"]
    for seed, (pattern, needs, where) in enumerate(pairs):
        matched = 0
        for sample in _sample_matches(pattern, 1500, seed):
            for text in (
                sample,
                f"{rng.choice(around)} {sample} {rng.choice(around)}",
                f"_{sample}_",
            ):
                ctx = build_context({"description": text})
                if where == "text":
                    hit = pattern.search(ctx.lower) is not None
                else:
                    sentences = ctx.index.sentences()
                    if where == "sentence":
                        sentences = [s.lower() for s in sentences]
                    hit = any(pattern.search(s) for s in sentences)
                if hit:
                    matched += 1
                    assert ctx.may_match(needs), (pattern.pattern[:40], text)
        assert matched > 200, pattern.pattern[:40]  # the samples do reach the patterns


def test_chat_host_needs_hold_for_every_chat_host_link() -> None:
    from classifier.rules import _CHAT_HOST_NEEDS, _CHAT_HOSTS, _is_chat_host

    found = 0
    for host in sorted(_CHAT_HOSTS) + ["chat.whatsapp.com", "web.whatsapp.com"]:
        for text in (f"Write to https://{host}/hr now", f"at {host}", f"(www.{host}/x)"):
            ctx = build_context({"description": text})
            if any(_is_chat_host(h) for _r, h, _w in ctx.links):
                found += 1
                assert ctx.may_match(_CHAT_HOST_NEEDS), text
    assert found >= 2 * len(_CHAT_HOSTS)


def test_sentence_words_are_text_words_unless_a_word_is_cut() -> None:
    # The pre-scan trusts that a sentence's words are words of the text; a 400-character
    # run without a space is cut inside a word, and then it stands aside.
    long_word = "x" * 450
    assert build_context({"description": "Pay the fee now."}).words_exact
    assert not build_context({"description": f"{long_word}fee to apply"}).words_exact
    assert not build_context({"description": "clıent fee"}).words_exact  # ı: i to IGNORECASE


def test_rules_flag_the_same_with_and_without_the_pre_scan(monkeypatch) -> None:
    from classifier import rules as R

    texts = [item["text"] for group in FIXTURES.values() for item in group]
    for seed, pattern in enumerate(
        (R._PAY_TO_APPLY_RE, R._DEPOSIT_RE, R._MULE_RE, R._URGENCY_PLAIN_RE, R._TOO_GOOD_RE)
        + (R._SENSITIVE_RE, R._OFF_PLATFORM_RE)
    ):
        texts += _sample_matches(pattern, 300, 100 + seed)
    texts += [f"Our client pays $500 per day, no experience needed. {t}" for t in texts[:200]]
    listings = [{"description": t} for t in texts] + [
        {"title": "Data Entry", "company": "Acme", "description": t} for t in texts
    ]
    with_scan = [find_red_flags(x, EMPLOYERS) for x in listings]
    monkeypatch.setattr(R.ListingContext, "words_exact", property(lambda self: False))
    assert [find_red_flags(x, EMPLOYERS) for x in listings] == with_scan


def test_client_phrase_halves_search_as_the_whole_pattern() -> None:
    from classifier.rules import _CLIENT_PHRASE_RE, _client_phrase

    texts = _sample_matches(_CLIENT_PHRASE_RE, 3000, 11)
    texts += [t.title() for t in texts] + [item["text"] for g in FIXTURES.values() for item in g]
    texts += ["x " + t for t in texts]
    for t in texts:
        assert _client_phrase(t) == (_CLIENT_PHRASE_RE.search(t) is not None), t


def test_keywords_hold_every_vocabulary_word_of_the_text() -> None:
    from classifier.rules import _registry

    vocabulary = _registry(EMPLOYERS).vocabulary  # type: ignore[arg-type]
    rng = random.Random(9)
    words = sorted(vocabulary) + ["xyz", "fees2", "payment", "’", "é", "-", ".", "$5"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 30))) for _ in range(3000)]
    texts += [item["text"] for group in FIXTURES.values() for item in group]
    for t in texts:
        ctx = build_context({"description": t}, EMPLOYERS)
        assert ctx.words & vocabulary <= ctx.keywords, t


def test_url_matches_are_the_sentence_search() -> None:
    from classifier.rules import _URL_RE, _url_matches

    rng = random.Random(4)
    pieces = [
        "https://",
        "www.",
        "x",
        "Mercor",
        ".com",
        ".ai",
        "/jobs",
        "-",
        "_",
        "@",
        ".",
        " ",
        "t.me",
        "(",
        ")",
        "HTTP://A.IO",
    ]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(20000)]
    texts += [item["text"] for group in FIXTURES.values() for item in group]
    for t in texts:
        assert _url_matches(t) == [m.group(0) for m in _URL_RE.finditer(t)], t


def test_sentence_ends_and_glue_checks_keep_their_matches() -> None:
    from classifier.text import _END_RE, _GLUED_PUNCT_RE, _glue_break, prepare_text

    plain_end = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")  # the pattern _END_RE is written for
    rng = random.Random(6)
    pieces = list(".!?…\"'”’)] \n\tabzAZé’İ٣") + ["ab.Cd", "xy!Zz", "e.g. ", "U.S.A"]
    for _ in range(50000):
        t = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert [m.span() for m in _END_RE.finditer(t)] == [m.span() for m in plain_end.finditer(t)]
        assert prepare_text(t) == _GLUED_PUNCT_RE.sub(_glue_break, t), t


def test_name_keys_are_reported_wherever_a_name_is_claimed_or_mentioned() -> None:
    from classifier.rules import _claim_re, _name_key, _registry

    names = ["Outlier AI", "x.ai", "Apple Inc.", "G2i Inc.", "Café Noir", "----", "_abc", "Mercor"]
    employers = [
        {"key": f"e{i}", "name": n, "aliases": [], "domains": []} for i, n in enumerate(names)
    ]
    digest = _registry(employers)
    rng = random.Random(8)
    around = [
        "we are with ",
        "on behalf of ",
        " hiring team",
        " recruiter",
        "(",
        ").",
        "-",
        "x",
        "é",
        "_",
        " ",
    ]
    for _ in range(4000):
        name = rng.choice(names)
        text = (
            rng.choice(around) + rng.choice([name, name.upper(), name.lower()]) + rng.choice(around)
        )
        ctx = build_context({"description": text}, employers)
        key = _name_key(name.lower())
        claimed = _claim_re(name.lower()).search(ctx.lower) is not None
        mentioned = re.search(rf"\b{re.escape(name)}\b", ctx.text) is not None
        if claimed or mentioned:
            assert key is None or key in ctx.keywords, (name, text)
    assert digest.vocabulary >= {"outlier", "ai", "apple", "inc", "mercor"}


def test_gated_sentences_take_only_the_gate_words_the_text_holds() -> None:
    from classifier import rules as R

    gates = [R._TOO_GOOD_KEYWORDS, R._CLIENT_KEYWORDS, R._URGENCY_KEYWORDS, R._PAY_KEYWORDS]
    rng = random.Random(12)
    words = sorted(set().union(*gates)) + ["payment", "hourly", "companies", "x", ".", "\n"]
    for _ in range(2000):
        t = " ".join(rng.choice(words) for _ in range(rng.randint(1, 25)))
        ctx = build_context({"description": t})
        for gate in gates:
            spans = set()
            for kw in gate & ctx.words:  # the gate as the rules always read it
                i = ctx.lower.find(kw)
                while i >= 0:
                    spans.add(ctx.index.span_at(i))
                    i = ctx.lower.find(kw, i + 1)
            expected = [ctx.index.sentence(sp) for sp in sorted(spans)]
            assert [s for s, _low in ctx.gated_sentences(gate)] == expected, t


def test_a_malformed_registry_leaves_the_other_rules_working() -> None:
    # The word scan falls back to the rules' own words when the registry cannot be read.
    text = "You must pay a $50 registration fee to apply. Message us on Telegram: @hr_jobs."
    for employers in ([None], ["x"], [{"name": "Mercor", "aliases": 5, "domains": 7}]):
        flags = {f.flag for f in find_red_flags({"description": text}, employers)}  # type: ignore[arg-type]
        assert {"pay-to-apply", "off-platform-contact"} <= flags, employers


def test_bounded_name_search_is_the_regex_search() -> None:
    from classifier.rules import _bounded_in

    rng = random.Random(13)
    pieces = ["Surge", "surge", "Surge AI", " ", "x", "_", "é", ".", "(", "SurgeSurge", "\n"]
    for name in ("Surge", "Surge AI", "Apple Inc.", ".NET", "_ab"):
        rx = re.compile(rf"\b{re.escape(name)}\b")
        for _ in range(3000):
            t = "".join(rng.choice(pieces + [name]) for _ in range(rng.randint(0, 8)))
            assert _bounded_in(t, name, rx) == (rx.search(t) is not None), (name, t)


def test_fields_cleaned_once_by_the_judge_give_the_flags_of_the_raw_listing() -> None:
    from classifier.features import clean_fields

    listings = [
        {
            "title": "Data Entry &amp; Chat Support",
            "description": "<p>Contact our recruiter on <b>Telegram</b> to pay the $60 "
            "starter-kit fee.</p><ul><li>Earn $5,000 a week!</li></ul>",
            "url": "https://jobs.example.com/1",
        },
        *(
            {"title": "Remote assistant", "description": item["text"]}
            for group in FIXTURES.values()
            for item in group
        ),
    ]
    for listing in listings:
        expected = find_red_flags(listing)
        assert find_red_flags(clean_fields(listing), cleaned=True) == expected
    assert find_red_flags(clean_fields(listings[0]), cleaned=True)
