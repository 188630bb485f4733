"""The baseline of bench_target.py: a minimal pipelined bulk importer, no target around it.

    minimal_importer.py BASE_URL JOBS_IN_FLIGHT < input.singer

Reads the same Singer input as the target, sends the same import bodies 100 at a time with
up to JOBS_IN_FLIGHT jobs open, and asks about every open job with one show_many call every
10 ms whenever it waits (for a free slot, or for the end). No STATE, no retries, no checks
beyond "did every job complete": the fastest a client can reasonably be.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from target_zendesk_tickets.importing.convert import is_deleted, to_import
from zendesk_sandbox import Credentials

POLL_EVERY = 0.01


def main() -> int:
    base, in_flight = sys.argv[1], int(sys.argv[2])
    session = requests.Session()
    session.auth = Credentials().admin_basic
    open_jobs: set[str] = set()
    polls = 0

    def poll() -> None:
        nonlocal polls
        polls += 1
        answer = session.get(
            f"{base}/api/v2/job_statuses/show_many.json", params={"ids": ",".join(open_jobs)}
        ).json()
        for job in answer["job_statuses"]:
            if job["status"] in ("completed", "failed"):
                if job["status"] == "failed":
                    raise SystemExit(f"job {job['id']} failed")
                open_jobs.discard(job["id"])

    def send(batch: list[dict]) -> None:
        while len(open_jobs) >= in_flight:
            time.sleep(POLL_EVERY)
            poll()
        answer = session.post(
            f"{base}/api/v2/imports/tickets/create_many.json", json={"tickets": batch}
        )
        answer.raise_for_status()
        open_jobs.add(answer.json()["job_status"]["id"])

    batch: list[dict] = []
    for line in sys.stdin:
        message = json.loads(line)
        if message.get("type") != "RECORD" or is_deleted(message["record"]):
            continue
        batch.append(to_import(message["record"]))
        if len(batch) == 100:
            send(batch)
            batch = []
    if batch:
        send(batch)
    while open_jobs:
        time.sleep(POLL_EVERY)
        poll()
    print(polls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
