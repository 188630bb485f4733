"""A real Zendesk client that no one here wrote drives the sandbox: zenpy, through its public
API only, for every call the tap and the target make, with zenpy's own parsing.

zenpy builds its URLs from ``ZENPY_FORCE_SCHEME`` and ``ZENPY_FORCE_NETLOC`` when they are
set, so it talks to the loopback sandbox unpatched. Its waits after a 429 (one ``sleep(1)``
per second of ``Retry-After``, read with ``int()``) move the sandbox clock instead of
sleeping. A sandbox answer that drifts from what Zendesk clients expect fails here.
"""

from __future__ import annotations

import pytest
import requests
from zenpy import Zenpy
from zenpy.lib import api as zenpy_api
from zenpy.lib.api_objects import JobStatus, Ticket, User

from zendesk_sandbox import Credentials, Sandbox

TICKETS = 120


@pytest.fixture
def account(make_account) -> Sandbox:
    return make_account(tickets=TICKETS, job_delay=0.05)


@pytest.fixture
def client_for(monkeypatch):
    """``client_for(sandbox, **credentials)`` -> a zenpy client of that sandbox."""

    def make(sandbox: Sandbox, **credentials: str) -> Zenpy:
        monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
        monkeypatch.setenv("ZENPY_FORCE_NETLOC", sandbox.base_url.removeprefix("http://"))
        # zenpy waits out Retry-After one sleep(1) at a time: on the sandbox's clock.
        monkeypatch.setattr(zenpy_api, "sleep", sandbox.advance_clock)
        if not credentials:
            credentials = {"email": Credentials.admin_email, "token": Credentials.admin_token}
        return Zenpy(subdomain="sandbox", disable_cache=True, **credentials)

    return make


@pytest.fixture
def client(account, client_for) -> Zenpy:
    return client_for(account)


def wait_for(client: Zenpy, account: Sandbox, job: JobStatus) -> JobStatus:
    """A job followed by its id, as zenpy's users do."""
    for _ in range(100):
        job = client.job_status(id=job.id)
        if job.status in ("completed", "failed"):
            return job
        account.advance_clock(0.05)
    raise AssertionError(f"job {job.id} never finished")


def test_the_export_with_side_loads_and_cursors(client, account):
    exported = client.tickets.incremental(
        start_time=0, include=["users", "groups", "organizations"], per_page=25
    )
    ids = [ticket.id for ticket in exported]
    # Every page, by after_url, to the end; zenpy sends no support_type_scope, so the
    # AI-agent tickets stay out, as Zendesk's default scope does.
    assert ids == account.visible_ticket_ids(support_type_scope="agent")


def test_every_list_the_tap_and_the_target_read(client, account):
    structure, people = account.directory.structure, account.directory.people
    assert len(list(client.users())) == len(people.users)
    assert {g.name for g in client.groups()} == {g.name for g in structure.groups}
    assert len(list(client.organizations())) == len(structure.organizations)
    assert {b.name for b in client.brands()} == {b.name for b in structure.brands}
    assert {f.name for f in client.ticket_forms()} == {f.name for f in structure.forms}
    assert {f.title for f in client.ticket_fields()} == {f.title for f in structure.fields}
    assert len(list(client.group_memberships())) > 0
    assert len(list(client.organization_memberships())) > 0


def test_comments_of_a_ticket(client, account):
    ticket_id = max(
        account.visible_ticket_ids(exclude_deleted=True), key=lambda i: len(account.comments(i))
    )
    comments = list(client.tickets.comments(ticket=ticket_id))
    assert [c.id for c in comments] == [c["id"] for c in account.comments(ticket_id)]
    assert len(comments) > 1


def test_look_ups_by_id_by_ids_by_external_id_and_by_email(client, account):
    first, second = account.visible_ticket_ids(exclude_deleted=True)[:2]
    assert client.tickets(id=first).id == first
    assert sorted(t.id for t in client.tickets(ids=[first, second])) == sorted([first, second])
    requester = account.exported_ticket(first)["requester_id"]
    user = client.users(id=requester)
    assert user.id == requester
    found = list(client.users.search(query=f"email:{user.email}"))
    assert [u.id for u in found] == [requester]
    assert client.users(ids=[requester])


def test_search(client, account):
    tagged = account.exported_ticket(account.visible_ticket_ids(exclude_deleted=True)[0])
    tag = tagged["tags"][0]
    results = list(client.search(type="ticket", tags=tag))
    assert tagged["id"] in {ticket.id for ticket in results}


def test_a_bulk_import_and_its_job(client, account):
    requester = account.directory.people.end_users[0].id
    tickets = [
        Ticket(
            subject=f"Imported {n}",
            requester_id=requester,
            comments=[{"value": "hello", "author_id": requester}],
            external_id=f"zenpy-{n}",
        )
        for n in range(3)
    ]
    job = client.ticket_import.create(tickets)
    assert isinstance(job, JobStatus) and job.id.startswith("V3-")
    done = wait_for(client, account, job)
    assert done.status == "completed" and done.progress == 3
    created = [result.id for result in done.results]
    assert [account.exported_ticket(i)["external_id"] for i in created] == [
        "zenpy-0",
        "zenpy-1",
        "zenpy-2",
    ]
    # zenpy hands show_many and the list back as {"job_statuses": [JobStatus, ...]}.
    many = client.job_status(ids=[job.id])["job_statuses"]
    assert [j.id for j in many] == [job.id]
    listed = client.job_status()["job_statuses"]
    assert job.id in [j.id for j in listed]


def test_update_many_and_its_job(client, account):
    ids = account.visible_ticket_ids(exclude_deleted=True)
    open_ones = [i for i in ids if account.exported_ticket(i)["status"] not in ("closed",)][:2]
    tickets = [client.tickets(id=ticket_id) for ticket_id in open_ones]
    for ticket in tickets:
        ticket.priority = "low"
    job = client.tickets.update(tickets)
    assert isinstance(job, JobStatus)
    done = wait_for(client, account, job)
    assert done.status == "completed"
    assert {account.exported_ticket(i)["priority"] for i in open_ones} == {"low"}


def test_users_create_or_update(client, account):
    created = client.users.create_or_update(User(name="Zen Py", email="zen.py@example.org"))
    assert created.id and created.email == "zen.py@example.org"
    again = client.users.create_or_update(User(name="Zen Py II", email="zen.py@example.org"))
    assert again.id == created.id


def test_an_oauth_token_from_the_201_endpoint_signs_zenpy_in(account, client_for):
    answer = requests.post(
        f"{account.base_url}/oauth/tokens",
        json={
            "grant_type": "client_credentials",
            "client_id": Credentials.oauth_client_id,
            "client_secret": Credentials.oauth_client_secret,
            "scope": "read write",
        },
        timeout=10,
    )
    assert answer.status_code == 201
    client = client_for(account, oauth_token=answer.json()["access_token"])
    assert len(list(client.groups())) == len(account.directory.structure.groups)


def test_429s_are_waited_out_by_retry_after_in_whole_seconds(make_account, client_for):
    limited = make_account(tickets=20, job_delay=0.5, max_jobs=1, rate_limits={"account": (3, 2.0)})
    client = client_for(limited)
    for _ in range(3):
        assert client.tickets(id=limited.visible_ticket_ids()[0])
    refused_before = [e for e in limited.request_log() if e["status"] == 429]
    assert refused_before == []
    assert client.tickets(id=limited.visible_ticket_ids()[1])  # a 429, waited, then 200
    statuses = [e["status"] for e in limited.request_log()]
    assert statuses[-2:] == [429, 200]
    # TooManyJobs: a 429 with Retry-After too; zenpy waits and sends the import again.
    limited.configure(rate_limits={"account": None})
    requester = limited.directory.people.end_users[0].id
    first = client.ticket_import.create([Ticket(subject="a", requester_id=requester)])
    second = client.ticket_import.create([Ticket(subject="b", requester_id=requester)])
    assert first.id != second.id
    assert [e["status"] for e in limited.request_log() if e["route"] == "import"] == [
        200,
        429,
        200,
    ]
