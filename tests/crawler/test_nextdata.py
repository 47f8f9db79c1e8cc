"""Reading Next.js page data: __NEXT_DATA__ (Mercor, Alignerr) and the RSC flight (micro1)."""

from __future__ import annotations

import pytest

from crawler.jsonld import find_job_postings
from crawler.nextdata import (
    NextDataError,
    dehydrated_query_data,
    page_props,
    read_flight,
    read_next_data,
    split_flight_rows,
)

MERCOR = "mercor/job-page-list_AAABm4Xm5vZiwyWXybFBRJJN-generalist-writer-rendered-2026-02-03.html"
ALIGNERR = "alignerr/job-page-583b0f74-generalist-location-vietnam-2026-09-14.html"
MICRO1 = "micro1/job-page-5136fd03-biology-expert-phd-2026-09-05.html"


def read(fixtures_dir, name: str) -> bytes:
    return (fixtures_dir / name).read_bytes()


def test_next_data_of_a_pages_router_page_gives_its_page_props(fixtures_dir):
    data = read_next_data(read(fixtures_dir, ALIGNERR))
    assert data["page"] == "/jobs/[id]"
    assert page_props(data)["job"]["name"] == "Generalist"


def test_next_data_is_found_whatever_the_script_tag_attributes(fixtures_dir):
    html = '<script nonce="abc" type="application/json" id="__NEXT_DATA__" >{"props":{"pageProps":{"a":1}}}</script>'
    assert page_props(read_next_data(html)) == {"a": 1}


def test_mercor_rendered_page_next_data_holds_the_role_and_structured_data(fixtures_dir):
    pp = page_props(read_next_data(read(fixtures_dir, MERCOR)))
    assert pp["role"]["listingId"] == "list_AAABm4Xm5vZiwyWXybFBRJJN"
    assert find_job_postings(pp["structuredData"])[0]["title"] == "Generalist Writer"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("<html><body>nothing here</body></html>", "no __NEXT_DATA__"),
        ('<script id="__NEXT_DATA__">{"props": </script>', "not JSON"),
        ('<script id="__NEXT_DATA__">[1, 2]</script>', "not an object"),
    ],
)
def test_a_page_without_readable_next_data_is_an_error_with_its_reason(html, reason):
    with pytest.raises(NextDataError, match=reason):
        read_next_data(html)


def test_page_props_missing_is_an_error():
    with pytest.raises(NextDataError, match="pageProps"):
        page_props({"props": {}})


def test_dehydrated_react_query_entries_give_key_and_data():
    pp = {
        "dehydratedState": {
            "queries": [{"queryKey": ["listings"], "state": {"data": {"listings": [1]}}}, "junk"]
        }
    }
    assert list(dehydrated_query_data(pp)) == [(["listings"], {"listings": [1]})]


def test_flight_of_a_micro1_post_has_its_job_record_with_the_description_reference_resolved(
    fixtures_dir,
):
    flight = read_flight(read(fixtures_dir, MICRO1))
    (holder,) = flight.objects(
        lambda o: isinstance(o.get("data"), dict) and "client_job_id" in o["data"]
    )
    record = holder["data"]
    assert record["job_role_name"] == "Biology Expert (PhD)"
    assert record["job_description"].startswith("<p>Role Title: Biology Expert (PhD)</p>")
    # The text row is cut by its declared byte length (it holds multi-byte "’" and "—").
    assert record["job_description"].endswith("within 24–48 hours of completing onboarding.</p>")


def test_flight_text_rows_that_are_json_give_the_job_posting(fixtures_dir):
    flight = read_flight(read(fixtures_dir, MICRO1))
    postings = [p for doc in flight.json_in_text_rows() for p in find_job_postings(doc)]
    assert [p["title"] for p in postings] == ["Biology Expert (PhD)"]
    assert len(postings[0]["applicantLocationRequirements"]) == 58


def test_flight_rows_are_split_by_byte_length_not_characters():
    flight = split_flight_rows('a:T3,hé1:["$a","$$x","$1"]\n'.encode())
    assert flight.text_rows == {"a": "hé"}
    # "$$" is a literal "$"; a row referring to itself is expanded once, then left as is.
    assert flight.resolve(flight.json_rows["1"]) == ["hé", "$x", ["hé", "$x", "$1"]]


def test_flight_tagged_rows_are_kept_apart_from_json_rows():
    flight = split_flight_rows(b'4:I[5751,[],""]\n2:HL["/a.css","style"]\n0:{"k":"$4"}\n')
    assert set(flight.tagged_rows) == {"4", "2"}
    assert flight.resolve(flight.json_rows["0"]) == {"k": "$4"}  # a module row is not data


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"a:T99,short", "declares 153 bytes"),
        (b"zz:[1]\n", "no '<hex id>:' prefix"),
        (b"1:[1,\n", "not JSON"),
    ],
)
def test_a_damaged_flight_is_an_error_with_its_reason(payload, reason):
    with pytest.raises(NextDataError, match=reason):
        split_flight_rows(payload)


def test_a_page_without_flight_chunks_is_an_error(fixtures_dir):
    with pytest.raises(NextDataError, match="no self.__next_f"):
        read_flight(read(fixtures_dir, ALIGNERR))
