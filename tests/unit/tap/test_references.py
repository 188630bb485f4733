from tap_zendesk_tickets.references import SentRecords, ids_of, referenced, referrers
from tests.support.tap_pages import full_ticket


def test_a_ticket_refers_to_people_structure_and_fields():
    ticket = full_ticket(1, 1700000000)
    assert referenced("users", ticket) == {381023455, 372200114, 1, 2, 3}
    assert referenced("groups", ticket) == {360012345678}
    assert referenced("organizations", ticket) == {360088112233}
    assert referenced("brands", ticket) == {360000987654}
    assert referenced("ticket_forms", ticket) == {360000654321}
    assert referenced("ticket_fields", ticket) == set(range(360001, 360007))
    # fields is the same list as custom_fields, read only in its place.
    del ticket["custom_fields"]
    assert referenced("ticket_fields", ticket) == set(range(360001, 360007))


def test_missing_and_odd_values_refer_to_nothing():
    ticket = {
        "id": 1,
        "assignee_id": None,
        "group_id": True,
        "collaborator_ids": None,
        "custom_fields": [{"id": "x"}, "junk", {"value": 3}],
        "brand_id": 1.5,
    }
    for kind in ("users", "groups", "brands", "ticket_fields", "organizations"):
        assert referenced(kind, ticket) == set()
    page = [{"id": 8, "requester_id": 1}, {"id": 9, "submitter_id": 2, "assignee_id": 1}]
    assert referrers(["users", "groups"], page) == {"users": {1: 8, 2: 9}, "groups": {}}
    assert ids_of([{"id": 1}, {"id": None}, {}]) == {1}


def test_a_record_is_fresh_once_per_version():
    sent = SentRecords()
    v1 = {"id": 5, "updated_at": "2024-01-01T00:00:00Z"}
    v2 = {"id": 5, "updated_at": "2024-02-01T00:00:00Z"}
    assert sent.fresh("users", [v1, v1, {"name": "no id"}]) == [v1]
    assert sent.fresh("users", [v1]) == []
    assert sent.fresh("users", [v2]) == [v2]
    assert sent.has("users", 5)
    assert not sent.has("groups", 5)
    # A record without updated_at goes out once a run.
    assert sent.fresh("groups", [{"id": 7}, {"id": 7}]) == [{"id": 7}]
    assert sent.fresh("groups", [{"id": 7}]) == []
