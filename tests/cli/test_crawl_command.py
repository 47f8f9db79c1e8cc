"""`evaljobs crawl` keeps each source's least interval; `evaljobs sources` shows health."""

from __future__ import annotations

from click.testing import CliRunner

from catalogue import store
from catalogue.schema import open_catalogue
from evaljobs.cli import main


def recent_run(path, source):
    db = open_catalogue(path)
    run_id = store.start_run(db, source)
    store.finish_run(db, run_id, status="ok", counts=store.BatchCounts(items=3, new=3))
    db.close()


def test_a_source_crawled_within_its_least_interval_is_skipped_without_a_request(
    tmp_path, monkeypatch
):
    path = tmp_path / "catalogue.db"
    recent_run(path, "remotive")
    calls = []
    monkeypatch.setattr("evaljobs.crawling.run_crawl", lambda *a, **k: calls.append(a))
    result = CliRunner().invoke(main, ["crawl", "remotive", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "remotive: skipped, not due until" in result.output and "every 6 h" in result.output
    assert calls == []


def test_an_unknown_source_is_refused_with_the_known_ones(tmp_path):
    result = CliRunner().invoke(main, ["crawl", "nosuchsource", "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 2
    assert "unknown source 'nosuchsource'" in result.output and "greenhouse" in result.output


def test_sources_prints_each_sources_last_run_and_terms(tmp_path):
    path = tmp_path / "catalogue.db"
    recent_run(path, "remotive")
    result = CliRunner().invoke(main, ["sources", "--db", str(path)])
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if line.startswith("remotive"))
    assert " ok " in line and "6.0h" in line and "full" in line
    assert any(line.startswith("weworkremotely  no") for line in result.output.splitlines())
