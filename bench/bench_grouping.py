"""Grouping quality: precision and recall of `catalogue.groups.is_same_job` on labelled pairs.

The pairs (tests/fixtures/grouping/pairs.jsonl, see its README) are real postings of the
recorded responses: the same posting captured twice, a repost, and different postings of
one employer (location variants, two openings, different roles sharing boilerplate). Each
pair is judged as if its two listings came from two sources (the harder case). Prints
precision / recall / F1 per text-similarity threshold and for the shipped threshold.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from catalogue.groups import NEAR_DUPLICATE_THRESHOLD, _doc, is_same_job, text_similarity  # noqa: E402
from crawler.capture import parse_capture_file  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


def load_pairs() -> list[tuple[dict, dict, bool]]:
    cache: dict[tuple[str, str], dict[str, dict]] = {}

    def listing(ref: list[str]) -> dict:
        source, file, source_id = ref
        if (source, file) not in cache:
            cache[(source, file)] = {
                item["source_id"]: item
                for item in parse_capture_file(source, FIXTURES / source / file)
            }
        return cache[(source, file)][source_id]

    pairs = []
    for line in (FIXTURES / "grouping" / "pairs.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        pairs.append((listing(record["a"]), listing(record["b"]), bool(record["same_job"])))
    return pairs


def scores(pairs, similarities, threshold: float) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for (a, b, same), similarity in zip(pairs, similarities, strict=True):
        decided = is_same_job(a, b, similarity, threshold)
        tp += decided and same
        fp += decided and not same
        fn += (not decided) and same
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    pairs = load_pairs()
    similarities = [float(text_similarity([_doc(a)], [_doc(b)])[0, 0]) for a, b, _ in pairs]
    print(f"{len(pairs)} labelled pairs, {sum(s for *_, s in pairs)} same-job")
    print("threshold  precision  recall  f1")
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.01):
        p, r, f = scores(pairs, similarities, threshold)
        print(f"{threshold:>9.2f}  {p:>9.3f}  {r:>6.3f}  {f:.3f}")
    p, r, f = scores(pairs, similarities, NEAR_DUPLICATE_THRESHOLD)
    print(
        f"shipped threshold {NEAR_DUPLICATE_THRESHOLD}: precision {p:.3f}, recall {r:.3f}, F1 {f:.3f}"
    )


if __name__ == "__main__":
    main()
