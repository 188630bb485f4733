"""The real tap against a realistic sandbox account: the streams of what tickets refer to
(people, structure, comments), the order contract, selection, and a tickets bookmark that
stays the same whatever else is selected."""

import random
from pathlib import Path

import pytest
import requests

from tests.support import contract
from tests.support.catalogs import ALL_STREAMS, DEFAULT_STREAMS, catalog_selecting
from tests.support.configs import oauth_client_settings, tap_config
from tests.support.processes import clean_env, run_tap
from tests.support.secrets import assert_no_secret
from zendesk_sandbox import Credentials, Sandbox, SandboxConfig

PAGE = 60
SIDE_STREAMS = ALL_STREAMS - {"tickets"}


@pytest.fixture(scope="module")
def account():
    """300 tickets with people, structure and conversations; a page of 60 is 5 pages."""
    with Sandbox(SandboxConfig(tickets=300, rate_limits={}, job_delay=0.05)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def everything(account, tmp_path_factory):
    """A run with every stream selected, ticket_comments and the analytics streams too."""
    directory = tmp_path_factory.mktemp("everything")
    account.clear_request_log()
    run = run_tap(
        tap_config(directory, account.base_url, pageSize=PAGE),
        catalog=catalog_selecting(ALL_STREAMS),
    )
    assert run.returncode == 0, run.stderr
    run.request_log = account.request_log()
    return run


def _get(account, path):
    answer = requests.get(
        account.base_url + path, auth=Credentials().admin_basic, params={"page[size]": 100}
    )
    answer.raise_for_status()
    return answer.json()


def _by_id(records):
    return {record["id"]: record for record in records}


def _comment_ids(account, ticket_ids):
    return {i: {c["id"] for c in account.comments(i)} for i in ticket_ids}


def test_no_token_is_in_the_output_of_a_run_with_every_stream(account, everything, tmp_path):
    assert_no_secret(everything.output, account)
    oauth = run_tap(
        tap_config(
            tmp_path,
            account.base_url,
            zendesk=oauth_client_settings(account.base_url),
            pageSize=PAGE,
        ),
        catalog=catalog_selecting(ALL_STREAMS),
        env=clean_env(TAP_ZENDESK_TICKETS_LOGLEVEL="DEBUG"),
    )
    assert oauth.returncode == 0, oauth.stderr
    assert len(oauth.records_of("ticket_comments")) == len(everything.records_of("ticket_comments"))
    assert_no_secret(oauth.output, account)


def test_tickets_are_exported_as_without_the_other_streams(account, everything):
    assert [t["id"] for t in everything.tickets] == account.visible_ticket_ids()
    for ticket in everything.tickets[::37]:
        exported = account.exported_ticket(ticket["id"])
        if exported["status"] == "deleted":
            exported["_sdc_deleted_at"] = exported["updated_at"]
        assert ticket == exported


def test_every_ticket_refers_only_to_records_that_came_before_it(account, everything):
    live = [t["id"] for t in everything.tickets if t["status"] != "deleted"]
    expected = _comment_ids(account, live)
    assert contract.violations(everything.messages, SIDE_STREAMS, expected_comments=expected) == []
    # The check has something to check: every kind of reference occurs.
    for kind, ids in contract.references(everything.tickets[0]).items():
        assert ids or kind == "organizations", kind
    assert sum(len(ids) for ids in expected.values()) == len(
        everything.records_of("ticket_comments")
    )


def test_comments_are_zendesks_objects_with_their_ticket_id(account, everything):
    comments = everything.records_of("ticket_comments")
    by_ticket = {}
    for comment in comments:
        by_ticket.setdefault(comment["ticket_id"], []).append(comment)
    deleted = {t["id"] for t in everything.tickets if t["status"] == "deleted"}
    assert deleted
    assert set(by_ticket) == {t["id"] for t in everything.tickets} - deleted
    for ticket_id in random.Random(4).sample(sorted(by_ticket), 25):
        # Zendesk's comments with inline images, unchanged; where their files are beside them.
        expected = [
            {**c, "ticket_id": ticket_id} for c in account.comments(ticket_id, inline_images=True)
        ]
        sent = [
            {k: v for k, v in c.items() if k != "attachment_files"} for c in by_ticket[ticket_id]
        ]
        assert sent == expected  # oldest first, every field
    shape = {
        "id",
        "ticket_id",
        "author_id",
        "body",
        "html_body",
        "public",
        "created_at",
        "attachments",
    }
    assert all(shape <= set(c) for c in comments)
    assert any(c["attachments"] for c in comments)
    assert any(not c["public"] for c in comments)
    for comment in comments:  # each file fetched into the spool, or the reason why not
        files = comment.get("attachment_files")
        if not comment["attachments"]:
            assert files is None
            continue
        assert [f["attachment_id"] for f in files] == [a["id"] for a in comment["attachments"]]
        for entry, attachment in zip(files, comment["attachments"], strict=True):
            assert entry["path"] or entry["reason"], entry
            if entry["path"]:
                assert Path(entry["path"]).stat().st_size == attachment["size"]


def test_people_are_each_sent_once_as_zendesk_shows_them(account, everything):
    users = everything.records_of("users")
    assert len(users) == len({u["id"] for u in users})
    wanted = set()
    for ticket in everything.tickets:
        wanted |= contract.references(ticket)["users"]
    wanted |= {c["author_id"] for c in everything.records_of("ticket_comments")}
    assert {u["id"] for u in users} == wanted
    for user in users[::9]:
        assert user == _get(account, f"/api/v2/users/{user['id']}.json")["user"]
    shape = {"id", "name", "email", "role", "suspended", "organization_id"}
    assert all(shape <= set(u) for u in users)
    assert {u["role"] for u in users} >= {"end-user", "agent"}


def test_a_comment_author_the_export_does_not_side_load_comes_before_the_ticket(
    make_account, tmp_path
):
    account = make_account(tickets=120)
    ticket_id = next(
        t
        for t in account.visible_ticket_ids()
        if account.exported_ticket(t)["status"] not in ("deleted", "closed")
    )
    admin = _get(account, "/api/v2/users/search.json?query=email:admin@example.com")["users"][0]
    assert admin["id"] not in contract.references(account.exported_ticket(ticket_id))["users"]
    # An internal note by the API's admin, whom the ticket itself does not name.
    answer = requests.put(
        f"{account.base_url}/api/v2/tickets/{ticket_id}.json",
        json={"ticket": {"comment": {"body": "Checked with billing.", "public": False}}},
        auth=Credentials().admin_basic,
    )
    assert answer.status_code == 200, answer.text
    account.advance_clock(120)  # past the export's excluded last minute
    run = run_tap(
        tap_config(tmp_path, account.base_url, startTime=int(account.now()) - 300),
        catalog=catalog_selecting({"tickets", "users", "ticket_comments"}),
    )
    assert run.returncode == 0, run.stderr
    assert [t["id"] for t in run.tickets] == [ticket_id]
    assert contract.violations(run.messages, {"users", "ticket_comments"}) == []
    (note,) = [c for c in run.records_of("ticket_comments") if c["author_id"] == admin["id"]]
    assert note["body"] == "Checked with billing." and note["public"] is False
    assert admin["id"] in {u["id"] for u in run.records_of("users")}


@pytest.mark.parametrize(
    ("stream", "path"),
    [
        ("ticket_fields", "/api/v2/ticket_fields.json"),
        ("ticket_forms", "/api/v2/ticket_forms.json"),
        ("brands", "/api/v2/brands.json"),
    ],
)
def test_the_accounts_lists_are_sent_whole_once(account, everything, stream, path):
    assert everything.records_of(stream) == _get(account, path)[stream]
    reads = [e for e in everything.request_log if e["path"].startswith(path.removesuffix(".json"))]
    assert len(reads) == 1


def test_fields_keep_their_options(everything):
    fields = everything.records_of("ticket_fields")
    dropdowns = [f for f in fields if f["type"] in ("tagger", "multiselect")]
    assert dropdowns
    for field in dropdowns:
        assert field["title"]
        assert all({"name", "value"} <= set(o) for o in field["custom_field_options"])


@pytest.mark.parametrize("stream", ["groups", "organizations"])
def test_groups_and_organizations_come_from_the_side_loads(account, everything, stream):
    records = everything.records_of(stream)
    assert len(records) == len(_by_id(records))
    wanted = set()
    for ticket in everything.tickets:
        wanted |= contract.references(ticket)[stream]
    assert set(_by_id(records)) == wanted
    singular = stream.removesuffix("s")
    for record in records:
        assert record == _get(account, f"/api/v2/{stream}/{record['id']}.json")[singular]
    # No request of their own: they came with the export pages.
    assert not [e for e in everything.request_log if e["path"].startswith(f"/api/v2/{stream}")]


def test_deleted_tickets_make_no_comment_request(everything):
    deleted = {t["id"] for t in everything.tickets if t["status"] == "deleted"}
    asked = [e["path"] for e in everything.request_log if e["route"] == "comments"]
    asked_ids = {int(path.split("/")[4]) for path in asked}
    assert deleted
    assert not asked_ids & deleted
    # One request per live ticket: no conversation here needs a second page of 100.
    assert sorted(asked_ids) == sorted({t["id"] for t in everything.tickets} - deleted)
    assert len(asked) == len(asked_ids)
    assert f"Comments not asked for: {len(deleted)} deleted tickets" in everything.stderr


def ticket_bookmarks(run):
    """The tickets stream's bookmark in each STATE that has one, repeats dropped: what the
    other streams' own STATEs (and their bookmarks beside it) cannot change."""
    found = []
    for state in run.states:
        bookmark = state["bookmarks"].get("tickets")
        if bookmark is not None and (not found or found[-1] != bookmark):
            found.append(bookmark)
    return found


def test_state_is_the_same_with_and_without_the_other_streams(account, everything, tmp_path):
    alone = run_tap(
        tap_config(tmp_path, account.base_url, pageSize=PAGE),
        catalog=catalog_selecting({"tickets"}),
    )
    assert alone.returncode == 0, alone.stderr
    assert [s["bookmarks"] for s in alone.states] == [
        {"tickets": b} for b in ticket_bookmarks(alone)
    ]
    assert ticket_bookmarks(everything) == ticket_bookmarks(alone)
    assert {m["stream"] for m in alone.messages if m["type"] in ("RECORD", "SCHEMA")} == {"tickets"}
    assert _without_times(alone.tickets) == _without_times(everything.tickets)
    # With the default selection too (ticket_comments is not in it; ticket_metrics is).
    default = run_tap(tap_config(tmp_path, account.base_url, name="default.json", pageSize=PAGE))
    assert default.returncode == 0, default.stderr
    assert ticket_bookmarks(default) == ticket_bookmarks(alone)
    assert _without_times(default.tickets) == _without_times(alone.tickets)


def _without_times(records):
    return [{k: v for k, v in r.items() if k != "time_extracted"} for r in records]


def test_ticket_comments_is_selected_only_when_asked_for(account, tmp_path):
    account.clear_request_log()
    run = run_tap(tap_config(tmp_path, account.base_url, pageSize=PAGE))
    assert run.returncode == 0, run.stderr
    streams = {m["stream"] for m in run.messages if m["type"] == "RECORD"}
    assert streams == DEFAULT_STREAMS
    assert {e["route"] for e in account.request_log()} == {"export", "structure"}
    # The export asks for the side-loads of the streams selected, and only those.
    queries = [e["query"] for e in account.request_log() if e["route"] == "export"]
    assert all(q.get("include") == "groups,organizations,users,metric_sets" for q in queries)

    account.clear_request_log()
    tickets_only = run_tap(
        tap_config(tmp_path, account.base_url, name="only.json", pageSize=PAGE),
        catalog=catalog_selecting({"tickets"}),
    )
    assert tickets_only.returncode == 0, tickets_only.stderr
    log = account.request_log()
    assert {e["route"] for e in log} == {"export"}
    assert all("include" not in e["query"] for e in log)


def test_comments_alone_need_no_people(account, tmp_path):
    run = run_tap(
        tap_config(tmp_path, account.base_url, pageSize=PAGE),
        catalog=catalog_selecting({"tickets", "ticket_comments"}),
    )
    assert run.returncode == 0, run.stderr
    assert {m["stream"] for m in run.messages if m["type"] == "RECORD"} == {
        "tickets",
        "ticket_comments",
    }
    assert contract.violations(run.messages, {"ticket_comments"}) == []


@pytest.mark.parametrize("seed", [1, 2])
def test_a_resumed_run_keeps_the_contract(account, everything, tmp_path, seed):
    states = [
        (index, m["value"])
        for index, m in enumerate(everything.messages)
        if m["type"] == "STATE" and m["value"]["bookmarks"].get("tickets")
    ]
    index, state = random.Random(seed).choice(states[:-1])
    sent_before = [
        m["record"]["id"]
        for m in everything.messages[:index]
        if m["type"] == "RECORD" and m["stream"] == "tickets"
    ]
    resumed = run_tap(
        tap_config(tmp_path, account.base_url, pageSize=PAGE),
        state=state,
        catalog=catalog_selecting(ALL_STREAMS),
    )
    assert resumed.returncode == 0, resumed.stderr
    assert [t["id"] for t in resumed.tickets] == [
        t["id"] for t in everything.tickets[len(sent_before) :]
    ]
    live = [t["id"] for t in resumed.tickets if t["status"] != "deleted"]
    expected = _comment_ids(account, live)
    # Judged on the resumed run's output alone: it sends again what its tickets refer to.
    assert contract.violations(resumed.messages, SIDE_STREAMS, expected_comments=expected) == []
    assert ticket_bookmarks(resumed)[-1] == ticket_bookmarks(everything)[-1]


def test_an_archived_tickets_comments_are_read_like_any_others(make_account, tmp_path):
    account = make_account(tickets=60)
    requester = account.directory.people.end_users[0]
    agent = account.directory.people.agents[0]
    ticket = {
        "subject": "Old order",
        "status": "closed",
        "requester_id": requester.id,
        "comments": [
            {
                "author_id": requester.id,
                "value": "Where is my order?",
                "created_at": "2020-01-02T10:00:00Z",
            },
            {
                "author_id": agent.id,
                "value": "Shipped today.",
                "created_at": "2020-01-03T10:00:00Z",
            },
        ],
    }
    # The bulk import: the sandbox archives closed tickets there (its single import does
    # not take archive_immediately).
    answer = requests.post(
        f"{account.base_url}/api/v2/imports/tickets/create_many.json?archive_immediately=true",
        json={"tickets": [ticket]},
        auth=Credentials().admin_basic,
    )
    assert answer.status_code == 200, answer.text
    account.advance_clock(120)  # the job is done, and past the export's excluded minute
    (stored,) = account.imported_tickets()
    assert stored["archived"]
    ticket_id = stored["id"]
    run = run_tap(
        tap_config(tmp_path, account.base_url, startTime=int(account.now()) - 300),
        catalog=catalog_selecting({"tickets", "users", "ticket_comments"}),
    )
    assert run.returncode == 0, run.stderr
    assert [t["id"] for t in run.tickets] == [ticket_id]
    comments = run.records_of("ticket_comments")
    assert [c["body"] for c in comments] == ["Where is my order?", "Shipped today."]
    assert {c["author_id"] for c in comments} <= {u["id"] for u in run.records_of("users")}


def test_what_a_move_needs_comes_before_the_first_ticket(account, everything):
    """The account's lists a copy with createMissing needs, once, before any ticket; each
    problem's incidents just before the problem."""
    first_ticket = next(
        i
        for i, m in enumerate(everything.messages)
        if m.get("stream") == "tickets" and m["type"] == "RECORD"
    )
    for stream, path in (
        ("group_memberships", "/api/v2/group_memberships.json"),
        ("organization_memberships", "/api/v2/organization_memberships.json"),
        ("user_fields", "/api/v2/user_fields.json"),
        ("organization_fields", "/api/v2/organization_fields.json"),
        ("custom_roles", "/api/v2/custom_roles.json"),
    ):
        positions = [
            i
            for i, m in enumerate(everything.messages)
            if m.get("stream") == stream and m["type"] == "RECORD"
        ]
        listed = _get(account, path)[stream]
        assert len(positions) == len(listed), stream
        assert all(i < first_ticket for i in positions), stream
    seen_problems = 0
    position = {}
    for i, m in enumerate(everything.messages):
        if m["type"] == "RECORD" and m["stream"] == "tickets":
            position.setdefault(m["record"]["id"], i)
    for i, m in enumerate(everything.messages):
        if m["type"] == "RECORD" and m["stream"] == "ticket_incidents":
            problem, incident = m["record"]["problem_id"], m["record"]["incident_id"]
            assert account.exported_ticket(incident)["problem_id"] == problem
            assert i < position[problem]
            seen_problems += 1
    assert seen_problems
