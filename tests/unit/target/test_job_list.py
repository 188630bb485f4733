"""The job list, and following jobs through it when single look-ups do not find them."""

import logging

import pytest

from target_zendesk_tickets.importing.job_list import JobLookup, read_job_list
from target_zendesk_tickets.settings import read_target_settings
from tests.unit.target.messages import JOB_LIST_URL, JOB_URL, SHOW_MANY_URL, target_test_config
from zendesk_api.http import ZendeskClient


def job(job_id, status="working"):
    return {"id": job_id, "status": status}


def listed(*jobs, after=None):
    """A page of the list; like Zendesk's, the last one links to a next page too."""
    return {
        "job_statuses": list(jobs),
        "meta": {"has_more": after is not None, "after_cursor": after or "end"},
        "links": {"next": f"{JOB_LIST_URL}?page%5Bafter%5D={after or 'end'}", "prev": None},
    }


@pytest.fixture
def client():
    client = ZendeskClient(read_target_settings(target_test_config()).connection, "test")
    yield client
    client.session.close()


def test_the_list_is_read_to_its_last_page_and_not_past_it(mock, client):
    mock.get(
        JOB_LIST_URL,
        [{"json": listed(job("a"), after="c1")}, {"json": listed(job("b", "completed"))}],
    )
    pages = []

    def read(query):
        pages.append(query)
        return client.fetch("GET", JOB_LIST_URL, params=query)

    jobs = read_job_list(read)
    assert [(j.id, j.status) for j in jobs.jobs] == [("a", "working"), ("b", "completed")]
    assert jobs.complete and len(pages) == 2  # has_more false: links.next is not followed
    assert pages[1]["page[after]"] == "c1"


def test_jobs_show_many_leaves_out_are_followed_through_the_list(mock, client, caplog):
    mock.get(SHOW_MANY_URL, json={"job_statuses": [job("a")]})
    mock.get(JOB_LIST_URL, json=listed(job("b", "completed"), job("other")))
    with caplog.at_level(logging.INFO):
        found = JobLookup(client).fetch(["a", "b", "gone"])
    assert {k: v.status for k, v in found.items()} == {"a": "working", "b": "completed"}
    assert "following them through the job list" in caplog.text


def test_a_404_on_one_job_s_own_url_asks_the_list(mock, client):
    mock.get(
        JOB_URL.format(id="V3-a"),
        status_code=404,
        json={"error": "RecordNotFound", "description": "Not found"},
    )
    mock.get(JOB_LIST_URL, json=listed(job("V3-a", "completed")))
    assert JobLookup(client).fetch(["V3-a"])["V3-a"].finished


def test_the_jobs_in_flight_of_the_account(mock, client):
    mock.get(JOB_LIST_URL, json=listed(job("a", "completed"), job("b"), job("c", "queued")))
    assert JobLookup(client).unfinished() == ["b", "c"]
