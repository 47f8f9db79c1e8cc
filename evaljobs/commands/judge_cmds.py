"""`evaljobs train`, `evaljobs evaluate` and `evaljobs judge`: the classifier from the shell.

This module owns the three commands that reach the learned judge: training it from the
labelled data (printing the model card's summary), printing its cross-validated figures as
tables, and judging JSON lines from stdin to JSON lines on stdout. `judge` never stops on a
bad line: a line that is not a JSON object gets an error object in its place and is counted
on stderr. The employer registry (for the impersonation rule) is loaded lazily from
`crawler.registry` when it is available.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

import click

log = logging.getLogger(__name__)

BATCH = 256  # judge lines in batches: the models are vectorised, one line costs little more


def _rule_employers() -> list[dict[str, Any]]:
    """Known employers and their domains for the impersonation rule; [] when unavailable."""
    try:
        from crawler.registry import employers_for_rules, load_registry

        return list(employers_for_rules(load_registry()))
    except Exception as exc:  # the registry is optional here: the rule has built-in defaults
        log.debug("employer registry not loaded: %s", exc)
        return []


@click.command()
@click.option(
    "--labels",
    "labels_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of labelled *.jsonl files (default: data/labels).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Model folder (default: $EVALJOBS_MODEL_DIR or data/models).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--no-select", is_flag=True, help="Skip the model selection; fit the default configuration."
)
def train(labels_dir: Path | None, out_dir: Path | None, seed: int, no_select: bool) -> None:
    """Train the judge on the labelled listings and save it with its model card."""
    from classifier import clear_model_cache
    from classifier.persist import default_model_dir
    from classifier.train import train_all

    try:
        card = train_all(labels_dir, out_dir, seed=seed, select=not no_select)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    clear_model_cache()
    click.echo(card.summary())
    click.echo(f"saved to {out_dir or default_model_dir()}")


@click.command()
@click.option(
    "--labels",
    "labels_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of labelled *.jsonl files (default: data/labels).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def evaluate(labels_dir: Path | None, as_json: bool) -> None:
    """Cross-validated precision / recall / F1 per task, label, dataset and platform."""
    from classifier.evaluate import evaluate as run_evaluation

    try:
        report = run_evaluation(labels_dir, n_jobs=2)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.to_table())


def _read_lines(stream: TextIO) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line number, listing or None, error) for each non-blank input line."""
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            yield n, None, f"not JSON: {exc}"
            continue
        if not isinstance(value, dict):
            yield n, None, f"not a JSON object: {type(value).__name__}"
            continue
        yield n, value, ""


def judgement_record(judgement: Any) -> dict[str, Any]:
    """The output line for one judgement (red flags as {flag, evidence, origin})."""
    record = asdict(judgement)
    record["red_flags"] = [
        {"flag": f.flag, "evidence": f.evidence, "origin": f.origin} for f in judgement.red_flags
    ]
    return record


@click.command()
@click.option(
    "--model-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Model folder (default: $EVALJOBS_MODEL_DIR or data/models).",
)
def judge(model_dir: Path | None) -> None:
    """Judge JSON lines from stdin (title, company, description, location, pay_text, url,
    apply_url; any may be missing); write one JSON judgement per line to stdout."""
    from classifier import ModelError, judge_many
    from classifier.persist import load_model

    try:
        model = load_model(model_dir)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc
    employers = _rule_employers()
    stdout = sys.stdout
    stdin = sys.stdin
    if hasattr(stdin, "reconfigure"):
        stdin.reconfigure(errors="replace")  # bad bytes in a line are text, not a crash
    bad = total = 0
    pending: list[tuple[int, dict[str, Any] | None, str]] = []

    def flush() -> None:
        listings = [item for _, item, _ in pending if item is not None]
        judged = iter(judge_many(listings, employers, model=model)) if listings else iter(())
        for n, item, error in pending:
            record = {"error": error, "line": n} if item is None else judgement_record(next(judged))
            stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        stdout.flush()
        pending.clear()

    for entry in _read_lines(stdin):
        total += 1
        if entry[1] is None:
            bad += 1
        pending.append(entry)
        if len(pending) >= BATCH:
            flush()
    flush()
    if bad:
        click.echo(
            f"{bad} of {total} input lines were not JSON objects (error lines written)", err=True
        )
    if total == 0:
        print("no input lines", file=sys.stderr)


COMMANDS = [train, evaluate, judge]
