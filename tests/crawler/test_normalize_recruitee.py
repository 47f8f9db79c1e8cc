"""normalize.py on Recruitee's date shape ("2023-07-25 17:53:46 UTC")."""

from __future__ import annotations

from crawler.normalize import to_utc_iso


def test_a_recruitee_date_with_a_utc_suffix_is_read_as_utc():
    assert to_utc_iso("2023-07-25 17:53:46 UTC") == "2023-07-25T17:53:46Z"


def test_a_date_without_the_suffix_still_reads_the_same():
    assert to_utc_iso("2023-07-25 17:53:46") == "2023-07-25T17:53:46Z"
