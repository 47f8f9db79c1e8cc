"""crawler/employers.yaml and the registry's questions: boards, matching, rules, rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.config import ConfigError
from crawler.registry import (
    ATS_PLATFORMS,
    BOARD_CONFIDENCE,
    boards_for,
    employers_for_rules,
    jsonld_pages_for,
    load_registry,
    match_employer,
    official_domains,
    registry_rows,
)

# Every employer or platform the seed article names, by the name it uses.
SEED_EMPLOYERS = (
    "Mercor",
    "Handshake AI",
    "Surge AI",
    "micro1",
    "Stellar AI",
    "OpenAI",
    "Anthropic",
    "Google",
    "xAI",
    "Microsoft",
    "Meta",
    "Amazon",
    "Apple",
)
# ... and the others of this market the brief and the notes name.
MARKET_EMPLOYERS = (
    "Scale AI",
    "Outlier",
    "Remotasks",
    "DataAnnotation",
    "Google DeepMind",
    "Turing",
    "Invisible",
    "Meridial",
    "Alignerr",
    "Labelbox",
    "Toloka",
    "Mindrift",
    "Appen",
    "TELUS Digital",
    "Prolific",
    "Snorkel AI",
    "Cohere",
    "Perplexity",
    "AfterQuery",
    "G2i",
    "SuperAnnotate",
    "RWS TrainAI",
    "OneForma",
)
FIXTURE_BOARDS = {
    "greenhouse": ("codepath", "codepath"),
    "lever": ("gotogroup", "GoToGroup"),
    "workable": ("kroo", "kroo"),
    "smartrecruiters": ("gousto1", "Gousto1"),
    "recruitee": ("radishlab", "radishlab"),
}

ENTRY = """\
  - key: {key}
    name: {name}
    kind: platform
    aliases: [{alias}]
    domains: {{web: [{domain}], apply: [], email: []}}
    ats: greenhouse
    board: {board}
    board_confidence: likely
    board_note: from the notes
    careers_url: null
    platform_url: null
    listing_interface: Greenhouse.
    jsonld_pages: []
"""


def entry(key="acme", name="Acme", alias="Acme AI", domain="acme.ai", board="acme") -> str:
    return ENTRY.format(key=key, name=name, alias=alias, domain=domain, board=board)


def write(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "employers.yaml"
    path.write_text("employers:\n" + "".join(entries), encoding="utf-8")
    return path


def error_of(tmp_path: Path, *entries: str) -> str:
    path = write(tmp_path, *entries)
    with pytest.raises(ConfigError) as caught:
        load_registry(path)
    message = str(caught.value)
    assert str(path) in message  # every error names the file
    return message


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def test_the_shipped_registry_loads(registry):
    assert len(registry) >= 40


def test_the_registry_has_every_employer_the_seed_names(registry):
    missing = [name for name in SEED_EMPLOYERS if match_employer(name, registry) is None]
    assert missing == []


def test_the_registry_has_the_other_employers_of_this_market(registry):
    missing = [name for name in MARKET_EMPLOYERS if match_employer(name, registry) is None]
    assert missing == []


def test_no_two_employers_share_a_key_or_a_domain(registry):
    keys = [e.key for e in registry]
    assert len(keys) == len(set(keys))
    domains = [d for e in registry for d in official_domains(e) | set(e.unverified_domains)]
    assert len(domains) == len(set(domains))


def test_every_board_has_a_known_ats_and_a_stated_confidence(registry):
    for e in registry:
        assert e.board_confidence in BOARD_CONFIDENCE
        assert e.board_note
        if e.board is not None:
            assert e.ats in ATS_PLATFORMS, e.key
            assert e.board_confidence != "unknown", e.key


def test_every_platform_without_a_spider_says_how_its_jobs_are_listed(registry):
    for key in (
        "outlier",
        "surge-ai",
        "turing",
        "handshake-ai",
        "afterquery",
        "telus-digital",
        "oneforma",
    ):
        employer = next(e for e in registry if e.key == key)
        assert len(employer.listing_interface) > 40, key


def test_boards_for_greenhouse_returns_anthropic(registry):
    assert ("anthropic", "anthropic") in boards_for("greenhouse", registry)


def test_boards_for_leaves_fixture_only_boards_out_by_default(registry):
    for ats, board in FIXTURE_BOARDS.items():
        assert board not in boards_for(ats, registry)
    assert ("cursor", "cursor") not in boards_for("ashby", registry)


def test_boards_for_gives_fixture_only_boards_when_asked(registry):
    for ats, board in FIXTURE_BOARDS.items():
        assert board in boards_for(ats, registry, include_fixture_only=True)
    ashby = boards_for("ashby", registry, include_fixture_only=True)
    assert ("cursor", "cursor") in ashby and ("lightdash", "lightdash") in ashby


def test_boards_for_reads_the_shipped_registry_by_default():
    assert ("xai", "xai") in boards_for("greenhouse")


def test_jsonld_pages_are_fixture_only_for_now(registry):
    assert jsonld_pages_for(registry) == []
    keys = [key for key, _ in jsonld_pages_for(registry, include_fixture_only=True)]
    assert keys == ["fermi", "sendcutsend"]


def test_match_employer_finds_by_alias_case_insensitively(registry):
    assert match_employer("dataannotation", registry).key == "surge-ai"
    assert match_employer("MINDRIFT", registry).key == "toloka"
    assert match_employer("SpaceXAI", registry).key == "xai"


def test_match_employer_ignores_a_legal_suffix(registry):
    assert match_employer("G2i Inc.", registry).key == "g2i"
    assert match_employer("Anthropic, Inc.", registry).key == "anthropic"


def test_match_employer_finds_by_a_subdomain_of_a_verified_domain(registry):
    assert match_employer("jobs.mercor.com", registry).key == "mercor"
    assert match_employer("jobs.micro1.ai", registry).key == "micro1"


def test_match_employer_finds_by_url_and_email_address(registry):
    assert (
        match_employer("https://app.dataannotation.tech/workers/signup?x=1", registry).key
        == "surge-ai"
    )
    assert match_employer("recruiting@scale.com", registry).key == "scale-ai"


def test_match_employer_does_not_match_lookalike_domains(registry):
    assert match_employer("mercor-jobs.com", registry) is None
    assert match_employer("mercor.com.example.net", registry) is None
    assert match_employer("dataannotation-tech.work", registry) is None


def test_match_employer_never_clears_by_an_unverified_domain(registry):
    assert match_employer("mindrift.ai", registry) is None


def test_match_employer_answers_none_for_an_unknown_name(registry):
    assert match_employer("Acme Rating Co", registry) is None
    assert match_employer("", registry) is None


def test_official_domains_joins_web_apply_and_email(registry):
    mercor = match_employer("Mercor", registry)
    assert official_domains(mercor) == {"mercor.com", "work.mercor.com"}


def test_no_official_domain_is_a_shared_ats_or_free_mail_host(registry):
    for e in registry:
        for domain in official_domains(e):
            assert not domain.endswith(("greenhouse.io", "lever.co", "ashbyhq.com", "gmail.com")), (
                e.key
            )


def test_employers_for_rules_are_plain_dicts_with_flat_domains(registry):
    rules = employers_for_rules(registry)
    assert all(set(r) == {"key", "name", "aliases", "domains"} for r in rules)
    by_key = {r["key"]: r for r in rules}
    assert "dataannotation.tech" in by_key["surge-ai"]["domains"]
    assert "DataAnnotation" in by_key["surge-ai"]["aliases"]
    json.dumps(rules)


def test_employers_for_rules_give_a_platform_the_domains_of_its_corporate_family(registry):
    by_key = {r["key"]: r for r in employers_for_rules(registry)}
    assert {"outlier.ai", "scale.com", "remotasks.com"} <= set(by_key["outlier"]["domains"])
    assert "invisibletech.ai" in by_key["meridial"]["domains"]
    assert "alignerr.com" in by_key["labelbox"]["domains"]


def test_employers_for_rules_leaves_out_fixture_boards_and_employers_without_domains(registry):
    keys = {r["key"] for r in employers_for_rules(registry)}
    assert "codepath" not in keys and "cursor" not in keys
    assert "stellar-ai" not in keys


def test_registry_rows_are_json_serialisable_with_one_row_per_employer(registry):
    rows = registry_rows(registry)
    assert len(rows) == len(registry)
    json.dumps(rows)
    anthropic = next(r for r in rows if r["key"] == "anthropic")
    assert anthropic["ats"] == "greenhouse" and anthropic["board"] == "anthropic"
    assert anthropic["fixture_only"] == 0
    assert isinstance(anthropic["official_domains"], list)


def test_a_minimal_temporary_registry_loads(tmp_path):
    (acme,) = load_registry(write(tmp_path, entry()))
    assert acme.key == "acme" and acme.board == "acme" and acme.board_region == "global"


def test_a_duplicate_key_is_refused(tmp_path):
    message = error_of(
        tmp_path, entry(), entry(name="Other", alias="Other AI", domain="other.ai", board="other")
    )
    assert "employers[1].key" in message
    assert "duplicate key 'acme'" in message


def test_a_domain_of_two_employers_is_refused(tmp_path):
    message = error_of(
        tmp_path, entry(), entry(key="other", name="Other", alias="Other AI", board="other")
    )
    assert "employers[1].domains.web[0]" in message
    assert "already belongs to 'acme'" in message


def test_an_alias_of_two_employers_is_refused(tmp_path):
    message = error_of(
        tmp_path, entry(), entry(key="other", name="Other", domain="other.ai", board="other")
    )
    assert "employers[1].aliases" in message
    assert "'acme ai'" in message


def test_an_unknown_ats_names_the_choices(tmp_path):
    message = error_of(tmp_path, entry().replace("ats: greenhouse", "ats: greenhous"))
    assert "employers[0].ats" in message
    assert "expected one of greenhouse, lever, ashby" in message
    assert "got 'greenhous'" in message


def test_a_domain_with_a_scheme_is_refused(tmp_path):
    message = error_of(tmp_path, entry(domain="https://acme.ai"))
    assert "employers[0].domains.web[0]" in message
    assert "bare domain name" in message


def test_a_shared_ats_host_is_refused_as_a_domain(tmp_path):
    message = error_of(tmp_path, entry(domain="job-boards.greenhouse.io"))
    assert "employers[0].domains.web[0]" in message
    assert "shared host" in message


def test_an_unknown_key_is_named(tmp_path):
    message = error_of(
        tmp_path, entry().replace("    board: acme\n", "    board: acme\n    bord: x\n")
    )
    assert "employers[0].bord" in message
    assert "unknown key 'bord'" in message


def test_a_wrong_type_names_what_was_expected(tmp_path):
    message = error_of(tmp_path, entry().replace("aliases: [Acme AI]", "aliases: Acme AI"))
    assert "employers[0].aliases" in message
    assert "expected a list of strings, got string" in message


def test_a_board_token_needs_an_ats_platform(tmp_path):
    message = error_of(tmp_path, entry().replace("ats: greenhouse", "ats: own"))
    assert "employers[0].board" in message


def test_an_unknown_board_needs_confidence_unknown(tmp_path):
    message = error_of(tmp_path, entry().replace("board: acme", "board: null"))
    assert "employers[0].board_confidence" in message
    assert "expected unknown when board is null" in message


def test_a_parent_outside_the_registry_is_refused(tmp_path):
    message = error_of(
        tmp_path,
        entry().replace("    kind: platform\n", "    kind: platform\n    parent: nobody\n"),
    )
    assert "employers[0].parent" in message
