"""repair_mojibake: UTF-8 read as Latin-1 / cp1252 (as Remote OK serves it) made readable."""

from __future__ import annotations

import pytest

from crawler.normalize import repair_mojibake


@pytest.mark.parametrize(
    ("served", "meant"),
    [
        ("Americaâ\x80\x99s largest lenders", "America’s largest lenders"),  # Latin-1 reading
        ("Youâ€™ll work with us", "You’ll work with us"),  # cp1252 reading
        ("ZÃ³calo Health", "Zócalo Health"),
        ("HÃ¸rsholm", "Hørsholm"),
        ("coordinatorÂ\xa0 will", "coordinator\xa0 will"),
        ("Plain English text", "Plain English text"),
        ("São Paulo — already right", "São Paulo — already right"),
        ("Ã alone is left", "Ã alone is left"),
        ("", ""),
        (None, None),
    ],
)
def test_repair_mojibake(served, meant):
    assert repair_mojibake(served) == meant
