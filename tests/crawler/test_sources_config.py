"""crawler/sources.yaml and its loader: terms and politeness per source."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import ConfigError
from crawler.sources import load_sources, source_rows, source_terms

SLUGS = (
    "greenhouse",
    "lever",
    "ashby",
    "workable",
    "smartrecruiters",
    "recruitee",
    "remotive",
    "remoteok",
    "himalayas",
    "arbeitnow",
    "jobicy",
    "hn_hiring",
    "jsonld",
    "mercor",
    "micro1",
    "alignerr",
    "weworkremotely",
)

GOOD = """\
remotive:
  name: Remotive
  kind: board
  base_url: https://remotive.com/api/remote-jobs
  search_param: search
  terms_url: https://github.com/remotive-com/remote-jobs-api
  attribution_text: "Source: Remotive"
  attribution_url: https://remotive.com
  min_interval_hours: 6
  download_delay: 60
  request_budget: 1
  republish: full
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_loads_with_one_entry_per_source_slug():
    assert tuple(load_sources()) == SLUGS


def test_a_minimal_temporary_file_loads(tmp_path):
    terms = load_sources(write(tmp_path, GOOD))["remotive"]
    assert terms.enabled is True
    assert terms.searchable is True
    assert terms.min_interval_hours == 6.0


def test_remotive_is_crawled_at_most_every_six_hours_with_one_request():
    remotive = source_terms("remotive")
    assert remotive.min_interval_hours >= 6
    assert remotive.request_budget * 24 / remotive.min_interval_hours <= 4


def test_jobicy_is_crawled_at_most_once_an_hour():
    assert source_terms("jobicy").min_interval_hours >= 1


def test_remotive_and_remote_ok_ask_for_a_named_link_back():
    assert "Remotive" in source_terms("remotive").attribution_text
    assert source_terms("remotive").attribution_url.startswith("https://remotive.com")
    assert "Remote OK" in source_terms("remoteok").attribution_text
    assert source_terms("remoteok").attribution_url.startswith("https://remoteok.com")


def test_every_enabled_source_has_attribution_and_a_terms_url():
    for terms in load_sources().values():
        if terms.enabled:
            assert terms.attribution_text, terms.slug
            assert terms.attribution_url.startswith("https://"), terms.slug
            assert terms.terms_url.startswith("https://"), terms.slug


def test_every_enabled_source_has_a_positive_delay_and_budget():
    for terms in load_sources().values():
        if terms.enabled:
            assert terms.download_delay > 0, terms.slug
            assert terms.request_budget >= 1, terms.slug
            assert terms.min_interval_hours >= 1, terms.slug


def test_we_work_remotely_is_disabled_with_its_reason():
    wwr = source_terms("weworkremotely")
    assert wwr.enabled is False
    assert "job search service" in wwr.disabled_reason


def test_sources_with_unclear_terms_only_link_out():
    for slug in ("himalayas", "arbeitnow", "jobicy", "mercor", "micro1", "alignerr"):
        assert source_terms(slug).republish == "link-out", slug


def test_every_api_source_has_a_live_https_base_url():
    for terms in load_sources().values():
        if terms.kind != "careers-page":
            assert terms.base_url and terms.base_url.startswith("https://"), terms.slug


def test_an_unknown_slug_raises_an_error_naming_the_known_slugs():
    with pytest.raises(ConfigError) as caught:
        source_terms("remotiv")
    assert "'remotiv'" in str(caught.value)
    assert "remotive" in str(caught.value)


def test_source_rows_are_flat_with_booleans_as_integers():
    rows = {row["slug"]: row for row in source_rows()}
    assert set(rows) == set(SLUGS)
    assert rows["weworkremotely"]["enabled"] == 0
    assert rows["remotive"]["enabled"] == 1
    assert all(not isinstance(v, list | dict) for row in rows.values() for v in row.values())


def test_an_unknown_key_names_the_file_the_key_and_the_known_keys(tmp_path):
    path = write(tmp_path, GOOD + "  serch: x\n")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert str(path) in message
    assert "remotive.serch" in message
    assert "unknown key 'serch'" in message
    assert "search_param" in message


def test_a_misspelt_kind_names_the_file_the_key_and_the_choices(tmp_path):
    path = write(tmp_path, GOOD.replace("kind: board", "kind: bord"))
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert str(path) in message
    assert "remotive.kind" in message
    assert "expected one of ats, board, forum, careers-page, platform; got 'bord'" in message


def test_a_wrong_type_names_the_file_the_key_and_the_type_expected(tmp_path):
    path = write(tmp_path, GOOD.replace("request_budget: 1", "request_budget: many"))
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert str(path) in message
    assert "remotive.request_budget" in message
    assert "expected an integer >= 1, got string" in message


def test_a_disabled_source_without_a_reason_is_refused(tmp_path):
    path = write(tmp_path, GOOD + "  enabled: false\n")
    with pytest.raises(ConfigError, match=r"remotive\.disabled_reason: expected a reason"):
        load_sources(path)


def test_a_missing_required_key_is_named(tmp_path):
    path = write(
        tmp_path, GOOD.replace("  terms_url: https://github.com/remotive-com/remote-jobs-api\n", "")
    )
    with pytest.raises(ConfigError, match=r"remotive\.terms_url: missing required key"):
        load_sources(path)


def test_invalid_yaml_names_the_file_and_the_line(tmp_path):
    path = write(tmp_path, "remotive: [unclosed\n")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert str(path) in str(caught.value)
    assert "not valid YAML" in str(caught.value)
