"""No request ends in a server error for anything a person can type or a tampered request
can send, and a refused one changes nothing.

Every POST of the URL matrix is sent as the first person it accepts, with its valid
data, once with nothing at all and then with each field in turn replaced by a value a
form must refuse or take as plain text: empty, a NUL character (PostgreSQL stores none
in text), digits beyond 64 bits, a negative number, an impossible date, 20,000
characters, a word, and digits that str.isdigit() takes but int() does not. Run on
SQLite and PostgreSQL (the CI runs both), it found a bulk sign-off of an id beyond 64
bits failing on SQLite and a withdrawal reason with a NUL character on PostgreSQL.
Every GET page of the matrix is asked, the same way, with each of those values in every
query parameter that a view or a filter form reads.
"""

from urllib.parse import urlencode

import pytest
from django.db import transaction

from rectify.posted import MAX_ID, as_number, as_text

from .fixtures_matrix import PEOPLE, _snapshot, build_world
from .test_url_matrix import MATRIX

BAD_VALUES = ["", "a\x00b", "9" * 30, "-1", "2026-02-30", "字" * 20_000, "abc", "²"]
# Every query parameter read by a view (request.GET) or by a list's filter form.
QUERY_PARAMETERS = [
    "q", "page", "status", "area", "leader", "person", "category", "overdue", "soon",
    "returned", "extended", "only", "kind", "finding", "show", "unit", "audience", "old",
    "new", "next",
]  # fmt: skip


@pytest.fixture
def world(unit, outsider, administrators, district, other_district, tmp_path):
    return build_world(unit, outsider, administrators, district, other_district, tmp_path)


def _entries(method, answered):
    """(url name, build_url, build_data, person) of every `method` entry of the matrix,
    with the first logged-in person it answers with the status `answered`."""
    for name, entries in MATRIX.items():
        for entry_method, build_url, build_data, expected in entries:
            people = [p for p in PEOPLE if p != "anonymous" and expected[p] == answered]
            if entry_method == method and people:
                yield name, build_url, build_data, people[0]


def _send(client, world, person, build_url, build_data, change):
    """POST the entry's data changed by `change` in a transaction rolled back after;
    the status, and whether the database changed."""
    with transaction.atomic():
        world.login_as(client, person)
        data = change(build_data(world) if build_data else {})
        before = _snapshot(world)
        response = client.post(build_url(world), data)
        changed = _snapshot(world) != before
        transaction.set_rollback(True)
    return response.status_code, changed


def test_every_post_of_the_matrix_answers_bad_input_without_a_server_error(client, world):
    client.raise_request_exception = False  # a server error is a 500 here, listed below
    failures, sent = [], 0
    for name, build_url, build_data, person in _entries("post", 302):
        with transaction.atomic():
            fields = list(build_data(world)) if build_data else []
            transaction.set_rollback(True)
        changes = [("nothing sent", lambda data: {})]
        changes += [
            (f"{field}={value[:12]!r}", lambda data, f=field, v=value: {**data, f: v})
            for field in fields
            for value in BAD_VALUES
        ]
        for label, change in changes:
            status, changed = _send(client, world, person, build_url, build_data, change)
            sent += 1
            if status >= 500:
                failures.append((name, person, label, status))
            elif status != 302 and changed:
                failures.append((name, person, label, f"refused with {status} but changed"))
    assert sent > 300  # every POST of the matrix, with its fields
    assert failures == []


def test_every_page_of_the_matrix_answers_bad_query_parameters_without_a_server_error(
    client, world
):
    client.raise_request_exception = False
    failures, sent = [], 0
    for name, build_url, _data, person in _entries("get", 200):
        world.login_as(client, person)
        url = build_url(world)
        for value in BAD_VALUES:
            query = urlencode(dict.fromkeys(QUERY_PARAMETERS, value))
            response = client.get(f"{url}{'&' if '?' in url else '?'}{query}")
            sent += 1
            if response.status_code >= 500:
                failures.append((name, person, value[:12], response.status_code))
    assert sent > 300
    assert failures == []


@pytest.mark.parametrize(
    "value, number",
    [("0", 0), ("42", 42), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("-1", None),
     ("²", None), ("４２", None), ("4.2", None), ("", None), (None, None), (" 42", None)],
)  # fmt: skip
def test_a_posted_number_is_ascii_digits_within_64_bits(value, number):
    assert as_number(value) == number


def test_a_posted_text_is_stripped_and_refused_with_a_nul_character():
    assert as_text("  理由。 ") == "理由。"
    assert as_text(None) == ""
    assert as_text("理由\x00") is None
