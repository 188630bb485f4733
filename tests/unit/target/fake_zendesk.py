"""A small in-memory Zendesk behind requests-mock: bulk imports become jobs the test controls."""

from __future__ import annotations

import re

from tests.unit.target.messages import BASE


class FakeZendesk:
    def __init__(self, mocker, *, auto_complete: bool = True) -> None:
        self.auto_complete = auto_complete
        self.imports: list[dict] = []  # each POST body, in order
        self.jobs: dict[str, dict] = {}
        self.failing: dict[int, dict[int, str]] = {}  # import number -> {index: reason}
        mocker.post(f"{BASE}/api/v2/imports/tickets/create_many.json", json=self._create_many)
        mocker.get(re.compile(f"{BASE}/api/v2/job_statuses/show_many.json"), json=self._show_many)
        mocker.get(
            re.compile(f"{BASE}/api/v2/job_statuses/(?!show_many)[^/]+\\.json"), json=self._show
        )
        # An account without copies: look-ups find nothing, and the export is empty.
        mocker.get(re.compile(f"{BASE}/api/v2/tickets\\.json"), json={"tickets": []})
        mocker.get(f"{BASE}/api/v2/tickets/count.json", json={"count": {"value": 0}})
        mocker.get(re.compile(f"{BASE}/api/v2/search\\.json"), json={"results": []})
        mocker.get(f"{BASE}/api/v2/job_statuses.json", json={"job_statuses": []})
        mocker.get(
            re.compile(f"{BASE}/api/v2/incremental/tickets/cursor\\.json"),
            json={"tickets": [], "end_of_stream": True, "after_cursor": None},
        )

    def complete(self, job_id: str) -> None:
        self.jobs[job_id]["status"] = "completed"

    def _create_many(self, request, context):
        tickets = request.json()["tickets"]
        self.imports.append(request.json())
        number = len(self.imports)
        job_id = f"job-{number}"
        failing = self.failing.get(number, {})
        results = [
            {"index": i, "success": False, "error": "RecordInvalid", "details": failing[i]}
            if i in failing
            else {"index": i, "id": 1000 * number + i}
            for i in range(len(tickets))
        ]
        self.jobs[job_id] = {
            "id": job_id,
            "status": "completed" if self.auto_complete else "queued",
            "results": results,
        }
        return {"job_status": {"id": job_id, "status": "queued", "results": None}}

    def _status(self, job_id: str) -> dict:
        job = dict(self.jobs[job_id])
        if job["status"] != "completed":
            job["results"] = None
        elif all(r.get("success") is False for r in job["results"]):
            job["status"] = "failed"
        return job

    def _show_many(self, request, context):
        ids = request.qs["ids"][0].split(",")
        return {"job_statuses": [self._status(i) for i in ids if i in self.jobs]}

    def _show(self, request, context):
        job_id = request.path.rsplit("/", 1)[-1].removesuffix(".json")
        return {"job_status": self._status(job_id)}
