"""Equivalence check for `classifier.rules.find_red_flags`: record or compare its outputs.

Runs find_red_flags over every listing of data/labels/*.jsonl, the jae1654 EMSCAD frauds and
the scam sentences of tests/classifier/fixtures, with the registry employers and with the
default (KNOWN_EMPLOYERS), and saves (id, mode, [flag, evidence]) per listing.

    .venv/bin/python bench/rules_equivalence.py --save /tmp/rules_before.json
    .venv/bin/python bench/rules_equivalence.py --compare /tmp/rules_before.json
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier.rules import find_red_flags  # noqa: E402
from crawler.registry import employers_for_rules  # noqa: E402


def listings() -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for path in sorted((ROOT / "data/labels").glob("*.jsonl")):
        for i, line in enumerate(path.read_text(encoding="utf-8").split("\n")):
            if line.strip():
                rec = json.loads(line)
                out.append((f"{path.name}:{i}:{rec.get('id')}", rec))
    with open(
        ROOT / "data/labels/emscad/jae1654_fraudulent_subset.csv", newline="", encoding="utf-8"
    ) as fh:
        for row in csv.DictReader(fh):
            desc = "\n".join(
                row[k]
                for k in ("company_profile", "description", "requirements", "benefits")
                if row[k]
            )
            out.append(
                (
                    f"emscad:{row['job_id']}",
                    {
                        "title": row["title"],
                        "company": None,
                        "description": desc,
                        "location": row["location"],
                        "pay_text": row["salary_range"],
                    },
                )
            )
    fx = json.loads(
        (ROOT / "tests/classifier/fixtures/scam_sentences.json").read_text(encoding="utf-8")
    )
    for group, items in fx.items():
        for i, item in enumerate(items):
            out.append(
                (
                    f"fixture:{group}:{i}",
                    {"title": "Data Entry", "company": "Acme Corp", "description": item["text"]},
                )
            )
            out.append((f"fixture-nocompany:{group}:{i}", {"description": item["text"]}))
    return out


def run() -> dict[str, Any]:
    registry = employers_for_rules()
    results: dict[str, Any] = {}
    for key, listing in listings():
        for mode, emps in (("registry", registry), ("default", ())):
            flags = find_red_flags(listing, emps)
            results[f"{mode}|{key}"] = [
                [f.flag, f.evidence, getattr(f, "origin", None)] for f in flags
            ]
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--save", type=Path)
    g.add_argument("--compare", type=Path)
    args = ap.parse_args()
    results = run()
    n_flags = sum(len(v) for v in results.values())
    if args.save:
        args.save.write_text(json.dumps(results, ensure_ascii=False, indent=0))
        print(f"saved {len(results)} results ({n_flags} flags) to {args.save}")
        return
    before = json.loads(args.compare.read_text(encoding="utf-8"))
    diffs = [k for k in before.keys() | results.keys() if before.get(k) != results.get(k)]
    for k in sorted(diffs)[:20]:
        print("DIFF", k, "\n  before:", before.get(k), "\n  after: ", results.get(k))
    print(f"{len(results)} results, {n_flags} flags; {len(diffs)} differences")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
