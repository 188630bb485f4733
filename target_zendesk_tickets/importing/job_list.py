"""The account's job list, ``GET /api/v2/job_statuses.json``, and what it shows that single
look-ups may not.

The list holds every client's jobs of the last day, sorted by completion date, then
creation date, descending; Zendesk does not say where jobs without a completion date
(queued, working) go, so they may come after a day of finished ones, and every page is read
(cursor pagination, up to :data:`MAX_JOB_PAGES`). It is also where a job is still found
when the single look-ups (``job_statuses/{id}``, ``show_many``) stop finding it, as a
client migrating 20,000 objects saw (zenpy issue 291): :class:`JobLookup` asks the list
about the jobs a look-up left out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from target_zendesk_tickets.importing.jobs import (
    LIST_PATH,
    JobStatus,
    fetch_jobs,
    parse_job_status,
)
from zendesk_api.errors import ZendeskNotFoundError, ZendeskResponseError
from zendesk_api.http import ZendeskClient
from zendesk_api.pages import PAGE_SIZE, next_cursor

logger = logging.getLogger(__name__)

#: Pages of the job list read at most: 5,000 jobs, far more than the 30 an account may
#: have queued or running, and a day of jobs for all but the busiest accounts.
MAX_JOB_PAGES = 50

#: One page of the list: its query -> the answer (the caller decides about retries).
PageReader = Callable[[dict[str, Any]], Any]


@dataclass
class ListedJobs:
    jobs: list[JobStatus]
    complete: bool  # False: the list went on past MAX_JOB_PAGES


def read_job_list(read_page: PageReader, max_pages: int = MAX_JOB_PAGES) -> ListedJobs:
    """Every job of the list, page by page; a cursor seen twice ends it (it would loop)."""
    query: dict[str, Any] = {"page[size]": PAGE_SIZE}
    jobs: list[JobStatus] = []
    seen: set[str] = set()
    for _ in range(max_pages):
        document = read_page(query)
        items = document.get("job_statuses") if isinstance(document, Mapping) else None
        if not isinstance(items, list):
            raise ZendeskResponseError(f"Zendesk's answer to GET {LIST_PATH} has no job list")
        jobs += [parse_job_status(item) for item in items]
        cursor = next_cursor(document)  # has_more decides: the last page links on too
        if cursor is None or cursor in seen:
            return ListedJobs(jobs, complete=True)
        seen.add(cursor)
        query = {"page[size]": PAGE_SIZE, "page[after]": cursor}
    return ListedJobs(jobs, complete=False)


class JobLookup:
    """Job statuses by id: one look-up (``show_many``, or the job's own URL), then the job
    list for the ids it did not find. One try of each request: the caller retries."""

    def __init__(self, client: ZendeskClient) -> None:
        self.client = client
        self._told = False  # logged once that the list stands in for the look-ups

    def fetch(self, ids: Iterable[str]) -> dict[str, JobStatus]:
        wanted = list(ids)
        try:
            found = fetch_jobs(self.client, wanted)
        except ZendeskNotFoundError:
            if len(wanted) > 1:
                raise
            found = {}  # one job's own URL: not found, as show_many leaves it out
        missing = [job_id for job_id in wanted if job_id not in found]
        if not missing:
            return found
        listed = read_job_list(lambda query: self.client.fetch("GET", LIST_PATH, params=query)).jobs
        shown = {job.id: job for job in listed if job.id in missing}
        if shown and not self._told:
            self._told = True
            logger.info(
                "Zendesk's job look-ups did not find job(s) %s, which its job list shows: "
                "following them through the job list",
                ", ".join(sorted(shown)[:10]),
            )
        return {**found, **shown}

    def unfinished(self) -> list[str]:
        """The jobs the account's list shows queued or working (every client's)."""
        listed = read_job_list(lambda query: self.client.fetch("GET", LIST_PATH, params=query))
        return [job.id for job in listed.jobs if not job.finished]
