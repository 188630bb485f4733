"""Helpers for the sandbox's own tests: an admin HTTP client bound to one sandbox."""

from __future__ import annotations

import time

import requests

from zendesk_sandbox import Sandbox

EXPORT = "/api/v2/incremental/tickets/cursor.json"
IMPORT = "/api/v2/imports/tickets/create_many.json"


class Api:
    """Requests against one sandbox, as its admin (API token) unless told otherwise."""

    def __init__(self, sandbox: Sandbox, session: requests.Session) -> None:
        self.sandbox = sandbox
        self.session = session
        self.base = sandbox.base_url

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.session.get(self.base + path, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> requests.Response:
        return self.session.post(self.base + path, **kwargs)  # type: ignore[arg-type]

    def put(self, path: str, **kwargs: object) -> requests.Response:
        return self.session.put(self.base + path, **kwargs)  # type: ignore[arg-type]

    def delete(self, path: str, **kwargs: object) -> requests.Response:
        return self.session.delete(self.base + path, **kwargs)  # type: ignore[arg-type]

    def import_one(self, ticket: dict) -> requests.Response:
        return self.post("/api/v2/imports/tickets.json", json={"ticket": ticket})

    def imported_job_results(self, tickets: list) -> list[dict]:
        """Import ``tickets`` in one bulk job and return its results."""
        response = self.import_tickets(tickets)
        assert response.status_code == 200, response.text
        return self.wait_for_job(response.json()["job_status"]["id"])["results"]

    # Every ticket unless a test asks otherwise: Zendesk's own default scope ("agent")
    # leaves AI-agent tickets out; pass support_type_scope=None to send no scope at all.
    def export(self, **params: object) -> requests.Response:
        return self.get(EXPORT, params={"support_type_scope": "all", **params})

    def export_all(self, path: str = EXPORT, **params: object) -> list[dict]:
        """Every page from ``params`` (start_time or cursor) to end_of_stream."""
        pages = []
        response = self.get(path, params={"support_type_scope": "all", **params})
        while True:
            assert response.status_code == 200, response.text
            page = response.json()
            pages.append(page)
            if page["end_of_stream"]:
                return pages
            response = self.session.get(page["after_url"])

    def import_tickets(self, tickets: list, **params: object) -> requests.Response:
        return self.post(IMPORT, json={"tickets": tickets}, params=params)

    def wait_for_job(self, job_id: str, timeout: float = 5.0) -> dict:
        """Poll a job until it completes or fails."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(f"/api/v2/job_statuses/{job_id}.json").json()["job_status"]
            if job["status"] in ("completed", "failed"):
                return job
            time.sleep(0.01)
        raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def tickets_of(pages: list[dict]) -> list[dict]:
    return [ticket for page in pages for ticket in page["tickets"]]
